/* Float text: the shortest digits that read back to the same double, the
 * nearest of them to the exact value, ties to an even last digit (what
 * Ruby's mode-0 ruby_dtoa gives: David Gay's free-format loop without
 * ROUND_BIASED, see missing/dtoa.c), laid out as Marshal's w_float
 * (marshal.c) and as Float#to_s (numeric.c flo_to_s) do.
 *
 * The digits come from Schubfach: Raffaello Giulietti, "The Schubfach way
 * to render doubles" (2020, revised 2021). Written here from the paper:
 * v = c 2^q is scaled by a 126-bit over-approximation g of 10^-k, with k =
 * floor(log10 2^q) (log10 of 3/4 2^q at the lower-closer boundary of a power
 * of two), so that the rounding interval of v spans at least one and fewer
 * than ten units. Products are rounded to odd, which keeps every comparison
 * against a multiple of the unit exact. Then the one candidate with a digit
 * fewer (a multiple of ten units) is taken when it is the only one inside,
 * else the nearer of floor and ceiling, the even one on a tie. Integers
 * below 2^53 and binary fractions whose exact decimal has at most 15
 * digits (0.25, 3.75) are their own shortest digits: rs_float_digits takes
 * those straight from the bits. */
#include "internal.h"

#include <stdint.h>

#include <math.h>

#define POW10_MIN (-342) /* first entry of rs_float_pow10 (lib/float_pow10.c) */

/* floor(log10(2^q)), floor(log10(3/4 2^q)), floor(log2(10^e)) for the
 * exponent ranges of doubles (checked exhaustively when written). */
static inline int flog10_pow2(int q) { return (int)(((int64_t)q * 661971961083) >> 41); }
static inline int flog10_3q_pow2(int q) { return (int)(((int64_t)q * 661971961083 - 274743187321) >> 41); }
static inline int flog2_pow10(int e) { return (int)(((int64_t)e * 913124641741) >> 38); }

typedef unsigned __int128 u128;

/* Round to odd of floor(g cp / 2^64) / 2^63: the integer part with its
 * lowest bit set when the fraction is not zero. g < 2^126 is gh 2^64 + gl,
 * cp < 2^60. The bits below 2^64 are left out, as the paper does: they hold
 * the +1 that makes g an over-approximation, which must not turn an exact
 * power of ten's exact product (a tie) into an inexact one. */
static inline uint64_t round_odd(uint64_t gh, uint64_t gl, uint64_t cp)
{
    u128 w = (u128)gh * cp + (uint64_t)(((u128)gl * cp) >> 64);
    return (uint64_t)(w >> 63) | (uint64_t)(((uint64_t)w << 1) != 0);
}

/* The decimal f 10^e nearest to c 2^q among the shortest inside its
 * rounding interval (bounds inside when c is even). */
static void schubfach(uint64_t c, int q, uint64_t *f, int *e)
{
    uint64_t out = c & 1, cb = c << 2, cbr = cb + 2, cbl;
    int k;
    if (c != (1ULL << 52) || q == -1074) {
        cbl = cb - 2;
        k = flog10_pow2(q);
    } else { /* a power of two: the lower neighbour is half as far */
        cbl = cb - 1;
        k = flog10_3q_pow2(q);
    }
    int h = q + flog2_pow10(-k) + 2;
    /* g = floor(10^-k 2^(125 - floor(log2 10^-k))) + 1 */
    const uint64_t *t = rs_float_pow10[-k - POW10_MIN];
    uint64_t gh = t[0] >> 2, gl = (t[0] << 62 | t[1] >> 2) + 1;
    if (gl == 0) gh++;
    uint64_t vb = round_odd(gh, gl, cb << h);
    uint64_t vbl = round_odd(gh, gl, cbl << h);
    uint64_t vbr = round_odd(gh, gl, cbr << h);
    uint64_t s = vb >> 2;
    if (s >= 10) { /* a digit fewer: the interval holds at most one multiple of ten */
        uint64_t sp10 = s / 10 * 10, tp10 = sp10 + 10;
        bool upin = vbl + out <= sp10 << 2, wpin = (tp10 << 2) + out <= vbr;
        if (upin != wpin) {
            *f = upin ? sp10 : tp10;
            *e = k;
            return;
        }
    }
    uint64_t t1 = s + 1;
    bool uin = vbl + out <= s << 2, win = (t1 << 2) + out <= vbr;
    if (uin != win) {
        *f = uin ? s : t1;
    } else {
        uint64_t mid = (s + t1) << 1; /* 4 (s + 1/2) */
        *f = vb < mid || (vb == mid && !(s & 1)) ? s : t1;
    }
    *e = k;
}

