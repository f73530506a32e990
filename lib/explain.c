/* An annotated listing of every byte of a value: offset, bytes, meaning.
 * Marshal bytes are listed token by token as the one walker (walk.h) hands
 * them out, so explain accepts exactly what rsess_read accepts and stops
 * at the same error; it keeps what each object index is to say what links
 * point at, and describes cache-entry headers. */
#include "entry.h"
#include "walk.h"
#include "opts.h"

#include <stdarg.h>

#include <math.h>
#include <stdio.h>
#include <time.h>

#define HEX_PER_LINE 8
#define MAX_BYTE_LINES 4 /* longer payloads: the first lines, then a summary */

typedef struct xw {
    rs_sink s; /* the listing, and the first error (no writes after it) */
    const unsigned char *base, *p, *end;
    size_t shown_base; /* offset added to positions (inflated payloads) */
    int width;         /* digits of the offset column */
    bool color;
    size_t depth;
    const rsess_limits *limits;
    bool allow_trailing;
    char (*objs)[48]; /* what each object index is */
    size_t nobjs, objcap;
    const rsess_alloc *alloc;
    rsess_err *err;
} xw;

/* --- output ------------------------------------------------------------------ */
enum { C_OFF, C_TYPE, C_STR, C_NUM, C_LINK, C_DIM, C_END };
static const char *const colors[] = {"\033[2m", "\033[1;36m", "\033[32m", "\033[33m", "\033[35m", "\033[2m", "\033[0m"};

static void col(xw *x, int c)
{
    if (x->color) rs_puts(&x->s, colors[c]);
}

/* A printable rendering of bytes: the text Ruby's inspect would show for a
 * UTF-8 (or ASCII) string, cut at 60 characters. */
static void text_of(xw *x, const unsigned char *p, size_t n, bool utf8)
{
    size_t odd = 0, look = n < 60 ? n : 60;
    for (size_t i = 0; i < look; i++) odd += p[i] < 0x20 || p[i] == 0x7f || (!utf8 && p[i] >= 0x80);
    if (look >= 8 && odd * 4 > look) { /* not text: say so rather than print escapes */
        col(x, C_DIM);
        rs_puts(&x->s, "(binary data)");
        col(x, C_END);
        return;
    }
    col(x, C_STR);
    rs_puts(&x->s, "\"");
    size_t shown = 0;
    for (size_t i = 0; i < n && shown < 60; shown++) {
        unsigned c = p[i];
        if (c == '"' || c == '\\') {
            rs_putf(&x->s, "\\%c", c);
            i++;
        } else if (c >= 0x20 && c < 0x7f) {
            rs_put(&x->s, (const char *)p + i, 1);
            i++;
        } else if (utf8 && c >= 0x80) {
            uint32_t cp;
            size_t k = rs_utf8_decode(p + i, n - i, &cp); /* 0: not a whole valid character */
            if (k) rs_put(&x->s, (const char *)p + i, k);
            else rs_putf(&x->s, "\\x%02X", c), k = 1;
            i += k;
        } else {
            const char *e = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
            if (e) rs_puts(&x->s, e);
            else rs_putf(&x->s, "\\x%02X", c);
            i++;
        }
        if (shown == 59 && i < n) rs_puts(&x->s, "...");
    }
    rs_puts(&x->s, "\"");
    col(x, C_END);
}

#define MAX_INDENT 64

/* One listing line: offset, up to 8 bytes, indentation, meaning. The
 * meaning is written by the caller after this returns. */
