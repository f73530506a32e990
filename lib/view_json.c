/* The plain JSON view: what a person or jq wants to see, lossy by design
 * (docs/json-mapping.md). Values JSON holds natively print as Ruby's
 * JSON.generate prints them; the rest map to documented shapes. Shared
 * values are printed again where they recur, within a budget; a cycle
 * prints null. The walk keeps its own stack: depth costs heap, not C stack. */
#include "key_eql.h"
#include "refs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* What is left to print of a value whose parts are being printed. */
enum { J_SET, J_ARRAY, J_HASH, J_FIELDS, J_ONE };

typedef struct jframe {
    const rsess_val *v;
    size_t i; /* parts printed */
    uint8_t kind; /* | J_PLANNED: a Hash or Set whose pairs are on plans (jpush_pairs) */
} jframe;

#define J_PLANNED 0x80

typedef struct jview {
    rs_sink s;
    rs_marks active; /* node id -> bits: being printed, printed once */
    size_t budget;   /* values left to print */
    rs_outcap cap;   /* the output cap (refs.h) */
    bool capped;     /* it was reached */
    size_t depth;    /* indentation */
    bool pretty;
    rs_text_fn to_s; /* Ruby's text of a value (the Ruby view) */
    rs_stack stack; /* jframe */
    rs_stack plans; /* rs_pairplan: one a frame marked J_PLANNED, in the same order */
    size_t work;    /* key comparisons left (rs_pairplan_make) */
} jview;

static void jput(jview *j, const char *s) { rs_puts(&j->s, s); }
static void jstr(jview *j, const char *s, size_t n) { rs_put_json(&j->s, s, n); }

/* Ruby's text of v appended to b (the view's to_s). */
static void ruby_text(jview *j, const rsess_val *v, unsigned flags, rsess_buf *b)
{
    if (j->to_s(v, flags, b, NULL)) j->s.code = RSESS_ERR_NOMEM;
}

static void j_newline(jview *j)
{
    if (!j->pretty) return;
    jput(j, "\n");
    for (size_t i = 0; i < j->depth; i++) jput(j, "  ");
}

/* Bytes that are not UTF-8 become {"$binary": base64}. */
static void jbytes(jview *j, const char *s, size_t n)
{
    if (rs_utf8_valid(s, n)) {
        jstr(j, s, n);
        return;
    }
    jput(j, "{\"$binary\":\"");
    if (!j->s.code && rsess_base64(s, n, j->s.out)) j->s.code = RSESS_ERR_NOMEM;
    jput(j, "\"}");
}

static void to_s(jview *j, const rsess_val *v, rs_sink *t);
static void bigdecimal_plain(const char *s, size_t n, rs_sink *t);

/* UTF-16 and UTF-32 text as UTF-8 (JSON.generate transcodes it): 1 with
 * the text in t, 0 when the value is in another encoding, -1 when its
 * units are not valid (or t failed: t->code). */
static int wide_to_utf8(const rsess_val *v, rs_sink *t)
{
    if (rs_enc_of(v) != RSESS_ENC_OTHER) return 0;
    size_t nl;
    const char *name = rs_enc_name(v, &nl);
    int unit = nl == 8 && !memcmp(name, "UTF-16", 6) ? 2 : nl == 8 && !memcmp(name, "UTF-32", 6) ? 4 : 0;
    if (!unit || (name[6] != 'L' && name[6] != 'B') || name[7] != 'E') return 0;
    bool le = name[6] == 'L';
    const unsigned char *p = (const unsigned char *)v->u.s.p;
    size_t n = v->u.s.len;
    if (n % (size_t)unit) return -1;
    for (size_t i = 0; i < n; i += (size_t)unit) {
        uint32_t c = unit == 2 ? (le ? p[i] | (uint32_t)p[i + 1] << 8 : (uint32_t)p[i] << 8 | p[i + 1])
                     : le ? p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24
                          : (uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 | (uint32_t)p[i + 2] << 8 | p[i + 3];
        if (unit == 2 && c >= 0xd800 && c <= 0xdbff && i + 4 <= n) {
            uint32_t lo = le ? p[i + 2] | (uint32_t)p[i + 3] << 8 : (uint32_t)p[i + 2] << 8 | p[i + 3];
            if (lo < 0xdc00 || lo > 0xdfff) return -1;
            c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
            i += 2;
        }
        if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return -1;
        if (!t->code && rs_buf_put_utf8(t->out, c)) t->code = RSESS_ERR_NOMEM;
        if (t->code) return -1;
    }
    return 1;
}

/* A key's text: a key must be a string, so bytes that are not UTF-8 are
 * "$binary:<base64>" (where Ruby raises). */
static void jkeytext(jview *j, const char *p, size_t n)
{
    if (rs_utf8_valid(p, n)) {
        jstr(j, p, n);
        return;
    }
    jput(j, "\"$binary:");
    if (!j->s.code && rsess_base64(p, n, j->s.out)) j->s.code = RSESS_ERR_NOMEM;
    jput(j, "\"");
}

/* A String's or Symbol's text (a key's when key): UTF-16/32 transcoded,
 * other bytes as they are. */
static void jstrval(jview *j, const rsess_val *v, bool key)
{
    rsess_buf b;
    rsess_buf_init(&b, j->s.out->alloc);
    rs_sink t = {&b, 0};
    int w = wide_to_utf8(v, &t);
    const char *p = w > 0 ? (b.data ? (const char *)b.data : "") : v->u.s.p;
    size_t n = w > 0 ? b.len : v->u.s.len;
    if (t.code) j->s.code = t.code;
    else if (key) jkeytext(j, p, n);
    else jbytes(j, p, n);
    rsess_buf_free(&b);
}

/* "2020-01-02 03:04:05 UTC" / "... +0900" (Time#to_s, TimeWithZone#to_s) */
static void time_to_s(rs_sink *t, int64_t sec, int32_t off, bool utc)
{
    int64_t local = sec + off, days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400), rem = local - days * 86400;
    int64_t y;
    int m, d;
    rs_civil_from_days(days, &y, &m, &d);
    rs_putf(t, "%s%04lld-%02d-%02d %02d:%02d:%02d ", YEAR(y), m, d, (int)(rem / 3600), (int)(rem / 60 % 60),
            (int)(rem % 60));
    int32_t a = off < 0 ? -off : off;
    if (utc) rs_puts(t, "UTC");
    else rs_putf(t, "%c%02d%02d", off < 0 ? '-' : '+', (int)(a / 3600), (int)(a / 60 % 60));
}

