/* Text forms of bytes: redis-cli / Ruby quoted strings, hex, base64. */
#include "internal.h"

static bool is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* One escape after a backslash at s[*i] (pointing past the backslash). */
static int unescape(const char *s, size_t len, size_t *i, rsess_buf *out, rsess_err *err)
{
    size_t at = *i - 1;
    if (*i >= len) return rs_fail(err, RSESS_ERR_QUOTED, at, "backslash at the end of the text");
    char c = s[(*i)++];
    switch (c) {
    case 'n': return rs_buf_putc(out, '\n');
    case 'r': return rs_buf_putc(out, '\r');
    case 't': return rs_buf_putc(out, '\t');
    case 'a': return rs_buf_putc(out, '\a');
    case 'b': return rs_buf_putc(out, '\b');
    case 'v': return rs_buf_putc(out, '\v');
    case 'f': return rs_buf_putc(out, '\f');
    case 'e': return rs_buf_putc(out, 033);
    case 's': return rs_buf_putc(out, ' ');
    case 'x': {
        int h1 = *i < len ? rs_hex_value((unsigned char)s[*i]) : -1;
        if (h1 < 0) return rs_fail(err, RSESS_ERR_QUOTED, at, "\\x without hex digits at offset %zu", at);
        (*i)++;
        int h2 = *i < len ? rs_hex_value((unsigned char)s[*i]) : -1;
        if (h2 < 0) return rs_buf_putc(out, h1); /* Ruby accepts one digit */
        (*i)++;
        return rs_buf_putc(out, h1 * 16 + h2);
    }
    case 'u': {
        if (*i < len && s[*i] == '{') {
            (*i)++;
            int any = 0;
            for (;;) {
                while (*i < len && s[*i] == ' ') (*i)++;
                if (*i < len && s[*i] == '}') {
                    (*i)++;
                    break;
                }
                unsigned long cp = 0;
                size_t nd = 0;
                while (*i < len && rs_hex_value((unsigned char)s[*i]) >= 0 && nd < 7) {
                    cp = cp * 16 + (unsigned long)rs_hex_value((unsigned char)s[*i]);
                    (*i)++;
                    nd++;
                }
                if (!nd || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                    return rs_fail(err, RSESS_ERR_QUOTED, at, "bad \\u{...} escape at offset %zu", at);
                if (rs_buf_put_utf8(out, cp)) return RSESS_ERR_NOMEM;
                any = 1;
            }
            if (!any) return rs_fail(err, RSESS_ERR_QUOTED, at, "empty \\u{} escape at offset %zu", at);
            return 0;
        }
        unsigned long cp = 0;
        for (int k = 0; k < 4; k++) {
            int h = *i < len ? rs_hex_value((unsigned char)s[*i]) : -1;
            if (h < 0) return rs_fail(err, RSESS_ERR_QUOTED, at, "\\u needs four hex digits at offset %zu", at);
            cp = cp * 16 + (unsigned long)h;
            (*i)++;
        }
        if (cp >= 0xd800 && cp <= 0xdfff)
            return rs_fail(err, RSESS_ERR_QUOTED, at, "\\u escape of a surrogate at offset %zu", at);
        return rs_buf_put_utf8(out, cp);
    }
    default:
        if (c >= '0' && c <= '7') { /* octal, up to three digits; \0 is one */
            int v = c - '0';
            for (int k = 0; k < 2 && *i < len && s[*i] >= '0' && s[*i] <= '7'; k++) v = v * 8 + (s[(*i)++] - '0');
            return rs_buf_putc(out, v & 0xff);
        }
        /* \\ \" \# and any other char: the char itself (sdssplitargs) */
        return rs_buf_putc(out, (unsigned char)c);
    }
}

int rsess_unquote(const char *s, size_t len, rsess_buf *out, rsess_err *err)
{
    if (!out || (!s && len)) return rs_fail(err, RSESS_ERR_ARG, 0, "no input or output");
    size_t start = out->len, i = 0;
    while (i < len && is_space((unsigned char)s[i])) i++;
    if (i >= len || s[i] != '"') return rs_fail(err, RSESS_ERR_QUOTED, i, "expected a double quote at offset %zu", i);
    size_t open = i++;
    int rc = 0;
    for (;;) {
        if (i >= len) {
            out->len = start;
            return rs_fail(err, RSESS_ERR_QUOTED, open, "no closing quote for the string at offset %zu", open);
        }
        char c = s[i++];
        if (c == '"') break;
        if (c == '\\') rc = unescape(s, len, &i, out, err);
        else rc = rs_buf_putc(out, (unsigned char)c);
        if (rc) {
            out->len = start;
            return rc == RSESS_ERR_NOMEM ? rs_fail(err, rc, i, NULL) : rc;
        }
    }
    size_t after = i;
    if (i < len && s[i] == '\r') i++;
    if (i < len && s[i] == '\n') i++;
    if (i != len) {
        out->len = start;
        return rs_fail(err, RSESS_ERR_QUOTED, after, "text after the closing quote at offset %zu", after);
    }
    rs_ok(err);
    return 0;
}

int rsess_quote(const void *p, size_t len, rsess_buf *out)
{
    const unsigned char *s = p;
    if (!out || (!p && len)) return RSESS_ERR_ARG;
    size_t start = out->len;
    int rc = rs_buf_putc(out, '"');
    for (size_t i = 0; i < len && !rc; i++) {
        unsigned char c = s[i];
        char esc[4] = {'\\', 0, 0, 0};
        size_t n = 2;
        switch (c) { /* sds.c sdscatrepr */
        case '\\': esc[1] = '\\'; break;
        case '"': esc[1] = '"'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\a': esc[1] = 'a'; break;
        case '\b': esc[1] = 'b'; break;
        default:
            if (c >= 0x20 && c < 0x7f) {
                esc[0] = (char)c;
                n = 1;
            } else {
                esc[1] = 'x';
                esc[2] = rs_hex_lower[c >> 4];
                esc[3] = rs_hex_lower[c & 15];
                n = 4;
            }
        }
        rc = rs_buf_put(out, esc, n);
    }
    if (!rc && !(rc = rs_buf_putc(out, '"'))) return 0;
    out->len = start; /* out as it was */
    return RSESS_ERR_NOMEM;
}

int rsess_unhex(const char *s, size_t len, rsess_buf *out, rsess_err *err)
{
    if (!out || (!s && len)) return rs_fail(err, RSESS_ERR_ARG, 0, "no input or output");
    size_t start = out->len;
    int hi = -1;
    size_t hi_at = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_space(c)) continue;
        int v = rs_hex_value(c);
        if (v < 0) {
            out->len = start;
            return rs_fail(err, RSESS_ERR_HEX, i, "not a hex digit at offset %zu", i);
        }
        if (hi < 0) {
            hi = v;
            hi_at = i;
        } else {
            if (rs_buf_putc(out, hi * 16 + v)) {
                out->len = start;
                return rs_fail(err, RSESS_ERR_NOMEM, i, NULL);
            }
            hi = -1;
        }
    }
    if (hi >= 0) {
        out->len = start;
        return rs_fail(err, RSESS_ERR_HEX, hi_at, "odd number of hex digits (last at offset %zu)", hi_at);
    }
    rs_ok(err);
    return 0;
}