static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                  "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                  "8081828384858687888990919293949596979899";

/* Decimal digits of n > 0 without its trailing zeros into buf; returns
 * their count, *len gets the count with them. */
static int put_digits(uint64_t n, char *buf, int *len)
{
    static const uint64_t pow10[] = {1ULL,
                                     10ULL,
                                     100ULL,
                                     1000ULL,
                                     10000ULL,
                                     100000ULL,
                                     1000000ULL,
                                     10000000ULL,
                                     100000000ULL,
                                     1000000000ULL,
                                     10000000000ULL,
                                     100000000000ULL,
                                     1000000000000ULL,
                                     10000000000000ULL,
                                     100000000000000ULL,
                                     1000000000000000ULL,
                                     10000000000000000ULL,
                                     100000000000000000ULL,
                                     1000000000000000000ULL,
                                     10000000000000000000ULL};
    int t = (64 - __builtin_clzll(n)) * 1233 >> 12; /* about log10(2) times the bit count */
    int all = t + (n >= pow10[t]);
    int count = all;
    while (n % 10 == 0) n /= 10, count--;
    char *p = buf + count;
    while (n >= 100000000) { /* eight digits at a time in 32-bit arithmetic */
        uint32_t lo = (uint32_t)(n % 100000000), hi4 = lo / 10000, lo4 = lo % 10000;
        n /= 100000000;
        p -= 8;
        memcpy(p, digit_pairs + 2 * (hi4 / 100), 2);
        memcpy(p + 2, digit_pairs + 2 * (hi4 % 100), 2);
        memcpy(p + 4, digit_pairs + 2 * (lo4 / 100), 2);
        memcpy(p + 6, digit_pairs + 2 * (lo4 % 100), 2);
    }
    uint32_t m = (uint32_t)n;
    while (m >= 100) {
        p -= 2;
        memcpy(p, digit_pairs + 2 * (m % 100), 2);
        m /= 100;
    }
    if (m >= 10) memcpy(p - 2, digit_pairs + 2 * m, 2);
    else p[-1] = (char)('0' + m);
    *len = all;
    return count;
}

/* 5^m for the short binary fractions of rs_float_digits */
static const uint64_t pow5[] = {1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL, 390625ULL,
                                1953125ULL, 9765625ULL, 48828125ULL, 244140625ULL, 1220703125ULL,
                                6103515625ULL, 30517578125ULL, 152587890625ULL, 762939453125ULL,
                                3814697265625ULL, 19073486328125ULL, 95367431640625ULL, 476837158203125ULL};
#define SHORT_FRACTION_MAX 21 /* 5^21 < 10^15 <= 5^22 */

int rs_float_digits(double d, char *buf, int *decpt)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    int be = (int)(bits >> 52 & 0x7ff);
    uint64_t c = bits & ((1ULL << 52) - 1), f;
    int q, e, len;
    if (be) {
        c |= 1ULL << 52;
        q = be - 1075;
        if (q < 0) {
            /* v = odd / 2^m: an integer when m <= 0, else exactly the
             * decimal odd 5^m 10^-m */
            int tz = __builtin_ctzll(c), m = -q - tz;
            uint64_t odd = c >> tz;
            /* an integer below 2^53: its own digits are the shortest */
            if (m <= 0) {
                int n = put_digits(c >> -q, buf, &len);
                *decpt = len;
                return n;
            }
            /* A binary fraction whose exact decimal has at most 15
             * significant digits (DBL_DIG): no other decimal of 15 digits
             * or fewer reads as this double (each such decimal comes back
             * from its double when rounded to 15 digits, and v's exact
             * digits are their own rounding), so these digits are the
             * shortest, and the only ones of their length: what Schubfach
             * would find. odd 5^m < 2^53 * 5^21 fits in 128 bits. */
            if (m <= SHORT_FRACTION_MAX) {
                u128 x = (u128)odd * pow5[m];
                if (x < 1000000000000000ULL) {
                    int n = put_digits((uint64_t)x, buf, &len); /* odd * 5^m ends in 5: n == len */
                    *decpt = len - m;
                    return n;
                }
            }
        }
    } else {
        q = -1074;
    }
    schubfach(c, q, &f, &e);
    int n = put_digits(f, buf, &len);
    *decpt = len + e;
    return n;
}

