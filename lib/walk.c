/* The walker's set-up, its tables and its rare paths (walk.h has the core). */
#include "walk.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>



int rs_tables_track(rs_tables *t, const rsess_alloc *a)
{
    t->ooff = rs_malloc(a, (size_t)t->ocap * sizeof *t->ooff);
    t->ofirst = rs_malloc(a, (size_t)t->ocap * sizeof *t->ofirst);
    if (t->ooff && t->ofirst) return t->heap = true, 0;
    /* one of the two failed: give the other back here (rs_tables_free's
     * quick test looks at ooff alone, so a lone ofirst leaked) */
    if (t->ooff) rs_free(a, t->ooff, (size_t)t->ocap * sizeof *t->ooff);
    if (t->ofirst) rs_free(a, t->ofirst, (size_t)t->ocap * sizeof *t->ofirst);
    t->ooff = t->ofirst = NULL;
    return RSESS_ERR_NOMEM;
}



int rs_walk_fail(rs_walker *w, int code, const unsigned char *at, const char *fmt, ...)
{
    if (w->code) return TK_ERROR;
    w->code = code;
    if (w->err) {
        char tmp[sizeof w->err->text];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(tmp, sizeof tmp, fmt, ap);
        va_end(ap);
        rs_fail(w->err, code, (size_t)(at - w->base), "%s", tmp);
    }
    return TK_ERROR;
}

/* The frame stack leaves the caller's stack for the heap, then doubles:
 * depth costs memory, never C stack. */
int rs_walk_push_slow(rs_walker *w)
{
    size_t ncap = w->cap * 2;
    if (ncap > SIZE_MAX / sizeof *w->fr) return rs_walk_fail(w, RSESS_ERR_NOMEM, w->p, "out of memory"), -1;
    rs_frame *n;
    if (w->fr == w->fr0) {
        n = rs_malloc(w->alloc, ncap * sizeof *n);
        if (n) memcpy(n, w->fr0, w->cap * sizeof *n);
    } else {
        n = rs_realloc(w->alloc, w->fr, w->cap * sizeof *n, ncap * sizeof *n);
    }
    if (!n) return rs_walk_fail(w, RSESS_ERR_NOMEM, w->p, "out of memory"), -1;
    w->fr = n;
    w->cap = ncap;
    return 0;
}

static void *grow_array(const rsess_alloc *a, void *old, bool embedded, size_t elem, size_t oldn, size_t newn)
{
    void *n;
    if (!old || embedded) {
        n = rs_malloc(a, newn * elem);
        if (n && old && oldn) memcpy(n, old, oldn * elem);
        return n;
    }
    return rs_realloc(a, old, oldn * elem, newn * elem);
}

bool rs_walk_obj_grow(rs_walker *w, uint32_t need)
{
    rs_tables *t = w->tab;
    size_t ncap = t->ocap;
    if (need <= ncap) return true;
    while (ncap < need) ncap *= 2;
    if (ncap > UINT32_MAX) return rs_walk_fail(w, RSESS_ERR_NODES, w->p, "too many objects"), false;
    /* The three arrays share t->ocap: all grow, or none does (a failure
     * after the first grew left sizes that rs_tables_free misreported). */
    bool track = w->track || t->ooff;
    uint8_t *ot = rs_malloc(w->alloc, ncap);
    uint32_t *o = track ? rs_malloc(w->alloc, ncap * sizeof *o) : NULL;
    uint32_t *f = track ? rs_malloc(w->alloc, ncap * sizeof *f) : NULL;
    if (!ot || (track && (!o || !f))) {
        rs_free(w->alloc, ot, ncap);
        rs_free(w->alloc, o, ncap * sizeof *o);
        rs_free(w->alloc, f, ncap * sizeof *f);
        return rs_walk_fail(w, RSESS_ERR_NOMEM, w->p, "out of memory"), false;
    }
    memcpy(ot, t->otype, t->ocap);
    if (t->otype != t->otype0) rs_free(w->alloc, t->otype, t->ocap);
    t->otype = ot;
    t->heap = true;
    if (track) {
        if (t->ooff) memcpy(o, t->ooff, (size_t)t->ocap * sizeof *o);
        if (t->ofirst) memcpy(f, t->ofirst, (size_t)t->ocap * sizeof *f);
        rs_free(w->alloc, t->ooff, (size_t)t->ocap * sizeof *o);
        rs_free(w->alloc, t->ofirst, (size_t)t->ocap * sizeof *f);
        t->ooff = o;
        t->ofirst = f;
    }
    t->ocap = (uint32_t)ncap;
    return true;
}

bool rs_walk_sym_grow(rs_walker *w)
{
    rs_tables *t = w->tab;
    size_t ncap = (size_t)t->scap * 2;
    if (ncap > UINT32_MAX) return rs_walk_fail(w, RSESS_ERR_NODES, w->p, "too many symbols"), false;
    rs_wsym *s = grow_array(w->alloc, t->syms, t->syms == t->syms0, sizeof *s, t->scap, ncap);
    if (!s) return rs_walk_fail(w, RSESS_ERR_NOMEM, w->p, "out of memory"), false;
    t->syms = s;
    t->scap = (uint32_t)ncap;
    t->heap = true;
    return true;
}

uint32_t rs_walk_sym_at(const rs_tables *t, uint32_t off)
{
    size_t lo = 0, hi = t->nsyms;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->syms[mid].off < off) lo = mid + 1;
        else hi = mid;
    }
    return lo < t->nsyms && t->syms[lo].off == off ? (uint32_t)lo : RS_NONE;
}

