/* Marshal 4.8 bytes -> document. Mirrors ruby/ruby marshal.c r_object():
 * the object table is filled in Ruby's registration order so that '@'
 * links resolve to the same nodes Ruby would share. */
#include "internal.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#define STACK_TABLE 128

typedef struct reader {
    const unsigned char *base, *p, *end;
    rsess_doc *doc;
    rsess_val **objs; /* object table, Ruby's registration order */
    size_t nobjs, objcap;
    rsess_val **syms; /* symbol table */
    size_t nsyms, symcap;
    rsess_val *sym_E; /* the symbol :E, once seen (string encodings) */
    /* lookup mode (rsess_lookup): skipped objects are placeholders (NULL)
     * with where they start; links to them parse them then ("replay") */
    uint32_t *objoff, *objstart, *symoff;
    bool lookup, replay;
    size_t depth, max_depth, max_nodes;
    rsess_val *nil, *tru, *fals; /* immediates are shared nodes */
    const rsess_alloc *alloc;
    rsess_err *err;
    int code;
    rsess_val *objs0[STACK_TABLE], *syms0[STACK_TABLE]; /* the first entries live here (last: not zeroed) */
} reader;

static rsess_val *fail(reader *r, int code, const unsigned char *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#include <stdarg.h>
#include <stdio.h>

static rsess_val *fail(reader *r, int code, const unsigned char *at, const char *fmt, ...)
{
    if (r->code) return NULL; /* keep the first error */
    r->code = code;
    size_t off = (size_t)(at - r->base);
    if (r->err) {
        char tmp[sizeof r->err->text];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(tmp, sizeof tmp, fmt, ap);
        va_end(ap);
        rs_fail(r->err, code, off, "%s", tmp);
    }
    return NULL;
}

static size_t left(const reader *r) { return (size_t)(r->end - r->p); }

static rsess_val *nomem(reader *r) { return fail(r, RSESS_ERR_NOMEM, r->p, "out of memory"); }

static inline rsess_val *new_node(reader *r, int type)
{
    if (UNLIKELY(r->doc->nodes >= r->max_nodes))
        return fail(r, RSESS_ERR_NODES, r->p, "more than %zu values", r->max_nodes);
    rsess_val *v = rs_arena_alloc(&r->doc->arena, sizeof *v);
    if (UNLIKELY(!v)) return nomem(r);
    *v = (rsess_val){.type = (uint8_t)type, .enc = RSESS_ENC_BINARY, .id = r->doc->nodes++};
    return v;
}

static int table_grow(reader *r, rsess_val ***tab, size_t n, size_t *cap, rsess_val **first)
{
    size_t ncap = *cap * 2;
    rsess_val **nt;
    if (*tab == first) { /* leaving the stack */
        nt = rs_malloc(r->alloc, ncap * sizeof *nt);
        if (nt) memcpy(nt, *tab, n * sizeof *nt);
    } else {
        nt = rs_realloc(r->alloc, *tab, *cap * sizeof *nt, ncap * sizeof *nt);
    }
    if (!nt) return RSESS_ERR_NOMEM;
    *tab = nt;
    *cap = ncap;
    return 0;
}

static inline int table_push(reader *r, rsess_val ***tab, size_t *n, size_t *cap, rsess_val **first, rsess_val *v)
{
    if (UNLIKELY(*n == *cap) && table_grow(r, tab, *n, cap, first)) return RSESS_ERR_NOMEM;
    (*tab)[(*n)++] = v;
    return 0;
}

static bool remember_at(reader *r, rsess_val *v, const unsigned char *start, size_t first);

static bool remember(reader *r, rsess_val *v)
{
    if (UNLIKELY(r->lookup)) return remember_at(r, v, NULL, r->nobjs);
    if (UNLIKELY(table_push(r, &r->objs, &r->nobjs, &r->objcap, r->objs0, v))) {
        nomem(r);
        return false;
    }
    return true;
}

/* r_long: a signed first byte; small values inline, else 1-4 bytes LE.
 * Negative multi-byte forms start from all ones (marshal.c r_long). */
static bool r_long_slow(reader *r, long *out);

/* Most longs are one byte 0x06..0x7f (1..122) or 0: read them inline. */
static inline bool r_long(reader *r, long *out)
{
    if (LIKELY(r->p < r->end)) {
        int c = *r->p;
        if (c >= 6 && c <= 0x7f) {
            r->p++;
            *out = c - 5;
            return true;
        }
        if (c == 0) {
            r->p++;
            *out = 0;
            return true;
        }
    }
    return r_long_slow(r, out);
}

static bool r_long_slow(reader *r, long *out)
{
    if (UNLIKELY(r->p >= r->end)) {
        fail(r, RSESS_ERR_TRUNCATED, r->p, "truncated data: expected a number");
        return false;
    }
    int c = (signed char)*r->p++;
    if (c == 0) {
        *out = 0;
    } else if (c > 4) {
        *out = c - 5;
    } else if (c < -4) {
        *out = c + 5;
    } else if (c > 0) {
        if (UNLIKELY(left(r) < (size_t)c)) {
            fail(r, RSESS_ERR_TRUNCATED, r->p - 1, "truncated number: %d bytes declared, %zu left", c,
                 left(r));
            return false;
        }
        unsigned long x = 0;
        for (int i = 0; i < c; i++) x |= (unsigned long)r->p[i] << (8 * i);
        r->p += c;
        *out = (long)x;
    } else {
        int n = -c;
        if (UNLIKELY(left(r) < (size_t)n)) {
            fail(r, RSESS_ERR_TRUNCATED, r->p - 1, "truncated number: %d bytes declared, %zu left", n,
                 left(r));
            return false;
        }
        long x = -1;
        for (int i = 0; i < n; i++) {
            x &= ~(0xffL << (8 * i));
            x |= (long)r->p[i] << (8 * i);
        }
        r->p += n;
        *out = x;
    }
    return true;
}

/* A length or count: non-negative, and (times min_bytes per element) no
 * more than the bytes left, checked before anything is allocated. */
static inline bool r_count(reader *r, const char *what, size_t min_bytes, const unsigned char *start, size_t *out)
{
    long n;
    if (!r_long(r, &n)) return false;
    if (UNLIKELY(n < 0)) {
        fail(r, RSESS_ERR_FORMAT, start, "negative %s size %ld", what, n);
        return false;
    }
    if (UNLIKELY((size_t)n * min_bytes > left(r))) { /* n < 2^31: no overflow; no division on the hot path */
        fail(r, RSESS_ERR_TRUNCATED, start, "truncated %s: %ld %s declared, %zu left", what, n,
             min_bytes == 1 ? "bytes" : "elements", left(r));
        return false;
    }
    *out = (size_t)n;
    return true;
}

static const char *r_bytes(reader *r, const char *what, const unsigned char *start, size_t *len)
{
    if (!r_count(r, what, 1, start, len)) return NULL;
    const char *s = (const char *)r->p;
    r->p += *len;
    return s;
}

static rsess_val *r_object(reader *r, bool ivwrap);
static bool r_ivars(reader *r, rsess_val *v, const unsigned char *start);

/* A symbol: ':' (new), ';' (link) or 'I:' (new, with encoding). */
static rsess_val *r_symbol(reader *r)
{
    const unsigned char *start = r->p;
    if (UNLIKELY(r->p >= r->end)) return fail(r, RSESS_ERR_TRUNCATED, r->p, "truncated data: expected a symbol");
    int t = *r->p++;
    bool ivar = false;
    if (t == 'I') {
        if (UNLIKELY(r->p >= r->end))
            return fail(r, RSESS_ERR_TRUNCATED, r->p, "truncated data: expected a symbol");
        t = *r->p++;
        if (t == ';') return fail(r, RSESS_ERR_FORMAT, start, "symbol link with encoding");
        ivar = true;
    }
    if (t == ';') {
        long idx;
        if (!r_long(r, &idx)) return NULL;
        if (UNLIKELY(idx < 0 || (size_t)idx >= r->nsyms))
            return fail(r, RSESS_ERR_SYMLINK, start, "symbol link %ld out of range (%zu symbols)", idx, r->nsyms);
        return r->syms[idx];
    }
    if (t != ':') return fail(r, RSESS_ERR_FORMAT, start, "expected a symbol, found byte 0x%02x", t);
    size_t len;
    const char *s = r_bytes(r, "symbol", start, &len);
    if (!s) return NULL;
    rsess_val *v = new_node(r, RSESS_SYMBOL);
    if (!v) return NULL;
    v->u.s.p = s;
    v->u.s.len = len;
    v->enc = rs_ascii_only(s, len) ? RSESS_ENC_USASCII : RSESS_ENC_BINARY;
    if (UNLIKELY(r->replay)) { /* defined when first read: the same symbol */
        uint32_t off = (uint32_t)(start - r->base);
        size_t lo = 0, hi = r->nsyms;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (r->symoff[mid] < off) lo = mid + 1;
            else hi = mid;
        }
        if (lo == r->nsyms || r->symoff[lo] != off) return fail(r, RSESS_ERR_FORMAT, start, "symbol not met before");
        if (ivar && !r_ivars(r, v, start)) return NULL;
        return r->syms[lo];
    }
    if (UNLIKELY(r->lookup)) {
        size_t cap = r->symcap;
        if (r->nsyms == cap || !r->symoff) return fail(r, RSESS_ERR_NODES, start, "too many symbols for a lookup");
        r->symoff[r->nsyms] = (uint32_t)(start - r->base);
    }
    /* The symbol takes its index before its encoding ivar's symbols. */
    if (table_push(r, &r->syms, &r->nsyms, &r->symcap, r->syms0, v)) return nomem(r);
    if (len == 1 && s[0] == 'E' && !r->sym_E) r->sym_E = v;
    if (ivar && !r_ivars(r, v, start)) return NULL;
    return v;
}