/* key.to_s of the classes with meaning (ActiveSupport's as_json of a Hash
 * makes its keys so) into t; false for the rest. */
static bool key_to_s(jview *j, const rsess_val *k, rs_sink *t)
{
    rsess_time tm;
    rsess_date d;
    rsess_val *a, *e;
    const char *s, *zone;
    size_t n, zl;
    int32_t off;
    int excl;
    if (rsess_get_time(k, &tm)) time_to_s(t, tm.sec, tm.utc ? 0 : tm.utc_offset, tm.utc);
    else if (rsess_get_time_with_zone(k, &tm, &zone, &zl, &off))
        time_to_s(t, tm.sec, off, (zl == 3 && !memcmp(zone, "UTC", 3)) || (zl == 7 && !memcmp(zone, "Etc/UTC", 7)));
    else if (rsess_get_date(k, &d)) {
        rs_putf(t, "%s%04lld-%02d-%02d", YEAR(d.year), d.month, d.day);
        if (d.datetime) {
            int32_t o = d.offset < 0 ? -d.offset : d.offset;
            rs_putf(t, "T%02d:%02d:%02d%c%02d:%02d", d.hour, d.minute, d.second, d.offset < 0 ? '-' : '+',
                    (int)(o / 3600), (int)(o / 60 % 60));
        }
    } else if ((s = rsess_get_bigdecimal(k, &n))) bigdecimal_plain(s, n, t);
    else if (rsess_get_complex(k, NULL, NULL)) ruby_text(j, k, RS_PRINT_TO_S, t->out);
    else if (rsess_get_rational(k, &a, &e)) {
        to_s(j, a, t);
        rs_putc(t, '/');
        to_s(j, e, t);
    } else if (rsess_get_range(k, &a, &e, &excl)) {
        to_s(j, a, t);
        rs_puts(t, excl ? "..." : "..");
        to_s(j, e, t);
    } else return false;
    return true;
}

/* Hash keys as Ruby's JSON.generate makes them: key.to_s. */
static void jkey(jview *j, const rsess_val *k)
{
    char tmp[RSESS_FLOAT_TEXT_MAX + 4];
    switch (rs_type(k)) {
    case RSESS_STRING: case RSESS_SYMBOL: jstrval(j, k, true); return;
    case RSESS_NIL: jput(j, "\"\""); return;
    case RSESS_TRUE: jput(j, "\"true\""); return;
    case RSESS_FALSE: jput(j, "\"false\""); return;
    case RSESS_INT:
        snprintf(tmp, sizeof tmp, "\"%lld\"", (long long)rs_ival(k));
        jput(j, tmp);
        return;
    case RSESS_FLOAT: {
        size_t n = rsess_float_ruby_text(rs_fval(k), tmp);
        jstr(j, tmp, n);
        return;
    }
    default: {
        rsess_buf b;
        rsess_buf_init(&b, j->s.out->alloc);
        rs_sink t = {&b, 0};
        if (!key_to_s(j, k, &t)) ruby_text(j, k, 0, &b);
        if (t.code) j->s.code = t.code;
        else jkeytext(j, b.data ? (const char *)b.data : "", b.len);
        rsess_buf_free(&b);
    }
    }
}

/* active[id]: bit 1 while the value is being printed (a cycle), bit 2 once
 * it has been printed (a shared value printed again costs budget). */
static bool grow(jview *j, const rsess_val *v)
{
    if (rs_marks_cover(&j->active, v->id)) {
        j->s.code = RSESS_ERR_NOMEM;
        return false;
    }
    return true;
}

static bool enter(jview *j, const rsess_val *v)
{
    if (!grow(j, v) || (j->active.m[v->id] & 1)) return false;
    j->active.m[v->id] |= 1;
    return true;
}

static void jclass_open(jview *j, const rsess_val *cls)
{
    jput(j, "{");
    j->depth++;
    j_newline(j);
    jput(j, j->pretty ? "\"$class\": " : "\"$class\":");
    if (cls) jstr(j, cls->u.s.p, cls->u.s.len);
    else jput(j, "null");
}

