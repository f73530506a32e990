/* Internal declarations shared by the library's files. Not installed. */
#ifndef RSESS_INTERNAL_H
#define RSESS_INTERNAL_H

#ifdef RSESS_BASE_ONLY
#error "the base layer (lib/base.h) must not include lib/internal.h"
#endif

/* The base layer (allocation, arena, buffers, errors, the byte map) and the
 * text helpers (hex, UTF-8, JSON strings, bignum decimals, the output sink)
 * stand below the node model. */
#include "base.h"
#include "text.h"

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
    struct rsess_extra *x;    /* NULL when none */
    /* Only the nodes of the types that name a class (rs_type_has_cls) and
     * a lazy build's placeholders have this last field: the others end
     * before it (rs_node_size), 32 bytes. */
    rsess_val *cls;           /* class symbol: object struct userdef usermarshal data */
};

/* --- immediates -------------------------------------------------------- */
/* An rsess_val * is a node (arena memory, 8-aligned) or, as Ruby's VALUE
 * is, an immediate: a word with one of its low three bits set, holding the
 * value itself, with no node behind it (nothing to allocate, nothing to
 * free, equal values the same word):
 *   ...xx1  an Integer in Ruby's fixnum range: the value shifted left once;
 *   ....10  a float in Ruby's flonum range (rs_is_flonum), not 0.0: its
 *           bits rotated left by 3, the two low bits (the exponent's top
 *           two, which bit 63 after the rotation determines) replaced by
 *           the tag;
 *   ...100  a constant: nil, true, false, the float 0.0; its type above.
 * Values the input decorates (ivars, extended modules, a user class), a
 * lazy build's placeholders and an Integer or float outside those ranges
 * stay nodes of the same types, so code reads every value through
 * rs_type(), rs_ival(), rs_fval() and rs_x(), and reads the other fields of
 * a node only after a type that only nodes have. */
enum { RS_IMM_INT = 1, RS_IMM_FLONUM = 2, RS_IMM_CONST = 4, RS_IMM_MASK = 7 };
#define RS_IMM_K(type) ((rsess_val *)(uintptr_t)(((uintptr_t)(type) << 3) | RS_IMM_CONST))
#define RS_NIL RS_IMM_K(RSESS_NIL)
#define RS_TRUE RS_IMM_K(RSESS_TRUE)
#define RS_FALSE RS_IMM_K(RSESS_FALSE)
#define RS_FZERO RS_IMM_K(RSESS_FLOAT)

static inline bool rs_imm(const rsess_val *v) { return ((uintptr_t)v & RS_IMM_MASK) != 0; }
static inline int rs_type(const rsess_val *v)
{
    uintptr_t b = (uintptr_t)v;
    if (LIKELY(!(b & RS_IMM_MASK))) return v->type;
    if (b & RS_IMM_INT) return RSESS_INT;
    if (b & RS_IMM_FLONUM) return RSESS_FLOAT;
    return (int)(b >> 3);
}
/* Whether an Integer is held as an immediate: Ruby's fixnum range. */
static inline bool rs_int_imm_ok(int64_t i) { return i >= -(INT64_C(1) << 62) && i < (INT64_C(1) << 62); }
static inline rsess_val *rs_imm_int(int64_t i)
{
    return (rsess_val *)(uintptr_t)(((uint64_t)i << 1) | RS_IMM_INT);
}
static inline int64_t rs_ival(const rsess_val *v)
{
    return ((uintptr_t)v & RS_IMM_INT) ? (int64_t)(intptr_t)v >> 1 : v->u.i;
}
/* d must pass rs_is_flonum (below). */
static inline rsess_val *rs_imm_float(double d)
{
    uint64_t b;
    memcpy(&b, &d, 8);
    if (b == 0) return RS_FZERO;
    uint64_t r = (b << 3) | (b >> 61);
    return (rsess_val *)(uintptr_t)((r & ~(uint64_t)3) | RS_IMM_FLONUM);
}
static inline double rs_fval(const rsess_val *v)
{
    uintptr_t w = (uintptr_t)v;
    if (!(w & RS_IMM_MASK)) return v->u.f;
    if (v == RS_FZERO) return 0.0;
    /* flonums' exponents start 011 or 100: bits 62 and 61 are 01 when bit
     * 60 (now bit 63) is 1, else 10 */
    uint64_t r = ((uint64_t)w & ~(uint64_t)3) | ((uint64_t)w >> 63 ? 1u : 2u);
    uint64_t b = (r >> 3) | (r << 61);
    double d;
    memcpy(&d, &b, 8);
    return d;
}
/* A value's rarely used parts; immediates have none. */
static inline struct rsess_extra *rs_x(const rsess_val *v) { return rs_imm(v) ? NULL : v->x; }
/* The types whose nodes name a class (a Symbol node), a bit each. */
#define RS_CLS_TYPES \
    (1u << RSESS_OBJECT | 1u << RSESS_STRUCT | 1u << RSESS_USERDEF | 1u << RSESS_USERMARSHAL | 1u << RSESS_DATA)
