/* The typed JSON view: lossless (docs/typed-json.md). Everyday values read
 * as plain JSON (a UTF-8 String is its text, an Array a JSON array); every
 * other value is a JSON object whose type key says what it is. Values
 * reached more than once carry "id" where first written and {"link": id}
 * after, in Marshal's own order, so encoding the text back reproduces
 * Ruby's links. The walk keeps its own stack: depth costs heap, not C stack. */
#include "refs.h"

#include <stdio.h>

/* --- the typed printer ---------------------------------------------------- */
/* What is left to write of a value whose parts are being written. */
enum {
    T_ITEMS,     /* array items */
    T_HASH,      /* hash slots: key, value, key, value... */
    T_DEFAULT,   /* the hash default */
    T_HASH_TAIL, /* "identity" */
    T_FIELDS,    /* object and struct fields */
    T_ONE,       /* the value _dump_data / marshal_dump wraps */
    T_EXTRAS,    /* "uclass", "extends" */
    T_IVARS,     /* "ivars" */
    T_TAIL       /* "id", the closing brace */
};

typedef struct tframe {
    const rsess_val *v;
    size_t i;    /* parts written (array items, hash slots, pairs) */
    uint32_t id; /* label + 1, or 0 */
    uint8_t phase;
    bool plain;  /* a plain JSON array: no extras, closed by "]" */
} tframe;

typedef struct tview {
    rs_sink s;
    rs_marks refs;
    uint32_t *label; /* node id -> id + 1 once written */
    uint32_t next_label;
    rs_map64 flonums; /* flonum bits -> 1 once, 2 repeated, label + 2 once written */
    rs_stack stack; /* tframe */
} tview;

static void tput(tview *t, const char *s) { rs_puts(&t->s, s); }
static void tstr(tview *t, const char *s, size_t n) { rs_put_json(&t->s, s, n); }

