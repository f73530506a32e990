/* Shared plumbing: allocator hooks, errors, the arena, a byte-string map,
 * growable buffers, encoding names. */
#include "internal.h"

#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

const char *rsess_version(void) { return RSESS_VERSION_STRING; }
unsigned long rsess_version_number(void) { return RSESS_VERSION_NUMBER; }

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

/* --- errors ------------------------------------------------------------ */
const char *rsess_strerror(int code)
{
    switch (code) {
    case RSESS_OK: return "success";
    case RSESS_ERR_NOMEM: return "out of memory";
    case RSESS_ERR_ARG: return "invalid argument";
    case RSESS_ERR_NOT_FOUND: return "not found";
    case RSESS_ERR_TRUNCATED: return "truncated data";
    case RSESS_ERR_VERSION: return "not Marshal 4.8 data";
    case RSESS_ERR_TYPE: return "unknown type byte";
    case RSESS_ERR_LINK: return "bad object link";
    case RSESS_ERR_SYMLINK: return "bad symbol link";
    case RSESS_ERR_FORMAT: return "malformed Marshal data";
    case RSESS_ERR_FLOAT: return "bad float text";
    case RSESS_ERR_ENCODING: return "bad encoding";
    case RSESS_ERR_TRAILING: return "trailing bytes after the value";
    case RSESS_ERR_DEPTH: return "nesting too deep";
    case RSESS_ERR_NODES: return "too many values";
    case RSESS_ERR_SIZE: return "input too large";
    case RSESS_ERR_INFLATE: return "inflated data too large";
    case RSESS_ERR_QUOTED: return "malformed quoted string";
    case RSESS_ERR_HEX: return "malformed hex";
    case RSESS_ERR_BASE64: return "malformed base64";
    case RSESS_ERR_JSON: return "malformed JSON";
    case RSESS_ERR_TYPED: return "not valid typed JSON";
    case RSESS_ERR_RANGE: return "value out of range for Marshal";
    case RSESS_ERR_STATE: return "writer calls out of order";
    case RSESS_ERR_VALUE: return "value cannot be written";
    case RSESS_ERR_ENTRY: return "malformed cache entry";
    case RSESS_ERR_ZLIB: return "bad compressed data";
    case RSESS_ERR_FORMAT_UNKNOWN: return "not a Rails session value";
    case RSESS_ERR_UNSUPPORTED: return "unsupported format";
    case RSESS_ERR_VERIFY: return "the cookie does not verify";
    case RSESS_ERR_PURPOSE: return "the cookie is for another purpose";
    case RSESS_ERR_EXPIRED: return "the cookie has expired";
    case RSESS_ERR_COOKIE: return "not a cookie of a known form";
    case RSESS_ERR_CRYPTO: return "libcrypto failed";
    case RSESS_ERR_SERIALIZER: return "a payload the serializer refuses";
    default: return "unknown error";
    }
}

int rs_fail(rsess_err *err, int code, size_t offset, const char *fmt, ...)
{
    if (!err) return code;
    err->code = (rsess_code)code;
    err->offset = offset;
    err->msg = rsess_strerror(code);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->text, sizeof err->text, fmt, ap);
        va_end(ap);
    } else {
        snprintf(err->text, sizeof err->text, "%s", err->msg);
    }
    return code;
}

void rs_ok(rsess_err *err)
{
    if (!err) return;
    err->code = RSESS_OK;
    err->offset = 0;
    err->msg = rsess_strerror(RSESS_OK);
    err->text[0] = 0;
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

/* --- buffers ------------------------------------------------------------ */
void rsess_buf_init(rsess_buf *b, const rsess_alloc *alloc)
{
    if (!b) return;
    b->data = NULL;
    b->len = b->cap = 0;
    b->alloc = alloc;
}

void rsess_buf_reset(rsess_buf *b)
{
    if (!b) return;
    b->len = 0;
    if (b->data) b->data[0] = 0;
}

void rsess_buf_free(rsess_buf *b)
{
    if (!b) return;
    rs_free(b->alloc, b->data, b->cap);
    b->data = NULL;
    b->len = b->cap = 0;
}

int rs_buf_reserve(rsess_buf *b, size_t extra)
{
    /* Keeps one spare byte so printers can NUL-terminate. */
    if (extra > SIZE_MAX / 2 - b->len) return RSESS_ERR_NOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return 0;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need) ncap *= 2;
    unsigned char *nd = rs_realloc(b->alloc, b->data, b->cap, ncap);
    if (!nd) return RSESS_ERR_NOMEM;
    b->data = nd;
    b->cap = ncap;
    return 0;
}

int rsess_buf_append(rsess_buf *b, const void *p, size_t n)
{
    if (!b || (!p && n)) return RSESS_ERR_ARG;
    return rs_buf_put(b, p, n);
}

int rs_buf_vprintf(rsess_buf *b, const char *fmt, va_list ap)
{
    char tmp[256];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    int rc = 0;
    if (n < 0) rc = RSESS_ERR_ARG;
    else if ((size_t)n < sizeof tmp) rc = rs_buf_put(b, tmp, (size_t)n);
    else if (rs_buf_reserve(b, (size_t)n + 1)) rc = RSESS_ERR_NOMEM;
    else {
        vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
    return rc;
}

int rs_buf_printf(rsess_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = rs_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

/* --- encoding names ----------------------------------------------------- */
static bool name_eq(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen) return false;
    for (size_t i = 0; i < alen; i++) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = (char)(x - 32);
        if (y >= 'a' && y <= 'z') y = (char)(y - 32);
        if (x != y) return false;
    }
    return true;
}

bool rs_enc_ascii_compatible(const char *name, size_t len)
{
    /* Encoding.list.reject(&:ascii_compatible?) in Ruby 3.1 */
    static const char *const wide[] = {"UTF-16BE", "UTF-16LE", "UTF-32BE", "UTF-32LE", "UTF-16", "UTF-32",
                                       "IBM037", "ISO-2022-JP", "ISO-2022-JP-2", "CP50220", "CP50221", "UTF-7",
                                       "ISO-2022-JP-KDDI", NULL};
    for (int i = 0; wide[i]; i++)
        if (name_eq(name, len, wide[i])) return false;
    return true;
}

rsess_enc rs_enc_from_name(const char *name, size_t len)
{
    if (name_eq(name, len, "UTF-8")) return RSESS_ENC_UTF8;
    if (name_eq(name, len, "US-ASCII") || name_eq(name, len, "ASCII")) return RSESS_ENC_USASCII;
    if (name_eq(name, len, "ASCII-8BIT") || name_eq(name, len, "BINARY")) return RSESS_ENC_BINARY;
    return RSESS_ENC_OTHER;
}

const char *rs_enc_name(const rsess_val *v, size_t *len)
{
    const char *s;
    switch (v ? v->enc : RSESS_ENC_BINARY) {
    case RSESS_ENC_UTF8: s = "UTF-8"; break;
    case RSESS_ENC_USASCII: s = "US-ASCII"; break;
    case RSESS_ENC_OTHER:
        if (v->x && v->x->encname && v->x->encname->type == RSESS_STRING) {
            *len = v->x->encname->u.s.len;
            return v->x->encname->u.s.p;
        }
        s = "ASCII-8BIT";
        break;
    default: s = "ASCII-8BIT"; break;
    }
    *len = strlen(s);
    return s;
}
