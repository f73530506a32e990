/* The document: its arena, node allocation, accessors and the builder. */
#include "internal.h"
#include "float.h"
#include "key_eql.h"
#include "opts.h"

#include <stdlib.h>

/* --- documents ---------------------------------------------------------- */
rsess_doc *rs_doc_create(const rsess_alloc *alloc, size_t first_chunk)
{
    size_t head = (sizeof(rsess_doc) + 7) & ~(size_t)7;
    first_chunk = (first_chunk + 7) & ~(size_t)7;
    size_t size = head + first_chunk;
    char *mem = rs_malloc(alloc, size);
    if (!mem) return NULL;
    rsess_doc *doc = (rsess_doc *)mem;
    /* The first chunk lives in the same block as the document, with no
     * chunk header: the arena's list holds only the chunks grown later. */
    /* each field once (not a compound literal, which refers to doc itself
     * and is built beside it first); a new field is set here too */
    _Static_assert(sizeof(void *) != 8 || sizeof(rsess_doc) == 112, "rs_doc_create sets every field of rsess_doc");
    doc->arena.alloc = &doc->allocv;
    doc->arena.head = NULL;
    doc->arena.cur = mem + head;
    doc->arena.end = mem + size;
    doc->arena.total = size;
    if (alloc) doc->allocv = *alloc;
    else doc->allocv = (rsess_alloc){0};
    doc->root = NULL;
    doc->consumed = 0;
    doc->nodes = 0;
    doc->keys_seeded = false;
    doc->maps = NULL;
    doc->block = size;
    return doc;
}

void rsess_doc_free(rsess_doc *doc)
{
    if (!doc) return;
    if (doc->maps) {
        if (doc->maps->syms.cap) rs_map_free(&doc->maps->syms);
        if (doc->maps->keys.cap) rs_map_free(&doc->maps->keys);
        if (doc->maps->encnames.cap) rs_map_free(&doc->maps->encnames);
    }
    /* Free grown chunks; the first one is part of the document's block. */
    struct rs_chunk *c = doc->arena.head;
    while (c) {
        struct rs_chunk *next = c->next;
        rs_free(doc->arena.alloc, c, c->size);
        c = next;
    }
    if (!doc->allocv.free) { /* the C library's (rs_free's first case, without the copy) */
        free(doc);
        return;
    }
    rsess_alloc a = doc->allocv; /* the hooks outlive the block they are in */
    rs_free(&a, doc, doc->block);
}

struct rs_doc_maps *rs_doc_maps(rsess_doc *doc)
{
    if (doc->maps) return doc->maps;
    struct rs_doc_maps *m = rs_arena_alloc(&doc->arena, sizeof *m);
    if (!m) return NULL;
    memset(m, 0, sizeof *m);
    m->syms.alloc = m->keys.alloc = m->encnames.alloc = &doc->allocv;
    return doc->maps = m;
}


rsess_doc *rsess_doc_new(const rsess_alloc *alloc) { return rs_alloc_ok(alloc) ? rs_doc_create(alloc, 1024) : NULL; }

rsess_val *rsess_doc_root(const rsess_doc *doc) { return doc ? doc->root : NULL; }
size_t rsess_doc_consumed(const rsess_doc *doc) { return doc ? doc->consumed : 0; }
size_t rsess_doc_arena_size(const rsess_doc *doc) { return doc ? doc->arena.total : 0; }
size_t rsess_doc_arena_unused(const rsess_doc *doc) { return doc ? rs_arena_unused(&doc->arena) : 0; }
size_t rsess_doc_node_count(const rsess_doc *doc) { return doc ? doc->nodes : 0; }

/* Builder calls refuse a value of another document (or a target that is not
 * the document's): linking it would leave pointers into a foreign arena. */
static inline bool mine(const rsess_doc *doc, const rsess_val *v) { return !v || rs_doc_owns(doc, v); }

int rsess_doc_set_root(rsess_doc *doc, rsess_val *v)
{
    if (!doc || !mine(doc, v)) return RSESS_ERR_ARG;
    doc->root = v;
    return 0;
}