static void jclose(jview *j, const char *c)
{
    j->depth--;
    j_newline(j);
    jput(j, c);
}

/* The end of a container: on a line of its own when it has items. */
static void jend(jview *j, size_t n, const char *c)
{
    if (n) jclose(j, c);
    else j->depth--, jput(j, c);
}

/* xmlschema(3), as ActiveSupport's Time#as_json: "2026-01-29T13:24:14.448Z",
 * "2022-01-01T00:00:00.000+09:00" (Z for a zero offset when zulu). */
static void jtime(jview *j, int64_t sec, uint32_t nsec, int32_t off, bool zulu)
{
    int64_t local = sec + off, days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400), rem = local - days * 86400;
    int64_t y;
    int m, d;
    rs_civil_from_days(days, &y, &m, &d);
    char buf[96];
    int n = snprintf(buf, sizeof buf, "\"%s%04lld-%02d-%02dT%02d:%02d:%02d.%03u", YEAR(y), m, d, (int)(rem / 3600),
                     (int)(rem / 60 % 60), (int)(rem % 60), nsec / 1000000);
    if (zulu && off == 0) n += snprintf(buf + n, sizeof buf - (size_t)n, "Z\"");
    else {
        int32_t a = off < 0 ? -off : off;
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%c%02d:%02d\"", off < 0 ? '-' : '+', (int)(a / 3600), (int)(a / 60 % 60));
    }
    jput(j, buf);
}

/* Prints the text made in t's buffer as a JSON string, and frees it. */
static void jtext(jview *j, rs_sink *t)
{
    if (t->code) j->s.code = t->code;
    else jstr(j, t->out->data ? (const char *)t->out->data : "", t->out->len);
    rsess_buf_free(t->out);
}

/* BigDecimal#to_s as ActiveSupport makes it (format "F"): "0.15e1" ->
 * "1.5"; NaN, Infinity and absurd exponents as they are. Appends to t. */
static void bigdecimal_plain(const char *s, size_t n, rs_sink *t)
{
    size_t start = t->out->len, i = 0;
    if (n == 0 || memchr(s, 'N', n) || memchr(s, 'I', n)) {
        rs_put(t, s, n);
        return;
    }
    if (s[i] == '-' || s[i] == '+') {
        if (s[i] == '-') rs_putc(t, '-');
        i++;
    }
    if (i + 2 <= n && s[i] == '0' && s[i + 1] == '.') i += 2;
    const char *dig = s + i, *e = memchr(dig, 'e', n - i);
    size_t nd = e ? (size_t)(e - dig) : n - i;
    long exp = 0; /* the view is not NUL-terminated: parse the exponent within it */
    if (e) {
        const char *q = e + 1, *qend = s + n;
        bool eneg = q < qend && *q == '-';
        if (q < qend && (*q == '-' || *q == '+')) q++;
        for (; q < qend && *q >= '0' && *q <= '9' && exp < 100000000; q++) exp = exp * 10 + (*q - '0');
        if (eneg) exp = -exp;
    }
    if (t->code) return;
    if (exp > 100000 || exp < -100000) { /* not a plain decimal anyone wants printed */
        t->out->len = start;
        rs_put(t, s, n);
    } else if (nd == 0 || (nd == 1 && dig[0] == '0')) {
        t->out->len = start;
        rs_puts(t, s[0] == '-' ? "-0.0" : "0.0");
    } else if (exp <= 0) {
        rs_puts(t, "0.");
        for (long k = 0; k < -exp; k++) rs_putc(t, '0');
        rs_put(t, dig, nd);
    } else if ((size_t)exp >= nd) {
        rs_put(t, dig, nd);
        for (size_t k = nd; k < (size_t)exp; k++) rs_putc(t, '0');
        rs_puts(t, ".0");
    } else {
        rs_put(t, dig, (size_t)exp);
        rs_putc(t, '.');
        rs_put(t, dig + exp, nd - (size_t)exp);
    }
}

static void jbigdecimal(jview *j, const char *s, size_t n)
{
    if (n == 0 || memchr(s, 'N', n) || memchr(s, 'I', n)) { /* NaN, Infinity: as_json gives nil */
        jput(j, "null");
        return;
    }
    rsess_buf b;
    rsess_buf_init(&b, j->s.out->alloc);
    rs_sink t = {&b, 0}; /* the text, then printed as a JSON string */
    bigdecimal_plain(s, n, &t);
    jtext(j, &t);
}

/* to_s of a value, as Ruby's string interpolation gives it (for Range,
 * Rational, Complex): numbers, strings and symbols as themselves. */
static void to_s(jview *j, const rsess_val *v, rs_sink *t)
{
    char tmp[RSESS_FLOAT_TEXT_MAX + 4];
    switch (rs_type(v)) {
    case RSESS_NIL: break;
    case RSESS_STRING: case RSESS_SYMBOL: rs_put(t, v->u.s.p, v->u.s.len); break;
    case RSESS_INT: rs_putf(t, "%lld", (long long)rs_ival(v)); break;
    case RSESS_FLOAT: rs_put(t, tmp, rsess_float_ruby_text(rs_fval(v), tmp)); break;
    default: ruby_text(j, v, 0, t->out);
    }
}

