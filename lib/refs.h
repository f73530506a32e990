/* Walking a document's graph without recursion (refs.c): a byte per node
 * id, an explicit frame stack, and the count of references to each node
 * that the printers use to find shared and cyclic values. */
#ifndef RSESS_REFS_H
#define RSESS_REFS_H

#include "internal.h"

/* Which nodes the printers treat as objects with identity: what Marshal
 * registers and may link. */
static inline bool rs_has_identity(const rsess_val *v)
{
    if (rs_imm(v)) return false;
    switch (rs_type(v)) {
    case RSESS_NIL:
    case RSESS_TRUE:
    case RSESS_FALSE:
    case RSESS_SYMBOL: return false;
    case RSESS_INT: return !rs_int_is_fixnum(rs_ival(v));
    default: return true;
    }
}

/* One byte per node id, zero until set; grown on demand. */
typedef struct rs_marks {
    uint8_t *m;
    size_t n; /* bytes in m */
    const rsess_alloc *alloc;
} rs_marks;

/* Makes m[id] addressable (new bytes zero): 0 or RSESS_ERR_NOMEM. */
int rs_marks_cover(rs_marks *k, uint32_t id) RSESS_INTERNAL;
void rs_marks_free(rs_marks *k) RSESS_INTERNAL;

/* A stack of fixed-size frames: in the caller's first block while it fits
 * (shallow values cost no allocation), then on the heap, grown by doubling. */
typedef struct rs_stack {
    void *base;
    size_t n, cap, elem; /* frames, room, bytes a frame */
    bool owned;          /* base is on the heap */
    const rsess_alloc *alloc;
} rs_stack;

static inline void rs_stack_init(rs_stack *s, size_t elem, const rsess_alloc *alloc, void *first,
                                 size_t first_cap)
{
    s->base = first;
    s->n = 0;
    s->cap = first ? first_cap : 0;
    s->elem = elem;
    s->owned = false;
    s->alloc = alloc;
}
/* A new frame on top (its bytes undefined), or NULL when memory runs out
 * (the stack is then unchanged). */
void *rs_stack_push(rs_stack *s) RSESS_INTERNAL;
static inline void *rs_stack_top(const rs_stack *s) { return (char *)s->base + (s->n - 1) * s->elem; }
void rs_stack_free(rs_stack *s) RSESS_INTERNAL;

/* Counts the references to each node with identity in Marshal write order
 * (items, pairs, hash default, wrapped value, ivar values):
 * r->m[id] is 0 unreached, 1 once, 2 more than once. A graph walk of its
 * own stack; r->alloc must be set, and r freed with rs_marks_free. */
/* flonums (may be NULL): counts the flonum immediates by their bits, 1
 * for once and 2 for more, as Marshal links a repeated flonum (equal
 * flonums are one object in Ruby). */
int rs_refs_count(const rsess_val *root, rs_marks *r, rs_map64 *flonums) RSESS_INTERNAL;
/* The bits of a flonum immediate: its key in those counts. */
static inline uint64_t rs_flonum_key(const rsess_val *v) { return (uint64_t)(uintptr_t)v; }

/* The views' output cap. Ruby's p and JSON print a shared value again
 * wherever it recurs, so a few bytes of links (a = [b, b], b = [c, c]...)
 * or of symbol links (one long class name under a million objects) ask for
 * output exponential or quadratic in the input. A printer counts the
 * values it meets for the first time, weighted by their size (seen), and
 * stops with RSESS_ERR_NODES once its output passes RS_VIEW_SLACK + RS_VIEW_PER_VALUE
 * bytes per unit of seen: output, time and memory stay linear in the document. */
#define RS_VIEW_SLACK ((size_t)64 << 20)
#define RS_VIEW_PER_VALUE 64u
typedef struct rs_outcap {
    size_t start; /* out->len when printing began */
    size_t seen;  /* weight of the distinct values met so far */
} rs_outcap;

/* A value's weight: 1 + its bytes or slots (what its first print may cost). */
static inline size_t rs_view_weight(const rsess_val *v)
{
    switch (rs_type(v)) {
    case RSESS_STRING:
    case RSESS_SYMBOL:
    case RSESS_REGEXP:
    case RSESS_BIGNUM:
    case RSESS_USERDEF:
    case RSESS_CLASS:
    case RSESS_MODULE:
    case RSESS_OLDMODULE: return 1 + v->u.s.len;
    case RSESS_ARRAY: return 1 + (size_t)v->u.c.n;
    case RSESS_HASH:
    case RSESS_OBJECT:
    case RSESS_STRUCT: return 1 + 2 * (size_t)v->u.c.n;
    default: return 1;
    }
}

/* Whether len (the output buffer's length now) is within the cap. */
static inline bool rs_outcap_ok(const rs_outcap *c, size_t len)
{
    size_t used = len - c->start;
    return used <= RS_VIEW_SLACK || (used - RS_VIEW_SLACK) / RS_VIEW_PER_VALUE <= c->seen;
}
#define RS_OUTCAP_TEXT                                                                                       \
    "output repeats shared values past 64 MiB + 64 bytes a value (a fan-out of links; --to typed keeps "     \
    "them)"

#endif
