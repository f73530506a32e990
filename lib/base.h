/* The base layer: allocation through the caller's hooks, the arena, heap
 * arrays, growable buffers, errors and a byte-string map. It knows nothing
 * of the node model (no rsess_val, no rsess_doc): lib/alloc.c, lib/buf.c,
 * lib/err.c, lib/map.c and lib/version.c build and are tested on their own
 * (make check-base), and lib/text.h stands on this layer alone. Everything
 * above includes lib/internal.h, which includes this file. Not installed. */
#ifndef RSESS_BASE_H
#define RSESS_BASE_H

#define RSESS_BUILDING 1
#include "rsess.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RSESS_INTERNAL __attribute__((visibility("hidden")))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* --- allocation (alloc.c) ------------------------------------------------- */
void *rs_malloc(const rsess_alloc *a, size_t n) RSESS_INTERNAL;
void *rs_realloc(const rsess_alloc *a, void *p, size_t old, size_t n) RSESS_INTERNAL;
void rs_free(const rsess_alloc *a, void *p, size_t n) RSESS_INTERNAL;

/* Makes room for one more element in a heap array of *cap elements of
 * `size` bytes (doubling from `first`): 0 or RSESS_ERR_NOMEM (*p unchanged). */
int rs_vec_room(const rsess_alloc *a, void **p, size_t n, size_t *cap, size_t size, size_t first) RSESS_INTERNAL;

/* --- errors (err.c) -------------------------------------------------------- */
/* Fills err (if any) and returns code. fmt may be NULL (msg only). */
int rs_fail(rsess_err *err, int code, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5))) RSESS_INTERNAL;
void rs_ok(rsess_err *err) RSESS_INTERNAL;

/* --- arena (alloc.c) ------------------------------------------------------- */
struct rs_chunk {
    struct rs_chunk *next;
    size_t size; /* bytes allocated for this chunk, header included */
    size_t lost; /* the unused end of the chunk allocations came from before this one */
};

typedef struct rs_arena {
    const rsess_alloc *alloc;
    struct rs_chunk *head;
    char *cur, *end;
    size_t total;
} rs_arena;

void *rs_arena_grow(rs_arena *a, size_t n) RSESS_INTERNAL;
/* The same with what the caller expects the arena still to need (need,
 * n included; 0: no idea): a new chunk of that size when it is more than
 * the usual quarter. exact: n alone in a chunk of its own when it does not
 * fit (no room set aside for more). */
void *rs_arena_grow_hint(rs_arena *a, size_t n, size_t need, bool exact) RSESS_INTERNAL;
/* n bytes (a multiple of 8) from the current chunk, or NULL when they do
 * not fit there (the caller grows the arena). */
static inline void *rs_arena_take(rs_arena *a, size_t n)
{
    if (UNLIKELY((size_t)(a->end - a->cur) < n)) return NULL;
    void *p = a->cur;
    a->cur += n;
    return p;
}
static inline void *rs_arena_alloc(rs_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    void *p = rs_arena_take(a, n);
    return LIKELY(p != NULL) ? p : rs_arena_grow(a, n);
}
void rs_arena_free(rs_arena *a) RSESS_INTERNAL;
/* Bytes of the arena no allocation took: the chunks' unused ends. */
size_t rs_arena_unused(const rs_arena *a) RSESS_INTERNAL;

/* --- a map from byte strings (plus a tag) to a pointer (map.c) -------------- */
typedef struct rs_map_ent {
    const char *p;
    size_t len;
    uint64_t hash, tag;
    void *val;
} rs_map_ent;

typedef struct rs_map {
    const rsess_alloc *alloc;
    rs_map_ent *ents;
    size_t cap, n; /* cap: power of two or 0 */
} rs_map;

/* SipHash-1-3 of the bytes under the process's random key (mixed with
 * seed): the hash of every map; its values differ from process to process. */
uint64_t rs_hash_bytes(const void *p, size_t len, uint64_t seed) RSESS_INTERNAL;
/* SipHash-c-d under an explicit key (rs_hash_bytes; tests check 2-4 against libsodium). */
uint64_t rs_siphash(const uint64_t key[2], const void *p, size_t len, int crounds, int drounds) RSESS_INTERNAL;
/* Finds the entry for (p,len,tag); returns its val or NULL. */
void *rs_map_get(const rs_map *m, const void *p, size_t len, uint64_t tag) RSESS_INTERNAL;
/* Inserts (the key bytes are not copied: they must outlive the map). */
int rs_map_put(rs_map *m, const void *p, size_t len, uint64_t tag, void *val) RSESS_INTERNAL;
void rs_map_free(rs_map *m) RSESS_INTERNAL;

/* --- a map from 64-bit keys to nonzero 64-bit values (map.c) ---------------- */
/* For keys that are words (a float's bits): 16-byte entries and a keyed
 * multiply-xorshift under the process's random key, not SipHash over
 * bytes. */
typedef struct rs_map64_ent {
    uint64_t key, val; /* val 0: an empty slot */
} rs_map64_ent;

typedef struct rs_map64 {
    const rsess_alloc *alloc;
    rs_map64_ent *ents;
    size_t cap, n; /* cap: power of two or 0 */
} rs_map64;

/* The value stored for key, or 0. */
uint64_t rs_map64_get(const rs_map64 *m, uint64_t key) RSESS_INTERNAL;
/* Stores val (nonzero) for key: 0 or RSESS_ERR_NOMEM. */
int rs_map64_put(rs_map64 *m, uint64_t key, uint64_t val) RSESS_INTERNAL;
/* One probe for both: the value stored for key, else stores val (nonzero)
 * and returns 0; UINT64_MAX when out of memory (nothing stored). */
uint64_t rs_map64_get_or_put(rs_map64 *m, uint64_t key, uint64_t val) RSESS_INTERNAL;
void rs_map64_free(rs_map64 *m) RSESS_INTERNAL;

/* --- buffers (buf.c) -------------------------------------------------------- */
int rs_buf_reserve(rsess_buf *b, size_t extra) RSESS_INTERNAL;
static inline int rs_buf_putc(rsess_buf *b, int c)
{
    if (UNLIKELY(b->len + 1 >= b->cap) && rs_buf_reserve(b, 1)) return RSESS_ERR_NOMEM;
    b->data[b->len++] = (unsigned char)c;
    return 0;
}
static inline int rs_buf_put(rsess_buf *b, const void *p, size_t n)
{
    if (UNLIKELY(b->len + n >= b->cap) && rs_buf_reserve(b, n)) return RSESS_ERR_NOMEM;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}
static inline int rs_buf_puts(rsess_buf *b, const char *s) { return rs_buf_put(b, s, strlen(s)); }
int rs_buf_printf(rsess_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3))) RSESS_INTERNAL;
int rs_buf_vprintf(rsess_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0))) RSESS_INTERNAL;

/* Built with RSESS_BASE_ONLY (make check-base), the node model's names are
 * poisoned past this point: a base or text file that used them would not
 * compile. */
#ifdef RSESS_BASE_ONLY
#pragma GCC poison rsess_val rsess_doc rs_node rs_doc_create
#endif

#endif