/* Values are only ever allocated in the arena: the inline rs_doc_owns
 * tried the newest chunk and the document's own block. */
bool rs_doc_owns_slow(const rsess_doc *doc, uintptr_t p)
{
    for (const struct rs_chunk *c = doc->arena.head; c; c = c->next)
        if (p - (uintptr_t)c < c->size) return true;
    return false;
}

rsess_val *rs_node(rsess_doc *doc, int type)
{
    size_t size = rs_node_size(type);
    rsess_val *v = rs_arena_alloc(&doc->arena, size);
    if (!v) return NULL;
    memset(v, 0, size);
    v->type = (uint8_t)type;
    v->enc = RSESS_ENC_BINARY;
    v->id = doc->nodes++;
    return v;
}

struct rsess_extra *rs_extra(rsess_doc *doc, rsess_val *v)
{
    if (rs_x(v)) return rs_x(v);
    v->x = rs_arena_alloc(&doc->arena, sizeof *rs_x(v));
    if (rs_x(v)) memset(rs_x(v), 0, sizeof *rs_x(v));
    return rs_x(v);
}

/* Appends one (width 1) or two (width 2) pointers to an arena array,
 * doubling it (the old copy stays in the arena). */
int rs_pairs_push(rsess_doc *doc, rsess_val ***k, uint32_t *n, uint32_t *cap, rsess_val *a,
                  rsess_val *b, int width)
{
    if (*n >= *cap) {
        if (*cap >= (UINT32_MAX >> 2)) return RSESS_ERR_RANGE;
        uint32_t ncap = *cap ? *cap * 2 : 4;
        rsess_val **nk = rs_arena_alloc(&doc->arena, (size_t)ncap * (size_t)width * sizeof *nk);
        if (!nk) return RSESS_ERR_NOMEM;
        if (*n) memcpy(nk, *k, (size_t)*n * (size_t)width * sizeof *nk);
        *k = nk;
        *cap = ncap;
    }
    (*k)[(size_t)*n * (size_t)width] = a;
    if (width == 2) (*k)[(size_t)*n * 2 + 1] = b;
    (*n)++;
    return 0;
}

/* --- accessors ---------------------------------------------------------- */
rsess_type rsess_type_of(const rsess_val *v) { return v ? (rsess_type)rs_type(v) : RSESS_NONE; }
size_t rsess_node_id(const rsess_val *v) { return v && !rs_imm(v) ? (size_t)v->id + 1 : 0; }
bool rsess_is_linked(const rsess_val *v) { return v && (rs_flags(v) & F_LINKED); }

