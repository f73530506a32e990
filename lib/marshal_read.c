/* Marshal 4.8 bytes -> document: the tree builder over the walker's
 * tokens. The walker (walk.h) decides what is valid and which values take
 * which object index; the builder makes a node per value and keeps a node
 * per index so that '@' links resolve to the nodes Ruby would share. */
#include "build.h"
#include "opts.h"

#include <stddef.h>

#define RS_GUESS_OBJS_FROM (256 * 1024) /* input bytes */
#define RS_FIRST_GROW_MAX (16 * 1024) /* b_grow: the most the first growth guesses */
_Static_assert(RS_GUESS_OBJS_FROM / 16 > RS_BUILD_OBJS0, "the guess is above the embedded table");

static int nomem(rs_walker *w)
{
    rs_walk_fail(w, RSESS_ERR_NOMEM, w->p, "out of memory");
    return RSESS_ERR_NOMEM;
}

/* The arena's growth during a read. Once the root container (an Array of
 * records, say) is well under way, what it took a slot so far, times the
 * slots to come (plus a 32nd), is a guess of what the value still needs:
 * one chunk of that, not many of a quarter each, which would leave a large
 * value in many blocks of which the allocator returns the larger to the
 * system at each free (and the next read faults every page in again). */
static __attribute__((noinline)) void *b_grow(rs_build *b, size_t n)
{
    rs_arena *a = &b->doc->arena;
    size_t need = 0;
    if (b->w && b->root_slots) {
        size_t left = b->w->fr[1].left, done = b->root_slots > left ? b->root_slots - left : 0;
        size_t used = a->total - rs_arena_unused(a);
        if (done >= 128 && left && used > b->root_used) {
            size_t per = (used - b->root_used) / done + 1;
            /* never more than 8 bytes for each input byte to come (a slot's
             * worth: a value takes a byte at least), so hostile bytes whose
             * first slots were costly cannot make the guess their multiple */
            size_t most = (size_t)(b->w->end - b->w->p) * 8;
            need = per < most / left ? per * left : most;
            need += need / 32 + n;
        }
    } else if (b->w && !a->head) {
        /* The first chunk is full: the next one is sized for the rest of
         * the input at the rate so far, 16 KiB at most (a cart-sized
         * session then grows once, not four times by quarters, and a
         * guess that the rest proves wrong costs little). */
        size_t done = (size_t)(b->w->p - b->w->base), left = (size_t)(b->w->end - b->w->p);
        size_t used = a->total - (size_t)(a->end - a->cur);
        if (done >= 256 && left) {
            uint64_t guess = (uint64_t)used * left / done;
            guess += guess / 16 + n;
            need = guess < RS_FIRST_GROW_MAX ? (size_t)guess : RS_FIRST_GROW_MAX;
        }
    }
    return rs_arena_grow_hint(a, n, need, false);
}

static inline void *b_alloc(rs_build *b, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    void *p = rs_arena_take(&b->doc->arena, n);
    return LIKELY(p != NULL) ? p : b_grow(b, n);
}

/* A node of the type; full: its size is rs_node_size(type)'s larger one
 * (callers know which: a constant, where the type is not). */
static inline __attribute__((always_inline)) rsess_val *new_node_tail(rs_build *b, int type, const bool full, size_t tail)
{
    size_t size = (full ? sizeof(rsess_val) : offsetof(rsess_val, cls)) + tail;
    rsess_val *v = b_alloc(b, size);
    if (UNLIKELY(!v)) return NULL;
    /* the payload (u) is the caller's to fill */
    v->type = (uint8_t)type;
    v->enc = RSESS_ENC_BINARY;
    v->flags = v->opts = 0;
    v->id = b->doc->nodes++;
    v->u.c.k = NULL;
    v->u.c.n = v->u.c.cap = 0;
    v->x = NULL;
    if (full) v->cls = NULL;
    return v;
}

static inline __attribute__((always_inline)) rsess_val *new_node_as(rs_build *b, int type, const bool full)
{
    return new_node_tail(b, type, full, 0);
}

static inline __attribute__((always_inline)) rsess_val *new_node(rs_build *b, int type)
{
    return new_node_as(b, type, rs_node_size(type) == sizeof(rsess_val));
}

/* Shows n input bytes at p in *slot. Copying, the slot is noted, and
 * rs_build_keep() copies every noted value's bytes into one block of the
 * arena when the read is done: exactly the bytes the values show, with no
 * per-value rounding or chunk ends. False when out of memory. */
static __attribute__((noinline)) bool keep_slow(rs_build *b, const char **slot, size_t n)
{
    size_t ncap = 2 * b->keepcap;
    struct rs_keep *k;
    if (b->keep == b->keep0) {
        k = rs_malloc(&b->doc->allocv, ncap * sizeof *k);
        if (k) memcpy(k, b->keep0, sizeof b->keep0);
    } else {
        k = rs_realloc(&b->doc->allocv, b->keep, b->keepcap * sizeof *k, ncap * sizeof *k);
    }
    if (!k) return false;
    b->keep = k;
    b->keepcap = ncap;
    b->keep[b->nkeep++] = (struct rs_keep){slot, n};
    b->keepbytes += n;
    return true;
}