static size_t special(double d, char *out, const char *nan, const char *inf, const char *ninf)
{
    const char *s = isnan(d) ? nan : d > 0 ? inf : ninf;
    size_t n = strlen(s);
    memcpy(out, s, n);
    return n;
}

/* "e" then the exponent: at least `width` digits, a sign if `plus` or negative */
static size_t put_exp(char *out, int x, bool plus, int width)
{
    size_t n = 0;
    out[n++] = 'e';
    if (x < 0) out[n++] = '-', x = -x;
    else if (plus) out[n++] = '+';
    char tmp[4];
    int i = 0;
    do tmp[i++] = (char)('0' + x % 10), x /= 10;
    while (x);
    while (i < width) tmp[i++] = '0';
    while (i) out[n++] = tmp[--i];
    return n;
}

static size_t put_zeros(char *out, int count)
{
    memset(out, '0', (size_t)count);
    return (size_t)count;
}

size_t rsess_float_marshal_text(double d, char *out)
{
    if (isnan(d) || isinf(d)) return special(d, out, "nan", "inf", "-inf");
    if (d == 0.0) {
        if (signbit(d)) {
            memcpy(out, "-0", 2);
            return 2;
        }
        out[0] = '0';
        return 1;
    }
    char dig[20];
    int decpt, digs = rs_float_digits(d, dig, &decpt);
    size_t n = 0;
    if (d < 0) out[n++] = '-';
    if (decpt < -3 || decpt > digs) { /* w_float: exponent form */
        out[n++] = dig[0];
        if (digs > 1) {
            out[n++] = '.';
            memcpy(out + n, dig + 1, (size_t)digs - 1);
            n += (size_t)digs - 1;
        }
        n += put_exp(out + n, decpt - 1, false, 1);
    } else if (decpt > 0) {
        memcpy(out + n, dig, (size_t)decpt);
        n += (size_t)decpt;
        if (digs > decpt) {
            out[n++] = '.';
            memcpy(out + n, dig + decpt, (size_t)(digs - decpt));
            n += (size_t)(digs - decpt);
        }
    } else {
        out[n++] = '0';
        out[n++] = '.';
        n += put_zeros(out + n, -decpt);
        memcpy(out + n, dig, (size_t)digs);
        n += (size_t)digs;
    }
    return n;
}

size_t rsess_float_ruby_text(double d, char *out)
{
    if (isnan(d) || isinf(d)) return special(d, out, "NaN", "Infinity", "-Infinity");
    if (d == 0.0) {
        const char *s = signbit(d) ? "-0.0" : "0.0";
        memcpy(out, s, strlen(s));
        return strlen(s);
    }
    char dig[20];
    int decpt, digs = rs_float_digits(d, dig, &decpt);
    size_t n = 0;
    if (d < 0) out[n++] = '-';
    /* flo_to_s: fixed whenever there is a fraction; an integral value only
     * up to DBL_DIG digits; 0.000ddd down to three zeros */
    if (decpt > 0 && (decpt < digs || decpt <= 15)) {
        if (decpt < digs) {
            memcpy(out + n, dig, (size_t)decpt);
            n += (size_t)decpt;
            out[n++] = '.';
            memcpy(out + n, dig + decpt, (size_t)(digs - decpt));
            n += (size_t)(digs - decpt);
        } else {
            memcpy(out + n, dig, (size_t)digs);
            n += (size_t)digs;
            n += put_zeros(out + n, decpt - digs);
            memcpy(out + n, ".0", 2);
            n += 2;
        }
    } else if (decpt <= 0 && decpt > -4) {
        out[n++] = '0';
        out[n++] = '.';
        n += put_zeros(out + n, -decpt);
        memcpy(out + n, dig, (size_t)digs);
        n += (size_t)digs;
    } else {
        out[n++] = dig[0];
        out[n++] = '.';
        if (digs > 1) {
            memcpy(out + n, dig + 1, (size_t)digs - 1);
            n += (size_t)digs - 1;
        } else {
            out[n++] = '0';
        }
        n += put_exp(out + n, decpt - 1, true, 2);
    }
    return n;
}
