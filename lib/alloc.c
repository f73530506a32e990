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
void *rs_arena_grow(rs_arena *a, size_t n)
{
    size_t want = a->total < 4096 ? 4096 : a->total; /* doubles the arena */
    if (want > ((size_t)1 << 24)) want = (size_t)1 << 24;
    if (want < n + sizeof(struct rs_chunk) + 8) want = n + sizeof(struct rs_chunk) + 8;
    struct rs_chunk *c = rs_malloc(a->alloc, want);
    if (!c) return NULL;
    c->next = a->head;
    c->size = want;
    a->head = c;
    a->total += want;
    char *base = (char *)c + ((sizeof *c + 7) & ~(size_t)7);
    a->cur = base + n;
    a->end = (char *)c + want;
    return base;
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
