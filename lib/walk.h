/* The one Marshal 4.8 grammar: a pull walker over the bytes.
 *
 * Every reader of Marshal bytes drives it: the tree builder (rsess_read),
 * the lookup and the pull cursor (cursor.c) and the annotated listing
 * (explain.c). So they cannot disagree about what is valid: the walker
 * alone decides, with one error code and one offset for every input.
 *
 * rs_walk_next() hands out one token at a time, in byte order. Nesting is
 * an explicit, heap-grown stack of frames (mpack's node parser is the
 * model), never C recursion, so input depth is a memory question only.
 *
 * Ruby's object table (which values take an index, and when: marshal.c
 * r_entry / r_prepare) is kept here and nowhere else: a token that takes
 * an index carries it in tok.obj. The symbol table too (tok.sym). The
 * consumers keep only their own pointer per index.
 *
 * The core is static inline, specialised per caller by the `fast`
 * argument (a constant at every call site): fast walkers fold the
 * commonest byte pattern, a String with its lone encoding flag, into one
 * token; explain walks it token by token. Both accept the same inputs. */
#ifndef RSESS_WALK_H
#define RSESS_WALK_H

#include "float.h"
#include "internal.h"

#define RS_NONE 0xffffffffu
/* The most items an Array or Hash, or pairs an object or ivar list, may
 * declare: their slots (two a pair, one more for a default) are counted in
 * a uint32_t, and their bytes (8 a slot) in a size_t, also where it has 32
 * bits (a count is checked against the input's bytes too). */
#define RS_MAX_COUNT ((size_t)UINT32_MAX / 2 < SIZE_MAX / 32 ? (size_t)UINT32_MAX / 2 : SIZE_MAX / 32)
_Static_assert(RS_MAX_COUNT * 2 + 1 <= UINT32_MAX && RS_MAX_COUNT <= SIZE_MAX / 32, "RS_MAX_COUNT: slots and bytes fit");
#define RS_WALK_STACK0 24 /* frames on the caller's stack before the heap */

/* Token kinds. */
enum {
    TK_ERROR = 0, /* w->code says why */
    TK_DONE,      /* the root value is complete */
    /* values (each fills one slot of its owner) */
    TK_NIL, TK_TRUE, TK_FALSE, TK_INT, TK_BIGNUM, TK_FLOAT,
    TK_BYTES,     /* String, Regexp, Class, Module, old Module: tok.type says which */
    TK_LINK,      /* '@': tok.link is the object index */
    TK_SYM,       /* a symbol, new (TF_NEW) or a link; also in name positions (TF_IVSYM: opens a frame) */
    /* (the kinds before TK_SYM, and TK_SYM without TF_IVSYM, open no frame) */
    TK_ARRAY,     /* opens a frame of tok.n items */
    TK_HASH,      /* opens a frame of tok.n pairs (TF_DEFAULT: and a default) */
    TK_OBJ,       /* 'o' 'S' 'U' 'd' (tok.type): opens a frame; the class symbol follows */
    TK_UDEF,      /* 'u': opens a frame; the class symbol, then TK_UDEF_DATA */
    /* parts of values */
    TK_FIELDS,    /* 'o'/'S' after the class: tok.n fields (symbol, value) follow */
    TK_UDEF_DATA, /* the _dump bytes */
    TK_IVAR,      /* 'I': opens a frame: the value, then TK_IVARS and the pairs */
    TK_EXTEND,    /* 'e': opens a frame: module symbol(s), then the value */
    TK_UCLASS,    /* 'C': opens a frame: class symbol, then the value */
    TK_IVARS,     /* the count of an ivar list (of an 'I' value or a symbol) */
    TK_ENC,       /* an ivar pair that set the encoding of its frame's value */
    TK_END,       /* tok.frame ends (TF_INNER: its value is a prefix frame's inner) */
    TK_PLACED,    /* (rs_walk_value_plain with a sink) a leaf the sink took: no token */
    TK_OPENED     /* (the same) an Array or Hash the sink took: its frame is on top, no token */
};

/* Where a value goes in its owner frame. */
enum {
    R_ROOT, R_ITEM, R_KEY, R_VAL, R_DEFAULT, R_CLASS, R_FNAME, R_FVAL, R_DUMPED,
    R_IVNAME, R_IVVAL, R_MODULE, R_UCLASS
};

/* Token flags. */
enum {
    TF_NEW = 1u << 0,      /* TK_SYM: defined here */
    TF_DEFAULT = 1u << 1,  /* TK_HASH: '}' */
    TF_NEG = 1u << 2,      /* TK_BIGNUM */
    TF_INNER = 1u << 3,    /* the value is the inner value of the prefix frame it was read in */
    TF_IVWRAP = 1u << 4,   /* read inside an 'I' (explain says so) */
    TF_ENC = 1u << 6,      /* TK_BYTES: tok.enc was given by the folded encoding flag */
    TF_IVSYM = 1u << 7,    /* TK_SYM: an ivar list follows (I:) */
    TF_CHAIN = 1u << 8,    /* TK_EXTEND: another 'e' of the same value */
    TF_RAWTEXT = 1u << 9   /* TK_FLOAT: Ruby 1.8's text, NUL, mantissa bytes (kept to write back) */
};

/* Frame kinds. */
enum { FK_ROOT, FK_ARRAY, FK_HASH, FK_OBJ, FK_ONE, FK_UDEF, FK_IVAR, FK_SYMIV, FK_EXTEND, FK_UCLASS };
/* Frame states. */
enum { ST_CLASS, ST_COUNT, ST_ITEMS, ST_INNER, ST_AFTER, ST_DATA, ST_DONE };

/* Symbol kinds that the grammar cares about. */
enum { SK_OTHER, SK_E, SK_ENCODING, SK_HASH };

/* rs_walker.otype[i]: the type of object i (rsess_type) and this flag. */
#define OT_ENCNAME 0x80 /* a String that can name an encoding (1..64 bytes) */

typedef struct rs_frame {
    uint8_t kind, state, role;
    uint8_t ivwrap;     /* values read as this frame's inner are 'I'-wrapped */
    uint8_t ivkind;     /* ivar lists: kind of the pending name (SK_*) */
    uint8_t have_enc;   /* ivar lists: an encoding ivar was seen */
    uint8_t ttype;      /* ivar lists: the type of the value they belong to */
    uint8_t inner_of;   /* this frame's value is a prefix frame's inner value */
    uint8_t nmods;      /* FK_EXTEND: modules so far */
    uint8_t identity;   /* FK_UCLASS: "C:Hash" before a hash */
    uint8_t cext, cucls;/* completed inner: extended / has a user class */
    uint8_t ctype;      /* completed inner's type */
    uint8_t popq;       /* an Array or Hash without a default, opened by a plain reader: rs_walk_pop_plain */
    uint32_t owner;     /* the frame whose slot this frame's value fills */
    uint32_t parent;    /* the frame this one was opened in */
    size_t level;       /* the nesting level of its value (the root is 1) */
    size_t slot;        /* that slot */
    size_t left;        /* values still to come */
    size_t next;        /* slot of the next value */
    size_t stop;        /* plain frames: values are plain while left > stop (else SIZE_MAX) */
    const unsigned char *start; /* first byte of the value (errors) */
    const unsigned char *ivat;  /* ivar lists: where the pending pair starts */
    const unsigned char *vstart;/* first byte of the value incl. prefixes (object offsets) */
    uint32_t vfirst;    /* object count there */
    uint32_t obj;       /* the object index this frame's value took (or RS_NONE) */
    uint32_t sym;       /* FK_SYMIV: the symbol */
    uint32_t cobj;      /* completed inner's object index */
    void *user, *aux;   /* the consumer's */
    void **slots;       /* the consumer's: where the values of plain slots go */
} rs_frame;

/* A consumer's own placement of the commonest plain leaves
 * (rs_walk_value_plain): each is called where the walker has read and
 * checked the value, for slot `slot` of the top frame f, instead of a
 * token. Nonzero: it failed, and said why (rs_walk_fail). The consumer
 * passes a constant sink of functions it inlines, so nothing is left in
 * between. */
