/* Internal: decimal float text to double, as Ruby reads it. Not installed. */
#ifndef RSESS_FLOAT_H
#define RSESS_FLOAT_H

#include <stdbool.h>
#include <stddef.h>

/* The double Ruby's strtod (util.c ruby_strtod, under Marshal's r_float
 * and Float()) makes of the len bytes at s (no NUL needed), when they are
 * all decimal text: an optional sign ('-' or '+'), digits with at most one
 * '.' that has digits after it and at least one digit in all ("5", "-0.5",
 * ".5"), then optionally 'e' or 'E', an optional sign and digits. Anything
 * else ("5.", "1e", "0x1p3", "inf", spaces, "") returns false and leaves
 * *out alone. Out of range gives +-Infinity or +-0.0, as Ruby does.
 * Correctly rounded (ties to even) from the digits Ruby keeps: every digit
 * before the point, and after it only while fewer than 61 significant
 * digits are kept (Ruby drops the rest); an exponent beyond 19999 counts
 * as 19999. Eisel-Lemire with a strtod fallback (lib/float_parse.c). */
bool rs_float_parse(const char *s, size_t len, double *out) __attribute__((visibility("hidden")));

/* Marshal's float text as marshal.c r_float reads it: "nan", "inf",
 * "-inf", decimal text, or Ruby 1.8's form (text, NUL, mantissa bytes,
 * then *raw is set: such bytes are kept to be written back). */
bool rs_marshal_float(const char *s, size_t len, double *out, bool *raw) __attribute__((visibility("hidden")));

#endif
