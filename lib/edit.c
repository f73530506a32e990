/* Editing a document in place: typed key lookups, Hash#[]= / delete /
 * Array#[]= on parsed and built documents alike, and the deep copy of a
 * value from another document. No recursion: the walks keep their own
 * heap-grown stacks. */
#include "key_eql.h"

static bool kind_matches(const rsess_val *k, const char *key, size_t len, rsess_key_kind kind)
{
    if (!k) return false;
    if (rs_type(k) == RSESS_STRING ? kind == RSESS_KEY_SYMBOL : rs_type(k) != RSESS_SYMBOL || kind == RSESS_KEY_STRING)
        return false;
    return k->u.s.len == len && (len == 0 || memcmp(k->u.s.p, key, len) == 0);
}

/* The pair index of the first key of that kind with those bytes, or -1. */
static long find_bytes(const rsess_val *hash, const char *key, size_t len, rsess_key_kind kind)
{
    if (!hash || rs_type(hash) != RSESS_HASH || (!key && len)) return -1;
    if ((unsigned)kind > RSESS_KEY_SYMBOL) return -1;
    for (uint32_t i = 0; i < hash->u.c.n; i++)
        if (kind_matches(hash->u.c.k[2 * i], key, len, kind)) return (long)i;
    return -1;
}

static bool identity_of(const rsess_val *hash) { return (rs_flags(hash) & F_IDENTITY) != 0; }

rsess_val *rsess_hash_find(const rsess_val *hash, const char *key, size_t keylen, rsess_key_kind kind)
{
    long i = find_bytes(hash, key, keylen, kind);
    if (i < 0) return NULL;
    size_t last = rs_last_eql_pair(hash->u.c.k, hash->u.c.n, (size_t)i, identity_of(hash));
    return last == RS_EQL_SPENT ? NULL : hash->u.c.k[2 * last + 1];
}

rsess_val *rsess_hash_gets(const rsess_val *hash, const char *key)
{
    return key ? rsess_hash_find(hash, key, strlen(key), RSESS_KEY_ANY) : NULL;
}

/* --- Hash#[]=, delete, Array#[]= -------------------------------------------- */
static bool editable(const rsess_doc *doc, const rsess_val *v, int type)
{
    return doc && v && rs_type(v) == type && rs_doc_owns(doc, v);
}

/* Replaces the value of the first pair whose key is eql? to key and of
 * every later pair whose key Marshal.load's Hash finds eql? to that one
 * (so the bytes load with val, whichever pair Ruby's Hash keeps): 1 if it
 * did, 0 if no key is eql?, RSESS_ERR_NODES (nothing changed) when the
 * later keys cost more than RS_KEY_WORK to compare. */
static int replace_value(rsess_val *hash, const rsess_val *key, rsess_val *val)
{
    bool identity = identity_of(hash);
    rsess_val **k = hash->u.c.k;
    size_t n = hash->u.c.n;
    for (size_t i = 0; i < n; i++) {
        if (!k[2 * i] || !rs_key_eql(k[2 * i], key, identity)) continue;
        if (rs_last_eql_pair(k, n, i, identity) == RS_EQL_SPENT) return RSESS_ERR_NODES;
        size_t work = SIZE_MAX; /* the same comparisons again: they fit */
        for (size_t j = i; j < n; j = rs_next_eql_key(k, n, k[2 * i], j + 1, identity, &work)) k[2 * j + 1] = val;
        return 1;
    }
    return 0;
}

static int append_pair(rsess_doc *doc, rsess_val *hash, rsess_val *key, rsess_val *val)
{
    return rs_pairs_push(doc, &hash->u.c.k, &hash->u.c.n, &hash->u.c.cap, key, val, 2);
}

