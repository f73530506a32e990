/* Decimal text to double, exactly as Ruby's strtod reads it.
 *
 * The fast exact path is Eisel-Lemire, written from Daniel Lemire, "Number
 * Parsing at a Gigabyte per Second", Software: Practice and Experience 51(8),
 * 2021: the first 19 significant digits w times a truncated 128-bit 10^q
 * give the 54 leading bits of w 10^q, unless the bits the truncation can
 * still change straddle the rounding position, which the product shows.
 * Clinger's exact fast path comes first; more than 19 digits are w and w+1,
 * both read, agreeing; what the fast paths cannot decide (and subnormals)
 * goes to the C library's correctly rounded strtod, given the digits Ruby
 * keeps (see float.h) in a NUL-terminated copy. */
#include "float.h"
#include "internal.h"

#include <stdint.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define POW10_MIN (-342)
#define POW10_MAX 308       /* highest q the parser looks up */
#define RUBY_FRAC_LIMIT 60  /* util.c: fraction digits only while nd <= DBL_DIG * 4 */
#define RUBY_EXP_LIMIT 19999
#define FALLBACK_DIGITS 800 /* more than the 767 a double's midpoints need */

typedef unsigned __int128 u128;

typedef struct {
    uint64_t w;     /* first 19 significant digits */
    int64_t q;      /* value = w.rest 10^q */
    bool more;      /* nonzero digits after the first 19 */
    bool neg;
} decimal;

