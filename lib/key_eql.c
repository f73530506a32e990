/* Hash keys Ruby's way: eql?, a hash consistent with it, and the pairs a
 * Hash loaded from bytes that repeat a key keeps (Marshal.load does
 * h[k] = v pair by pair: a later eql? key replaces the value and keeps the
 * first key and its place). No recursion: container keys compare their
 * parts one level deep (see key_eql.h). */
#include "key_eql.h"

#include <strings.h>

/* --- eql? -------------------------------------------------------------------- */
static bool same_bytes(const rsess_val *a, const rsess_val *b)
{
    return a->u.s.len == b->u.s.len && (a->u.s.len == 0 || memcmp(a->u.s.p, b->u.s.p, a->u.s.len) == 0);
}

static bool same_encoding(const rsess_val *a, const rsess_val *b)
{
    if (rs_enc_of(a) != rs_enc_of(b)) return false;
    if (rs_enc_of(a) != RSESS_ENC_OTHER) return true;
    size_t la, lb;
    const char *na = rs_enc_name(a, &la), *nb = rs_enc_name(b, &lb);
    return la == lb && strncasecmp(na, nb, la) == 0; /* Ruby's names are case-insensitive */
}

/* ASCII bytes mean ASCII text in the encoding: false for UTF-16 and UTF-32
 * (rb_enc_asciicompat), whose ASCII-looking bytes are other characters. */
static bool ascii_compatible(const rsess_val *v)
{
    if (rs_enc_of(v) != RSESS_ENC_OTHER) return true;
    size_t len;
    const char *n = rs_enc_name(v, &len);
    return !(len >= 6 && (strncasecmp(n, "UTF-16", 6) == 0 || strncasecmp(n, "UTF-32", 6) == 0));
}

/* String#eql? as a Hash sees it (rb_str_hash_cmp, rb_str_comparable): the
 * same bytes, and the same encoding unless the bytes are ASCII-only. */
static bool string_eql(const rsess_val *a, const rsess_val *b)
{
    if (!same_bytes(a, b)) return false;
    if (same_encoding(a, b)) return true;
    return rs_ascii_only(a->u.s.p, a->u.s.len) && ascii_compatible(a) && ascii_compatible(b);
}

/* One Symbol per name and encoding, as the symbol table finds them
 * (rb_str_hash_cmp, String#eql?'s rule): ASCII-only names are one Symbol
 * in any ASCII-compatible encoding; an empty or ASCII-looking UTF-16 name
 * is a Symbol of its own (:"" twice, Ruby prints both). */
static bool symbol_same(const rsess_val *a, const rsess_val *b) { return string_eql(a, b); }

static size_t magnitude_len(const rsess_val *v)
{
    size_t n = v->u.s.len;
    while (n && v->u.s.p[n - 1] == 0) n--;
    return n;
}

static bool bignum_eql(const rsess_val *a, const rsess_val *b)
{
    size_t n = magnitude_len(a);
    return (rs_flags(a) & F_NEGATIVE) == (rs_flags(b) & F_NEGATIVE) && n == magnitude_len(b) &&
           (n == 0 || memcmp(a->u.s.p, b->u.s.p, n) == 0);
}

/* Marshal.load finds a class or module by its name ('c', 'm', 'M'): one
 * object a name. */
static bool is_constant(int t) { return t == RSESS_CLASS || t == RSESS_MODULE || t == RSESS_OLDMODULE; }

/* What identity and eql? agree on: the same node; a Class or Module
 * and another of its name (names); nil, true, false; Symbols. 1 equal, 0
 * not, -1 when the type's own rule decides. */
static int same_head(const rsess_val *a, const rsess_val *b, bool names)
{
    if (a == b) return 1;
    if (names && is_constant(rs_type(a)) && is_constant(rs_type(b))) return same_bytes(a, b);
    if (rs_type(a) != rs_type(b)) return 0;
    switch (rs_type(a)) {
    case RSESS_NIL: case RSESS_TRUE: case RSESS_FALSE: return 1;
    case RSESS_SYMBOL: return symbol_same(a, b);
    default: return -1;
    }
}