static bool is_sym(const rsess_val *s, const char *name)
{
    size_t n = strlen(name);
    return s->u.s.len == n && memcmp(s->u.s.p, name, n) == 0;
}

static bool enc_capable(const rsess_val *v)
{
    return v->type == RSESS_STRING || v->type == RSESS_REGEXP || v->type == RSESS_SYMBOL ||
           v->type == RSESS_USERDEF;
}

/* The count and (name, value) pairs after an 'I' object. E and encoding
 * set the encoding (Ruby accepts them only on encoding-capable objects);
 * everything else is kept in order. */
static bool r_ivars(reader *r, rsess_val *v, const unsigned char *start)
{
    /* The common case, a String's lone encoding flag: 06 ; idx T|F */
    if (r->sym_E && r->end - r->p >= 4 && r->p[0] == 0x06 && r->p[1] == ';' && v->type == RSESS_STRING &&
        (r->p[3] == 'T' || r->p[3] == 'F') && (r->p[2] == 0 || (r->p[2] >= 6 && r->p[2] <= 0x7f)) &&
        (size_t)(r->p[2] ? r->p[2] - 5 : 0) < r->nsyms && r->syms[r->p[2] ? r->p[2] - 5 : 0] == r->sym_E) {
        v->enc = r->p[3] == 'T' ? RSESS_ENC_UTF8 : RSESS_ENC_USASCII;
        r->p += 4;
        return true;
    }
    /* ... and the first one, which defines :E: 06 : 06 E T|F */
    if (!r->sym_E && r->end - r->p >= 5 && r->p[0] == 0x06 && r->p[1] == ':' && r->p[2] == 0x06 && r->p[3] == 'E' &&
        (r->p[4] == 'T' || r->p[4] == 'F') && v->type == RSESS_STRING) {
        if (UNLIKELY(r->lookup)) { /* offsets to keep: the general path */
            r->p++;
            if (!r_symbol(r)) return false;
        } else { /* define :E here, as r_symbol would */
            rsess_val *e = new_node(r, RSESS_SYMBOL);
            if (!e) return false;
            if (table_push(r, &r->syms, &r->nsyms, &r->symcap, r->syms0, e)) {
                nomem(r);
                return false;
            }
            e->u.s.p = (const char *)r->p + 3;
            e->u.s.len = 1;
            e->enc = RSESS_ENC_USASCII;
            r->sym_E = e;
            r->p += 4;
        }
        v->enc = *r->p++ == 'T' ? RSESS_ENC_UTF8 : RSESS_ENC_USASCII;
        return true;
    }
    size_t n;
    if (!r_count(r, "ivar list", 2, start, &n)) return false;
    if (UNLIKELY(++r->depth > r->max_depth)) {
        fail(r, RSESS_ERR_DEPTH, start, "nesting deeper than %zu", r->max_depth);
        return false;
    }
    bool have_enc = false;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *at = r->p;
        rsess_val *name = r_symbol(r);
        if (!name) return false;
        rsess_val *val = r_object(r, false);
        if (!val) return false;
        bool is_e = is_sym(name, "E"), is_encoding = !is_e && is_sym(name, "encoding");
        if (is_e || is_encoding) {
            if (UNLIKELY(!enc_capable(v) || have_enc)) {
                fail(r, RSESS_ERR_ENCODING, at, "%s encoding ivar on a %s", have_enc ? "second" : "an",
                     rsess_type_name((rsess_type)v->type));
                return false;
            }
            have_enc = true;
            if (is_e) {
                if (UNLIKELY(val->type != RSESS_TRUE && val->type != RSESS_FALSE)) {
                    fail(r, RSESS_ERR_ENCODING, at, "encoding flag E is not true or false");
                    return false;
                }
                v->enc = val->type == RSESS_TRUE ? RSESS_ENC_UTF8 : RSESS_ENC_USASCII;
            } else {
                if (UNLIKELY(val->type != RSESS_STRING || val->u.s.len == 0 || val->u.s.len > 64)) {
                    fail(r, RSESS_ERR_ENCODING, at, "encoding name is not a String");
                    return false;
                }
                struct rsess_extra *x = rs_extra(r->doc, v);
                if (!x) {
                    nomem(r);
                    return false;
                }
                x->encname = val;
                v->enc = RSESS_ENC_OTHER; /* the name String kept as written: later ones link to it */
            }
            continue;
        }
        if (UNLIKELY(v->type == RSESS_SYMBOL)) {
            fail(r, RSESS_ERR_FORMAT, at, "symbol with an instance variable other than its encoding");
            return false;
        }
        struct rsess_extra *x = rs_extra(r->doc, v);
        if (!x || rs_pairs_push(r->doc, &x->iv, &x->niv, &x->ivcap, name, val, 2)) {
            nomem(r);
            return false;
        }
    }
    r->depth--;
    return true;
}