int rsess_hash_set(rsess_doc *doc, rsess_val *hash, rsess_val *key, rsess_val *val)
{
    if (!editable(doc, hash, RSESS_HASH) || !key || !val || !rs_doc_owns(doc, key) || !rs_doc_owns(doc, val))
        return RSESS_ERR_ARG;
    int r = replace_value(hash, key, val);
    if (r) return r < 0 ? r : 0;
    return append_pair(doc, hash, key, val);
}

int rsess_hash_set_sym(rsess_doc *doc, rsess_val *hash, const char *key, size_t keylen, rsess_val *val)
{
    if (!editable(doc, hash, RSESS_HASH) || !val || !rs_doc_owns(doc, val) || (!key && keylen))
        return RSESS_ERR_ARG;
    rsess_val *sym = rsess_new_sym(doc, key ? key : "", keylen);
    if (!sym) return RSESS_ERR_NOMEM;
    int r = replace_value(hash, sym, val);
    if (r) return r < 0 ? r : 0;
    return append_pair(doc, hash, sym, val);
}

/* A String key Ruby would intern (rb_hash_key_str): class String itself,
 * no instance variables besides the encoding, not extended. */
static bool plain_string_key(const rsess_val *k)
{
    return k && rs_type(k) == RSESS_STRING && rs_enc_of(k) != RSESS_ENC_OTHER &&
           (!rs_x(k) || (!rs_x(k)->niv && !rs_x(k)->next && !rs_x(k)->uclass));
}

/* --- a graph walk in Marshal write order ------------------------------------ */
/* Stack entries are node pointers; bit 0 marks "a key of a non-identity
 * hash" (nodes are 8-byte aligned). */
typedef struct gwalk {
    const rsess_alloc *alloc;
    uintptr_t *st;
    size_t n, cap;
} gwalk;

static int gw_push(gwalk *g, const rsess_val *v, bool key)
{
    if (!v) return 0;
    if (g->n == g->cap) {
        size_t ncap = g->cap ? g->cap * 2 : 64;
        uintptr_t *s = rs_realloc(g->alloc, g->st, g->cap * sizeof *s, ncap * sizeof *s);
        if (!s) return RSESS_ERR_NOMEM;
        g->st = s;
        g->cap = ncap;
    }
    g->st[g->n++] = (uintptr_t)v | (key ? 1u : 0u);
    return 0;
}

/* Pushes v's children so that they pop in the order rsess_write() meets
 * them: items or pairs, the default, the dumped object, then ivars. */
static int gw_children(gwalk *g, const rsess_val *v)
{
    int rc = 0;
    if (rs_x(v))
        for (uint32_t i = rs_x(v)->niv; i-- > 0 && !rc;) rc = gw_push(g, rs_x(v)->iv[2 * i + 1], false);
    if (!rc && rs_type(v) == RSESS_HASH && (rs_flags(v) & F_DEFAULT) && rs_x(v)) rc = gw_push(g, rs_x(v)->dflt, false);
    switch (rs_type(v)) {
    case RSESS_ARRAY:
        for (uint32_t i = v->u.c.n; i-- > 0 && !rc;) rc = gw_push(g, v->u.c.k[i], false);
        break;
    case RSESS_HASH: {
        bool plain = !(rs_flags(v) & F_IDENTITY);
        for (uint32_t i = v->u.c.n; i-- > 0 && !rc;) {
            rc = gw_push(g, v->u.c.k[2 * i + 1], false);
            if (!rc) rc = gw_push(g, v->u.c.k[2 * i], plain);
        }
        break;
    }
    case RSESS_OBJECT: case RSESS_STRUCT:
        for (uint32_t i = v->u.c.n; i-- > 0 && !rc;) rc = gw_push(g, v->u.c.k[2 * i + 1], false);
        break;
    case RSESS_USERMARSHAL: case RSESS_DATA: if (!rc) rc = gw_push(g, v->u.one, false); break;
    default: break;
    }
    return rc;
}

/* Gathers the document's plain String hash keys into doc->keys (the first
 * written wins), as Ruby's Marshal.load interned each of them: once, at the
 * first interning call after the document has a root. */