/* Ruby's identity for immediates: the VALUE itself (names: Classes and
 * Modules by name too). */
static bool same_object(const rsess_val *a, const rsess_val *b, bool names)
{
    int h = same_head(a, b, names);
    if (h >= 0) return h;
    switch (rs_type(a)) {
    case RSESS_INT: return rs_int_is_fixnum(rs_ival(a)) && rs_ival(a) == rs_ival(b);
    case RSESS_FLOAT: {
        double x = rs_fval(a), y = rs_fval(b);
        return rs_is_flonum(x) && memcmp(&x, &y, sizeof x) == 0;
    }
    default: return false;
    }
}

/* eql? for the types that have a value; containers and objects: identity. */
static bool leaf_eql(const rsess_val *a, const rsess_val *b, bool names)
{
    int h = same_head(a, b, names);
    if (h >= 0) return h;
    switch (rs_type(a)) {
    case RSESS_STRING: return string_eql(a, b);
    case RSESS_INT: return rs_ival(a) == rs_ival(b);
    case RSESS_BIGNUM: return bignum_eql(a, b);
    case RSESS_FLOAT: return rs_fval(a) == rs_fval(b); /* 0.0 eql? -0.0; NaN only itself (a == b above) */
    default: return false;
    }
}

/* Array#eql? (element by element) and Hash#eql? (taken pair by pair in
 * order: Ruby's also matches reordered pairs), their parts by leaf_eql. */
static bool container_eql(const rsess_val *a, const rsess_val *b)
{
    uint32_t n = a->u.c.n;
    if (n != b->u.c.n) return false;
    if (rs_type(a) == RSESS_ARRAY) {
        for (uint32_t i = 0; i < n; i++)
            if (!leaf_eql(a->u.c.k[i], b->u.c.k[i], true)) return false;
        return true;
    }
    bool identity = (rs_flags(a) & F_IDENTITY) != 0;
    if (n && identity != ((rs_flags(b) & F_IDENTITY) != 0)) return false;
    for (uint32_t i = 0; i < 2 * n; i += 2) {
        const rsess_val *ka = a->u.c.k[i], *kb = b->u.c.k[i];
        if (!ka || !kb || !(identity ? same_object(ka, kb, true) : leaf_eql(ka, kb, true))) return false;
        if (!leaf_eql(a->u.c.k[i + 1], b->u.c.k[i + 1], true)) return false;
    }
    return true;
}

static bool is_container(const rsess_val *v)
{
    return !rs_imm(v) && (rs_type(v) == RSESS_ARRAY || rs_type(v) == RSESS_HASH);
}

bool rs_key_eql(const rsess_val *a, const rsess_val *b, bool identity)
{
    return identity ? same_object(a, b, false) : leaf_eql(a, b, false);
}

bool rs_loaded_key_eql(const rsess_val *a, const rsess_val *b, bool identity)
{
    if (identity) return same_object(a, b, true);
    if (a != b && is_container(a) && rs_type(a) == rs_type(b)) return container_eql(a, b);
    return leaf_eql(a, b, true);
}

/* --- a hash consistent with eql? ------------------------------------------- */
static uint64_t hash_word(uint64_t x, uint64_t seed) { return rs_hash_bytes(&x, sizeof x, seed); }

static uint64_t hash_ptr(const rsess_val *v) { return hash_word((uint64_t)(uintptr_t)v, 1); }

/* The hash of leaf_eql (identity: of same_object); *work is charged with
 * the bytes hashed. */