/* Decimal text to double without strtod when the result is exact by
 * construction: at most 19 digits (15 when a power of ten multiplies them,
 * as Clinger's fast path needs an exactly representable mantissa under
 * 2^53) and a power of ten up to 22. Returns false to fall back. */
static bool fast_float(const char *s, size_t len, double *out)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    size_t i = 0;
    bool neg = false;
    if (i < len && s[i] == '-') neg = true, i++;
    uint64_t m = 0;
    int digits = 0, frac = 0;
    bool dot = false, any = false;
    for (; i < len; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            any = true;
            if (m == 0 && c == '0' && !dot) continue;
            if (++digits > 19) return false;
            m = m * 10 + (uint64_t)(c - '0');
            if (dot) frac++;
        } else if (c == '.' && !dot) {
            dot = true;
            if (m == 0) { /* leading zeros after the point still count as decimals */
                while (i + 1 < len && s[i + 1] == '0') i++, frac++;
            }
        } else {
            break;
        }
    }
    if (!any) return false;
    int e = 0;
    if (i < len) {
        if (s[i] != 'e' && s[i] != 'E') return false;
        i++;
        bool eneg = false;
        if (i < len && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
        if (i == len) return false;
        for (; i < len; i++) {
            if (s[i] < '0' || s[i] > '9' || e > 1000) return false;
            e = e * 10 + (s[i] - '0');
        }
        if (eneg) e = -e;
    }
    e -= frac;
    if (m >= (1ULL << 53) || e > 22 || e < -22) return false;
    double d = (double)m;
    d = e >= 0 ? d * p10[e] : d / p10[-e];
    *out = neg ? -d : d;
    return true;
}

static rsess_val *r_float(reader *r, const unsigned char *start)
{
    size_t len;
    const char *s = r_bytes(r, "float", start, &len);
    if (!s) return NULL;
    rsess_val *v = new_node(r, RSESS_FLOAT);
    if (!v) return NULL;
    if (len == 3 && memcmp(s, "nan", 3) == 0) v->u.f = NAN;
    else if (len == 3 && memcmp(s, "inf", 3) == 0) v->u.f = INFINITY;
    else if (len == 4 && memcmp(s, "-inf", 4) == 0) v->u.f = -INFINITY;
    else if (fast_float(s, len, &v->u.f)) {
        /* exact: the common case */
    } else {
        char tmp[352];
        if (len == 0 || len >= sizeof tmp) return fail(r, RSESS_ERR_FLOAT, start, "float text of %zu bytes", len);
        memcpy(tmp, s, len);
        tmp[len] = 0;
        /* Only decimal text: strtod would also take "0x1p3", "infinity"... */
        for (size_t i = 0; i < len; i++) {
            char c = tmp[i];
            if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+'))
                return fail(r, RSESS_ERR_FLOAT, start, "bad float text \"%.*s\"", (int)(len > 40 ? 40 : len), s);
        }
        char *e;
        v->u.f = strtod(tmp, &e);
        if (e != tmp + len) return fail(r, RSESS_ERR_FLOAT, start, "bad float text \"%.*s\"", (int)(len > 40 ? 40 : len), s);
    }
    return remember(r, v) ? v : NULL;
}

static rsess_val *r_bignum(reader *r, const unsigned char *start)
{
    if (UNLIKELY(r->p >= r->end)) return fail(r, RSESS_ERR_TRUNCATED, r->p, "truncated bignum: no sign byte");
    bool neg = *r->p++ == '-';
    size_t shorts;
    if (!r_count(r, "bignum", 2, start, &shorts)) return NULL;
    const unsigned char *mag = r->p;
    size_t len = shorts * 2;
    r->p += len;
    size_t sig = len;
    while (sig && mag[sig - 1] == 0) sig--;
    rsess_val *v;
    uint64_t u = 0;
    if (sig <= 8) {
        for (size_t i = 0; i < sig; i++) u |= (uint64_t)mag[i] << (8 * i);
    }
    if (sig <= 8 && (neg ? u <= (uint64_t)INT64_MAX + 1 : u <= (uint64_t)INT64_MAX)) {
        v = new_node(r, RSESS_INT);
        if (!v) return NULL;
        v->u.i = neg ? (int64_t)(0 - u) : (int64_t)u;
    } else {
        v = new_node(r, RSESS_BIGNUM);
        if (!v) return NULL;
        v->u.s.p = (const char *)mag;
        v->u.s.len = len;
        v->enc = RSESS_ENC_BINARY;
        if (neg) v->flags |= F_NEGATIVE;
    }
    /* Every 'l' takes an object index, linkable or not (marshal.c). */
    return remember(r, v) ? v : NULL;
}

