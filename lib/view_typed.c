/* The typed JSON view: lossless (docs/typed-json.md). Everyday values read
 * as plain JSON (a UTF-8 String is its text, an Array a JSON array); every
 * other value is a JSON object whose type key says what it is. Values
 * reached more than once carry "id" where first written and {"link": id}
 * after, in Marshal's own order, so encoding the text back reproduces
 * Ruby's links. Also: rsess_print(), shared JSON helpers, reference counts. */
#include "internal.h"

#include <stdio.h>

/* --- shared helpers ------------------------------------------------------- */
int rs_json_string(rsess_buf *b, const char *s, size_t len)
{
    static const char hexd[] = "0123456789abcdef";
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
            esc[4] = hexd[c >> 4];
            esc[5] = hexd[c & 15];
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
    while (len && mag[len - 1] == 0) len--;
    if (len == 0) return rs_buf_putc(out, '0');
    size_t nl = (len + 3) / 4;
    uint32_t stackl[64];
    uint32_t *limbs = nl <= 64 ? stackl : rs_malloc(out->alloc, nl * 4);
    if (!limbs) return RSESS_ERR_NOMEM;
    memset(limbs, 0, nl * 4);
    for (size_t i = 0; i < len; i++) limbs[i / 4] |= (uint32_t)mag[i] << (8 * (i % 4));
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
        while (top && limbs[top - 1] == 0) top--;
        for (int k = 0; k < 9; k++) {
            digits[nd++] = (char)('0' + rem % 10);
            rem /= 10;
            if (!top && !rem) break;
        }
    }
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    if (negative) rc = rs_buf_putc(out, '-');
    for (size_t i = nd; i-- > 0 && !rc;) rc = rs_buf_putc(out, digits[i]);
    if (digits != stackd) rs_free(out->alloc, digits, maxd);
done:
    if (limbs != stackl) rs_free(out->alloc, limbs, nl * 4);
    return rc;
}

/* Which nodes the printers treat as objects with identity: what Marshal
 * registers and may link. */
static bool has_identity(const rsess_val *v)
{
    switch (v->type) {
    case RSESS_NIL: case RSESS_TRUE: case RSESS_FALSE: case RSESS_SYMBOL: return false;
    case RSESS_INT: return !rs_int_is_fixnum(v->u.i);
    default: return true;
    }
}

static int refs_grow(rs_refs *r, uint32_t id)
{
    if (id < r->n) return 0;
    size_t ncap = r->n ? r->n : 64;
    while (ncap <= id) ncap *= 2;
    uint8_t *c = rs_realloc(r->alloc, r->count, r->n, ncap);
    if (!c) return RSESS_ERR_NOMEM;
    memset(c + r->n, 0, ncap - r->n);
    r->count = c;
    r->n = ncap;
    return 0;
}

static int refs_walk(const rsess_val *v, rs_refs *r, size_t depth)
{
    if (!v || !has_identity(v)) return 0;
    if (depth > 4096) return RSESS_ERR_DEPTH;
    if (refs_grow(r, v->id)) return RSESS_ERR_NOMEM;
    if (r->count[v->id]) {
        r->count[v->id] = 2;
        return 0;
    }
    r->count[v->id] = 1;
    int rc = 0;
    switch (v->type) {
    case RSESS_ARRAY:
        for (size_t i = 0; i < v->u.c.n && !rc; i++) rc = refs_walk(v->u.c.k[i], r, depth + 1);
        break;
    case RSESS_HASH: case RSESS_OBJECT: case RSESS_STRUCT:
        for (size_t i = 0; i < 2 * (size_t)v->u.c.n && !rc; i++) rc = refs_walk(v->u.c.k[i], r, depth + 1);
        if (!rc && v->type == RSESS_HASH && v->x) rc = refs_walk(v->x->dflt, r, depth + 1);
        break;
    case RSESS_USERMARSHAL: case RSESS_DATA: rc = refs_walk(v->u.one, r, depth + 1); break;
    default: break;
    }
    if (!rc && v->x)
        for (size_t i = 0; i < v->x->niv && !rc; i++) rc = refs_walk(v->x->iv[2 * i + 1], r, depth + 1);
    return rc;
}