static inline bool keep_bytes(rs_build *b, const char **slot, const unsigned char *p, size_t n)
{
    *slot = (const char *)p;
    if (!b->copy) return true;
    if (!n) { /* nothing to keep, but never a pointer into the caller's bytes */
        *slot = "";
        return true;
    }
    if (UNLIKELY(b->nkeep == b->keepcap)) return keep_slow(b, slot, n);
    b->keep[b->nkeep++] = (struct rs_keep){slot, n};
    b->keepbytes += n;
    return true;
}

/* Spans of the input this close, one of them short, are copied as one
 * run, the bytes between them too: one memcpy instead of many (a short
 * String's bytes and the next value's are a few framing bytes apart), for
 * a little memory; long spans are copied alone (their copy is the cost,
 * not the call). */
#define KEEP_GAP 16
#define KEEP_SHORT 128

/* The run of spans that starts at r (r < end): where the next starts, and
 * (*to) where this one's bytes end. */
static inline const struct rs_keep *keep_run(const struct rs_keep *r, const struct rs_keep *end, const char **to)
{
    *to = *r->slot + r->n;
    size_t last = r->n;
    for (r++; r < end && *r->slot >= *to && (size_t)(*r->slot - *to) <= KEEP_GAP &&
              (last < KEEP_SHORT || r->n < KEEP_SHORT);
         r++)
        *to = *r->slot + (last = r->n);
    return r;
}

/* Values' bytes that fill nearly all of the input span they lie in (a
 * payload of long Strings) are copied as that one span: a single memcpy,
 * for at most a sixteenth more bytes. */
static int keep_span(rs_build *b)
{
    const struct rs_keep *end = b->keep + b->nkeep;
    const char *lo = *b->keep->slot, *hi = lo + b->keep->n;
    for (const struct rs_keep *r = b->keep + 1; r < end; r++) {
        if (*r->slot < lo) lo = *r->slot;
        if (*r->slot + r->n > hi) hi = *r->slot + r->n;
    }
    size_t span = (size_t)(hi - lo);
    if (b->keepbytes < span - span / 16) return 1; /* (overlapping spans count twice: still within the span) */
    rs_arena *a = &b->doc->arena;
    char *d;
    if (((span + 7) & ~(size_t)7) <= (size_t)(a->end - a->cur)) {
        d = a->cur;
        a->cur += (span + 7) & ~(size_t)7;
    } else if (!(d = rs_arena_grow_hint(a, span, 0, true))) {
        return RSESS_ERR_NOMEM;
    }
    memcpy(d, lo, span);
    for (const struct rs_keep *r = b->keep; r < end; r++) *r->slot = d + (*r->slot - lo);
    return 0;
}

/* n bytes from s to d: the short runs of a session (a key, a short
 * String and the framing bytes between) with two loads and two stores
 * that may overlap, inline, the others by memcpy */
static inline void keep_copy_bytes(char *d, const char *s, size_t n)
{
    if (n - 8 <= 8) {
        uint64_t x, y;
        memcpy(&x, s, 8);
        memcpy(&y, s + n - 8, 8);
        memcpy(d, &x, 8);
        memcpy(d + n - 8, &y, 8);
    } else if (n - 4 < 4) {
        uint32_t x, y;
        memcpy(&x, s, 4);
        memcpy(&y, s + n - 4, 4);
        memcpy(d, &x, 4);
        memcpy(d + n - 4, &y, 4);
    } else if (n > 16) {
        memcpy(d, s, n);
    } else {
        for (size_t i = 0; i < n; i++) d[i] = s[i];
    }
}

/* Copies the run r..next (its bytes from..to) to *d and shows its values
 * there; *d moves past it. */
static inline void keep_copy_run(const struct rs_keep *r, const struct rs_keep *next, const char *from, const char *to,
                                 char **d)
{
    keep_copy_bytes(*d, from, (size_t)(to - from));
    for (const struct rs_keep *q = r; q < next; q++) *q->slot = *d + (*q->slot - from);
    *d += to - from;
}

static int rs_build_keep(rs_build *b)
{
    if (!b->keepbytes) return 0;
    if (b->keepbytes >= 4096) {
        int rc = keep_span(b);
        if (rc <= 0) return rc;
    }
    rs_arena *a = &b->doc->arena;
    const struct rs_keep *r = b->keep, *end = b->keep + b->nkeep;
    /* The runs in order: into what the current chunk has left while they
     * fit (one pass, the common case), the others into one block of
     * exactly their bytes. */
    size_t room = (size_t)(a->end - a->cur);
    char *d = a->cur;
    const char *from = NULL, *to = NULL;
    const struct rs_keep *next = r;
    while (r < end) {
        from = *r->slot;
        next = keep_run(r, end, &to);
        if ((((size_t)(d - a->cur) + (size_t)(to - from) + 7) & ~(size_t)7) > room) break;
        keep_copy_run(r, next, from, to, &d);
        r = next;
    }
    a->cur += ((size_t)(d - a->cur) + 7) & ~(size_t)7; /* the chunk's later values stay 8-aligned */
    if (r == end) return 0;
    /* r..next (from..to): the first run that did not fit */
    size_t tail = (size_t)(to - from);
    for (const struct rs_keep *q = next; q < end;) {
        const char *qto, *qfrom = *q->slot;
        q = keep_run(q, end, &qto);
        tail += (size_t)(qto - qfrom);
    }
    char *t = rs_arena_grow_hint(a, tail, 0, true);
    if (!t) return RSESS_ERR_NOMEM;
    keep_copy_run(r, next, from, to, &t);
    for (r = next; r < end; r = next) {
        from = *r->slot;
        next = keep_run(r, end, &to);
        keep_copy_run(r, next, from, to, &t);
    }
    return 0;
}