static rsess_val *r_seq(reader *r, rsess_val *v, size_t n, int width)
{
    if (n) {
        v->u.c.k = rs_arena_alloc(&r->doc->arena, n * (size_t)width * sizeof *v->u.c.k);
        if (!v->u.c.k) return nomem(r);
    }
    v->u.c.n = v->u.c.cap = (uint32_t)n;
    for (size_t i = 0; i < n * (size_t)width; i++) {
        rsess_val *c = (width == 2 && (v->type == RSESS_OBJECT || v->type == RSESS_STRUCT) && i % 2 == 0)
                           ? r_symbol(r)
                           : r_object(r, false);
        if (!c) return NULL;
        v->u.c.k[i] = c;
    }
    return v;
}

static rsess_val *r_classed(reader *r, int type, const unsigned char *start, int width, const char *what)
{
    rsess_val *v = new_node(r, type);
    if (!v || !remember(r, v)) return NULL;
    v->cls = r_symbol(r);
    if (!v->cls) return NULL;
    if (width == 0) { /* U, d: one dumped object */
        v->u.one = r_object(r, false);
        return v->u.one ? v : NULL;
    }
    size_t n;
    if (!r_count(r, what, 2, start, &n)) return NULL;
    if (n > UINT32_MAX / 2) return fail(r, RSESS_ERR_RANGE, start, "%s too large", what);
    return r_seq(r, v, n, 2);
}

/* 'e' prefixes: module symbols, then the extended object. */
static rsess_val *r_extended(reader *r, bool ivwrap, const unsigned char *start)
{
    rsess_val *mods[16];
    size_t n = 0;
    r->p--;
    while (r->p < r->end && *r->p == 'e') {
        r->p++;
        if (n == sizeof mods / sizeof mods[0])
            return fail(r, RSESS_ERR_FORMAT, start, "more than %zu extended modules", n);
        if (!(mods[n++] = r_symbol(r))) return NULL;
    }
    if (r->p < r->end && (*r->p == '@' || *r->p == ':' || *r->p == ';'))
        return fail(r, RSESS_ERR_FORMAT, start, "extended link or symbol");
    rsess_val *v = r_object(r, ivwrap);
    if (!v) return NULL;
    if (v->type <= RSESS_INT || (v->x && v->x->next))
        return fail(r, RSESS_ERR_FORMAT, start, "extended %s", rsess_type_name((rsess_type)v->type));
    struct rsess_extra *x = rs_extra(r->doc, v);
    if (!x) return nomem(r);
    for (size_t i = 0; i < n; i++)
        if (rs_pairs_push(r->doc, &x->ext, &x->next, &x->extcap, mods[i], NULL, 1)) return nomem(r);
    return v;
}

/* 'C': a user subclass of String, Regexp, Array or Hash; "C:Hash" before a
 * hash is Ruby's marker for compare_by_identity (marshal.c). */
static rsess_val *r_uclass(reader *r, bool ivwrap, const unsigned char *start)
{
    rsess_val *cls = r_symbol(r);
    if (!cls) return NULL;
    if (r->p < r->end && (*r->p == '{' || *r->p == '}') && is_sym(cls, "Hash")) {
        rsess_val *h = r_object(r, ivwrap);
        if (h) h->flags |= F_IDENTITY;
        return h;
    }
    if (r->p < r->end && (*r->p == '@' || *r->p == ':' || *r->p == ';'))
        return fail(r, RSESS_ERR_FORMAT, start, "user class on a link or symbol");
    rsess_val *v = r_object(r, ivwrap);
    if (!v) return NULL;
    if ((v->type != RSESS_STRING && v->type != RSESS_REGEXP && v->type != RSESS_ARRAY &&
         v->type != RSESS_HASH) ||
        (v->x && v->x->uclass))
        return fail(r, RSESS_ERR_FORMAT, start, "user class on a %s", rsess_type_name((rsess_type)v->type));
    struct rsess_extra *x = rs_extra(r->doc, v);
    if (!x) return nomem(r);
    x->uclass = cls;
    return v;
}

static rsess_val *r_ivar_wrapped(reader *r, const unsigned char *start)
{
    if (r->p < r->end && *r->p == ':') { /* a symbol with an encoding */
        r->p--;
        return r_symbol(r);
    }
    if (r->p < r->end && (*r->p == '@' || *r->p == ';' || *r->p == 'I'))
        return fail(r, RSESS_ERR_FORMAT, start, "instance variables on a link");
    rsess_val *v = r_object(r, true);
    if (!v) return NULL;
    if (v->type <= RSESS_INT || v->type == RSESS_SYMBOL)
        return fail(r, RSESS_ERR_FORMAT, start, "instance variables on a %s", rsess_type_name((rsess_type)v->type));
    if (!r_ivars(r, v, start)) return NULL;
    /* '_dump' objects enter the table after their ivars (marshal.c). */
    if (v->type == RSESS_USERDEF && !remember(r, v)) return NULL;
    return v;
}

static rsess_val *materialize(reader *r, size_t i);

