/* The Ruby view: what Ruby 3.4's `p` prints (Kernel#inspect), or with
 * RSESS_PRINT_RUBY40 Ruby 4.0's where it differs (Set). String
 * escaping follows rb_str_inspect, Symbol quoting rb_sym_inspect, Hash
 * layout the 3.4 hash.c inspect_i ("{"k" => v}", "{k: v}"). */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <strings.h>

typedef struct rview {
    rsess_buf *out;
    uint8_t *active; /* node id -> being printed (recursion guard) */
    size_t cap;
    const rsess_alloc *alloc;
    size_t depth;
    int code;
    unsigned flags; /* RSESS_PRINT_RUBY40: Ruby 4.0's texts */
} rview;

static void put(rview *r, const char *s, size_t n)
{
    if (!r->code && rs_buf_put(r->out, s, n)) r->code = RSESS_ERR_NOMEM;
}
static void puts_(rview *r, const char *s) { put(r, s, strlen(s)); }
static void putc_(rview *r, char c) { put(r, &c, 1); }

/* \xHH, \uHHHH or \u{H...}: the escapes rb_str_inspect writes. */
static void put_escape(rview *r, char kind, unsigned long x)
{
    char tmp[32];
    int n;
    if (kind == 'x') n = snprintf(tmp, sizeof tmp, "\\x%02lX", x);
    else if (kind == 'X') n = snprintf(tmp, sizeof tmp, "\\x{%lX}", x);
    else if (x < 0x10000) n = snprintf(tmp, sizeof tmp, "\\u%04lX", x);
    else n = snprintf(tmp, sizeof tmp, "\\u{%lX}", x);
    put(r, tmp, (size_t)n);
}

/* Decodes one UTF-8 character; returns its length or 0 if invalid. */
static size_t utf8_char(const unsigned char *p, size_t left, unsigned *cp)
{
    unsigned c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    unsigned v;
    if (c >= 0xc2 && c <= 0xdf) n = 2, v = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef) n = 3, v = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4) n = 4, v = c & 0x07;
    else return 0;
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

/* Onigmo's [[:print:]] for Unicode as Ruby 3.4 has it (Unicode 15.0). */
static bool unicode_printable(unsigned cp)
{
    if (cp < 0x80) return cp >= 0x20 && cp != 0x7f;
    return rs_unicode_printable(cp);
}

static void escape_special(rview *r, unsigned c, bool *done)
{
    *done = true;
    switch (c) {
    case '\n': puts_(r, "\\n"); return;
    case '\r': puts_(r, "\\r"); return;
    case '\t': puts_(r, "\\t"); return;
    case '\f': puts_(r, "\\f"); return;
    case '\v': puts_(r, "\\v"); return;
    case '\b': puts_(r, "\\b"); return;
    case '\a': puts_(r, "\\a"); return;
    case 033: puts_(r, "\\e"); return;
    default: *done = false;
    }
}

/* Character decoding for the multibyte encodings inspect must walk by
 * character: Ruby prints their characters as \x{HHHH} (or \uHHHH for the
 * UTF-16/32 family) rather than byte by byte. */
enum { FAM_BYTES, FAM_UTF8, FAM_SJIS, FAM_EUC, FAM_BIG5, FAM_GBK, FAM_GB18030, /* the wide ones next: */
       FAM_UTF16LE, FAM_UTF16BE, FAM_UTF32LE, FAM_UTF32BE, FAM_DUMMY };

static bool name_is(const char *n, size_t len, const char *lit)
{
    return strlen(lit) == len && strncasecmp(n, lit, len) == 0;
}

