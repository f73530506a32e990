/* Internal declarations shared by the library's files. Not installed. */
#ifndef RSESS_INTERNAL_H
#define RSESS_INTERNAL_H

#define RSESS_BUILDING 1
#include "rsess.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#define RSESS_INTERNAL __attribute__((visibility("hidden")))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* --- allocation -------------------------------------------------------- */
void *rs_malloc(const rsess_alloc *a, size_t n) RSESS_INTERNAL;
void *rs_realloc(const rsess_alloc *a, void *p, size_t old, size_t n) RSESS_INTERNAL;
void rs_free(const rsess_alloc *a, void *p, size_t n) RSESS_INTERNAL;

/* --- errors ------------------------------------------------------------ */
/* Fills err (if any) and returns code. fmt may be NULL (msg only). */
int rs_fail(rsess_err *err, int code, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5))) RSESS_INTERNAL;
void rs_ok(rsess_err *err) RSESS_INTERNAL;

/* --- nodes ------------------------------------------------------------- */
enum {
    F_DEFAULT = 1u << 0,  /* hash has a default ('}') */
    F_IDENTITY = 1u << 1, /* compare_by_identity hash */
    F_NEGATIVE = 1u << 2, /* bignum sign */
    F_LINKED = 1u << 3    /* a Marshal link in the input points here */
};

/* Rarely used parts of a node, allocated only when present. */
struct rsess_extra {
    rsess_val **iv; /* ivar pairs: name symbol, value */
    uint32_t niv, ivcap;
    rsess_val **ext; /* 'e' module symbols, outermost first */
    uint32_t next, extcap;
    rsess_val *uclass;  /* 'C' user class symbol */
    rsess_val *dflt;    /* hash default */
    rsess_val *encname; /* RSESS_ENC_OTHER: the encoding-name String */
    const char *ftext;  /* a float in Ruby 1.8's form: its Marshal bytes, written back as they were */
    size_t ftext_len;
};

struct rsess_val {
    uint8_t type;  /* rsess_type */
    uint8_t enc;   /* rsess_enc, byte-carrying types */
    uint8_t flags; /* F_* */
    uint8_t opts;  /* regexp options */
    uint32_t id;   /* creation number, unique in the document */
    union {
        int64_t i;
        double f;
        struct {
            const char *p;
            size_t len;
        } s; /* string symbol regexp bignum userdef class module */
        struct {
            rsess_val **k; /* array: n items; hash/object/struct: n pairs (2n slots) */
            uint32_t n, cap;
        } c;
        rsess_val *one; /* usermarshal, data */
    } u;
    rsess_val *cls;           /* class symbol: object struct userdef usermarshal data */
    struct rsess_extra *x;    /* NULL when none */
};

/* --- arena ------------------------------------------------------------- */
struct rs_chunk {
    struct rs_chunk *next;
    size_t size; /* bytes allocated for this chunk, header included */
};

typedef struct rs_arena {
    const rsess_alloc *alloc;
    struct rs_chunk *head;
    char *cur, *end;
    size_t total;
} rs_arena;

void *rs_arena_grow(rs_arena *a, size_t n) RSESS_INTERNAL;
/* Makes room for one more element in a heap array of *cap elements of
 * `size` bytes (doubling from `first`): 0 or RSESS_ERR_NOMEM (*p unchanged). */
int rs_vec_room(const rsess_alloc *a, void **p, size_t n, size_t *cap, size_t size, size_t first) RSESS_INTERNAL;
static inline void *rs_arena_alloc(rs_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (LIKELY((size_t)(a->end - a->cur) >= n)) {
        void *p = a->cur;
        a->cur += n;
        return p;
    }
    return rs_arena_grow(a, n);
}
void rs_arena_free(rs_arena *a) RSESS_INTERNAL;

/* --- a map from byte strings (plus a tag) to a pointer ------------------- */
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

/* --- documents ---------------------------------------------------------- */
struct rsess_doc {
    rs_arena arena;
    rsess_alloc allocv; /* copy of the caller's hooks (arena points here) */
    rsess_val *root;
    uint32_t nodes;     /* ids handed out */
    size_t consumed;
    rs_map syms;        /* builder interning: symbols */
    rs_map floats;      /* builder interning: flonum floats */
    rs_map keys;        /* builder interning: string hash keys */
    rs_map encnames;    /* builder interning: encoding-name Strings */
    bool keys_seeded;   /* keys holds the String hash keys the document had (edit.c) */
    size_t block;       /* bytes of the document's own block (the first chunk's end) */
};

