/* Hash keys as Ruby's Hash sees them (key_eql.c): eql?, a hash consistent
 * with it, and the pairs a Hash read by Marshal.load keeps when its bytes
 * repeat a key (each distinct key once, where it first came, with the
 * value of its last pair). Used by the editor (Hash#[]=) and the Ruby and
 * JSON views. */
#ifndef RSESS_KEY_EQL_H
#define RSESS_KEY_EQL_H

#include "refs.h"

/* eql? of two keys as rsess_hash_set() documents it (identity: a
 * compare_by_identity Hash): nil, true, false, Integers, Floats (0.0 eql?
 * -0.0), Bignums, Strings (bytes, and the encoding unless ASCII-only),
 * Symbols by value; every other key by identity (the same node). */
bool rs_key_eql(const rsess_val *a, const rsess_val *b, bool identity) RSESS_INTERNAL;

/* eql? as the Hash that Marshal.load builds sees the keys (the views): as
 * rs_key_eql, and Classes and Modules by name (Marshal.load finds one
 * object a name); Arrays element by element and Hashes pair by pair in
 * order (Ruby's Hash#eql? also matches reordered pairs: such keys stay
 * apart here), their parts by value when they are of the valued types and
 * by identity when they are containers or objects; the rest (objects,
 * Structs, Ranges, Times...: Ruby's eql? is theirs) by identity. */
bool rs_loaded_key_eql(const rsess_val *a, const rsess_val *b, bool identity) RSESS_INTERNAL;

/* The pairs from pair `from` on (of n at k: key, value, key, value...)
 * whose key is eql? to the key a as rs_loaded_key_eql sees it: the next
 * one, n when none is left, RS_EQL_SPENT when comparing would cost more
 * than *work units left (bytes compared; *work is charged). A String or
 * Symbol a costs one look at the type, length and first byte of each key
 * but the few that share them; a key node met again right after it was
 * found unequal (links) is not compared again. Nothing is allocated. The
 * accessors and the editor: the value Ruby's loaded Hash has for a key is
 * that of the last of them. */
#define RS_EQL_SPENT ((size_t)-1)
size_t rs_next_eql_key(rsess_val *const *k, size_t n, const rsess_val *a, size_t from, bool identity,
                       size_t *work) RSESS_INTERNAL;
/* The last pair (i itself when none is later) whose key is eql? to pair
 * i's as above, or RS_EQL_SPENT when RS_KEY_WORK runs out. */
size_t rs_last_eql_pair(rsess_val *const *k, size_t n, size_t i, bool identity) RSESS_INTERNAL;

/* The pairs a Hash keeps: kv[2e] the pair index of entry e's key, kv[2e+1]
 * that of its value. kv NULL: every pair, in order (no key repeats). */
typedef struct rs_pairplan {
    uint32_t *kv;
    size_t n;   /* entries */
    size_t cap; /* uint32s allocated at kv */
} rs_pairplan;

/* Fills p for hash (a RSESS_HASH node): 0, or RSESS_ERR_NOMEM, or
 * RSESS_ERR_NODES when comparing its keys would cost more than *work units
 * left (bytes and items compared; *work is charged). p->kv stays NULL for
 * a Hash of distinct keys. Time linear in the keys but for keys of equal
 * keyed hash (SipHash under the process key) that are not eql. */
int rs_pairplan_make(rs_pairplan *p, const rsess_val *hash, const rsess_alloc *alloc, size_t *work) RSESS_INTERNAL;

/* Entry e's text: its bytes at *p, *n of them. */
typedef void (*rs_text_at)(void *ctx, size_t e, const void **p, size_t *n);

/* Regroups p's entries (the pairs of hash through p) by their texts the
 * same way: entries of equal texts are one, where the first came, with the
 * last one's value (*dups: some were). */
int rs_pairplan_regroup(rs_pairplan *p, const rsess_val *hash, rs_text_at at, void *ctx, const rsess_alloc *alloc,
                        bool *dups) RSESS_INTERNAL;

