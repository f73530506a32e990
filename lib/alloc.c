/* Allocation through the caller's hooks (all three or none: opts.c checks
 * them), the arena and heap arrays (base layer: lib/base.h). */
#include "base.h"

#include <stdlib.h>

/* --- allocation -------------------------------------------------------- */
void *rs_malloc(const rsess_alloc *a, size_t n)
{
    if (a && a->malloc) return a->malloc(a->ctx, n);
    return malloc(n);
}

void *rs_realloc(const rsess_alloc *a, void *p, size_t old, size_t n)
{
    if (a && a->realloc) return a->realloc(a->ctx, p, old, n);
    if (a && a->malloc) { /* malloc hook without realloc: emulate */
        void *q = a->malloc(a->ctx, n);
        if (!q) return NULL;
        if (p) {
            memcpy(q, p, old < n ? old : n);
            rs_free(a, p, old);
        }
        return q;
    }
    return realloc(p, n);
}

void rs_free(const rsess_alloc *a, void *p, size_t n)
{
    if (!p) return;
    if (a && a->free) {
        a->free(a->ctx, p, n);
        return;
    }
    free(p);
}

/* --- arena ------------------------------------------------------------- */
/* Each new chunk is a quarter of what the arena holds (256 bytes at least,
 * 16 MiB at most), so the unused end of the newest chunk, what growth
 * wastes, stays under a fifth of the arena, and a large arena still
 * grows in few steps. An allocation of more than half a chunk gets a chunk
 * of its own, behind the newest, which stays the one allocations come from. */
void *rs_arena_grow(rs_arena *a, size_t n) { return rs_arena_grow_hint(a, n, 0, false); }

void *rs_arena_grow_hint(rs_arena *a, size_t n, size_t need, bool exact)
{
    const size_t hdr = (sizeof(struct rs_chunk) + 7) & ~(size_t)7;
    size_t want = a->total / 4;
    if (want < 256) want = 256;
    if (want > ((size_t)1 << 24)) want = (size_t)1 << 24;
    if (need > SIZE_MAX / 2) need = SIZE_MAX / 2;
    if (need + hdr > want) want = need + hdr;
    size_t left = (size_t)(a->end - a->cur);
    /* a chunk of its own also when the current chunk still has an eighth
     * of a new one left: that end is not given up for one allocation */
    bool own = exact || n > (want - hdr) / 2 || left > want / 8;
    size_t size = own ? hdr + n : want;
    if (size < n) return NULL; /* n near SIZE_MAX */
    struct rs_chunk *c = rs_malloc(a->alloc, size);
    if (!c) return NULL;
    c->size = size;
    c->lost = 0;
    a->total += size;
    char *base = (char *)c + hdr;
    if (own && a->head) { /* behind the newest chunk */
        c->next = a->head->next;
        a->head->next = c;
        return base;
    }
    c->next = a->head;
    a->head = c;
    if (own) return base; /* the first chunk (the caller's block) stays current */
    c->lost = left;
    a->cur = base + n;
    a->end = (char *)c + size;
    return base;
}

size_t rs_arena_unused(const rs_arena *a)
{
    size_t n = (size_t)(a->end - a->cur);
    for (const struct rs_chunk *c = a->head; c; c = c->next) n += c->lost;
    return n;
}

int rs_vec_room(const rsess_alloc *a, void **p, size_t n, size_t *cap, size_t size, size_t first)
{
    if (n < *cap) return 0;
    size_t nc = *cap ? 2 * *cap : first;
    if (nc > SIZE_MAX / size) return RSESS_ERR_NOMEM;
    void *np = rs_realloc(a, *p, *cap * size, nc * size);
    if (!np) return RSESS_ERR_NOMEM;
    *p = np;
    *cap = nc;
    return 0;
}

void rs_arena_free(rs_arena *a)
{
    struct rs_chunk *c = a->head;
    while (c) {
        struct rs_chunk *next = c->next;
        rs_free(a->alloc, c, c->size);
        c = next;
    }
    a->head = NULL;
    a->cur = a->end = NULL;
}
