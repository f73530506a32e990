/* An annotated listing of every byte of a value: offset, bytes, meaning.
 * A walker of its own over the bytes (the parser stays lean): it follows
 * Marshal's grammar, keeps Ruby's symbol and object tables to say what
 * links point at, and describes cache-entry headers. Errors stop the
 * listing with the same codes the parser uses. */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

#define HEX_PER_LINE 8
#define MAX_BYTE_LINES 4 /* longer payloads: the first lines, then a summary */

typedef struct xsym {
    const unsigned char *p;
    size_t n;
} xsym;

typedef struct xw {
    rsess_buf *out;
    const unsigned char *base, *p, *end;
    size_t shown_base; /* offset added to positions (inflated payloads) */
    int width;         /* digits of the offset column */
    bool color;
    int code;
    size_t depth, max_depth;
    xsym *syms;
    size_t nsyms, symcap;
    char (*objs)[48]; /* what each object index is */
    size_t nobjs, objcap;
    const rsess_alloc *alloc;
    rsess_err *err;
} xw;

/* --- output ------------------------------------------------------------------ */
enum { C_OFF, C_TYPE, C_STR, C_NUM, C_LINK, C_DIM, C_END };
static const char *const colors[] = {"\033[2m", "\033[1;36m", "\033[32m", "\033[33m", "\033[35m", "\033[2m", "\033[0m"};

static void out(xw *x, const char *s, size_t n)
{
    if (!x->code && rs_buf_put(x->out, s, n)) x->code = RSESS_ERR_NOMEM;
}
static void outs(xw *x, const char *s) { out(x, s, strlen(s)); }
static void col(xw *x, int c)
{
    if (x->color) outs(x, colors[c]);
}

