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
 * keeps (see float.h) in a NUL-terminated copy.
 *
 * Marshal's commonest texts come first, each read in one pass, without
 * scan(): digits[.digits] in up to 8 bytes ("0.25", "15"; short_decimal,
 * inlined in the two entry points: one word, Clinger) and in 9 to 20
 * bytes ("848.8176972685787"; medium_decimal: three words, Clinger or
 * Eisel-Lemire); then signs and short exponents (other_decimal); the rest
 * scan() and the general path. The words are loaded right-aligned with
 * loads that never leave the text (float.h's len bounds it: the text is
 * in the caller's input). */
#include "float.h"
#include "internal.h"

#include <stdint.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define BYTE(p) (1ULL << (8 * (p))) /* a word's byte p's unit */
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

/* The 2, 4 or 8 bytes at p as a little-endian number (p[0] the least
 * significant byte), whatever the machine's order. */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LOAD_LE(bits, p) (uint64_t) __builtin_bswap##bits(load_raw##bits(p))
#else
#define LOAD_LE(bits, p) (uint64_t) load_raw##bits(p)
#endif
#define LOAD_RAW(bits)                                                                                       \
    static inline uint##bits##_t load_raw##bits(const char *p)                                                \
    {                                                                                                          \
        uint##bits##_t v;                                                                                      \
        memcpy(&v, p, sizeof v);                                                                               \
        return v;                                                                                              \
    }
LOAD_RAW(16)
LOAD_RAW(32)
LOAD_RAW(64)
static inline uint64_t load2(const char *p) { return LOAD_LE(16, p); }
static inline uint64_t load4(const char *p) { return LOAD_LE(32, p); }
static inline uint64_t load8(const char *p) { return LOAD_LE(64, p); }

/* Eight ASCII digits at once (the SWAR step of Lemire's paper): are the 8
 * bytes at p all digits, and their value. */

static inline bool eight_digits(uint64_t v)
{
    return ((v & 0xF0F0F0F0F0F0F0F0ULL) | (((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) ==
           0x3333333333333333ULL;
}

/* The SWAR steps' constants, read from memory through a pointer the
 * compiler cannot see through (an empty asm), so that each is an operand
 * of the instruction that uses it rather than a 10-byte move before it:
 * the short path is some 60 instructions, 7 of them these. top[n]:
 * 2^(64 - 8n), to move n bytes to a word's top without a shift count
 * (whose register the tail calls' arguments would have to leave). */
typedef struct {
    uint64_t k76, k80, m1, mask1, mask2, m3;
    uint64_t top[9];
} swar_consts;

static const swar_consts swar_table = {
    0x7676767676767676ULL, 0x8080808080808080ULL, 2561, 0x00FF00FF00FF00FFULL, 0x0000FFFF0000FFFFULL,
    42949672960001ULL,     {0, BYTE(7), BYTE(6), BYTE(5), BYTE(4), BYTE(3), BYTE(2), BYTE(1), BYTE(0)}};

static inline const swar_consts *swar(void)
{
    const swar_consts *k = &swar_table;
    __asm__("" : "+r"(k));
    return k;
}

/* The value of the 8 digit values (0..9) in t, the least significant byte
 * the first digit: the SWAR steps of Lemire's paper. */
static inline uint64_t digit_value8(uint64_t t, const swar_consts *k)
{
    t = (t * k->m1 >> 8) & k->mask1;
    t = (t * 6553601 >> 16) & k->mask2;
    return t * k->m3 >> 32;
}

static inline uint32_t eight_value(uint64_t v)
{
    return (uint32_t)digit_value8(v & 0x0F0F0F0F0F0F0F0FULL, swar());
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

/* 10^0..10^22: exact doubles */
static const double exact_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Clinger: w and 10^|q| exact doubles, one correctly rounded operation. */
static bool clinger(uint64_t w, int64_t q, double *out)
{
    if (w > (1ULL << 53) || q < -22 || q > 22) return false;
    *out = q >= 0 ? (double)w * exact_pow10[q] : (double)w / exact_pow10[-q];
    return true;
}

/* The bits of w 10^q (w > 0, q in POW10_MIN..POW10_MAX) rounded to nearest
 * even, when the product decides them and the result is normal. */
__attribute__((always_inline)) static inline bool eisel_lemire(uint64_t w, int q, uint64_t *bits)
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

#define ZEROS 0x3030303030303030ULL /* '0' in every byte */
#define DOT_X ('.' ^ '0')             /* a '.' byte of a word XORed with ZEROS */

/* The n (1..8) bytes at p XORed with '0' (digits become their values) as
 * the top n bytes of a word, p[i] at byte 8 - n + i (bytes counted from
 * the least significant), zeros below: two overlapping 4-byte loads (or
 * 2-byte ones, or the byte); nothing outside p..p+n is read. */
static inline uint64_t load_top(const char *p, size_t n, const swar_consts *k)
{
    if (n >= 4) return (load4(p + n - 4) ^ 0x30303030) * k->top[4] | (load4(p) ^ 0x30303030) * k->top[n];
    if (n >= 2) return (load2(p + n - 2) ^ 0x3030) * k->top[2] | (load2(p) ^ 0x3030) * k->top[n];
    return (uint64_t)((unsigned char)p[0] ^ 0x30) << 56;
}
/* t: bytes XORed with ZEROS, so digits are 0..9. The top bit of each byte
 * that is not, and perhaps of bytes above a byte of 0x8A or more (a carry):
 * either way not all digits, and the lowest bit set is the first byte
 * that is not a digit. */
static inline uint64_t non_digits(uint64_t t, const swar_consts *k)
{
    return (t | (t + k->k76)) & k->k80;
}
/* A '.' at byte p (0..7) of a word, a table by p (one base address, one
 * entry of 64 bytes): the top bit of that byte alone (end: the same but 0
 * for p = 7, a '.' with no digit after it, "5.", which Ruby stops before),
 * the byte's mask and what it must hold, the bytes below and above it,
 * and 10^(7 - p), the divisor of a one-word text. */
typedef struct {
    uint64_t bit, end, byte, want, below, above;
    double div;
    uint64_t unused;
} dot_place;

/* (the "above" mask: BYTE(p) << 8 is 0 for p = 7, the shift drops the bit) */
#define DOT_PLACE(p, div)                                                                                    \
    {                                                                                                          \
        0x80 * BYTE(p), (p) < 7 ? 0x80 * BYTE(p) : 0, 0xFF * BYTE(p), DOT_X * BYTE(p), BYTE(p) - 1,            \
            ~((BYTE(p) << 8) - 1), div, 0                                                                          \
    }
static const dot_place dot_places[8] = {DOT_PLACE(0, 1e7), DOT_PLACE(1, 1e6), DOT_PLACE(2, 1e5), DOT_PLACE(3, 1e4),
                                        DOT_PLACE(4, 1e3), DOT_PLACE(5, 1e2), DOT_PLACE(6, 1e1), DOT_PLACE(7, 1e0)};

/* The non-digits nd of word t must be one '.' (in the text's last word,
 * end, not its last byte): the bytes below it move up one, closing the
 * gap, and the top byte of the word below, carry, comes in at the bottom.
 * The '.''s entry in dot_places (its byte number: the entry's index), or
 * NULL. */
__attribute__((always_inline)) static inline const dot_place *close_dot(uint64_t *t, uint64_t nd, uint64_t carry,
                                                                         bool end)
{
    /* nd's lowest bit is bit 8 pos + 7: entry pos is 8 times that, less 56,
     * bytes into the table (one address computation) */
    size_t bit = (unsigned)__builtin_ctzll(nd);
    const dot_place *d = (const dot_place *)((const char *)dot_places + 8 * bit - 56);
    if (nd != (end ? d->end : d->bit) || (*t & d->byte) != d->want) return NULL;
    *t = (*t & d->above) | (*t & d->below) << 8 | carry;
    return d;
}

/* The digits of digits[.digits] in n (1..8) bytes at p, at least one
 * digit and any '.' not last ("0.25", "15", ".5"): the text loaded
 * right-aligned into one word, XORed with '0' (digit values), checked for
 * digits and one '.' at once, the '.' squeezed out (the bytes below it
 * move up one; tables by its place) and the 8 digit bytes turned into
 * their value. *w the value (< 10^8), *dot the '.''s entry in dot_places
 * (byte 7 - the digits after it; entry 7 when there is none). False: not
 * of this form (a sign, an exponent, ...). */
__attribute__((always_inline)) static inline bool digits_short(const char *p, size_t n, uint64_t *w,
                                                               const dot_place **dot)
{
    const swar_consts *k = swar();
    uint64_t t = load_top(p, n, k), nd = non_digits(t, k);
    *dot = &dot_places[7];
    if (nd && !(*dot = close_dot(&t, nd, 0, true))) return false;
    *w = digit_value8(t, k);
    return true;
}

/* The same in n (9..20) bytes, at most 19 digits: the text right-aligned
 * in three words (the first 0 when it fits in two), the '.' squeezed out
 * across them; *f the digits after the '.'. */
__attribute__((always_inline)) static inline bool digits_long(const char *p, size_t n, uint64_t *w, int *f)
{
    uint64_t t0, t1, t2 = load8(p + n - 8) ^ ZEROS;
    if (n > 16) {
        t0 = (load8(p) ^ ZEROS) << (8 * (24 - n));
        t1 = load8(p + n - 16) ^ ZEROS;
    } else {
        t0 = 0;
        t1 = (load8(p) ^ ZEROS) << (8 * (16 - n));
    }
    const swar_consts *k = swar();
    uint64_t nd0 = non_digits(t0, k), nd1 = non_digits(t1, k), nd2 = non_digits(t2, k);
    const dot_place *d;
    *f = 0;
    if (nd2) {
        if (nd1 | nd0 || !(d = close_dot(&t2, nd2, t1 >> 56, true))) return false;
        t1 = t1 << 8 | t0 >> 56, t0 <<= 8, *f = 7 - (int)(d - dot_places);
    } else if (nd1) {
        if (nd0 || !(d = close_dot(&t1, nd1, t0 >> 56, false))) return false;
        t0 <<= 8, *f = 15 - (int)(d - dot_places);
    } else if (nd0) {
        if (!(d = close_dot(&t0, nd0, 0, false))) return false;
        *f = 23 - (int)(d - dot_places);
    } else if (n == 20) {
        return false; /* 20 digits: w could overflow */
    }
    *w = digit_value8(t1, k) * 100000000 + digit_value8(t2, k);
    if (t0) *w += digit_value8(t0, k) * 10000000000000000ULL;
    return true;
}

/* The commonest Marshal float text, digits[.digits] in len (1..8) bytes
 * ("0.25", "12.5", "15"): digits_short, then Clinger (w < 10^8 and its
 * divisor exact doubles, one correctly rounded division). True: *out set.
 * False: not of this form (a sign too), for not_fast. Inlined in its
 * callers, whose other path is a tail call, so that it keeps no
 * registers of its own. */
__attribute__((always_inline)) static inline bool short_decimal(const char *s, size_t len, double *out)
{
    uint64_t w;
    const dot_place *dot;
    if (!digits_short(s, len, &w, &dot)) return false;
    *out = (double)(int64_t)w / dot->div;
    return true;
}

static bool parse_general(const char *s, size_t len, double *out);
static bool marshal_float_slow(const char *s, size_t len, double *out, bool *raw);

/* The general path; raw: rs_marshal_float's (Marshal's other forms too),
 * else NULL. */
static inline bool general(const char *s, size_t len, double *out, bool *raw)
{
    return raw ? marshal_float_slow(s, len, out, raw) : parse_general(s, len, out);
}

/* *out = fallback(): out of line, so that its callers' fast paths keep
 * short frames */
__attribute__((noinline)) static bool fallback_to(const char *s, size_t len, bool neg, double *out)
{
    *out = fallback(s, len, neg);
    return true;
}

/* digits_short or digits_long by n (1..20), *f the digits after the '.' */
__attribute__((always_inline)) static inline bool digits_any(const char *p, size_t n, uint64_t *w, int *f)
{
    if (n - 1 < 8) {
        const dot_place *d;
        if (!digits_short(p, n, w, &d)) return false;
        *f = 7 - (int)(d - dot_places);
        return true;
    }
    return n - 9 < 12 && digits_long(p, n, w, f);
}

/* What the fast paths leave: [-]Me[-+]X with M their form in up to 20
 * bytes (at most 19 digits) and X up to 3 digits ("3e1", "1.5e-7"): w the
 * digits' value, q = X - f the power of ten; Clinger when w <= 2^53 and
 * |q| <= 22, else Eisel-Lemire; else (and for every other text) the
 * general path. Marshal's nan and inf too. */
__attribute__((noinline)) static bool other_decimal(const char *s, size_t len, double *out, bool *raw)
{
    if (len - 3 < 8 && s[len - 2] == 'e' && is_digit(s[len - 1])) {
        /* Ruby's commonest exponent form, a short mantissa and one digit
         * ("3e1", "1.2e2": 30.0, 120.0): w < 10^8 and 10^|q| <= 10^9,
         * exact doubles, so one operation rounds correctly (Clinger) */
        uint64_t w;
        const dot_place *d;
        if (digits_short(s, len - 2, &w, &d)) {
            int q10 = (s[len - 1] - '0') - (7 - (int)(d - dot_places));
            *out = q10 < 0 ? (double)(int64_t)w / exact_pow10[-q10] : (double)(int64_t)w * exact_pow10[q10];
            return true;
        }
    }
    if (raw && len - 3 < 2) { /* Marshal's words first (no decimal text) */
        if (len == 3 && memcmp(s, "nan", 3) == 0) return *out = NAN, true;
        if (len == 3 && memcmp(s, "inf", 3) == 0) return *out = INFINITY, true;
        if (len == 4 && memcmp(s, "-inf", 4) == 0) return *out = -INFINITY, true;
    }
    if (len == 0) return general(s, len, out, raw);
    bool neg = s[0] == '-';
    const char *p = s + neg, *q = s + len;
    uint64_t w;
    int f, ex = 0, k = 0; /* an exponent of 1 to 3 digits, after an 'e' and maybe a sign */
    for (int scale = 1; k < 3 && q - p > 2 && is_digit(q[-1]); q--, k++, scale *= 10) ex += (q[-1] - '0') * scale;
    if (!k || q - p < 2) return general(s, len, out, raw);
    if (q[-1] == '-' || q[-1] == '+') ex = q[-1] == '-' ? -ex : ex, q--;
    if (q - p < 2 || (q[-1] != 'e' && q[-1] != 'E') || !digits_any(p, (size_t)(q - 1 - p), &w, &f))
        return general(s, len, out, raw);
    int q10 = ex - f;
    double v; /* as parse_general decides, without scan() */
    uint64_t bits;
    if (w <= 1ULL << 53 && q10 >= -22 && q10 <= 22) {
        v = q10 < 0 ? (double)(int64_t)w / exact_pow10[-q10] : (double)(int64_t)w * exact_pow10[q10];
    } else if (w == 0 || q10 < POW10_MIN) {
        v = 0.0;
    } else if (q10 > POW10_MAX) {
        v = INFINITY;
    } else if (eisel_lemire(w, q10, &bits)) {
        memcpy(&v, &bits, sizeof v);
    } else {
        return fallback_to(s, len, neg, out); /* subnormal, or undecided */
    }
    *out = neg ? -v : v;
    return true;
}

/* -M, M the fast paths' form in up to 20 bytes ("-0.5", "-12.25"): as
 * they read it, negated. Else other_decimal. */
__attribute__((noinline)) static bool negative_decimal(const char *s, size_t len, double *out, bool *raw)
{
    uint64_t w, bits;
    int f;
    if (!digits_any(s + 1, len - 1, &w, &f)) return other_decimal(s, len, out, raw);
    double v;
    if (w <= 1ULL << 53) v = (double)(int64_t)w / exact_pow10[f];
    else if (eisel_lemire(w, -f, &bits)) memcpy(&v, &bits, sizeof v);
    else return fallback_to(s, len, true, out);
    *out = -v;
    return true;
}

/* Where a fast path gives up: a sign, or other_decimal */
static inline bool not_fast(const char *s, size_t len, double *out, bool *raw)
{
    return len && s[0] == '-' ? negative_decimal(s, len, out, raw) : other_decimal(s, len, out, raw);
}

/* The next commonest text, short_decimal's form in 9 to 20 bytes, at most
 * 19 digits ("848.8176972685787"): digits_long, then Clinger when w <=
 * 2^53, else Eisel-Lemire (the value is a normal double here, 1e-19 < x <
 * 1e20). Else (a sign too) not_fast. */
__attribute__((noinline)) static bool medium_decimal(const char *s, size_t len, double *out, bool *raw)
{
    uint64_t w;
    int f;
    if (UNLIKELY(!digits_long(s, len, &w, &f))) return not_fast(s, len, out, raw);
    if (w <= 1ULL << 53) {
        *out = (double)(int64_t)w / exact_pow10[f];
        return true;
    }
    uint64_t bits;
    if (UNLIKELY(!eisel_lemire(w, -f, &bits))) return fallback_to(s, len, false, out); /* as parse_general */
    memcpy(out, &bits, sizeof *out);
    return true;
}

/* rs_float_parse and rs_marshal_float (raw: see general) */
__attribute__((always_inline)) static inline bool parse_decimal(const char *s, size_t len, double *out, bool *raw)
{
    if (len - 1 < 8) return LIKELY(short_decimal(s, len, out)) || not_fast(s, len, out, raw);
    return len - 9 < 12 ? medium_decimal(s, len, out, raw) : not_fast(s, len, out, raw);
}

/* Out of line, so that the fast paths' callers keep a short frame. */
__attribute__((noinline)) static bool parse_general(const char *s, size_t len, double *out)
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
    return parse_decimal(s, len, out, NULL);
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

/* Marshal's text when other_decimal cannot read it, nor its words: decimal
 * text, or Ruby 1.8's form. */
__attribute__((noinline)) static bool marshal_float_slow(const char *s, size_t len, double *out, bool *raw)
{
    if (parse_general(s, len, out)) return true; /* as Ruby's strtod reads it */
    const char *nul = memchr(s, 0, len);
    if (!nul) return false;
    *raw = true;
    double d;
    if (!rs_float_parse(s, (size_t)(nul - s), &d)) return false;
    size_t rest = len - (size_t)(nul - s) - 1;
    *out = rest ? add_mantissa(d, (const unsigned char *)nul + 1, rest) : d;
    return true;
}

bool rs_marshal_float(const char *s, size_t len, double *out, bool *raw)
{
    *raw = false;
    return parse_decimal(s, len, out, raw);
}