typedef struct rs_plain_sink {
    /* a String with only its encoding flag (I"...E): its n bytes at p */
    int (*string)(void *ctx, rs_frame *f, size_t slot, const unsigned char *p, size_t n, int enc, uint32_t obj);
    /* nil, true, false (kind TK_NIL, TK_TRUE, TK_FALSE) or an 'i' Integer i (TK_INT) */
    int (*imm)(void *ctx, rs_frame *f, size_t slot, int kind, long i);
    /* an 'l' Integer of 64 bits at most (i), object idx: Ruby's Bignum form of what fits a Fixnum here */
    int (*int64)(void *ctx, rs_frame *f, size_t slot, int64_t i, uint32_t obj);
    /* an Array or Hash (type) of n items or pairs, in nslots slots,
     * object idx, whose frame a was just opened: its slot a->slot in its
     * owner a - 1 (the frame stack may have moved: f is not passed) */
    int (*open)(void *ctx, rs_frame *a, int type, size_t n, size_t nslots, uint32_t obj);
    /* an '@' link to object idx */
    int (*link)(void *ctx, rs_frame *f, size_t slot, uint32_t idx);
    /* a ';' link to symbol idx */
    int (*symlink)(void *ctx, rs_frame *f, size_t slot, uint32_t idx);
} rs_plain_sink;
/* frame addresses and indices are shifts, not multiplies by 136 */
_Static_assert(sizeof(void *) != 8 || sizeof(size_t) != 8 || sizeof(rs_frame) == 128, "rs_frame: 128 bytes on LP64");

typedef struct rs_wsym {
    const char *p;
    uint32_t len;
    uint32_t off;     /* where it is defined (tracking walkers) */
    uint32_t encname; /* object index of its encoding-name String, or RS_NONE */
    uint8_t kind;     /* SK_* */
    uint8_t enc;      /* rsess_enc */
    void *user;       /* the consumer's (e.g. its node) */
} rs_wsym;

typedef struct rs_tok {
    uint8_t kind, role, type, opts, enc;
    uint16_t flags;
    uint32_t owner;   /* frame whose slot the value fills */
    uint32_t parent;  /* frame it was read in */
    size_t slot;
    const unsigned char *at; /* first byte of the token */
    const unsigned char *p;  /* payload */
    size_t n;                /* payload length or count */
    int64_t i;
    double d;
    uint32_t obj;  /* the object index this token takes, or RS_NONE */
    uint32_t sym;  /* TK_SYM; TK_ENC: the symbol whose encoding it is, or RS_NONE */
    uint32_t link; /* TK_LINK; TK_ENC: the encoding-name object, or RS_NONE */
    uint32_t frame;/* the frame a token opens, or (TK_END) closes */
} rs_tok;

/* Tables shared between a walker and the replay walkers it spawns. */
typedef struct rs_tables {
    uint8_t *otype;     /* per object index */
    uint32_t *ooff;     /* tracking: where the object's value starts */
    uint32_t *ofirst;   /* tracking: the object count there */
    uint32_t ocap;
    rs_wsym *syms;
    uint32_t nsyms, scap;
    uint32_t sym_E;     /* the symbol :E, or RS_NONE */
    uint32_t fold_E;    /* the bytes 06 3b idx of a link to :E (idx one byte), or RS_NONE (no 3 bytes are) */
    bool heap;          /* some array left the embedded ones (or tracking is on): rs_tables_free has work */
    uint8_t otype0[256];
    rs_wsym syms0[32];
} rs_tables;

typedef struct rs_walker {
    const unsigned char *base, *p, *end;
    rs_frame *fr;
    size_t sp, cap;     /* frames fr[0..sp-1] */
    uint32_t nobjs;     /* objects so far */
    rs_tables *tab;
    size_t nvalues, max_nodes, max_depth;
    bool count_nodes;   /* max_nodes can be reached: the input has more bytes than it */
    bool track;         /* record where objects and symbols start */
    bool replay;        /* walking again bytes walked before: symbols are found, not defined */
    uint8_t pend;       /* what the next call completes first: 0, P_VALUE, P_POP */
    int code;
    rsess_err *err;
    const rsess_alloc *alloc;
    /* the value that completed last */
    uint8_t ctype, cext, cucls;
    uint32_t cobj, csym;
    const unsigned char *vstart;
    uint32_t vfirst;
    size_t vlevel;      /* the level of the value being read */
    rs_frame fr0[RS_WALK_STACK0];
} rs_walker;

enum { P_VALUE = 1, P_POP = 2 };

/* --- set-up (walk.c) ----------------------------------------------------- */
static inline void rs_tables_init(rs_tables *t);
static inline void rs_tables_free(rs_tables *t, const rsess_alloc *a);
/* Makes room to record where each object starts (cursor, lookup). */
int rs_tables_track(rs_tables *t, const rsess_alloc *a) RSESS_INTERNAL;
/* Starts a walk of one value at data[pos] (the 04 08 header is the
 * caller's). nobjs: the first object index (replays start mid-table). */
static inline void rs_walk_init(rs_walker *w, rs_tables *tab, const unsigned char *base, size_t len, size_t pos,
                                uint32_t nobjs, const rsess_limits *lim, const rsess_alloc *alloc, rsess_err *err);
static inline void rs_walk_free(rs_walker *w);
/* Fills err and stops the walk (the first error is kept). Returns TK_ERROR. */
int rs_walk_fail(rs_walker *w, int code, const unsigned char *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5))) RSESS_INTERNAL;
int rs_walk_push_slow(rs_walker *w) RSESS_INTERNAL;
bool rs_walk_obj_grow(rs_walker *w, uint32_t need) RSESS_INTERNAL;
bool rs_walk_sym_grow(rs_walker *w) RSESS_INTERNAL;
/* Marshal float text -> double (nan, inf, -inf, decimal text). */
/* Replay: the index of the symbol defined at offset off, or RS_NONE. */
uint32_t rs_walk_sym_at(const rs_tables *t, uint32_t off) RSESS_INTERNAL;


/* --- set-up, inline: a small value costs few instructions -------------------- */
static inline void rs_tables_init(rs_tables *t)
{
    t->otype = t->otype0;
    t->ooff = t->ofirst = NULL;
    t->ocap = sizeof t->otype0;
    t->syms = t->syms0;
    t->nsyms = 0;
    t->scap = sizeof t->syms0 / sizeof t->syms0[0];
    t->sym_E = RS_NONE;
    t->fold_E = RS_NONE;
    t->heap = false;
}

static inline void rs_tables_free(rs_tables *t, const rsess_alloc *a)
{
    if (LIKELY(!t->heap)) return;
    if (t->otype != t->otype0) rs_free(a, t->otype, t->ocap);
    if (t->ooff) rs_free(a, t->ooff, (size_t)t->ocap * sizeof *t->ooff);
    if (t->ofirst) rs_free(a, t->ofirst, (size_t)t->ocap * sizeof *t->ofirst);
    if (t->syms != t->syms0) rs_free(a, t->syms, (size_t)t->scap * sizeof *t->syms);
    rs_tables_init(t);
}

static inline void rs_walk_init(rs_walker *w, rs_tables *tab, const unsigned char *base, size_t len, size_t pos, uint32_t nobjs,
                  const rsess_limits *lim, const rsess_alloc *alloc, rsess_err *err)
{
    w->base = base;
    w->p = base + pos;
    w->end = base + len;
    w->fr = w->fr0;
    w->cap = RS_WALK_STACK0;
    w->nobjs = nobjs;
    w->tab = tab;
    w->nvalues = 0;
    w->max_depth = lim && lim->max_depth ? lim->max_depth : RSESS_DEFAULT_MAX_DEPTH;
    w->max_nodes = lim && lim->max_nodes ? lim->max_nodes : RSESS_DEFAULT_MAX_NODES;
    /* every counted value has a type byte of its own: no more of them than bytes */
    w->count_nodes = len - pos > w->max_nodes;
    w->track = w->replay = false;
    w->pend = 0;
    w->code = 0;
    w->err = err;
    w->alloc = alloc;
    /* not w->vstart, vfirst, vlevel: the head of every value sets them,
     * and a frame opens (rs_w_push reads them) only for a value */
    /* what a frame reads (rs_w_push's list), for the root, but for its
     * start, vstart and vfirst: read only of the frames the walker opens
     * (prefixes, objects, ivar lists) */
    rs_frame *f = &w->fr[0];
    f->kind = FK_ROOT;
    f->state = f->role = R_ROOT;
    f->ivwrap = f->ivkind = f->have_enc = f->ttype = f->inner_of = 0;
    f->nmods = f->identity = f->cext = f->cucls = f->popq = 0;
    f->owner = f->parent = 0;
    f->level = f->slot = f->next = 0;
    f->left = 1;
    f->stop = SIZE_MAX;
    f->obj = RS_NONE;
    f->user = f->aux = NULL;
    f->slots = NULL;
    w->sp = 1;
}