int rs_refs_count(const rsess_val *root, rs_refs *r) { return refs_walk(root, r, 0); }

void rs_refs_free(rs_refs *r)
{
    rs_free(r->alloc, r->count, r->n);
    r->count = NULL;
    r->n = 0;
}

/* --- the typed printer ---------------------------------------------------- */
typedef struct tview {
    rsess_buf *out;
    rs_refs refs;
    uint32_t *label; /* node id -> id + 1 once written */
    uint32_t next_label;
    int code;
    size_t depth;
} tview;

static void tput(tview *t, const char *s) { if (!t->code && rs_buf_puts(t->out, s)) t->code = RSESS_ERR_NOMEM; }

static void tstr(tview *t, const char *s, size_t n)
{
    if (!t->code && rs_json_string(t->out, s, n)) t->code = RSESS_ERR_NOMEM;
}

static void thex(tview *t, const char *s, size_t n)
{
    tput(t, "{\"hex\":\"");
    if (!t->code && rsess_hex(s, n, t->out)) t->code = RSESS_ERR_NOMEM;
    tput(t, "\"}");
}

/* Bytes as text when they are valid UTF-8, else {"hex": ...}. */
static void tbytes(tview *t, const char *s, size_t n)
{
    if (rs_utf8_valid(s, n)) tstr(t, s, n);
    else thex(t, s, n);
}

static void tkey(tview *t, const char *k)
{
    tput(t, ",\"");
    tput(t, k);
    tput(t, "\":");
}

/* A name that must be a Symbol: its text when that says it all. */
static void tsymname(tview *t, const rsess_val *s);
static void tvalue(tview *t, const rsess_val *v);

/* An ASCII-only name whose encoding does not matter (not UTF-16LE...). */
static bool sym_ascii(const rsess_val *s)
{
    if (!rs_ascii_only(s->u.s.p, s->u.s.len)) return false;
    if (s->enc != RSESS_ENC_OTHER) return true;
    size_t n;
    const char *name = rs_enc_name(s, &n);
    return rs_enc_ascii_compatible(name, n);
}

static bool sym_is_plain(const rsess_val *s)
{
    return (s->enc == RSESS_ENC_UTF8 || sym_ascii(s)) && rs_utf8_valid(s->u.s.p, s->u.s.len);
}

/* "enc", unless it is the default of the value's kind (UTF-8 for strings
 * and symbols, binary for regexps and _dump data). */
static void tenc(tview *t, const rsess_val *v, bool utf8_default)
{
    if (v->enc == (utf8_default ? RSESS_ENC_UTF8 : RSESS_ENC_BINARY)) return;
    size_t n;
    const char *name = rs_enc_name(v, &n);
    tkey(t, "enc");
    tstr(t, name, n);
}

static void tsym_full(tview *t, const rsess_val *s)
{
    tput(t, "{\"sym\":");
    tbytes(t, s->u.s.p, s->u.s.len);
    if (!sym_ascii(s)) tenc(t, s, true);
    tput(t, "}");
}

static void tsymname(tview *t, const rsess_val *s)
{
    if (!s || s->type != RSESS_SYMBOL) {
        t->code = RSESS_ERR_VALUE;
        return;
    }
    if (sym_is_plain(s)) tstr(t, s->u.s.p, s->u.s.len);
    else tsym_full(t, s);
}