static rsess_val *r_object(reader *r, bool ivwrap)
{
    const unsigned char *start = r->p;
    if (UNLIKELY(r->p >= r->end)) return fail(r, RSESS_ERR_TRUNCATED, r->p, "truncated data: expected a value");
    if (UNLIKELY(++r->depth > r->max_depth))
        return fail(r, RSESS_ERR_DEPTH, start, "nesting deeper than %zu", r->max_depth);
    int t = *r->p++;
    rsess_val *v = NULL;
    size_t n;
    long l;
    switch (t) {
    case '0': v = r->nil ? r->nil : (r->nil = new_node(r, RSESS_NIL)); break;
    case 'T': v = r->tru ? r->tru : (r->tru = new_node(r, RSESS_TRUE)); break;
    case 'F': v = r->fals ? r->fals : (r->fals = new_node(r, RSESS_FALSE)); break;
    case 'i':
        if (!r_long(r, &l)) return NULL;
        if ((v = new_node(r, RSESS_INT))) v->u.i = l;
        break;
    case 'l': v = r_bignum(r, start); break;
    case 'f': v = r_float(r, start); break;
    case ':': case ';':
        r->p--;
        v = r_symbol(r);
        break;
    case '"': case '/': case 'c': case 'm': case 'M': {
        const char *what = t == '"' ? "string" : t == '/' ? "regexp" : "class path";
        const char *s = r_bytes(r, what, start, &n);
        if (!s) return NULL;
        int type = t == '"' ? RSESS_STRING : t == '/' ? RSESS_REGEXP : t == 'c' ? RSESS_CLASS
                   : t == 'm' ? RSESS_MODULE : RSESS_OLDMODULE;
        if (!(v = new_node(r, type))) return NULL;
        v->u.s.p = s;
        v->u.s.len = n;
        v->enc = RSESS_ENC_BINARY; /* until an encoding ivar says otherwise */
        if (t == '/') {
            if (r->p >= r->end) return fail(r, RSESS_ERR_TRUNCATED, r->p, "truncated regexp: no options byte");
            v->opts = *r->p++;
        }
        if (!remember(r, v)) return NULL;
        break;
    }
    case '[': case '{': case '}': {
        int width = t == '[' ? 1 : 2;
        if (!r_count(r, t == '[' ? "array" : "hash", (size_t)width, start, &n)) return NULL;
        if (n > UINT32_MAX / 2) return fail(r, RSESS_ERR_RANGE, start, "container too large");
        if (!(v = new_node(r, t == '[' ? RSESS_ARRAY : RSESS_HASH)) || !remember(r, v)) return NULL;
        if (!r_seq(r, v, n, width)) return NULL;
        if (t == '}') {
            rsess_val *d = r_object(r, false);
            struct rsess_extra *x = d ? rs_extra(r->doc, v) : NULL;
            if (!d) return NULL;
            if (!x) return nomem(r);
            x->dflt = d;
            v->flags |= F_DEFAULT;
        }
        break;
    }
    case 'o': v = r_classed(r, RSESS_OBJECT, start, 2, "object"); break;
    case 'S': v = r_classed(r, RSESS_STRUCT, start, 2, "struct"); break;
    case 'U': v = r_classed(r, RSESS_USERMARSHAL, start, 0, NULL); break;
    case 'd': v = r_classed(r, RSESS_DATA, start, 0, NULL); break;
    case 'u': {
        rsess_val *cls = r_symbol(r);
        if (!cls) return NULL;
        const char *s = r_bytes(r, "_dump data", start, &n);
        if (!s || !(v = new_node(r, RSESS_USERDEF))) return NULL;
        v->cls = cls;
        v->u.s.p = s;
        v->u.s.len = n;
        v->enc = RSESS_ENC_BINARY;
        if (!ivwrap && !remember(r, v)) return NULL;
        break;
    }
    case '@':
        if (!r_long(r, &l)) return NULL;
        if (l < 0 || (size_t)l >= r->nobjs)
            return fail(r, RSESS_ERR_LINK, start, "object link %ld out of range (%zu objects so far)", l, r->nobjs);
        v = r->objs[l] ? r->objs[l] : materialize(r, (size_t)l);
        break;
    case 'I':
        if (r->p < r->end && *r->p == '"') { /* I"...: a String and its encoding, the commonest pair */
            r->p++;
            const char *sb = r_bytes(r, "string", start + 1, &n);
            if (!sb || !(v = new_node(r, RSESS_STRING))) return NULL;
            v->u.s.p = sb;
            v->u.s.len = n;
            if (!remember(r, v) || !r_ivars(r, v, start)) return NULL;
            break;
        }
        v = r_ivar_wrapped(r, start);
        break;
    case 'e': v = r_extended(r, ivwrap, start); break;
    case 'C': v = r_uclass(r, ivwrap, start); break;
    default: return fail(r, RSESS_ERR_TYPE, start, "unknown type byte 0x%02x", t);
    }
    if (v) r->depth--;
    else if (!r->code) nomem(r);
    return v;
}

rsess_doc *rsess_read(const void *data, size_t len, const rsess_read_opts *opts, rsess_err *err)
{
    rs_ok(err);
    static const rsess_read_opts defaults;
    if (!opts) opts = &defaults;
    if (!data && len) {
        rs_fail(err, RSESS_ERR_ARG, 0, "no input");
        return NULL;
    }
    size_t max_input = opts->limits.max_input ? opts->limits.max_input : RSESS_DEFAULT_MAX_INPUT;
    if (len > max_input) {
        rs_fail(err, RSESS_ERR_SIZE, 0, "input of %zu bytes is over the limit of %zu", len, max_input);
        return NULL;
    }
    bool borrow = opts->flags & RSESS_READ_BORROW;
    /* One block: document, a copy of the input, and room for the nodes. */
    size_t guess = len * 6 + 256;
    rsess_doc *doc = rs_doc_create(opts->alloc, (borrow ? 0 : len) + guess);
    if (!doc) {
        rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
        return NULL;
    }
    const unsigned char *in = data;
    if (!borrow && len) {
        unsigned char *copy = rs_arena_alloc(&doc->arena, len);
        memcpy(copy, data, len);
        in = copy;
    }
    reader r;
    memset(&r, 0, offsetof(reader, objs0));
    r.objs = r.objs0;
    r.syms = r.syms0;
    r.objcap = r.symcap = STACK_TABLE;
    r.base = r.p = in;
    r.end = in + len;
    r.doc = doc;
    r.alloc = &doc->allocv;
    r.err = err;
    r.max_depth = opts->limits.max_depth ? opts->limits.max_depth : RSESS_DEFAULT_MAX_DEPTH;
    r.max_nodes = opts->limits.max_nodes ? opts->limits.max_nodes : RSESS_DEFAULT_MAX_NODES;
    rsess_val *root = NULL;
    if (len < 2) {
        fail(&r, len ? RSESS_ERR_TRUNCATED : RSESS_ERR_TRUNCATED, r.end, "truncated data: %s",
             len ? "no Marshal version" : "empty input");
    } else if (in[0] != 4 || in[1] > 8) {
        fail(&r, RSESS_ERR_VERSION, in, "not Marshal 4.8: starts with %02x %02x", in[0], in[1]);
    } else {
        r.p += 2;
        root = r_object(&r, false);
        if (root && r.p != r.end && !(opts->flags & RSESS_READ_ALLOW_TRAILING)) {
            fail(&r, RSESS_ERR_TRAILING, r.p, "trailing bytes: %zu after the value", left(&r));
            root = NULL;
        }
    }
    if (r.objs != r.objs0) rs_free(r.alloc, r.objs, r.objcap * sizeof *r.objs);
    if (r.syms != r.syms0) rs_free(r.alloc, r.syms, r.symcap * sizeof *r.syms);
    if (!root) {
        if (!r.code) rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
        rsess_doc_free(doc);
        return NULL;
    }
    doc->root = root;
    doc->consumed = (size_t)(r.p - r.base);
    return doc;
}

