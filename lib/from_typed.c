/* Typed JSON (docs/typed-json.md) -> document: the inverse of the typed
 * view (view_typed.c).
 *
 * The JSON tree (json_read.c, RFC 8259) is walked with a heap-grown stack
 * of frames, one per container being filled, so depth costs memory only.
 * A frame goes through phases in the order the typed view writes things
 * and numbers "id"s: the value itself (labelled before its children, so a
 * cycle's link finds it), its items / pairs / fields / dumped data, a
 * Hash's default, then the extras any value may carry (uclass, extends,
 * ivars). Names (classes, fields, ivars, modules) are Symbols and never
 * need a frame. */
#include "float.h"
#include "internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { K_ITEMS, K_PAIRS, K_FIELDS, K_DUMPED, K_NONE };
enum { P_MAIN, P_DEFAULT, P_EXTRAS, P_IVARS, P_DONE };

typedef struct tframe {
    const rs_jnode *o;    /* the tagged object (or the plain array) */
    const rs_jnode *list; /* P_MAIN: items, pairs or fields; P_IVARS: ivars */
    rsess_val *v;
    rsess_val *pending;   /* a hash key, field name or ivar name waiting for its value */
    size_t i;
    uint8_t kind, phase;
    bool plain;           /* a plain JSON array: no extras */
} tframe;

typedef struct tr {
    rsess_doc *doc;
    const rsess_alloc *alloc;
    rsess_err *err;
    int rc;
    rsess_val **labels;
    size_t nlabels, caplabels;
    tframe *st;
    size_t n, cap;
    rsess_buf tmp;
} tr;