/* --- Regexp#to_s (re.c rb_reg_str_with_term, rb_reg_expr_str) ------------ */
static int char_to_option(unsigned char c) { return c == 'i' ? 1 : c == 'x' ? 2 : c == 'm' ? 4 : 0; }

/* Ruby folds a leading (?flags:...) group into the options only when the
 * inside compiles as a regexp on its own (onig_new); rsess has no regexp
 * compiler, so it asks for balanced groups and classes, which is what
 * decides it for the patterns sessions hold. */
static bool inner_compiles(const unsigned char *p, size_t n)
{
    long depth = 0, cls = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\') i++;
        else if (p[i] == '[') cls++;
        else if (p[i] == ']' && cls) cls--;
        else if (!cls && p[i] == '(') depth++;
        else if (!cls && p[i] == ')' && --depth < 0) return false;
    }
    return depth == 0 && cls == 0;
}

static void regexp_to_s(const rsess_val *v, rs_sink *t)
{
    const unsigned char *src = (const unsigned char *)v->u.s.p, *ptr = src;
    size_t srclen = v->u.s.len, len = srclen;
    int options = v->opts & 7;
again:
    if (len >= 4 && ptr[0] == '(' && ptr[1] == '?') {
        bool err = true;
        ptr += 2;
        len -= 2;
        for (; len > 0 && char_to_option(*ptr); ptr++, len--) options |= char_to_option(*ptr);
        if (len > 1 && *ptr == '-')
            for (ptr++, len--; len > 0 && char_to_option(*ptr); ptr++, len--) options &= ~char_to_option(*ptr);
        if (len > 0 && *ptr == ')') {
            ptr++;
            len--;
            goto again;
        }
        if (len >= 2 && *ptr == ':' && ptr[len - 1] == ')') {
            ptr++;
            len -= 2;
            err = !inner_compiles(ptr, len);
        }
        if (err) {
            options = v->opts & 7;
            ptr = src;
            len = srclen;
        }
    }
    static const struct { int bit; char c; } fl[] = {{4, 'm'}, {1, 'i'}, {2, 'x'}};
    rs_puts(t, "(?");
    for (int k = 0; k < 3; k++)
        if (options & fl[k].bit) rs_putc(t, fl[k].c);
    if ((options & 7) != 7) rs_putc(t, '-');
    for (int k = 0; k < 3; k++)
        if (!(options & fl[k].bit)) rs_putc(t, fl[k].c);
    rs_putc(t, ':');
    if (!t->code && rs_reg_expr_str(t->out, (const char *)ptr, len, rs_enc_of(v), false)) t->code = RSESS_ERR_NOMEM;
    rs_putc(t, ')');
}

static bool jmeaning(jview *j, const rsess_val *v)
{
    rsess_time t;
    rsess_date d;
    rsess_val *a, *b;
    const char *s;
    size_t n;
    int excl;
    int32_t off;
    rsess_buf tb;
    rs_sink ts = {&tb, 0};
    switch (rs_type(v)) {
    case RSESS_USERDEF:
        if (rsess_get_time(v, &t)) return jtime(j, t.sec, t.nsec, t.utc ? 0 : t.utc_offset, t.utc), true;
        if ((s = rsess_get_bigdecimal(v, &n))) return jbigdecimal(j, s, n), true;
        return false;
    case RSESS_USERMARSHAL:
        if (rsess_get_time_with_zone(v, &t, &s, &n, &off)) return jtime(j, t.sec, t.nsec, off, true), true;
        if (rsess_get_date(v, &d)) {
            char buf[64];
            if (!d.datetime) {
                snprintf(buf, sizeof buf, "\"%s%04lld-%02d-%02d\"", YEAR(d.year), d.month, d.day);
                jput(j, buf);
            } else {
                int32_t a2 = d.offset < 0 ? -d.offset : d.offset;
                snprintf(buf, sizeof buf, "\"%s%04lld-%02d-%02dT%02d:%02d:%02d.%03u%c%02d:%02d\"", YEAR(d.year), d.month,
                         d.day, d.hour, d.minute, d.second, d.nsec / 1000000, d.offset < 0 ? '-' : '+',
                         (int)(a2 / 3600), (int)(a2 / 60 % 60));
                jput(j, buf);
            }
            return true;
        }
        if (rsess_get_rational(v, &a, &b) || rsess_get_complex(v, &a, &b)) {
            bool complex = rsess_get_complex(v, NULL, NULL);
            rsess_buf_init(&tb, j->s.out->alloc);
            if (complex) { /* Complex#to_s: "2/3+1i" */
                ruby_text(j, v, RS_PRINT_TO_S, &tb);
                if (!j->s.code) jstr(j, tb.data ? (const char *)tb.data : "", tb.len);
                rsess_buf_free(&tb);
            } else {
                to_s(j, a, &ts);
                rs_putc(&ts, '/');
                to_s(j, b, &ts);
                jtext(j, &ts);
            }
            return true;
        }
        return false;
    case RSESS_OBJECT:
        if (rsess_get_range(v, &a, &b, &excl)) {
            rsess_buf_init(&tb, j->s.out->alloc);
            to_s(j, a, &ts);
            rs_puts(&ts, excl ? "..." : "..");
            to_s(j, b, &ts);
            if (ts.code) j->s.code = ts.code;
            else jbytes(j, tb.data ? (const char *)tb.data : "", tb.len); /* strings of any encoding: not always UTF-8 */
            rsess_buf_free(&tb);
            return true;
        }
        if (rsess_get_duration(v, &a, &b)) {
            char buf[32];
            if (rs_type(a) == RSESS_FLOAT && isfinite(rs_fval(a)) && fabs(rs_fval(a)) < 9e18) snprintf(buf, sizeof buf, "%lld", (long long)rs_fval(a));
            else if (rs_type(a) == RSESS_INT) snprintf(buf, sizeof buf, "%lld", (long long)rs_ival(a));
            else snprintf(buf, sizeof buf, "null");
            jput(j, buf);
            return true;
        }
        if ((a = rsess_get_exception_message(v)) && rsess_field_get(v, "bt", 2)) {
            if (rs_type(a) == RSESS_STRING) jstrval(j, a, false); /* "" stays "" (Exception#to_s) */
            else jstr(j, rs_cls(v)->u.s.p, rs_cls(v)->u.s.len);
            return true;
        }
        return false;
    default: return false;
    }
}

