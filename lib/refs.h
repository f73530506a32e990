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
    switch (v->type) {
    case RSESS_NIL:
    case RSESS_TRUE:
    case RSESS_FALSE:
    case RSESS_SYMBOL: return false;
    case RSESS_INT: return !rs_int_is_fixnum(v->u.i);
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
int rs_refs_count(const rsess_val *root, rs_marks *r) RSESS_INTERNAL;

#endif