static bool objs_grow(rs_build *b, uint32_t k)
{
    if (k < b->objcap) return true;
    size_t ncap = b->objcap;
    while (ncap <= k) ncap *= 2;
    rsess_val **n;
    if (b->objs == b->objs0) {
        n = rs_malloc(&b->doc->allocv, ncap * sizeof *n);
        if (n) memcpy(n, b->objs0, (size_t)b->objcap * sizeof *n);
    } else {
        n = rs_realloc(&b->doc->allocv, b->objs, (size_t)b->objcap * sizeof *n, ncap * sizeof *n);
    }
    if (!n) return false;
    if (b->lazy) memset(n + b->objcap, 0, (ncap - b->objcap) * sizeof *n);
    b->objs = n;
    b->objcap = (uint32_t)ncap;
    return true;
}

void rs_build_init(rs_build *b, rsess_doc *doc, bool lazy)
{
    b->doc = doc;
    b->objs = b->objs0;
    b->objcap = lazy ? RS_BUILD_OBJS0_LAZY : RS_BUILD_OBJS0;
    b->root = NULL;
    b->lazy = lazy;
    b->copy = false;
    b->w = NULL;
    b->root_slots = 0;
    b->keep = b->keep0;
    b->keepcap = sizeof b->keep0 / sizeof b->keep0[0];
    b->nkeep = b->keepbytes = 0;
    b->pend = NULL;
    b->npend = b->pendcap = 0;
    if (lazy) { /* what only a lazy build reads */
        b->skip_frame = 0;
        b->skip_node = NULL;
        b->walked = 0;
        memset(b->objs0, 0, RS_BUILD_OBJS0_LAZY * sizeof b->objs0[0]);
    }
}

void rs_build_free(rs_build *b)
{
    if (b->keep != b->keep0) rs_free(&b->doc->allocv, b->keep, b->keepcap * sizeof *b->keep);
    b->keep = b->keep0;
    b->keepcap = sizeof b->keep0 / sizeof b->keep0[0];
    b->nkeep = b->keepbytes = 0;
    if (LIKELY(b->objs == b->objs0 && !b->pend)) return;
    if (b->objs != b->objs0) rs_free(&b->doc->allocv, b->objs, (size_t)b->objcap * sizeof *b->objs);
    if (b->pend) rs_free(&b->doc->allocv, b->pend, b->pendcap * sizeof *b->pend);
    b->objs = b->objs0;
    b->objcap = b->lazy ? RS_BUILD_OBJS0_LAZY : RS_BUILD_OBJS0;
    b->pend = NULL;
    b->npend = b->pendcap = 0;
}

/* The node of object k for a link: a lazy build makes a placeholder for
 * an object it has not built, to be filled by rs_build_resolve(). */
static rsess_val *obj_node_slow(rs_build *b, rs_walker *w, uint32_t k)
{
    if (!b->lazy) return rs_walk_fail(w, RSESS_ERR_LINK, w->p, "link to a value not built"), NULL;
    if (k >= b->objcap && !objs_grow(b, k)) return nomem(w), NULL;
    rsess_val *ph = new_node(b, RSESS_NONE);
    if (!ph) return nomem(w), NULL;
    if (b->npend == b->pendcap) {
        size_t ncap = b->pendcap ? b->pendcap * 2 : 16;
        uint32_t *np = rs_realloc(&b->doc->allocv, b->pend, b->pendcap * sizeof *np, ncap * sizeof *np);
        if (!np) return nomem(w), NULL;
        b->pend = np;
        b->pendcap = ncap;
    }
    b->pend[b->npend++] = k;
    return b->objs[k] = ph;
}

static inline rsess_val *obj_node(rs_build *b, rs_walker *w, uint32_t k)
{
    if (LIKELY(k < b->objcap && b->objs[k])) return b->objs[k];
    return obj_node_slow(b, w, k);
}

static inline rsess_val *sym_node(rs_build *b, rs_walker *w, uint32_t idx)
{
    rs_wsym *y = &w->tab->syms[idx];
    if (y->user) return y->user;
    rsess_val *v = new_node(b, RSESS_SYMBOL);
    if (!v) return nomem(w), NULL;
    if (!keep_bytes(b, &v->u.s.p, (const unsigned char *)y->p, y->len)) return nomem(w), NULL;
    v->u.s.len = y->len;
    v->enc = y->enc;
    if (y->enc == RSESS_ENC_OTHER && y->encname != RS_NONE) {
        struct rsess_extra *x = rs_extra(b->doc, v);
        if (!x || !(x->encname = obj_node(b, w, y->encname))) return nomem(w), NULL;
    }
    return y->user = v;
}

/* Puts v where the token (or frame) says: its owner's slot. A frame with
 * no node (the cursor's containers) hands the value to b->root. */