static void jpush(jview *j, const rsess_val *v, int kind)
{
    jframe *f = rs_stack_push(&j->stack);
    if (!f) {
        j->s.code = RSESS_ERR_NOMEM;
        return;
    }
    *f = (jframe){v, 0, (uint8_t)kind};
}

/* --- repeated keys ------------------------------------------------------------- */
/* The texts of a Hash's keys as as_json makes them (key.to_s): a String's
 * or Symbol's bytes where they are, the others made in buf. */
typedef struct keytexts {
    const char **p; /* NULL: at off in buf */
    size_t *off, *len;
    rsess_buf buf;
} keytexts;

static void keytext_at(void *ctx, size_t e, const void **p, size_t *n)
{
    const keytexts *t = ctx;
    *p = t->p[e] ? t->p[e] : (const char *)t->buf.data + t->off[e];
    *n = t->len[e];
}

/* key.to_s into t (as jkey prints it, before the JSON escaping). */
static void key_to_s_text(jview *j, const rsess_val *k, rs_sink *t)
{
    char tmp[RSESS_FLOAT_TEXT_MAX + 4];
    switch (rs_type(k)) {
    case RSESS_STRING: case RSESS_SYMBOL: {
        int w = wide_to_utf8(k, t);
        if (w == 0) rs_put(t, k->u.s.p, k->u.s.len);
        return;
    }
    case RSESS_NIL: return;
    case RSESS_TRUE: rs_puts(t, "true"); return;
    case RSESS_FALSE: rs_puts(t, "false"); return;
    case RSESS_INT: rs_putf(t, "%lld", (long long)rs_ival(k)); return;
    case RSESS_FLOAT: rs_put(t, tmp, rsess_float_ruby_text(rs_fval(k), tmp)); return;
    default:
        if (!key_to_s(j, k, t)) ruby_text(j, k, 0, t->out);
    }
}

/* A String or Symbol key whose bytes are its text. */
static bool bytes_are_text(const rsess_val *k)
{
    return !rs_imm(k) && (rs_type(k) == RSESS_STRING || rs_type(k) == RSESS_SYMBOL) && rs_enc_of(k) != RSESS_ENC_OTHER;
}

/* Keys eql? without one text: 0.0 and -0.0, and containers holding them. */
static bool text_may_differ(const rsess_val *k)
{
    int t = rs_type(k);
    return t == RSESS_FLOAT || t == RSESS_ARRAY || t == RSESS_HASH;
}

/* A String or Symbol key whose to_s is one with any other of its bytes
 * (String#eql?): ASCII-only in an ASCII-compatible encoding, or UTF-8, as
 * the other keys' texts are. */
static bool text_untagged(const rsess_val *k)
{
    if (rs_enc_of(k) == RSESS_ENC_UTF8) return true;
    if (!rs_ascii_only(k->u.s.p, k->u.s.len)) return false;
    if (rs_enc_of(k) != RSESS_ENC_OTHER) return true;
    size_t n;
    const char *name = rs_enc_name(k, &n);
    return rs_enc_ascii_compatible(name, n);
}

/* Entry e's text with its encoding before it, when some key's is not
 * untagged: 'a' ASCII-only in an ASCII-compatible encoding, 'u' UTF-8,
 * 'b' binary, 's' US-ASCII (bytes that are not), 'o' another encoding by
 * name and a NUL; then the bytes (a wide String's as they are). Texts of
 * String#eql? to_s strings are then the same bytes, and no others. */