static int family_of(int enc, const char *name, size_t len)
{
    if (enc == RSESS_ENC_UTF8) return FAM_UTF8;
    if (enc != RSESS_ENC_OTHER) return FAM_BYTES;
    static const char *const sjis[] = {"Shift_JIS", "Windows-31J", "CP932", "SJIS", "MacJapanese",
                                       "SJIS-DoCoMo", "SJIS-KDDI", "SJIS-SoftBank", NULL};
    static const char *const euc[] = {"EUC-JP", "eucJP-ms", "CP51932", "EUC-JIS-2004", "EUC-KR", "GB2312",
                                      "EUC-TW", NULL};
    /* Onigmo's big5.c, gbk.c, gb18030.c: a lead byte 0x81..0xfe, trail bytes below 0xa1 too */
    static const char *const big5[] = {"Big5", "Big5-HKSCS", "Big5-UAO", "CP950", "CP951", NULL};
    if (name_is(name, len, "GBK") || name_is(name, len, "CP936")) return FAM_GBK;
    if (name_is(name, len, "GB18030")) return FAM_GB18030;
    for (int i = 0; big5[i]; i++)
        if (name_is(name, len, big5[i])) return FAM_BIG5;
    for (int i = 0; sjis[i]; i++)
        if (name_is(name, len, sjis[i])) return FAM_SJIS;
    for (int i = 0; euc[i]; i++)
        if (name_is(name, len, euc[i])) return FAM_EUC;
    if (name_is(name, len, "UTF-16LE")) return FAM_UTF16LE;
    if (name_is(name, len, "UTF-16BE")) return FAM_UTF16BE;
    if (name_is(name, len, "UTF-32LE")) return FAM_UTF32LE;
    if (name_is(name, len, "UTF-32BE")) return FAM_UTF32BE;
    if (name_is(name, len, "UTF8-MAC") || name_is(name, len, "UTF-8-MAC")) return FAM_UTF8;
    /* Encoding#dummy? ones (Ruby 3.4's list, with the aliases Marshal might
     * carry): rb_str_inspect escapes every byte of them */
    static const char *const dummy[] = {"UTF-16", "UTF-32", "UTF-7", "CP65000", "IBM037", "ebcdic-cp-us",
                                        "ISO-2022-JP", "ISO2022-JP", "ISO-2022-JP-2", "ISO2022-JP2", "CP50220",
                                        "CP50221", "ISO-2022-JP-KDDI", NULL};
    for (int i = 0; dummy[i]; i++)
        if (name_is(name, len, dummy[i])) return FAM_DUMMY;
    return FAM_BYTES;
}