static inline __attribute__((always_inline)) int attach(rs_build *b, rs_walker *w, uint32_t owner, size_t slot, int role, rsess_val *v)
{
    rs_frame *o = &w->fr[owner];
    if (LIKELY(o->slots != NULL)) {
        o->slots[slot] = v;
        return 0;
    }
    rsess_val *ov = o->user;
    if (!ov && role != R_IVNAME && role != R_MODULE && role != R_UCLASS) {
        b->root = v;
        return 0;
    }
    switch (role) {
    case R_ITEM: case R_KEY: case R_VAL: case R_FNAME: case R_FVAL: ov->u.c.k[slot] = v; return 0;
    case R_DEFAULT: {
        struct rsess_extra *x = rs_extra(b->doc, ov);
        if (!x) return nomem(w);
        x->dflt = v;
        ov->flags |= F_DEFAULT;
        return 0;
    }
    case R_CLASS: ov->cls = v; return 0;
    case R_DUMPED: ov->u.one = v; return 0;
    case R_IVNAME: o->aux = v; return 0;
    case R_IVVAL:
        if (o->ivkind == SK_E || o->ivkind == SK_ENCODING || o->kind != FK_IVAR) return 0;
        ov->x->iv[2 * ov->x->niv] = o->aux;
        ov->x->iv[2 * ov->x->niv + 1] = v;
        ov->x->niv++;
        return 0;
    case R_MODULE: ((rsess_val **)o->aux)[o->nmods] = v; return 0;
    case R_UCLASS: o->aux = v; return 0;
    }
    b->root = v;
    return 0;
}

/* Lazy builds: a value registered at the end ('_dump' data) found its
 * index already holding a node: that node takes the new one's place. */
static void reattach(rs_build *b, rs_walker *w, const rs_frame *f, rsess_val *old, rsess_val *nw)
{
    rs_frame *o = &w->fr[f->owner];
    rsess_val *ov = o->user;
    if (!ov) {
        if (b->root == old) b->root = nw;
        return;
    }
    switch (f->role) {
    case R_ITEM: case R_KEY: case R_VAL: case R_FVAL: case R_DEFAULT: ov->u.c.k[f->slot] = nw; break;
    case R_DUMPED: ov->u.one = nw; break;
    case R_IVVAL:
        for (uint32_t i = 0; ov->x && i < ov->x->niv; i++)
            if (ov->x->iv[2 * i + 1] == old) ov->x->iv[2 * i + 1] = nw;
        break;
    default: break;
    }
}

/* The node a registering token fills: a new one, or (lazy builds) the
 * placeholder already waiting for that index. *built: the index already
 * has a finished node, which the token's value is. */
static inline __attribute__((always_inline)) rsess_val *reg_node(rs_build *b, rs_walker *w, uint32_t k, int type, const bool full,
                                                                 const bool lazy, bool *built)
{
    if (UNLIKELY(k >= b->objcap) && !objs_grow(b, k)) return nomem(w), NULL;
    if (lazy) {
        rsess_val *ex = b->objs[k];
        if (ex && rs_type(ex) != RSESS_NONE) {
            *built = true;
            return ex;
        }
        if (ex) { /* a placeholder: links already point here */
            *ex = (rsess_val){.type = (uint8_t)type, .enc = RSESS_ENC_BINARY, .flags = F_LINKED, .id = ex->id};
            /* (a placeholder has a node's every field: RSESS_NONE's size) */
            return ex;
        }
    }
    rsess_val *v = new_node_as(b, type, full);
    if (!v) return nomem(w), NULL;
    b->objs[k] = v;
    return v;
}

/* An immediate (a Fixnum-sized 'l' Integer, a flonum Float) takes object
 * index k: v, or NULL when the table cannot grow. */
static inline __attribute__((always_inline)) rsess_val *reg_imm(rs_build *b, uint32_t k, rsess_val *v)
{
    if (UNLIKELY(k >= b->objcap) && !objs_grow(b, k)) return NULL;
    return b->objs[k] = v;
}

/* A value registered after its contents: v takes index k. */
static int register_late(rs_build *b, rs_walker *w, rs_frame *f, uint32_t k, rsess_val *v, const bool lazy)
{
    if (UNLIKELY(k >= b->objcap) && !objs_grow(b, k)) return nomem(w);
    rsess_val *ex = lazy ? b->objs[k] : NULL;
    if (!ex) {
        b->objs[k] = v;
        return 0;
    }
    if (rs_type(ex) == RSESS_NONE) {
        uint32_t id = ex->id;
        memcpy(ex, v, rs_node_size(rs_type(v))); /* ex, a placeholder, has room for any type */
        ex->id = id;
        ex->flags |= F_LINKED;
    }
    reattach(b, w, f, v, ex);
    f->user = ex;
    return 0;
}

/* The walker's plain leaves (rs_plain_sink): what build_tok does for
 * their tokens, without the tokens. */
static inline __attribute__((always_inline)) int place_string(void *ctx, rs_frame *f, size_t slot, const unsigned char *p,
                                                              size_t n, int enc, uint32_t obj)
{
    rs_build *b = ctx;
    bool built = false;
    rsess_val *v = reg_node(b, b->w, obj, RSESS_STRING, false, false, &built);
    if (!v) return b->w->code;
    if (UNLIKELY(!keep_bytes(b, &v->u.s.p, p, n))) return nomem(b->w);
    v->u.s.len = n;
    v->enc = (uint8_t)enc;
    f->slots[slot] = v;
    return 0;
}