static uint64_t leaf_hash(const rsess_val *v, bool identity, size_t *work)
{
    int t = rs_type(v);
    if (is_constant(t)) {
        *work += v->u.s.len;
        return rs_hash_bytes(v->u.s.p, v->u.s.len, RSESS_CLASS);
    }
    switch (t) {
    case RSESS_NIL: case RSESS_TRUE: case RSESS_FALSE: return hash_word((uint64_t)t, 2);
    case RSESS_SYMBOL:
        *work += v->u.s.len;
        return rs_hash_bytes(v->u.s.p, v->u.s.len, RSESS_SYMBOL);
    case RSESS_INT:
        if (identity && !rs_int_is_fixnum(rs_ival(v))) return hash_ptr(v);
        return hash_word((uint64_t)rs_ival(v), RSESS_INT);
    case RSESS_FLOAT: {
        double d = rs_fval(v);
        if (identity && !rs_is_flonum(d)) return hash_ptr(v);
        if (!identity && d == 0) d = 0; /* -0.0 eql? 0.0 */
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return hash_word(bits, RSESS_FLOAT);
    }
    case RSESS_STRING:
        if (identity) return hash_ptr(v);
        *work += v->u.s.len;
        return rs_hash_bytes(v->u.s.p, v->u.s.len, RSESS_STRING); /* not the encoding: ASCII-only ones match across */
    case RSESS_BIGNUM: {
        if (identity) return hash_ptr(v);
        size_t n = magnitude_len(v);
        *work += n;
        return rs_hash_bytes(v->u.s.p, n, (rs_flags(v) & F_NEGATIVE) ? 1000 + RSESS_BIGNUM : RSESS_BIGNUM);
    }
    default: return hash_ptr(v);
    }
}

static uint64_t key_hash(const rsess_val *v, bool identity, size_t *work)
{
    if (identity || !is_container(v)) return leaf_hash(v, identity, work);
    uint64_t h = hash_word(v->u.c.n, 100 + (uint64_t)rs_type(v));
    size_t parts = rs_type(v) == RSESS_ARRAY ? v->u.c.n : 2 * (size_t)v->u.c.n;
    bool inner_identity = rs_type(v) == RSESS_HASH && (rs_flags(v) & F_IDENTITY);
    for (size_t i = 0; i < parts; i++) {
        const rsess_val *e = v->u.c.k[i];
        uint64_t eh = e ? leaf_hash(e, inner_identity && i % 2 == 0, work) : 0;
        h = (h ^ eh) * 0x9e3779b97f4a7c15ull + i; /* ordered, as container_eql */
    }
    *work += parts;
    return h;
}

/* --- fingerprints: cheap, equal for equal items ------------------------------- */
static uint64_t bytes_fp(const void *p, size_t n) { return rs_bytes_fp(p, n); }

static uint64_t word_fp(uint64_t x, uint64_t tag) { return (x ^ tag) * 0x9e3779b97f4a7c15ull; }

static uint64_t key_fp(const rsess_val *v, bool identity)
{
    if (!v) return 0;
    int t = rs_type(v);
    if (is_constant(t)) return bytes_fp(v->u.s.p, v->u.s.len) ^ RSESS_CLASS;
    uint64_t ptr = word_fp((uint64_t)(uintptr_t)v, 1);
    switch (t) {
    case RSESS_NIL: case RSESS_TRUE: case RSESS_FALSE: return word_fp((uint64_t)t, 2);
    case RSESS_SYMBOL: return bytes_fp(v->u.s.p, v->u.s.len) ^ RSESS_SYMBOL;
    case RSESS_INT:
        return identity && !rs_int_is_fixnum(rs_ival(v)) ? ptr : word_fp((uint64_t)rs_ival(v), RSESS_INT);
    case RSESS_FLOAT: {
        double d = rs_fval(v);
        if (identity && !rs_is_flonum(d)) return ptr;
        if (!identity && d == 0) d = 0;
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return word_fp(bits, RSESS_FLOAT);
    }
    case RSESS_STRING: return identity ? ptr : bytes_fp(v->u.s.p, v->u.s.len) ^ RSESS_STRING;
    case RSESS_BIGNUM:
        return identity ? ptr : bytes_fp(v->u.s.p, magnitude_len(v)) ^ ((rs_flags(v) & F_NEGATIVE) ? 1000 : 0);
    case RSESS_ARRAY: case RSESS_HASH: return identity ? ptr : word_fp(v->u.c.n, 100 + (uint64_t)t);
    default: return ptr;
    }
}