/* One character at p: its length (0 if invalid) and code point. */
static size_t next_char(int fam, const unsigned char *p, size_t left, unsigned *cp)
{
    unsigned b = p[0];
    switch (fam) {
    case FAM_UTF8: return utf8_char(p, left, cp);
    case FAM_SJIS:
        *cp = b;
        if (b < 0x80 || (b >= 0xa1 && b <= 0xdf)) return 1;
        if (((b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc)) && left >= 2 &&
            ((p[1] >= 0x40 && p[1] <= 0x7e) || (p[1] >= 0x80 && p[1] <= 0xfc))) {
            *cp = b << 8 | p[1];
            return 2;
        }
        return 0;
    case FAM_EUC:
        *cp = b;
        if (b < 0x80) return 1;
        if (b == 0x8f && left >= 3 && p[1] >= 0xa1 && p[2] >= 0xa1 && p[1] != 0xff && p[2] != 0xff) {
            *cp = b << 16 | (unsigned)p[1] << 8 | p[2];
            return 3;
        }
        if (((b >= 0xa1 && b <= 0xfe) || b == 0x8e) && left >= 2 && p[1] >= 0xa1 && p[1] <= 0xfe) {
            *cp = b << 8 | p[1];
            return 2;
        }
        return 0;
    case FAM_BIG5: case FAM_GBK: case FAM_GB18030:
        *cp = b;
        if (b < 0x80 || (b == 0x80 && fam == FAM_GBK)) return 1;
        if (b < (fam == FAM_BIG5 ? 0xa1 : 0x81) || b > 0xfe || left < 2) return 0;
        if (fam == FAM_GB18030 && p[1] >= 0x30 && p[1] <= 0x39) {
            if (left < 4 || p[2] < 0x81 || p[2] > 0xfe || p[3] < 0x30 || p[3] > 0x39) return 0;
            *cp = b << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
            return 4;
        }
        if ((p[1] >= 0x40 && p[1] <= 0x7e) || ((fam == FAM_BIG5 ? p[1] >= 0xa1 : p[1] >= 0x80) && p[1] <= 0xfe)) {
            *cp = b << 8 | p[1];
            return 2;
        }
        return 0;
    case FAM_UTF16LE: case FAM_UTF16BE: {
        if (left < 2) return 0;
        unsigned u = fam == FAM_UTF16LE ? (unsigned)p[0] | (unsigned)p[1] << 8 : (unsigned)p[0] << 8 | p[1];
        if (u >= 0xdc00 && u <= 0xdfff) return 0;
        if (u >= 0xd800 && u <= 0xdbff) {
            if (left < 4) return 0;
            unsigned l = fam == FAM_UTF16LE ? (unsigned)p[2] | (unsigned)p[3] << 8 : (unsigned)p[2] << 8 | p[3];
            if (l < 0xdc00 || l > 0xdfff) return 0;
            *cp = 0x10000 + ((u - 0xd800) << 10) + (l - 0xdc00);
            return 4;
        }
        *cp = u;
        return 2;
    }
    case FAM_UTF32LE: case FAM_UTF32BE: {
        if (left < 4) return 0;
        unsigned u = fam == FAM_UTF32LE ? (unsigned)p[0] | (unsigned)p[1] << 8 | (unsigned)p[2] << 16 | (unsigned)p[3] << 24
                                        : (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
        /* Ruby's UTF-32 (as measured: valid_encoding? of 40,000 random units) also
         * takes units from 0x80000000 up whose low half is not a surrogate */
        if (u <= 0x10ffff ? (u >= 0xd800 && u <= 0xdfff) : (u < 0x80000000u || (u & 0xf800) == 0xd800)) return 0;
        *cp = u;
        return 4;
    }
    default: *cp = b; return 1;
    }
}

/* rb_str_inspect: the result is UTF-8, so only UTF-8 strings print their
 * non-ASCII characters as themselves; other encodings escape them. */
static void inspect_bytes(rview *r, const char *s, size_t len, int enc, const char *encname, size_t enclen)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + len;
    int fam = family_of(enc, encname, enclen);
    bool unicode = fam == FAM_UTF8 || (fam >= FAM_UTF16LE && fam <= FAM_UTF32BE);
    bool wide = fam >= FAM_UTF16LE && fam <= FAM_UTF32BE;
    putc_(r, '"');
    while (fam == FAM_DUMMY && p < e) { /* no character is printed as itself */
        bool done;
        escape_special(r, *p, &done);
        if (!done) put_escape(r, 'x', *p);
        p++;
    }
    while (p < e) {
        unsigned c;
        size_t n = next_char(fam, p, (size_t)(e - p), &c);
        if (!n) { /* an invalid byte (a wide encoding's unit) */
            size_t k = wide ? ((fam >= FAM_UTF32LE ? 4u : 2u) < (size_t)(e - p) ? (fam >= FAM_UTF32LE ? 4u : 2u) : (size_t)(e - p)) : 1;
            for (size_t i = 0; i < k; i++) put_escape(r, 'x', p[i]);
            p += k;
            continue;
        }
        const unsigned char *next = p + n;
        unsigned c2 = 0;
        bool have2 = next < e && next_char(fam, next, (size_t)(e - next), &c2) > 0;
        if (c == '"' || c == '\\') {
            putc_(r, '\\');
            putc_(r, (char)c);
        } else if (c == '#' && have2 && (c2 == '{' || c2 == '$' || c2 == '@')) {
            puts_(r, "\\#");
        } else {
            bool done;
            escape_special(r, c, &done);
            if (!done) {
                if (c < 0x80 && c >= 0x20 && c < 0x7f) putc_(r, (char)c);
                else if (fam == FAM_UTF8 && c >= 0x80 && unicode_printable(c)) put(r, (const char *)p, n);
                else if (unicode) put_escape(r, 'u', c);
                else if (c >= 0x100) put_escape(r, 'X', c);
                else put_escape(r, 'x', c);
            }
        }
        p = next;
    }
    putc_(r, '"');
}

static void inspect_str(rview *r, const rsess_val *v)
{
    size_t enclen = 0;
    const char *encname = v->enc == RSESS_ENC_OTHER ? rs_enc_name(v, &enclen) : NULL;
    inspect_bytes(r, v->u.s.p, v->u.s.len, v->enc, encname, enclen);
}

/* --- symbols -------------------------------------------------------------- */
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool ident_start(unsigned char c) { return c == '_' || ((c | 32) >= 'a' && (c | 32) <= 'z') || c >= 0x80; }
static bool ident_char(unsigned char c) { return ident_start(c) || is_digit(c); }

static bool is_ident(const unsigned char *p, size_t n)
{
    if (!n || !ident_start(p[0])) return false;
    for (size_t i = 1; i < n; i++)
        if (!ident_char(p[i])) return false;
    return true;
}