static inline __attribute__((always_inline)) int place_imm(void *ctx, rs_frame *f, size_t slot, int kind, long i)
{
    (void)ctx;
    f->slots[slot] = kind == TK_INT ? rs_imm_int(i) : kind == TK_NIL ? RS_NIL : kind == TK_TRUE ? RS_TRUE : RS_FALSE;
    return 0;
}

static inline __attribute__((always_inline)) int place_int64(void *ctx, rs_frame *f, size_t slot, int64_t i, uint32_t obj)
{
    rs_build *b = ctx;
    rsess_val *v;
    if (LIKELY(rs_int_imm_ok(i))) {
        if (!(v = reg_imm(b, obj, rs_imm_int(i)))) return nomem(b->w);
    } else {
        bool built = false;
        if (!(v = reg_node(b, b->w, obj, RSESS_INT, false, false, &built))) return b->w->code;
        v->u.i = i;
    }
    f->slots[slot] = v;
    return 0;
}

static inline __attribute__((always_inline)) int place_link(void *ctx, rs_frame *f, size_t slot, uint32_t idx)
{
    rs_build *b = ctx;
    rsess_val *v = obj_node(b, b->w, idx);
    if (!v) return b->w->code;
    if (!rs_imm(v)) v->flags |= F_LINKED;
    f->slots[slot] = v;
    return 0;
}

static inline __attribute__((always_inline)) int place_symlink(void *ctx, rs_frame *f, size_t slot, uint32_t idx)
{
    rs_build *b = ctx;
    rsess_val *v = sym_node(b, b->w, idx);
    if (!v) return b->w->code;
    f->slots[slot] = v;
    return 0;
}

/* build_tok's TK_ARRAY and TK_HASH of a plain build, without the token */
static inline __attribute__((always_inline)) int place_open(void *ctx, rs_frame *a, int type, size_t n, size_t nslots,
                                                            uint32_t obj)
{
    rs_build *b = ctx;
    if (UNLIKELY(obj >= b->objcap) && !objs_grow(b, obj)) return nomem(b->w);
    /* (nslots * 8 fits a size_t: the walker's RS_MAX_COUNT) */
    /* the node and its slots in one allocation (a default, after the
     * pairs, lands in one more slot, moved at the end) */
    rsess_val *v = new_node_tail(b, type, false, nslots * sizeof(rsess_val *));
    if (!v) return nomem(b->w);
    b->objs[obj] = v;
    a->user = v;
    if (nslots) {
        v->u.c.k = (rsess_val **)((char *)v + offsetof(rsess_val, cls));
        a->slots = (void **)v->u.c.k;
    }
    v->u.c.n = v->u.c.cap = (uint32_t)n;
    if (UNLIKELY(a - b->w->fr == 1) && nslots >= 128) { /* a large root container: b_grow follows its progress */
        b->root_slots = nslots;
        b->root_used = b->doc->arena.total - rs_arena_unused(&b->doc->arena);
    }
    a[-1].slots[a->slot] = v;
    return 0;
}

static const rs_plain_sink build_sink = {place_string, place_imm, place_int64, place_open, place_link, place_symlink};

/* Applies one token. lazy: a cursor's or lookup's build; plain: the token
 * is a value in the top frame's next plain slot (rs_walk_plain), so it
 * goes straight there. */