const char *rsess_type_name(rsess_type t)
{
    static const char *const names[] = {
        "none",  "nil",    "true",   "false",  "integer", "bignum",   "float",
        "string", "symbol", "regexp", "array",  "hash",    "object",   "struct",
        "userdef", "usermarshal", "data", "class", "module", "oldmodule"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

bool rsess_is_true(const rsess_val *v) { return v && rs_type(v) == RSESS_TRUE; }

bool rsess_int(const rsess_val *v, int64_t *out)
{
    if (!v || rs_type(v) != RSESS_INT) return 0;
    if (out) *out = rs_ival(v);
    return 1;
}

double rsess_float(const rsess_val *v) { return v && rs_type(v) == RSESS_FLOAT ? rs_fval(v) : 0.0; }
bool rsess_float_get(const rsess_val *v, double *out)
{
    if (!v || rs_type(v) != RSESS_FLOAT) return false;
    if (out) *out = rs_fval(v);
    return true;
}

const unsigned char *rsess_bignum(const rsess_val *v, size_t *len, int *negative)
{
    if (!v || rs_type(v) != RSESS_BIGNUM) return NULL;
    if (len) *len = v->u.s.len;
    if (negative) *negative = (rs_flags(v) & F_NEGATIVE) != 0;
    return (const unsigned char *)v->u.s.p;
}

static bool has_bytes(const rsess_val *v)
{
    switch (rs_type(v)) {
    case RSESS_STRING: case RSESS_SYMBOL: case RSESS_REGEXP: case RSESS_USERDEF:
    case RSESS_CLASS: case RSESS_MODULE: case RSESS_OLDMODULE: return true;
    default: return false;
    }
}

const char *rsess_bytes(const rsess_val *v, size_t *len)
{
    if (!v || !has_bytes(v)) return NULL;
    if (len) *len = v->u.s.len;
    return v->u.s.p ? v->u.s.p : "";
}

const char *rsess_str(const rsess_val *v, size_t *len)
{
    return v && rs_type(v) == RSESS_STRING ? rsess_bytes(v, len) : NULL;
}

const char *rsess_sym(const rsess_val *v, size_t *len)
{
    return v && rs_type(v) == RSESS_SYMBOL ? rsess_bytes(v, len) : NULL;
}

rsess_enc rsess_encoding(const rsess_val *v) { return v ? (rsess_enc)rs_enc_of(v) : RSESS_ENC_BINARY; }

const char *rsess_encoding_name(const rsess_val *v, size_t *len)
{
    size_t l;
    const char *s = rs_enc_name(v, &l);
    if (len) *len = l;
    return s;
}

int rsess_regexp_options(const rsess_val *v) { return v && rs_type(v) == RSESS_REGEXP ? v->opts : 0; }

size_t rsess_len(const rsess_val *v)
{
    if (!v) return 0;
    switch (rs_type(v)) {
    case RSESS_ARRAY: case RSESS_HASH: case RSESS_OBJECT: case RSESS_STRUCT: return v->u.c.n;
    default: return has_bytes(v) ? v->u.s.len : 0;
    }
}

rsess_val *rsess_arr_get(const rsess_val *v, size_t i)
{
    if (!v || rs_type(v) != RSESS_ARRAY || i >= v->u.c.n) return NULL;
    return v->u.c.k[i];
}

static rsess_val *pair_part(const rsess_val *v, int type, size_t i, int part)
{
    if (!v || rs_type(v) != type || i >= v->u.c.n) return NULL;
    return v->u.c.k[2 * i + (size_t)part];
}

rsess_val *rsess_hash_key(const rsess_val *v, size_t i) { return pair_part(v, RSESS_HASH, i, 0); }
rsess_val *rsess_hash_val(const rsess_val *v, size_t i) { return pair_part(v, RSESS_HASH, i, 1); }

static bool name_matches(const rsess_val *k, const char *name, size_t len)
{
    return k && (rs_type(k) == RSESS_STRING || rs_type(k) == RSESS_SYMBOL) && k->u.s.len == len &&
           (len == 0 || memcmp(k->u.s.p, name, len) == 0);
}

/* The value the loaded Ruby object has for the first name that matches:
 * that of the last pair of an eql? name (Marshal.load sets them in order). */
static rsess_val *pairs_find(rsess_val **k, size_t n, const char *name, size_t len, bool identity)
{
    if (!name && len) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!name_matches(k[2 * i], name, len)) continue;
        size_t last = rs_last_eql_pair(k, n, i, identity);
        return last == RS_EQL_SPENT ? NULL : k[2 * last + 1];
    }
    return NULL;
}

rsess_val *rsess_hash_get(const rsess_val *v, const char *key, size_t keylen)
{
    if (!v || rs_type(v) != RSESS_HASH) return NULL;
    return pairs_find(v->u.c.k, v->u.c.n, key, keylen, (rs_flags(v) & F_IDENTITY) != 0);
}

rsess_val *rsess_hash_default(const rsess_val *v)
{
    return v && rs_type(v) == RSESS_HASH && (rs_flags(v) & F_DEFAULT) && rs_x(v) ? rs_x(v)->dflt : NULL;
}

bool rsess_hash_identity(const rsess_val *v) { return v && rs_type(v) == RSESS_HASH && (rs_flags(v) & F_IDENTITY); }

static bool has_fields(const rsess_val *v) { return v && (rs_type(v) == RSESS_OBJECT || rs_type(v) == RSESS_STRUCT); }

