/* A map from byte strings plus a tag to a pointer: the builder's interning
 * tables and the JSON readers' key sets (base layer: lib/base.h). */
#include "base.h"

/* --- map --------------------------------------------------------------- */
uint64_t rs_hash_bytes(const void *p, size_t len, uint64_t seed)
{
    /* FNV-1a, 64-bit, finished with a mixer: keys are short names. */
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ull ^ seed;
    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

static size_t map_slot(const rs_map *m, const void *p, size_t len, uint64_t tag, uint64_t h)
{
    size_t mask = m->cap - 1, i = (size_t)h & mask;
    for (;;) {
        const rs_map_ent *e = &m->ents[i];
        if (!e->val) return i;
        if (e->hash == h && e->tag == tag && e->len == len && (len == 0 || memcmp(e->p, p, len) == 0)) return i;
        i = (i + 1) & mask;
    }
}

void *rs_map_get(const rs_map *m, const void *p, size_t len, uint64_t tag)
{
    if (!m->cap) return NULL;
    uint64_t h = rs_hash_bytes(p, len, tag);
    return m->ents[map_slot(m, p, len, tag, h)].val;
}

static int map_grow(rs_map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 16;
    rs_map_ent *ne = rs_malloc(m->alloc, ncap * sizeof *ne);
    if (!ne) return RSESS_ERR_NOMEM;
    memset(ne, 0, ncap * sizeof *ne);
    rs_map old = *m;
    m->ents = ne;
    m->cap = ncap;
    for (size_t i = 0; i < old.cap; i++) {
        if (old.ents[i].val)
            m->ents[map_slot(m, old.ents[i].p, old.ents[i].len, old.ents[i].tag, old.ents[i].hash)] = old.ents[i];
    }
    rs_free(m->alloc, old.ents, old.cap * sizeof *old.ents);
    return 0;
}

int rs_map_put(rs_map *m, const void *p, size_t len, uint64_t tag, void *val)
{
    if ((m->n + 1) * 4 > m->cap * 3 && map_grow(m)) return RSESS_ERR_NOMEM;
    uint64_t h = rs_hash_bytes(p, len, tag);
    rs_map_ent *e = &m->ents[map_slot(m, p, len, tag, h)];
    if (!e->val) m->n++;
    e->p = p;
    e->len = len;
    e->hash = h;
    e->tag = tag;
    e->val = val;
    return 0;
}

void rs_map_free(rs_map *m)
{
    rs_free(m->alloc, m->ents, m->cap * sizeof *m->ents);
    m->ents = NULL;
    m->cap = m->n = 0;
}