/* 7 bits of key_fp's sort (equal keys, equal bits): a String's or Symbol's
 * from a few of its bytes. */
static inline unsigned key_bit(const rsess_val *v, bool identity)
{
    if (v && !rs_imm(v) && (rs_type(v) == RSESS_SYMBOL || (rs_type(v) == RSESS_STRING && !identity)))
        return rs_bytes_bit(v->u.s.p, v->u.s.len);
    return (unsigned)(key_fp(v, identity) >> 57);
}

/* --- grouping: the first of each set of equal items -------------------------- */
typedef struct grouping {
    size_t m;
    /* 1 when items i and j are equal, 0 when not, -1 when the work runs out */
    int (*eq)(void *ctx, size_t i, size_t j);
    /* h[i] for every item: a keyed hash, equal for equal items; 0 or an error */
    int (*hash)(void *ctx, uint64_t *h);
    void *ctx;
    const uint64_t *fp; /* the items' fingerprints */
    const rsess_alloc *alloc;
} grouping;

#define PAIRWISE_MAX RS_PAIRWISE_MAX
#define AGAIN (-1)      /* group_table: too many equal fingerprints of unequal items */

/* first[i]: the first item equal to item i (i for a first). *dups when
 * some item is not a first. */
static int group_pairwise(const grouping *g, uint32_t *first, bool *dups)
{
    for (size_t i = 0; i < g->m; i++) {
        first[i] = (uint32_t)i;
        for (size_t j = 0; j < i; j++) {
            if (first[j] != j || g->fp[j] != g->fp[i]) continue;
            int e = g->eq(g->ctx, j, i);
            if (e < 0) return RSESS_ERR_NODES;
            if (e) {
                first[i] = (uint32_t)j;
                *dups = true;
                break;
            }
        }
    }
    return 0;
}

/* The same through an open-addressing table of the firsts over h (mixed
 * with mix); with false_left, AGAIN when more than that many equal h of
 * unequal items are met. */
static int group_table(const grouping *g, const uint64_t *h, uint64_t mix, uint32_t *first, bool *dups,
                       size_t *false_left)
{
    unsigned bits = 4;
    while (((size_t)1 << bits) < 2 * g->m) bits++;
    size_t cap = (size_t)1 << bits, mask = cap - 1;
    uint32_t *slot = rs_malloc(g->alloc, cap * sizeof *slot); /* item + 1, 0 empty */
    if (!slot) return RSESS_ERR_NOMEM;
    memset(slot, 0, cap * sizeof *slot);
    int rc = 0;
    *dups = false;
    for (size_t i = 0; i < g->m && !rc; i++) {
        size_t s = (size_t)(((h[i] ^ mix) * (mix | 1)) >> (64 - bits));
        first[i] = (uint32_t)i;
        for (; slot[s]; s = (s + 1) & mask) {
            size_t j = slot[s] - 1;
            if (h[j] != h[i]) continue;
            int e = g->eq(g->ctx, j, i);
            if (e < 0) {
                rc = RSESS_ERR_NODES;
                break;
            }
            if (e) {
                first[i] = (uint32_t)j;
                *dups = true;
                break;
            }
            if (false_left && (*false_left)-- == 0) {
                rc = AGAIN;
                break;
            }
        }
        if (!rc && first[i] == i) slot[s] = (uint32_t)i + 1;
    }
    rs_free(g->alloc, slot, cap * sizeof *slot);
    return rc;
}