rsess_val *rsess_field_name(const rsess_val *v, size_t i)
{
    return has_fields(v) && i < v->u.c.n ? v->u.c.k[2 * i] : NULL;
}
rsess_val *rsess_field_val(const rsess_val *v, size_t i)
{
    return has_fields(v) && i < v->u.c.n ? v->u.c.k[2 * i + 1] : NULL;
}
rsess_val *rsess_field_get(const rsess_val *v, const char *name, size_t namelen)
{
    return has_fields(v) ? pairs_find(v->u.c.k, v->u.c.n, name, namelen, false) : NULL;
}

rsess_val *rsess_class_of(const rsess_val *v) { return v ? rs_cls(v) : NULL; }

rsess_val *rsess_dumped(const rsess_val *v)
{
    return v && (rs_type(v) == RSESS_USERMARSHAL || rs_type(v) == RSESS_DATA) ? v->u.one : NULL;
}

size_t rsess_ivar_count(const rsess_val *v) { return v && rs_x(v) ? rs_x(v)->niv : 0; }
rsess_val *rsess_ivar_name(const rsess_val *v, size_t i)
{
    return v && rs_x(v) && i < rs_x(v)->niv ? rs_x(v)->iv[2 * i] : NULL;
}
rsess_val *rsess_ivar_val(const rsess_val *v, size_t i)
{
    return v && rs_x(v) && i < rs_x(v)->niv ? rs_x(v)->iv[2 * i + 1] : NULL;
}
rsess_val *rsess_ivar_get(const rsess_val *v, const char *name, size_t namelen)
{
    return v && rs_x(v) ? pairs_find(rs_x(v)->iv, rs_x(v)->niv, name, namelen, false) : NULL;
}
rsess_val *rsess_user_class(const rsess_val *v) { return v && rs_x(v) ? rs_x(v)->uclass : NULL; }
size_t rsess_extended_count(const rsess_val *v) { return v && rs_x(v) ? rs_x(v)->next : 0; }
rsess_val *rsess_extended_get(const rsess_val *v, size_t i)
{
    return v && rs_x(v) && i < rs_x(v)->next ? rs_x(v)->ext[i] : NULL;
}

/* --- builder ------------------------------------------------------------ */
static const char *arena_copy(rsess_doc *doc, const void *p, size_t len)
{
    char *d = rs_arena_alloc(&doc->arena, len ? len : 1);
    if (d && len) memcpy(d, p, len);
    return d;
}

static rsess_val *bytes_node(rsess_doc *doc, int type, const void *p, size_t len, rsess_enc enc)
{
    if (!doc || (!p && len)) return NULL;
    rsess_val *v = rs_node(doc, type);
    if (!v) return NULL;
    v->u.s.p = arena_copy(doc, p, len);
    if (!v->u.s.p) return NULL;
    v->u.s.len = len;
    v->enc = (uint8_t)enc;
    return v;
}

/* nil, true, false, fixnums and flonums are immediates (internal.h): no node. */
rsess_val *rsess_new_nil(rsess_doc *doc) { return doc ? RS_NIL : NULL; }
rsess_val *rsess_new_bool(rsess_doc *doc, int b) { return doc ? (b ? RS_TRUE : RS_FALSE) : NULL; }

rsess_val *rsess_new_int(rsess_doc *doc, int64_t i)
{
    if (!doc) return NULL;
    if (rs_int_imm_ok(i)) return rs_imm_int(i);
    rsess_val *v = rs_node(doc, RSESS_INT); /* a Bignum in Ruby */
    if (v) v->u.i = i;
    return v;
}

rsess_val *rsess_new_bignum(rsess_doc *doc, const void *mag, size_t len, int negative)
{
    const unsigned char *m = mag;
    while (len && m[len - 1] == 0) len--;
    if (len <= 8) { /* fits a machine word? then it is an ordinary Integer */
        uint64_t u = 0;
        for (size_t i = 0; i < len; i++) u |= (uint64_t)m[i] << (8 * i);
        if (!negative && u <= (uint64_t)INT64_MAX) return rsess_new_int(doc, (int64_t)u);
        if (negative && u <= (uint64_t)INT64_MAX + 1) return rsess_new_int(doc, (int64_t)(0 - u));
    }
    rsess_val *v = bytes_node(doc, RSESS_BIGNUM, mag, len, RSESS_ENC_BINARY);
    if (v && negative) v->flags |= F_NEGATIVE;
    return v;
}

