/* The Ruby view: what Ruby 3.4's `p` prints (Kernel#inspect), or with
 * RSESS_PRINT_RUBY40 Ruby 4.0's where it differs (Set). String
 * escaping follows rb_str_inspect, Symbol quoting rb_sym_inspect, Hash
 * layout the 3.4 hash.c inspect_i ("{"k" => v}", "{k: v}"). The walk
 * keeps its own stack: depth costs heap, not C stack. */
#include "key_eql.h"
#include "refs.h"

#include <math.h>
#include <stdlib.h>
#include <strings.h>

/* What is left to print of a value whose parts are being printed. */
enum {
    R_ARRAY, R_HASH, R_FIELDS, R_ONE,                       /* containers */
    R_DATE, R_RATIONAL, R_COMPLEX, R_RANGE, R_SET, R_DURATION /* classes with meaning */
};

typedef struct rframe {
    const rsess_val *v;
    rsess_val *a, *b; /* the parts a class with meaning prints */
    size_t i;         /* parts printed, or the step reached */
    size_t aux;       /* Hash: a key is printed; Duration: parts printed; Range: exclusive */
    uint8_t kind;     /* | R_PLANNED: a Hash or Set whose pairs are on plans (rpush_pairs) */
} rframe;

#define R_PLANNED 0x80

typedef struct rview {
    rs_sink s;
    rs_marks active; /* node id -> bits: 1 being printed (recursion guard), 2 met before */
    rs_outcap cap;   /* the output cap (refs.h) */
    const rsess_alloc *alloc;
    unsigned flags; /* RSESS_PRINT_RUBY40: Ruby 4.0's texts */
    rs_stack stack; /* rframe */
    rs_stack plans; /* rs_pairplan: one a frame marked R_PLANNED, in the same order */
    size_t work;    /* key comparisons left (rs_pairplan_make) */
} rview;