static void line_start(xw *x, const unsigned char *at, size_t n)
{
    col(x, C_OFF);
    rs_putf(&x->s, "%*zu", x->width, (size_t)(at - x->base) + x->shown_base);
    col(x, C_END);
    rs_puts(&x->s, "  ");
    char hex[HEX_PER_LINE * 3 + 1];
    size_t k = 0;
    for (size_t i = 0; i < n && i < HEX_PER_LINE; i++) k += (size_t)snprintf(hex + k, 4, "%02x ", at[i]);
    for (; k < HEX_PER_LINE * 3; k++) hex[k] = ' ';
    hex[k] = 0;
    rs_puts(&x->s, hex);
    rs_puts(&x->s, " ");
    /* Indentation stops at MAX_INDENT levels, then names the depth: with
     * max_depth raised, a listing indented in full would grow with the
     * square of the nesting (a million levels: 10^12 spaces). */
    size_t ind = x->depth < MAX_INDENT ? x->depth : MAX_INDENT;
    for (size_t i = 0; i < ind; i++) rs_puts(&x->s, "  ");
    if (x->depth > MAX_INDENT) rs_putf(&x->s, "(depth %zu) ", x->depth);
}

static void line_end(xw *x)
{
    while (!x->s.code && x->s.out->len && x->s.out->data[x->s.out->len - 1] == ' ') x->s.out->len--;
    rs_puts(&x->s, "\n");
}

/* Payload bytes over several lines (a summary after MAX_BYTE_LINES). */
static void byte_lines(xw *x, const unsigned char *p, size_t n, bool utf8, const char *what)
{
    size_t lines = (n + HEX_PER_LINE - 1) / HEX_PER_LINE;
    for (size_t l = 0; l < lines && l < MAX_BYTE_LINES; l++) {
        size_t k = n - l * HEX_PER_LINE < HEX_PER_LINE ? n - l * HEX_PER_LINE : HEX_PER_LINE;
        line_start(x, p + l * HEX_PER_LINE, k);
        if (l == 0) {
            if (what) rs_putf(&x->s, "%s ", what);
            text_of(x, p, n, utf8);
        }
        line_end(x);
    }
    if (lines > MAX_BYTE_LINES) {
        line_start(x, p + MAX_BYTE_LINES * HEX_PER_LINE, 0);
        col(x, C_DIM);
        rs_putf(&x->s, "... %zu more bytes", n - MAX_BYTE_LINES * HEX_PER_LINE);
        col(x, C_END);
        line_end(x);
    }
}