static void tagged_text(jview *j, const rsess_val *k, rs_sink *t)
{
    if (!rs_imm(k) && (rs_type(k) == RSESS_STRING || rs_type(k) == RSESS_SYMBOL)) {
        int enc = rs_enc_of(k);
        if (text_untagged(k) && (enc != RSESS_ENC_UTF8 || rs_ascii_only(k->u.s.p, k->u.s.len))) {
            rs_put(t, "a", 1);
        } else if (enc == RSESS_ENC_OTHER) {
            size_t n;
            const char *name = rs_enc_name(k, &n);
            rs_put(t, "o", 1);
            rs_put(t, name, n);
            rs_put(t, "", 1);
        } else {
            rs_put(t, enc == RSESS_ENC_UTF8 ? "u" : enc == RSESS_ENC_BINARY ? "b" : "s", 1);
        }
        rs_put(t, k->u.s.p, k->u.s.len);
        return;
    }
    size_t at = t->out->len; /* the others' to_s: ASCII or UTF-8 */
    rs_put(t, "a", 1);
    key_to_s_text(j, k, t);
    if (!t->code && !rs_ascii_only((const char *)t->out->data + at + 1, t->out->len - at - 1)) t->out->data[at] = 'u';
}

/* Regroups p by the keys' texts (as_json's Hash[map { [k.to_s, v] }]). */
static int regroup_texts(jview *j, rs_pairplan *p, const rsess_val *hash, bool *dups)
{
    size_t m = rs_pairplan_len(p, hash);
    *dups = false;
    if (m < 2) return 0;
    const char *sp[RS_PAIRWISE_MAX];
    size_t soff[RS_PAIRWISE_MAX], slen[RS_PAIRWISE_MAX];
    keytexts kt = {sp, soff, slen, {0}};
    const rsess_alloc *alloc = j->s.out->alloc;
    rsess_buf_init(&kt.buf, alloc);
    size_t block = m * (sizeof *kt.p + sizeof *kt.off + sizeof *kt.len);
    if (m > RS_PAIRWISE_MAX) {
        char *b = rs_malloc(alloc, block);
        if (!b) return RSESS_ERR_NOMEM;
        kt.p = (const char **)(void *)b;
        kt.off = (size_t *)(void *)(b + m * sizeof *kt.p);
        kt.len = kt.off + m;
    }
    int rc = 0;
    rs_sink t = {&kt.buf, 0};
    bool tagged = false;
    for (size_t e = 0; e < m && !tagged; e++) {
        const rsess_val *k = rs_pairplan_key(p, hash, e);
        tagged = !rs_imm(k) && (rs_type(k) == RSESS_STRING || rs_type(k) == RSESS_SYMBOL) && !text_untagged(k);
    }
    for (size_t e = 0; e < m && !rc; e++) {
        const rsess_val *k = rs_pairplan_key(p, hash, e);
        if (tagged) {
            kt.p[e] = NULL;
            kt.off[e] = kt.buf.len;
            tagged_text(j, k, &t);
            kt.len[e] = kt.buf.len - kt.off[e];
            if (t.code || j->s.code) rc = t.code ? t.code : j->s.code;
        } else if (bytes_are_text(k)) {
            kt.p[e] = k->u.s.p;
            kt.len[e] = k->u.s.len;
        } else {
            kt.p[e] = NULL;
            kt.off[e] = kt.buf.len;
            key_to_s_text(j, k, &t);
            kt.len[e] = kt.buf.len - kt.off[e];
            if (t.code || j->s.code) rc = t.code ? t.code : j->s.code;
        }
    }
    if (!rc) rc = rs_pairplan_regroup(p, hash, keytext_at, &kt, alloc, dups);
    rsess_buf_free(&kt.buf);
    if (m > RS_PAIRWISE_MAX) rs_free(alloc, kt.p, block);
    return rc;
}

/* json_pairs past its first filter (kept out of line: the usual Hash pays
 * for none of its stack). all_text: every key is a String or Symbol. */
__attribute__((noinline)) static int json_pairs_slow(jview *j, const rsess_val *hash, bool texts, bool all_text,
                                                     rs_pairplan *p)
{
    size_t m = hash->u.c.n;
    if (all_text) { /* two share a bit: their fingerprints */
        uint64_t fp[RS_PAIRWISE_MAX];
        for (size_t e = 0; e < m; e++) fp[e] = rs_bytes_fp(hash->u.c.k[2 * e]->u.s.p, hash->u.c.k[2 * e]->u.s.len);
        if (rs_fps_distinct(fp, m)) return 0;
    }
    bool eql_first = !texts;
    for (size_t i = 0; i < m && !eql_first; i++) eql_first = text_may_differ(hash->u.c.k[2 * i]);
    if (!eql_first) { /* keys of one text each are not eql? either: one pass */
        bool dups;
        int rc = regroup_texts(j, p, hash, &dups);
        if (rc || !dups) return rc;
        rs_pairplan_free(p, j->s.out->alloc);
    }
    int rc = rs_pairplan_make(p, hash, j->s.out->alloc, &j->work);
    if (!rc && texts) {
        bool dups;
        rc = regroup_texts(j, p, hash, &dups);
    }
    if (rc) rs_pairplan_free(p, j->s.out->alloc);
    return rc;
}

/* The pairs as_json keeps of a Hash (or the elements of a Set, hash its
 * Hash, texts false): Marshal.load's (each eql? key once, its first key
 * and place, its last value), then for a Hash the same again by key.to_s. */