rsess_val *rsess_new_float(rsess_doc *doc, double d)
{
    if (!doc) return NULL;
    /* Equal flonums are one VALUE in Ruby, so Marshal links them: the
     * immediate is the value. Other floats are objects of their own. */
    if (rs_is_flonum(d)) return rs_imm_float(d);
    rsess_val *v = rs_node(doc, RSESS_FLOAT);
    if (v) v->u.f = d;
    return v;
}

rsess_val *rsess_new_float_text(rsess_doc *doc, const char *text, size_t len)
{
    double d;
    bool raw;
    if (!doc || !text || !rs_marshal_float(text, len, &d, &raw)) return NULL;
    if (!raw) return rsess_new_float(doc, d);
    rsess_val *v = rs_node(doc, RSESS_FLOAT); /* Ruby 1.8's bytes: kept, not interned */
    struct rsess_extra *x = v ? rs_extra(doc, v) : NULL;
    char *keep = x ? rs_arena_alloc(&doc->arena, len) : NULL;
    if (!keep) return NULL;
    memcpy(keep, text, len);
    v->u.f = d;
    x->ftext = keep;
    x->ftext_len = len;
    return v;
}

static rsess_val *encname_string(rsess_doc *doc, const char *name, size_t len)
{
    struct rs_doc_maps *m = rs_doc_maps(doc);
    if (!m) return NULL;
    rsess_val *s = rs_map_get(&m->encnames, name, len, 0);
    if (s) return s;
    /* Ruby's encoding-name strings are US-ASCII: 'I"...' with E false is
     * never written for them; they are plain binary Strings in Marshal. */
    s = bytes_node(doc, RSESS_STRING, name, len, RSESS_ENC_BINARY);
    if (!s || rs_map_put(&m->encnames, s->u.s.p, len, 0, s)) return NULL;
    return s;
}

static int set_named_encoding(rsess_doc *doc, rsess_val *v, const char *name, size_t len)
{
    rsess_enc e = rs_enc_from_name(name, len);
    v->enc = (uint8_t)e;
    if (e != RSESS_ENC_OTHER) return 0;
    struct rsess_extra *x = rs_extra(doc, v);
    if (!x) return RSESS_ERR_NOMEM;
    x->encname = encname_string(doc, name, len);
    return x->encname ? 0 : RSESS_ERR_NOMEM;
}

int rsess_set_encoding(rsess_doc *doc, rsess_val *v, const char *encname, size_t encname_len)
{
    if (!doc || !v || !encname ||
        (rs_type(v) != RSESS_STRING && rs_type(v) != RSESS_REGEXP && rs_type(v) != RSESS_USERDEF && rs_type(v) != RSESS_CLASS &&
         rs_type(v) != RSESS_MODULE) || !mine(doc, v))
        return RSESS_ERR_ARG;
    return set_named_encoding(doc, v, encname, encname_len);
}

rsess_val *rsess_new_str(rsess_doc *doc, const void *p, size_t len, rsess_enc enc)
{
    if (enc == RSESS_ENC_OTHER) return NULL;
    return bytes_node(doc, RSESS_STRING, p, len, enc);
}

rsess_val *rsess_new_str_enc(rsess_doc *doc, const void *p, size_t len, const char *encname, size_t encname_len)
{
    if (!encname) return NULL;
    rsess_val *v = bytes_node(doc, RSESS_STRING, p, len, RSESS_ENC_BINARY);
    if (v && set_named_encoding(doc, v, encname, encname_len)) return NULL;
    return v;
}

