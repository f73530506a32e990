/* Float text: the shortest digits that read back to the same double (what
 * Ruby's dtoa mode 0 gives), laid out as Marshal's w_float and as
 * Float#to_s do. */
#include "internal.h"

#include <stdint.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const double pow10tab[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The fast path: the fewest decimals k such that some integer N, over 10^k,
 * reads back as d. N and 10^k are exact doubles (N < 2^53, k <= 22), so
 * N / 10^k is correctly rounded exactly as strtod("N e-k") is, and the test
 * is exact. Of N-1, N, N+1 the one closest to d * 10^k (fma: one rounding)
 * is kept. Returns the digit count, or 0 to take the slow path. */
static int digits_fast(double d, char *buf, int *decpt)
{
    for (int k = 0; k <= 22; k++) {
        double scaled = d * pow10tab[k];
        if (scaled >= 9007199254740992.0) return 0;
        double n = nearbyint(scaled), best = -1, best_err = 0;
        for (int delta = -1; delta <= 1; delta++) {
            double c = n + delta;
            if (c <= 0 || c / pow10tab[k] != d) continue;
            double err = fabs(fma(d, pow10tab[k], -c));
            if (best < 0 || err < best_err) best = c, best_err = err;
        }
        if (best < 0) continue;
        uint64_t u = (uint64_t)best;
        char tmp[24];
        int len = 0;
        while (u) {
            tmp[len++] = (char)('0' + u % 10);
            u /= 10;
        }
        *decpt = len - k;
        int start = 0;
        while (start < len - 1 && tmp[start] == '0') start++; /* trailing zeros of N */
        int n_out = 0;
        for (int i = len - 1; i >= start; i--) buf[n_out++] = tmp[i];
        return n_out;
    }
    return 0;
}

/* Correctly rounded digits at increasing precision; the first that reads
 * back exactly is the shortest, and being correctly rounded it is also the
 * closest of that length. Any decimal of at most 15 digits reads back
 * exactly (DBL_DIG), so 15 is where the search starts when the fast path
 * fails. */
int rs_float_digits(double d, char *buf, int *decpt)
{
    char tmp[40];
    d = fabs(d);
    int fast = digits_fast(d, buf, decpt);
    if (fast) return fast;
    /* subnormals carry fewer digits: search them from 1 */
    for (int prec = d < 2.2250738585072014e-308 ? 1 : 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
        if (prec < 17 && strtod(tmp, NULL) != d) continue;
        /* tmp = D[.DDD]e[+-]XX */
        int n = 0;
        const char *s = tmp;
        for (; *s && *s != 'e'; s++)
            if (*s != '.') buf[n++] = *s;
        int exp10 = atoi(s + 1);
        while (n > 1 && buf[n - 1] == '0') n--;
        *decpt = exp10 + 1;
        return n;
    }
    return 0; /* not reached */
}

static size_t special(double d, char *out, const char *nan, const char *inf, const char *ninf)
{
    const char *s = isnan(d) ? nan : d > 0 ? inf : ninf;
    size_t n = strlen(s);
    memcpy(out, s, n);
    return n;
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
    if (decpt < -3 || decpt > digs) {
        out[n++] = dig[0];
        if (digs > 1) {
            out[n++] = '.';
            memcpy(out + n, dig + 1, (size_t)digs - 1);
            n += (size_t)digs - 1;
        }
        n += (size_t)snprintf(out + n, 8, "e%d", decpt - 1);
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
        for (int i = 0; i < -decpt; i++) out[n++] = '0';
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
    if (decpt > 0 && decpt <= 15) { /* flo_to_s: fixed up to DBL_DIG integer digits */
        if (digs <= decpt) {
            memcpy(out + n, dig, (size_t)digs);
            n += (size_t)digs;
            for (int i = digs; i < decpt; i++) out[n++] = '0';
            memcpy(out + n, ".0", 2);
            n += 2;
        } else {
            memcpy(out + n, dig, (size_t)decpt);
            n += (size_t)decpt;
            out[n++] = '.';
            memcpy(out + n, dig + decpt, (size_t)(digs - decpt));
            n += (size_t)(digs - decpt);
        }
    } else if (decpt <= 0 && decpt > -4) {
        out[n++] = '0';
        out[n++] = '.';
        for (int i = 0; i < -decpt; i++) out[n++] = '0';
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
        n += (size_t)snprintf(out + n, 8, "e%+03d", decpt - 1);
    }
    return n;
}