/* rb_enc_symname_type: can the name be written as :name without quotes? */
static bool symname_plain(const char *s, size_t n)
{
    static const char *const ops[] = {"[]", "[]=", "**", "!", "!=", "!~", "+", "-", "*", "/", "%",
                                      "==", "===", "=~", "<", "<=", "<=>", ">", ">=", "<<", ">>",
                                      "&", "|", "^", "~", "+@", "-@", "`", NULL};
    const unsigned char *p = (const unsigned char *)s;
    if (n == 0) return false;
    for (int i = 0; ops[i]; i++)
        if (strlen(ops[i]) == n && memcmp(ops[i], s, n) == 0) return true;
    if (p[0] == '$') {
        if (n == 2 && strchr("~*$?!@/\\;,.=:<>\"&`'+0_", p[1]) && p[1]) return true;
        if (n >= 2 && p[1] == '-') return n == 3 && ident_char(p[2]);
        bool digits = n >= 2;
        for (size_t i = 1; i < n; i++)
            if (!is_digit(p[i])) digits = false;
        if (digits && p[1] != '0') return true;
        return is_ident(p + 1, n - 1);
    }
    if (p[0] == '@') {
        size_t k = n >= 2 && p[1] == '@' ? 2 : 1;
        return is_ident(p + k, n - k) && !is_digit(p[k]);
    }
    size_t m = n;
    if (p[n - 1] == '?' || p[n - 1] == '!' || p[n - 1] == '=') m--;
    return is_ident(p, m);
}

/* rb_str_symname_p's encoding rule: a name outside ASCII is a plain name
 * only in valid UTF-8 (the default external encoding). */
static bool sym_text_plain(const rsess_val *v)
{
    int enc = v->enc == RSESS_ENC_BINARY && rs_ascii_only(v->u.s.p, v->u.s.len) ? RSESS_ENC_USASCII : v->enc;
    if (enc == RSESS_ENC_OTHER) { /* UTF-16LE bytes "B0" are not the name B0 */
        size_t n;
        const char *name = rs_enc_name(v, &n);
        if (!rs_enc_ascii_compatible(name, n) || family_of(enc, name, n) == FAM_DUMMY) return false;
    }
    if (enc != RSESS_ENC_UTF8) return rs_ascii_only(v->u.s.p, v->u.s.len);
    /* sym_printable: every character printable */
    const unsigned char *p = (const unsigned char *)v->u.s.p;
    for (size_t i = 0, n; i < v->u.s.len; i += n) {
        unsigned cp;
        if (!(n = utf8_char(p + i, v->u.s.len - i, &cp)) || !unicode_printable(cp)) return false;
    }
    return true;
}

static void inspect_symbol(rview *r, const rsess_val *v)
{
    putc_(r, ':');
    if (sym_text_plain(v) && symname_plain(v->u.s.p, v->u.s.len)) put(r, v->u.s.p, v->u.s.len);
    else inspect_str(r, v);
}

/* hash.c symbol_key_needs_quote (Ruby 3.4) */
static bool key_needs_quote(const char *s, size_t n)
{
    if (n == 0 || !symname_plain(s, n)) return true;
    if (s[0] == '@' || s[0] == '$' || s[0] == '!') return true;
    return strchr("+-*/`%^&|]<=>~@", s[n - 1]) != NULL;
}

/* --- values ---------------------------------------------------------------- */
static void inspect(rview *r, const rsess_val *v);
static void inspect_sym_name(rview *r, const rsess_val *s);

static bool enter(rview *r, const rsess_val *v)
{
    if (v->id >= r->cap) {
        size_t ncap = r->cap ? r->cap : 64;
        while (ncap <= v->id) ncap *= 2;
        uint8_t *a = rs_realloc(r->alloc, r->active, r->cap, ncap);
        if (!a) {
            r->code = RSESS_ERR_NOMEM;
            return false;
        }
        memset(a + r->cap, 0, ncap - r->cap);
        r->active = a;
        r->cap = ncap;
    }
    if (r->active[v->id]) return false;
    r->active[v->id] = 1;
    return true;
}

static void leave(rview *r, const rsess_val *v) { r->active[v->id] = 0; }

static void inspect_sym_name(rview *r, const rsess_val *s)
{
    if (s && s->type == RSESS_SYMBOL) put(r, s->u.s.p, s->u.s.len);
    else puts_(r, "?");
}

static void inspect_hash(rview *r, const rsess_val *v)
{
    if (v->u.c.n == 0) {
        puts_(r, "{}");
        return;
    }
    putc_(r, '{');
    for (size_t i = 0; i < v->u.c.n; i++) {
        const rsess_val *k = v->u.c.k[2 * i];
        if (i) puts_(r, ", ");
        if (k->type == RSESS_SYMBOL) {
            if (!sym_text_plain(k) || key_needs_quote(k->u.s.p, k->u.s.len)) inspect_str(r, k);
            else put(r, k->u.s.p, k->u.s.len);
            puts_(r, ": ");
        } else {
            inspect(r, k);
            puts_(r, " => ");
        }
        inspect(r, v->u.c.k[2 * i + 1]);
    }
    putc_(r, '}');
}