/* --- one top-level key without the whole tree -------------------------------
 * The lookup reads the top-level hash's keys as nodes and *skips* the other
 * values: s_object() follows the grammar without building anything, but
 * keeps Ruby's symbol and object tables (skipped objects are placeholders
 * that remember where they start). When the wanted value links to a
 * skipped object, materialize() parses it there. */

static bool remember_at(reader *r, rsess_val *v, const unsigned char *start, size_t first)
{
    if (r->nobjs == r->objcap) return fail(r, RSESS_ERR_NODES, r->p, "too many objects for a lookup"), false;
    if (start && !r->replay) {
        r->objoff[r->nobjs] = (uint32_t)(start - r->base);
        r->objstart[r->nobjs] = (uint32_t)first;
    }
    r->objs[r->nobjs++] = v;
    return true;
}

static bool s_object(reader *r, bool ivwrap);

static bool s_ivars(reader *r, const unsigned char *start)
{
    size_t n;
    if (!r_count(r, "ivar list", 2, start, &n)) return false;
    for (size_t i = 0; i < n; i++)
        if (!r_symbol(r) || !s_object(r, false)) return false;
    return true;
}

static bool s_object(reader *r, bool ivwrap)
{
    const unsigned char *start = r->p;
    size_t first = r->nobjs, n;
    long l;
    if (UNLIKELY(r->p >= r->end)) return fail(r, RSESS_ERR_TRUNCATED, r->p, "truncated data: expected a value"), false;
    if (UNLIKELY(++r->depth > r->max_depth)) return fail(r, RSESS_ERR_DEPTH, start, "nesting deeper than %zu", r->max_depth), false;
    int t = *r->p++;
    bool ok = true;
    switch (t) {
    case '0': case 'T': case 'F': break;
    case 'i': ok = r_long(r, &l); break;
    case 'l':
        if (r->p >= r->end) return fail(r, RSESS_ERR_TRUNCATED, r->p, "truncated bignum: no sign byte"), false;
        r->p++;
        ok = r_count(r, "bignum", 2, start, &n) && remember_at(r, NULL, start, first);
        if (ok) r->p += 2 * n;
        break;
    case 'f': case '"': case '/': case 'c': case 'm': case 'M':
        ok = r_bytes(r, "string", start, &n) != NULL && remember_at(r, NULL, start, first);
        if (ok && t == '/') {
            if (r->p >= r->end) return fail(r, RSESS_ERR_TRUNCATED, r->p, "truncated regexp: no options byte"), false;
            r->p++;
        }
        break;
    case ':': case ';':
        r->p--;
        ok = r_symbol(r) != NULL;
        break;
    case '[': case '{': case '}': {
        int width = t == '[' ? 1 : 2;
        ok = r_count(r, t == '[' ? "array" : "hash", (size_t)width, start, &n) && remember_at(r, NULL, start, first);
        for (size_t i = 0; ok && i < n * (size_t)width; i++) ok = s_object(r, false);
        if (ok && t == '}') ok = s_object(r, false);
        break;
    }
    case 'o': case 'S':
        ok = remember_at(r, NULL, start, first) && r_symbol(r) && r_count(r, "object", 2, start, &n);
        for (size_t i = 0; ok && i < n; i++) ok = r_symbol(r) && s_object(r, false);
        break;
    case 'U': case 'd': ok = remember_at(r, NULL, start, first) && r_symbol(r) && s_object(r, false); break;
    case 'u':
        ok = r_symbol(r) && r_bytes(r, "_dump data", start, &n) && (ivwrap || remember_at(r, NULL, start, first));
        break;
    case '@':
        ok = r_long(r, &l);
        if (ok && (l < 0 || (size_t)l >= r->nobjs))
            return fail(r, RSESS_ERR_LINK, start, "object link %ld out of range (%zu objects so far)", l, r->nobjs), false;
        break;
    case 'I': {
        bool user = r->p < r->end && *r->p == 'u';
        ok = s_object(r, true) && s_ivars(r, start);
        if (ok && user) ok = remember_at(r, NULL, start, first); /* after its ivars */
        break;
    }
    case 'e': case 'C': ok = r_symbol(r) && s_object(r, ivwrap); break;
    default: return fail(r, RSESS_ERR_TYPE, start, "unknown type byte 0x%02x", t), false;
    }
    r->depth--;
    return ok && !r->code;
}

/* Parses skipped object i where it starts, registering from where its
 * registration started, then goes back to where the parse was. */
static rsess_val *materialize(reader *r, size_t i)
{
    if (!r->lookup || r->replay) return fail(r, RSESS_ERR_LINK, r->p, "link to a value not built"); /* cannot happen */
    const unsigned char *p = r->p;
    size_t n = r->nobjs;
    r->p = r->base + r->objoff[i];
    r->nobjs = r->objstart[i];
    r->replay = true;
    rsess_val *v = r_object(r, false);
    r->replay = false;
    r->p = p;
    r->nobjs = n;
    if (v && !r->objs[i]) r->objs[i] = v;
    return v ? r->objs[i] : NULL;
}

static bool key_is(const rsess_val *k, const char *key, size_t keylen)
{
    return k && (k->type == RSESS_STRING || k->type == RSESS_SYMBOL) && k->u.s.len == keylen &&
           (keylen == 0 || memcmp(k->u.s.p, key, keylen) == 0);
}