static rsess_val *intern_sym(rsess_doc *doc, const void *p, size_t len, rsess_enc enc, const char *encname,
                             size_t enclen)
{
    if (!doc || (!p && len)) return NULL;
    /* Ruby has one Symbol per name; ASCII-only names ignore the encoding. */
    bool ascii = rs_ascii_only(p, len) && (enc != RSESS_ENC_OTHER || rs_enc_ascii_compatible(encname, enclen));
    if (ascii) enc = RSESS_ENC_USASCII;
    uint64_t tag = ascii ? 0 : (uint64_t)enc + 1;
    if (enc == RSESS_ENC_OTHER) tag = rs_hash_bytes(encname, enclen, 99);
    struct rs_doc_maps *m = rs_doc_maps(doc);
    if (!m) return NULL;
    rsess_val *v = rs_map_get(&m->syms, p, len, tag);
    if (v) return v;
    v = bytes_node(doc, RSESS_SYMBOL, p, len, enc);
    if (!v) return NULL;
    if (enc == RSESS_ENC_OTHER && set_named_encoding(doc, v, encname, enclen)) return NULL;
    if (rs_map_put(&m->syms, v->u.s.p, len, tag, v)) return NULL;
    return v;
}

rsess_val *rsess_new_sym(rsess_doc *doc, const void *p, size_t len)
{
    return intern_sym(doc, p, len, RSESS_ENC_UTF8, NULL, 0);
}

rsess_val *rsess_new_sym_enc(rsess_doc *doc, const void *p, size_t len, rsess_enc enc)
{
    if (enc == RSESS_ENC_OTHER) return NULL;
    return intern_sym(doc, p, len, enc, NULL, 0);
}

rsess_val *rsess_new_sym_enc_named(rsess_doc *doc, const void *p, size_t len, const char *encname,
                                   size_t encname_len)
{
    if (!encname) return NULL;
    rsess_enc e = rs_enc_from_name(encname, encname_len);
    return intern_sym(doc, p, len, e, encname, encname_len);
}

rsess_val *rsess_new_regexp(rsess_doc *doc, const void *src, size_t len, int options, rsess_enc enc)
{
    if (enc == RSESS_ENC_OTHER) return NULL;
    rsess_val *v = bytes_node(doc, RSESS_REGEXP, src, len, enc);
    if (v) v->opts = (uint8_t)options;
    return v;
}

rsess_val *rsess_new_array(rsess_doc *doc) { return doc ? rs_node(doc, RSESS_ARRAY) : NULL; }
rsess_val *rsess_new_hash(rsess_doc *doc) { return doc ? rs_node(doc, RSESS_HASH) : NULL; }

static rsess_val *classed(rsess_doc *doc, int type, const char *cls, size_t clslen)
{
    if (!doc || !cls) return NULL;
    rsess_val *c = rsess_new_sym(doc, cls, clslen);
    rsess_val *v = c ? rs_node(doc, type) : NULL;
    if (v) v->cls = c;
    return v;
}

rsess_val *rsess_new_object(rsess_doc *doc, const char *cls, size_t clslen)
{
    return classed(doc, RSESS_OBJECT, cls, clslen);
}
rsess_val *rsess_new_struct(rsess_doc *doc, const char *cls, size_t clslen)
{
    return classed(doc, RSESS_STRUCT, cls, clslen);
}

rsess_val *rsess_new_userdef(rsess_doc *doc, const char *cls, size_t clslen, const void *data, size_t len,
                             rsess_enc enc)
{
    if (enc == RSESS_ENC_OTHER) return NULL;
    rsess_val *c = doc && cls ? rsess_new_sym(doc, cls, clslen) : NULL;
    rsess_val *v = c ? bytes_node(doc, RSESS_USERDEF, data, len, enc) : NULL;
    if (v) v->cls = c;
    return v;
}

rsess_val *rsess_new_usermarshal(rsess_doc *doc, const char *cls, size_t clslen, rsess_val *dumped)
{
    if (!doc || !mine(doc, dumped)) return NULL;
    rsess_val *v = classed(doc, RSESS_USERMARSHAL, cls, clslen);
    if (v) v->u.one = dumped;
    return v;
}