/* Starts a new walk of the same bytes at base[pos], keeping the frame
 * stack's memory: a deep first walk's pages serve the next one, which
 * then neither grows nor faults them in again. */
static inline void rs_walk_restart(rs_walker *w, size_t pos, uint32_t nobjs, const rsess_limits *lim, rsess_err *err)
{
    rs_frame *fr = w->fr;
    size_t cap = w->cap;
    rs_walk_init(w, w->tab, w->base, (size_t)(w->end - w->base), pos, nobjs, lim, w->alloc, err);
    if (fr != w->fr0) {
        fr[0] = w->fr0[0];
        w->fr = fr;
        w->cap = cap;
    }
}

static inline void rs_walk_free(rs_walker *w)
{
    if (w->fr != w->fr0) rs_free(w->alloc, w->fr, w->cap * sizeof *w->fr);
    w->fr = w->fr0;
    w->cap = RS_WALK_STACK0;
}

/* --- the core ------------------------------------------------------------- */
#define RS_WINLINE static inline __attribute__((always_inline))

/* The long of r_long's 1-4 byte form, c its first byte (+-1..4, the
 * count; negative: the bytes replace the low bytes of all ones), the n
 * bytes at p there (p + n <= end): one 4-byte load where 4 are left. */
RS_WINLINE long rs_w_le_long(const unsigned char *p, const unsigned char *end, int c)
{
    int n = c > 0 ? c : -c;
    uint64_t x = 0;
    if (LIKELY(end - p >= 4))
        x = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
    else
        for (int i = 0; i < n; i++) x |= (uint64_t)p[i] << (8 * i);
    x &= (UINT64_C(1) << (8 * n)) - 1;
    return c > 0 ? (long)x : (long)x - (1L << (8 * n));
}

/* r_long: a signed first byte; small values inline, else 1-4 bytes LE
 * (negative forms start from all ones: marshal.c r_long). It reads at *pp
 * and moves *pp on: w->p itself (rs_w_long), or a reader's local copy of
 * it, which then stays in a register (w->p is set on an error, where it
 * would have been). */
RS_WINLINE bool rs_w_long_at(rs_walker *w, const unsigned char **pp, long *out)
{
    const unsigned char *p = *pp;
    if (UNLIKELY(p >= w->end)) {
        w->p = p;
        rs_walk_fail(w, RSESS_ERR_TRUNCATED, p, "truncated data: expected a number");
        return false;
    }
    int c = (signed char)*p++;
    if (LIKELY(c >= 5)) {
        *pp = p;
        *out = c - 5;
        return true;
    }
    if (c == 0 || c < -4) {
        *pp = p;
        *out = c ? c + 5 : 0;
        return true;
    }
    int n = c > 0 ? c : -c;
    if (UNLIKELY((size_t)(w->end - p) < (size_t)n)) {
        w->p = p;
        rs_walk_fail(w, RSESS_ERR_TRUNCATED, p - 1, "truncated number: %d bytes declared, %zu left", n,
                     (size_t)(w->end - p));
        return false;
    }
    *pp = p + n;
    *out = rs_w_le_long(p, w->end, c);
    return true;
}

RS_WINLINE bool rs_w_long(rs_walker *w, long *out) { return rs_w_long_at(w, &w->p, out); }

/* A length or count: non-negative, and (times min_bytes per element) no
 * more than the bytes left, checked before anything is allocated. At *pp
 * as rs_w_long_at. */
RS_WINLINE bool rs_w_count_at(rs_walker *w, const unsigned char **pp, const char *what, size_t min_bytes,
                              const unsigned char *start, size_t *out)
{
    long n;
    if (!rs_w_long_at(w, pp, &n)) return false;
    if (UNLIKELY(n < 0)) {
        w->p = *pp;
        rs_walk_fail(w, RSESS_ERR_FORMAT, start, "negative %s size %ld", what, n);
        return false;
    }
    if (UNLIKELY((size_t)n * min_bytes > (size_t)(w->end - *pp))) { /* n < 2^31: no overflow */
        w->p = *pp;
        rs_walk_fail(w, RSESS_ERR_TRUNCATED, start, "truncated %s: %ld %s declared, %zu left", what, n,
                     min_bytes == 1 ? "bytes" : "elements", (size_t)(w->end - *pp));
        return false;
    }
    *out = (size_t)n;
    return true;
}

RS_WINLINE bool rs_w_count(rs_walker *w, const char *what, size_t min_bytes, const unsigned char *start, size_t *out)
{
    return rs_w_count_at(w, &w->p, what, min_bytes, start, out);
}

/* Every value but links and the three shared immediates counts against
 * limits.max_nodes. */
RS_WINLINE bool rs_w_counted(rs_walker *w, const unsigned char *at)
{
    if (UNLIKELY(w->count_nodes) && UNLIKELY(++w->nvalues > w->max_nodes)) {
        rs_walk_fail(w, RSESS_ERR_NODES, at, "more than %zu values", w->max_nodes);
        return false;
    }
    return true;
}

/* The object table: which values take an index, and when, follows
 * marshal.c: r_entry for strings, regexps, floats, bignums, class and
 * module references, arrays, hashes, objects, structs, 'U', 'd' (before
 * their contents: r_prepare/r_entry0), and '_dump' values after their
 * data -- after their ivars when 'I'-wrapped. Never: nil, true, false,
 * Fixnums, symbols (their own table) and links. */
RS_WINLINE uint32_t rs_w_register(rs_walker *w, int type, bool encname, const unsigned char *vstart, uint32_t vfirst,
                                 const bool plain)
{
    rs_tables *t = w->tab;
    uint32_t k = w->nobjs;
    if (UNLIKELY(k >= t->ocap) && !rs_walk_obj_grow(w, k + 1)) return RS_NONE;
    /* plain (a constant): rs_walk_value_plain's walker neither tracks nor replays */
    if (plain || !w->replay) {
        t->otype[k] = (uint8_t)(type | (encname ? OT_ENCNAME : 0));
        if (!plain && w->track) {
            t->ooff[k] = (uint32_t)(vstart - w->base);
            t->ofirst[k] = vfirst;
        }
    }
    w->nobjs = k + 1;
    return k;
}

/* Opens a frame for the value just read: where it goes (role, owner,
 * slot), the frame it was read in, its first byte and the object count
 * there, its level. Returns the new frame (NULL: out of memory, w->code
 * set); the caller fills what its kind needs through that pointer. */
RS_WINLINE rs_frame *rs_w_push_at(rs_walker *w, rs_tok *t, int kind, int state, int role, uint32_t owner, uint32_t parent,
                            size_t slot, const unsigned char *at, const unsigned char *vstart, uint32_t vfirst,
                            size_t level, bool inner_of)
{
    if (UNLIKELY(w->sp == w->cap) && rs_walk_push_slow(w)) return NULL;
    rs_frame *f = &w->fr[w->sp];
    /* every field a frame reads before it writes it (no memset: this is
     * the cost of every container) */
    f->kind = (uint8_t)kind;
    f->state = (uint8_t)state;
    f->role = (uint8_t)role;
    f->ivwrap = f->ivkind = f->have_enc = f->ttype = 0;
    f->inner_of = inner_of;
    f->nmods = f->identity = f->cext = f->cucls = f->popq = 0;
    f->owner = owner;
    f->parent = parent;
    f->level = level;
    f->slot = slot;
    f->left = f->next = 0;
    f->stop = SIZE_MAX;
    f->start = at;
    f->vstart = vstart;
    f->vfirst = vfirst;
    f->obj = RS_NONE;
    f->user = f->aux = NULL;
    f->slots = NULL;
    t->frame = (uint32_t)w->sp;
    w->sp++;
    return f;
}

/* rs_w_push_at with the head the token and the walker's value facts hold. */
RS_WINLINE rs_frame *rs_w_push(rs_walker *w, int kind, int state, rs_tok *t)
{
    return rs_w_push_at(w, t, kind, state, t->role, t->owner, t->parent, t->slot, t->at, w->vstart, w->vfirst, w->vlevel,
                        (t->flags & TF_INNER) != 0);
}

