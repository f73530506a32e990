/* Document or streaming writer -> Marshal 4.8 bytes, as ruby/ruby marshal.c
 * w_object() writes them: symbols once then ';' links, objects registered
 * in Ruby's order (a '_dump' object after its ivars, everything else before
 * its body) and linked with '@' when the same node comes again. */
#include "internal.h"
#include "opts.h"

#include <stddef.h>
#include <stdlib.h>

#define WRITE_MAX_DEPTH 4096 /* the streaming writer's nesting */

/* --- the emitter: bytes, w_long, symbol table, object counter ------------ */
typedef struct emitter {
    rsess_buf *out;
    rs_map syms;      /* symbol bytes (+ encoding tag) -> index + 1, all but :E */
    long nsyms;       /* symbols written */
    rs_map encnames;  /* encoding name -> object index + 1 */
    rs_map64 floats;  /* flonum bits -> object index + 1 (equal flonums are one object) */
    uint32_t *objidx; /* node id -> object index + 1 (rsess_write: one document) */
    rs_map64 objaddr; /* node address -> object index + 1 (the streaming writer:
                         its values may come from several documents, whose
                         node ids overlap) */
    bool by_addr;
    uint32_t *symidx; /* rsess_write: symbol node id -> symbol index + 1 (no hashing
                         of a symbol written before) */
    size_t symcap;
    const rsess_alloc *alloc;
    size_t objcap;
    long nobj;        /* object indices handed out */
    long sym_E;       /* the index of :E once written, else -1 (every String's flag) */
    unsigned char etail[8]; /* once sym_E is known: what follows a plain String's bytes
                               before its T or F (one ivar, a link to :E) */
    uint8_t etail_len;
    int code;
    const char *why;
} emitter;

static void em_fail(emitter *e, int code, const char *why)
{
    if (!e->code) {
        e->code = code;
        e->why = why;
    }
}

static inline __attribute__((always_inline)) void w_byte(emitter *e, int c)
{
    if (UNLIKELY(rs_buf_putc(e->out, c))) em_fail(e, RSESS_ERR_NOMEM, "out of memory");
}

static inline __attribute__((always_inline)) void w_raw(emitter *e, const void *p, size_t n)
{
    if (UNLIKELY(rs_buf_put(e->out, p, n))) em_fail(e, RSESS_ERR_NOMEM, "out of memory");
}

/* Room for n more bytes at the output's end: where they go (w_done then
 * says where they end), or NULL after a failed allocation (the error is
 * set). One check for a whole String, flag and all. */