rsess_val *rsess_new_data(rsess_doc *doc, const char *cls, size_t clslen, rsess_val *dumped)
{
    if (!doc || !mine(doc, dumped)) return NULL;
    rsess_val *v = classed(doc, RSESS_DATA, cls, clslen);
    if (v) v->u.one = dumped;
    return v;
}

int rsess_set_dumped(rsess_doc *doc, rsess_val *v, rsess_val *dumped)
{
    if (!doc || !v || (rs_type(v) != RSESS_USERMARSHAL && rs_type(v) != RSESS_DATA) || !mine(doc, v) || !mine(doc, dumped))
        return RSESS_ERR_ARG;
    v->u.one = dumped;
    return 0;
}

rsess_val *rsess_new_int_text(rsess_doc *doc, const char *s, size_t len)
{
    if (!doc || !s) return NULL;
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    if (i == len) return NULL;
    for (size_t k = i; k < len; k++)
        if (s[k] < '0' || s[k] > '9') return NULL;
    /* magnitude in 32-bit limbs, little-endian: multiply by 10^9 and add,
     * nine digits at a time (quadratic, but 9 x 4 times fewer steps than
     * digit by digit on bytes: a million digits take seconds, not minutes) */
    size_t cap = (len - i) / 9 + 2, n = 0;
    uint32_t stackm[16];
    uint32_t *m = cap <= 16 ? stackm : rs_malloc(&doc->allocv, cap * sizeof *m);
    if (!m) return NULL;
    while (i < len) {
        size_t take = (len - i) % 9 ? (len - i) % 9 : 9;
        uint32_t chunk = 0, mul = 1;
        for (size_t k = 0; k < take; k++, i++) {
            chunk = chunk * 10 + (uint32_t)(s[i] - '0');
            mul *= 10;
        }
        uint64_t carry = chunk;
        for (size_t k = 0; k < n; k++) {
            uint64_t x = (uint64_t)m[k] * mul + carry;
            m[k] = (uint32_t)x;
            carry = x >> 32;
        }
        if (carry) m[n++] = (uint32_t)carry;
    }
    /* little-endian bytes for rsess_new_bignum (which trims and narrows) */
    unsigned char stackb[64];
    size_t nb = n * 4;
    unsigned char *b = nb <= sizeof stackb ? stackb : rs_malloc(&doc->allocv, nb);
    rsess_val *v = NULL;
    if (b) {
        for (size_t k = 0; k < n; k++)
            for (int j = 0; j < 4; j++) b[4 * k + (size_t)j] = (unsigned char)(m[k] >> (8 * j));
        v = rsess_new_bignum(doc, b, nb, neg);
        if (b != stackb) rs_free(&doc->allocv, b, nb);
    }
    if (m != stackm) rs_free(&doc->allocv, m, cap * sizeof *m);
    return v;
}

rsess_val *rsess_new_classref(rsess_doc *doc, rsess_type t, const char *path, size_t len)
{
    if (t != RSESS_CLASS && t != RSESS_MODULE && t != RSESS_OLDMODULE) return NULL;
    return bytes_node(doc, t, path, len, RSESS_ENC_BINARY);
}

int rsess_arr_push(rsess_doc *doc, rsess_val *arr, rsess_val *item)
{
    if (!doc || !arr || !item || rs_type(arr) != RSESS_ARRAY || !mine(doc, arr) || !mine(doc, item)) return RSESS_ERR_ARG;
    return rs_pairs_push(doc, &arr->u.c.k, &arr->u.c.n, &arr->u.c.cap, item, NULL, 1);
}

int rsess_hash_push(rsess_doc *doc, rsess_val *hash, rsess_val *key, rsess_val *val)
{
    if (!doc || !hash || !key || !val || rs_type(hash) != RSESS_HASH || !mine(doc, hash) || !mine(doc, key) ||
        !mine(doc, val))
        return RSESS_ERR_ARG;
    return rs_pairs_push(doc, &hash->u.c.k, &hash->u.c.n, &hash->u.c.cap, key, val, 2);
}