static inline bool rs_type_has_cls(int type) { return (RS_CLS_TYPES >> (type & 31)) & 1; }
/* The bytes a node of this type takes (a placeholder, RSESS_NONE, may
 * become any type). Copy nodes with this size, never by assignment. */
static inline size_t rs_node_size(int type)
{
    return ((RS_CLS_TYPES | 1u << RSESS_NONE) >> (type & 31)) & 1 ? sizeof(rsess_val) : offsetof(rsess_val, cls);
}
static inline rsess_val *rs_cls(const rsess_val *v) { return !rs_imm(v) && rs_type_has_cls(v->type) ? v->cls : NULL; }
static inline unsigned rs_flags(const rsess_val *v) { return rs_imm(v) ? 0u : v->flags; }
static inline unsigned rs_enc_of(const rsess_val *v) { return rs_imm(v) ? (unsigned)RSESS_ENC_BINARY : v->enc; }

/* --- documents ---------------------------------------------------------- */
/* A document is one block from the caller's allocator: this header, then
 * the arena's first chunk (with no chunk header: it is freed with the
 * document); further chunks are the arena's list. */
struct rsess_doc {
    rs_arena arena;
    rsess_alloc allocv; /* copy of the caller's hooks (arena points here) */
    rsess_val *root;
    size_t consumed;
    uint32_t nodes;     /* ids handed out */
    bool keys_seeded;   /* keys holds the String hash keys the document had (edit.c) */
    struct rs_doc_maps *maps; /* the builder's interning, made on first use */
    size_t block;       /* bytes of the document's own block */
};

/* The builder's interning (a document read and never built on has none). */
struct rs_doc_maps {
    rs_map syms;     /* symbols */
    rs_map keys;     /* String hash keys */
    rs_map encnames; /* encoding-name Strings */
};
/* doc's maps, made in its arena on first use; NULL when out of memory. */
struct rs_doc_maps *rs_doc_maps(rsess_doc *doc) RSESS_INTERNAL;

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
    if (p & RS_IMM_MASK) return true; /* an immediate is every document's */
    const struct rs_chunk *c = doc->arena.head;
    if ((c && LIKELY(p - (uintptr_t)c < c->size)) || p - (uintptr_t)doc < doc->block) return v != NULL;
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
enum {
    RS_JSON_RUBY = 1u << 0, /* Ruby's JSON.parse dialect (else RFC 8259) */
    /* for the strict grammar: */
    RS_JSON_RAW_BYTES = 1u << 1,       /* string bytes >= 0x80 kept as they are, unchecked */
    RS_JSON_LONE_SURROGATES = 1u << 2, /* a lone surrogate escape: its 3-byte form */
    RS_JSON_DIGIT_LIMIT = 1u << 3,     /* integers of more than RS_JSON_MAX_DIGITS: RSESS_ERR_RANGE */
    RS_JSON_FORMAT_ERRORS = 1u << 4,   /* syntax errors are RSESS_ERR_FORMAT, not RSESS_ERR_JSON */
    /* session cookie payloads (cookie.c): RFC 8259's grammar, strings as
     * Ruby keeps them, integers bounded */
    RS_JSON_COOKIE = RS_JSON_RAW_BYTES | RS_JSON_LONE_SURROGATES | RS_JSON_DIGIT_LIMIT | RS_JSON_FORMAT_ERRORS
};
/* Longest integer literal RS_JSON_DIGIT_LIMIT reads: Ruby has no limit, but a
 * hostile cookie must not buy quadratic time (a bignum from decimal). */
#define RS_JSON_MAX_DIGITS 1000
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
/* JSON text -> a new document (*out) as Ruby's JSON.parse builds it
 * (from_json.c): strings UTF-8, keys interned, a repeated key keeps its
 * first place and its last value. o as rs_json_opts_take leaves it. On
 * failure *out is NULL; err is not touched on success. */
int rs_json_doc(const char *text, size_t len, unsigned mode, const rsess_json_opts *o, rsess_doc **out,
                rsess_err *err) RSESS_INTERNAL;
/* Checks and copies the caller's options (NULL: defaults; size 0 or too
 * large: RSESS_ERR_ARG); max_nesting 0 becomes dflt_nesting. */
int rs_json_opts_take(const rsess_json_opts *in, size_t dflt_nesting, rsess_json_opts *o,
                      rsess_err *err) RSESS_INTERNAL;

#endif