static inline __attribute__((always_inline)) int build_tok(rs_build *b, rs_walker *w, const rs_tok *t, const bool lazy,
                                                           const bool plain, rs_frame *pf)
{
    rsess_val *v = NULL;
    bool built = false;
    if (lazy && b->skip_frame) { /* inside a value built before */
        if (t->kind == TK_END && t->frame + 1 == b->skip_frame) {
            b->skip_frame = 0;
            rs_frame *f = &w->fr[t->frame];
            f->user = b->skip_node;
            if (t->flags & TF_INNER) w->fr[f->parent].user = f->user;
        }
        return 0;
    }
    switch (t->kind) {
    /* nil, true, false, fixnums and flonums are immediates (internal.h),
     * unless a wrapper ('I', 'e', 'C') decorates them: that needs a node
     * (a plain value is in none: the walker leaves its flags unset) */
    case TK_NIL:
        if (plain || LIKELY(!(t->flags & TF_INNER))) v = RS_NIL;
        else if (!(v = new_node(b, RSESS_NIL))) return nomem(w);
        break;
    case TK_TRUE:
        if (plain || LIKELY(!(t->flags & TF_INNER))) v = RS_TRUE;
        else if (!(v = new_node(b, RSESS_TRUE))) return nomem(w);
        break;
    case TK_FALSE:
        if (plain || LIKELY(!(t->flags & TF_INNER))) v = RS_FALSE;
        else if (!(v = new_node(b, RSESS_FALSE))) return nomem(w);
        break;
    case TK_INT: /* 'i': 32 bits at most */
        if (plain || LIKELY(!(t->flags & TF_INNER))) {
            v = rs_imm_int(t->i);
        } else {
            if (!(v = new_node(b, RSESS_INT))) return nomem(w);
            v->u.i = t->i;
        }
        break;
    case TK_BYTES:
        if (!(v = reg_node(b, w, t->obj, t->type, false, lazy, &built))) return w->code;
        if (built) break;
        if (UNLIKELY(!keep_bytes(b, &v->u.s.p, t->p, t->n))) return nomem(w);
        v->u.s.len = t->n;
        if (t->flags & TF_ENC) v->enc = t->enc;
        if (t->type == RSESS_REGEXP) v->opts = t->opts;
        break;
    case TK_BIGNUM: case TK_FLOAT:
        if (!(t->flags & ((plain ? 0 : TF_INNER) | TF_RAWTEXT)) &&
            (t->kind == TK_FLOAT ? rs_is_flonum(t->d) : t->type == RSESS_INT && rs_int_imm_ok(t->i)) &&
            (!lazy || t->obj >= b->objcap || !b->objs[t->obj])) { /* an immediate takes the index */
            if (!(v = reg_imm(b, t->obj, t->kind == TK_FLOAT ? rs_imm_float(t->d) : rs_imm_int(t->i)))) return nomem(w);
            break;
        }
        if (!(v = reg_node(b, w, t->obj, t->type, false, lazy, &built))) return w->code;
        if (built) break;
        if (t->kind == TK_FLOAT) {
            v->u.f = t->d;
            if (UNLIKELY(t->flags & TF_RAWTEXT)) {
                struct rsess_extra *x = rs_extra(b->doc, v);
                if (!x) return nomem(w);
                if (!keep_bytes(b, &x->ftext, t->p, t->n)) return nomem(w);
                x->ftext_len = t->n;
            }
        } else if (t->kind == TK_BIGNUM && t->type == RSESS_INT) {
            v->u.i = t->i;
        } else {
            if (!keep_bytes(b, &v->u.s.p, t->p, t->n)) return nomem(w);
            v->u.s.len = t->n;
            if (t->flags & TF_NEG) v->flags |= F_NEGATIVE;
        }
        break;
    case TK_SYM:
        if (!(v = sym_node(b, w, t->sym))) return w->code;
        if (t->flags & TF_IVSYM) w->fr[t->frame].user = v;
        break;
    case TK_LINK:
        if (!(v = obj_node(b, w, t->link))) return w->code;
        if (!rs_imm(v)) v->flags |= F_LINKED;
        break;
    case TK_ARRAY: case TK_HASH: case TK_OBJ: {
        if (!(v = reg_node(b, w, t->obj, t->type, t->kind == TK_OBJ, lazy, &built))) return w->code;
        w->fr[t->frame].user = v;
        if (built) {
            b->skip_frame = t->frame + 1;
            b->skip_node = v;
            break;
        }
        rs_frame *f = &w->fr[t->frame];
        if (t->kind == TK_OBJ) break; /* the class symbol comes first: no plain slots yet */
        /* a default (after the pairs) lands in one more slot, moved at the end */
        size_t slots = t->n * (t->kind == TK_HASH ? 2 : 1) + ((t->flags & TF_DEFAULT) != 0);
        if (slots) {
            if (!(v->u.c.k = b_alloc(b, slots * sizeof *v->u.c.k))) return nomem(w);
            if (lazy) memset(v->u.c.k, 0, slots * sizeof *v->u.c.k);
            f->slots = (void **)v->u.c.k;
        }
        v->u.c.n = v->u.c.cap = (uint32_t)t->n;
        /* (a plain build's root container is placed by place_open, which
         * starts b_grow's tracking of it: here it is a lazy build's, or one
         * inside a prefix) */
        break;
    }
    case TK_UDEF:
        if (!(v = new_node(b, RSESS_USERDEF))) return nomem(w);
        w->fr[t->frame].user = v;
        break;
    case TK_FIELDS: {
        rsess_val *o = w->fr[t->frame].user;
        if (t->n) {
            if (!(o->u.c.k = b_alloc(b, 2 * t->n * sizeof *o->u.c.k))) return nomem(w);
            if (lazy) memset(o->u.c.k, 0, 2 * t->n * sizeof *o->u.c.k);
            w->fr[t->frame].slots = (void **)o->u.c.k;
        }
        o->u.c.n = o->u.c.cap = (uint32_t)t->n;
        return 0;
    }
    case TK_UDEF_DATA: {
        rs_frame *f = &w->fr[t->frame];
        rsess_val *u = f->user;
        if (!keep_bytes(b, &u->u.s.p, t->p, t->n)) return nomem(w);
        u->u.s.len = t->n;
        if (t->obj != RS_NONE) return register_late(b, w, f, t->obj, u, lazy);
        return 0;
    }
    case TK_IVAR: case TK_UCLASS:
        return 0;
    case TK_EXTEND:
        if (t->flags & TF_CHAIN) return 0;
        if (!(w->fr[t->frame].aux = rs_arena_alloc(&b->doc->arena, 16 * sizeof(rsess_val *)))) return nomem(w);
        return 0;
    case TK_IVARS: {
        rs_frame *f = &w->fr[t->frame];
        if (f->kind != FK_IVAR || !t->n) return 0;
        rsess_val *target = f->user;
        struct rsess_extra *x = rs_extra(b->doc, target);
        if (!x || !(x->iv = rs_arena_alloc(&b->doc->arena, 2 * t->n * sizeof *x->iv))) return nomem(w);
        x->ivcap = (uint32_t)t->n;
        x->niv = 0;
        return 0;
    }
    case TK_ENC: {
        rsess_val *target = w->fr[t->frame].user;
        target->enc = t->enc;
        if (t->enc == RSESS_ENC_OTHER) {
            struct rsess_extra *x = rs_extra(b->doc, target);
            if (!x || !(x->encname = obj_node(b, w, t->link))) return w->code ? w->code : nomem(w);
        }
        return 0;
    }
    case TK_END: {
        rs_frame *f = &w->fr[t->frame];
        if (f->kind == FK_IVAR && t->obj != RS_NONE) {
            int rc = register_late(b, w, f, t->obj, f->user, lazy);
            if (rc) return rc;
        } else if (f->kind == FK_EXTEND) {
            struct rsess_extra *x = rs_extra(b->doc, f->user);
            if (!x) return nomem(w);
            for (size_t i = 0; i <= f->nmods; i++)
                if (rs_pairs_push(b->doc, &x->ext, &x->next, &x->extcap, ((rsess_val **)f->aux)[i], NULL, 1))
                    return nomem(w);
        } else if (f->kind == FK_HASH && f->identity && f->user) { /* the default */
            rsess_val *h = f->user;
            struct rsess_extra *x = rs_extra(b->doc, h);
            if (!x) return nomem(w);
            x->dflt = h->u.c.k[2 * (size_t)h->u.c.n];
            h->flags |= F_DEFAULT;
        } else if (f->kind == FK_UCLASS) {
            rsess_val *inner = f->user;
            if (f->identity) {
                inner->flags |= F_IDENTITY;
            } else {
                struct rsess_extra *x = rs_extra(b->doc, inner);
                if (!x) return nomem(w);
                x->uclass = f->aux;
            }
        }
        if (t->flags & TF_INNER) w->fr[f->parent].user = f->user;
        return 0;
    }
    default:
        return 0;
    }
    if (plain) {
        pf->slots[t->slot] = v;
        return 0;
    }
    if (t->flags & TF_INNER) w->fr[t->parent].user = v;
    return attach(b, w, t->owner, t->slot, t->role, v);
}