int rs_seed_keys(rsess_doc *doc)
{
    if (!rs_doc_maps(doc)) return RSESS_ERR_NOMEM;
    if (doc->keys_seeded || !doc->root) return 0; /* a document being built: its keys come later */
    size_t nn = doc->nodes;
    uint8_t *seen = nn ? rs_malloc(&doc->allocv, (nn + 7) / 8) : NULL;
    if (nn && !seen) return RSESS_ERR_NOMEM;
    if (seen) memset(seen, 0, (nn + 7) / 8);
    gwalk g = {&doc->allocv, NULL, 0, 0};
    int rc = gw_push(&g, doc->root, false);
    while (!rc && g.n) {
        uintptr_t e = g.st[--g.n];
        const rsess_val *v = (const rsess_val *)(e & ~(uintptr_t)1);
        if (rs_imm(v) || v->id >= nn) continue; /* a leaf with no node, or not this document's */
        if ((e & 1) && plain_string_key(v) && !rs_map_get(&doc->maps->keys, v->u.s.p, v->u.s.len, rs_enc_of(v)))
            rc = rs_map_put(&doc->maps->keys, v->u.s.p ? v->u.s.p : "", v->u.s.len, rs_enc_of(v), (void *)v);
        if (rc || (seen[v->id / 8] & (1u << (v->id % 8)))) continue;
        seen[v->id / 8] |= (uint8_t)(1u << (v->id % 8));
        rc = gw_children(&g, v);
    }
    rs_free(&doc->allocv, g.st, g.cap * sizeof *g.st);
    if (seen) rs_free(&doc->allocv, seen, (nn + 7) / 8);
    if (rc) return RSESS_ERR_NOMEM;
    doc->keys_seeded = true;
    return 0;
}

int rsess_hash_set_str(rsess_doc *doc, rsess_val *hash, const char *key, size_t keylen, rsess_val *val)
{
    if (!editable(doc, hash, RSESS_HASH) || !val || !rs_doc_owns(doc, val) || (!key && keylen))
        return RSESS_ERR_ARG;
    if (!key) key = "";
    rsess_val probe = {.type = RSESS_STRING, .enc = RSESS_ENC_UTF8};
    probe.u.s.p = key;
    probe.u.s.len = keylen;
    int r = rs_flags(hash) & F_IDENTITY ? 0 : replace_value(hash, &probe, val);
    if (r) return r < 0 ? r : 0;
    rsess_val *k;
    if (rs_flags(hash) & F_IDENTITY) { /* a new String is a new object: never interned, never equal */
        k = rsess_new_str(doc, key, keylen, RSESS_ENC_UTF8);
    } else {
        if (rs_seed_keys(doc)) return RSESS_ERR_NOMEM;
        k = rs_map_get(&doc->maps->keys, key, keylen, RSESS_ENC_UTF8); /* rs_seed_keys made the maps */
        if (!k) {
            k = rsess_new_str(doc, key, keylen, RSESS_ENC_UTF8);
            if (k && rs_map_put(&doc->maps->keys, k->u.s.p, keylen, RSESS_ENC_UTF8, k)) return RSESS_ERR_NOMEM;
        }
    }
    if (!k) return RSESS_ERR_NOMEM;
    return append_pair(doc, hash, k, val);
}