static void tpairs(tview *t, const char *key, rsess_val **k, size_t n, bool sym_names)
{
    tkey(t, key);
    tput(t, "[");
    for (size_t i = 0; i < n && !t->code; i++) {
        tput(t, i ? ",[" : "[");
        if (sym_names) tsymname(t, k[2 * i]);
        else tvalue(t, k[2 * i]);
        tput(t, ",");
        tvalue(t, k[2 * i + 1]);
        tput(t, "]");
    }
    tput(t, "]");
}

/* "uclass", "extends", "ivars", "id": the parts any object may have. */
static void textras(tview *t, const rsess_val *v, uint32_t id)
{
    if (v->x && v->x->uclass) {
        tkey(t, "uclass");
        tsymname(t, v->x->uclass);
    }
    if (v->x && v->x->next) {
        tkey(t, "extends");
        tput(t, "[");
        for (uint32_t i = 0; i < v->x->next; i++) {
            if (i) tput(t, ",");
            tsymname(t, v->x->ext[i]);
        }
        tput(t, "]");
    }
    if (v->x && v->x->niv) tpairs(t, "ivars", v->x->iv, v->x->niv, true);
    if (id) {
        char tmp[24];
        snprintf(tmp, sizeof tmp, "%u", id - 1);
        tkey(t, "id");
        tput(t, tmp);
    }
}

static bool plain_extras(const rsess_val *v) { return !v->x || (!v->x->uclass && !v->x->next && !v->x->niv); }