static inline int json_pairs(jview *j, const rsess_val *hash, bool texts, rs_pairplan *p)
{
    p->kv = NULL;
    p->n = p->cap = 0;
    size_t m = hash->u.c.n;
    if (m < 2) return 0;
    bool all_text = false;
    if (m <= RS_PAIRWISE_MAX) { /* the usual case: String and Symbol keys of different bytes */
        uint64_t w[2] = {0, 0};
        bool clash = false;
        size_t e = 0;
        for (; e < m; e++) {
            const rsess_val *k = hash->u.c.k[2 * e];
            if (!bytes_are_text(k)) break;
            clash |= rs_bits_add(w, rs_bytes_bit(k->u.s.p, k->u.s.len));
        }
        if (e == m && !clash) return 0;
        all_text = e == m;
    }
    return json_pairs_slow(j, hash, texts, all_text, p);
}

/* A frame for the pairs as_json keeps; a plan on j->plans when they are
 * not all of them (frames stay small: depth costs them). */
static void jpush_pairs(jview *j, const rsess_val *v, int kind, const rsess_val *hash)
{
    rs_pairplan p;
    int rc = json_pairs(j, hash, kind == J_HASH, &p);
    if (!rc && p.kv) rc = rs_pairplan_keep(&j->plans, &p, j->s.out->alloc);
    if (rc) {
        j->s.code = rc;
        return;
    }
    size_t frames = j->stack.n;
    jpush(j, v, kind | (p.kv ? J_PLANNED : 0));
    if (j->stack.n == frames && p.kv) rs_pairplan_drop(&j->plans, j->s.out->alloc);
}

/* The top frame's plan, or NULL (every pair, in order). */
static inline const rs_pairplan *jf_plan(const jview *j, const jframe *f)
{
    return (f->kind & J_PLANNED) ? rs_stack_top(&j->plans) : NULL;
}

/* The top frame f ends: its plan with it. */
static void jframe_end(jview *j, jframe *f)
{
    if (!(f->kind & J_PLANNED)) return;
    rs_pairplan_drop(&j->plans, j->s.out->alloc);
    f->kind &= (uint8_t)~J_PLANNED;
}

/* Prints a value, or its head and a frame for its parts. */
static void jopen(jview *j, const rsess_val *v)
{
    char tmp[RSESS_FLOAT_TEXT_MAX + 4];
    if (j->s.code) return;
    if (rs_imm(v)) { /* no node to mark: each time it is printed, it is counted */
        j->cap.seen += 1;
    } else if (!grow(j, v)) {
        return;
    } else if (j->active.m[v->id] & 2) { /* only the expansion of shared values is budgeted */
        if (rs_has_identity(v) && j->budget-- == 0) { /* nil, symbols...: one node for many slots */
            j->s.code = RSESS_ERR_NODES;
            return;
        }
    } else {
        j->active.m[v->id] |= 2;
        j->cap.seen += rs_view_weight(v);
    }
    if (!rs_outcap_ok(&j->cap, j->s.out->len)) {
        j->s.code = RSESS_ERR_NODES;
        j->capped = true;
        return;
    }
    switch (rs_type(v)) {
    case RSESS_NIL: jput(j, "null"); return;
    case RSESS_TRUE: jput(j, "true"); return;
    case RSESS_FALSE: jput(j, "false"); return;
    case RSESS_INT:
        snprintf(tmp, sizeof tmp, "%lld", (long long)rs_ival(v));
        jput(j, tmp);
        return;
    case RSESS_BIGNUM: rs_put_bignum(&j->s, (const unsigned char *)v->u.s.p, v->u.s.len, rs_flags(v) & F_NEGATIVE); return;
    case RSESS_FLOAT: {
        if (!isfinite(rs_fval(v))) { /* as ActiveSupport's Float#as_json */
            jput(j, "null");
            return;
        }
        size_t n = rsess_float_ruby_text(rs_fval(v), tmp);
        tmp[n] = 0;
        jput(j, tmp);
        return;
    }
    case RSESS_STRING: case RSESS_SYMBOL: jstrval(j, v, false); return;
    case RSESS_CLASS: case RSESS_MODULE: case RSESS_OLDMODULE: jbytes(j, v->u.s.p, v->u.s.len); return;
    case RSESS_REGEXP: {
        rsess_buf b;
        rsess_buf_init(&b, j->s.out->alloc);
        rs_sink t = {&b, 0};
        regexp_to_s(v, &t);
        if (t.code) j->s.code = t.code;
        else jbytes(j, b.data ? (const char *)b.data : "", b.len);
        rsess_buf_free(&b);
        return;
    }
    default: break;
    }
    if (!enter(j, v)) {
        if (!j->s.code) jput(j, "null"); /* a cycle */
        return;
    }
    if (jmeaning(j, v)) {
        j->active.m[v->id] &= (uint8_t)~1u;
        return;
    }
    if (rsess_get_set(v)) { /* Set#as_json: its elements */
        jput(j, "[");
        jpush_pairs(j, v, J_SET, rsess_get_set(v));
        return;
    }
    switch (rs_type(v)) {
    case RSESS_ARRAY:
        jput(j, "[");
        j->depth++;
        jpush(j, v, J_ARRAY);
        return;
    case RSESS_HASH:
        jput(j, "{");
        j->depth++;
        jpush_pairs(j, v, J_HASH, v);
        return;
    case RSESS_OBJECT: case RSESS_STRUCT: /* Object#as_json: instance_values; Struct: members */
        jput(j, "{");
        j->depth++;
        jpush(j, v, J_FIELDS);
        return;
    case RSESS_USERDEF:
        jclass_open(j, rs_cls(v));
        jput(j, j->pretty ? ",\n" : ",");
        if (j->pretty) for (size_t i = 0; i < j->depth; i++) jput(j, "  ");
        jput(j, j->pretty ? "\"$dump\": " : "\"$dump\":");
        jbytes(j, v->u.s.p, v->u.s.len);
        jclose(j, "}");
        break;
    case RSESS_USERMARSHAL: case RSESS_DATA:
        jclass_open(j, rs_cls(v));
        jput(j, j->pretty ? ",\n" : ",");
        if (j->pretty) for (size_t i = 0; i < j->depth; i++) jput(j, "  ");
        jput(j, j->pretty ? "\"$data\": " : "\"$data\":");
        jpush(j, v, J_ONE);
        return;
    default: j->s.code = RSESS_ERR_VALUE; break;
    }
    j->active.m[v->id] &= (uint8_t)~1u;
}