static inline uint8_t rs_w_symkind(const char *s, size_t len)
{
    if (len == 1 && s[0] == 'E') return SK_E;
    if (len == 8 && memcmp(s, "encoding", 8) == 0) return SK_ENCODING;
    if (len == 4 && memcmp(s, "Hash", 4) == 0) return SK_HASH;
    return SK_OTHER;
}

/* The first :E is symbol k: links to it fold (rs_w_fold_enc). */
RS_WINLINE void rs_w_first_E(rs_tables *t, uint32_t k)
{
    t->sym_E = k;
    if (k < 0x7b) t->fold_E = 0x06u | (uint32_t)';' << 8 | (uint32_t)(k ? k + 5 : 0) << 16;
}

/* Defines symbol bytes s at `at` (or, replaying, finds it), of a kind
 * and encoding the caller knows. */
RS_WINLINE uint32_t rs_w_defsym_as(rs_walker *w, const unsigned char *at, const char *s, size_t len, uint8_t kind,
                                   uint8_t enc)
{
    rs_tables *t = w->tab;
    if (!rs_w_counted(w, at)) return RS_NONE;
    if (UNLIKELY(w->replay)) {
        uint32_t k = rs_walk_sym_at(t, (uint32_t)(at - w->base));
        if (k == RS_NONE) rs_walk_fail(w, RSESS_ERR_FORMAT, at, "symbol not met before");
        return k;
    }
    if (UNLIKELY(t->nsyms == t->scap) && !rs_walk_sym_grow(w)) return RS_NONE;
    uint32_t k = t->nsyms++;
    rs_wsym *y = &t->syms[k];
    y->p = s;
    y->len = (uint32_t)len;
    y->off = (uint32_t)(at - w->base);
    y->encname = RS_NONE;
    y->kind = kind;
    y->enc = enc;
    y->user = NULL;
    if (kind == SK_E && t->sym_E == RS_NONE) rs_w_first_E(t, k);
    return k;
}

RS_WINLINE uint32_t rs_w_defsym(rs_walker *w, const unsigned char *at, const char *s, size_t len)
{
    return rs_w_defsym_as(w, at, s, len, rs_w_symkind(s, len),
                          rs_ascii_only(s, len) ? RSESS_ENC_USASCII : RSESS_ENC_BINARY);
}

/* The index of a symbol link (';' at start, w->p past it), checked. */
RS_WINLINE bool rs_w_symlink(rs_walker *w, const unsigned char *start, uint32_t *idx)
{
    long l;
    if (!rs_w_long(w, &l)) return false;
    if (UNLIKELY(l < 0 || (size_t)l >= w->tab->nsyms)) {
        rs_walk_fail(w, RSESS_ERR_SYMLINK, start, "symbol link %ld out of range (%u symbols)", l, w->tab->nsyms);
        return false;
    }
    *idx = (uint32_t)l;
    return true;
}

/* A symbol where the grammar wants one (marshal.c r_symbol): ':' new,
 * ';' link, 'I:' new with an ivar list (its encoding). */
RS_WINLINE int rs_w_symbol_at(rs_walker *w, rs_tok *t)
{
    const unsigned char *start = w->p;
    t->kind = TK_SYM;
    t->type = RSESS_SYMBOL;
    t->at = start;
    t->obj = RS_NONE;
    if (UNLIKELY(w->p >= w->end)) return rs_walk_fail(w, RSESS_ERR_TRUNCATED, w->p, "truncated data: expected a symbol");
    int c = *w->p++;
    bool ivar = false;
    if (c == 'I') {
        if (UNLIKELY(w->p >= w->end))
            return rs_walk_fail(w, RSESS_ERR_TRUNCATED, w->p, "truncated data: expected a symbol");
        c = *w->p++;
        if (c == ';') return rs_walk_fail(w, RSESS_ERR_FORMAT, start, "symbol link with encoding");
        ivar = true;
    }
    if (c == ';') {
        if (!rs_w_symlink(w, start, &t->sym)) return TK_ERROR;
    } else if (c != ':') {
        return rs_walk_fail(w, RSESS_ERR_FORMAT, start, "expected a symbol, found byte 0x%02x", c);
    } else {
        size_t len;
        if (!rs_w_count(w, "symbol", 1, start, &len)) return TK_ERROR;
        const char *s = (const char *)w->p;
        w->p += len;
        t->sym = rs_w_defsym(w, ivar ? start + 1 : start, s, len);
        if (t->sym == RS_NONE) return TK_ERROR;
        t->flags |= TF_NEW;
        t->p = (const unsigned char *)s;
        t->n = len;
    }
    w->ctype = RSESS_SYMBOL;
    w->csym = t->sym;
    w->cobj = RS_NONE;
    w->cext = w->cucls = 0;
    if (ivar) {
        /* a symbol's ivar list nests like a container: names may hold more */
        if (UNLIKELY(w->vlevel > w->max_depth))
            return rs_walk_fail(w, RSESS_ERR_DEPTH, start, "nesting deeper than %zu", w->max_depth);
        t->flags |= TF_IVSYM;
        rs_frame *s = rs_w_push(w, FK_SYMIV, ST_COUNT, t);
        if (!s) return TK_ERROR;
        s->sym = t->sym;
        s->ttype = RSESS_SYMBOL;
    } else {
        w->pend = P_VALUE;
    }
    return TK_SYM;
}

/* A symbol in a name position of frame f (class, field, ivar, module). */
RS_WINLINE int rs_w_symbol(rs_walker *w, rs_tok *t, rs_frame *f, int role)
{
    w->vlevel = f->level + 1;
    t->role = (uint8_t)role;
    t->flags = 0;
    t->owner = t->parent = (uint32_t)(f - w->fr);
    t->slot = f->next;
    return rs_w_symbol_at(w, t);
}

/* How a 'I"' String with only its encoding flag folds into one token:
 * 06 ; idx T|F (the :E symbol again) or 06 : 06 E T|F (defining :E):
 * 0 when it does not, else FOLD_ONE | the encoding (FOLD_ENC bits) |
 * FOLD_DEFINE for the second form.
 * p is where the ivar list starts. The first form is one 4-byte compare
 * against tab->fold_E (06 3b idx, set when :E is defined with an index
 * of one byte), the second one against the constant 06 : 06 E. */
enum { FOLD_ONE = 1, FOLD_ENC = 2, FOLD_DEFINE = 4 };
/* the FOLD_ENC bits are the rsess_enc itself */
_Static_assert(RSESS_ENC_UTF8 == 0 && (int)RSESS_ENC_USASCII == (int)FOLD_ENC, "rs_w_fold_enc: T and F as the encoding");

RS_WINLINE int rs_w_fold_enc(rs_walker *w, const unsigned char *p)
{
    if (UNLIKELY(w->end - p < 4)) return 0;
    uint32_t x;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&x, p, 4);
#else
    x = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
#endif
    if (LIKELY((x & 0xffffffu) == w->tab->fold_E)) {
        if ((x >> 24) == 'T') return FOLD_ONE | RSESS_ENC_UTF8;
        if ((x >> 24) == 'F') return FOLD_ONE | RSESS_ENC_USASCII;
        return 0;
    }
    if (x == (0x06u | (uint32_t)':' << 8 | 0x06u << 16 | (uint32_t)'E' << 24) && w->end - p >= 5 &&
        (p[4] == 'T' || p[4] == 'F'))
        return FOLD_ONE | FOLD_DEFINE | (p[4] == 'T' ? RSESS_ENC_UTF8 : RSESS_ENC_USASCII);
    return 0;
}

/* A value without a frame of its own is complete: in a container the
 * count moves on at once (the common case); elsewhere the next call
 * completes it (checks, encodings). */
RS_WINLINE void rs_w_leaf_done(rs_walker *w, rs_frame *f, const bool plain, int type, uint32_t obj)
{
    if (plain || LIKELY(f->kind <= FK_HASH || (f->kind == FK_OBJ && f->state == ST_ITEMS))) {
        f->left--;
        f->next++;
    } else {
        w->ctype = (uint8_t)type;
        w->cobj = obj;
        w->cext = w->cucls = 0;
        w->pend = P_VALUE;
    }
}

/* Where a value read in frame f goes, in the token's head and the
 * walker's value facts (what a frame opened for it records). */