rsess_doc *rs_lookup_marshal(const unsigned char *data, size_t len, const char *key, size_t keylen,
                             const rsess_read_opts *opts, rsess_err *err)
{
    rs_ok(err);
    if (!data || len < 2) {
        rs_fail(err, RSESS_ERR_TRUNCATED, len, "truncated data: no Marshal version");
        return NULL;
    }
    if (data[0] != 4 || data[1] > 8) {
        rs_fail(err, RSESS_ERR_VERSION, 0, "not Marshal 4.8: starts with %02x %02x", data[0], data[1]);
        return NULL;
    }
    rsess_doc *doc = rs_doc_create(opts ? opts->alloc : NULL, len + 256);
    if (!doc) {
        rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
        return NULL;
    }
    unsigned char *in = rs_arena_alloc(&doc->arena, len);
    memcpy(in, data, len);
    reader r;
    memset(&r, 0, offsetof(reader, objs0));
    /* every object and symbol takes at least 2 bytes: len/2 + 1 entries suffice */
    size_t cap = len / 2 + 1;
    r.alloc = &doc->allocv;
    r.objs = rs_malloc(r.alloc, cap * sizeof *r.objs);
    r.objoff = rs_malloc(r.alloc, cap * sizeof *r.objoff);
    r.objstart = rs_malloc(r.alloc, cap * sizeof *r.objstart);
    r.syms = rs_malloc(r.alloc, cap * sizeof *r.syms);
    r.symoff = rs_malloc(r.alloc, cap * sizeof *r.symoff);
    r.objcap = r.symcap = cap;
    r.lookup = true;
    r.base = in;
    r.p = in + 2;
    r.end = in + len;
    r.doc = doc;
    r.err = err;
    r.max_depth = opts && opts->limits.max_depth ? opts->limits.max_depth : RSESS_DEFAULT_MAX_DEPTH;
    r.max_nodes = opts && opts->limits.max_nodes ? opts->limits.max_nodes : RSESS_DEFAULT_MAX_NODES;
    rsess_val *found = NULL;
    bool missing = false;
    if (!r.objs || !r.objoff || !r.objstart || !r.syms || !r.symoff) {
        nomem(&r);
    } else {
        /* the top level: a Hash, maybe a subclass (HWIA) or with a default */
        const unsigned char *start = r.p;
        while (r.p < r.end && (*r.p == 'C' || *r.p == 'I')) {
            if (*r.p == 'C') {
                r.p++;
                if (!r_symbol(&r)) break;
            } else {
                r.p++;
            }
        }
        size_t n = 0;
        if (!r.code && (r.p >= r.end || (*r.p != '{' && *r.p != '}'))) {
            fail(&r, RSESS_ERR_VALUE, start, "not a Hash: a lookup needs the session Hash");
        } else if (!r.code) {
            r.p++;
            if (r_count(&r, "hash", 2, start, &n) && remember_at(&r, NULL, start, 0)) {
                for (size_t i = 0; i < n && !r.code; i++) {
                    rsess_val *k = r_object(&r, false);
                    if (!k) break;
                    if (key_is(k, key, keylen)) {
                        found = r_object(&r, false);
                        break;
                    }
                    if (!s_object(&r, false)) break;
                }
                if (!found && !r.code) missing = true;
            }
        }
    }
    rs_free(r.alloc, r.objs, cap * sizeof *r.objs);
    rs_free(r.alloc, r.objoff, cap * sizeof *r.objoff);
    rs_free(r.alloc, r.objstart, cap * sizeof *r.objstart);
    rs_free(r.alloc, r.syms, cap * sizeof *r.syms);
    rs_free(r.alloc, r.symoff, cap * sizeof *r.symoff);
    if (!found) {
        if (missing) rs_fail(err, RSESS_ERR_NOT_FOUND, 0, "no key \"%.*s\" in the session", (int)(keylen > 60 ? 60 : keylen), key);
        else if (!r.code) rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
        rsess_doc_free(doc);
        return NULL;
    }
    doc->root = found;
    doc->consumed = (size_t)(r.p - r.base);
    return doc;
}

/* --- a pull reader: walk Marshal bytes, building only what is asked for -----
 * The same reader in lookup mode: skipped values are placeholders in the
 * object table (links from built values into them are resolved on demand),
 * read values are nodes in the cursor's own document. */
typedef struct cframe {
    size_t left;  /* values still to come at this level */
    bool ivars;   /* an 'I' wrapper: ivars follow the items */
} cframe;

struct rsess_cursor {
    rsess_doc *doc;
    rsess_err last; /* the reader's first error (errors are sticky) */
    size_t cap;
    cframe *stack;
    size_t depth;
    reader r; /* last: its stack tables are not zeroed */
};

void rsess_cursor_free(rsess_cursor *c)
{
    if (!c) return;
    const rsess_alloc *a = c->r.alloc;
    rs_free(a, c->r.objs, c->cap * sizeof *c->r.objs);
    rs_free(a, c->r.objoff, c->cap * sizeof *c->r.objoff);
    rs_free(a, c->r.objstart, c->cap * sizeof *c->r.objstart);
    rs_free(a, c->r.syms, c->cap * sizeof *c->r.syms);
    rs_free(a, c->r.symoff, c->cap * sizeof *c->r.symoff);
    rs_free(a, c->stack, (c->r.max_depth + 2) * sizeof *c->stack);
    rsess_doc *doc = c->doc;
    rs_free(a, c, sizeof *c);
    rsess_doc_free(doc);
}

rsess_cursor *rsess_cursor_new(const void *data, size_t len, const rsess_read_opts *opts, rsess_err *err)
{
    rs_ok(err);
    const unsigned char *d = data;
    size_t max_input = opts && opts->limits.max_input ? opts->limits.max_input : RSESS_DEFAULT_MAX_INPUT;
    if ((!d && len) || len > max_input) {
        rs_fail(err, d || !len ? RSESS_ERR_SIZE : RSESS_ERR_ARG, 0, "input missing or over the size limit");
        return NULL;
    }
    if (len < 2 || d[0] != 4 || d[1] > 8) {
        rs_fail(err, len < 2 ? RSESS_ERR_TRUNCATED : RSESS_ERR_VERSION, len < 2 ? len : 0, "not Marshal 4.8 data");
        return NULL;
    }
    rsess_doc *doc = rs_doc_create(opts ? opts->alloc : NULL, len + 256);
    rsess_cursor *c = doc ? rs_malloc(&doc->allocv, sizeof *c) : NULL;
    if (!c) {
        rsess_doc_free(doc);
        rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
        return NULL;
    }
    memset(c, 0, offsetof(rsess_cursor, r) + offsetof(reader, objs0));
    c->doc = doc;
    reader *r = &c->r;
    unsigned char *in = rs_arena_alloc(&doc->arena, len);
    memcpy(in, d, len);
    c->cap = len / 2 + 1; /* every object and symbol takes 2 bytes at least */
    r->alloc = &doc->allocv;
    r->max_depth = opts && opts->limits.max_depth ? opts->limits.max_depth : RSESS_DEFAULT_MAX_DEPTH;
    r->max_nodes = opts && opts->limits.max_nodes ? opts->limits.max_nodes : RSESS_DEFAULT_MAX_NODES;
    r->objs = rs_malloc(r->alloc, c->cap * sizeof *r->objs);
    r->objoff = rs_malloc(r->alloc, c->cap * sizeof *r->objoff);
    r->objstart = rs_malloc(r->alloc, c->cap * sizeof *r->objstart);
    r->syms = rs_malloc(r->alloc, c->cap * sizeof *r->syms);
    r->symoff = rs_malloc(r->alloc, c->cap * sizeof *r->symoff);
    c->stack = rs_malloc(r->alloc, (r->max_depth + 2) * sizeof *c->stack);
    if (!r->objs || !r->objoff || !r->objstart || !r->syms || !r->symoff || !c->stack) {
        rsess_cursor_free(c);
        rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
        return NULL;
    }
    r->objcap = r->symcap = c->cap;
    r->err = &c->last;
    r->lookup = true;
    r->base = in;
    r->p = in + 2;
    r->end = in + len;
    r->doc = doc;
    c->stack[0].left = 1; /* the root */
    c->stack[0].ivars = false;
    return c;
}