rsess_doc *rs_doc_create(const rsess_alloc *alloc, size_t first_chunk) RSESS_INTERNAL;
/* Whether v was allocated in doc's arena (builder calls refuse others).
 * Inline for the usual cases, a fresh value in the newest chunk and a
 * parsed or early one in the document's own block (p - start < size is
 * start <= p < start + size in unsigned arithmetic); the slow path walks
 * the other chunks. */
bool rs_doc_owns_slow(const rsess_doc *doc, uintptr_t p) RSESS_INTERNAL;
static inline bool rs_doc_owns(const rsess_doc *doc, const rsess_val *v)
{
    uintptr_t p = (uintptr_t)v;
    const struct rs_chunk *c = doc->arena.head;
    if (LIKELY(p - (uintptr_t)c < c->size) || p - (uintptr_t)doc < doc->block) return v != NULL;
    return v && rs_doc_owns_slow(doc, p);
}
rsess_val *rs_node(rsess_doc *doc, int type) RSESS_INTERNAL;

/* Puts the plain String hash keys reachable from the root into doc->keys,
 * once (edit.c): interning then links to them as Ruby would. */
int rs_seed_keys(rsess_doc *doc) RSESS_INTERNAL;
struct rsess_extra *rs_extra(rsess_doc *doc, rsess_val *v) RSESS_INTERNAL;
int rs_pairs_push(rsess_doc *doc, rsess_val ***k, uint32_t *n, uint32_t *cap, rsess_val *a,
                  rsess_val *b, int width) RSESS_INTERNAL;

/* Ruby's flonum test: the doubles an immediate VALUE holds on 64-bit. */
static inline bool rs_is_flonum(double d)
{
    uint64_t bits;
    memcpy(&bits, &d, 8);
    if (bits == 0) return true;
    unsigned top = (unsigned)(bits >> 60) & 7;
    return bits != 0x3000000000000000ull && (top == 3 || top == 4);
}

/* Ruby's Integer kinds on 64-bit. */
static inline bool rs_int_is_i(int64_t i) { return i >= -(1LL << 30) && i < (1LL << 30); }
static inline bool rs_int_is_fixnum(int64_t i) { return i >= -(1LL << 62) && i < (1LL << 62); }

/* Whether Ruby's inspect shows a code point >= U+0080 as itself (unicode_print.c). */
bool rs_unicode_printable(uint32_t cp) RSESS_INTERNAL;
/* The encoding name of a value as a static or document-owned string. */
const char *rs_enc_name(const rsess_val *v, size_t *len) RSESS_INTERNAL;
/* False for the encodings in which ASCII bytes are not ASCII text
 * (UTF-16LE...): their Symbols keep the encoding even when the bytes are
 * ASCII-only, as Ruby's do. */
bool rs_enc_ascii_compatible(const char *name, size_t len) RSESS_INTERNAL;
/* Parses an encoding name into rsess_enc (OTHER for anything not built in). */
rsess_enc rs_enc_from_name(const char *name, size_t len) RSESS_INTERNAL;

/* --- buffers ------------------------------------------------------------ */
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

/* --- text helpers (text.c): hex, UTF-8, JSON strings, bignum decimals, the
 * printers' output sink --------------------------------------------------- */
#include "text.h"

/* --- floats ------------------------------------------------------------- */
/* Shortest round-trip digits of |d| (finite, non-zero): digits into buf
 * (no NUL), returns the count; *decpt = decimal point position. */
int rs_float_digits(double d, char *buf, int *decpt) RSESS_INTERNAL;
/* 10^e, e = -342..324, as truncated 128-bit significands {high, low} with
 * bit 127 set (lib/float_pow10.c, made by scripts/gen-float-table.rb). */
extern const uint64_t rs_float_pow10[667][2] RSESS_INTERNAL;


/* The value of one top-level hash key of Marshal bytes (marshal_read.c). */
rsess_doc *rs_lookup_marshal(const unsigned char *data, size_t len, const char *key, size_t keylen, int kind,
                             const rsess_read_opts *opts, rsess_err *err) RSESS_INTERNAL;

/* Inflates a zlib stream into out, never past cap bytes (entry.c). */
int rs_inflate(const unsigned char *in, size_t len, size_t cap, const rsess_alloc *alloc, rsess_buf *out, size_t at,
               rsess_err *err) RSESS_INTERNAL;