RS_WINLINE void rs_w_head(rs_walker *w, rs_tok *t, rs_frame *f, int role, bool inner, const unsigned char *start,
                          size_t level)
{
    uint32_t fi = (uint32_t)(f - w->fr);
    t->role = (uint8_t)role;
    t->at = start;
    t->parent = fi;
    t->obj = RS_NONE;
    if (inner) {
        t->owner = f->owner;
        t->slot = f->slot;
        t->role = f->role;
        t->flags = TF_INNER | (f->ivwrap ? TF_IVWRAP : 0);
        w->vstart = f->vstart;
        w->vfirst = f->vfirst;
    } else {
        t->owner = fi;
        t->slot = f->next;
        t->flags = 0;
        w->vstart = start;
        w->vfirst = w->nobjs;
    }
    w->vlevel = level;
}

/* An Array ('[') or a Hash ('{', '}': with a default) read in the top
 * frame (rs_w_value's head done, w->p past c): its count, its object
 * index and its frame. */
RS_WINLINE int rs_w_container(rs_walker *w, rs_tok *t, int c, int role, size_t level, const unsigned char *start,
                              const unsigned char *vstart, uint32_t vfirst, const bool plain, const rs_plain_sink *sink,
                              void *ctx)
{
    const bool arr = c == '[';
    size_t n;
    if (!rs_w_count(w, arr ? "array" : "hash", arr ? 1 : 2, start, &n)) return TK_ERROR;
    if (UNLIKELY(n > RS_MAX_COUNT)) return rs_walk_fail(w, RSESS_ERR_RANGE, start, "container too large");
    if (!rs_w_counted(w, start)) return TK_ERROR;
    int type = arr ? RSESS_ARRAY : RSESS_HASH;
    uint32_t before = w->nobjs;
    uint32_t obj = rs_w_register(w, type, false, vstart, vfirst, plain);
    if (obj == RS_NONE) return TK_ERROR;
    rs_frame *a;
    if (plain) {
        uint32_t fi = (uint32_t)(w->sp - 1); /* f, on top (not from the token's head) */
        a = rs_w_push_at(w, t, arr ? FK_ARRAY : FK_HASH, ST_ITEMS, role, fi, fi, w->fr[fi].next, start, start, before,
                         level, false);
        /* in f, a plain frame (the root, an array or a hash), and no prefix's inner value */
        if (a) a->popq = c != '}';
    } else {
        a = rs_w_push(w, arr ? FK_ARRAY : FK_HASH, ST_ITEMS, t);
    }
    if (!a) return TK_ERROR;
    size_t slots = arr ? n : 2 * n + (c == '}');
    a->left = slots;
    a->obj = obj;
    a->ttype = (uint8_t)type;
    a->identity = c == '}'; /* reused: has a default */
    /* plain values (rs_walk_plain): all but a default, unless too deep */
    a->stop = a->level + 1 > w->max_depth ? SIZE_MAX : a->identity;
    if (plain && sink) return sink->open(ctx, a, type, n, slots, obj) ? TK_ERROR : TK_OPENED;
    t->type = (uint8_t)type;
    t->obj = obj;
    t->n = n;
    t->flags = (uint16_t)((plain ? 0 : t->flags) | (c == '}' ? TF_DEFAULT : 0)); /* rs_w_value's FLAGS */
    return t->kind = arr ? TK_ARRAY : TK_HASH;
}

/* One value in frame f's next slot. plain (a constant): f is a plain
 * frame (rs_walk_plain), so the level was checked when f opened, and a
 * leaf fills only the token's slot, flags and payload; the head is filled
 * (PLAIN_HEAD) only where a frame may open. */