static void thex(tview *t, const char *s, size_t n)
{
    tput(t, "{\"hex\":\"");
    if (!t->s.code && rsess_hex(s, n, t->s.out)) t->s.code = RSESS_ERR_NOMEM;
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

/* An ASCII-only name whose encoding does not matter (not UTF-16LE...). */
static bool sym_ascii(const rsess_val *s)
{
    if (!rs_ascii_only(s->u.s.p, s->u.s.len)) return false;
    if (rs_enc_of(s) != RSESS_ENC_OTHER) return true;
    size_t n;
    const char *name = rs_enc_name(s, &n);
    return rs_enc_ascii_compatible(name, n);
}

static bool sym_is_plain(const rsess_val *s)
{
    return (rs_enc_of(s) == RSESS_ENC_UTF8 || sym_ascii(s)) && rs_utf8_valid(s->u.s.p, s->u.s.len);
}

/* "enc", unless it is the default of the value's kind (UTF-8 for strings
 * and symbols, binary for regexps and _dump data). */
static void tenc(tview *t, const rsess_val *v, bool utf8_default)
{
    if (rs_enc_of(v) == (utf8_default ? RSESS_ENC_UTF8 : RSESS_ENC_BINARY)) return;
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

/* A name that must be a Symbol: its text when that says it all. */
static void tsymname(tview *t, const rsess_val *s)
{
    if (!s || rs_type(s) != RSESS_SYMBOL) {
        t->s.code = RSESS_ERR_VALUE;
        return;
    }
    if (sym_is_plain(s)) tstr(t, s->u.s.p, s->u.s.len);
    else tsym_full(t, s);
}

/* "uclass" and "extends": the parts before "ivars" any object may have. */
static void textras(tview *t, const rsess_val *v)
{
    if (rs_x(v) && rs_x(v)->uclass) {
        tkey(t, "uclass");
        tsymname(t, rs_x(v)->uclass);
    }
    if (rs_x(v) && rs_x(v)->next) {
        tkey(t, "extends");
        tput(t, "[");
        for (uint32_t i = 0; i < rs_x(v)->next; i++) {
            if (i) tput(t, ",");
            tsymname(t, rs_x(v)->ext[i]);
        }
        tput(t, "]");
    }
}

/* "id" (after "ivars") and the closing brace. */
static void ttail(tview *t, uint32_t id)
{
    if (id) {
        char tmp[24];
        snprintf(tmp, sizeof tmp, "%u", id - 1);
        tkey(t, "id");
        tput(t, tmp);
    }
    tput(t, "}");
}

static bool plain_extras(const rsess_val *v) { return !rs_x(v) || (!rs_x(v)->uclass && !rs_x(v)->next && !rs_x(v)->niv); }

static void tpush(tview *t, const rsess_val *v, uint32_t id, int phase, bool plain)
{
    tframe *f = rs_stack_push(&t->stack);
    if (!f) {
        t->s.code = RSESS_ERR_NOMEM;
        return;
    }
    *f = (tframe){v, 0, id, (uint8_t)phase, plain};
}

/* The rest of an object after its type key: the extras and the closing
 * brace now, or a frame when there are ivar values to write. */
static void tfinish(tview *t, const rsess_val *v, uint32_t id)
{
    if (rs_x(v) && rs_x(v)->niv) {
        tpush(t, v, id, T_EXTRAS, false);
        return;
    }
    textras(t, v);
    ttail(t, id);
}

/* Writes a value, or its head and a frame for its parts. */
static void topen(tview *t, const rsess_val *v)
{
    char tmp[RSESS_FLOAT_TEXT_MAX + 8];
    if (t->s.code) return;
    if (!v) {
        t->s.code = RSESS_ERR_VALUE;
        return;
    }
    uint32_t id = 0;
    if (rs_imm(v) && rs_type(v) == RSESS_FLOAT) { /* a repeated flonum is linked as Marshal links it */
        uint64_t n = rs_map64_get(&t->flonums, rs_flonum_key(v));
        if (n > 2) {
            snprintf(tmp, sizeof tmp, "%u", (unsigned)(n - 3));
            tput(t, "{\"link\":");
            tput(t, tmp);
            tput(t, "}");
            return;
        }
        if (n == 2) {
            id = ++t->next_label;
            if (rs_map64_put(&t->flonums, rs_flonum_key(v), (uint64_t)id + 2)) t->s.code = RSESS_ERR_NOMEM;
        }
    } else if (rs_has_identity(v) && v->id < t->refs.n && t->refs.m[v->id] == 2) {
        if (t->label[v->id]) {
            snprintf(tmp, sizeof tmp, "%u", t->label[v->id] - 1);
            tput(t, "{\"link\":");
            tput(t, tmp);
            tput(t, "}");
            return;
        }
        id = t->label[v->id] = ++t->next_label;
    }
    switch (rs_type(v)) {
    case RSESS_NIL: tput(t, "null"); break;
    case RSESS_TRUE: tput(t, "true"); break;
    case RSESS_FALSE: tput(t, "false"); break;
    case RSESS_INT:
        if (!id) {
            snprintf(tmp, sizeof tmp, "%lld", (long long)rs_ival(v));
            tput(t, tmp);
            break;
        }
        snprintf(tmp, sizeof tmp, "\"%lld\"", (long long)rs_ival(v));
        tput(t, "{\"int\":");
        tput(t, tmp);
        tfinish(t, v, id);
        break;
    case RSESS_BIGNUM:
        tput(t, "{\"int\":\"");
        rs_put_bignum(&t->s, (const unsigned char *)v->u.s.p, v->u.s.len, rs_flags(v) & F_NEGATIVE);
        tput(t, "\"");
        tfinish(t, v, id);
        break;
    case RSESS_FLOAT: {
        tput(t, "{\"float\":");
        if (rs_x(v) && rs_x(v)->ftext) { /* Ruby 1.8's bytes, kept as they came */
            tbytes(t, rs_x(v)->ftext, rs_x(v)->ftext_len);
        } else {
            size_t n = rsess_float_marshal_text(rs_fval(v), tmp);
            tstr(t, tmp, n);
        }
        tfinish(t, v, id);
        break;
    }
    case RSESS_STRING:
        if (!id && rs_enc_of(v) == RSESS_ENC_UTF8 && plain_extras(v) && rs_utf8_valid(v->u.s.p, v->u.s.len)) {
            tstr(t, v->u.s.p, v->u.s.len);
            break;
        }
        tput(t, "{\"str\":");
        tbytes(t, v->u.s.p, v->u.s.len);
        tenc(t, v, true);
        tfinish(t, v, id);
        break;
    case RSESS_SYMBOL: tsym_full(t, v); break;
    case RSESS_REGEXP:
        tput(t, "{\"regexp\":");
        tbytes(t, v->u.s.p, v->u.s.len);
        snprintf(tmp, sizeof tmp, "%d", v->opts);
        tkey(t, "options");
        tput(t, tmp);
        tenc(t, v, false);
        tfinish(t, v, id);
        break;
    case RSESS_ARRAY: {
        bool plain = !id && plain_extras(v);
        tput(t, plain ? "[" : "{\"array\":[");
        tpush(t, v, id, T_ITEMS, plain);
        break;
    }
    case RSESS_HASH:
        tput(t, "{\"hash\":[");
        tpush(t, v, id, T_HASH, false);
        break;
    case RSESS_OBJECT: case RSESS_STRUCT:
        tput(t, rs_type(v) == RSESS_OBJECT ? "{\"object\":" : "{\"struct\":");
        tsymname(t, rs_cls(v));
        tkey(t, "fields");
        tput(t, "[");
        tpush(t, v, id, T_FIELDS, false);
        break;
    case RSESS_USERDEF:
        tput(t, "{\"userdef\":");
        tsymname(t, rs_cls(v));
        tkey(t, "data");
        tbytes(t, v->u.s.p, v->u.s.len);
        tenc(t, v, false);
        tfinish(t, v, id);
        break;
    case RSESS_USERMARSHAL: case RSESS_DATA:
        tput(t, rs_type(v) == RSESS_USERMARSHAL ? "{\"usermarshal\":" : "{\"tdata\":");
        tsymname(t, rs_cls(v));
        tkey(t, "data");
        tpush(t, v, id, T_ONE, false);
        break;
    case RSESS_CLASS: case RSESS_MODULE: case RSESS_OLDMODULE:
        tput(t, rs_type(v) == RSESS_CLASS ? "{\"class\":" : rs_type(v) == RSESS_MODULE ? "{\"module\":" : "{\"oldmodule\":");
        tbytes(t, v->u.s.p, v->u.s.len);
        tenc(t, v, false); /* Ruby 4.0 names a non-ASCII class with an encoding */
        tfinish(t, v, id);
        break;
    default: t->s.code = RSESS_ERR_VALUE; break;
    }
}

/* Writes the text between f's parts up to the next part: true with that
 * part in *part, false when f's value is written to its end. */
static bool tstep(tview *t, tframe *f, const rsess_val **part)
{
    const rsess_val *v = f->v;
    for (;;) {
        switch (f->phase) {
        case T_ITEMS:
            if (f->i < v->u.c.n) {
                if (f->i) tput(t, ",");
                *part = v->u.c.k[f->i++];
                return true;
            }
            tput(t, "]");
            if (f->plain) return false;
            f->phase = T_EXTRAS;
            break;
        case T_HASH:
            if (f->i % 2) { /* the key is written: its value */
                tput(t, ",");
                *part = v->u.c.k[f->i++];
                return true;
            }
            if (f->i) tput(t, "]");
            if (f->i / 2 < v->u.c.n) {
                tput(t, f->i ? ",[" : "[");
                *part = v->u.c.k[f->i++];
                return true;
            }
            tput(t, "]");
            f->phase = T_DEFAULT;
            break;
        case T_DEFAULT:
            f->phase = T_HASH_TAIL;
            if ((rs_flags(v) & F_DEFAULT) && rs_x(v)) {
                tkey(t, "default");
                *part = rs_x(v)->dflt;
                return true;
            }
            break;
        case T_HASH_TAIL:
            if (rs_flags(v) & F_IDENTITY) tput(t, ",\"identity\":true");
            f->phase = T_EXTRAS;
            break;
        case T_FIELDS: case T_IVARS: { /* pairs whose names are Symbols */
            rsess_val **k = f->phase == T_FIELDS ? v->u.c.k : rs_x(v)->iv;
            size_t n = f->phase == T_FIELDS ? v->u.c.n : rs_x(v)->niv;
            if (f->i) tput(t, "]");
            if (f->i < n && !t->s.code) {
                tput(t, f->i ? ",[" : "[");
                tsymname(t, k[2 * f->i]);
                tput(t, ",");
                *part = k[2 * f->i + 1];
                f->i++;
                return true;
            }
            tput(t, "]");
            f->phase = f->phase == T_FIELDS ? T_EXTRAS : T_TAIL;
            f->i = 0;
            break;
        }
        case T_ONE:
            f->phase = T_EXTRAS;
            *part = v->u.one;
            return true;
        case T_EXTRAS:
            textras(t, v);
            if (rs_x(v) && rs_x(v)->niv) {
                tkey(t, "ivars");
                tput(t, "[");
                f->phase = T_IVARS;
                f->i = 0;
            } else {
                f->phase = T_TAIL;
            }
            break;
        default: /* T_TAIL */
            ttail(t, f->id);
            return false;
        }
    }
}

static void twalk(tview *t, const rsess_val *root)
{
    topen(t, root);
    while (t->stack.n && !t->s.code) {
        const rsess_val *part;
        if (tstep(t, rs_stack_top(&t->stack), &part)) topen(t, part);
        else t->stack.n--;
    }
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
    t.s.out = out;
    t.refs.alloc = out->alloc;
    t.flonums.alloc = out->alloc;
    tframe first[16]; /* shallow values print without allocating frames */
    rs_stack_init(&t.stack, sizeof *first, out->alloc, first, 16);
    size_t start = out->len;
    t.s.code = rs_refs_count(v, &t.refs, &t.flonums);
    if (!t.s.code && t.refs.n) {
        t.label = rs_malloc(out->alloc, t.refs.n * sizeof *t.label);
        if (!t.label) t.s.code = RSESS_ERR_NOMEM;
        else memset(t.label, 0, t.refs.n * sizeof *t.label);
    }
    if (!t.s.code) twalk(&t, v);
    rs_free(out->alloc, t.label, t.refs.n * sizeof *t.label);
    rs_marks_free(&t.refs);
    rs_map64_free(&t.flonums);
    rs_stack_free(&t.stack);
    if (!t.s.code && (flags & RSESS_PRINT_PRETTY)) t.s.code = indent_json(out, start);
    if (t.s.code) {
        out->len = start;
        return rs_fail(err, t.s.code, 0, NULL);
    }
    return 0;
}