static void outf(xw *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void outf(xw *x, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) out(x, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A printable rendering of bytes: the text Ruby's inspect would show for a
 * UTF-8 (or ASCII) string, cut at 60 characters. */
static void text_of(xw *x, const unsigned char *p, size_t n, bool utf8)
{
    size_t odd = 0, look = n < 60 ? n : 60;
    for (size_t i = 0; i < look; i++) odd += p[i] < 0x20 || p[i] == 0x7f || (!utf8 && p[i] >= 0x80);
    if (look >= 8 && odd * 4 > look) { /* not text: say so rather than print escapes */
        col(x, C_DIM);
        outs(x, "(binary data)");
        col(x, C_END);
        return;
    }
    col(x, C_STR);
    outs(x, "\"");
    size_t shown = 0;
    for (size_t i = 0; i < n && shown < 60; shown++) {
        unsigned c = p[i];
        if (c == '"' || c == '\\') {
            outf(x, "\\%c", c);
            i++;
        } else if (c >= 0x20 && c < 0x7f) {
            out(x, (const char *)p + i, 1);
            i++;
        } else if (utf8 && c >= 0xc2) {
            size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
            if (i + k <= n && rs_utf8_valid((const char *)p + i, k)) out(x, (const char *)p + i, k);
            else outf(x, "\\x%02X", c), k = 1;
            i += k;
        } else {
            const char *e = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
            if (e) outs(x, e);
            else outf(x, "\\x%02X", c);
            i++;
        }
        if (shown == 59 && i < n) outs(x, "...");
    }
    outs(x, "\"");
    col(x, C_END);
}

/* One listing line: offset, up to 8 bytes, indentation, meaning. The
 * meaning is written by the caller after this returns. */
static void line_start(xw *x, const unsigned char *at, size_t n)
{
    col(x, C_OFF);
    outf(x, "%*zu", x->width, (size_t)(at - x->base) + x->shown_base);
    col(x, C_END);
    outs(x, "  ");
    char hex[HEX_PER_LINE * 3 + 1];
    size_t k = 0;
    for (size_t i = 0; i < n && i < HEX_PER_LINE; i++) k += (size_t)snprintf(hex + k, 4, "%02x ", at[i]);
    for (; k < HEX_PER_LINE * 3; k++) hex[k] = ' ';
    hex[k] = 0;
    outs(x, hex);
    outs(x, " ");
    for (size_t i = 0; i < x->depth; i++) outs(x, "  ");
}

static void line_end(xw *x)
{
    while (!x->code && x->out->len && x->out->data[x->out->len - 1] == ' ') x->out->len--;
    outs(x, "\n");
}

/* Payload bytes over several lines (a summary after MAX_BYTE_LINES). */
static void byte_lines(xw *x, const unsigned char *p, size_t n, bool utf8, const char *what)
{
    size_t lines = (n + HEX_PER_LINE - 1) / HEX_PER_LINE;
    for (size_t l = 0; l < lines && l < MAX_BYTE_LINES; l++) {
        size_t k = n - l * HEX_PER_LINE < HEX_PER_LINE ? n - l * HEX_PER_LINE : HEX_PER_LINE;
        line_start(x, p + l * HEX_PER_LINE, k);
        if (l == 0) {
            if (what) outf(x, "%s ", what);
            text_of(x, p, n, utf8);
        }
        line_end(x);
    }
    if (lines > MAX_BYTE_LINES) {
        line_start(x, p + MAX_BYTE_LINES * HEX_PER_LINE, 0);
        col(x, C_DIM);
        outf(x, "... %zu more bytes", n - MAX_BYTE_LINES * HEX_PER_LINE);
        col(x, C_END);
        line_end(x);
    }
}

static bool xfail(xw *x, int code, const unsigned char *at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool xfail(xw *x, int code, const unsigned char *at, const char *fmt, ...)
{
    if (x->code) return false;
    x->code = code;
    char tmp[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    rs_fail(x->err, code, (size_t)(at - x->base) + x->shown_base, "%s", tmp);
    return false;
}

/* --- Marshal walking ------------------------------------------------------ */
static bool need(xw *x, size_t n, const char *what)
{
    if ((size_t)(x->end - x->p) >= n) return true;
    return xfail(x, RSESS_ERR_TRUNCATED, x->p, "truncated %s: %zu bytes needed, %zu left", what, n,
                 (size_t)(x->end - x->p));
}

static bool rlong(xw *x, long *v)
{
    if (!need(x, 1, "number")) return false;
    int c = (signed char)*x->p++;
    if (c == 0) *v = 0;
    else if (c > 4) *v = c - 5;
    else if (c < -4) *v = c + 5;
    else {
        int n = c > 0 ? c : -c;
        if (!need(x, (size_t)n, "number")) return false;
        long r = c > 0 ? 0 : -1;
        for (int i = 0; i < n; i++) {
            r &= ~(0xffL << (8 * i));
            r |= (long)x->p[i] << (8 * i);
        }
        x->p += n;
        *v = r;
    }
    return true;
}

static bool count(xw *x, long *v, size_t min_each, const char *what)
{
    const unsigned char *at = x->p;
    if (!rlong(x, v)) return false;
    if (*v < 0) return xfail(x, RSESS_ERR_FORMAT, at, "negative %s %ld", what, *v);
    if ((size_t)*v > (size_t)(x->end - x->p) / min_each)
        return xfail(x, RSESS_ERR_TRUNCATED, at, "truncated %s: %ld declared, %zu bytes left", what, *v,
                     (size_t)(x->end - x->p));
    return true;
}

static int remember(xw *x, const char *what)
{
    if (x->nobjs == x->objcap) {
        size_t ncap = x->objcap ? x->objcap * 2 : 64;
        void *n = rs_realloc(x->alloc, x->objs, x->objcap * sizeof *x->objs, ncap * sizeof *x->objs);
        if (!n) {
            x->code = RSESS_ERR_NOMEM;
            return -1;
        }
        x->objs = n;
        x->objcap = ncap;
    }
    snprintf(x->objs[x->nobjs], sizeof x->objs[0], "%s", what);
    return (int)x->nobjs++;
}

static void obj_tag(xw *x, int idx)
{
    if (idx < 0) return;
    col(x, C_DIM);
    outf(x, "  (object #%d)", idx);
    col(x, C_END);
}

static bool x_object(xw *x, bool ivwrap);

/* A symbol (':' new, ';' link, 'I:' with encoding); returns its bytes. */
static bool x_symbol(xw *x, const char *role, xsym *got)
{
    const unsigned char *at = x->p;
    if (!need(x, 1, "symbol")) return false;
    int t = *x->p;
    bool ivar = false;
    if (t == 'I' && x->p + 1 < x->end && x->p[1] == ':') ivar = true, x->p++, t = ':';
    x->p++;
    if (t == ';') {
        long i;
        if (!rlong(x, &i)) return false;
        if (i < 0 || (size_t)i >= x->nsyms) return xfail(x, RSESS_ERR_SYMLINK, at, "symbol link %ld out of range", i);
        line_start(x, at, (size_t)(x->p - at));
        outf(x, "%s", role);
        col(x, C_LINK);
        outf(x, ":%.*s", (int)x->syms[i].n, x->syms[i].p);
        col(x, C_END);
        col(x, C_DIM);
        outf(x, "  (symbol link to #%ld)", i);
        col(x, C_END);
        line_end(x);
        if (got) *got = x->syms[i];
        return true;
    }
    if (t != ':') return xfail(x, RSESS_ERR_FORMAT, at, "expected a symbol, found byte 0x%02x", t);
    long n;
    if (!count(x, &n, 1, "symbol")) return false;
    xsym s = {x->p, (size_t)n};
    x->p += n;
    if (x->nsyms == x->symcap) {
        size_t ncap = x->symcap ? x->symcap * 2 : 32;
        xsym *ns = rs_realloc(x->alloc, x->syms, x->symcap * sizeof *ns, ncap * sizeof *ns);
        if (!ns) return x->code = RSESS_ERR_NOMEM, false;
        x->syms = ns;
        x->symcap = ncap;
    }
    size_t idx = x->nsyms;
    x->syms[x->nsyms++] = s;
    line_start(x, at, (size_t)(x->p - at));
    outs(x, role);
    col(x, C_TYPE);
    outf(x, ":%.*s", (int)s.n, s.p);
    col(x, C_END);
    col(x, C_DIM);
    outf(x, "  (new symbol #%zu%s)", idx, ivar ? ", encoding follows" : "");
    col(x, C_END);
    line_end(x);
    if (got) *got = s;
    if (ivar) { /* the symbol's own encoding ivar */
        const unsigned char *cat = x->p;
        long k;
        if (!count(x, &k, 2, "ivar count")) return false;
        line_start(x, cat, (size_t)(x->p - cat));
        outf(x, "%ld encoding ivar", k);
        line_end(x);
        x->depth++;
        for (long i = 0; i < k && !x->code; i++) {
            if (!x_symbol(x, "", NULL) || !x_object(x, false)) return false;
        }
        x->depth--;
    }
    return !x->code;
}

static const char *enc_meaning(const xsym *name, int tbyte)
{
    if (name->n == 1 && name->p[0] == 'E') return tbyte == 'T' ? "encoding UTF-8" : "encoding US-ASCII";
    return NULL;
}

static bool x_ivars(xw *x, const unsigned char *at)
{
    long n;
    if (!count(x, &n, 2, "ivar count")) return false;
    line_start(x, at, (size_t)(x->p - at));
    outf(x, "%ld instance variable%s", n, n == 1 ? "" : "s");
    line_end(x);
    x->depth++;
    for (long i = 0; i < n && !x->code; i++) {
        xsym name;
        if (!x_symbol(x, "", &name)) return false;
        const unsigned char *v = x->p;
        if (x->p < x->end && (*x->p == 'T' || *x->p == 'F') && enc_meaning(&name, *x->p)) {
            x->p++;
            line_start(x, v, 1);
            outf(x, "%s: ", *v == 'T' ? "true" : "false");
            col(x, C_TYPE);
            outs(x, enc_meaning(&name, *v));
            col(x, C_END);
            line_end(x);
            continue;
        }
        if (!x_object(x, false)) return false;
    }
    x->depth--;
    return !x->code;
}

static bool x_seq(xw *x, long n, int width, bool sym_keys)
{
    x->depth++;
    for (long i = 0; i < n * width && !x->code; i++) {
        if (sym_keys && i % 2 == 0) {
            if (!x_symbol(x, "", NULL)) return false;
        } else if (!x_object(x, false)) {
            return false;
        }
    }
    x->depth--;
    return !x->code;
}

static bool x_object(xw *x, bool ivwrap)
{
    const unsigned char *at = x->p;
    if (!need(x, 1, "value")) return false;
    if (++x->depth > x->max_depth + 1) return xfail(x, RSESS_ERR_DEPTH, at, "nesting deeper than %zu", x->max_depth);
    x->depth--;
    int t = *x->p++;
    long n;
    char desc[48];
    switch (t) {
    case '0': case 'T': case 'F':
        line_start(x, at, 1);
        col(x, C_NUM);
        outs(x, t == '0' ? "nil" : t == 'T' ? "true" : "false");
        col(x, C_END);
        line_end(x);
        return true;
    case 'i':
        if (!rlong(x, &n)) return false;
        line_start(x, at, (size_t)(x->p - at));
        outs(x, "Integer ");
        col(x, C_NUM);
        outf(x, "%ld", n);
        col(x, C_END);
        line_end(x);
        return true;
    case 'l': {
        if (!need(x, 1, "bignum sign")) return false;
        int sign = *x->p++;
        if (!count(x, &n, 2, "bignum")) return false;
        const unsigned char *mag = x->p;
        x->p += 2 * n;
        line_start(x, at, (size_t)(mag - at));
        rsess_buf dec;
        rsess_buf_init(&dec, x->alloc);
        rs_bignum_decimal(mag, (size_t)(2 * n), sign == '-', &dec);
        outf(x, "Integer (bignum, %ld 16-bit words) ", n);
        col(x, C_NUM);
        out(x, (const char *)dec.data, dec.len);
        col(x, C_END);
        obj_tag(x, remember(x, "Integer"));
        line_end(x);
        rsess_buf_free(&dec);
        if (n) {
            x->depth++;
            byte_lines(x, mag, (size_t)(2 * n), false, "magnitude, little-endian");
            x->depth--;
        }
        return !x->code;
    }
    case 'f': {
        if (!count(x, &n, 1, "float")) return false;
        line_start(x, at, (size_t)(x->p - at) + (size_t)n);
        outs(x, "Float ");
        col(x, C_NUM);
        outf(x, "%.*s", (int)n, x->p);
        col(x, C_END);
        obj_tag(x, remember(x, "Float"));
        line_end(x);
        x->p += n;
        return true;
    }
    case '"': case '/': case 'c': case 'm': case 'M': {
        const char *name = t == '"' ? "String" : t == '/' ? "Regexp" : t == 'c' ? "Class" : "Module";
        if (!count(x, &n, 1, name)) return false;
        line_start(x, at, (size_t)(x->p - at));
        col(x, C_TYPE);
        outs(x, name);
        col(x, C_END);
        outf(x, ", %ld byte%s", n, n == 1 ? "" : "s");
        if (t == '"' && !ivwrap) outs(x, ", binary (no encoding ivar)");
        snprintf(desc, sizeof desc, "%s \"%.*s\"", name, (int)(n > 24 ? 24 : n), (const char *)x->p);
        obj_tag(x, remember(x, desc));
        line_end(x);
        x->depth++;
        byte_lines(x, x->p, (size_t)n, true, NULL);
        x->p += n;
        if (t == '/') {
            if (!need(x, 1, "regexp options")) return false;
            line_start(x, x->p, 1);
            outf(x, "options 0x%02x", *x->p);
            line_end(x);
            x->p++;
        }
        x->depth--;
        return !x->code;
    }
    case ':': case ';':
        x->p--;
        return x_symbol(x, "Symbol ", NULL);
    case '[': case '{': case '}': {
        bool arr = t == '[';
        if (!count(x, &n, arr ? 1 : 2, arr ? "array" : "hash")) return false;
        line_start(x, at, (size_t)(x->p - at));
        col(x, C_TYPE);
        outs(x, arr ? "Array" : "Hash");
        col(x, C_END);
        outf(x, ", %ld %s%s%s", n, arr ? "element" : "pair", n == 1 ? "" : "s", t == '}' ? ", with a default" : "");
        obj_tag(x, remember(x, arr ? "Array" : "Hash"));
        line_end(x);
        if (!x_seq(x, n, arr ? 1 : 2, false)) return false;
        if (t == '}') {
            x->depth++;
            const unsigned char *d = x->p;
            line_start(x, d, 0);
            outs(x, "default value:");
            line_end(x);
            bool ok = x_object(x, false);
            x->depth--;
            return ok;
        }
        return true;
    }
    case 'o': case 'S': case 'U': case 'd': case 'u': {
        const char *what = t == 'o' ? "Object" : t == 'S' ? "Struct" : t == 'U' ? "marshal_dump object"
                           : t == 'd' ? "_dump_data object" : "_dump object";
        line_start(x, at, 1);
        col(x, C_TYPE);
        outs(x, what);
        col(x, C_END);
        int idx = t != 'u' ? remember(x, what) : -1;
        obj_tag(x, idx);
        line_end(x);
        x->depth++;
        xsym cls;
        if (!x_symbol(x, "class ", &cls)) return false;
        if (idx >= 0) snprintf(x->objs[idx], sizeof x->objs[0], "%s %.*s", what, (int)cls.n, cls.p);
        bool ok = true;
        if (t == 'o' || t == 'S') {
            const unsigned char *c = x->p;
            if (!count(x, &n, 2, "field count")) return false;
            line_start(x, c, (size_t)(x->p - c));
            outf(x, "%ld %s", n, t == 'o' ? "instance variables" : "members");
            line_end(x);
            ok = x_seq(x, n, 2, true);
        } else if (t == 'u') {
            const unsigned char *c = x->p;
            if (!count(x, &n, 1, "_dump data")) return false;
            line_start(x, c, (size_t)(x->p - c));
            outf(x, "%ld bytes of _dump data", n);
            line_end(x);
            byte_lines(x, x->p, (size_t)n, false, NULL);
            x->p += n;
            if (!ivwrap) {
                snprintf(desc, sizeof desc, "%.*s", (int)cls.n, cls.p);
                idx = remember(x, desc);
                line_start(x, x->p, 0);
                col(x, C_DIM);
                outf(x, "(registered as object #%d after its data)", idx);
                col(x, C_END);
                line_end(x);
            }
        } else {
            ok = x_object(x, false);
        }
        x->depth--;
        return ok && !x->code;
    }
    case '@': {
        if (!rlong(x, &n)) return false;
        if (n < 0 || (size_t)n >= x->nobjs) return xfail(x, RSESS_ERR_LINK, at, "object link %ld out of range", n);
        line_start(x, at, (size_t)(x->p - at));
        col(x, C_LINK);
        outf(x, "link to object #%ld", n);
        col(x, C_END);
        outf(x, ": %s", x->objs[n]);
        line_end(x);
        return true;
    }
    case 'I': {
        line_start(x, at, 1);
        outs(x, "I: the next object carries instance variables");
        line_end(x);
        bool user = x->p < x->end && *x->p == 'u';
        if (!x_object(x, true) || !x_ivars(x, x->p)) return false;
        if (user) {
            int idx = remember(x, "_dump object");
            line_start(x, x->p, 0);
            col(x, C_DIM);
            outf(x, "(the _dump object is object #%d, after its ivars)", idx);
            col(x, C_END);
            line_end(x);
        }
        return true;
    }
    case 'e': case 'C':
        line_start(x, at, 1);
        outs(x, t == 'e' ? "e: extended by a module" : "C: instance of a user subclass");
        line_end(x);
        x->depth++;
        if (!x_symbol(x, t == 'e' ? "module " : "class ", NULL)) return false;
        x->depth--;
        return x_object(x, ivwrap);
    default: return xfail(x, RSESS_ERR_TYPE, at, "unknown type byte 0x%02x", t);
    }
}

static bool x_marshal(xw *x)
{
    if (!need(x, 2, "Marshal version")) return false;
    line_start(x, x->p, 2);
    outf(x, "Marshal %d.%d", x->p[0], x->p[1]);
    line_end(x);
    if (x->p[0] != 4 || x->p[1] > 8) return xfail(x, RSESS_ERR_VERSION, x->p, "not Marshal 4.8");
    x->p += 2;
    if (!x_object(x, false)) return false;
    if (x->p != x->end) return xfail(x, RSESS_ERR_TRAILING, x->p, "trailing bytes: %zu after the value", (size_t)(x->end - x->p));
    return true;
}

/* --- containers ------------------------------------------------------------- */
static void utc_text(double t, char *buf, size_t size)
{
    double fl = floor(t);
    struct tm tm;
    time_t s = fl > -1e15 && fl < 1e15 ? (time_t)fl : 0; /* years beyond any calendar: no date */
    if (!(fl > -1e15 && fl < 1e15) || !gmtime_r(&s, &tm)) {
        snprintf(buf, size, "?");
        return;
    }
    snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d.%03d UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)((t - fl) * 1000));
}

/* Walks Marshal (or shows String bytes) held in a separate buffer, e.g. an
 * inflated payload: offsets restart at 0 inside it. */
static bool x_sub(xw *x, const unsigned char *p, size_t n, int string_type, const char *title, size_t shown_base)
{
    xw sub = *x;
    sub.base = sub.p = p;
    sub.end = p + n;
    sub.shown_base = shown_base;
    sub.syms = NULL;
    sub.nsyms = sub.symcap = 0;
    sub.objs = NULL;
    sub.nobjs = sub.objcap = 0;
    col(x, C_DIM);
    if (shown_base) outf(x, "-- %s, %zu bytes --\n", title, n);
    else outf(x, "-- %s, %zu bytes (offsets below count from its start) --\n", title, n);
    col(x, C_END);
    bool ok;
    if (string_type) {
        static const char *const enc[] = {"", "", "UTF-8", "binary", "US-ASCII"};
        char what[48];
        snprintf(what, sizeof what, "String value (%s)", enc[string_type]);
        byte_lines(&sub, p, n, string_type == 2, what);
        ok = !sub.code;
    } else {
        ok = x_marshal(&sub);
    }
    rs_free(x->alloc, sub.syms, sub.symcap * sizeof *sub.syms);
    rs_free(x->alloc, sub.objs, sub.objcap * sizeof *sub.objs);
    if (sub.code && !x->code) x->code = sub.code;
    return ok;
}

static bool x_zlib(xw *x, const unsigned char *z, size_t zn, size_t cap, int string_type, const char *title)
{
    line_start(x, z, zn < HEX_PER_LINE ? zn : HEX_PER_LINE);
    outf(x, "zlib stream, %zu bytes", zn);
    line_end(x);
    rsess_buf inflated;
    rsess_buf_init(&inflated, x->alloc);
    bool ok = rs_inflate(z, zn, cap, x->alloc, &inflated, (size_t)(z - x->base) + x->shown_base, x->err) == 0;
    if (!ok) x->code = x->err ? x->err->code : RSESS_ERR_ZLIB;
    else ok = x_sub(x, inflated.data ? inflated.data : (const unsigned char *)"", inflated.len, string_type, title, 0);
    rsess_buf_free(&inflated);
    return ok;
}

static bool x_as71(xw *x, size_t cap)
{
    const unsigned char *p = x->p;
    if (!need(x, 15, "cache entry header")) return false;
    line_start(x, p, 2);
    col(x, C_TYPE);
    outs(x, "ActiveSupport cache entry, Rails 7.1+ format");
    col(x, C_END);
    line_end(x);
    int type = p[2], base = type & 0x7f;
    static const char *const types[] = {"?", "a Marshal-serialized object", "a UTF-8 String", "a binary String",
                                        "a US-ASCII String"};
    if (base < 1 || base > 4) return xfail(x, RSESS_ERR_ENTRY, p + 2, "unknown cache entry type: 0x%02x", type);
    line_start(x, p + 2, 1);
    outf(x, "type 0x%02x: %s%s", type, types[base], type & 0x80 ? ", zlib-compressed" : ", not compressed");
    line_end(x);
    double exp;
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--) u = u << 8 | p[3 + i];
    memcpy(&exp, &u, 8);
    line_start(x, p + 3, 8);
    char num[RSESS_FLOAT_TEXT_MAX + 1], when[64];
    num[rsess_float_ruby_text(exp, num)] = 0;
    if (exp < 0) {
        outf(x, "expires_at %s: never expires", num);
    } else {
        utc_text(exp, when, sizeof when);
        outs(x, "expires_at ");
        col(x, C_NUM);
        outf(x, "%s = %s", num, when);
        col(x, C_END);
    }
    line_end(x);
    int32_t vlen = (int32_t)((uint32_t)p[11] | (uint32_t)p[12] << 8 | (uint32_t)p[13] << 16 | (uint32_t)p[14] << 24);
    line_start(x, p + 11, 4);
    if (vlen == -1) outs(x, "version length -1: no version");
    else outf(x, "version length %d", (int)vlen);
    line_end(x);
    x->p = p + 15;
    if (vlen < -1) return xfail(x, RSESS_ERR_ENTRY, p + 11, "bad version length: %d", (int)vlen);
    if (vlen > 0) {
        if (!need(x, (size_t)vlen, "version")) return false;
        if (vlen >= 2 && x->p[0] == 4 && x->p[1] == 8) {
            if (!x_sub(x, x->p, (size_t)vlen, 0, "version, stored as Marshal data", (size_t)(x->p - x->base) + x->shown_base))
                return false;
            col(x, C_DIM);
            outs(x, "-- the payload --\n");
            col(x, C_END);
        } else {
            byte_lines(x, x->p, (size_t)vlen, true, "version");
        }
        x->p += vlen;
    }
    size_t pn = (size_t)(x->end - x->p);
    if (type & 0x80) return x_zlib(x, x->p, pn, cap, base == 1 ? 0 : base, "inflated payload");
    if (base != 1) {
        byte_lines(x, x->p, pn, base == 2, types[base] + 2);
        x->p = x->end;
        return !x->code;
    }
    return x_marshal(x);
}

static bool x_as70(xw *x, size_t cap)
{
    const unsigned char *p = x->p;
    line_start(x, p, 1);
    col(x, C_TYPE);
    outs(x, "ActiveSupport cache entry, Rails 7.0 format");
    col(x, C_END);
    outs(x, p[0] ? ": zlib-compressed" : ": not compressed");
    outs(x, ", Marshal of [value, expires_at, version]");
    line_end(x);
    x->p++;
    if (p[0]) return x_zlib(x, x->p, (size_t)(x->end - x->p), cap, 0, "inflated Marshal");
    return x_marshal(x);
}

int rsess_explain(const void *data, size_t len, unsigned flags, const rsess_read_opts *opts, rsess_buf *out,
                  rsess_err *err)
{
    if (!out || (!data && len)) return rs_fail(err, RSESS_ERR_ARG, 0, "no input or output");
    rs_ok(err);
    xw x;
    memset(&x, 0, sizeof x);
    x.out = out;
    x.base = x.p = data ? data : (const void *)"";
    x.end = x.base + len;
    x.color = flags & RSESS_EXPLAIN_COLOR;
    x.alloc = out->alloc;
    x.err = err;
    x.max_depth = opts && opts->limits.max_depth ? opts->limits.max_depth : RSESS_DEFAULT_MAX_DEPTH;
    size_t cap = opts && opts->limits.max_inflated ? opts->limits.max_inflated : RSESS_DEFAULT_MAX_INFLATED;
    int w = 1;
    for (size_t n = len; n >= 10; n /= 10) w++;
    x.width = w < 6 ? 6 : w;
    size_t start = out->len;
    col(&x, C_DIM);
    outf(&x, "%*s  %-*s %s\n", x.width, "offset", HEX_PER_LINE * 3, "bytes", "meaning");
    col(&x, C_END);
    const unsigned char *p = x.base;
    if (len >= 2 && p[0] == 0 && p[1] == 0x11) x_as71(&x, cap);
    else if (len >= 2 && p[0] == 4 && p[1] == 8) {
        x_marshal(&x);
        /* a 6.1 entry whose @value is zlib data: show what it holds */
        rsess_entry_info info;
        rsess_err e2;
        rsess_read_opts borrow = {0};
        borrow.flags = RSESS_READ_BORROW; /* views into data: their offsets are offsets in the input */
        rsess_doc *outer = !x.code ? rsess_read(data, len, &borrow, &e2) : NULL;
        rsess_doc *d = outer ? rsess_entry_read(data, len, opts, &info, &e2) : NULL;
        if (d && info.format == RSESS_FORMAT_AS61 && info.compressed) {
            size_t zn;
            const char *z = rsess_str(rsess_field_get(rsess_doc_root(outer), "@value", 6), &zn);
            col(&x, C_DIM);
            outs(&x, "-- the 6.1 entry's @value is compressed --\n");
            col(&x, C_END);
            x.p = (const unsigned char *)z;
            x_zlib(&x, x.p, zn, cap, 0, "inflated @value");
        }
        rsess_doc_free(d);
        rsess_doc_free(outer);
    } else if (len >= 1 && (p[0] == 0 || p[0] == 1)) {
        x_as70(&x, cap);
    } else if (len == 0) {
        xfail(&x, RSESS_ERR_TRUNCATED, x.p, "truncated data: empty input");
    } else {
        xfail(&x, RSESS_ERR_FORMAT_UNKNOWN, x.p, "not a Rails session value: starts with %02x", p[0]);
    }
    rs_free(x.alloc, x.syms, x.symcap * sizeof *x.syms);
    rs_free(x.alloc, x.objs, x.objcap * sizeof *x.objs);
    if (x.code == RSESS_ERR_NOMEM && err && err->code == RSESS_OK) rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
    if (x.code) {
        (void)start; /* the listing up to the error stays: it shows where things went wrong */
        return x.code;
    }
    return 0;
}