static void tvalue(tview *t, const rsess_val *v)
{
    char tmp[RSESS_FLOAT_TEXT_MAX + 8];
    if (t->code) return;
    if (!v) {
        t->code = RSESS_ERR_VALUE;
        return;
    }
    if (++t->depth > 4096) {
        t->code = RSESS_ERR_DEPTH;
        return;
    }
    uint32_t id = 0;
    if (has_identity(v) && v->id < t->refs.n && t->refs.count[v->id] == 2) {
        if (t->label[v->id]) {
            snprintf(tmp, sizeof tmp, "%u", t->label[v->id] - 1);
            tput(t, "{\"link\":");
            tput(t, tmp);
            tput(t, "}");
            t->depth--;
            return;
        }
        id = t->label[v->id] = ++t->next_label;
    }
    switch (v->type) {
    case RSESS_NIL: tput(t, "null"); break;
    case RSESS_TRUE: tput(t, "true"); break;
    case RSESS_FALSE: tput(t, "false"); break;
    case RSESS_INT:
        if (!id) {
            snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.i);
            tput(t, tmp);
            break;
        }
        snprintf(tmp, sizeof tmp, "\"%lld\"", (long long)v->u.i);
        tput(t, "{\"int\":");
        tput(t, tmp);
        textras(t, v, id);
        tput(t, "}");
        break;
    case RSESS_BIGNUM:
        tput(t, "{\"int\":\"");
        if (!t->code &&
            rs_bignum_decimal((const unsigned char *)v->u.s.p, v->u.s.len, v->flags & F_NEGATIVE, t->out))
            t->code = RSESS_ERR_NOMEM;
        tput(t, "\"");
        textras(t, v, id);
        tput(t, "}");
        break;
    case RSESS_FLOAT: {
        tput(t, "{\"float\":");
        if (v->x && v->x->ftext) { /* Ruby 1.8's bytes, kept as they came */
            tbytes(t, v->x->ftext, v->x->ftext_len);
        } else {
            size_t n = rsess_float_marshal_text(v->u.f, tmp);
            tstr(t, tmp, n);
        }
        textras(t, v, id);
        tput(t, "}");
        break;
    }
    case RSESS_STRING:
        if (!id && v->enc == RSESS_ENC_UTF8 && plain_extras(v) && rs_utf8_valid(v->u.s.p, v->u.s.len)) {
            tstr(t, v->u.s.p, v->u.s.len);
            break;
        }
        tput(t, "{\"str\":");
        tbytes(t, v->u.s.p, v->u.s.len);
        tenc(t, v, true);
        textras(t, v, id);
        tput(t, "}");
        break;
    case RSESS_SYMBOL: tsym_full(t, v); break;
    case RSESS_REGEXP:
        tput(t, "{\"regexp\":");
        tbytes(t, v->u.s.p, v->u.s.len);
        snprintf(tmp, sizeof tmp, "%d", v->opts);
        tkey(t, "options");
        tput(t, tmp);
        tenc(t, v, false);
        textras(t, v, id);
        tput(t, "}");
        break;
    case RSESS_ARRAY:
        if (!id && plain_extras(v)) {
            tput(t, "[");
            for (size_t i = 0; i < v->u.c.n; i++) {
                if (i) tput(t, ",");
                tvalue(t, v->u.c.k[i]);
            }
            tput(t, "]");
            break;
        }
        tput(t, "{\"array\":[");
        for (size_t i = 0; i < v->u.c.n; i++) {
            if (i) tput(t, ",");
            tvalue(t, v->u.c.k[i]);
        }
        tput(t, "]");
        textras(t, v, id);
        tput(t, "}");
        break;
    case RSESS_HASH:
        tput(t, "{\"hash\":[");
        for (size_t i = 0; i < v->u.c.n && !t->code; i++) {
            tput(t, i ? ",[" : "[");
            tvalue(t, v->u.c.k[2 * i]);
            tput(t, ",");
            tvalue(t, v->u.c.k[2 * i + 1]);
            tput(t, "]");
        }
        tput(t, "]");
        if ((v->flags & F_DEFAULT) && v->x) {
            tkey(t, "default");
            tvalue(t, v->x->dflt);
        }
        if (v->flags & F_IDENTITY) tput(t, ",\"identity\":true");
        textras(t, v, id);
        tput(t, "}");
        break;
    case RSESS_OBJECT: case RSESS_STRUCT:
        tput(t, v->type == RSESS_OBJECT ? "{\"object\":" : "{\"struct\":");
        tsymname(t, v->cls);
        tpairs(t, "fields", v->u.c.k, v->u.c.n, true);
        textras(t, v, id);
        tput(t, "}");
        break;
    case RSESS_USERDEF:
        tput(t, "{\"userdef\":");
        tsymname(t, v->cls);
        tkey(t, "data");
        tbytes(t, v->u.s.p, v->u.s.len);
        tenc(t, v, false);
        textras(t, v, id);
        tput(t, "}");
        break;
    case RSESS_USERMARSHAL: case RSESS_DATA:
        tput(t, v->type == RSESS_USERMARSHAL ? "{\"usermarshal\":" : "{\"tdata\":");
        tsymname(t, v->cls);
        tkey(t, "data");
        tvalue(t, v->u.one);
        textras(t, v, id);
        tput(t, "}");
        break;
    case RSESS_CLASS: case RSESS_MODULE: case RSESS_OLDMODULE:
        tput(t, v->type == RSESS_CLASS ? "{\"class\":" : v->type == RSESS_MODULE ? "{\"module\":" : "{\"oldmodule\":");
        tbytes(t, v->u.s.p, v->u.s.len);
        tenc(t, v, false); /* Ruby 4.0 names a non-ASCII class with an encoding */
        textras(t, v, id);
        tput(t, "}");
        break;
    default: t->code = RSESS_ERR_VALUE; break;
    }
    t->depth--;
}

/* RSESS_PRINT_PRETTY: the compact text from `start` laid out as the JSON
 * view lays out its pretty form (two spaces a level, "key": value, one item
 * a line, [] and {} kept together). A loop over the text: no recursion. */