int rs_build_tok_lazy(rs_build *b, rs_walker *w, const rs_tok *t) { return build_tok(b, w, t, true, false, NULL); }

/* Walks each skipped object a placeholder waits for where its value
 * starts, numbering objects from where its numbering started then. */
int rs_build_resolve(rs_build *b, rs_walker *w)
{
    rsess_val *root = b->root;
    while (b->npend) {
        uint32_t k = b->pend[--b->npend];
        if (rs_type(b->objs[k]) != RSESS_NONE) continue;
        rs_walker sub;
        rs_walk_init(&sub, w->tab, w->base, b->walked, w->tab->ooff[k], w->tab->ofirst[k], NULL, w->alloc, w->err);
        sub.replay = true;
        sub.max_depth = sub.max_nodes = SIZE_MAX; /* walked (and limited) before */
        sub.count_nodes = false;
        rs_tok t;
        int kind, rc = 0;
        while ((kind = rs_walk_next(&sub, &t, true)) != TK_DONE && kind != TK_ERROR)
            if ((rc = build_tok(b, &sub, &t, true, false, NULL))) break;
        b->skip_frame = 0;
        int code = sub.code ? sub.code : rc;
        rs_walk_free(&sub);
        if (code) return w->code = code;
        if (rs_type(b->objs[k]) == RSESS_NONE) return rs_walk_fail(w, RSESS_ERR_LINK, w->p, "link to a value not built"), RSESS_ERR_LINK;
    }
    b->root = root;
    return 0;
}