RS_WINLINE int rs_w_value(rs_walker *w, rs_tok *restrict t, rs_frame *f, int role, bool inner, const bool fast,
                          const bool plain, const rs_plain_sink *sink, void *ctx)
{
    const unsigned char *start = w->p;
    size_t level = plain ? 0 : f->level + 1;
    /* plain: the role and level (see rs_walk_value_plain) only where a frame may open */
#define ROLE() (plain ? (f->kind == FK_ARRAY ? R_ITEM : R_KEY) : role)
#define LEVEL() (plain ? f->level + 1 : level)
    if (!plain) {
        /* Levels: the root is 1, whatever a container holds is one deeper;
         * a prefix ('I', 'e', 'C') and the encoding ivar of a String belong
         * to their value's level. */
        if (inner || (role == R_IVVAL && f->ivkind != SK_OTHER)) level--;
        rs_w_head(w, t, f, role, inner, start, level);
    }
/* plain: a token's slot (a sink's leaf needs none) */
#define TOK_SLOT() \
    do { \
        if (plain) t->slot = f->next; \
    } while (0)
#define PLAIN_HEAD() \
    do { \
        if (plain) rs_w_head(w, t, f, ROLE(), false, start, LEVEL()); \
    } while (0)
    /* the value's start and object count there, for the object table */
    const unsigned char *vstart = plain ? start : w->vstart;
    uint32_t vfirst = plain ? 0 : w->vfirst;
#define REGISTER(type, encname) rs_w_register(w, type, encname, vstart, vfirst, plain)
#define FLAGS(x) (t->flags = (uint16_t)((plain ? 0 : t->flags) | (x)))
    if (UNLIKELY(w->p >= w->end)) return rs_walk_fail(w, RSESS_ERR_TRUNCATED, w->p, "truncated data: expected a value");
    if (!plain && UNLIKELY(level > w->max_depth))
        return rs_walk_fail(w, RSESS_ERR_DEPTH, start, "nesting deeper than %zu", w->max_depth);
    int c = *w->p++;
    size_t n;
    long l;
    switch (c) {
    case '0': case 'T': case 'F':
        if (plain && sink) {
            size_t slot = f->next;
            rs_w_leaf_done(w, f, plain, RSESS_NIL, RS_NONE);
            return sink->imm(ctx, f, slot, c == '0' ? TK_NIL : c == 'T' ? TK_TRUE : TK_FALSE, 0) ? TK_ERROR : TK_PLACED;
        }
        t->kind = c == '0' ? TK_NIL : c == 'T' ? TK_TRUE : TK_FALSE;
        t->type = c == '0' ? RSESS_NIL : c == 'T' ? RSESS_TRUE : RSESS_FALSE;
        TOK_SLOT();
        rs_w_leaf_done(w, f, plain, t->type, RS_NONE);
        return t->kind;
    case 'i':
        if (!rs_w_long(w, &l) || !rs_w_counted(w, start)) return TK_ERROR;
        if (plain && sink) {
            size_t slot = f->next;
            rs_w_leaf_done(w, f, plain, RSESS_INT, RS_NONE);
            return sink->imm(ctx, f, slot, TK_INT, l) ? TK_ERROR : TK_PLACED;
        }
        t->i = l;
        t->type = RSESS_INT;
        TOK_SLOT();
        rs_w_leaf_done(w, f, plain, RSESS_INT, RS_NONE);
        return t->kind = TK_INT;
    case 'l': {
        if (UNLIKELY(w->p >= w->end)) return rs_walk_fail(w, RSESS_ERR_TRUNCATED, w->p, "truncated bignum: no sign byte");
        bool neg = *w->p++ == '-';
        if (!rs_w_count(w, "bignum", 2, start, &n)) return TK_ERROR;
        const unsigned char *digits = w->p;
        w->p += n * 2;
        size_t sig = n * 2;
        uint64_t u = 0;
        if (LIKELY(sig <= 8) && w->end - digits >= 8) { /* one load; the bytes past the digits masked off */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            memcpy(&u, digits, 8);
#else
            for (int i = 7; i >= 0; i--) u = u << 8 | digits[i];
#endif
            if (sig < 8) u &= (UINT64_C(1) << (8 * sig)) - 1;
        } else {
            while (sig && digits[sig - 1] == 0) sig--;
            if (sig <= 8)
                for (size_t i = 0; i < sig; i++) u |= (uint64_t)digits[i] << (8 * i);
        }
        bool fits = sig <= 8 && (neg ? u <= (uint64_t)INT64_MAX + 1 : u <= (uint64_t)INT64_MAX);
        int64_t i = neg ? (int64_t)(0 - u) : (int64_t)u;
        if (!rs_w_counted(w, start)) return TK_ERROR;
        uint32_t obj = REGISTER(fits ? RSESS_INT : RSESS_BIGNUM, false);
        if (obj == RS_NONE) return TK_ERROR;
        if (plain && sink && fits) {
            size_t slot = f->next;
            rs_w_leaf_done(w, f, plain, RSESS_INT, obj);
            return sink->int64(ctx, f, slot, i, obj) ? TK_ERROR : TK_PLACED;
        }
        FLAGS(neg ? TF_NEG : 0);
        t->p = digits;
        t->n = n * 2;
        t->type = fits ? RSESS_INT : RSESS_BIGNUM;
        if (fits) t->i = i;
        t->obj = obj;
        TOK_SLOT();
        rs_w_leaf_done(w, f, plain, t->type, t->obj);
        return t->kind = TK_BIGNUM;
    }
    case 'f':
        if (!rs_w_count(w, "float", 1, start, &n)) return TK_ERROR;
        t->p = w->p;
        t->n = n;
        w->p += n;
        bool raw;
        if (UNLIKELY(!rs_marshal_float((const char *)t->p, n, &t->d, &raw)))
            return rs_walk_fail(w, RSESS_ERR_FLOAT, start, "bad float text \"%.*s\"", (int)(n > 40 ? 40 : n), t->p);
        FLAGS(UNLIKELY(raw) ? TF_RAWTEXT : 0);
        if (!rs_w_counted(w, start)) return TK_ERROR;
        if ((t->obj = REGISTER(RSESS_FLOAT, false)) == RS_NONE) return TK_ERROR;
        t->type = RSESS_FLOAT;
        TOK_SLOT();
        rs_w_leaf_done(w, f, plain, RSESS_FLOAT, t->obj);
        return t->kind = TK_FLOAT;
    case ':': case ';': {
        if (plain && sink && c == ';') { /* rs_w_symbol_at's link, without its token */
            uint32_t idx;
            if (!rs_w_symlink(w, start, &idx)) return TK_ERROR;
            size_t slot = f->next;
            rs_w_leaf_done(w, f, plain, RSESS_SYMBOL, RS_NONE);
            return sink->symlink(ctx, f, slot, idx) ? TK_ERROR : TK_PLACED;
        }
        PLAIN_HEAD();
        w->p--;
        int k = rs_w_symbol_at(w, t);
        if (k == TK_SYM && !(t->flags & TF_IVSYM)) { /* a leaf like the others: counted at once */
            w->pend = 0;
            rs_w_leaf_done(w, f, plain, RSESS_SYMBOL, RS_NONE);
        }
        return k;
    }
    case '"': case '/': case 'c': case 'm': case 'M': {
        const char *what = c == '"' ? "string" : c == '/' ? "regexp" : "class path";
        if (!rs_w_count(w, what, 1, start, &n)) return TK_ERROR;
        FLAGS(0);
        t->p = w->p;
        t->n = n;
        w->p += n;
        t->type = c == '"' ? RSESS_STRING : c == '/' ? RSESS_REGEXP : c == 'c' ? RSESS_CLASS
                  : c == 'm' ? RSESS_MODULE : RSESS_OLDMODULE;
        if (c == '/') {
            if (UNLIKELY(w->p >= w->end))
                return rs_walk_fail(w, RSESS_ERR_TRUNCATED, w->p, "truncated regexp: no options byte");
            t->opts = *w->p++;
        }
        if (!rs_w_counted(w, start)) return TK_ERROR;
        if ((t->obj = REGISTER(t->type, c == '"' && n >= 1 && n <= 64)) == RS_NONE)
            return TK_ERROR;
        TOK_SLOT();
        rs_w_leaf_done(w, f, plain, t->type, t->obj);
        return t->kind = TK_BYTES;
    }
    case '[': case '{': case '}':
        if (!sink) TOK_SLOT();
        if (plain) { /* the hot path: one reader a type byte, each knowing its constants */
            if (c == '[') return rs_w_container(w, t, '[', ROLE(), LEVEL(), start, vstart, vfirst, true, sink, ctx);
            if (c == '{') return rs_w_container(w, t, '{', ROLE(), LEVEL(), start, vstart, vfirst, true, sink, ctx);
            return rs_w_container(w, t, '}', ROLE(), LEVEL(), start, vstart, vfirst, true, sink, ctx);
        }
        return rs_w_container(w, t, c, role, level, start, vstart, vfirst, false, NULL, NULL);
    case 'o': case 'S': case 'U': case 'd': {
        PLAIN_HEAD();
        t->type = c == 'o' ? RSESS_OBJECT : c == 'S' ? RSESS_STRUCT : c == 'U' ? RSESS_USERMARSHAL : RSESS_DATA;
        if (!rs_w_counted(w, start)) return TK_ERROR;
        if ((t->obj = REGISTER(t->type, false)) == RS_NONE) return TK_ERROR;
        rs_frame *o = rs_w_push(w, c == 'o' || c == 'S' ? FK_OBJ : FK_ONE, ST_CLASS, t);
        if (!o) return TK_ERROR;
        o->obj = t->obj;
        o->ttype = t->type;
        return t->kind = TK_OBJ;
    }
    case 'u': {
        PLAIN_HEAD();
        if (!rs_w_counted(w, start)) return TK_ERROR;
        t->type = RSESS_USERDEF;
        rs_frame *u = rs_w_push(w, FK_UDEF, ST_CLASS, t);
        if (!u) return TK_ERROR;
        u->ivwrap = (t->flags & TF_IVWRAP) != 0;
        u->ttype = RSESS_USERDEF;
        return t->kind = TK_UDEF;
    }
    case '@': {
        if (!rs_w_long(w, &l)) return TK_ERROR;
        if (UNLIKELY(l < 0 || (size_t)l >= w->nobjs))
            return rs_walk_fail(w, RSESS_ERR_LINK, start, "object link %ld out of range (%u objects so far)", l,
                                w->nobjs);
        if (plain && sink) {
            size_t slot = f->next;
            rs_w_leaf_done(w, f, plain, RSESS_NONE, (uint32_t)l);
            return sink->link(ctx, f, slot, (uint32_t)l) ? TK_ERROR : TK_PLACED;
        }
        t->link = (uint32_t)l;
        t->type = w->tab->otype[l] & 0x1f;
        TOK_SLOT();
        rs_w_leaf_done(w, f, plain, t->type, t->link);
        return t->kind = TK_LINK;
    }
    case 'I': {
        int next = w->p < w->end ? *w->p : -1;
        if (fast && next == '"') {
            /* I"...: a String and its lone encoding flag, the commonest pair
             * (read at q: w->p is set once the fold is sure, and at the end) */
            const unsigned char *q = w->p + 1;
            if (!rs_w_count_at(w, &q, "string", 1, start + 1, &n)) return TK_ERROR;
            int fold = rs_w_fold_enc(w, q + n);
            if (fold) {
                /* (the token is filled only where one is given: a sink's string needs none) */
                w->p = q += n;
                if (!rs_w_counted(w, start + 1)) return TK_ERROR; /* the String's byte: 'I' is a prefix */
                uint32_t obj = REGISTER(RSESS_STRING, n >= 1 && n <= 64);
                if (obj == RS_NONE) return TK_ERROR;
                if (fold & FOLD_DEFINE) { /* defines :E */
                    if (rs_w_defsym_as(w, q + 1, (const char *)q + 3, 1, SK_E, RSESS_ENC_USASCII) == RS_NONE)
                        return TK_ERROR;
                    w->p = q + 5;
                } else {
                    w->p = q + 4;
                }
                if (plain && sink) {
                    size_t slot = f->next;
                    rs_w_leaf_done(w, f, plain, RSESS_STRING, obj);
                    return sink->string(ctx, f, slot, q - n, n, fold & FOLD_ENC, obj) ? TK_ERROR : TK_PLACED;
                }
                t->p = q - n;
                t->n = n;
                t->type = RSESS_STRING;
                t->obj = obj;
                t->enc = (uint8_t)(fold & FOLD_ENC);
                FLAGS(TF_ENC | TF_IVWRAP);
                TOK_SLOT();
                rs_w_leaf_done(w, f, plain, RSESS_STRING, t->obj);
                return t->kind = TK_BYTES;
            }
        }
        if (next == ':') { /* a symbol with an encoding */
            PLAIN_HEAD();
            w->p--;
            return rs_w_symbol_at(w, t);
        }
        if (next == '@' || next == ';' || next == 'I')
            return rs_walk_fail(w, RSESS_ERR_FORMAT, start, "instance variables on a link");
        PLAIN_HEAD();
        rs_frame *iv = rs_w_push(w, FK_IVAR, ST_INNER, t);
        if (!iv) return TK_ERROR;
        iv->ivwrap = 1;
        return t->kind = TK_IVAR;
    }
    case 'e': case 'C': {
        PLAIN_HEAD();
        rs_frame *x = rs_w_push(w, c == 'e' ? FK_EXTEND : FK_UCLASS, ST_CLASS, t);
        if (!x) return TK_ERROR;
        x->ivwrap = (t->flags & TF_IVWRAP) != 0;
        return t->kind = c == 'e' ? TK_EXTEND : TK_UCLASS;
    }
    default: return rs_walk_fail(w, RSESS_ERR_TYPE, start, "unknown type byte 0x%02x", c);
    }
#undef PLAIN_HEAD
#undef TOK_SLOT
#undef REGISTER
#undef ROLE
#undef LEVEL
#undef FLAGS
}