static bool xfail(xw *x, int code, const unsigned char *at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool xfail(xw *x, int code, const unsigned char *at, const char *fmt, ...)
{
    if (x->s.code) return false;
    x->s.code = code;
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

/* --- Marshal: the walker's tokens, one line (or a few) each ------------------- */
static void obj_desc(xw *x, uint32_t k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void obj_desc(xw *x, uint32_t k, const char *fmt, ...)
{
    if (k == RS_NONE || x->s.code) return;
    if (k >= x->objcap) {
        size_t ncap = x->objcap ? x->objcap : 64;
        while (ncap <= k) ncap *= 2;
        void *n = rs_realloc(x->alloc, x->objs, x->objcap * sizeof *x->objs, ncap * sizeof *x->objs);
        if (!n) {
            x->s.code = RSESS_ERR_NOMEM;
            return;
        }
        x->objs = n;
        x->objcap = ncap;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->objs[k], sizeof x->objs[0], fmt, ap);
    va_end(ap);
}

static void obj_tag(xw *x, uint32_t k)
{
    if (k == RS_NONE) return;
    col(x, C_DIM);
    rs_putf(&x->s, "  (object #%u)", k);
    col(x, C_END);
}

static void dim_note(xw *x, const unsigned char *at, size_t depth, const char *note)
{
    x->depth = depth;
    line_start(x, at, 0);
    col(x, C_DIM);
    rs_puts(&x->s, note);
    col(x, C_END);
    line_end(x);
}

/* A symbol's name as it is, but control bytes escaped (a UTF-16 name
 * holds NULs). */
static void sym_name(xw *x, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)p[i];
        if (c < 0x20 || c == 0x7f) rs_putf(&x->s, "\\x%02X", c);
        else rs_put(&x->s, p + i, 1);
    }
}

/* The indentation of a value or name in frame f: the frame keeps its own
 * (the line that opened it); its parts go one or two steps in. */
static size_t part_depth(const rs_walker *w, const rs_tok *t)
{
    const rs_frame *f = &w->fr[t->parent];
    size_t d = (size_t)(uintptr_t)f->user;
    switch (f->kind) {
    case FK_ROOT: return d;
    case FK_OBJ: return t->role == R_CLASS ? d + 1 : d + 2;
    case FK_IVAR: case FK_EXTEND: case FK_UCLASS: return (t->flags & TF_INNER) ? d : d + 1;
    default: return d + 1;
    }
}

static const char *sym_role(int role)
{
    switch (role) {
    case R_CLASS: case R_UCLASS: return "class ";
    case R_MODULE: return "module ";
    case R_FNAME: case R_IVNAME: return "";
    default: return "Symbol ";
    }
}

static void x_symbol(xw *x, const rs_walker *w, const rs_tok *t)
{
    const rs_wsym *y = &w->tab->syms[t->sym];
    const char *role = sym_role(t->role);
    if (!(t->flags & TF_NEW)) {
        line_start(x, t->at, (size_t)(w->p - t->at));
        rs_puts(&x->s, role);
        col(x, C_LINK);
        rs_put(&x->s, ":", 1);
        sym_name(x, y->p, y->len);
        col(x, C_END);
        col(x, C_DIM);
        rs_putf(&x->s, "  (symbol link to #%u)", t->sym);
        col(x, C_END);
        line_end(x);
        return;
    }
    line_start(x, t->at, (size_t)(t->p + t->n - t->at));
    rs_puts(&x->s, role);
    col(x, C_TYPE);
    rs_put(&x->s, ":", 1);
    sym_name(x, (const char *)t->p, t->n);
    col(x, C_END);
    col(x, C_DIM);
    rs_putf(&x->s, "  (new symbol #%u%s)", t->sym, (t->flags & TF_IVSYM) ? ", encoding follows" : "");
    col(x, C_END);
    line_end(x);
}

static void x_value(xw *x, rs_walker *w, const rs_tok *t)
{
    static const char *const bytes_name[] = {[RSESS_STRING] = "String", [RSESS_REGEXP] = "Regexp",
                                             [RSESS_CLASS] = "Class", [RSESS_MODULE] = "Module",
                                             [RSESS_OLDMODULE] = "Module"};
    static const char *const obj_name[] = {[RSESS_OBJECT] = "Object", [RSESS_STRUCT] = "Struct",
                                           [RSESS_USERMARSHAL] = "marshal_dump object",
                                           [RSESS_DATA] = "_dump_data object"};
    size_t d = part_depth(w, t);
    const rs_frame *pf = &w->fr[t->parent];
    if (t->role == R_DEFAULT && pf->kind == FK_HASH && !(t->flags & TF_INNER)) {
        x->depth = d;
        line_start(x, t->at, 0);
        rs_puts(&x->s, "default value:");
        line_end(x);
    }
    x->depth = d;
    size_t head = (size_t)(w->p - t->at); /* bytes the token took */
    switch (t->kind) {
    case TK_NIL: case TK_TRUE: case TK_FALSE:
        line_start(x, t->at, 1);
        if (t->kind != TK_NIL && pf->kind == FK_IVAR && t->role == R_IVVAL && pf->ivkind == SK_E) {
            rs_putf(&x->s, "%s: ", t->kind == TK_TRUE ? "true" : "false");
            col(x, C_TYPE);
            rs_puts(&x->s, t->kind == TK_TRUE ? "encoding UTF-8" : "encoding US-ASCII");
        } else {
            col(x, C_NUM);
            rs_puts(&x->s, t->kind == TK_NIL ? "nil" : t->kind == TK_TRUE ? "true" : "false");
        }
        col(x, C_END);
        line_end(x);
        return;
    case TK_INT:
        line_start(x, t->at, head);
        rs_puts(&x->s, "Integer ");
        col(x, C_NUM);
        rs_putf(&x->s, "%lld", (long long)t->i);
        col(x, C_END);
        line_end(x);
        return;
    case TK_BIGNUM: {
        line_start(x, t->at, (size_t)(t->p - t->at));
        rsess_buf dec;
        rsess_buf_init(&dec, x->alloc);
        if (rs_bignum_decimal(t->p, t->n, (t->flags & TF_NEG) != 0, &dec) && !x->s.code) x->s.code = RSESS_ERR_NOMEM;
        rs_putf(&x->s, "Integer (bignum, %zu 16-bit words) ", t->n / 2);
        col(x, C_NUM);
        rs_put(&x->s, (const char *)dec.data, dec.len);
        col(x, C_END);
        obj_desc(x, t->obj, "Integer");
        obj_tag(x, t->obj);
        line_end(x);
        rsess_buf_free(&dec);
        if (t->n) {
            x->depth = d + 1;
            byte_lines(x, t->p, t->n, false, "magnitude, little-endian");
        }
        return;
    }
    case TK_FLOAT:
        line_start(x, t->at, head);
        rs_puts(&x->s, "Float ");
        col(x, C_NUM);
        rs_putf(&x->s, "%.*s", (int)t->n, t->p);
        col(x, C_END);
        obj_desc(x, t->obj, "Float");
        obj_tag(x, t->obj);
        line_end(x);
        return;
    case TK_BYTES: {
        const char *name = bytes_name[t->type];
        line_start(x, t->at, (size_t)(t->p - t->at));
        col(x, C_TYPE);
        rs_puts(&x->s, name);
        col(x, C_END);
        rs_putf(&x->s, ", %zu byte%s", t->n, t->n == 1 ? "" : "s");
        if (t->type == RSESS_STRING && !(t->flags & TF_IVWRAP)) rs_puts(&x->s, ", binary (no encoding ivar)");
        obj_desc(x, t->obj, "%s \"%.*s\"", name, (int)(t->n > 24 ? 24 : t->n), (const char *)t->p);
        obj_tag(x, t->obj);
        line_end(x);
        x->depth = d + 1;
        byte_lines(x, t->p, t->n, true, NULL);
        if (t->type == RSESS_REGEXP) {
            line_start(x, t->p + t->n, 1);
            rs_putf(&x->s, "options 0x%02x", t->opts);
            line_end(x);
        }
        return;
    }
    case TK_SYM:
        x_symbol(x, w, t);
        if (t->flags & TF_IVSYM) w->fr[t->frame].user = (void *)(uintptr_t)d;
        return;
    case TK_LINK:
        line_start(x, t->at, head);
        col(x, C_LINK);
        rs_putf(&x->s, "link to object #%u", t->link);
        col(x, C_END);
        rs_putf(&x->s, ": %s", t->link < x->objcap ? x->objs[t->link] : "?");
        line_end(x);
        return;
    case TK_ARRAY: case TK_HASH: {
        bool arr = t->kind == TK_ARRAY;
        line_start(x, t->at, head);
        col(x, C_TYPE);
        rs_puts(&x->s, arr ? "Array" : "Hash");
        col(x, C_END);
        rs_putf(&x->s, ", %zu %s%s%s", t->n, arr ? "element" : "pair", t->n == 1 ? "" : "s",
             (t->flags & TF_DEFAULT) ? ", with a default" : "");
        obj_desc(x, t->obj, "%s", arr ? "Array" : "Hash");
        obj_tag(x, t->obj);
        line_end(x);
        break;
    }
    case TK_OBJ: case TK_UDEF: {
        const char *what = t->kind == TK_UDEF ? "_dump object" : obj_name[t->type];
        line_start(x, t->at, 1);
        col(x, C_TYPE);
        rs_puts(&x->s, what);
        col(x, C_END);
        obj_desc(x, t->obj, "%s", what);
        obj_tag(x, t->obj);
        line_end(x);
        break;
    }
    case TK_IVAR:
        line_start(x, t->at, 1);
        rs_puts(&x->s, "I: the next object carries instance variables");
        line_end(x);
        break;
    case TK_EXTEND: case TK_UCLASS:
        line_start(x, t->at, 1);
        rs_puts(&x->s, t->kind == TK_EXTEND ? "e: extended by a module" : "C: instance of a user subclass");
        line_end(x);
        if (t->flags & TF_CHAIN) return;
        break;
    default:
        return;
    }
    w->fr[t->frame].user = (void *)(uintptr_t)d;
}

/* Counts, data and ends: the lines that belong to a frame. */
static void x_part(xw *x, rs_walker *w, const rs_tok *t)
{
    rs_frame *f = &w->fr[t->frame];
    size_t d = (size_t)(uintptr_t)f->user;
    switch (t->kind) {
    case TK_FIELDS:
        x->depth = d + 1;
        line_start(x, t->at, (size_t)(w->p - t->at));
        rs_putf(&x->s, "%zu %s", t->n, f->ttype == RSESS_OBJECT ? "instance variables" : "members");
        line_end(x);
        return;
    case TK_UDEF_DATA:
        x->depth = d + 1;
        line_start(x, t->at, (size_t)(t->p - t->at));
        rs_putf(&x->s, "%zu bytes of _dump data", t->n);
        line_end(x);
        byte_lines(x, t->p, t->n, false, NULL);
        if (t->obj != RS_NONE) {
            const rs_wsym *y = &w->tab->syms[(uint32_t)(uintptr_t)f->aux];
            obj_desc(x, t->obj, "%.*s", (int)y->len, y->p);
            char note[64];
            snprintf(note, sizeof note, "(registered as object #%u after its data)", t->obj);
            dim_note(x, w->p, d + 1, note);
        }
        return;
    case TK_IVARS:
        x->depth = d;
        line_start(x, t->at, (size_t)(w->p - t->at));
        if (f->kind == FK_SYMIV) rs_putf(&x->s, "%zu encoding ivar", t->n);
        else rs_putf(&x->s, "%zu instance variable%s", t->n, t->n == 1 ? "" : "s");
        line_end(x);
        return;
    case TK_END:
        if (f->kind == FK_IVAR && t->obj != RS_NONE) {
            obj_desc(x, t->obj, "_dump object");
            char note[64];
            snprintf(note, sizeof note, "(the _dump object is object #%u, after its ivars)", t->obj);
            dim_note(x, w->p, d, note);
        }
        return;
    default:
        return;
    }
}

static bool x_marshal(xw *x)
{
    if (!need(x, 2, "Marshal version")) return false;
    line_start(x, x->p, 2);
    rs_putf(&x->s, "Marshal %d.%d", x->p[0], x->p[1]);
    line_end(x);
    if (x->p[0] != 4 || x->p[1] > 8) return xfail(x, RSESS_ERR_VERSION, x->p, "not Marshal 4.8");
    size_t base_depth = x->depth;
    rs_tables tab;
    rs_tables_init(&tab);
    rs_walker w;
    rs_walk_init(&w, &tab, x->base, (size_t)(x->end - x->base), (size_t)(x->p - x->base) + 2, 0, x->limits, x->alloc,
                 x->err);
    w.fr[0].user = (void *)(uintptr_t)base_depth;
    rs_tok t;
    int k;
    while (!x->s.code && (k = rs_walk_next(&w, &t, false)) != TK_DONE && k != TK_ERROR) {
        if (t.kind == TK_SYM && (t.role == R_CLASS) && w.fr[t.parent].kind != FK_UDEF && w.fr[t.parent].obj != RS_NONE) {
            const rs_wsym *y = &tab.syms[t.sym];
            rs_frame *of = &w.fr[t.parent];
            static const char *const names[] = {[RSESS_OBJECT] = "Object", [RSESS_STRUCT] = "Struct",
                                                [RSESS_USERMARSHAL] = "marshal_dump object",
                                                [RSESS_DATA] = "_dump_data object"};
            obj_desc(x, of->obj, "%s %.*s", names[of->ttype], (int)y->len, y->p);
        }
        if (t.kind == TK_SYM && t.role == R_CLASS && w.fr[t.parent].kind == FK_UDEF)
            w.fr[t.parent].aux = (void *)(uintptr_t)t.sym;
        if (t.kind == TK_FIELDS || t.kind == TK_UDEF_DATA || t.kind == TK_IVARS || t.kind == TK_END || t.kind == TK_ENC)
            x_part(x, &w, &t);
        else
            x_value(x, &w, &t);
    }
    x->p = w.p;
    x->depth = base_depth;
    rs_walk_free(&w);
    rs_tables_free(&tab, x->alloc);
    if (w.code) {
        if (!x->s.code) x->s.code = w.code;
        if (x->err && x->shown_base) x->err->offset += x->shown_base;
        return false;
    }
    if (x->s.code) return false;
    if (x->p != x->end && !x->allow_trailing)
        return xfail(x, RSESS_ERR_TRAILING, x->p, "trailing bytes: %zu after the value", (size_t)(x->end - x->p));
    if (x->p != x->end) {
        line_start(x, x->p, (size_t)(x->end - x->p));
        col(x, C_DIM);
        rs_putf(&x->s, "%zu bytes after the value, ignored (as Marshal.load ignores them)", (size_t)(x->end - x->p));
        col(x, C_END);
        line_end(x);
        x->p = x->end;
    }
    return true;
}

/* --- containers (their layout comes from entry.c) --------------------------- */
/* Walks Marshal (or shows String bytes) held in a separate buffer, e.g. an
 * inflated payload: offsets restart at 0 inside it. */
static bool x_sub(xw *x, const unsigned char *p, size_t n, int string_type, const char *title, size_t shown_base)
{
    xw sub = *x;
    sub.base = sub.p = p;
    sub.end = p + n;
    sub.shown_base = shown_base;
    sub.objs = NULL;
    sub.nobjs = sub.objcap = 0;
    col(x, C_DIM);
    if (shown_base) rs_putf(&x->s, "-- %s, %zu bytes --\n", title, n);
    else rs_putf(&x->s, "-- %s, %zu bytes (offsets below count from its start) --\n", title, n);
    col(x, C_END);
    bool ok;
    if (string_type) {
        static const char *const enc[] = {"", "", "UTF-8", "binary", "US-ASCII"};
        char what[48];
        snprintf(what, sizeof what, "String value (%s)", enc[string_type]);
        byte_lines(&sub, p, n, string_type == 2, what);
        ok = !sub.s.code;
    } else {
        ok = x_marshal(&sub);
    }
    rs_free(x->alloc, sub.objs, sub.objcap * sizeof *sub.objs);
    if (sub.s.code && !x->s.code) x->s.code = sub.s.code;
    return ok;
}

static bool x_zlib(xw *x, const unsigned char *z, size_t zn, size_t cap, int string_type, const char *title)
{
    line_start(x, z, zn < HEX_PER_LINE ? zn : HEX_PER_LINE);
    rs_putf(&x->s, "zlib stream, %zu bytes", zn);
    line_end(x);
    rsess_buf inflated;
    rsess_buf_init(&inflated, x->alloc);
    bool ok = rs_inflate(z, zn, cap, x->alloc, &inflated, (size_t)(z - x->base) + x->shown_base, x->err) == 0;
    if (!ok) x->s.code = x->err ? x->err->code : RSESS_ERR_ZLIB;
    else ok = x_sub(x, inflated.data ? inflated.data : (const unsigned char *)"", inflated.len, string_type, title, 0);
    rsess_buf_free(&inflated);
    return ok;
}

static bool x_entry(xw *x, size_t cap)
{
    rs_entry_part parts[RS_ENTRY_PARTS_MAX];
    size_t n = 0;
    rsess_err lerr = {0};
    int rc = rs_entry_layout(x->base, (size_t)(x->end - x->base), parts, &n, &lerr);
    for (size_t i = 0; i < n && !x->s.code; i++) {
        const rs_entry_part *e = &parts[i];
        const unsigned char *at = x->base + e->off;
        switch (e->kind) {
        case EP_FIELD:
            line_start(x, at, e->len);
            if (e->title) col(x, C_TYPE);
            rs_puts(&x->s, e->text);
            if (e->title) col(x, C_END);
            line_end(x);
            break;
        case EP_VERSION_BYTES:
            byte_lines(x, at, e->len, true, "version");
            break;
        case EP_VERSION_MARSHAL:
            if (!x_sub(x, at, e->len, 0, "version, stored as Marshal data", e->off + x->shown_base)) return false;
            col(x, C_DIM);
            rs_puts(&x->s, "-- the payload --\n");
            col(x, C_END);
            break;
        case EP_PAYLOAD:
            x->p = at;
            if (e->zlib) return x_zlib(x, at, e->len, cap, e->content, e->text);
            if (e->content != EC_MARSHAL) {
                byte_lines(x, at, e->len, e->content == EC_UTF8, e->text);
                x->p = x->end;
                return !x->s.code;
            }
            return x_marshal(x);
        }
    }
    if (rc && !x->s.code) {
        x->s.code = rc;
        if (x->err) {
            *x->err = lerr;
            x->err->offset += x->shown_base;
        }
    }
    return false;
}

int rsess_explain(const void *data, size_t len, unsigned flags, const rsess_read_opts *opts, rsess_buf *out,
                  rsess_err *err)
{
    if (!out || (!data && len)) return rs_fail(err, RSESS_ERR_ARG, 0, "no input or output");
    rs_ok(err);
    rsess_read_opts o;
    int orc = rs_read_opts(opts, &o, err);
    if (orc) return orc;
    opts = &o;
    xw x;
    memset(&x, 0, sizeof x);
    x.s.out = out;
    x.base = x.p = data ? data : (const void *)"";
    x.end = x.base + len;
    x.color = flags & RSESS_EXPLAIN_COLOR;
    x.alloc = out->alloc;
    x.err = err;
    x.limits = &opts->limits;
    x.allow_trailing = (opts->flags & RSESS_READ_ALLOW_TRAILING) != 0;
    size_t cap = opts && opts->limits.max_inflated ? opts->limits.max_inflated : RSESS_DEFAULT_MAX_INFLATED;
    int w = 1;
    for (size_t n = len; n >= 10; n /= 10) w++;
    x.width = w < 6 ? 6 : w;
    size_t start = out->len;
    col(&x, C_DIM);
    rs_putf(&x.s, "%*s  %-*s %s\n", x.width, "offset", HEX_PER_LINE * 3, "bytes", "meaning");
    col(&x, C_END);
    const unsigned char *p = x.base;
    if (len >= 2 && p[0] == 0 && p[1] == 0x11) x_entry(&x, cap);
    else if (len >= 2 && p[0] == 4 && p[1] == 8) {
        /* a 6.1 entry whose @value is zlib data: show what it holds */
        size_t zoff, zn;
        if (x_marshal(&x) && rs_entry61_deflated(x.base, len, &zoff, &zn)) {
            col(&x, C_DIM);
            rs_puts(&x.s, "-- the 6.1 entry's @value is compressed --\n");
            col(&x, C_END);
            x.p = x.base + zoff;
            x_zlib(&x, x.p, zn, cap, 0, "inflated @value");
        }
    } else if (len >= 1 && (p[0] == 0 || p[0] == 1)) {
        x_entry(&x, cap);
    } else if (len == 0) {
        xfail(&x, RSESS_ERR_TRUNCATED, x.p, "truncated data: empty input");
    } else {
        xfail(&x, RSESS_ERR_FORMAT_UNKNOWN, x.p, "not a Rails session value: starts with %02x", p[0]);
    }
    rs_free(x.alloc, x.objs, x.objcap * sizeof *x.objs);
    if (x.s.code == RSESS_ERR_NOMEM && err && err->code == RSESS_OK) rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
    if (x.s.code) {
        (void)start; /* the listing up to the error stays: it shows where things went wrong */
        return x.s.code;
    }
    return 0;
}