static int cursor_fail(rsess_cursor *c, rsess_err *err)
{
    if (err) *err = c->last;
    return c->r.code ? c->r.code : RSESS_ERR_STATE;
}

/* Steps over a symbol's bytes without defining it (for peeking). */
static bool peek_symbol(const unsigned char **p, const unsigned char *end)
{
    if (*p >= end) return false;
    int t = **p;
    if (t == 'I') return false; /* an encoded class name: give up peeking */
    if (t != ':' && t != ';') return false;
    (*p)++;
    if (*p >= end) return false;
    int b = (signed char)**p;
    (*p)++;
    long n;
    if (b == 0) n = 0;
    else if (b > 4) n = b - 5;
    else if (b < -4) n = b + 5;
    else return false; /* multi-byte lengths: rare for names; not peeked */
    if (t == ';') return true;
    if (n < 0 || n > end - *p) return false;
    *p += n;
    return true;
}

rsess_type rsess_cursor_type(const rsess_cursor *c)
{
    if (!c || c->r.code || c->stack[c->depth].left == 0) return RSESS_NONE;
    const unsigned char *p = c->r.p, *end = c->r.end;
    while (p < end && (*p == 'I' || *p == 'e' || *p == 'C')) {
        int t = *p++;
        if (t != 'I' && !peek_symbol(&p, end)) return RSESS_NONE;
    }
    if (p >= end) return RSESS_NONE;
    switch (*p) {
    case '0': return RSESS_NIL;
    case 'T': return RSESS_TRUE;
    case 'F': return RSESS_FALSE;
    case 'i': case 'l': return RSESS_INT; /* 'l' may turn out a bignum */
    case 'f': return RSESS_FLOAT;
    case '"': return RSESS_STRING;
    case ':': case ';': return RSESS_SYMBOL;
    case '/': return RSESS_REGEXP;
    case '[': return RSESS_ARRAY;
    case '{': case '}': return RSESS_HASH;
    case 'o': return RSESS_OBJECT;
    case 'S': return RSESS_STRUCT;
    case 'u': return RSESS_USERDEF;
    case 'U': return RSESS_USERMARSHAL;
    case 'd': return RSESS_DATA;
    case 'c': return RSESS_CLASS;
    case 'm': return RSESS_MODULE;
    case 'M': return RSESS_OLDMODULE;
    default: return RSESS_NONE; /* a link ('@'): read it to know */
    }
}

static size_t enter_fail(rsess_cursor *c, rsess_err *err)
{
    cursor_fail(c, err);
    return 0;
}

static int cursor_taken(rsess_cursor *c)
{
    c->stack[c->depth].left--;
    return 0;
}

int rsess_cursor_skip(rsess_cursor *c, rsess_err *err)
{
    if (!c) return RSESS_ERR_ARG;
    if (c->r.code) return cursor_fail(c, err);
    if (c->stack[c->depth].left == 0) return rs_fail(err, RSESS_ERR_STATE, 0, "no value here: the container ends");
    if (!s_object(&c->r, false)) return cursor_fail(c, err);
    return cursor_taken(c);
}

rsess_val *rsess_cursor_read(rsess_cursor *c, rsess_err *err)
{
    if (!c || c->r.code) return NULL;
    if (c->stack[c->depth].left == 0) {
        rs_fail(err, RSESS_ERR_STATE, 0, "no value here: the container ends");
        return NULL;
    }
    rsess_val *v = r_object(&c->r, false);
    if (v) cursor_taken(c);
    else cursor_fail(c, err);
    return v;
}

size_t rsess_cursor_enter(rsess_cursor *c, rsess_err *err)
{
    if (!c) return 0;
    if (c->r.code) return enter_fail(c, err);
    reader *r = &c->r;
    rsess_type ty = rsess_cursor_type(c);
    if (ty != RSESS_ARRAY && ty != RSESS_HASH) { /* looked at, nothing consumed */
        rs_fail(err, RSESS_ERR_STATE, (size_t)(r->p - r->base), "not an Array or Hash here");
        return 0;
    }
    if (c->stack[c->depth].left == 0) {
        rs_fail(err, RSESS_ERR_STATE, 0, "no value here: the container ends");
        return 0;
    }
    if (c->depth + 1 > r->max_depth) {
        fail(r, RSESS_ERR_DEPTH, r->p, "nesting deeper than %zu", r->max_depth);
        return enter_fail(c, err);
    }
    const unsigned char *start = r->p;
    size_t first = r->nobjs;
    bool ivars = false;
    while (r->p < r->end && (*r->p == 'I' || *r->p == 'e' || *r->p == 'C')) {
        int t = *r->p++;
        if (t == 'I') ivars = true;
        else if (!r_symbol(r)) return enter_fail(c, err);
    }
    size_t n;
    int t = *r->p++;
    if (!r_count(r, t == '[' ? "array" : "hash", t == '[' ? 1 : 2, start, &n) || !remember_at(r, NULL, start, first))
        return enter_fail(c, err);
    c->stack[c->depth].left--;
    c->depth++;
    c->stack[c->depth].left = n * (t == '[' ? 1 : 2) + (t == '}' ? 1 : 0);
    c->stack[c->depth].ivars = ivars;
    return n;
}

int rsess_cursor_leave(rsess_cursor *c, rsess_err *err)
{
    if (!c) return RSESS_ERR_ARG;
    if (c->r.code) return cursor_fail(c, err);
    if (c->depth == 0) return rs_fail(err, RSESS_ERR_STATE, 0, "not inside a container");
    while (c->stack[c->depth].left) {
        if (!s_object(&c->r, false)) return cursor_fail(c, err);
        c->stack[c->depth].left--;
    }
    if (c->stack[c->depth].ivars && !s_ivars(&c->r, c->r.p)) return cursor_fail(c, err);
    c->depth--;
    return 0;
}