static void put(rview *r, const char *s, size_t n) { rs_put(&r->s, s, n); }
static void puts_(rview *r, const char *s) { rs_puts(&r->s, s); }
static void putc_(rview *r, char c) { rs_putc(&r->s, c); }

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
    case FAM_UTF8: return rs_utf8_decode(p, left, cp);
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
    const char *encname = rs_enc_of(v) == RSESS_ENC_OTHER ? rs_enc_name(v, &enclen) : NULL;
    inspect_bytes(r, v->u.s.p, v->u.s.len, rs_enc_of(v), encname, enclen);
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
    int enc = rs_enc_of(v) == RSESS_ENC_BINARY && rs_ascii_only(v->u.s.p, v->u.s.len) ? RSESS_ENC_USASCII : rs_enc_of(v);
    if (enc == RSESS_ENC_OTHER) { /* UTF-16LE bytes "B0" are not the name B0 */
        size_t n;
        const char *name = rs_enc_name(v, &n);
        if (!rs_enc_ascii_compatible(name, n) || family_of(enc, name, n) == FAM_DUMMY) return false;
    }
    if (enc != RSESS_ENC_UTF8) return rs_ascii_only(v->u.s.p, v->u.s.len);
    /* sym_printable: every character printable */
    const unsigned char *p = (const unsigned char *)v->u.s.p;
    for (size_t i = 0, n; i < v->u.s.len; i += n) {
        uint32_t cp;
        if (!(n = rs_utf8_decode(p + i, v->u.s.len - i, &cp)) || !unicode_printable(cp)) return false;
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
static bool enter(rview *r, const rsess_val *v)
{
    if (rs_marks_cover(&r->active, v->id)) {
        r->s.code = RSESS_ERR_NOMEM;
        return false;
    }
    if (r->active.m[v->id] & 1) return false;
    r->active.m[v->id] |= 1;
    return true;
}

static void leave(rview *r, const rsess_val *v) { r->active.m[v->id] &= (uint8_t)~1u; }

/* A frame for the parts of v (entered: it is left when the frame ends). */
static void rpush(rview *r, const rsess_val *v, int kind, rsess_val *a, rsess_val *b, size_t aux)
{
    rframe *f = rs_stack_push(&r->stack);
    if (!f) {
        r->s.code = RSESS_ERR_NOMEM;
        return;
    }
    *f = (rframe){v, a, b, 0, aux, (uint8_t)kind};
}

/* A frame (rpush) for the pairs of a Hash (or the elements of a Set, the
 * parts of a Duration: hash is theirs): each key Ruby's Hash keeps once,
 * with its last value. A Hash whose keys repeat has its plan on r->plans
 * (frames stay small: depth costs them). */
static void rpush_pairs(rview *r, const rsess_val *v, int kind, const rsess_val *hash, rsess_val *a, rsess_val *b)
{
    rs_pairplan p;
    int rc = rs_pairplan_make(&p, hash, r->alloc, &r->work);
    if (!rc && p.kv) rc = rs_pairplan_keep(&r->plans, &p, r->alloc);
    if (rc) {
        r->s.code = rc;
        return;
    }
    size_t frames = r->stack.n;
    rpush(r, v, kind | (p.kv ? R_PLANNED : 0), a, b, 0);
    if (r->stack.n == frames && p.kv) rs_pairplan_drop(&r->plans, r->alloc);
}

/* The top frame's plan, or NULL (every pair, in order). */
static inline const rs_pairplan *rf_plan(const rview *r, const rframe *f)
{
    return (f->kind & R_PLANNED) ? rs_stack_top(&r->plans) : NULL;
}

/* The top frame f ends: its plan with it. */
static void frame_end(rview *r, rframe *f)
{
    if (!(f->kind & R_PLANNED)) return;
    rs_pairplan_drop(&r->plans, r->alloc);
    f->kind &= (uint8_t)~R_PLANNED;
}

static void inspect_sym_name(rview *r, const rsess_val *s)
{
    if (s && rs_type(s) == RSESS_SYMBOL) put(r, s->u.s.p, s->u.s.len);
    else puts_(r, "?");
}

/* The next pair of a Hash: "k" => v, or k: v for a Symbol key. */
static bool hash_step(rview *r, rframe *f, const rsess_val **part)
{
    const rsess_val *v = f->v;
    const rs_pairplan *p = rf_plan(r, f);
    if (f->aux) { /* a key is printed: its value */
        f->aux = 0;
        puts_(r, " => ");
        *part = rs_pairplan_val(p, v, f->i++);
        return true;
    }
    if (f->i == rs_pairplan_len(p, v)) {
        putc_(r, '}');
        return false;
    }
    const rsess_val *k = rs_pairplan_key(p, v, f->i);
    if (f->i) puts_(r, ", ");
    if (rs_type(k) == RSESS_SYMBOL) {
        if (!sym_text_plain(k) || key_needs_quote(k->u.s.p, k->u.s.len)) inspect_str(r, k);
        else put(r, k->u.s.p, k->u.s.len);
        puts_(r, ": ");
        *part = rs_pairplan_val(p, v, f->i++);
        return true;
    }
    f->aux = 1;
    *part = k;
    return true;
}

static void inspect_regexp(rview *r, const rsess_val *v)
{
    putc_(r, '/');
    size_t nl = 0;
    const char *name = rs_enc_of(v) == RSESS_ENC_OTHER ? rs_enc_name(v, &nl) : NULL;
    if (name && !rs_enc_ascii_compatible(name, nl)) {
        /* UTF-16/32 source: Ruby shows its bytes as they are, escaping only '/' */
        for (size_t i = 0; i < v->u.s.len; i++) {
            if (v->u.s.p[i] == '\\' && i + 1 < v->u.s.len) put(r, v->u.s.p + i++, 2);
            else if (v->u.s.p[i] == '/') puts_(r, "\\/");
            else putc_(r, v->u.s.p[i]);
        }
    } else if (!r->s.code && rs_reg_expr_str(r->s.out, v->u.s.p, v->u.s.len, rs_enc_of(v), true)) {
        r->s.code = RSESS_ERR_NOMEM;
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

static void put_offset(rview *r, int32_t off, bool colon)
{
    char sign = off < 0 ? '-' : '+';
    int32_t a = off < 0 ? -off : off;
    rs_putf(&r->s, colon ? "%c%02d:%02d" : "%c%02d%02d", sign, (int)(a / 3600), (int)(a / 60 % 60));
    if (!colon && a % 60) rs_putf(&r->s, "%02d", (int)(a % 60));
}

/* Time#inspect: "2026-01-29 13:24:14.44805 UTC", "... 1/3 UTC", "... +0900" */
static void inspect_time(rview *r, const rsess_time *t)
{
    civil c = civil_of(t->sec, t->utc ? 0 : t->utc_offset);
    rs_putf(&r->s, "%s%04lld-%02d-%02d %02d:%02d:%02d", YEAR(c.year), c.month, c.day, c.hour, c.min, c.sec);
    if (t->frac_num) {
        if (t->exact) {
            char ns[16];
            int n = snprintf(ns, sizeof ns, ".%09u", t->nsec);
            while (n > 1 && ns[n - 1] == '0') n--;
            put(r, ns, (size_t)n);
        } else {
            rs_putf(&r->s, " %lld/%lld", (long long)t->frac_num, (long long)t->frac_den);
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
    rs_putf(&r->s, "%s, %02d %s %s%04lld %02d:%02d:%02d.%09u ", wdays[c.wday], c.day, months[c.month - 1],
           YEAR(c.year), c.hour, c.min, c.sec, utc->nsec);
    if ((zl == 3 && memcmp(zone, "UTC", 3) == 0) || (zl == 7 && memcmp(zone, "Etc/UTC", 7) == 0)) puts_(r, "UTC");
    else {
        int zr = rs_zone_abbrev(zone, zl, utc->sec, r->alloc, abbr, sizeof abbr);
        if (zr == RSESS_ERR_NOMEM) r->s.code = zr;
        else if (zr == 0) puts_(r, abbr);
        else put(r, zone, zl);
    }
    putc_(r, ' ');
    put_offset(r, off, true);
}

/* Date#inspect: "#<Date: 2024-01-15 ((2460325j,0s,0n),+0s,2299161j)>":
 * the text up to the nanoseconds, then a frame for them (an Integer or a
 * Rational) and the rest (date_tail). */
static void inspect_date(rview *r, const rsess_val *v, const rsess_date *d)
{
    const rsess_val *a = v->u.one;
    puts_(r, d->datetime ? "#<DateTime: " : "#<Date: ");
    rs_putf(&r->s, "%s%04lld-%02d-%02d", YEAR(d->year), d->month, d->day);
    if (d->datetime) {
        rs_putf(&r->s, "T%02d:%02d:%02d", d->hour, d->minute, d->second);
        put_offset(r, d->offset, true);
    }
    int64_t nth = 0, jd = 0, df = 0;
    rsess_int(a->u.c.k[0], &nth);
    rsess_int(a->u.c.k[1], &jd);
    rsess_int(a->u.c.k[2], &df);
    rs_putf(&r->s, " ((%lldj,%llds,", (long long)(jd + nth * 213447717LL), (long long)df);
    rpush(r, v, R_DATE, a->u.c.k[3], NULL, 0);
}

static void date_tail(rview *r, const rsess_val *v)
{
    rsess_date d;
    int64_t of = 0;
    rsess_get_date(v, &d);
    rsess_int(v->u.one->u.c.k[4], &of);
    rs_putf(&r->s, "n),%+llds,", (long long)of);
    if (isinf(d.start)) puts_(r, d.start < 0 ? "-Inf" : "Inf");
    else rs_putf(&r->s, "%.0f", d.start);
    puts_(r, "j)>");
}

static bool num_negative(const rsess_val *v)
{
    return (rs_type(v) == RSESS_INT && rs_ival(v) < 0) || (rs_type(v) == RSESS_FLOAT && signbit(rs_fval(v))) ||
           (rs_type(v) == RSESS_BIGNUM && (rs_flags(v) & F_NEGATIVE));
}

/* |v| of a negative Integer or Float (num_negative). */
static void num_magnitude(rview *r, const rsess_val *v)
{
    if (rs_type(v) == RSESS_INT) rs_putf(&r->s, "%llu", 0ull - (unsigned long long)rs_ival(v));
    else if (rs_type(v) == RSESS_FLOAT) {
        char tmp[RSESS_FLOAT_TEXT_MAX];
        put(r, tmp, rsess_float_ruby_text(-rs_fval(v), tmp));
    } else rs_put_bignum(&r->s, (const unsigned char *)v->u.s.p, v->u.s.len, 0);
}

/* complex.c f_format: real, the sign of imag, |imag|, "*" when that does
 * not end in a digit ("(1-(2/3)*i)", "NaN*i"), "i". A Rational part is
 * "(2/3)" (inspect) or "2/3" (to_s, aux set: Complex#to_s, no outer
 * parentheses). Steps: 0 the real part (1, 2: a Rational's denominator and
 * end), 3 the sign and imaginary part (4, 5: the same), 6 the end. */
static bool complex_step(rview *r, rframe *f, const rsess_val **part)
{
    rsess_val *re = f->a, *im = f->b, *n, *d;
    bool to_s = f->aux;
    switch (f->i) {
    case 0:
        if (!to_s) putc_(r, '(');
        if (rsess_get_rational(re, &n, &d)) {
            if (!to_s) putc_(r, '(');
            f->i = 1;
            *part = n;
        } else {
            f->i = 3;
            *part = re;
        }
        return true;
    case 1: case 4:
        putc_(r, '/');
        rsess_get_rational(f->i == 1 ? re : im, &n, &d);
        f->i++;
        *part = d;
        return true;
    case 2:
        if (!to_s) putc_(r, ')');
    /* fall through */
    case 3: {
        bool rat = rsess_get_rational(im, &n, &d), neg = num_negative(rat ? n : im);
        putc_(r, neg ? '-' : '+');
        if (rat && !to_s) putc_(r, '(');
        f->i = rat ? 4 : 6;
        if (!neg) {
            *part = rat ? n : im;
            return true;
        }
        num_magnitude(r, rat ? n : im);
        if (!rat) break;
        putc_(r, '/'); /* step 4 */
        f->i = 5;
        *part = d;
        return true;
    }
    case 5:
        if (!to_s) putc_(r, ')');
        break;
    default: break;
    }
    /* step 6 */
    f->i = 7;
    if (!r->s.code && r->s.out->len && !is_digit(r->s.out->data[r->s.out->len - 1])) putc_(r, '*');
    putc_(r, 'i');
    if (!to_s) putc_(r, ')');
    return false;
}

/* Range#inspect: "1..2", "1...", "..2" (a nil end left out). */
static bool range_step(rview *r, rframe *f, const rsess_val **part)
{
    rsess_val *b = f->a, *e = f->b;
    switch (f->i) {
    case 0:
        f->i = 1;
        if (rs_type(b) != RSESS_NIL || rs_type(e) == RSESS_NIL) {
            *part = b;
            return true;
        }
    /* fall through */
    case 1:
        f->i = 2;
        puts_(r, f->aux ? "..." : "..");
        if (rs_type(b) == RSESS_NIL || rs_type(e) != RSESS_NIL) {
            *part = e;
            return true;
        }
    /* fall through */
    default: return false;
    }
}

/* ActiveSupport::Duration#inspect: "1 hour", "2 days and 3 hours": the
 * parts in the order of the units, each followed by its unit. */
static bool duration_step(rview *r, rframe *f, const rsess_val **part)
{
    static const char *const order[] = {"years", "months", "weeks", "days", "hours", "minutes", "seconds"};
    rsess_val *value = f->a, *parts = f->b;
    const rs_pairplan *p = rf_plan(r, f); /* the parts Ruby keeps of repeated units */
    size_t n = rsess_type_of(parts) == RSESS_HASH ? rs_pairplan_len(p, parts) : 0;
    if (n == 0) {
        if (f->i++ == 0) {
            *part = value;
            return true;
        }
        puts_(r, " seconds");
        return false;
    }
    if (f->i) { /* the unit of the part just printed */
        size_t kl;
        rsess_val *val = rs_pairplan_val(p, parts, (f->i - 1) % n);
        const char *ks = rsess_sym(rs_pairplan_key(p, parts, (f->i - 1) % n), &kl);
        putc_(r, ' ');
        int64_t one;
        bool singular = rsess_int(val, &one) && one == 1;
        put(r, ks, singular ? kl - 1 : kl);
        f->aux++;
    }
    for (; f->i < 7 * n; f->i++) {
        size_t o = f->i / n, i = f->i % n, kl;
        const char *ks = rsess_sym(rs_pairplan_key(p, parts, i), &kl);
        if (!ks || kl != strlen(order[o]) || memcmp(ks, order[o], kl) != 0) continue;
        size_t done = f->aux;
        if (done) puts_(r, n == 2 ? " and " : done + 1 == n ? ", and " : ", ");
        *part = rs_pairplan_val(p, parts, i);
        f->i++;
        return true;
    }
    return false;
}

static bool inspect_meaning(rview *r, const rsess_val *v)
{
    rsess_time t;
    rsess_date d;
    rsess_val *a, *b;
    int excl;
    size_t n;
    const char *s;
    switch (rs_type(v)) {
    case RSESS_USERDEF:
        if (rsess_get_time(v, &t)) return inspect_time(r, &t), true;
        if ((s = rsess_get_bigdecimal(v, &n))) return put(r, s, n), true;
        return false;
    case RSESS_USERMARSHAL: {
        int32_t off;
        if (rsess_get_date(v, &d)) return inspect_date(r, v, &d), true;
        if (rsess_get_rational(v, &a, &b)) return rpush(r, v, R_RATIONAL, a, b, 0), true; /* "(1/3)" */
        if (rsess_get_complex(v, &a, &b)) return rpush(r, v, R_COMPLEX, a, b, 0), true;
        if (rsess_get_time_with_zone(v, &t, &s, &n, &off)) return inspect_twz(r, &t, s, n, off), true;
        return false;
    }
    case RSESS_OBJECT:
        if (rsess_get_range(v, &a, &b, &excl)) return rpush(r, v, R_RANGE, a, b, (size_t)excl), true;
        if ((a = rsess_get_set(v))) { /* 3.4 "#<Set: {1, "a"}>", 4.0 (core Set) "Set[1, "a"]" */
            puts_(r, r->flags & RSESS_PRINT_RUBY40 ? "Set[" : "#<Set: {");
            return rpush_pairs(r, v, R_SET, a, a, NULL), true;
        }
        if (rsess_get_duration(v, &a, &b)) {
            if (rsess_type_of(b) == RSESS_HASH) rpush_pairs(r, v, R_DURATION, b, a, b);
            else rpush(r, v, R_DURATION, a, b, 0);
            return true;
        }
        if ((a = rsess_get_exception_message(v)) && rsess_field_get(v, "bt", 2)) {
            size_t ml = 0;
            const char *m = rsess_str(a, &ml);
            if (m && ml == 0) { /* exc_inspect: an empty to_s prints the class name */
                inspect_sym_name(r, rs_cls(v));
                return true;
            }
            if (!m) {
                puts_(r, "#<");
                inspect_sym_name(r, rs_cls(v));
                puts_(r, ": ");
                inspect_sym_name(r, rs_cls(v));
                putc_(r, '>');
                return true;
            }
            puts_(r, "#<");
            inspect_sym_name(r, rs_cls(v));
            puts_(r, ": ");
            put(r, m, ml);
            putc_(r, '>');
            return true;
        }
        return false;
    default: return false;
    }
}

/* Prints a value, or its head and a frame for its parts. */
static void inspect_open(rview *r, const rsess_val *v)
{
    char tmp[RSESS_FLOAT_TEXT_MAX];
    if (r->s.code) return;
    if (rs_imm(v)) { /* no node to mark: each time it is printed, it is counted */
        r->cap.seen += 1;
    } else {
        if (v->id >= r->active.n && rs_marks_cover(&r->active, v->id)) {
            r->s.code = RSESS_ERR_NOMEM;
            return;
        }
        if (!(r->active.m[v->id] & 2)) {
            r->active.m[v->id] |= 2;
            r->cap.seen += rs_view_weight(v);
        }
    }
    if (!rs_outcap_ok(&r->cap, r->s.out->len)) {
        r->s.code = RSESS_ERR_NODES;
        return;
    }
    if ((rs_type(v) == RSESS_USERDEF || rs_type(v) == RSESS_USERMARSHAL || rs_type(v) == RSESS_OBJECT)) {
        if (!enter(r, v)) {
            if (!r->s.code && rs_type(v) == RSESS_OBJECT) { /* rb_obj_inspect: "#<Plain:0x... ...>", address masked */
                puts_(r, "#<");
                inspect_sym_name(r, rs_cls(v));
                puts_(r, " ...>");
            } else if (!r->s.code) puts_(r, "#<...>");
            return;
        }
        size_t frames = r->stack.n;
        if (inspect_meaning(r, v)) {
            if (r->stack.n == frames) leave(r, v); /* else when its frame ends */
            return;
        }
        leave(r, v);
    }
    switch (rs_type(v)) {
    case RSESS_NIL: puts_(r, "nil"); break;
    case RSESS_TRUE: puts_(r, "true"); break;
    case RSESS_FALSE: puts_(r, "false"); break;
    case RSESS_INT: {
        int n = snprintf(tmp, sizeof tmp, "%lld", (long long)rs_ival(v));
        put(r, tmp, (size_t)n);
        break;
    }
    case RSESS_BIGNUM: rs_put_bignum(&r->s, (const unsigned char *)v->u.s.p, v->u.s.len, rs_flags(v) & F_NEGATIVE); break;
    case RSESS_FLOAT: put(r, tmp, rsess_float_ruby_text(rs_fval(v), tmp)); break;
    case RSESS_STRING: inspect_str(r, v); break;
    case RSESS_SYMBOL: inspect_symbol(r, v); break;
    case RSESS_REGEXP: inspect_regexp(r, v); break;
    case RSESS_CLASS: case RSESS_MODULE: case RSESS_OLDMODULE: put(r, v->u.s.p, v->u.s.len); break;
    case RSESS_ARRAY:
        if (!enter(r, v)) {
            if (!r->s.code) puts_(r, "[...]");
            break;
        }
        putc_(r, '[');
        rpush(r, v, R_ARRAY, NULL, NULL, 0);
        break;
    case RSESS_HASH:
        if (!enter(r, v)) {
            if (!r->s.code) puts_(r, "{...}");
            break;
        }
        if (v->u.c.n == 0) {
            puts_(r, "{}");
            leave(r, v);
            break;
        }
        putc_(r, '{');
        rpush_pairs(r, v, R_HASH, v, NULL, NULL);
        break;
    case RSESS_STRUCT: case RSESS_OBJECT:
        if (!enter(r, v)) {
            if (!r->s.code) {
                puts_(r, rs_type(v) == RSESS_STRUCT ? "#<struct " : "#<");
                inspect_sym_name(r, rs_cls(v));
                puts_(r, ":...>");
            }
            break;
        }
        puts_(r, rs_type(v) == RSESS_STRUCT ? "#<struct " : "#<");
        inspect_sym_name(r, rs_cls(v));
        rpush(r, v, R_FIELDS, NULL, NULL, 0);
        break;
    case RSESS_USERDEF:
        puts_(r, "#<");
        inspect_sym_name(r, rs_cls(v));
        puts_(r, " _dump=");
        inspect_str(r, v);
        putc_(r, '>');
        break;
    case RSESS_USERMARSHAL: case RSESS_DATA:
        if (!enter(r, v)) {
            if (!r->s.code) puts_(r, "#<...>");
            break;
        }
        puts_(r, "#<");
        inspect_sym_name(r, rs_cls(v));
        puts_(r, rs_type(v) == RSESS_DATA ? " _dump_data=" : " marshal_dump=");
        rpush(r, v, R_ONE, NULL, NULL, 0);
        break;
    default: r->s.code = RSESS_ERR_VALUE; break;
    }
}

/* Prints the text between f's parts up to the next part: true with that
 * part in *part, false when f's value is printed to its end. */
static bool inspect_step(rview *r, rframe *f, const rsess_val **part)
{
    const rsess_val *v = f->v;
    size_t i = f->i;
    switch (f->kind & ~R_PLANNED) {
    case R_ARRAY:
        if (i == v->u.c.n) {
            putc_(r, ']');
            return false;
        }
        if (i) puts_(r, ", ");
        *part = v->u.c.k[i];
        break;
    case R_HASH: return hash_step(r, f, part);
    case R_FIELDS: /* " name=value, name=value" */
        if (i == v->u.c.n) {
            putc_(r, '>');
            return false;
        }
        puts_(r, i ? ", " : " ");
        inspect_sym_name(r, v->u.c.k[2 * i]);
        puts_(r, "=");
        *part = v->u.c.k[2 * i + 1];
        break;
    case R_ONE: case R_DATE:
        if (i == 0) {
            *part = f->kind == R_ONE ? v->u.one : f->a;
            break;
        }
        if (f->kind == R_ONE) putc_(r, '>');
        else date_tail(r, v);
        return false;
    case R_RATIONAL: /* "(num/den)" */
        if (i == 2) {
            putc_(r, ')');
            return false;
        }
        putc_(r, i ? '/' : '(');
        *part = i ? f->b : f->a;
        break;
    case R_COMPLEX: return complex_step(r, f, part);
    case R_RANGE: return range_step(r, f, part);
    case R_SET: {
        const rs_pairplan *p = rf_plan(r, f);
        if (i == rs_pairplan_len(p, f->a)) {
            puts_(r, r->flags & RSESS_PRINT_RUBY40 ? "]" : "}>");
            return false;
        }
        if (i) puts_(r, ", ");
        *part = rs_pairplan_key(p, f->a, i);
        break;
    }
    default: return duration_step(r, f, part); /* R_DURATION */
    }
    f->i++;
    return true;
}

static void inspect(rview *r, const rsess_val *root)
{
    rsess_val *re, *im;
    if ((r->flags & RS_PRINT_TO_S) && rsess_get_complex(root, &re, &im)) {
        /* Complex#to_s: the root is not entered (a part that is the root
         * prints as inspect shows a cycle) */
        if (rs_marks_cover(&r->active, root->id)) r->s.code = RSESS_ERR_NOMEM;
        else rpush(r, root, R_COMPLEX, re, im, 1);
    } else inspect_open(r, root);
    while (r->stack.n && !r->s.code) {
        rframe *f = rs_stack_top(&r->stack);
        const rsess_val *part;
        if (inspect_step(r, f, &part)) {
            inspect_open(r, part);
        } else {
            leave(r, f->v);
            frame_end(r, f);
            r->stack.n--;
        }
    }
}

int rs_print_ruby(const rsess_val *v, unsigned flags, rsess_buf *out, rsess_err *err)
{
    rview r = {0};
    r.flags = flags;
    r.s.out = out;
    r.alloc = out->alloc;
    r.active.alloc = out->alloc;
    rframe first[16]; /* shallow values print without allocating frames */
    rs_stack_init(&r.stack, sizeof *first, out->alloc, first, 16);
    rs_stack_init(&r.plans, sizeof(rs_pairplan), out->alloc, NULL, 0);
    size_t start = out->len;
    r.cap.start = start;
    r.work = RS_KEY_WORK;
    inspect(&r, v);
    while (r.stack.n) { /* stopped early: the plans of the frames left */
        frame_end(&r, rs_stack_top(&r.stack));
        r.stack.n--;
    }
    rs_marks_free(&r.active);
    rs_stack_free(&r.stack);
    rs_stack_free(&r.plans);
    if (r.s.code) {
        out->len = start;
        return rs_fail(err, r.s.code, 0, r.s.code == RSESS_ERR_NODES ? RS_OUTCAP_TEXT : NULL);
    }
    return 0;
}
