/* A map from byte strings plus a tag to a pointer: the builder's interning
 * tables and the JSON readers' key sets (base layer: lib/base.h). */
#include "base.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>

/* --- map --------------------------------------------------------------- */
/* Keys of every map come from the input (symbol names, hash keys, floats),
 * so the hash is keyed: SipHash-1-3 (the function Ruby's own st tables
 * use) with a 128-bit key drawn once per process from the CSPRNG. Nobody
 * who lacks the key can build colliding names offline. The key changes
 * which slot an entry takes, never what is found, and no output walks a
 * map's slots, so output does not depend on it. */
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;
static _Atomic bool hash_ready; /* the key is drawn: the fast path skips pthread_once */
static uint64_t hash_key[2];

static void hash_key_init(void)
{
    if (sodium_init() < 0) { /* randombytes_buf still works: it opens the system source itself */
    }
    randombytes_buf(hash_key, sizeof hash_key);
    atomic_store_explicit(&hash_ready, true, memory_order_release);
}

#define SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIP_ROUND(v0, v1, v2, v3)                                                                          \
    do {                                                                                                   \
        v0 += v1, v1 = SIP_ROTL(v1, 13), v1 ^= v0, v0 = SIP_ROTL(v0, 32);                                  \
        v2 += v3, v3 = SIP_ROTL(v3, 16), v3 ^= v2;                                                         \
        v0 += v3, v3 = SIP_ROTL(v3, 21), v3 ^= v0;                                                         \
        v2 += v1, v1 = SIP_ROTL(v1, 17), v1 ^= v2, v2 = SIP_ROTL(v2, 32);                                  \
    } while (0)

/* 8 bytes as a little-endian word, whatever the host's order */
static inline uint64_t sip_word(const unsigned char *s)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t m;
    memcpy(&m, s, 8);
    return m;
#else
    uint64_t m = 0;
    for (int b = 7; b >= 0; b--) m = m << 8 | s[b];
    return m;
#endif
}

static inline uint64_t siphash(const uint64_t key[2], const void *p, size_t len, int crounds, int drounds)
{
    const unsigned char *s = p;
    uint64_t v0 = key[0] ^ 0x736f6d6570736575ull, v1 = key[1] ^ 0x646f72616e646f6dull;
    uint64_t v2 = key[0] ^ 0x6c7967656e657261ull, v3 = key[1] ^ 0x7465646279746573ull;
    size_t whole = len & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m = sip_word(s + i);
        v3 ^= m;
        for (int r = 0; r < crounds; r++) SIP_ROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    uint64_t m = (uint64_t)len << 56;
    const unsigned char *t = s + whole;
    switch (len & 7) { /* the last 1..7 bytes, little-endian under the length byte */
    case 7: m |= (uint64_t)t[6] << 48; /* fall through */
    case 6: m |= (uint64_t)t[5] << 40; /* fall through */
    case 5: m |= (uint64_t)t[4] << 32; /* fall through */
    case 4: m |= (uint64_t)t[3] << 24; /* fall through */
    case 3: m |= (uint64_t)t[2] << 16; /* fall through */
    case 2: m |= (uint64_t)t[1] << 8; /* fall through */
    case 1: m |= (uint64_t)t[0]; break;
    default: break;
    }
    v3 ^= m;
    for (int r = 0; r < crounds; r++) SIP_ROUND(v0, v1, v2, v3);
    v0 ^= m;
    v2 ^= 0xff;
    for (int r = 0; r < drounds; r++) SIP_ROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t rs_siphash(const uint64_t key[2], const void *p, size_t len, int crounds, int drounds)
{
    return siphash(key, p, len, crounds, drounds);
}

uint64_t rs_hash_bytes(const void *p, size_t len, uint64_t seed)
{
    if (UNLIKELY(!atomic_load_explicit(&hash_ready, memory_order_acquire))) pthread_once(&hash_once, hash_key_init);
    uint64_t k[2] = {hash_key[0] ^ seed, hash_key[1]};
    return siphash(k, p, len, 1, 3);
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

/* --- map64 ------------------------------------------------------------- */
static inline uint64_t hash_u64(uint64_t x)
{
    if (UNLIKELY(!atomic_load_explicit(&hash_ready, memory_order_acquire))) pthread_once(&hash_once, hash_key_init);
    x ^= hash_key[0];
    x *= hash_key[1] | 1;
    x ^= x >> 32;
    x *= 0x9e3779b97f4a7c15ull;
    x ^= x >> 29;
    return x;
}

static size_t map64_slot(const rs_map64 *m, uint64_t key)
{
    size_t mask = m->cap - 1, i = (size_t)hash_u64(key) & mask;
    while (m->ents[i].val && m->ents[i].key != key) i = (i + 1) & mask;
    return i;
}

uint64_t rs_map64_get(const rs_map64 *m, uint64_t key)
{
    return m->cap ? m->ents[map64_slot(m, key)].val : 0;
}

/* Room for one more entry: at most three quarters full. */
static int map64_room(rs_map64 *m)
{
    if (LIKELY((m->n + 1) * 4 <= m->cap * 3)) return 0;
    size_t ncap = m->cap ? m->cap * 2 : 16;
    rs_map64_ent *ne = rs_malloc(m->alloc, ncap * sizeof *ne);
    if (!ne) return RSESS_ERR_NOMEM;
    memset(ne, 0, ncap * sizeof *ne);
    rs_map64 old = *m;
    m->ents = ne;
    m->cap = ncap;
    for (size_t i = 0; i < old.cap; i++)
        if (old.ents[i].val) m->ents[map64_slot(m, old.ents[i].key)] = old.ents[i];
    rs_free(m->alloc, old.ents, old.cap * sizeof *old.ents);
    return 0;
}

/* key's entry (empty when new), with room made for it; NULL: no memory. */
static rs_map64_ent *map64_claim(rs_map64 *m, uint64_t key)
{
    if (map64_room(m)) return NULL;
    rs_map64_ent *e = &m->ents[map64_slot(m, key)];
    if (!e->val) m->n++, e->key = key;
    return e;
}

uint64_t rs_map64_get_or_put(rs_map64 *m, uint64_t key, uint64_t val)
{
    rs_map64_ent *e = map64_claim(m, key);
    if (!e) return UINT64_MAX;
    if (e->val) return e->val;
    e->val = val;
    return 0;
}

int rs_map64_put(rs_map64 *m, uint64_t key, uint64_t val)
{
    rs_map64_ent *e = map64_claim(m, key);
    if (!e) return RSESS_ERR_NOMEM;
    e->val = val;
    return 0;
}

void rs_map64_free(rs_map64 *m)
{
    rs_free(m->alloc, m->ents, m->cap * sizeof *m->ents);
    m->ents = NULL;
    m->cap = m->n = 0;
}