/* marshal.c accepts an encoding on whatever carries bytes; Ruby 4.0 writes
 * one on class and module names that are not ASCII (I c ... E T). */
static inline bool rs_w_enc_capable(int type)
{
    return type == RSESS_STRING || type == RSESS_REGEXP || type == RSESS_SYMBOL || type == RSESS_USERDEF ||
           type == RSESS_CLASS || type == RSESS_MODULE;
}

/* The value in frame f's slot is complete (its facts in w->c*). May emit
 * a token (TK_ENC); returns 0 when it emits none. */
RS_WINLINE int rs_w_complete(rs_walker *w, rs_tok *t, rs_frame *f)
{
    switch (f->kind) {
    case FK_ROOT: case FK_ARRAY: case FK_HASH:
        f->left--;
        f->next++;
        return 0;
    case FK_OBJ:
        if (f->state == ST_CLASS) f->state = ST_COUNT;
        else f->left--, f->next++;
        return 0;
    case FK_ONE:
        if (f->state == ST_CLASS) f->state = ST_INNER, f->left = 1;
        else f->left = 0;
        return 0;
    case FK_UDEF:
        f->state = ST_DATA;
        return 0;
    case FK_EXTEND: case FK_UCLASS:
        if (f->state == ST_CLASS) {
            f->state = ST_AFTER;
            if (f->kind == FK_UCLASS) f->identity = w->tab->syms[w->csym].kind == SK_HASH;
            return 0;
        }
        f->ctype = w->ctype, f->cext = w->cext, f->cucls = w->cucls, f->cobj = w->cobj;
        f->state = ST_DONE;
        return 0;
    case FK_IVAR: case FK_SYMIV:
        if (f->state == ST_INNER) {
            f->ctype = f->ttype = w->ctype, f->cext = w->cext, f->cucls = w->cucls, f->cobj = w->cobj;
            if (UNLIKELY(w->ctype <= RSESS_INT || w->ctype == RSESS_SYMBOL)) {
                rs_walk_fail(w, RSESS_ERR_FORMAT, f->start, "instance variables on a %s",
                             rsess_type_name((rsess_type)w->ctype));
                return -1;
            }
            f->state = ST_COUNT;
            return 0;
        }
        if ((f->next & 1) == 0) { /* a name */
            f->ivkind = w->tab->syms[w->csym].kind;
            f->next++;
            return 0;
        }
        f->next++;
        f->left--;
        if (f->ivkind == SK_E || f->ivkind == SK_ENCODING) {
            if (UNLIKELY(!rs_w_enc_capable(f->ttype) || f->have_enc)) {
                rs_walk_fail(w, RSESS_ERR_ENCODING, f->ivat, "%s encoding ivar on a %s", f->have_enc ? "second" : "an",
                             rsess_type_name((rsess_type)f->ttype));
                return -1;
            }
            f->have_enc = 1;
            t->kind = TK_ENC;
            t->frame = (uint32_t)(f - w->fr);
            t->at = f->ivat;
            t->link = RS_NONE;
            t->sym = f->kind == FK_SYMIV ? f->sym : RS_NONE;
            if (f->ivkind == SK_E) {
                if (UNLIKELY(w->ctype != RSESS_TRUE && w->ctype != RSESS_FALSE)) {
                    rs_walk_fail(w, RSESS_ERR_ENCODING, f->ivat, "encoding flag E is not true or false");
                    return -1;
                }
                t->enc = w->ctype == RSESS_TRUE ? RSESS_ENC_UTF8 : RSESS_ENC_USASCII;
            } else {
                if (UNLIKELY(w->ctype != RSESS_STRING || w->cobj == RS_NONE ||
                             !(w->tab->otype[w->cobj] & OT_ENCNAME))) {
                    rs_walk_fail(w, RSESS_ERR_ENCODING, f->ivat, "encoding name is not a String");
                    return -1;
                }
                t->enc = RSESS_ENC_OTHER;
                t->link = w->cobj;
            }
            if (f->kind == FK_SYMIV && !w->replay) {
                rs_wsym *y = &w->tab->syms[f->sym];
                y->enc = t->enc;
                y->encname = t->link;
            }
            return TK_ENC;
        }
        if (UNLIKELY(f->ttype == RSESS_SYMBOL)) {
            rs_walk_fail(w, RSESS_ERR_FORMAT, f->ivat, "symbol with an instance variable other than its encoding");
            return -1;
        }
        return 0;
    }
    return 0;
}

/* The frame on top ends: its facts become the completed value's. */
RS_WINLINE int rs_w_end(rs_walker *w, rs_tok *t, rs_frame *f)
{
    t->kind = TK_END;
    t->frame = (uint32_t)(f - w->fr);
    t->flags = f->inner_of ? TF_INNER : 0;
    t->obj = RS_NONE;
    t->at = w->p;
    switch (f->kind) {
    case FK_SYMIV:
        w->ctype = RSESS_SYMBOL, w->csym = f->sym, w->cobj = RS_NONE, w->cext = w->cucls = 0;
        break;
    case FK_IVAR:
        w->ctype = f->ctype, w->cext = f->cext, w->cucls = f->cucls, w->cobj = f->cobj;
        if (f->ctype == RSESS_USERDEF) { /* '_dump' objects enter the table after their ivars */
            if ((t->obj = rs_w_register(w, RSESS_USERDEF, false, f->vstart, f->vfirst, false)) == RS_NONE) return TK_ERROR;
            w->cobj = t->obj;
        }
        break;
    case FK_EXTEND:
        if (UNLIKELY(f->ctype <= RSESS_INT || f->cext))
            return rs_walk_fail(w, RSESS_ERR_FORMAT, f->start, "extended %s", rsess_type_name((rsess_type)f->ctype));
        w->ctype = f->ctype, w->cext = 1, w->cucls = f->cucls, w->cobj = f->cobj;
        break;
    case FK_UCLASS:
        if (!f->identity || f->ctype != RSESS_HASH) {
            if (UNLIKELY((f->ctype != RSESS_STRING && f->ctype != RSESS_REGEXP && f->ctype != RSESS_ARRAY &&
                          f->ctype != RSESS_HASH) || f->cucls))
                return rs_walk_fail(w, RSESS_ERR_FORMAT, f->start, "user class on a %s",
                                    rsess_type_name((rsess_type)f->ctype));
            w->cucls = 1;
        } else {
            w->cucls = f->cucls;
        }
        w->ctype = f->ctype, w->cext = f->cext, w->cobj = f->cobj;
        break;
    case FK_UDEF:
        w->ctype = RSESS_USERDEF, w->cext = w->cucls = 0, w->cobj = f->obj;
        break;
    default:
        w->ctype = f->ttype, w->cext = w->cucls = 0, w->cobj = f->obj;
        break;
    }
    w->pend = P_POP;
    return TK_END;
}

/* Completes the value that ended last (pops its frame): 0, TK_ENC (an
 * ivar pair set an encoding) or TK_ERROR. */
RS_WINLINE int rs_walk_settle(rs_walker *w, rs_tok *t)
{
    if (UNLIKELY(w->code)) return TK_ERROR;
    if (w->pend) {
        if (w->pend == P_POP) w->sp--;
        w->pend = 0;
        int k = rs_w_complete(w, t, &w->fr[w->sp - 1]);
        if (k) return k < 0 ? TK_ERROR : k;
    }
    return 0;
}

/* The next token. The frame on top says what comes next: a value, a
 * symbol, a count, or its end; the switch only decides which, so each
 * reader below is inlined once. */