static int group(const grouping *g, uint32_t *first, bool *dups)
{
    *dups = false;
    if (g->m <= PAIRWISE_MAX) return group_pairwise(g, first, dups);
    uint64_t mix = rs_hash_bytes("", 0, g->m); /* unknown outside the process: where the firsts go */
    size_t false_left = 64 + g->m / 16;
    int rc = group_table(g, g->fp, mix, first, dups, &false_left);
    if (rc != AGAIN) return rc;
    /* fingerprints an adversary made equal: keyed hashes of the whole items */
    uint64_t *h = rs_malloc(g->alloc, g->m * sizeof *h);
    if (!h) return RSESS_ERR_NOMEM;
    rc = g->hash(g->ctx, h);
    if (!rc) rc = group_table(g, h, mix, first, dups, NULL);
    rs_free(g->alloc, h, g->m * sizeof *h);
    return rc;
}

/* Rebuilds p from first[] over its current entries: one entry a first,
 * with the value of the last entry of its set. */
static int replan(rs_pairplan *p, size_t m, uint32_t *first, const rsess_alloc *alloc)
{
    size_t firsts = 0;
    for (size_t i = 0; i < m; i++) {
        if (first[i] == i) firsts++;
        else first[first[i]] = (uint32_t)i; /* a first's slot: now the last of its set (later ones come later) */
    }
    /* first[i] for a first i is now the last member (i itself when alone);
     * for a later member, still its first (< it) */
    uint32_t *kv = rs_malloc(alloc, 2 * firsts * sizeof *kv);
    if (!kv) return RSESS_ERR_NOMEM;
    size_t e = 0;
    for (size_t i = 0; i < m; i++) {
        if (first[i] < i) continue;
        size_t last = first[i];
        kv[2 * e] = p->kv ? p->kv[2 * i] : (uint32_t)i;
        kv[2 * e + 1] = p->kv ? p->kv[2 * last + 1] : (uint32_t)last;
        e++;
    }
    rs_pairplan_free(p, alloc);
    p->kv = kv;
    p->n = firsts;
    p->cap = 2 * firsts;
    return 0;
}

void rs_pairplan_free(rs_pairplan *p, const rsess_alloc *alloc)
{
    if (p->kv) rs_free(alloc, p->kv, p->cap * sizeof *p->kv);
    p->kv = NULL;
    p->n = p->cap = 0;
}

/* Groups m items: fingerprints and first[] on the stack up to
 * PAIRWISE_MAX; then replans p. */
static int regroup(rs_pairplan *p, grouping *g, uint64_t (*fp_of)(void *ctx, size_t i), bool *dups)
{
    size_t m = g->m;
    uint32_t sfirst[PAIRWISE_MAX], *first = sfirst;
    uint64_t sfp[PAIRWISE_MAX], *fp = sfp;
    if (m > PAIRWISE_MAX) {
        first = rs_malloc(g->alloc, m * sizeof *first);
        fp = rs_malloc(g->alloc, m * sizeof *fp);
    }
    int rc = !first || !fp ? RSESS_ERR_NOMEM : 0;
    for (size_t i = 0; i < m && !rc; i++) fp[i] = fp_of(g->ctx, i);
    g->fp = fp;
    if (!rc) rc = group(g, first, dups);
    if (!rc && *dups) rc = replan(p, m, first, g->alloc);
    if (m > PAIRWISE_MAX) {
        rs_free(g->alloc, first, m * sizeof *first);
        rs_free(g->alloc, fp, m * sizeof *fp);
    }
    return rc;
}

int rs_pairplan_keep(rs_stack *plans, rs_pairplan *p, const rsess_alloc *alloc)
{
    if (!p->kv) return 0;
    rs_pairplan *slot = rs_stack_push(plans);
    if (!slot) {
        rs_pairplan_free(p, alloc);
        return RSESS_ERR_NOMEM;
    }
    *slot = *p;
    return 0;
}

void rs_pairplan_drop(rs_stack *plans, const rsess_alloc *alloc)
{
    rs_pairplan_free(rs_stack_top(plans), alloc);
    plans->n--;
}

/* --- the keys of a Hash ------------------------------------------------------- */
typedef struct keyset {
    const rsess_val *hash;
    bool identity;
    size_t *work;
    const rsess_alloc *alloc;
} keyset;