int rsess_hash_delete(rsess_doc *doc, rsess_val *hash, const char *key, size_t keylen, rsess_key_kind kind)
{
    if (!editable(doc, hash, RSESS_HASH) || (!key && keylen) || (unsigned)kind > RSESS_KEY_SYMBOL)
        return RSESS_ERR_ARG;
    long found = find_bytes(hash, key, keylen, kind);
    if (found < 0) return RSESS_ERR_NOT_FOUND;
    rsess_val **k = hash->u.c.k;
    size_t i = (size_t)found, n = hash->u.c.n;
    bool identity = identity_of(hash);
    if (rs_last_eql_pair(k, n, i, identity) == RS_EQL_SPENT) return RSESS_ERR_NODES;
    /* the pair and every later one Ruby's Hash would load as the same key
     * go; the pairs between them close up, in order (the scan reads ahead
     * of the slots written) */
    const rsess_val *gone = k[2 * i];
    size_t work = SIZE_MAX, to = i, next = rs_next_eql_key(k, n, gone, i + 1, identity, &work);
    for (size_t j = i + 1; j < n; j++) {
        if (j == next) {
            next = rs_next_eql_key(k, n, gone, j + 1, identity, &work);
            continue;
        }
        k[2 * to] = k[2 * j];
        k[2 * to + 1] = k[2 * j + 1];
        to++;
    }
    hash->u.c.n = (uint32_t)to;
    return 0;
}

int rsess_arr_set(rsess_doc *doc, rsess_val *arr, size_t i, rsess_val *item)
{
    if (!editable(doc, arr, RSESS_ARRAY) || !item || !rs_doc_owns(doc, item) || i >= arr->u.c.n)
        return RSESS_ERR_ARG;
    arr->u.c.k[i] = item;
    return 0;
}

/* --- deep copy --------------------------------------------------------------- */
/* Each source node is copied once, shallowly (its child pointers still
 * the source's), recorded in map (source id -> copy) and queued; a queued
 * copy then has each child pointer replaced by that child's copy. */
typedef struct copier {
    rsess_doc *dst;
    rsess_val **map;
    size_t mapcap;
    rsess_val **todo;
    size_t n, cap;
} copier;

static bool map_reserve(copier *c, uint32_t id)
{
    if (id < c->mapcap) return true;
    size_t ncap = c->mapcap ? c->mapcap : 64;
    while (ncap <= id) ncap *= 2;
    rsess_val **m = rs_realloc(&c->dst->allocv, c->map, c->mapcap * sizeof *m, ncap * sizeof *m);
    if (!m) return false;
    memset(m + c->mapcap, 0, (ncap - c->mapcap) * sizeof *m);
    c->map = m;
    c->mapcap = ncap;
    return true;
}

static bool todo_push(copier *c, rsess_val *v)
{
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 64;
        rsess_val **t = rs_realloc(&c->dst->allocv, c->todo, c->cap * sizeof *t, ncap * sizeof *t);
        if (!t) return false;
        c->todo = t;
        c->cap = ncap;
    }
    c->todo[c->n++] = v;
    return true;
}

static void *arena_dup(rsess_doc *d, const void *p, size_t n)
{
    void *q = rs_arena_alloc(&d->arena, n ? n : 1);
    if (q && n) memcpy(q, p, n);
    return q;
}

static rsess_val *copy_symbol(rsess_doc *d, const rsess_val *s)
{
    const char *p = s->u.s.p ? s->u.s.p : "";
    if (rs_enc_of(s) != RSESS_ENC_OTHER) return rsess_new_sym_enc(d, p, s->u.s.len, (rsess_enc)rs_enc_of(s));
    size_t el;
    const char *en = rs_enc_name(s, &el);
    return rsess_new_sym_enc_named(d, p, s->u.s.len, en, el);
}

static int pair_width(int type)
{
    switch (type) {
    case RSESS_ARRAY: return 1;
    case RSESS_HASH: case RSESS_OBJECT: case RSESS_STRUCT: return 2;
    default: return 0;
    }
}

static bool carries_bytes(int type)
{
    switch (type) {
    case RSESS_STRING: case RSESS_REGEXP: case RSESS_BIGNUM: case RSESS_USERDEF:
    case RSESS_CLASS: case RSESS_MODULE: case RSESS_OLDMODULE: return true;
    default: return false;
    }
}

