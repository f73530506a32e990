/* Text helpers shared across the library (declared in text.h). */
#include "text.h"

#include <stdarg.h>

/* --- hex --------------------------------------------------------------- */
const char rs_hex_lower[] = "0123456789abcdef";

void rs_hex_encode(const unsigned char *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = rs_hex_lower[p[i] >> 4];
        out[2 * i + 1] = rs_hex_lower[p[i] & 15];
    }
}

int rs_hex_value(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* --- UTF-8 ------------------------------------------------------------- */
bool rs_ascii_only(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] >= 0x80) return false;
    return true;
}

size_t rs_utf8_decode(const unsigned char *p, size_t left, uint32_t *cp)
{
    uint32_t c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, v = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, v = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, v = c & 0x07;
    else
        return 0;
    if (left < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

bool rs_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + len;
    while (p < e) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        uint32_t cp;
        size_t n = rs_utf8_decode(p, (size_t)(e - p), &cp);
        if (!n) return false;
        p += n;
    }
    return true;
}

int rs_buf_put_utf8(rsess_buf *b, unsigned long cp)
{
    unsigned char u[4];
    size_t n;
    if (cp < 0x80)
        u[0] = (unsigned char)cp, n = 1;
    else if (cp < 0x800)
        u[0] = (unsigned char)(0xc0 | cp >> 6), u[1] = (unsigned char)(0x80 | (cp & 0x3f)), n = 2;
    else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xe0 | cp >> 12);
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xf0 | cp >> 18);
        u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return rs_buf_put(b, u, n);
}

/* --- JSON and numbers -------------------------------------------------- */
int rs_json_string(rsess_buf *b, const char *s, size_t len)
{
    if (rs_buf_reserve(b, len + 2)) return RSESS_ERR_NOMEM;
    int rc = rs_buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < len && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        rc = rs_buf_put(b, s + i - run, run);
        run = 0;
        char esc[7] = {'\\', 0};
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            memcpy(esc, "\\u00", 4);
            esc[4] = rs_hex_lower[c >> 4];
            esc[5] = rs_hex_lower[c & 15];
            n = 6;
        }
        if (!rc) rc = rs_buf_put(b, esc, n);
    }
    if (!rc) rc = rs_buf_put(b, s + len - run, run);
    if (!rc) rc = rs_buf_putc(b, '"');
    return rc;
}

/* Decimal text of a magnitude: repeated division by 10^9 on 32-bit limbs. */
int rs_bignum_decimal(const unsigned char *mag, size_t len, int negative, rsess_buf *out)
{
    while (len && mag[len - 1] == 0)
        len--;
    if (len == 0) return rs_buf_putc(out, '0');
    size_t nl = (len + 3) / 4;
    uint32_t stackl[64];
    uint32_t *limbs = nl <= 64 ? stackl : rs_malloc(out->alloc, nl * 4);
    if (!limbs) return RSESS_ERR_NOMEM;
    memset(limbs, 0, nl * 4);
    for (size_t i = 0; i < len; i++)
        limbs[i / 4] |= (uint32_t)mag[i] << (8 * (i % 4));
    /* each 10^9 chunk becomes 9 digits; at most 10 decimal digits per 4 bytes */
    size_t maxd = nl * 10 + 2;
    char stackd[700];
    char *digits = maxd <= sizeof stackd ? stackd : rs_malloc(out->alloc, maxd);
    int rc = 0;
    if (!digits) {
        rc = RSESS_ERR_NOMEM;
        goto done;
    }
    size_t nd = 0, top = nl;
    while (top) {
        uint64_t rem = 0;
        for (size_t i = top; i-- > 0;) {
            uint64_t cur = (rem << 32) | limbs[i];
            limbs[i] = (uint32_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
        }
        while (top && limbs[top - 1] == 0)
            top--;
        for (int k = 0; k < 9; k++) {
            digits[nd++] = (char)('0' + rem % 10);
            rem /= 10;
            if (!top && !rem) break;
        }
    }
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    if (negative) rc = rs_buf_putc(out, '-');
    for (size_t i = nd; i-- > 0 && !rc;)
        rc = rs_buf_putc(out, digits[i]);
    if (digits != stackd) rs_free(out->alloc, digits, maxd);
done:
    if (limbs != stackl) rs_free(out->alloc, limbs, nl * 4);
    return rc;
}

/* --- the output sink ----------------------------------------------------- */
void rs_putf(rs_sink *s, const char *fmt, ...)
{
    if (s->code) return;
    va_list ap;
    va_start(ap, fmt);
    if (rs_buf_vprintf(s->out, fmt, ap) == RSESS_ERR_NOMEM) s->code = RSESS_ERR_NOMEM;
    va_end(ap);
}

/* --- Regexp source text ------------------------------------------------- */
static size_t u8len(const unsigned char *p, const unsigned char *e)
{
    uint32_t cp;
    return rs_utf8_decode(p, (size_t)(e - p), &cp);
}

/* re.c rb_reg_expr_str with term '/': for inspect (the result in UTF-8,
 * the default external encoding) and for to_s (no result encoding). When
 * nothing needs escaping the bytes go as they are; otherwise "/" becomes
 * "\/", non-printing ASCII but white space and invalid bytes "\xHH", and
 * for inspect other characters "\u00E9" (binary: "\xFF"). A backslash
 * and the character after it are copied together. */
int rs_reg_expr_str(rsess_buf *b, const char *src, size_t len, int enc, bool inspect)
{
    const unsigned char *s = (const unsigned char *)src, *p = s, *e = s + len;
    bool utf8 = enc == RSESS_ENC_UTF8, need = false;
    for (; p < e && !need; p++) {
        if (*p < 0x80) need = *p == '/' || *p < 0x20 || *p == 0x7f;
        else if (enc == RSESS_ENC_BINARY) need = true;  /* not the result's encoding */
        else if (!utf8 || !u8len(p, e) || !inspect) need = true; /* broken, or to_s */
        else p += u8len(p, e) - 1;
    }
    if (!need) return rs_buf_put(b, s, len);
    int rc = 0;
    for (p = s; p < e && !rc;) {
        size_t cl = 1;
        if (*p == '\\' && p + 1 < e) {
            size_t m = p[1] >= 0x80 && utf8 && u8len(p + 1, e) ? u8len(p + 1, e) : 1;
            rc = rs_buf_put(b, p, 1 + m);
            p += 1 + m;
            continue;
        }
        if (*p >= 0x80) {
            cl = utf8 ? u8len(p, e) : enc == RSESS_ENC_BINARY ? 1 : 0;
            if (!cl) {
                rc = rs_buf_printf(b, "\\x%02X", *p);
                cl = 1;
            } else if (!inspect) {
                rc = rs_buf_put(b, p, cl);
            } else if (!utf8) {
                rc = rs_buf_printf(b, "\\x%02X", *p);
            } else {
                uint32_t c;
                rs_utf8_decode(p, cl, &c);
                rc = c < 0x10000 ? rs_buf_printf(b, "\\u%04X", (unsigned)c) : rs_buf_printf(b, "\\u{%X}", (unsigned)c);
            }
        } else if (*p == '/') rc = rs_buf_put(b, "\\/", 2);
        else if ((*p >= 0x20 && *p < 0x7f) || (*p >= '\t' && *p <= '\r')) rc = rs_buf_put(b, p, 1);
        else rc = rs_buf_printf(b, "\\x%02X", *p);
        p += cl;
    }
    return rc;
}