/* The cost of comparing two keys that are not the same node. */
static size_t eq_cost(const rsess_val *a)
{
    if (rs_imm(a)) return 1;
    switch (rs_type(a)) {
    case RSESS_STRING: case RSESS_SYMBOL: case RSESS_BIGNUM: case RSESS_CLASS: case RSESS_MODULE:
    case RSESS_OLDMODULE: return 1 + a->u.s.len;
    case RSESS_ARRAY: case RSESS_HASH: {
        size_t parts = rs_type(a) == RSESS_ARRAY ? a->u.c.n : 2 * (size_t)a->u.c.n, c = 1 + parts;
        for (size_t i = 0; i < parts; i++) {
            const rsess_val *e = a->u.c.k[i];
            if (e && !rs_imm(e) && (rs_type(e) == RSESS_STRING || rs_type(e) == RSESS_SYMBOL || rs_type(e) == RSESS_BIGNUM))
                c += e->u.s.len;
        }
        return c;
    }
    default: return 1;
    }
}

/* --- one key against the later ones ------------------------------------------ */
/* Cannot be eql? to the String or Symbol a (b is not a): another type, or
 * another length or first byte. */
static inline bool text_apart(const rsess_val *a, const rsess_val *b)
{
    if (!b || rs_imm(b) || rs_type(b) != rs_type(a) || b->u.s.len != a->u.s.len) return true;
    return a->u.s.len && b->u.s.p[0] != a->u.s.p[0];
}

size_t rs_next_eql_key(rsess_val *const *k, size_t n, const rsess_val *a, size_t from, bool identity, size_t *work)
{
    const rsess_val *unequal = NULL; /* the last node found unequal: links repeat one */
    if (!a) return n;
    bool text = !rs_imm(a) && (rs_type(a) == RSESS_STRING || rs_type(a) == RSESS_SYMBOL);
    size_t c = 0; /* eq_cost(a), once it is needed */
    for (size_t j = from; j < n; j++) {
        const rsess_val *b = k[2 * j];
        if (b == a) return j;
        if (!b || b == unequal || (text && text_apart(a, b))) continue;
        if (!c) c = eq_cost(a);
        if (*work < c) return RS_EQL_SPENT;
        *work -= c;
        if (rs_loaded_key_eql(a, b, identity)) return j;
        unequal = b;
    }
    return n;
}

size_t rs_last_eql_pair(rsess_val *const *k, size_t n, size_t i, bool identity)
{
    size_t work = RS_KEY_WORK, last = i, j = i;
    while ((j = rs_next_eql_key(k, n, k[2 * i], j + 1, identity, &work)) < n) last = j;
    return j == RS_EQL_SPENT ? RS_EQL_SPENT : last;
}

static int key_eq(void *ctx, size_t i, size_t j)
{
    keyset *ks = ctx;
    const rsess_val *a = ks->hash->u.c.k[2 * i], *b = ks->hash->u.c.k[2 * j];
    if (!a || !b) return 0;
    if (a == b) return 1;
    size_t c = eq_cost(a);
    if (*ks->work < c) return -1;
    *ks->work -= c;
    return rs_loaded_key_eql(a, b, ks->identity);
}

static uint64_t key_fp_at(void *ctx, size_t i)
{
    const keyset *ks = ctx;
    return key_fp(ks->hash->u.c.k[2 * i], ks->identity);
}

/* A key worth looking up by its node before hashing its contents: the same
 * node linked as many keys costs one hash. */
static bool costly(const rsess_val *k)
{
    return !rs_imm(k) && (is_container(k) || ((rs_type(k) == RSESS_STRING || rs_type(k) == RSESS_BIGNUM) && k->u.s.len > 64));
}