/* A copy of s whose child pointers are still s's. */
static rsess_val *copy_shallow(rsess_doc *d, const rsess_val *s)
{
    if (rs_type(s) == RSESS_SYMBOL) return copy_symbol(d, s);
    rsess_val *v = rs_node(d, rs_type(s));
    if (!v) return NULL;
    uint32_t id = v->id;
    memcpy(v, s, rs_node_size(rs_type(s)));
    v->id = id;
    if (carries_bytes(rs_type(s)) && !(v->u.s.p = arena_dup(d, s->u.s.p, s->u.s.len))) return NULL;
    int width = pair_width(rs_type(s));
    if (width) {
        v->u.c.cap = s->u.c.n;
        if (s->u.c.n && !(v->u.c.k = arena_dup(d, s->u.c.k, (size_t)s->u.c.n * (size_t)width * sizeof *s->u.c.k)))
            return NULL;
        if (!s->u.c.n) v->u.c.k = NULL;
    }
    if (rs_x(s)) {
        struct rsess_extra *x = arena_dup(d, rs_x(s), sizeof *rs_x(s));
        if (!x) return NULL;
        x->ivcap = x->niv;
        x->extcap = x->next;
        x->iv = x->niv ? arena_dup(d, rs_x(s)->iv, (size_t)x->niv * 2 * sizeof *x->iv) : NULL;
        x->ext = x->next ? arena_dup(d, rs_x(s)->ext, (size_t)x->next * sizeof *x->ext) : NULL;
        if ((x->niv && !x->iv) || (x->next && !x->ext)) return NULL;
        v->x = x;
    }
    return v;
}

static bool has_links(const rsess_val *v)
{
    return rs_type(v) != RSESS_SYMBOL && (rs_cls(v) || rs_x(v) || pair_width(rs_type(v)) || rs_type(v) == RSESS_USERMARSHAL ||
                                       rs_type(v) == RSESS_DATA);
}

/* Replaces the source pointer in *slot by its copy (made now if new). */
static bool relink(copier *c, rsess_val **slot)
{
    const rsess_val *s = *slot;
    if (!s || rs_imm(s)) return true; /* an immediate is its own copy */
    if (!map_reserve(c, s->id)) return false;
    rsess_val *v = c->map[s->id];
    if (!v) {
        if (!(v = copy_shallow(c->dst, s))) return false;
        c->map[s->id] = v;
        if (has_links(v) && !todo_push(c, v)) return false;
    }
    *slot = v;
    return true;
}

static bool relink_children(copier *c, rsess_val *v)
{
    bool ok = !rs_type_has_cls(rs_type(v)) || relink(c, &v->cls);
    size_t slots = (size_t)v->u.c.n * (size_t)pair_width(rs_type(v));
    for (size_t i = 0; ok && i < slots; i++) ok = relink(c, &v->u.c.k[i]);
    if (ok && (rs_type(v) == RSESS_USERMARSHAL || rs_type(v) == RSESS_DATA)) ok = relink(c, &v->u.one);
    struct rsess_extra *x = rs_x(v);
    if (!x) return ok;
    for (size_t i = 0; ok && i < 2 * (size_t)x->niv; i++) ok = relink(c, &x->iv[i]);
    for (size_t i = 0; ok && i < x->next; i++) ok = relink(c, &x->ext[i]);
    return ok && relink(c, &x->uclass) && relink(c, &x->dflt) && relink(c, &x->encname);
}

rsess_val *rsess_copy(rsess_doc *dst, const rsess_val *src)
{
    if (!dst || !src) return NULL;
    copier c = {dst, NULL, 0, NULL, 0, 0};
    rsess_val *root = (rsess_val *)src;
    bool ok = relink(&c, &root);
    while (ok && c.n) ok = relink_children(&c, c.todo[--c.n]);
    rs_free(&dst->allocv, c.map, c.mapcap * sizeof *c.map);
    rs_free(&dst->allocv, c.todo, c.cap * sizeof *c.todo);
    return ok ? root : NULL;
}
