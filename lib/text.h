/* Text helpers shared by the printers, explain and the text forms
 * (lib/text.c): hex digits, UTF-8, JSON strings, decimal bignums, and the
 * output sink every printer writes through. Each exists once, here.
 *
 * Stands on the base layer alone (lib/base.h: buffers, errors); knows
 * nothing of the node model. internal.h includes it. */
#ifndef RSESS_TEXT_H
#define RSESS_TEXT_H

#include "base.h"

/* --- hex --------------------------------------------------------------- */
extern const char rs_hex_lower[] RSESS_INTERNAL; /* "0123456789abcdef" */
/* Two lower-case hex digits a byte into out (2n chars, no NUL). */
void rs_hex_encode(const unsigned char *p, size_t n, char *out) RSESS_INTERNAL;
/* The value of one hex digit (either case), or -1. */
int rs_hex_value(int c) RSESS_INTERNAL;

/* --- UTF-8 ------------------------------------------------------------- */
bool rs_ascii_only(const char *p, size_t len) RSESS_INTERNAL;
/* Decodes one UTF-8 character at p (left > 0 bytes): its length, or 0 when
 * the bytes there are not a valid character (overlong, surrogate, past
 * U+10FFFF, cut short). */
size_t rs_utf8_decode(const unsigned char *p, size_t left, uint32_t *cp) RSESS_INTERNAL;
bool rs_utf8_valid(const char *p, size_t len) RSESS_INTERNAL;
/* Appends the UTF-8 bytes of a code point (surrogates as they are). */
int rs_buf_put_utf8(rsess_buf *b, unsigned long cp) RSESS_INTERNAL;

/* --- JSON and numbers -------------------------------------------------- */
/* JSON string literal of bytes that are valid UTF-8. */
int rs_json_string(rsess_buf *b, const char *p, size_t len) RSESS_INTERNAL;
/* Decimal text of a little-endian magnitude (sign added when negative). */
int rs_bignum_decimal(const unsigned char *mag, size_t len, int negative, rsess_buf *out) RSESS_INTERNAL;

/* --- Regexp ------------------------------------------------------------ */
/* Regexp source text as Regexp#inspect (inspect) or #to_s writes it
 * between its delimiters (re.c rb_reg_expr_str). enc: rsess_enc of the
 * regexp. */
int rs_reg_expr_str(rsess_buf *b, const char *src, size_t len, int enc, bool inspect) RSESS_INTERNAL;

/* --- the output sink ----------------------------------------------------- */
/* A buffer and the first error met while writing to it: after a failure
 * every write is a no-op, and the printer checks code once at the end. */
typedef struct rs_sink {
    rsess_buf *out;
    int code;
} rs_sink;

static inline void rs_put(rs_sink *s, const void *p, size_t n)
{
    if (!s->code && rs_buf_put(s->out, p, n)) s->code = RSESS_ERR_NOMEM;
}
static inline void rs_puts(rs_sink *s, const char *z) { rs_put(s, z, strlen(z)); }
static inline void rs_putc(rs_sink *s, char c) { rs_put(s, &c, 1); }
/* printf into the sink (the text is not cut). */
void rs_putf(rs_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3))) RSESS_INTERNAL;
static inline void rs_put_json(rs_sink *s, const char *p, size_t n)
{
    if (!s->code && rs_json_string(s->out, p, n)) s->code = RSESS_ERR_NOMEM;
}
static inline void rs_put_bignum(rs_sink *s, const unsigned char *mag, size_t len, int negative)
{
    if (!s->code && rs_bignum_decimal(mag, len, negative, s->out)) s->code = RSESS_ERR_NOMEM;
}

#endif