static int indent_json(rsess_buf *out, size_t start)
{
    rsess_buf b;
    rsess_buf_init(&b, out->alloc);
    const unsigned char *p = out->data + start;
    size_t n = out->len - start, depth = 0;
    bool in_str = false;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = p[i];
        if (in_str) {
            rc = rs_buf_putc(&b, c);
            if (c == '\\' && i + 1 < n) rc |= rs_buf_putc(&b, p[++i]);
            else if (c == '"') in_str = false;
            continue;
        }
        switch (c) {
        case '"': in_str = true; rc = rs_buf_putc(&b, c); break;
        case '{':
        case '[':
            rc = rs_buf_putc(&b, c);
            if (i + 1 < n && (p[i + 1] == '}' || p[i + 1] == ']')) {
                rc |= rs_buf_putc(&b, p[++i]);
                break;
            }
            depth++;
            rc |= rs_buf_putc(&b, '\n');
            for (size_t k = 0; k < depth && !rc; k++) rc = rs_buf_put(&b, "  ", 2);
            break;
        case '}':
        case ']':
            if (depth) depth--;
            rc = rs_buf_putc(&b, '\n');
            for (size_t k = 0; k < depth && !rc; k++) rc = rs_buf_put(&b, "  ", 2);
            rc |= rs_buf_putc(&b, c);
            break;
        case ',':
            rc = rs_buf_put(&b, ",\n", 2);
            for (size_t k = 0; k < depth && !rc; k++) rc = rs_buf_put(&b, "  ", 2);
            break;
        case ':': rc = rs_buf_put(&b, ": ", 2); break;
        default: rc = rs_buf_putc(&b, c);
        }
    }
    if (!rc) {
        out->len = start;
        rc = rs_buf_put(out, b.data, b.len);
    }
    rsess_buf_free(&b);
    return rc ? RSESS_ERR_NOMEM : 0;
}

int rs_print_typed(const rsess_val *v, unsigned flags, rsess_buf *out, rsess_err *err)
{
    tview t = {0};
    t.out = out;
    t.refs.alloc = out->alloc;
    size_t start = out->len;
    t.code = rs_refs_count(v, &t.refs);
    if (!t.code && t.refs.n) {
        t.label = rs_malloc(out->alloc, t.refs.n * sizeof *t.label);
        if (!t.label) t.code = RSESS_ERR_NOMEM;
        else memset(t.label, 0, t.refs.n * sizeof *t.label);
    }
    if (!t.code) tvalue(&t, v);
    rs_free(out->alloc, t.label, t.refs.n * sizeof *t.label);
    rs_refs_free(&t.refs);
    if (!t.code && (flags & RSESS_PRINT_PRETTY)) t.code = indent_json(out, start);
    if (t.code) {
        out->len = start;
        return rs_fail(err, t.code, 0, NULL);
    }
    return 0;
}

/* --- entry points ---------------------------------------------------------- */
int rsess_print(const rsess_val *v, rsess_view view, unsigned flags, rsess_buf *out, rsess_err *err)
{
    if (!v || !out) return rs_fail(err, RSESS_ERR_ARG, 0, "no value or no output buffer");
    int rc;
    switch (view) {
    case RSESS_VIEW_RUBY: rc = rs_print_ruby(v, flags, out, err); break;
    case RSESS_VIEW_TYPED: rc = rs_print_typed(v, flags, out, err); break;
    case RSESS_VIEW_JSON: rc = rs_print_json(v, flags, out, err); break;
    default: return rs_fail(err, RSESS_ERR_ARG, 0, "unknown view %d", (int)view);
    }
    if (!rc) {
        if (rs_buf_reserve(out, 1)) return rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
        out->data[out->len] = 0;
        rs_ok(err);
    }
    return rc;
}

int rsess_fprint(FILE *fp, const rsess_val *v, rsess_view view, unsigned flags, rsess_err *err)
{
    if (!fp) return rs_fail(err, RSESS_ERR_ARG, 0, "no stream");
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    int rc = rsess_print(v, view, flags, &b, err);
    if (!rc && b.len && fwrite(b.data, 1, b.len, fp) != b.len) rc = rs_fail(err, RSESS_ERR_ARG, 0, "write failed");
    rsess_buf_free(&b);
    return rc;
}