/* Civil date of a day count from 1970-01-01 (rbtypes.c). */
void rs_civil_from_days(int64_t days, int64_t *y, int *m, int *d) RSESS_INTERNAL;
/* Days from 1970-01-01 of a proleptic Gregorian date, month 1..12 (rbtypes.c). */
int64_t rs_days_from_civil(int64_t y, int m, int d) RSESS_INTERNAL;
/* tzif.c: the zone abbreviation in effect at instant t (epoch seconds) in
 * the IANA zone, or in the IANA zone ActiveSupport maps a Rails zone name to,
 * read from the TZif file under /usr/share/zoneinfo. Writes a NUL-terminated
 * abbreviation into out and returns 0; RSESS_ERR_NOT_FOUND when the zone is
 * unknown, its file is missing or unreadable (the caller falls back);
 * RSESS_ERR_NOMEM when the file could not be held. */
int rs_zone_abbrev(const char *zone, size_t len, int64_t t, const rsess_alloc *a, char *out, size_t outsz) RSESS_INTERNAL;
/* The same on the bytes of a TZif file. */
bool rs_tzif_abbrev(const unsigned char *p, size_t len, int64_t t, char *out, size_t outsz) RSESS_INTERNAL;
/* rails_zones.c: ActiveSupport::TimeZone::MAPPING, Rails name -> IANA name. */
const char *rs_rails_zone_iana(const char *name, size_t len) RSESS_INTERNAL;

/* --- views (printers) --------------------------------------------------- */
/* Each view is a leaf: it uses the text helpers and refs.h, never another
 * view. print.c dispatches rsess_print() to them. */
int rs_print_ruby(const rsess_val *v, unsigned flags, rsess_buf *out, rsess_err *err) RSESS_INTERNAL;
int rs_print_typed(const rsess_val *v, unsigned flags, rsess_buf *out, rsess_err *err) RSESS_INTERNAL;
/* The JSON view needs Ruby's to_s text of the values JSON has no form for
 * (non-String hash keys, Range ends, Complex): print.c passes the Ruby
 * view in as to_s, so the views stay leaves. With RS_PRINT_TO_S the Ruby
 * view prints a Complex root as Complex#to_s ("2/3+1i"), not inspect. */
enum { RS_PRINT_TO_S = 1u << 30 };
typedef int (*rs_text_fn)(const rsess_val *v, unsigned flags, rsess_buf *out, rsess_err *err);
int rs_print_json(const rsess_val *v, unsigned flags, rs_text_fn ruby_to_s, rsess_buf *out, rsess_err *err) RSESS_INTERNAL;
/* printf arguments for a year as Ruby's %Y writes it: "-0257", "0042", "12345"
 * (use with "%s%04lld"). */
#define YEAR(y) ((y) < 0 ? "-" : ""), (long long)((y) < 0 ? -(y) : (y))

/* --- JSON text -> tree (json_read.c) ------------------------------------ */
enum { RS_J_NULL, RS_J_TRUE, RS_J_FALSE, RS_J_INT, RS_J_FLOAT, RS_J_STR, RS_J_ARR, RS_J_OBJ };
typedef struct rs_jnode {
    uint8_t type;             /* RS_J_* */
    size_t off;               /* byte offset of the value in the text */
    const char *p;            /* STR: the bytes; INT, FLOAT: the number's text */
    size_t len;
    struct rs_jnode **kids;   /* ARR: n items; OBJ: n pairs in 2n slots (key, value) */
    size_t n;
} rs_jnode;
typedef struct rs_jtree {
    rs_arena arena;           /* every node and unescaped string */
    rs_jnode *root;
} rs_jtree;
enum { RS_JSON_RUBY = 1u << 0 /* Ruby's JSON.parse dialect (else RFC 8259) */ };
/* Parses text (which must outlive the tree: strings without escapes and
 * numbers point into it) within o's limits (defaults filled in by
 * rs_json_opts_take): nesting (RSESS_ERR_DEPTH), values (RSESS_ERR_NODES),
 * input size (RSESS_ERR_SIZE). */
int rs_json_parse(const char *text, size_t len, unsigned mode, const rsess_json_opts *o, rs_jtree *out,
                  rsess_err *err) RSESS_INTERNAL;
void rs_jtree_free(rs_jtree *t) RSESS_INTERNAL;
/* The value of the last member with this key, or NULL. */
const rs_jnode *rs_jobj_get(const rs_jnode *obj, const char *key) RSESS_INTERNAL;
/* A number's value as a double (correctly rounded, overflow to +-inf). */
int rs_jnum_float(const rs_jnode *n, const rsess_alloc *alloc, double *out) RSESS_INTERNAL;
/* Checks and copies the caller's options (NULL: defaults; size 0 or too
 * large: RSESS_ERR_ARG); max_nesting 0 becomes dflt_nesting. */
int rs_json_opts_take(const rsess_json_opts *in, size_t dflt_nesting, rsess_json_opts *o,
                      rsess_err *err) RSESS_INTERNAL;

#endif