RS_WINLINE int rs_walk_next(rs_walker *w, rs_tok *t, const bool fast)
{
    if (w->pend || UNLIKELY(w->code)) {
        int k = rs_walk_settle(w, t);
        if (k || w->code) return k;
    }
    enum { A_VALUE, A_INNER, A_SYMBOL, A_END } act;
    int role = R_ROOT;
    rs_frame *f;
    for (;;) {
        f = &w->fr[w->sp - 1];
        switch (f->kind) {
        case FK_ROOT:
            if (f->left == 0) return TK_DONE;
            act = A_VALUE;
            break;
        case FK_ARRAY:
            act = f->left ? A_VALUE : A_END;
            role = R_ITEM;
            break;
        case FK_HASH:
            act = f->left ? A_VALUE : A_END;
            /* fast walkers' consumers place values by slot: only a default needs its role */
            if (fast) role = f->left == 1 && f->identity ? R_DEFAULT : R_KEY;
            else role = f->left == 1 && f->identity ? R_DEFAULT : (f->next & 1) ? R_VAL : R_KEY;
            break;
        case FK_OBJ:
            if (f->state == ST_CLASS) {
                act = A_SYMBOL, role = R_CLASS;
                break;
            }
            if (f->state == ST_COUNT) {
                size_t n;
                const unsigned char *at = w->p;
                if (!rs_w_count(w, f->ttype == RSESS_OBJECT ? "object" : "struct", 2, f->start, &n)) return TK_ERROR;
                if (UNLIKELY(n > RS_MAX_COUNT)) return rs_walk_fail(w, RSESS_ERR_RANGE, f->start, "object too large");
                f->state = ST_ITEMS;
                f->left = 2 * n;
                t->kind = TK_FIELDS;
                t->at = at;
                t->n = n;
                t->frame = (uint32_t)(f - w->fr);
                return TK_FIELDS;
            }
            act = !f->left ? A_END : (f->next & 1) == 0 ? A_SYMBOL : A_VALUE;
            role = (f->next & 1) == 0 ? R_FNAME : R_FVAL;
            break;
        case FK_ONE:
            act = f->state == ST_CLASS ? A_SYMBOL : f->left ? A_VALUE : A_END;
            role = f->state == ST_CLASS ? R_CLASS : R_DUMPED;
            break;
        case FK_UDEF:
            if (f->state == ST_CLASS) {
                act = A_SYMBOL, role = R_CLASS;
                break;
            }
            if (f->state == ST_DATA) {
                size_t n;
                const unsigned char *at = w->p;
                if (!rs_w_count(w, "_dump data", 1, f->start, &n)) return TK_ERROR;
                t->kind = TK_UDEF_DATA;
                t->at = at;
                t->p = w->p;
                t->n = n;
                w->p += n;
                t->frame = (uint32_t)(f - w->fr);
                t->obj = RS_NONE;
                if (!f->ivwrap) {
                    if ((t->obj = rs_w_register(w, RSESS_USERDEF, false, f->vstart, f->vfirst, false)) == RS_NONE)
                        return TK_ERROR;
                    f->obj = t->obj;
                }
                f->state = ST_DONE;
                return TK_UDEF_DATA;
            }
            act = A_END;
            break;
        case FK_IVAR: case FK_SYMIV:
            if (f->state == ST_INNER) {
                act = A_INNER;
                break;
            }
            if (f->state == ST_COUNT) {
                size_t n;
                const unsigned char *at = w->p;
                if (!rs_w_count(w, "ivar list", 2, f->start, &n)) return TK_ERROR;
                if (UNLIKELY(n > RS_MAX_COUNT)) return rs_walk_fail(w, RSESS_ERR_RANGE, f->start, "ivar list too large");
                f->state = ST_ITEMS;
                f->left = n;
                t->kind = TK_IVARS;
                t->at = at;
                t->n = n;
                t->frame = (uint32_t)(f - w->fr);
                return TK_IVARS;
            }
            if (f->left == 0) {
                act = A_END;
            } else if ((f->next & 1) == 0) {
                f->ivat = w->p;
                act = A_SYMBOL, role = R_IVNAME;
            } else {
                act = A_VALUE, role = R_IVVAL;
            }
            break;
        case FK_EXTEND:
            if (f->state == ST_CLASS) {
                act = A_SYMBOL, role = R_MODULE;
                break;
            }
            if (f->state == ST_AFTER) {
                if (w->p < w->end && *w->p == 'e') { /* the next module of the same chain */
                    if (UNLIKELY(++f->nmods == 16))
                        return rs_walk_fail(w, RSESS_ERR_FORMAT, f->start, "more than %d extended modules", 16);
                    t->kind = TK_EXTEND;
                    t->flags = TF_CHAIN;
                    t->at = w->p++;
                    t->frame = (uint32_t)(f - w->fr);
                    f->state = ST_CLASS;
                    return TK_EXTEND;
                }
                if (w->p < w->end && (*w->p == '@' || *w->p == ':' || *w->p == ';'))
                    return rs_walk_fail(w, RSESS_ERR_FORMAT, f->start, "extended link or symbol");
                f->state = ST_INNER;
            }
            act = f->state == ST_INNER ? A_INNER : A_END;
            break;
        case FK_UCLASS:
            if (f->state == ST_CLASS) {
                act = A_SYMBOL, role = R_UCLASS;
                break;
            }
            if (f->state == ST_AFTER) {
                bool hash_next = w->p < w->end && (*w->p == '{' || *w->p == '}');
                f->identity = f->identity && hash_next;
                if (!f->identity && w->p < w->end && (*w->p == '@' || *w->p == ':' || *w->p == ';'))
                    return rs_walk_fail(w, RSESS_ERR_FORMAT, f->start, "user class on a link or symbol");
                f->state = ST_INNER;
            }
            act = f->state == ST_INNER ? A_INNER : A_END;
            break;
        default:
            return rs_walk_fail(w, RSESS_ERR_STATE, w->p, "walker in a bad state");
        }
        break;
    }
    if (act == A_VALUE || act == A_INNER) return rs_w_value(w, t, f, role, act == A_INNER, fast, false, NULL, NULL);
    if (act == A_SYMBOL) return rs_w_symbol(w, t, f, role);
    return rs_w_end(w, t, f);
}

/* The hot path of rs_walk_next(w, t, true), for a consumer that gives
 * every array and hash slots for its values (and a walker that neither
 * tracks nor replays): while rs_walk_plain() says
 * the top frame f is an array, or a hash before its default, with values
 * to come, rs_walk_value_plain() reads the next value with the same tokens
 * and checks, without deciding what comes next; the role and the level
 * are worked out from f only where a frame may open (a leaf needs neither).
 * A leaf leaves f on top. With a sink, the commonest leaves go to it
 * (TK_PLACED) instead of a token. */
RS_WINLINE bool rs_walk_plain(const rs_walker *w, const rs_frame *f) { return !w->pend && f->left > f->stop; }

/* The end of an array or hash whose values are all read: the TK_END that
 * rs_walk_next would give, without its decisions. rs_walk_settle() then
 * completes the container in its owner (it may give a TK_ENC). */
RS_WINLINE bool rs_walk_plain_end(const rs_walker *w, const rs_frame *f)
{
    return !w->pend && f->left == 0 && (f->kind == FK_ARRAY || f->kind == FK_HASH);
}

RS_WINLINE int rs_walk_end_plain(rs_walker *w, rs_tok *t, rs_frame *f) { return rs_w_end(w, t, f); }

/* Before rs_walk_plain_end: the top frame f, all read, when nothing
 * waits on its end (f->popq: no default to place, not a prefix frame's
 * inner value, and its owner, the frame below, is the root, an array or a
 * hash): f pops and the owner's count moves on at once, with no token and
 * no completed-value facts (rs_w_complete reads none for those owners).
 * false: not that simple (or not ended), and nothing changed. */
RS_WINLINE bool rs_walk_pop_plain(rs_walker *w, rs_frame *f)
{
    if (w->pend || f->left || !f->popq) return false;
    rs_frame *o = f - 1;
    w->sp--;
    o->left--;
    o->next++;
    return true;
}

/* The root value goes to *slot, by the plain path too (rs_walk_init's
 * root frame has no slot: every value there takes rs_walk_next). */
RS_WINLINE void rs_walk_root_slot(rs_walker *w, void **slot)
{
    w->fr[0].slots = slot;
    w->fr[0].stop = 0;
}

RS_WINLINE int rs_walk_value_plain(rs_walker *w, rs_tok *t, rs_frame *f, const rs_plain_sink *sink, void *ctx)
{
    return rs_w_value(w, t, f, R_ITEM /* plain: from f, where it is needed */, false, true, true, sink, ctx);
}

#endif