int rsess_hex(const void *p, size_t len, rsess_buf *out)
{
    const unsigned char *s = p;
    if (!out || (!p && len)) return RSESS_ERR_ARG;
    if (rs_buf_reserve(out, len * 2)) return RSESS_ERR_NOMEM;
    rs_hex_encode(s, len, (char *)out->data + out->len);
    out->len += 2 * len;
    return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int rsess_base64(const void *p, size_t len, rsess_buf *out)
{
    const unsigned char *s = p;
    if (!out || (!p && len)) return RSESS_ERR_ARG;
    if (rs_buf_reserve(out, (len + 2) / 3 * 4)) return RSESS_ERR_NOMEM;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        for (int k = 3; k >= 0; k--) out->data[out->len++] = (unsigned char)b64[(v >> (6 * k)) & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < len ? (uint32_t)s[i + 1] << 8 : 0);
        out->data[out->len++] = (unsigned char)b64[(v >> 18) & 63];
        out->data[out->len++] = (unsigned char)b64[(v >> 12) & 63];
        out->data[out->len++] = i + 1 < len ? (unsigned char)b64[(v >> 6) & 63] : '=';
        out->data[out->len++] = '=';
    }
    return 0;
}

int rsess_unbase64(const char *s, size_t len, rsess_buf *out, rsess_err *err)
{
    if (!out || (!s && len)) return rs_fail(err, RSESS_ERR_ARG, 0, "no input or output");
    size_t start = out->len, npad = 0, nq = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_space(c)) continue;
        int v;
        if (c == '=') {
            npad++;
            v = 0;
        } else {
            const char *q = c ? strchr(b64, c) : NULL;
            if (c == '-') q = b64 + 62; /* URL-safe alphabet too */
            else if (c == '_') q = b64 + 63;
            if (!q || npad) {
                out->len = start;
                return rs_fail(err, RSESS_ERR_BASE64, i, "not base64 at offset %zu", i);
            }
            v = (int)(q - b64);
        }
        acc = acc << 6 | (uint32_t)v;
        if (++nq == 4) {
            unsigned char t[3] = {(unsigned char)(acc >> 16), (unsigned char)(acc >> 8), (unsigned char)acc};
            if (npad > 2 || rs_buf_put(out, t, 3 - npad)) {
                out->len = start;
                return rs_fail(err, npad > 2 ? RSESS_ERR_BASE64 : RSESS_ERR_NOMEM, i, "bad base64 padding");
            }
            nq = 0;
            acc = 0;
            if (npad) npad = 3; /* nothing may follow padding */
        }
    }
    if (nq == 2 || nq == 3) { /* unpadded tail */
        acc <<= 6 * (4 - nq);
        unsigned char t[2] = {(unsigned char)(acc >> 16), (unsigned char)(acc >> 8)};
        if (rs_buf_put(out, t, nq - 1)) {
            out->len = start;
            return rs_fail(err, RSESS_ERR_NOMEM, len, NULL);
        }
    } else if (nq) {
        out->len = start;
        return rs_fail(err, RSESS_ERR_BASE64, len, "truncated base64");
    }
    rs_ok(err);
    return 0;
}