static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Eight ASCII digits at once (the SWAR step of Lemire's paper): are the 8
 * bytes at p all digits, and their value. Little-endian loads. */
static inline uint64_t load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline bool eight_digits(uint64_t v)
{
    return ((v & 0xF0F0F0F0F0F0F0F0ULL) | (((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) ==
           0x3333333333333333ULL;
}

static inline uint32_t eight_value(uint64_t v)
{
    v = (v & 0x0F0F0F0F0F0F0F0FULL) * 2561 >> 8;
    v = (v & 0x00FF00FF00FF00FFULL) * 6553601 >> 16;
    return (uint32_t)((v & 0x0000FFFF0000FFFFULL) * 42949672960001ULL >> 32);
}

/* The grammar of float.h; fills d. Locals, not d's fields, in the loops:
 * stores through d could alias the text. */
static bool scan(const char *s, size_t len, decimal *d)
{
    size_t i = 0;
    uint64_t w = 0;
    int64_t q = 0;
    bool more = false, neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    int nd = 0; /* significant digits in w */
    size_t start = i;
    while (i < len && s[i] == '0') i++;
    while (nd <= 11 && len - i >= 8 && eight_digits(load8(s + i)))
        w = w * 100000000 + eight_value(load8(s + i)), nd += 8, i += 8;
    for (; i < len && is_digit(s[i]); i++) {
        if (nd < 19) w = w * 10 + (uint64_t)(s[i] - '0'), nd++;
        else q++, more |= s[i] != '0';
    }
    bool any = i > start;
    if (i < len && s[i] == '.') {
        start = ++i;
        if (!nd)
            while (i < len && s[i] == '0') i++, q--;
        while (nd <= 11 && len - i >= 8 && eight_digits(load8(s + i)))
            w = w * 100000000 + eight_value(load8(s + i)), nd += 8, q -= 8, i += 8;
        for (; i < len && is_digit(s[i]); i++) {
            if (nd < 19) w = w * 10 + (uint64_t)(s[i] - '0'), nd++, q--;
            else more |= s[i] != '0';
        }
        if (i == start) return false; /* "5." : Ruby stops before the point */
        any = true;
    }
    if (!any) return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
        if (i == len || !is_digit(s[i])) return false;
        int64_t e = 0;
        for (; i < len && is_digit(s[i]); i++)
            if ((e = e * 10 + (s[i] - '0')) > RUBY_EXP_LIMIT) e = RUBY_EXP_LIMIT;
        q += eneg ? -e : e;
    }
    d->w = w, d->q = q, d->more = more, d->neg = neg;
    return i == len;
}

/* Clinger: w and 10^|q| exact doubles, one correctly rounded operation. */
static bool clinger(uint64_t w, int64_t q, double *out)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (w > (1ULL << 53) || q < -22 || q > 22) return false;
    *out = q >= 0 ? (double)w * p10[q] : (double)w / p10[-q];
    return true;
}

/* The bits of w 10^q (w > 0, q in POW10_MIN..POW10_MAX) rounded to nearest
 * even, when the product decides them and the result is normal. */
static bool eisel_lemire(uint64_t w, int q, uint64_t *bits)
{
    int lz = __builtin_clzll(w);
    w <<= lz;
    const uint64_t *t = rs_float_pow10[q - POW10_MIN];
    bool exact = q >= 0 && q <= 55; /* 5^q fits in 128 bits: the table entry is exact */
    u128 p = (u128)w * t[0];
    uint64_t hi = (uint64_t)(p >> 64), lo = (uint64_t)p, lo2 = 0;
    int shift = 9 + (int)(hi >> 63); /* hi's bits below the 53 kept and the rounding bit */
    uint64_t mask = (1ULL << shift) - 1;
    /* The true product is below the computed one plus w + 1 in lo's units. */
    if (((hi & mask) == mask && lo > ~w) || ((hi & mask) == 0 && lo == 0 && exact)) {
        u128 p2 = (u128)w * t[1];
        lo2 = (uint64_t)p2;
        uint64_t add = (uint64_t)(p2 >> 64);
        lo += add;
        if (lo < add) hi++;
        shift = 9 + (int)(hi >> 63);
        mask = (1ULL << shift) - 1;
        /* now below the computed one plus w in lo2's units */
        if (!exact && (hi & mask) == mask && lo == UINT64_MAX && lo2 > ~w) return false;
    }
    uint64_t m = hi >> shift; /* 53 bits and the rounding bit */
    /* w 10^q = m 2^(1 + shift - lz + floor(log2 10^q)), m of 54 bits */
    int be = ((217706 * q) >> 16) + shift - lz + 1077;
    if ((m & 3) == 1 && exact && (hi & mask) == 0 && lo == 0 && lo2 == 0)
        m >>= 1; /* an exact tie, even already: down */
    else
        m = (m + (m & 1)) >> 1;
    if (m >> 53) m >>= 1, be++;
    if (be <= 0) return false; /* subnormal: strtod rounds it */
    if (be >= 2047) {
        *bits = 0x7ffULL << 52;
        return true;
    }
    *bits = (uint64_t)be << 52 | (m & ((1ULL << 52) - 1));
    return true;
}

/* What Ruby's strtod reads: its kept digits (see float.h), at most
 * FALLBACK_DIGITS of them and a final 1 standing for any nonzero ones left
 * (which rounds the same), as "D...De<exp>" for strtod. The text has passed
 * scan(). */
static double fallback(const char *s, size_t len, bool neg)
{
    char buf[FALLBACK_DIGITS + 40];
    size_t n = 0, i = 0;
    int64_t exp10 = 0, nd = 0; /* nd: significant digits Ruby has kept */
    bool sticky = false;
    if (s[i] == '-' || s[i] == '+') i++;
    for (; i < len && is_digit(s[i]); i++) {
        if (!nd && s[i] == '0') continue;
        if (n < FALLBACK_DIGITS) buf[n++] = s[i];
        else exp10++, sticky |= s[i] != '0';
        nd++;
    }
    if (i < len && s[i] == '.') {
        int64_t zeros = 0; /* pending zeros, kept only when a nonzero digit follows */
        for (i++; i < len && is_digit(s[i]); i++) {
            if (s[i] == '0') {
                zeros++;
                continue;
            }
            if (nd > RUBY_FRAC_LIMIT) break; /* Ruby skips all the rest */
            if (!nd) exp10 -= zeros; /* leading zeros of 0.000ddd */
            else
                for (; zeros; zeros--, nd++) {
                    if (n < FALLBACK_DIGITS) buf[n++] = '0', exp10--;
                }
            zeros = 0;
            if (n < FALLBACK_DIGITS) buf[n++] = s[i], exp10--;
            else sticky = true;
            nd++;
        }
        while (i < len && is_digit(s[i])) i++;
    }
    if (!n) return neg ? -0.0 : 0.0;
    if (sticky) buf[n++] = '1', exp10--;
    if (i < len) { /* the exponent, capped as Ruby caps it */
        i++;
        bool eneg = false;
        if (s[i] == '-' || s[i] == '+') eneg = s[i++] == '-';
        int64_t e = 0;
        for (; i < len; i++)
            if ((e = e * 10 + (s[i] - '0')) > RUBY_EXP_LIMIT) e = RUBY_EXP_LIMIT;
        exp10 += eneg ? -e : e;
    }
    snprintf(buf + n, sizeof buf - n, "e%lld", (long long)exp10);
    int saved = errno; /* ERANGE is no news: the result is Ruby's */
    double d = strtod(buf, NULL);
    errno = saved;
    return neg ? -d : d;
}

/* The commonest Marshal float text, [-]digits[.digits] with at most 15
 * digits in all ("0.25", "3.75", "-12.5"): w < 10^15 < 2^53 and at most
 * 15 fraction digits, so clinger() answers, without scan()'s generality. False: not of this form (the
 * general path decides). */
static inline bool short_decimal(const char *s, size_t len, double *out)
{
    /* 15 digits and a point at most (a sign more): longer texts go to the
     * general path at once */
    if (len == 0 || len - (s[0] == '-') > 16) return false;
    const char *p = s + (s[0] == '-'), *end = s + len;
    uint64_t w = 0;
    const char *int_start = p;
    while (p < end && is_digit(*p)) w = w * 10 + (uint64_t)(*p++ - '0');
    int nd = (int)(p - int_start), frac = 0;
    if (!nd) return false;
    if (p < end) {
        if (*p++ != '.') return false;
        const char *frac_start = p;
        while (p < end && is_digit(*p)) w = w * 10 + (uint64_t)(*p++ - '0');
        frac = (int)(p - frac_start);
        if (p != end || !frac) return false; /* "5.": Ruby stops before the point */
        nd += frac;
    }
    double v;
    if (nd > 15 || !clinger(w, -frac, &v)) return false;
    *out = s[0] == '-' ? -v : v;
    return true;
}

static bool parse_general(const char *s, size_t len, double *out)
{
    decimal d;
    if (!scan(s, len, &d)) return false;
    double v;
    uint64_t bits, bits2;
    if (d.w == 0) {
        v = 0.0;
    } else if (!d.more && clinger(d.w, d.q, &v)) {
        /* exact */
    } else if (d.q < POW10_MIN) {
        v = 0.0; /* under 10^19 10^-343: below half the least subnormal */
    } else if (d.q > POW10_MAX) {
        v = INFINITY;
    } else if (eisel_lemire(d.w, (int)d.q, &bits) &&
               (!d.more || (eisel_lemire(d.w + 1, (int)d.q, &bits2) && bits2 == bits))) {
        memcpy(&v, &bits, sizeof v);
    } else {
        *out = fallback(s, len, d.neg);
        return true;
    }
    *out = d.neg ? -v : v;
    return true;
}

bool rs_float_parse(const char *s, size_t len, double *out)
{
    return LIKELY(short_decimal(s, len, out)) || parse_general(s, len, out);
}

int rsess_float_parse(const char *text, size_t len, double *out, rsess_err *err)
{
    double d;
    if (!text) len = 0, text = "";
    if (len == 3 && !memcmp(text, "nan", 3)) d = NAN;
    else if (len == 3 && !memcmp(text, "inf", 3)) d = INFINITY;
    else if (len == 4 && !memcmp(text, "-inf", 4)) d = -INFINITY;
    else if (!rs_float_parse(text, len, &d))
        return rs_fail(err, RSESS_ERR_FLOAT, 0, "bad float text \"%.*s\"", (int)(len > 40 ? 40 : len), text);
    *out = d;
    rs_ok(err);
    return 0;
}

/* Ruby 1.8 wrote a float as its text (then 17 digits at most), a NUL and
 * the low bits of the mantissa, big-endian, which marshal.c load_mantissa
 * still adds in: the text's double, scaled to DECIMAL_MANT (37) integer
 * bits, plus each 32-bit group (or the shorter last one) below them. */
static double add_mantissa(double d, const unsigned char *p, size_t n)
{
    enum { DECIMAL_MANT = 53 - 16, MANT_BITS = 32 };
    int e, dig = 0;
    bool neg = d < 0;
    double whole;
    modf(ldexp(frexp(fabs(d), &e), DECIMAL_MANT), &whole);
    d = whole;
    while (n > 0) {
        size_t k = n < MANT_BITS / 8 ? n : MANT_BITS / 8;
        unsigned long m = 0;
        for (size_t i = 0; i < k; i++) m = m << 8 | p[i];
        p += k;
        dig -= (int)(8 * k);
        d += ldexp((double)m, dig);
        n -= k;
    }
    d = ldexp(d, e - DECIMAL_MANT);
    return neg ? -d : d;
}

bool rs_marshal_float(const char *s, size_t len, double *out, bool *raw)
{
    *raw = false;
    if (LIKELY(rs_float_parse(s, len, out))) return true; /* as Ruby's strtod reads it (float_parse.c) */
    if (len == 3 && memcmp(s, "nan", 3) == 0) return *out = NAN, true;
    if (len == 3 && memcmp(s, "inf", 3) == 0) return *out = INFINITY, true;
    if (len == 4 && memcmp(s, "-inf", 4) == 0) return *out = -INFINITY, true;
    const char *nul = memchr(s, 0, len);
    if (!nul) return false;
    *raw = true;
    double d;
    if (!rs_float_parse(s, (size_t)(nul - s), &d)) return false;
    size_t rest = len - (size_t)(nul - s) - 1;
    *out = rest ? add_mantissa(d, (const unsigned char *)nul + 1, rest) : d;
    return true;
}