int rsess_hash_push_strkey(rsess_doc *doc, rsess_val *hash, const void *key, size_t keylen, rsess_enc enc,
                           rsess_val *val)
{
    if (!doc || !hash || !val || rs_type(hash) != RSESS_HASH || (!key && keylen) || enc == RSESS_ENC_OTHER ||
        !mine(doc, hash) || !mine(doc, val))
        return RSESS_ERR_ARG;
    if (rs_seed_keys(doc)) return RSESS_ERR_NOMEM;
    rs_map *keys = &doc->maps->keys; /* rs_seed_keys made the maps */
    rsess_val *k = rs_map_get(keys, key, keylen, (uint64_t)enc);
    if (!k) {
        k = rsess_new_str(doc, key, keylen, enc);
        if (!k || rs_map_put(keys, k->u.s.p, keylen, (uint64_t)enc, k)) return RSESS_ERR_NOMEM;
    }
    return rsess_hash_push(doc, hash, k, val);
}

int rsess_hash_set_default(rsess_doc *doc, rsess_val *hash, rsess_val *dflt)
{
    if (!doc || !hash || rs_type(hash) != RSESS_HASH || !mine(doc, hash) || !mine(doc, dflt)) return RSESS_ERR_ARG;
    struct rsess_extra *x = rs_extra(doc, hash);
    if (!x) return RSESS_ERR_NOMEM;
    x->dflt = dflt;
    if (dflt) hash->flags |= F_DEFAULT;
    else hash->flags &= (uint8_t)~F_DEFAULT;
    return 0;
}

int rsess_hash_set_identity(rsess_doc *doc, rsess_val *hash, int on)
{
    if (!doc || !hash || rs_type(hash) != RSESS_HASH || !mine(doc, hash)) return RSESS_ERR_ARG;
    if (on) hash->flags |= F_IDENTITY;
    else hash->flags &= (uint8_t)~F_IDENTITY;
    return 0;
}

int rsess_field_push(rsess_doc *doc, rsess_val *obj, rsess_val *name_sym, rsess_val *val)
{
    if (!doc || !has_fields(obj) || !name_sym || rs_type(name_sym) != RSESS_SYMBOL || !val || !mine(doc, obj) ||
        !mine(doc, name_sym) || !mine(doc, val))
        return RSESS_ERR_ARG;
    return rs_pairs_push(doc, &obj->u.c.k, &obj->u.c.n, &obj->u.c.cap, name_sym, val, 2);
}

int rsess_ivar_push(rsess_doc *doc, rsess_val *v, rsess_val *name_sym, rsess_val *val)
{
    if (!doc || !v || rs_imm(v) || !name_sym || rs_type(name_sym) != RSESS_SYMBOL || !val || !mine(doc, v) || !mine(doc, name_sym) ||
        !mine(doc, val))
        return RSESS_ERR_ARG;
    struct rsess_extra *x = rs_extra(doc, v);
    if (!x) return RSESS_ERR_NOMEM;
    return rs_pairs_push(doc, &x->iv, &x->niv, &x->ivcap, name_sym, val, 2);
}

int rsess_set_user_class(rsess_doc *doc, rsess_val *v, rsess_val *cls_sym)
{
    if (!doc || !v || rs_imm(v) || (cls_sym && rs_type(cls_sym) != RSESS_SYMBOL) || !mine(doc, v) || !mine(doc, cls_sym))
        return RSESS_ERR_ARG;
    struct rsess_extra *x = rs_extra(doc, v);
    if (!x) return RSESS_ERR_NOMEM;
    x->uclass = cls_sym;
    return 0;
}

int rsess_extend(rsess_doc *doc, rsess_val *v, rsess_val *mod_sym)
{
    if (!doc || !v || rs_imm(v) || !mod_sym || rs_type(mod_sym) != RSESS_SYMBOL || !mine(doc, v) || !mine(doc, mod_sym))
        return RSESS_ERR_ARG;
    struct rsess_extra *x = rs_extra(doc, v);
    if (!x) return RSESS_ERR_NOMEM;
    return rs_pairs_push(doc, &x->ext, &x->next, &x->extcap, mod_sym, NULL, 1);
}