static size_t u8len(const unsigned char *p, const unsigned char *e)
{
    unsigned cp;
    return utf8_char(p, (size_t)(e - p), &cp);
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
                unsigned c;
                utf8_char(p, cl, &c);
                rc = c < 0x10000 ? rs_buf_printf(b, "\\u%04X", (unsigned)c) : rs_buf_printf(b, "\\u{%X}", (unsigned)c);
            }
        } else if (*p == '/') rc = rs_buf_put(b, "\\/", 2);
        else if ((*p >= 0x20 && *p < 0x7f) || (*p >= '\t' && *p <= '\r')) rc = rs_buf_put(b, p, 1);
        else rc = rs_buf_printf(b, "\\x%02X", *p);
        p += cl;
    }
    return rc;
}

static void inspect_regexp(rview *r, const rsess_val *v)
{
    putc_(r, '/');
    size_t nl = 0;
    const char *name = v->enc == RSESS_ENC_OTHER ? rs_enc_name(v, &nl) : NULL;
    if (name && !rs_enc_ascii_compatible(name, nl)) {
        /* UTF-16/32 source: Ruby shows its bytes as they are, escaping only '/' */
        for (size_t i = 0; i < v->u.s.len; i++) {
            if (v->u.s.p[i] == '\\' && i + 1 < v->u.s.len) put(r, v->u.s.p + i++, 2);
            else if (v->u.s.p[i] == '/') puts_(r, "\\/");
            else putc_(r, v->u.s.p[i]);
        }
    } else if (!r->code && rs_reg_expr_str(r->out, v->u.s.p, v->u.s.len, v->enc, true)) {
        r->code = RSESS_ERR_NOMEM;
    }
    putc_(r, '/');
    if (v->opts & 4) putc_(r, 'm');
    if (v->opts & 1) putc_(r, 'i');
    if (v->opts & 2) putc_(r, 'x');
    if (v->opts & 32) putc_(r, 'n');
}

/* --- classes with meaning -------------------------------------------------- */
static int64_t floordiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/* Local broken-down time of an instant with an offset. */
typedef struct civil {
    int64_t year, days;
    int month, day, hour, min, sec, wday;
} civil;

static civil civil_of(int64_t sec, int32_t offset)
{
    civil c;
    int64_t local = sec + offset, days = floordiv(local, 86400), rem = local - days * 86400;
    rs_civil_from_days(days, &c.year, &c.month, &c.day);
    c.days = days;
    c.hour = (int)(rem / 3600);
    c.min = (int)(rem / 60 % 60);
    c.sec = (int)(rem % 60);
    c.wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
    return c;
}