/* Prints the text between f's parts up to the next part: true with that
 * part in *part, false when f's value is printed to its end. */
static bool jstep(jview *j, jframe *f, const rsess_val **part)
{
    const rsess_val *v = f->v;
    size_t i = f->i;
    switch (f->kind & ~J_PLANNED) {
    case J_SET: {
        const rsess_val *set = rsess_get_set(v);
        const rs_pairplan *p = jf_plan(j, f);
        if (i < (p ? p->n : set->u.c.n)) {
            if (i) jput(j, ",");
            *part = set->u.c.k[2 * (p ? p->kv[2 * i] : i)];
            break;
        }
        jput(j, "]");
        return false;
    }
    case J_ARRAY:
        if (i < v->u.c.n) {
            if (i) jput(j, ",");
            j_newline(j);
            *part = v->u.c.k[i];
            break;
        }
        jend(j, v->u.c.n, "]");
        return false;
    case J_HASH: {
        const rs_pairplan *p = jf_plan(j, f);
        size_t ki = i, vi = i, n = v->u.c.n; /* the pairs printed: through the plan if any */
        if (p) {
            n = p->n;
            if (i < n) ki = p->kv[2 * i], vi = p->kv[2 * i + 1];
        }
        if (i < n) {
            jput(j, i == 0 ? "" : ",");
            j_newline(j);
            jkey(j, v->u.c.k[2 * ki]);
            jput(j, j->pretty ? ": " : ":");
            *part = v->u.c.k[2 * vi + 1];
            break;
        }
        jend(j, v->u.c.n, "}");
        return false;
    }
    case J_FIELDS:
        if (i < v->u.c.n) {
            const rsess_val *k = v->u.c.k[2 * i];
            if (i) jput(j, ",");
            j_newline(j);
            size_t skip = rs_type(v) == RSESS_OBJECT && k->u.s.len && k->u.s.p[0] == '@' ? 1 : 0;
            jbytes(j, k->u.s.p + skip, k->u.s.len - skip);
            jput(j, j->pretty ? ": " : ":");
            *part = v->u.c.k[2 * i + 1];
            break;
        }
        jend(j, v->u.c.n, "}");
        return false;
    default: /* J_ONE */
        if (i == 0) {
            *part = v->u.one;
            break;
        }
        jclose(j, "}");
        return false;
    }
    f->i++;
    return true;
}

static void jwalk(jview *j, const rsess_val *root)
{
    jopen(j, root);
    while (j->stack.n && !j->s.code) {
        jframe *f = rs_stack_top(&j->stack);
        const rsess_val *part;
        if (jstep(j, f, &part)) {
            jopen(j, part);
        } else {
            j->active.m[f->v->id] &= (uint8_t)~1u;
            jframe_end(j, f);
            j->stack.n--;
        }
    }
}

int rs_print_json(const rsess_val *v, unsigned flags, rs_text_fn ruby_to_s, rsess_buf *out, rsess_err *err)
{
    jview j = {0};
    j.s.out = out;
    j.active.alloc = out->alloc;
    jframe first[16]; /* shallow values print without allocating frames */
    rs_stack_init(&j.stack, sizeof *first, out->alloc, first, 16);
    rs_stack_init(&j.plans, sizeof(rs_pairplan), out->alloc, NULL, 0);
    j.to_s = ruby_to_s;
    j.pretty = flags & RSESS_PRINT_PRETTY;
    j.budget = 1000000; /* repeats of shared values: a fan-out is not expanded forever */
    size_t start = out->len;
    j.cap.start = start;
    j.work = RS_KEY_WORK;
    jwalk(&j, v);
    while (j.stack.n) { /* stopped early: the plans of the frames left */
        jframe_end(&j, rs_stack_top(&j.stack));
        j.stack.n--;
    }
    rs_marks_free(&j.active);
    rs_stack_free(&j.stack);
    rs_stack_free(&j.plans);
    if (j.s.code) {
        out->len = start;
        return rs_fail(err, j.s.code, 0, j.s.code != RSESS_ERR_NODES ? NULL
                                         : j.capped ? RS_OUTCAP_TEXT
                                                    : "JSON output repeats shared values over 1000000 times (JSON has no links; "
                                                      "--to typed keeps them)");
    }
    return 0;
}