/* A fingerprint of bytes: their length and first and last 8 bytes (no
 * key: what tells most keys apart without reading them all; equal bytes,
 * equal fingerprints). */
static inline uint64_t rs_bytes_fp(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
    } else if (n >= 4) { /* fixed-size loads: no memcpy call */
        uint32_t x, y;
        memcpy(&x, s, 4);
        memcpy(&y, s + n - 4, 4);
        a = x;
        b = y;
    } else if (n) {
        a = (uint64_t)s[0] << 16 | (uint64_t)s[n / 2] << 8 | s[n - 1];
    }
    return (a * 0x9e3779b97f4a7c15ull) ^ (b * 0xc2b2ae3d27d4eb4full) ^ (n * 0x165667b19e3779f9ull);
}

/* 7 bits of bytes for a first filter (rs_bits_add): equal bytes, equal bits. */
static inline unsigned rs_bytes_bit(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint32_t x = n ? (uint32_t)n ^ (uint32_t)s[0] << 8 ^ (uint32_t)s[n - 1] << 16 ^ (uint32_t)s[n / 2] << 24 : 0;
    return (x * 0x9e3779b1u) >> 25;
}

/* Sets bit x (< 128) of w: true if it was set already. */
static inline bool rs_bits_add(uint64_t w[2], unsigned x)
{
    uint64_t bit = (uint64_t)1 << (x & 63);
    bool had = (w[x >> 6] & bit) != 0;
    w[x >> 6] |= bit;
    return had;
}

/* Up to this many items are compared pairwise (nothing allocated). */
#define RS_PAIRWISE_MAX 16

/* True when no two of the m (<= RS_PAIRWISE_MAX) fingerprints are equal:
 * then no two items are. A 128-bit filter first (7 bits of each), the
 * pairs only when two share a bit. */
static inline bool rs_fps_distinct(const uint64_t *fp, size_t m)
{
    uint64_t w[2] = {0, 0};
    size_t i = 0;
    for (; i < m; i++) {
        unsigned x = (unsigned)(fp[i] >> 57);
        uint64_t bit = (uint64_t)1 << (x & 63);
        if (w[x >> 6] & bit) break;
        w[x >> 6] |= bit;
    }
    if (i == m) return true;
    for (i = 1; i < m; i++)
        for (size_t j = 0; j < i; j++)
            if (fp[i] == fp[j]) return false;
    return true;
}

/* The key comparison work a view allows itself in one print (bytes and
 * items compared or hashed): hostile bytes find RSESS_ERR_NODES. */
#define RS_KEY_WORK ((size_t)1 << 30)

void rs_pairplan_free(rs_pairplan *p, const rsess_alloc *alloc) RSESS_INTERNAL;

/* The entries of hash through p (NULL: every pair), and entry e's key and value. */
static inline size_t rs_pairplan_len(const rs_pairplan *p, const rsess_val *hash)
{
    return p && p->kv ? p->n : hash->u.c.n;
}
static inline rsess_val *rs_pairplan_key(const rs_pairplan *p, const rsess_val *hash, size_t e)
{
    return hash->u.c.k[2 * (p && p->kv ? p->kv[2 * e] : e)];
}
static inline rsess_val *rs_pairplan_val(const rs_pairplan *p, const rsess_val *hash, size_t e)
{
    return hash->u.c.k[2 * (p && p->kv ? p->kv[2 * e + 1] : e) + 1];
}

/* The views keep the plans of the Hashes they are printing on a stack of
 * their own, in the order of the frames marked as having one (frames stay
 * small: depth costs them). Keeps p there when it has a plan: 0, or
 * RSESS_ERR_NOMEM (p freed). */
int rs_pairplan_keep(rs_stack *plans, rs_pairplan *p, const rsess_alloc *alloc) RSESS_INTERNAL;
/* Frees the plan on top of plans and drops it. */
void rs_pairplan_drop(rs_stack *plans, const rsess_alloc *alloc) RSESS_INTERNAL;

#endif