static void putfmt(rview *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void putfmt(rview *r, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) put(r, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void put_offset(rview *r, int32_t off, bool colon)
{
    char sign = off < 0 ? '-' : '+';
    int32_t a = off < 0 ? -off : off;
    putfmt(r, colon ? "%c%02d:%02d" : "%c%02d%02d", sign, (int)(a / 3600), (int)(a / 60 % 60));
    if (!colon && a % 60) putfmt(r, "%02d", (int)(a % 60));
}

/* Time#inspect: "2026-01-29 13:24:14.44805 UTC", "... 1/3 UTC", "... +0900" */
static void inspect_time(rview *r, const rsess_time *t)
{
    civil c = civil_of(t->sec, t->utc ? 0 : t->utc_offset);
    putfmt(r, "%s%04lld-%02d-%02d %02d:%02d:%02d", YEAR(c.year), c.month, c.day, c.hour, c.min, c.sec);
    if (t->frac_num) {
        if (t->exact) {
            char ns[16];
            int n = snprintf(ns, sizeof ns, ".%09u", t->nsec);
            while (n > 1 && ns[n - 1] == '0') n--;
            put(r, ns, (size_t)n);
        } else {
            putfmt(r, " %lld/%lld", (long long)t->frac_num, (long long)t->frac_den);
        }
    }
    if (t->utc) puts_(r, " UTC");
    else {
        putc_(r, ' ');
        put_offset(r, t->utc_offset, false);
    }
}

static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* ActiveSupport::TimeWithZone#inspect: "%a, %d %b %Y %H:%M:%S.%9N ZONE +00:00".
 * ZONE is the abbreviation in effect at that instant ("CET", "JST"), read
 * from the zone's TZif file under /usr/share/zoneinfo (Rails names mapped to
 * IANA names as ActiveSupport maps them); without that file, the zone name. */
static void inspect_twz(rview *r, const rsess_time *utc, const char *zone, size_t zl, int32_t off)
{
    char abbr[64];
    civil c = civil_of(utc->sec, off);
    putfmt(r, "%s, %02d %s %s%04lld %02d:%02d:%02d.%09u ", wdays[c.wday], c.day, months[c.month - 1],
           YEAR(c.year), c.hour, c.min, c.sec, utc->nsec);
    if ((zl == 3 && memcmp(zone, "UTC", 3) == 0) || (zl == 7 && memcmp(zone, "Etc/UTC", 7) == 0)) puts_(r, "UTC");
    else if (rs_zone_abbrev(zone, zl, utc->sec, r->alloc, abbr, sizeof abbr)) puts_(r, abbr);
    else put(r, zone, zl);
    putc_(r, ' ');
    put_offset(r, off, true);
}

/* Date#inspect: "#<Date: 2024-01-15 ((2460325j,0s,0n),+0s,2299161j)>" */
static void inspect_date(rview *r, const rsess_val *v, const rsess_date *d)
{
    const rsess_val *a = v->u.one;
    puts_(r, d->datetime ? "#<DateTime: " : "#<Date: ");
    putfmt(r, "%s%04lld-%02d-%02d", YEAR(d->year), d->month, d->day);
    if (d->datetime) {
        putfmt(r, "T%02d:%02d:%02d", d->hour, d->minute, d->second);
        put_offset(r, d->offset, true);
    }
    int64_t nth = 0, jd = 0, df = 0, of = 0;
    rsess_int(a->u.c.k[0], &nth);
    rsess_int(a->u.c.k[1], &jd);
    rsess_int(a->u.c.k[2], &df);
    rsess_int(a->u.c.k[4], &of);
    putfmt(r, " ((%lldj,%llds,", (long long)(jd + nth * 213447717LL), (long long)df);
    inspect(r, a->u.c.k[3]);
    putfmt(r, "n),%+llds,", (long long)of);
    if (isinf(d->start)) puts_(r, d->start < 0 ? "-Inf" : "Inf");
    else putfmt(r, "%.0f", d->start);
    puts_(r, "j)>");
}

static bool num_negative(const rsess_val *v)
{
    return (v->type == RSESS_INT && v->u.i < 0) || (v->type == RSESS_FLOAT && signbit(v->u.f)) ||
           (v->type == RSESS_BIGNUM && (v->flags & F_NEGATIVE));
}

/* |v| of an Integer or Float when neg, else v as inspect shows it */
static void num_text(rview *r, const rsess_val *v, bool neg)
{
    if (neg && v->type == RSESS_INT) putfmt(r, "%llu", 0ull - (unsigned long long)v->u.i);
    else if (neg && v->type == RSESS_FLOAT) {
        char tmp[RSESS_FLOAT_TEXT_MAX];
        put(r, tmp, rsess_float_ruby_text(-v->u.f, tmp));
    } else if (neg && v->type == RSESS_BIGNUM) {
        if (rs_bignum_decimal((const unsigned char *)v->u.s.p, v->u.s.len, 0, r->out)) r->code = RSESS_ERR_NOMEM;
    } else inspect(r, v);
}

/* A part of a Complex (Integer, Float, Rational), its magnitude when neg;
 * Rational#inspect "(2/3)", Rational#to_s "2/3". */
static void part_text(rview *r, const rsess_val *v, bool neg, bool to_s)
{
    rsess_val *n, *d;
    if (!rsess_get_rational(v, &n, &d)) return num_text(r, v, neg);
    if (!to_s) putc_(r, '(');
    num_text(r, n, neg);
    putc_(r, '/');
    num_text(r, d, false);
    if (!to_s) putc_(r, ')');
}

/* complex.c f_format: real, the sign of imag, |imag|, "*" when that does
 * not end in a digit ("(1-(2/3)*i)", "NaN*i"), "i". */
static void complex_text(rview *r, rsess_val *re, rsess_val *im, bool to_s)
{
    rsess_val *n, *d;
    part_text(r, re, false, to_s);
    bool neg = num_negative(rsess_get_rational(im, &n, &d) ? n : im);
    putc_(r, neg ? '-' : '+');
    part_text(r, im, neg, to_s);
    if (!r->code && r->out->len && !is_digit(r->out->data[r->out->len - 1])) putc_(r, '*');
    putc_(r, 'i');
}

/* Complex#inspect: "(2+3i)", "(1.0-2.5i)" */
static void inspect_complex(rview *r, rsess_val *re, rsess_val *im)
{
    putc_(r, '(');
    complex_text(r, re, im, false);
    putc_(r, ')');
}

int rs_complex_to_s(const rsess_val *v, rsess_buf *out)
{
    rsess_val *re, *im;
    if (!rsess_get_complex(v, &re, &im)) return RSESS_ERR_VALUE;
    rview r = {.out = out, .alloc = out->alloc};
    complex_text(&r, re, im, true);
    rs_free(r.alloc, r.active, r.cap);
    return r.code;
}

static void inspect_range(rview *r, rsess_val *b, rsess_val *e, int excl)
{
    if (b->type != RSESS_NIL || e->type == RSESS_NIL) inspect(r, b);
    puts_(r, excl ? "..." : "..");
    if (b->type == RSESS_NIL || e->type != RSESS_NIL) inspect(r, e);
}

/* ActiveSupport::Duration#inspect: "1 hour", "2 days and 3 hours". */
static void inspect_duration(rview *r, rsess_val *value, rsess_val *parts)
{
    static const char *const order[] = {"years", "months", "weeks", "days", "hours", "minutes", "seconds"};
    size_t n = rsess_len(parts), done = 0;
    if (rsess_type_of(parts) != RSESS_HASH || n == 0) {
        inspect(r, value);
        puts_(r, " seconds");
        return;
    }
    for (int o = 0; o < 7; o++) {
        for (size_t i = 0; i < n; i++) {
            rsess_val *k = rsess_hash_key(parts, i), *val = rsess_hash_val(parts, i);
            size_t kl;
            const char *ks = rsess_sym(k, &kl);
            if (!ks || kl != strlen(order[o]) || memcmp(ks, order[o], kl) != 0) continue;
            if (done) puts_(r, n == 2 ? " and " : done + 1 == n ? ", and " : ", ");
            inspect(r, val);
            putc_(r, ' ');
            int64_t one;
            bool singular = rsess_int(val, &one) && one == 1;
            put(r, ks, singular ? kl - 1 : kl);
            done++;
        }
    }
}

static bool inspect_meaning(rview *r, const rsess_val *v)
{
    rsess_time t;
    rsess_date d;
    rsess_val *a, *b;
    int excl;
    size_t n;
    const char *s;
    switch (v->type) {
    case RSESS_USERDEF:
        if (rsess_get_time(v, &t)) return inspect_time(r, &t), true;
        if ((s = rsess_get_bigdecimal(v, &n))) return put(r, s, n), true;
        return false;
    case RSESS_USERMARSHAL: {
        int32_t off;
        if (rsess_get_date(v, &d)) return inspect_date(r, v, &d), true;
        if (rsess_get_rational(v, &a, &b)) {
            putc_(r, '(');
            inspect(r, a);
            putc_(r, '/');
            inspect(r, b);
            putc_(r, ')');
            return true;
        }
        if (rsess_get_complex(v, &a, &b)) return inspect_complex(r, a, b), true;
        if (rsess_get_time_with_zone(v, &t, &s, &n, &off)) return inspect_twz(r, &t, s, n, off), true;
        return false;
    }
    case RSESS_OBJECT:
        if (rsess_get_range(v, &a, &b, &excl)) return inspect_range(r, a, b, excl), true;
        if ((a = rsess_get_set(v))) { /* 3.4 "#<Set: {1, "a"}>", 4.0 (core Set) "Set[1, "a"]" */
            bool r40 = r->flags & RSESS_PRINT_RUBY40;
            puts_(r, r40 ? "Set[" : "#<Set: {");
            for (size_t i = 0; i < a->u.c.n; i++) {
                if (i) puts_(r, ", ");
                inspect(r, a->u.c.k[2 * i]);
            }
            puts_(r, r40 ? "]" : "}>");
            return true;
        }
        if (rsess_get_duration(v, &a, &b)) return inspect_duration(r, a, b), true;
        if ((a = rsess_get_exception_message(v)) && rsess_field_get(v, "bt", 2)) {
            size_t ml = 0;
            const char *m = rsess_str(a, &ml);
            if (m && ml == 0) { /* exc_inspect: an empty to_s prints the class name */
                inspect_sym_name(r, v->cls);
                return true;
            }
            if (!m) {
                puts_(r, "#<");
                inspect_sym_name(r, v->cls);
                puts_(r, ": ");
                inspect_sym_name(r, v->cls);
                putc_(r, '>');
                return true;
            }
            puts_(r, "#<");
            inspect_sym_name(r, v->cls);
            puts_(r, ": ");
            put(r, m, ml);
            putc_(r, '>');
            return true;
        }
        return false;
    default: return false;
    }
}

static void inspect_fields(rview *r, const rsess_val *v, const char *sep)
{
    for (size_t i = 0; i < v->u.c.n; i++) {
        puts_(r, i ? ", " : " ");
        inspect_sym_name(r, v->u.c.k[2 * i]);
        puts_(r, sep);
        inspect(r, v->u.c.k[2 * i + 1]);
    }
}

static void inspect(rview *r, const rsess_val *v)
{
    char tmp[RSESS_FLOAT_TEXT_MAX];
    if (r->code) return;
    if (++r->depth > 4096) {
        r->code = RSESS_ERR_DEPTH;
        return;
    }
    if ((v->type == RSESS_USERDEF || v->type == RSESS_USERMARSHAL || v->type == RSESS_OBJECT)) {
        if (!enter(r, v)) {
            if (!r->code && v->type == RSESS_OBJECT) { /* rb_obj_inspect: "#<Plain:0x... ...>", address masked */
                puts_(r, "#<");
                inspect_sym_name(r, v->cls);
                puts_(r, " ...>");
            } else if (!r->code) puts_(r, "#<...>");
            r->depth--;
            return;
        }
        bool done = inspect_meaning(r, v);
        leave(r, v);
        if (done) {
            r->depth--;
            return;
        }
    }
    switch (v->type) {
    case RSESS_NIL: puts_(r, "nil"); break;
    case RSESS_TRUE: puts_(r, "true"); break;
    case RSESS_FALSE: puts_(r, "false"); break;
    case RSESS_INT: {
        int n = snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.i);
        put(r, tmp, (size_t)n);
        break;
    }
    case RSESS_BIGNUM:
        if (rs_bignum_decimal((const unsigned char *)v->u.s.p, v->u.s.len, v->flags & F_NEGATIVE, r->out))
            r->code = RSESS_ERR_NOMEM;
        break;
    case RSESS_FLOAT: put(r, tmp, rsess_float_ruby_text(v->u.f, tmp)); break;
    case RSESS_STRING: inspect_str(r, v); break;
    case RSESS_SYMBOL: inspect_symbol(r, v); break;
    case RSESS_REGEXP: inspect_regexp(r, v); break;
    case RSESS_CLASS: case RSESS_MODULE: case RSESS_OLDMODULE: put(r, v->u.s.p, v->u.s.len); break;
    case RSESS_ARRAY:
        if (!enter(r, v)) {
            if (!r->code) puts_(r, "[...]");
            break;
        }
        putc_(r, '[');
        for (size_t i = 0; i < v->u.c.n; i++) {
            if (i) puts_(r, ", ");
            inspect(r, v->u.c.k[i]);
        }
        putc_(r, ']');
        leave(r, v);
        break;
    case RSESS_HASH:
        if (!enter(r, v)) {
            if (!r->code) puts_(r, "{...}");
            break;
        }
        inspect_hash(r, v);
        leave(r, v);
        break;
    case RSESS_STRUCT: case RSESS_OBJECT:
        if (!enter(r, v)) {
            if (!r->code) {
                puts_(r, v->type == RSESS_STRUCT ? "#<struct " : "#<");
                inspect_sym_name(r, v->cls);
                puts_(r, ":...>");
            }
            break;
        }
        puts_(r, v->type == RSESS_STRUCT ? "#<struct " : "#<");
        inspect_sym_name(r, v->cls);
        inspect_fields(r, v, v->type == RSESS_STRUCT ? "=" : "=");
        putc_(r, '>');
        leave(r, v);
        break;
    case RSESS_USERDEF:
        puts_(r, "#<");
        inspect_sym_name(r, v->cls);
        puts_(r, " _dump=");
        inspect_str(r, v);
        putc_(r, '>');
        break;
    case RSESS_USERMARSHAL: case RSESS_DATA:
        if (!enter(r, v)) {
            if (!r->code) puts_(r, "#<...>");
            break;
        }
        puts_(r, "#<");
        inspect_sym_name(r, v->cls);
        puts_(r, v->type == RSESS_DATA ? " _dump_data=" : " marshal_dump=");
        inspect(r, v->u.one);
        putc_(r, '>');
        leave(r, v);
        break;
    default: r->code = RSESS_ERR_VALUE; break;
    }
    r->depth--;
}

int rs_print_ruby(const rsess_val *v, unsigned flags, rsess_buf *out, rsess_err *err)
{
    rview r = {0};
    r.flags = flags;
    r.out = out;
    r.alloc = out->alloc;
    size_t start = out->len;
    inspect(&r, v);
    rs_free(r.alloc, r.active, r.cap);
    if (r.code) {
        out->len = start;
        return rs_fail(err, r.code, 0, NULL);
    }
    return 0;
}