rsess_doc *rsess_read(const void *data, size_t len, const rsess_read_opts *opts, rsess_err *err)
{
    if (err) rs_ok(err);
    static const rsess_read_opts defaults = {.size = sizeof defaults};
    rsess_read_opts o;
    if (!opts) {
        opts = &defaults; /* the common call: nothing to check or copy */
    } else if (opts->size == sizeof *opts && (!opts->alloc || rs_alloc_ok(opts->alloc))) {
        /* this library's own layout: read as it is */
    } else {
        if (rs_read_opts(opts, &o, err)) return NULL;
        opts = &o;
    }
    if (!data && len) {
        rs_fail(err, RSESS_ERR_ARG, 0, "no input");
        return NULL;
    }
    size_t max_input = opts->limits.max_input ? opts->limits.max_input : RSESS_DEFAULT_MAX_INPUT;
    if (len > max_input) {
        rs_fail(err, RSESS_ERR_SIZE, 0, "input of %zu bytes is over the limit of %zu", len, max_input);
        return NULL;
    }
    bool borrow = opts->flags & RSESS_READ_BORROW;
    /* One block: the document and the arena's first chunk, 4 bytes an
     * input byte (what a small session's nodes take; 96 bytes at least:
     * an Object and its class's Symbol), 1.5 KiB below 2 KiB
     * of input, a page (4 KiB with the document) from 2 KiB: a larger
     * value grows the arena (b_grow: first for the rest of the input at
     * the rate so far, 16 KiB at most, then by quarters, alloc.c), so no
     * read holds much more than it uses. Copying, the
     * bytes the values show (strings, symbols, _dump data...) are copied
     * at the end (rs_build_keep), not the whole input. */
    size_t first = len < 22     ? 96
                   : len < 382  ? 4 * len + 8
                   : len < 2048 ? 1536
                                : 4096 - ((sizeof(rsess_doc) + 7) & ~(size_t)7);
    rsess_doc *doc = rs_doc_create(opts->alloc, first);
    if (!doc) {
        rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
        return NULL;
    }
    const unsigned char *in = data;
    if (len < 2) {
        rs_fail(err, RSESS_ERR_TRUNCATED, len, "truncated data: %s", len ? "no Marshal version" : "empty input");
        rsess_doc_free(doc);
        return NULL;
    }
    if (in[0] != 4 || in[1] > 8) {
        rs_fail(err, RSESS_ERR_VERSION, 0, "not Marshal 4.8: starts with %02x %02x", in[0], in[1]);
        rsess_doc_free(doc);
        return NULL;
    }
    rs_tables tab;
    rs_tables_init(&tab);
    rs_walker w;
    rs_walk_init(&w, &tab, in, len, 2, 0, &opts->limits, &doc->allocv, err);
    rs_build b;
    rs_build_init(&b, doc, false);
    b.copy = !borrow;
    b.w = &w;
    rs_walk_root_slot(&w, (void **)&b.root);
    rs_tok t;
    int kind, rc = 0;
    /* a large input's object tables sized for an object every 16 bytes:
     * most never grow them, nor move and fault in large blocks again as
     * they double; a smaller one starts in the embedded tables and doubles
     * (a String-heavy session has an object every few hundred bytes) */
    if (UNLIKELY(len >= RS_GUESS_OBJS_FROM)) {
        uint32_t guess_objs = len / 16 < (1u << 28) ? (uint32_t)(len / 16) : 1u << 28;
        if (!objs_grow(&b, guess_objs) || !rs_walk_obj_grow(&w, guess_objs)) {
            kind = TK_ERROR;
            rc = RSESS_ERR_NOMEM;
            goto out;
        }
    }
    for (;;) {
        /* the hot path: the values of an array or hash, leaves in a row */
        size_t top = w.sp - 1;
        rs_frame *f = &w.fr[top];
        if (LIKELY(rs_walk_plain(&w, f))) do { /* no plain value leaves anything pending */
            kind = rs_walk_value_plain(&w, &t, f, &build_sink, &b);
            if (LIKELY(kind == TK_PLACED)) continue;
            if (kind == TK_OPENED) { /* its frame is on top (and the stack may have moved) */
                f = &w.fr[top = w.sp - 1];
                continue;
            }
            if (UNLIKELY(kind == TK_ERROR)) goto out;
            if (kind < TK_SYM || (kind == TK_SYM && !(t.flags & TF_IVSYM))) { /* a leaf: f stays on top */
                if (UNLIKELY(rc = build_tok(&b, &w, &t, false, true, f))) goto out;
                continue;
            }
            /* it may have opened a frame, and the stack may have moved */
            if (UNLIKELY(rc = build_tok(&b, &w, &t, false, true, &w.fr[top]))) goto out;
            f = &w.fr[top = w.sp - 1];
        } while (f->left > f->stop);
        if (LIKELY(rs_walk_pop_plain(&w, f))) { /* its end, and back in its owner */
            if (UNLIKELY(f - 1 == w.fr)) { /* the root's value: rs_walk_next would say TK_DONE */
                kind = TK_DONE;
                break;
            }
            continue;
        }
        if (rs_walk_plain_end(&w, f)) { /* and its end, and back in its owner */
            kind = rs_walk_end_plain(&w, &t, f);
            if (UNLIKELY(f->identity)) { /* a hash's default: build_tok's TK_END places it */
                if (UNLIKELY(rc = build_tok(&b, &w, &t, false, false, NULL))) break;
            } else if (t.flags & TF_INNER) { /* what build_tok's TK_END does for the others */
                w.fr[f->parent].user = f->user;
            }
            kind = rs_walk_settle(&w, &t); /* 0: nothing to build (or an error: w.code) */
            if (UNLIKELY(w.code)) break;
            if (kind && UNLIKELY(rc = build_tok(&b, &w, &t, false, false, NULL))) break;
            if (w.sp == 1 && w.fr[0].left == 0) { /* the root: rs_walk_next would say TK_DONE */
                kind = TK_DONE;
                break;
            }
            continue;
        }
        kind = rs_walk_next(&w, &t, true);
        if (kind == TK_DONE || kind == TK_ERROR) break;
        if (UNLIKELY(rc = build_tok(&b, &w, &t, false, false, NULL))) break;
    }
out:
    if (kind == TK_DONE && w.p != w.end && !(opts->flags & RSESS_READ_ALLOW_TRAILING))
        rs_walk_fail(&w, RSESS_ERR_TRAILING, w.p, "trailing bytes: %zu after the value", (size_t)(w.end - w.p));
    if (kind == TK_DONE && !w.code && !rc && b.keepbytes) rc = rs_build_keep(&b);
    if (UNLIKELY(b.objs != b.objs0 || b.pend || b.keep != b.keep0)) rs_build_free(&b);
    if (UNLIKELY(w.fr != w.fr0)) rs_walk_free(&w);
    rs_tables_free(&tab, &doc->allocv);
    if (w.code || rc || kind != TK_DONE) {
        if (!w.code) rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
        rsess_doc_free(doc);
        return NULL;
    }
    doc->root = b.root;
    doc->consumed = (size_t)(w.p - w.base);
    return doc;
}