static int bad(tr *t, const rs_jnode *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(tr *t, const rs_jnode *at, const char *fmt, ...)
{
    if (t->rc) return t->rc;
    char text[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return t->rc = rs_fail(t->err, RSESS_ERR_TYPED, at ? at->off : 0, "%s", text);
}

static int nomem(tr *t, const rs_jnode *at)
{
    if (t->rc) return t->rc;
    return t->rc = rs_fail(t->err, RSESS_ERR_NOMEM, at ? at->off : 0, "out of memory");
}

static bool is_str(const rs_jnode *j) { return j && j->type == RS_J_STR; }
static bool is_arr(const rs_jnode *j) { return j && j->type == RS_J_ARR; }
static bool is_pair(const rs_jnode *j) { return is_arr(j) && j->n == 2; }

/* A JSON integer that fits in int64_t (jansson's json_integer_value). */
static bool int_of(const rs_jnode *j, int64_t *out)
{
    *out = 0;
    if (!j || j->type != RS_J_INT) return false;
    bool neg = j->p[0] == '-';
    uint64_t m = 0;
    for (size_t i = neg; i < j->len; i++) {
        unsigned d = (unsigned)(j->p[i] - '0');
        if (m > (UINT64_MAX - d) / 10) return false;
        m = m * 10 + d;
    }
    if (m > (uint64_t)INT64_MAX + neg) return false;
    *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return true;
}

/* A byte payload: a JSON string, or {"hex": "..."}; the bytes go to *p
 * (into the tree or t->tmp). */
static bool bytes_of(tr *t, const rs_jnode *j, const char *what, const char **p, size_t *len)
{
    if (is_str(j)) {
        *p = j->p;
        *len = j->len;
        return true;
    }
    const rs_jnode *h = rs_jobj_get(j, "hex");
    if (is_str(h)) {
        rsess_err e;
        t->tmp.len = 0;
        int rc = rsess_unhex(h->p, h->len, &t->tmp, &e);
        if (rc == RSESS_ERR_NOMEM) return nomem(t, h), false;
        if (rc) return bad(t, h, "%s: %s", what, e.text), false;
        *p = t->tmp.data ? (const char *)t->tmp.data : "";
        *len = t->tmp.len;
        return true;
    }
    bad(t, j, "%s must be text or {\"hex\": ...}", what);
    return false;
}

static const rs_jnode *enc_of(const rs_jnode *o)
{
    const rs_jnode *e = rs_jobj_get(o, "enc");
    return is_str(e) ? e : NULL;
}

static rsess_val *symbol(tr *t, const rs_jnode *j)
{
    rsess_val *v;
    if (is_str(j)) {
        if (!(v = rsess_new_sym(t->doc, j->p, j->len))) nomem(t, j);
        return v;
    }
    const rs_jnode *s = rs_jobj_get(j, "sym");
    if (!s) return bad(t, j, "expected a symbol name"), NULL;
    const char *p;
    size_t len;
    if (!bytes_of(t, s, "symbol", &p, &len)) return NULL;
    const rs_jnode *e = enc_of(j);
    v = e ? rsess_new_sym_enc_named(t->doc, p, len, e->p, e->len) : rsess_new_sym(t->doc, p, len);
    if (!v) nomem(t, j);
    return v;
}

static bool label(tr *t, const rs_jnode *o, rsess_val *v)
{
    const rs_jnode *id = rs_jobj_get(o, "id");
    if (!id) return true;
    int64_t n;
    if (!int_of(id, &n) || n < 0 || (uint64_t)n != t->nlabels)
        return bad(t, id, "\"id\" must number values 0, 1, 2... in order (expected %zu)", t->nlabels), false;
    if (rs_vec_room(t->alloc, (void **)&t->labels, t->nlabels, &t->caplabels, sizeof *t->labels, 16))
        return nomem(t, id), false;
    t->labels[t->nlabels++] = v;
    return true;
}

/* The "enc" of a regexp, _dump payload, class or module (binary when
 * absent), named encodings included. */
static bool set_enc(tr *t, const rs_jnode *o, rsess_val *v, const char *what)
{
    const rs_jnode *en = enc_of(o);
    if (!en) return true;
    int rc = rsess_set_encoding(t->doc, v, en->p, en->len);
    if (rc == RSESS_ERR_NOMEM) return nomem(t, en), false;
    if (rc) return bad(t, en, "%s encoding %.*s is not valid here", what, (int)(en->len > 40 ? 40 : en->len), en->p), false;
    return true;
}

static rsess_val *scalar_tagged(tr *t, const rs_jnode *o, const char *key, const rs_jnode *pl)
{
    rsess_val *v = NULL;
    const char *p;
    size_t len;
    if (!strcmp(key, "int")) {
        if (pl->type == RS_J_INT || pl->type == RS_J_STR) v = rsess_new_int_text(t->doc, pl->p, pl->len);
        if (!v) return bad(t, pl, "\"int\" must be an integer or its decimal text"), NULL;
        return v;
    }
    if (!strcmp(key, "float")) {
        /* Marshal's float text, or the bytes of a float Ruby 1.8 wrote (kept) */
        if (!is_str(pl) && pl->type != RS_J_OBJ) return bad(t, pl, "\"float\" must be Ruby's float text"), NULL;
        if (!bytes_of(t, pl, "float", &p, &len)) return NULL;
        if ((v = rsess_new_float_text(t->doc, p, len))) return v;
        double d;
        bool raw;
        if (rs_marshal_float(p, len, &d, &raw)) return nomem(t, pl), NULL;
        return bad(t, pl, "bad float text \"%.*s\"", (int)(len > 40 ? 40 : len), p), NULL;
    }
    if (!strcmp(key, "userdef")) {
        rsess_val *cls = symbol(t, pl);
        const rs_jnode *d = rs_jobj_get(o, "data");
        if (!cls) return NULL;
        if (!d) return bad(t, o, "\"userdef\" needs \"data\""), NULL;
        if (!bytes_of(t, d, "data", &p, &len)) return NULL;
        size_t cl;
        const char *cn = rsess_sym(cls, &cl);
        if (!(v = rsess_new_userdef(t->doc, cn, cl, p, len, RSESS_ENC_BINARY))) return nomem(t, o), NULL;
        return set_enc(t, o, v, "userdef") ? v : NULL;
    }
    /* str, regexp, class, module, oldmodule: a byte payload */
    if (!bytes_of(t, pl, key, &p, &len)) return NULL;
    if (!strcmp(key, "str")) {
        const rs_jnode *en = enc_of(o);
        v = en ? rsess_new_str_enc(t->doc, p, len, en->p, en->len) : rsess_new_str(t->doc, p, len, RSESS_ENC_UTF8);
    } else if (!strcmp(key, "regexp")) {
        int64_t opt;
        int_of(rs_jobj_get(o, "options"), &opt);
        if (!(v = rsess_new_regexp(t->doc, p, len, (int)opt, RSESS_ENC_BINARY))) return nomem(t, o), NULL;
        return set_enc(t, o, v, "regexp") ? v : NULL;
    } else {
        rsess_type ty = key[0] == 'c' ? RSESS_CLASS : key[0] == 'm' ? RSESS_MODULE : RSESS_OLDMODULE;
        if (!(v = rsess_new_classref(t->doc, ty, p, len))) return nomem(t, o), NULL;
        return ty == RSESS_OLDMODULE || set_enc(t, o, v, key) ? v : NULL; /* Ruby 4.0: non-ASCII names */
    }
    if (!v) nomem(t, o);
    return v;
}

static int push(tr *t, const rs_jnode *o, rsess_val *v, int kind, const rs_jnode *list, bool plain)
{
    if (rs_vec_room(t->alloc, (void **)&t->st, t->n, &t->cap, sizeof *t->st, 16)) return nomem(t, o);
    t->st[t->n++] = (tframe){.o = o, .list = list, .v = v, .kind = (uint8_t)kind,
                             .phase = kind == K_NONE ? P_EXTRAS : P_MAIN, .plain = plain};
    return 0;
}

/* Starts the value of j: returns it when it is complete (a scalar, a
 * symbol, a link), or pushes a frame for it and returns it with *framed. */
static rsess_val *open_value(tr *t, const rs_jnode *j, bool *framed)
{
    static const char *const keys[] = {"str", "sym", "int", "float", "regexp", "array", "hash", "object",
                                       "struct", "userdef", "usermarshal", "tdata", "class", "module",
                                       "oldmodule", "link", NULL};
    rsess_val *v = NULL;
    *framed = false;
    switch (j->type) {
    case RS_J_NULL: v = rsess_new_nil(t->doc); break;
    case RS_J_TRUE: v = rsess_new_bool(t->doc, 1); break;
    case RS_J_FALSE: v = rsess_new_bool(t->doc, 0); break;
    case RS_J_INT: v = rsess_new_int_text(t->doc, j->p, j->len); break;
    case RS_J_FLOAT: {
        double d;
        v = rs_jnum_float(j, t->alloc, &d) ? NULL : rsess_new_float(t->doc, d);
        break;
    }
    case RS_J_STR: v = rsess_new_str(t->doc, j->p, j->len, RSESS_ENC_UTF8); break;
    case RS_J_ARR:
        if (!(v = rsess_new_array(t->doc))) break;
        if (push(t, j, v, K_ITEMS, j, true)) return NULL; /* t->rc: NOMEM (was lost: an empty Array came back) */
        *framed = true;
        return v;
    default: break;
    }
    if (j->type != RS_J_OBJ) {
        if (!v) nomem(t, j);
        return v;
    }
    const char *key = NULL;
    const rs_jnode *pl = NULL;
    for (int i = 0; keys[i]; i++) {
        const rs_jnode *p = rs_jobj_get(j, keys[i]);
        if (!p) continue;
        if (key) return bad(t, j, "an object with both \"%s\" and \"%s\"", key, keys[i]), NULL;
        key = keys[i];
        pl = p;
    }
    if (!key) return bad(t, j, "an object without a type key (\"str\", \"hash\", \"link\"...)"), NULL;
    if (!strcmp(key, "link")) {
        int64_t n;
        if (!int_of(pl, &n) || n < 0 || (uint64_t)n >= t->nlabels)
            return bad(t, pl, "link to an id not defined before it"), NULL;
        return t->labels[n];
    }
    if (!strcmp(key, "sym")) return symbol(t, j);
    int kind = K_NONE;
    const rs_jnode *list = NULL;
    if (!strcmp(key, "array")) {
        if (!is_arr(pl)) return bad(t, pl, "\"array\" must be an array"), NULL;
        v = rsess_new_array(t->doc);
        kind = K_ITEMS;
        list = pl;
    } else if (!strcmp(key, "hash")) {
        if (!is_arr(pl)) return bad(t, pl, "\"hash\" must be an array of pairs"), NULL;
        v = rsess_new_hash(t->doc);
        kind = K_PAIRS;
        list = pl;
    } else if (!strcmp(key, "object") || !strcmp(key, "struct") || !strcmp(key, "usermarshal") ||
               !strcmp(key, "tdata")) {
        rsess_val *cls = symbol(t, pl);
        if (!cls) return NULL;
        size_t cl;
        const char *cn = rsess_sym(cls, &cl);
        v = key[0] == 'o' ? rsess_new_object(t->doc, cn, cl)
            : key[0] == 's' ? rsess_new_struct(t->doc, cn, cl)
            : key[0] == 'u' ? rsess_new_usermarshal(t->doc, cn, cl, NULL)
                            : rsess_new_data(t->doc, cn, cl, NULL);
        if (key[0] == 'o' || key[0] == 's') {
            kind = K_FIELDS;
            list = rs_jobj_get(j, "fields");
            if (list && !is_arr(list)) return bad(t, list, "\"fields\" must be an array of pairs"), NULL;
        } else {
            kind = K_DUMPED;
            list = rs_jobj_get(j, "data");
            if (!list) return bad(t, j, "\"%s\" needs \"data\"", key), NULL;
        }
    } else {
        v = scalar_tagged(t, j, key, pl);
        if (!v) return t->rc ? NULL : (nomem(t, j), NULL);
    }
    if (!v) return nomem(t, j), NULL;
    if (!label(t, j, v) || push(t, j, v, kind, list, false)) return NULL;
    *framed = true;
    return v;
}

/* Gives a finished child value to the frame that asked for it. */
static int deliver(tr *t, tframe *f, rsess_val *c, const rs_jnode *at)
{
    int rc = 0;
    switch (f->phase) {
    case P_MAIN:
        switch (f->kind) {
        case K_ITEMS: rc = rsess_arr_push(t->doc, f->v, c); break;
        case K_PAIRS:
            if (!f->pending) {
                f->pending = c;
                return 0;
            }
            rc = rsess_hash_push(t->doc, f->v, f->pending, c);
            f->pending = NULL;
            break;
        case K_FIELDS: rc = rsess_field_push(t->doc, f->v, f->pending, c); break;
        case K_DUMPED: rc = rsess_set_dumped(t->doc, f->v, c); break;
        }
        break;
    case P_DEFAULT: rc = rsess_hash_set_default(t->doc, f->v, c); break;
    case P_IVARS: rc = rsess_ivar_push(t->doc, f->v, f->pending, c); break;
    }
    return rc ? nomem(t, at) : 0;
}

/* uclass and extends: symbols, done at once. */
static bool extras_now(tr *t, tframe *f)
{
    const rs_jnode *uc = rs_jobj_get(f->o, "uclass");
    if (uc) {
        rsess_val *s = symbol(t, uc);
        if (!s) return false;
        if (rsess_set_user_class(t->doc, f->v, s)) return nomem(t, uc), false;
    }
    const rs_jnode *ext = rs_jobj_get(f->o, "extends");
    if (ext) {
        if (!is_arr(ext)) return bad(t, ext, "\"extends\" must be an array"), false;
        for (size_t i = 0; i < ext->n; i++) {
            rsess_val *s = symbol(t, ext->kids[i]);
            if (!s) return false;
            if (rsess_extend(t->doc, f->v, s)) return nomem(t, ext->kids[i]), false;
        }
    }
    const rs_jnode *iv = rs_jobj_get(f->o, "ivars");
    if (iv && !is_arr(iv)) return bad(t, iv, "\"ivars\" must be an array of [name, value]"), false;
    f->list = iv;
    f->i = 0;
    f->phase = P_IVARS;
    return true;
}

/* The next JSON node the frame needs built, or NULL when the frame is
 * complete (or on error: t->rc). */
static const rs_jnode *next_child(tr *t, tframe *f)
{
    for (;;) {
        switch (f->phase) {
        case P_MAIN:
            if (f->kind == K_DUMPED) {
                if (f->i++ == 0) return f->list;
            } else if (f->list && f->i < f->list->n) {
                const rs_jnode *e = f->list->kids[f->i];
                if (f->kind == K_ITEMS) return f->i++, e;
                const char *what = f->kind == K_PAIRS ? "hash" : "fields";
                if (!is_pair(e)) return bad(t, e, "each of \"%s\" must be a pair", what), NULL;
                if (f->kind == K_PAIRS) {
                    if (!f->pending) return e->kids[0];
                    return f->i++, e->kids[1];
                }
                if (!(f->pending = symbol(t, e->kids[0]))) return NULL;
                return f->i++, e->kids[1];
            }
            if (f->plain) {
                f->phase = P_DONE;
                break;
            }
            f->i = 0;
            f->phase = f->kind == K_PAIRS ? P_DEFAULT : P_EXTRAS;
            break;
        case P_DEFAULT: {
            const rs_jnode *d = rs_jobj_get(f->o, "default");
            if (d && f->i++ == 0) return d;
            const rs_jnode *id = rs_jobj_get(f->o, "identity");
            if (id && id->type == RS_J_TRUE) rsess_hash_set_identity(t->doc, f->v, 1);
            f->phase = P_EXTRAS;
            break;
        }
        case P_EXTRAS:
            if (!extras_now(t, f)) return NULL;
            break;
        case P_IVARS:
            if (f->list && f->i < f->list->n) {
                const rs_jnode *p = f->list->kids[f->i++];
                if (!is_pair(p)) return bad(t, p, "an ivar must be [name, value]"), NULL;
                if (!(f->pending = symbol(t, p->kids[0]))) return NULL;
                return p->kids[1];
            }
            f->phase = P_DONE;
            break;
        default: return NULL;
        }
    }
}

static rsess_val *build(tr *t, const rs_jnode *root)
{
    bool framed;
    rsess_val *rv = open_value(t, root, &framed);
    if (!rv || !framed) return rv;
    while (t->n) {
        tframe *f = &t->st[t->n - 1];
        const rs_jnode *c = next_child(t, f);
        if (t->rc) return NULL;
        if (!c) {
            rsess_val *done = f->v;
            const rs_jnode *at = f->o;
            if (--t->n && deliver(t, &t->st[t->n - 1], done, at)) return NULL;
            continue;
        }
        rsess_val *v = open_value(t, c, &framed);
        if (!v) return NULL;
        if (!framed && deliver(t, &t->st[t->n - 1], v, c)) return NULL;
    }
    return rv;
}

int rsess_from_typed_json(const char *text, size_t len, const rsess_json_opts *opts, rsess_doc **out,
                          rsess_err *err)
{
    if (out) *out = NULL;
    if (!out || (!text && len)) return rs_fail(err, RSESS_ERR_ARG, 0, "rsess_from_typed_json: NULL argument");
    rsess_json_opts o;
    int rc = rs_json_opts_take(opts, RSESS_TYPED_DEFAULT_MAX_NESTING, &o, err);
    if (rc) return rc;
    rs_jtree tree;
    rc = rs_json_parse(text, len, 0, &o, &tree, err);
    if (rc) return rc;
    tr t = {.doc = rsess_doc_new(o.alloc), .alloc = o.alloc, .err = err};
    rsess_buf_init(&t.tmp, o.alloc);
    rsess_val *root = t.doc ? build(&t, tree.root) : NULL;
    if (!root && !t.rc) nomem(&t, tree.root);
    rs_free(o.alloc, t.st, t.cap * sizeof *t.st);
    rs_free(o.alloc, t.labels, t.caplabels * sizeof *t.labels);
    rsess_buf_free(&t.tmp);
    rs_jtree_free(&tree);
    if (!root) {
        rsess_doc_free(t.doc);
        return t.rc;
    }
    rsess_doc_set_root(t.doc, root);
    rs_ok(err);
    *out = t.doc;
    return 0;
}