static inline __attribute__((always_inline)) unsigned char *w_room(emitter *e, size_t n)
{
    rsess_buf *b = e->out;
    if (UNLIKELY(b->len + n >= b->cap) && rs_buf_reserve(b, n)) {
        em_fail(e, RSESS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    return b->data + b->len;
}

static inline __attribute__((always_inline)) void w_done(emitter *e, unsigned char *end)
{
    e->out->len = (size_t)(end - e->out->data);
}

/* marshal.c ruby_marshal_write_long of x (-2^31 <= x < 2^31) at p, 1 to 5
 * bytes; returns their end. */
static unsigned char *put_long_wide(unsigned char *p, long x)
{
    if (x == 0) {
        *p = 0;
        return p + 1;
    }
    if (x < 0 && x > -124) {
        *p = (unsigned char)((x - 5) & 0xff);
        return p + 1;
    }
    int i;
    for (i = 1; i < 5; i++) {
        p[i] = (unsigned char)(x & 0xff);
        x >>= 8; /* arithmetic shift: gcc and clang on every target we build for */
        if (x == 0) {
            p[0] = (unsigned char)i;
            break;
        }
        if (x == -1) {
            p[0] = (unsigned char)-i;
            break;
        }
    }
    return p + i + 1;
}

static inline __attribute__((always_inline)) unsigned char *put_long(unsigned char *p, long x)
{
    if (LIKELY(x > 0 && x < 123)) {
        *p = (unsigned char)(x + 5);
        return p + 1;
    }
    return put_long_wide(p, x);
}

/* w_long: marshal.c ruby_marshal_write_long. */
static void w_long_any(emitter *e, long x)
{
    if (x > 0x7fffffffL || x < -0x80000000L) {
        em_fail(e, RSESS_ERR_RANGE, "long too big to dump");
        return;
    }
    unsigned char *p = w_room(e, 5);
    if (p) w_done(e, put_long(p, x));
}

/* The commonest longs (lengths, counts, links, small Integers) in one
 * byte, inline; the rest by w_long_any. */
static inline __attribute__((always_inline)) void w_long(emitter *e, long x)
{
    if (LIKELY(x > 0 && x < 123)) w_byte(e, (int)(x + 5));
    else if (x == 0) w_byte(e, 0);
    else w_long_any(e, x);
}

static void w_bytes(emitter *e, const void *p, size_t n)
{
    if (n > 0x7fffffff) {
        em_fail(e, RSESS_ERR_RANGE, "string too long for Marshal");
        return;
    }
    unsigned char *q = w_room(e, n + 5);
    if (!q) return;
    q = put_long(q, (long)n);
    if (n) memcpy(q, p, n);
    w_done(e, q + n);
}

static inline void w_count(emitter *e, size_t n)
{
    if (n > 0x7fffffff) em_fail(e, RSESS_ERR_RANGE, "count too large for Marshal");
    else w_long(e, (long)n);
}

/* 'f', then the text straight into the output (its length is one byte:
 * RSESS_FLOAT_TEXT_MAX < 123) */
static void w_float_body(emitter *e, double d)
{
    unsigned char *p = w_room(e, 2 + RSESS_FLOAT_TEXT_MAX);
    if (!p) return;
    size_t n = rsess_float_marshal_text(d, (char *)p + 2);
    p[0] = 'f';
    p[1] = (unsigned char)(n + 5);
    w_done(e, p + 2 + n);
}

/* 'l': sign, count of 16-bit words, magnitude LE (top zero bytes dropped,
 * padded to a whole word). */
static void w_bignum_mag(emitter *e, const unsigned char *mag, size_t len, bool neg)
{
    while (len && mag[len - 1] == 0) len--;
    size_t shorts = (len + 1) / 2;
    w_byte(e, 'l');
    w_byte(e, neg ? '-' : '+');
    w_count(e, shorts);
    w_raw(e, mag, len);
    if (len & 1) w_byte(e, 0);
}

/* An Integer of 31 bits or more (so its magnitude is not 0) as 'l': the
 * magnitude's bytes, then a zero to a whole 16-bit word. */
static void w_int_as_bignum(emitter *e, int64_t i)
{
    uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
    int len = (64 - __builtin_clzll(u | 1) + 7) / 8, shorts = (len + 1) / 2;
    unsigned char *p = w_room(e, 3 + 8);
    if (!p) return;
    p[0] = 'l';
    p[1] = i < 0 ? '-' : '+';
    p[2] = (unsigned char)(shorts + 5); /* 1 to 4 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p + 3, &u, 8); /* all 8, little-endian: the room is there */
#else
    for (int k = 0; k < 8; k++) p[3 + k] = (unsigned char)(u >> (8 * k));
#endif
    w_done(e, p + 3 + 2 * shorts);
}

/* Symbols are keyed by bytes plus encoding: ASCII-only names are one
 * symbol whatever their encoding, as in Ruby. */
static uint64_t sym_tag(const char *p, size_t len, int enc, const char *encname, size_t enclen)
{
    if (enc == RSESS_ENC_BINARY) return 0;
    if (rs_ascii_only(p, len) && (enc != RSESS_ENC_OTHER || rs_enc_ascii_compatible(encname, enclen))) return 0;
    if (enc == RSESS_ENC_OTHER) return rs_hash_bytes(encname, enclen, 99);
    return (uint64_t)enc + 1; /* never 0: 0 means "no encoding ivar" */
}

static void w_encoding_ivar(emitter *e, int enc, const char *name, size_t namelen);

/* :E took index idx: the bytes a plain String writes after its own, up to
 * its T or F, are from now on one ivar and a link to it. */
static void set_sym_E(emitter *e, long idx)
{
    e->sym_E = idx;
    e->etail[0] = 6;
    e->etail[1] = ';';
    e->etail_len = (uint8_t)(put_long(e->etail + 2, idx) - e->etail);
}

/* Writes a symbol (or its link) and returns its index. */
static long w_symbol_bytes(emitter *e, const char *p, size_t len, int enc, const char *encname, size_t enclen)
{
    uint64_t tag = sym_tag(p, len, enc, encname, enclen);
    /* :E, the name of every String's encoding flag, is kept beside the
     * map: a session of String keys then writes without hashing */
    bool is_E = len == 1 && p[0] == 'E' && tag == 0;
    long known = -1;
    if (is_E) {
        known = e->sym_E;
    } else {
        void *found = rs_map_get(&e->syms, p, len, tag);
        if (found) known = (long)((uintptr_t)found - 1);
    }
    if (known >= 0) {
        w_byte(e, ';');
        w_long(e, known);
        return known;
    }
    long idx = e->nsyms++;
    bool with_enc = tag != 0;
    if (with_enc) w_byte(e, 'I');
    w_byte(e, ':');
    w_bytes(e, p, len);
    /* The symbol takes its index before its encoding's symbols (w_symbol). */
    if (is_E) set_sym_E(e, idx);
    else if (rs_map_put(&e->syms, p, len, tag, (void *)(uintptr_t)(idx + 1)))
        em_fail(e, RSESS_ERR_NOMEM, "out of memory");
    if (with_enc) {
        w_long(e, 1);
        w_encoding_ivar(e, enc, encname, enclen);
    }
    return idx;
}

/* Makes a per-node-id table (zeroed) hold index id: false after a failed
 * allocation (the error is set). */
static bool id_grow(emitter *e, uint32_t **tab, size_t *cap, size_t id)
{
    size_t ncap = *cap ? *cap : 64;
    while (ncap <= id) ncap *= 2;
    uint32_t *n = rs_realloc(e->alloc, *tab, *cap * sizeof *n, ncap * sizeof *n);
    if (!n) {
        em_fail(e, RSESS_ERR_NOMEM, "out of memory");
        return false;
    }
    memset(n + *cap, 0, (ncap - *cap) * sizeof *n);
    *tab = n;
    *cap = ncap;
    return true;
}

static inline bool id_room(emitter *e, uint32_t **tab, size_t *cap, size_t id)
{
    return LIKELY(id < *cap) || id_grow(e, tab, cap, id);
}

static void w_symbol(emitter *e, const rsess_val *s)
{
    if (!s || rs_type(s) != RSESS_SYMBOL) {
        em_fail(e, RSESS_ERR_VALUE, "a class or ivar name that is not a Symbol");
        return;
    }
    if (!e->by_addr && s->id < e->symcap && e->symidx[s->id]) { /* this node again */
        w_byte(e, ';');
        w_long(e, (long)e->symidx[s->id] - 1);
        return;
    }
    size_t enclen = 0;
    const char *encname = rs_enc_of(s) == RSESS_ENC_OTHER ? rs_enc_name(s, &enclen) : NULL;
    long idx = w_symbol_bytes(e, s->u.s.p, s->u.s.len, rs_enc_of(s), encname, enclen);
    if (e->by_addr || e->code) return; /* node ids of several documents overlap */
    if (id_room(e, &e->symidx, &e->symcap, s->id)) e->symidx[s->id] = (uint32_t)idx + 1;
}

/* The encoding ivar (name + value), without the count. Ruby writes one
 * name String per encoding per dump and links it afterwards. */
static void w_encoding_ivar(emitter *e, int enc, const char *name, size_t namelen)
{
    if (enc == RSESS_ENC_UTF8 || enc == RSESS_ENC_USASCII) {
        if (LIKELY(e->sym_E >= 0)) {
            w_byte(e, ';');
            w_long(e, e->sym_E);
        } else {
            w_symbol_bytes(e, "E", 1, RSESS_ENC_USASCII, NULL, 0); /* sets sym_E */
        }
        w_byte(e, enc == RSESS_ENC_UTF8 ? 'T' : 'F');
        return;
    }
    w_symbol_bytes(e, "encoding", 8, RSESS_ENC_USASCII, NULL, 0);
    void *found = rs_map_get(&e->encnames, name, namelen, 0);
    if (found) {
        w_byte(e, '@');
        w_long(e, (long)((uintptr_t)found - 1));
        return;
    }
    if (rs_map_put(&e->encnames, name, namelen, 0, (void *)(uintptr_t)(e->nobj + 1)))
        em_fail(e, RSESS_ERR_NOMEM, "out of memory");
    e->nobj++;
    w_byte(e, '"');
    w_bytes(e, name, namelen);
}

/* A String of len bytes at s in UTF-8, US-ASCII or binary, with no other
 * ivars: 'I' (unless binary), '"', the bytes and the encoding flag, in one
 * reservation once :E is written. */
static void w_str_body(emitter *e, const char *s, size_t len, int enc)
{
    if (UNLIKELY(len > 0x7fffffff)) {
        em_fail(e, RSESS_ERR_RANGE, "string too long for Marshal");
        return;
    }
    unsigned char *p = w_room(e, len + 16); /* I " len(5) bytes etail(8) T */
    if (!p) return;
    bool flag = enc != RSESS_ENC_BINARY;
    if (flag) *p++ = 'I';
    *p++ = '"';
    p = put_long(p, (long)len);
    if (len) memcpy(p, s, len);
    p += len;
    if (!flag) {
        w_done(e, p);
    } else if (LIKELY(e->etail_len)) {
        memcpy(p, e->etail, sizeof e->etail);
        p += e->etail_len;
        *p++ = enc == RSESS_ENC_UTF8 ? 'T' : 'F';
        w_done(e, p);
    } else { /* the first: :E is defined here */
        *p++ = 6;
        w_done(e, p);
        w_encoding_ivar(e, enc, NULL, 0);
    }
}

/* A String in UTF-8, US-ASCII or binary that is not a node (entry
 * wrappers, the streaming writer); it takes the next object index. */
static void w_plain_string(emitter *e, const char *p, size_t len, rsess_enc enc)
{
    if (enc == RSESS_ENC_OTHER) {
        em_fail(e, RSESS_ERR_ARG, "a named encoding here is not supported");
        return;
    }
    e->nobj++;
    w_str_body(e, p, len, enc);
}

static void em_free(emitter *e, const rsess_alloc *alloc)
{
    rs_map_free(&e->syms);
    rs_map_free(&e->encnames);
    rs_map64_free(&e->floats);
    rs_free(alloc, e->objidx, e->objcap * sizeof *e->objidx);
    rs_map64_free(&e->objaddr);
    rs_free(alloc, e->symidx, e->symcap * sizeof *e->symidx);
}

/* The object index + 1 a node took, BUSY, or 0. */
static inline uint32_t obj_get(const emitter *e, const rsess_val *v)
{
    if (e->by_addr) return (uint32_t)rs_map64_get(&e->objaddr, (uint64_t)(uintptr_t)v);
    return v->id < e->objcap ? e->objidx[v->id] : 0;
}

/* --- the document writer ------------------------------------------------- */
/* '@' and the index of a node written before (k: obj_get's index + 1). */
static inline void w_link(emitter *e, uint32_t k)
{
    if (UNLIKELY(k > 0x80000000u)) { /* an index past what a long holds */
        w_byte(e, '@');
        w_long_any(e, (long)k - 1);
        return;
    }
    unsigned char *p = w_room(e, 6);
    if (!p) return;
    *p = '@';
    w_done(e, put_long(p + 1, (long)k - 1));
}

static inline uint64_t float_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* A flonum: the link to an equal one written before (true), else the
 * index it is about to get is recorded (false). True after a failed
 * allocation too (the error is set). */
static bool float_seen(emitter *e, double d)
{
    uint64_t found = rs_map64_get_or_put(&e->floats, float_bits(d), (uint64_t)e->nobj + 1);
    if (LIKELY(!found)) return false;
    if (found == UINT64_MAX) {
        em_fail(e, RSESS_ERR_NOMEM, "out of memory");
        return true;
    }
    w_byte(e, '@');
    w_long(e, (long)(found - 1));
    return true;
}

/* Node v takes the next object index (or, val != 0, that mark). */
static inline bool obj_set(emitter *e, const rsess_val *v, uint32_t val)
{
    if (UNLIKELY(e->by_addr)) {
        if (!rs_map64_put(&e->objaddr, (uint64_t)(uintptr_t)v, val)) return true;
        em_fail(e, RSESS_ERR_NOMEM, "out of memory");
        return false;
    }
    if (!id_room(e, &e->objidx, &e->objcap, v->id)) return false;
    e->objidx[v->id] = val;
    return true;
}

static inline void remember(emitter *e, const rsess_val *v)
{
    if (obj_set(e, v, (uint32_t)(e->nobj + 1))) e->nobj++;
}

static bool needs_enc_ivar(const rsess_val *v)
{
    return (rs_type(v) == RSESS_STRING || rs_type(v) == RSESS_REGEXP || rs_type(v) == RSESS_USERDEF ||
            rs_type(v) == RSESS_CLASS || rs_type(v) == RSESS_MODULE) &&
           rs_enc_of(v) != RSESS_ENC_BINARY;
}

/* The document writer walks the graph with a stack of its own: depth
 * costs heap, never C stack. A frame is a node whose children come one at
 * a time, in the order of marshal.c w_object. */
typedef struct wframe {
    const rsess_val *v;
    uint32_t i;      /* next child */
    uint8_t phase;   /* W_* */
    uint8_t has_iv;
} wframe;
enum { W_ITEMS, W_DEFAULT, W_IVARS_START, W_IVARS, W_END };

#define WSTACK0 32
#define BUSY UINT32_MAX /* objidx: a '_dump' value still writing its ivars */

typedef struct docw {
    emitter *e;       /* its own (rsess_write) or a streaming writer's */
    emitter own;
    const rsess_alloc *alloc;
    wframe *st;
    size_t sp, cap;
    wframe st0[WSTACK0];
} docw;

static void docw_free(docw *w)
{
    if (w->e == &w->own) em_free(&w->own, w->alloc);
    if (w->st != w->st0) rs_free(w->alloc, w->st, w->cap * sizeof *w->st);
}

/* Doubles the stack: false after a failed allocation (the error is set). */
static bool w_grow(docw *w)
{
    size_t ncap = w->cap * 2;
    wframe *n;
    if (w->st == w->st0) {
        n = rs_malloc(w->alloc, ncap * sizeof *n);
        if (n) memcpy(n, w->st0, sizeof w->st0);
    } else {
        n = rs_realloc(w->alloc, w->st, w->cap * sizeof *n, ncap * sizeof *n);
    }
    if (!n) {
        em_fail(w->e, RSESS_ERR_NOMEM, "out of memory");
        return false;
    }
    w->st = n;
    w->cap = ncap;
    return true;
}

static inline void w_push(docw *w, const rsess_val *v, int phase, bool has_iv)
{
    if (UNLIKELY(w->sp == w->cap) && !w_grow(w)) return;
    w->st[w->sp++] = (wframe){v, 0, (uint8_t)phase, has_iv};
}

/* Marks a '_dump' value whose ivars are being written: a link to it from
 * inside them could never be written (Ruby registers it after them). */
static void mark_busy(emitter *e, const rsess_val *v)
{
    obj_set(e, v, BUSY);
}

static void w_ivars_head(emitter *e, const rsess_val *v)
{
    size_t niv = rs_x(v) ? rs_x(v)->niv : 0;
    bool enc = needs_enc_ivar(v);
    w_count(e, niv + (enc ? 1 : 0));
    if (enc) {
        size_t len = 0; /* the name matters for a named encoding only */
        const char *name = rs_enc_of(v) == RSESS_ENC_OTHER ? rs_enc_name(v, &len) : NULL;
        w_encoding_ivar(e, rs_enc_of(v), name, len);
    }
}

static void w_prefixes(docw *w, const rsess_val *v, bool has_iv)
{
    emitter *e = w->e;
    if (has_iv) w_byte(e, 'I');
    if (rs_x(v)) {
        for (uint32_t i = 0; i < rs_x(v)->next; i++) {
            w_byte(e, 'e');
            w_symbol(e, rs_x(v)->ext[i]);
        }
        if (rs_x(v)->uclass) {
            w_byte(e, 'C');
            w_symbol(e, rs_x(v)->uclass);
        }
    }
    if (rs_type(v) == RSESS_HASH && (rs_flags(v) & F_IDENTITY)) {
        w_byte(e, 'C');
        w_symbol_bytes(e, "Hash", 4, RSESS_ENC_USASCII, NULL, 0);
    }
}

/* An 'i' Integer or a fixnum past it (which takes an index, never linked). */
static inline void w_fixnum(emitter *e, int64_t i)
{
    if (LIKELY(rs_int_is_i(i))) {
        unsigned char *p = w_room(e, 6);
        if (p) {
            *p = 'i';
            w_done(e, put_long(p + 1, (long)i));
        }
        return;
    }
    e->nobj++;
    w_int_as_bignum(e, i);
}

/* A flonum is an immediate in Ruby: equal values are one object, whichever
 * node holds them (so the table, not a node's index, links it). */
static inline void w_flonum(emitter *e, double d)
{
    if (!float_seen(e, d)) {
        e->nobj++;
        w_float_body(e, d);
    }
}

/* The commonest values whole, without w_begin's general steps: nil,
 * true, false, a Symbol, an Integer Ruby holds as a fixnum, a String with
 * no ivars but its encoding flag (UTF-8, US-ASCII or binary) and no 'e' or
 * 'C' (a link when written before), a flonum with no extras. False for
 * anything else (w_begin writes it). */
static inline __attribute__((always_inline)) bool w_leaf(emitter *e, const rsess_val *v)
{
    if (UNLIKELY(!v)) return false;
    uintptr_t b = (uintptr_t)v;
    if (b & RS_IMM_MASK) { /* an immediate (internal.h): always a leaf */
        if (b & RS_IMM_INT) w_fixnum(e, rs_ival(v));
        else if (v == RS_NIL) w_byte(e, '0');
        else if (v == RS_TRUE) w_byte(e, 'T');
        else if (v == RS_FALSE) w_byte(e, 'F');
        else w_flonum(e, rs_fval(v));
        return true;
    }
    switch (v->type) {
    case RSESS_NIL: w_byte(e, '0'); return true;
    case RSESS_TRUE: w_byte(e, 'T'); return true;
    case RSESS_FALSE: w_byte(e, 'F'); return true;
    case RSESS_SYMBOL: w_symbol(e, v); return true;
    case RSESS_INT:
        if (!rs_int_is_fixnum(v->u.i)) return false; /* a heap Bignum in Ruby: an object like any other */
        w_fixnum(e, v->u.i);
        return true;
    case RSESS_STRING: {
        const struct rsess_extra *x = v->x;
        if (v->enc == RSESS_ENC_OTHER || (x && (x->niv || x->next || x->uclass))) return false;
        uint32_t k = obj_get(e, v);
        if (k) {
            if (UNLIKELY(k == BUSY)) return false;
            w_link(e, k);
            return true;
        }
        remember(e, v);
        w_str_body(e, v->u.s.p, v->u.s.len, v->enc);
        return true;
    }
    case RSESS_FLOAT: /* a node: with extras, or not a flonum */
        if (v->x || !rs_is_flonum(v->u.f)) return false;
        w_flonum(e, v->u.f);
        return true;
    default: return false;
    }
}

/* Writes what comes before v's children; pushes a frame when children
 * (items, pairs, the dumped object, ivars) are to come. */
static void w_begin(docw *w, const rsess_val *v)
{
    emitter *e = w->e;
    if (e->code) return;
    if (w_leaf(e, v)) return;
    if (!v) {
        em_fail(e, RSESS_ERR_VALUE, "a missing value");
        return;
    }
    if (rs_type(v) == RSESS_NONE) {
        em_fail(e, RSESS_ERR_VALUE, "a value of no type");
        return;
    }
    if (rs_type(v) == RSESS_FLOAT && rs_is_flonum(rs_fval(v)) && float_seen(e, rs_fval(v))) return; /* one with extras */
    uint32_t k = obj_get(e, v);
    if (k == BUSY) {
        em_fail(e, RSESS_ERR_VALUE, "a _dump value inside its own instance variables");
        return;
    }
    if (k) {
        w_link(e, k);
        return;
    }
    bool has_iv = needs_enc_ivar(v) || (rs_x(v) && rs_x(v)->niv);
    if (rs_type(v) == RSESS_USERDEF) {
        w_prefixes(w, v, has_iv);
        w_byte(e, 'u');
        w_symbol(e, rs_cls(v));
        w_bytes(e, v->u.s.p, v->u.s.len);
        if (has_iv && rs_x(v) && rs_x(v)->niv) { /* registered after its ivars: marshal.c w_object */
            mark_busy(e, v);
            w_push(w, v, W_IVARS_START, true);
            return;
        }
        if (has_iv) w_ivars_head(e, v); /* the encoding alone */
        remember(e, v);
        return;
    }
    remember(e, v);
    if (has_iv || rs_x(v) || (rs_flags(v) & F_IDENTITY)) w_prefixes(w, v, has_iv);
    switch (rs_type(v)) {
    case RSESS_INT: w_int_as_bignum(e, rs_ival(v)); break;
    case RSESS_BIGNUM:
        w_bignum_mag(e, (const unsigned char *)v->u.s.p, v->u.s.len, rs_flags(v) & F_NEGATIVE);
        break;
    case RSESS_FLOAT:
        if (UNLIKELY(rs_x(v) && rs_x(v)->ftext)) { /* Ruby 1.8's bytes, as they came */
            w_byte(e, 'f');
            w_bytes(e, rs_x(v)->ftext, rs_x(v)->ftext_len);
        } else {
            w_float_body(e, rs_fval(v));
        }
        break;
    case RSESS_STRING: w_byte(e, '"'); w_bytes(e, v->u.s.p, v->u.s.len); break;
    case RSESS_REGEXP:
        w_byte(e, '/');
        w_bytes(e, v->u.s.p, v->u.s.len);
        w_byte(e, v->opts);
        break;
    case RSESS_CLASS: case RSESS_MODULE: case RSESS_OLDMODULE:
        w_byte(e, rs_type(v) == RSESS_CLASS ? 'c' : rs_type(v) == RSESS_MODULE ? 'm' : 'M');
        w_bytes(e, v->u.s.p, v->u.s.len);
        break;
    case RSESS_ARRAY:
        w_byte(e, '[');
        w_count(e, v->u.c.n);
        w_push(w, v, W_ITEMS, has_iv);
        return;
    case RSESS_HASH:
        w_byte(e, (rs_flags(v) & F_DEFAULT) ? '}' : '{');
        w_count(e, v->u.c.n);
        w_push(w, v, W_ITEMS, has_iv);
        return;
    case RSESS_OBJECT: case RSESS_STRUCT:
        w_byte(e, rs_type(v) == RSESS_OBJECT ? 'o' : 'S');
        w_symbol(e, rs_cls(v));
        w_count(e, v->u.c.n);
        w_push(w, v, W_ITEMS, has_iv);
        return;
    case RSESS_USERMARSHAL: case RSESS_DATA:
        w_byte(e, rs_type(v) == RSESS_USERMARSHAL ? 'U' : 'd');
        w_symbol(e, rs_cls(v));
        w_push(w, v, W_ITEMS, has_iv);
        return;
    default: em_fail(e, RSESS_ERR_VALUE, "a value of unknown type"); return;
    }
    if (!has_iv) return;
    if (rs_x(v) && rs_x(v)->niv) w_push(w, v, W_IVARS_START, true);
    else w_ivars_head(e, v); /* the encoding alone */
}

/* The next child of the frame on top, or NULL when the frame moved on. */
static const rsess_val *w_next_child(docw *w, wframe *f, bool *have)
{
    emitter *e = w->e;
    const rsess_val *v = f->v;
    *have = false;
    switch (f->phase) {
    case W_ITEMS: /* an Array's or a Hash's: w_items */
        switch (rs_type(v)) {
        case RSESS_OBJECT: case RSESS_STRUCT:
            if (f->i < v->u.c.n) {
                w_symbol(e, v->u.c.k[2 * f->i]);
                return *have = true, v->u.c.k[2 * f->i++ + 1];
            }
            break;
        default: /* 'U', 'd' */
            if (f->i == 0) return f->i = 1, *have = true, v->u.one;
            break;
        }
        f->phase = W_IVARS_START;
        return NULL;
    case W_DEFAULT:
        f->phase = W_IVARS_START;
        return *have = true, rs_x(v) ? rs_x(v)->dflt : NULL;
    case W_IVARS_START:
        if (f->has_iv) w_ivars_head(e, v);
        f->phase = f->has_iv ? W_IVARS : W_END;
        f->i = 0;
        return NULL;
    case W_IVARS:
        if (rs_x(v) && f->i < rs_x(v)->niv) {
            w_symbol(e, rs_x(v)->iv[2 * f->i]);
            return *have = true, rs_x(v)->iv[2 * f->i++ + 1];
        }
        f->phase = W_END;
        return NULL;
    }
    return NULL;
}

/* An Array's items or a Hash's pairs from f->i on: the leaves in a run,
 * until a child pushes a frame of its own (then f may have moved: the
 * caller's loop takes the new top). Then, the items done, the default or
 * the ivars, or the frame is popped. */
static void w_items(docw *w, wframe *f)
{
    emitter *e = w->e;
    const rsess_val *v = f->v;
    size_t n = v->type == RSESS_HASH ? 2 * (size_t)v->u.c.n : v->u.c.n, sp = w->sp;
    rsess_val *const *k = v->u.c.k;
    size_t i = f->i;
    while (i < n) {
        const rsess_val *c = k[i++];
        if (w_leaf(e, c)) continue;
        f->i = (uint32_t)i;
        w_begin(w, c);
        if (w->sp != sp || e->code) return;
    }
    f->i = (uint32_t)i;
    if (v->type == RSESS_HASH && (v->flags & F_DEFAULT)) f->phase = W_DEFAULT;
    else if (f->has_iv) f->phase = W_IVARS_START;
    else w->sp--;
}

static void w_object(docw *w, const rsess_val *root)
{
    emitter *e = w->e;
    size_t base = w->sp;
    w_begin(w, root);
    while (w->sp > base && !e->code) {
        wframe *f = &w->st[w->sp - 1];
        if (f->phase == W_ITEMS && (f->v->type == RSESS_ARRAY || f->v->type == RSESS_HASH)) { /* frames hold nodes */
            w_items(w, f);
            continue;
        }
        if (f->phase == W_END) {
            if (rs_type(f->v) == RSESS_USERDEF) remember(e, f->v);
            w->sp--;
            continue;
        }
        bool have;
        const rsess_val *child = w_next_child(w, f, &have);
        if (have) w_begin(w, child);
    }
    w->sp = base;
}

static int em_finish(emitter *e, rsess_buf *out, size_t start, rsess_err *err)
{
    if (e->code) {
        out->len = start;
        return rs_fail(err, e->code, 0, "%s", e->why ? e->why : rsess_strerror(e->code));
    }
    rs_ok(err);
    return 0;
}

static void docw_init(docw *w, emitter *e, const rsess_alloc *alloc)
{
    memset(w, 0, offsetof(docw, st0));
    w->st = w->st0;
    w->cap = WSTACK0;
    w->alloc = alloc;
    w->e = e;
}

int rsess_write(const rsess_val *v, rsess_buf *out, rsess_err *err)
{
    if (!v || !out) return rs_fail(err, RSESS_ERR_ARG, 0, "no value or no output buffer");
    docw w;
    docw_init(&w, NULL, out->alloc);
    w.e = &w.own;
    w.own.sym_E = -1;
    w.own.out = out;
    w.own.alloc = out->alloc;
    w.own.syms.alloc = w.own.encnames.alloc = w.own.floats.alloc = out->alloc;
    size_t start = out->len;
    w_byte(w.e, 4);
    w_byte(w.e, 8);
    w_object(&w, v);
    int rc = em_finish(w.e, out, start, err);
    docw_free(&w);
    return rc;
}

/* --- the streaming writer ------------------------------------------------ */
enum { FRAME_ARRAY, FRAME_HASH, FRAME_FIELDS };

typedef struct frame {
    size_t left; /* values still expected */
    int kind;
} frame;

struct rsess_writer {
    emitter e;
    rsess_buf buf;
    rsess_alloc allocv;
    unsigned flags;
    rs_map keys;   /* interned hash keys -> index + 1 */
    rs_arena keep; /* copies of key bytes */
    frame *stack;
    size_t depth, cap;
    int roots;
};

rsess_writer *rsess_writer_new(unsigned flags, const rsess_alloc *alloc)
{
    if (!rs_alloc_ok(alloc)) return NULL;
    rsess_alloc a = {0};
    if (alloc) a = *alloc;
    rsess_writer *w = rs_malloc(&a, sizeof *w);
    if (!w) return NULL;
    memset(w, 0, sizeof *w);
    w->allocv = a;
    w->flags = flags;
    w->buf.alloc = w->e.syms.alloc = w->e.encnames.alloc = w->e.floats.alloc = w->e.objaddr.alloc = &w->allocv;
    w->e.by_addr = true;
    w->e.alloc = &w->allocv;
    w->keys.alloc = w->keep.alloc = &w->allocv;
    w->e.out = &w->buf;
    w->e.sym_E = -1;
    w_byte(&w->e, 4);
    w_byte(&w->e, 8);
    return w;
}

void rsess_writer_free(rsess_writer *w)
{
    if (!w) return;
    em_free(&w->e, &w->allocv);
    rs_map_free(&w->keys);
    rs_arena_free(&w->keep);
    rsess_buf_free(&w->buf);
    rs_free(&w->allocv, w->stack, w->cap * sizeof *w->stack);
    rsess_alloc a = w->allocv;
    rs_free(&a, w, sizeof *w);
}

int rsess_writer_error(const rsess_writer *w) { return w ? w->e.code : RSESS_ERR_ARG; }

/* Accounts for one value about to be written; false once in error. */
static bool take_slot(rsess_writer *w)
{
    if (w->e.code) return false;
    if (w->depth == 0) {
        if (w->roots++) {
            em_fail(&w->e, RSESS_ERR_STATE, "a second value after the root");
            return false;
        }
        return true;
    }
    frame *f = &w->stack[w->depth - 1];
    f->left--;
    return true;
}

/* Pops every frame whose values are all written. */
static void settle(rsess_writer *w)
{
    while (w->depth && w->stack[w->depth - 1].left == 0) w->depth--;
}

static bool at_key(const rsess_writer *w)
{
    /* take_slot has already counted this value */
    return w->depth && w->stack[w->depth - 1].kind == FRAME_HASH && w->stack[w->depth - 1].left % 2 == 1;
}

static bool at_field_name(const rsess_writer *w)
{
    return w->depth && w->stack[w->depth - 1].kind == FRAME_FIELDS && w->stack[w->depth - 1].left % 2 == 1;
}

static void push_frame(rsess_writer *w, int kind, size_t n)
{
    if (n == 0) {
        settle(w);
        return;
    }
    if (w->depth >= WRITE_MAX_DEPTH) {
        em_fail(&w->e, RSESS_ERR_DEPTH, "nesting too deep to write");
        return;
    }
    if (w->depth == w->cap) {
        size_t ncap = w->cap ? w->cap * 2 : 16;
        frame *s = rs_realloc(&w->allocv, w->stack, w->cap * sizeof *s, ncap * sizeof *s);
        if (!s) {
            em_fail(&w->e, RSESS_ERR_NOMEM, "out of memory");
            return;
        }
        w->stack = s;
        w->cap = ncap;
    }
    w->stack[w->depth].left = n;
    w->stack[w->depth].kind = kind;
    w->depth++;
}

static bool plain_value_slot(rsess_writer *w)
{
    if (!take_slot(w)) return false;
    if (at_field_name(w)) {
        em_fail(&w->e, RSESS_ERR_STATE, "a field name must be a symbol");
        return false;
    }
    return true;
}

void rsess_writer_nil(rsess_writer *w)
{
    if (!w || !plain_value_slot(w)) return;
    w_byte(&w->e, '0');
    settle(w);
}

void rsess_writer_bool(rsess_writer *w, int b)
{
    if (!w || !plain_value_slot(w)) return;
    w_byte(&w->e, b ? 'T' : 'F');
    settle(w);
}

void rsess_writer_int(rsess_writer *w, int64_t i)
{
    if (!w || !plain_value_slot(w)) return;
    if (rs_int_is_i(i)) {
        w_byte(&w->e, 'i');
        w_long(&w->e, (long)i);
    } else {
        w->e.nobj++; /* fixnum or Bignum: both take an index */
        w_int_as_bignum(&w->e, i);
    }
    settle(w);
}

void rsess_writer_float(rsess_writer *w, double d)
{
    if (!w || !plain_value_slot(w)) return;
    /* equal flonums are one object in Ruby: the table is shared with
     * rsess_writer_value */
    if (rs_is_flonum(d) && float_seen(&w->e, d)) {
        settle(w);
        return;
    }
    w->e.nobj++;
    w_float_body(&w->e, d);
    settle(w);
}

void rsess_writer_str(rsess_writer *w, const void *p, size_t len, rsess_enc enc)
{
    if (!w || !plain_value_slot(w)) return;
    if (enc == RSESS_ENC_OTHER || (!p && len)) {
        em_fail(&w->e, RSESS_ERR_ARG, "bad string arguments");
        return;
    }
    bool intern = (w->flags & RSESS_WRITER_INTERN_KEYS) && at_key(w);
    if (intern) {
        void *found = rs_map_get(&w->keys, p, len, (uint64_t)enc);
        if (found) {
            w_byte(&w->e, '@');
            w_long(&w->e, (long)((uintptr_t)found - 1));
            settle(w);
            return;
        }
        char *keep = rs_arena_alloc(&w->keep, len ? len : 1);
        if (keep && len) memcpy(keep, p, len);
        if (!keep || rs_map_put(&w->keys, keep, len, (uint64_t)enc,
                                (void *)(uintptr_t)(w->e.nobj + 1)))
            em_fail(&w->e, RSESS_ERR_NOMEM, "out of memory");
    }
    w_plain_string(&w->e, p, len, enc);
    settle(w);
}

void rsess_writer_sym(rsess_writer *w, const void *p, size_t len)
{
    if (!w || !take_slot(w)) return;
    if (!p && len) {
        em_fail(&w->e, RSESS_ERR_ARG, "bad symbol arguments");
        return;
    }
    /* The emitter's symbol map keeps pointers: copy the name. */
    char *keep = rs_arena_alloc(&w->keep, len ? len : 1);
    if (!keep) {
        em_fail(&w->e, RSESS_ERR_NOMEM, "out of memory");
        return;
    }
    if (len) memcpy(keep, p, len);
    w_symbol_bytes(&w->e, keep, len, RSESS_ENC_UTF8, NULL, 0);
    settle(w);
}

void rsess_writer_array(rsess_writer *w, size_t n)
{
    if (!w || !plain_value_slot(w)) return;
    w->e.nobj++;
    w_byte(&w->e, '[');
    w_count(&w->e, n);
    push_frame(w, FRAME_ARRAY, n);
}

void rsess_writer_hash(rsess_writer *w, size_t npairs)
{
    if (!w || !plain_value_slot(w)) return;
    w->e.nobj++;
    w_byte(&w->e, '{');
    w_count(&w->e, npairs);
    push_frame(w, FRAME_HASH, npairs * 2);
}

void rsess_writer_object(rsess_writer *w, const char *cls, size_t clslen, size_t nfields)
{
    if (!w || !plain_value_slot(w)) return;
    if (!cls) {
        em_fail(&w->e, RSESS_ERR_ARG, "no class name");
        return;
    }
    char *keep = rs_arena_alloc(&w->keep, clslen ? clslen : 1);
    if (!keep) {
        em_fail(&w->e, RSESS_ERR_NOMEM, "out of memory");
        return;
    }
    memcpy(keep, cls, clslen);
    w->e.nobj++;
    w_byte(&w->e, 'o');
    w_symbol_bytes(&w->e, keep, clslen, RSESS_ENC_UTF8, NULL, 0);
    w_count(&w->e, nfields);
    push_frame(w, FRAME_FIELDS, nfields * 2);
}

void rsess_writer_value(rsess_writer *w, const rsess_val *v)
{
    if (!w || !plain_value_slot(w)) return;
    docw d;
    docw_init(&d, &w->e, &w->allocv);
    w_object(&d, v); /* one symbol and object numbering with the stream */
    docw_free(&d);
    settle(w);
}

int rsess_writer_finish(rsess_writer *w, rsess_buf *out, rsess_err *err)
{
    if (!w || !out) return rs_fail(err, RSESS_ERR_ARG, 0, "no writer or no output buffer");
    if (!w->e.code && (w->depth || !w->roots))
        em_fail(&w->e, RSESS_ERR_STATE, w->roots ? "a container is missing values" : "no value written");
    if (w->e.code)
        return rs_fail(err, w->e.code, w->buf.len, "%s", w->e.why ? w->e.why : rsess_strerror(w->e.code));
    if (rs_buf_put(out, w->buf.data, w->buf.len)) return rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
    rs_ok(err);
    return 0;
}
