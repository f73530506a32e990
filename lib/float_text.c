/* Float text: the shortest digits that read back to the same double (what
 * Ruby's dtoa mode 0 gives), laid out as Marshal's w_float and as
 * Float#to_s do. */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Correctly rounded digits at increasing precision; the first that reads
 * back exactly is the shortest, and being correctly rounded it is also the
 * closest of that length. */
int rs_float_digits(double d, char *buf, int *decpt)
{
    char tmp[40];
    d = fabs(d);
    for (int prec = 1; prec <= 17; prec++) {
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