static int key_hashes(void *ctx, uint64_t *h)
{
    keyset *ks = ctx;
    size_t m = ks->hash->u.c.n;
    rs_map64 seen = {ks->alloc, NULL, 0, 0}; /* a costly key's node -> its index + 1 */
    int rc = 0;
    for (size_t i = 0; i < m && !rc; i++) {
        const rsess_val *k = ks->hash->u.c.k[2 * i];
        if (!k) {
            h[i] = 0;
            continue;
        }
        if (costly(k)) {
            uint64_t was = rs_map64_get_or_put(&seen, (uint64_t)(uintptr_t)k, i + 1);
            if (was == UINT64_MAX) {
                rc = RSESS_ERR_NOMEM;
                break;
            }
            if (was) {
                h[i] = h[was - 1];
                continue;
            }
        }
        size_t spent = 0;
        h[i] = key_hash(k, ks->identity, &spent);
        if (*ks->work < spent) rc = RSESS_ERR_NODES;
        else *ks->work -= spent;
    }
    rs_map64_free(&seen);
    return rc;
}

/* rs_pairplan_make past its first filter (out of line: the usual Hash pays
 * for none of its stack). */
__attribute__((noinline)) static int pairplan_slow(rs_pairplan *p, keyset *ks)
{
    const rsess_val *hash = ks->hash;
    if (hash->u.c.n <= PAIRWISE_MAX) { /* their fingerprints */
        uint64_t fp[PAIRWISE_MAX];
        for (size_t i = 0; i < hash->u.c.n; i++) fp[i] = key_fp(hash->u.c.k[2 * i], ks->identity);
        if (rs_fps_distinct(fp, hash->u.c.n)) return 0;
    }
    grouping g = {hash->u.c.n, key_eq, key_hashes, ks, NULL, ks->alloc};
    bool dups;
    return regroup(p, &g, key_fp_at, &dups);
}

int rs_pairplan_make(rs_pairplan *p, const rsess_val *hash, const rsess_alloc *alloc, size_t *work)
{
    p->kv = NULL;
    p->n = p->cap = 0;
    if (hash->u.c.n < 2) return 0;
    keyset ks = {hash, (rs_flags(hash) & F_IDENTITY) != 0, work, alloc};
    if (hash->u.c.n <= PAIRWISE_MAX) { /* the usual case: few keys, told apart by a few bits */
        uint64_t w[2] = {0, 0};
        bool clash = false;
        for (size_t i = 0; i < hash->u.c.n; i++) clash |= rs_bits_add(w, key_bit(hash->u.c.k[2 * i], ks.identity));
        if (!clash) return 0;
    }
    return pairplan_slow(p, &ks);
}

/* --- regrouping by texts ------------------------------------------------------- */
typedef struct textset {
    rs_text_at at;
    void *ctx;
    size_t m;
} textset;

static int text_eq(void *ctx, size_t i, size_t j)
{
    const textset *t = ctx;
    const void *pi, *pj;
    size_t li, lj;
    t->at(t->ctx, i, &pi, &li);
    t->at(t->ctx, j, &pj, &lj);
    return li == lj && (li == 0 || memcmp(pi, pj, li) == 0);
}

static uint64_t text_fp_at(void *ctx, size_t i)
{
    const textset *t = ctx;
    const void *tp;
    size_t tl;
    t->at(t->ctx, i, &tp, &tl);
    return bytes_fp(tp, tl);
}

static int text_hashes(void *ctx, uint64_t *h)
{
    const textset *t = ctx;
    for (size_t i = 0; i < t->m; i++) {
        const void *tp;
        size_t tl;
        t->at(t->ctx, i, &tp, &tl);
        h[i] = rs_hash_bytes(tp, tl, 0);
    }
    return 0;
}

int rs_pairplan_regroup(rs_pairplan *p, const rsess_val *hash, rs_text_at at, void *ctx, const rsess_alloc *alloc,
                        bool *dups)
{
    *dups = false;
    size_t m = rs_pairplan_len(p, hash);
    if (m < 2) return 0;
    textset ts = {at, ctx, m};
    grouping g = {m, text_eq, text_hashes, &ts, NULL, alloc};
    return regroup(p, &g, text_fp_at, dups);
}
