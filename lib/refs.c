/* Node marks, frame stacks and reference counts for the printers (refs.h). */
#include "refs.h"

int rs_marks_cover(rs_marks *k, uint32_t id)
{
    if (id < k->n) return 0;
    size_t ncap = k->n ? k->n : 64;
    while (ncap <= id)
        ncap *= 2;
    uint8_t *m = rs_realloc(k->alloc, k->m, k->n, ncap);
    if (!m) return RSESS_ERR_NOMEM;
    memset(m + k->n, 0, ncap - k->n);
    k->m = m;
    k->n = ncap;
    return 0;
}

void rs_marks_free(rs_marks *k)
{
    rs_free(k->alloc, k->m, k->n);
    k->m = NULL;
    k->n = 0;
}

void *rs_stack_push(rs_stack *s)
{
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 32;
        if (ncap > SIZE_MAX / s->elem) return NULL;
        void *p = s->owned ? rs_realloc(s->alloc, s->base, s->cap * s->elem, ncap * s->elem)
                           : rs_malloc(s->alloc, ncap * s->elem);
        if (!p) return NULL;
        if (!s->owned && s->n) memcpy(p, s->base, s->n * s->elem);
        s->base = p;
        s->cap = ncap;
        s->owned = true;
    }
    return (char *)s->base + s->n++ * s->elem;
}

void rs_stack_free(rs_stack *s)
{
    if (s->owned) rs_free(s->alloc, s->base, s->cap * s->elem);
    s->base = NULL;
    s->n = s->cap = 0;
    s->owned = false;
}

/* Keeps v among the nodes still to visit. */
static int todo_push(rs_stack *t, const rsess_val *v, rs_map64 *flonums)
{
    if (flonums && v && rs_imm(v) && rs_type(v) == RSESS_FLOAT) {
        uint64_t k = rs_flonum_key(v), n = rs_map64_get(flonums, k);
        return n >= 2 ? 0 : rs_map64_put(flonums, k, n + 1) ? RSESS_ERR_NOMEM : 0;
    }
    if (!v || !rs_has_identity(v)) return 0;
    const rsess_val **slot = rs_stack_push(t);
    if (!slot) return RSESS_ERR_NOMEM;
    *slot = v;
    return 0;
}

/* Every node is expanded once, so the stack never holds more than the
 * document's edges, and the counts do not depend on the order of visit. */
int rs_refs_count(const rsess_val *root, rs_marks *r, rs_map64 *flonums)
{
    const rsess_val *first[64];
    rs_stack t;
    rs_stack_init(&t, sizeof *first, r->alloc, first, 64);
    int rc = todo_push(&t, root, flonums);
    while (t.n && !rc) {
        const rsess_val *v = *(const rsess_val **)rs_stack_top(&t);
        t.n--;
        if (rs_imm(v)) continue; /* no identity, no parts */
        if ((rc = rs_marks_cover(r, v->id))) break;
        if (r->m[v->id]) {
            r->m[v->id] = 2;
            continue;
        }
        r->m[v->id] = 1;
        switch (rs_type(v)) {
        case RSESS_ARRAY:
            for (size_t i = 0; i < v->u.c.n && !rc; i++)
                rc = todo_push(&t, v->u.c.k[i], flonums);
            break;
        case RSESS_HASH:
        case RSESS_OBJECT:
        case RSESS_STRUCT:
            for (size_t i = 0; i < 2 * (size_t)v->u.c.n && !rc; i++)
                rc = todo_push(&t, v->u.c.k[i], flonums);
            if (!rc && rs_type(v) == RSESS_HASH && rs_x(v)) rc = todo_push(&t, rs_x(v)->dflt, flonums);
            break;
        case RSESS_USERMARSHAL:
        case RSESS_DATA: rc = todo_push(&t, v->u.one, flonums); break;
        default: break;
        }
        if (rs_x(v))
            for (size_t i = 0; i < rs_x(v)->niv && !rc; i++)
                rc = todo_push(&t, rs_x(v)->iv[2 * i + 1], flonums);
    }
    rs_stack_free(&t);
    return rc;
}
