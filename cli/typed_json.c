/* Typed JSON (docs/typed-json.md) -> document, with jansson for the JSON
 * and rsess's builder for the values. The inverse of RSESS_VIEW_TYPED. */
#include "cli.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tread {
    rsess_doc *doc;
    rsess_val **labels; /* "id" -> node */
    size_t nlabels;
    rsess_err *err;
    int failed;
    size_t depth;
} tread;

static rsess_val *bad(tread *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static rsess_val *bad(tread *t, const char *fmt, ...)
{
    if (t->failed) return NULL;
    t->failed = 1;
    if (t->err) {
        va_list ap;
        va_start(ap, fmt);
        t->err->code = RSESS_ERR_VALUE;
        t->err->offset = 0;
        t->err->msg = rsess_strerror(RSESS_ERR_VALUE);
        vsnprintf(t->err->text, sizeof t->err->text, fmt, ap);
        va_end(ap);
    }
    return NULL;
}

static rsess_val *nomem(tread *t) { return bad(t, "out of memory"); }

static rsess_val *value(tread *t, json_t *j);

/* A byte payload: JSON text, or {"hex": "..."}. */
static bool bytes_of(tread *t, json_t *j, const char *what, rsess_buf *out)
{
    if (json_is_string(j)) return rsess_buf_append(out, json_string_value(j), json_string_length(j)) == 0;
    json_t *h = json_is_object(j) ? json_object_get(j, "hex") : NULL;
    if (h && json_is_string(h)) {
        rsess_err e;
        if (rsess_unhex(json_string_value(h), json_string_length(h), out, &e) == 0) return true;
        bad(t, "%s: %s", what, e.text);
        return false;
    }
    bad(t, "%s must be text or {\"hex\": ...}", what);
    return false;
}

static const char *enc_of(json_t *o, size_t *len)
{
    json_t *e = json_object_get(o, "enc");
    if (!e || !json_is_string(e)) return NULL;
    *len = json_string_length(e);
    return json_string_value(e);
}

static rsess_val *symbol(tread *t, json_t *j)
{
    if (json_is_string(j)) return rsess_new_sym(t->doc, json_string_value(j), json_string_length(j));
    json_t *s = json_is_object(j) ? json_object_get(j, "sym") : NULL;
    if (!s) return bad(t, "expected a symbol name");
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    rsess_val *v = NULL;
    if (bytes_of(t, s, "symbol", &b)) {
        size_t el = 0;
        const char *enc = enc_of(j, &el);
        const char *p = b.data ? (const char *)b.data : "";
        v = enc ? rsess_new_sym_enc_named(t->doc, p, b.len, enc, el) : rsess_new_sym(t->doc, p, b.len);
        if (!v) nomem(t);
    }
    rsess_buf_free(&b);
    return v;
}

static bool label(tread *t, json_t *o, rsess_val *v)
{
    json_t *id = json_object_get(o, "id");
    if (!id) return true;
    if (!json_is_integer(id) || json_integer_value(id) < 0 || (size_t)json_integer_value(id) != t->nlabels) {
        bad(t, "\"id\" must number values 0, 1, 2... in order (expected %zu)", t->nlabels);
        return false;
    }
    rsess_val **nl = realloc(t->labels, (t->nlabels + 1) * sizeof *nl);
    if (!nl) {
        nomem(t);
        return false;
    }
    t->labels = nl;
    t->labels[t->nlabels++] = v;
    return true;
}

/* "ivars", "extends", "uclass": parts any object may carry. */
static bool extras(tread *t, json_t *o, rsess_val *v)
{
    json_t *uc = json_object_get(o, "uclass");
    if (uc) {
        rsess_val *s = symbol(t, uc);
        if (!s || rsess_set_user_class(t->doc, v, s)) return false;
    }
    json_t *ext = json_object_get(o, "extends");
    if (ext) {
        if (!json_is_array(ext)) return bad(t, "\"extends\" must be an array"), false;
        size_t i;
        json_t *m;
        json_array_foreach(ext, i, m) {
            rsess_val *s = symbol(t, m);
            if (!s || rsess_extend(t->doc, v, s)) return false;
        }
    }
    json_t *iv = json_object_get(o, "ivars");
    if (iv) {
        if (!json_is_array(iv)) return bad(t, "\"ivars\" must be an array of [name, value]"), false;
        size_t i;
        json_t *p;
        json_array_foreach(iv, i, p) {
            if (!json_is_array(p) || json_array_size(p) != 2) return bad(t, "an ivar must be [name, value]"), false;
            rsess_val *n = symbol(t, json_array_get(p, 0));
            rsess_val *val = n ? value(t, json_array_get(p, 1)) : NULL;
            if (!val || rsess_ivar_push(t->doc, v, n, val)) return false;
        }
    }
    return true;
}

static bool pairs(tread *t, json_t *arr, rsess_val *v, bool sym_names, const char *what)
{
    if (!json_is_array(arr)) return bad(t, "\"%s\" must be an array of pairs", what), false;
    size_t i;
    json_t *p;
    json_array_foreach(arr, i, p) {
        if (!json_is_array(p) || json_array_size(p) != 2) return bad(t, "each of \"%s\" must be a pair", what), false;
        rsess_val *k = sym_names ? symbol(t, json_array_get(p, 0)) : value(t, json_array_get(p, 0));
        rsess_val *val = k ? value(t, json_array_get(p, 1)) : NULL;
        if (!val) return false;
        int rc = sym_names ? rsess_field_push(t->doc, v, k, val) : rsess_hash_push(t->doc, v, k, val);
        if (rc) return nomem(t), false;
    }
    return true;
}

static rsess_val *items(tread *t, json_t *arr, rsess_val *v)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        rsess_val *c = value(t, e);
        if (!c) return NULL;
        if (rsess_arr_push(t->doc, v, c)) return nomem(t);
    }
    return v;
}

static rsess_val *bytes_value(tread *t, json_t *o, json_t *payload, const char *key)
{
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    rsess_val *v = NULL;
    if (!bytes_of(t, payload, key, &b)) goto done;
    size_t el = 0;
    const char *enc = enc_of(o, &el);
    const char *p = b.data ? (const char *)b.data : "";
    if (!strcmp(key, "str")) {
        v = enc ? rsess_new_str_enc(t->doc, p, b.len, enc, el) : rsess_new_str(t->doc, p, b.len, RSESS_ENC_UTF8);
    } else if (!strcmp(key, "regexp")) {
        json_t *opt = json_object_get(o, "options");
        v = rsess_new_regexp(t->doc, p, b.len, opt ? (int)json_integer_value(opt) : 0, RSESS_ENC_BINARY);
        if (v && enc && rsess_set_encoding(t->doc, v, enc, el)) v = NULL; /* regexps carry encodings like strings */
    } else if (!strcmp(key, "class") || !strcmp(key, "module") || !strcmp(key, "oldmodule")) {
        rsess_type ty = key[0] == 'c' ? RSESS_CLASS : key[0] == 'm' ? RSESS_MODULE : RSESS_OLDMODULE;
        v = rsess_new_classref(t->doc, ty, p, b.len);
        if (v && enc && rsess_set_encoding(t->doc, v, enc, el)) v = NULL; /* Ruby 4.0: non-ASCII class names */
    }
    if (!v && !t->failed) nomem(t);
done:
    rsess_buf_free(&b);
    return v;
}

static rsess_val *tagged(tread *t, json_t *o)
{
    static const char *const keys[] = {"str", "sym", "int", "float", "regexp", "array", "hash", "object",
                                       "struct", "userdef", "usermarshal", "tdata", "class", "module",
                                       "oldmodule", "link", NULL};
    const char *key = NULL;
    json_t *payload = NULL;
    for (int i = 0; keys[i]; i++) {
        json_t *p = json_object_get(o, keys[i]);
        if (!p) continue;
        if (key) return bad(t, "an object with both \"%s\" and \"%s\"", key, keys[i]);
        key = keys[i];
        payload = p;
    }
    if (!key) return bad(t, "an object without a type key (\"str\", \"hash\", \"link\"...)");
    rsess_val *v = NULL;
    if (!strcmp(key, "link")) {
        if (!json_is_integer(payload) || json_integer_value(payload) < 0 ||
            (size_t)json_integer_value(payload) >= t->nlabels)
            return bad(t, "link to an id not defined before it");
        return t->labels[json_integer_value(payload)];
    }
    if (!strcmp(key, "sym")) return symbol(t, o);
    if (!strcmp(key, "int")) {
        if (json_is_integer(payload)) v = rsess_new_int(t->doc, json_integer_value(payload));
        else if (json_is_string(payload))
            v = rsess_new_int_text(t->doc, json_string_value(payload), json_string_length(payload));
        if (!v) return bad(t, "\"int\" must be an integer or its decimal text");
    } else if (!strcmp(key, "float")) {
        rsess_buf b;
        rsess_buf_init(&b, NULL);
        if (!json_is_string(payload) && !json_is_object(payload)) return bad(t, "\"float\" must be Ruby's float text");
        if (!bytes_of(t, payload, key, &b)) return rsess_buf_free(&b), NULL;
        v = rsess_new_float_text(t->doc, b.data ? (const char *)b.data : "", b.len);
        if (!v) {
            bad(t, "bad float text \"%.*s\"", (int)(b.len > 40 ? 40 : b.len), b.data ? (const char *)b.data : "");
            rsess_buf_free(&b);
            return NULL;
        }
        rsess_buf_free(&b);
    } else if (!strcmp(key, "str") || !strcmp(key, "regexp") || !strcmp(key, "class") ||
               !strcmp(key, "module") || !strcmp(key, "oldmodule")) {
        v = bytes_value(t, o, payload, key);
    } else if (!strcmp(key, "array")) {
        if (!json_is_array(payload)) return bad(t, "\"array\" must be an array");
        v = rsess_new_array(t->doc);
        if (!v) return nomem(t);
        if (!label(t, o, v) || !items(t, payload, v)) return NULL;
        return extras(t, o, v) ? v : NULL;
    } else if (!strcmp(key, "hash")) {
        v = rsess_new_hash(t->doc);
        if (!v) return nomem(t);
        if (!label(t, o, v) || !pairs(t, payload, v, false, "hash")) return NULL;
        json_t *d = json_object_get(o, "default");
        if (d) {
            rsess_val *dv = value(t, d);
            if (!dv || rsess_hash_set_default(t->doc, v, dv)) return NULL;
        }
        if (json_is_true(json_object_get(o, "identity"))) rsess_hash_set_identity(t->doc, v, 1);
        return extras(t, o, v) ? v : NULL;
    } else if (!strcmp(key, "object") || !strcmp(key, "struct") || !strcmp(key, "usermarshal") ||
               !strcmp(key, "tdata")) {
        rsess_val *cls = symbol(t, payload);
        if (!cls) return NULL;
        size_t cl;
        const char *cn = rsess_sym(cls, &cl);
        v = key[0] == 'o' ? rsess_new_object(t->doc, cn, cl)
            : key[0] == 's' ? rsess_new_struct(t->doc, cn, cl)
            : key[0] == 'u' ? rsess_new_usermarshal(t->doc, cn, cl, NULL)
                            : rsess_new_data(t->doc, cn, cl, NULL);
        if (!v) return nomem(t);
        if (!label(t, o, v)) return NULL;
        if (key[0] == 'o' || key[0] == 's') {
            json_t *f = json_object_get(o, "fields");
            if (f && !pairs(t, f, v, true, "fields")) return NULL;
        } else {
            json_t *d = json_object_get(o, "data");
            rsess_val *dv = d ? value(t, d) : NULL;
            if (!dv) return t->failed ? NULL : bad(t, "\"%s\" needs \"data\"", key);
            rsess_set_dumped(t->doc, v, dv);
        }
        return extras(t, o, v) ? v : NULL;
    } else if (!strcmp(key, "userdef")) {
        rsess_val *cls = symbol(t, payload);
        json_t *d = json_object_get(o, "data");
        if (!cls) return NULL;
        if (!d) return bad(t, "\"userdef\" needs \"data\"");
        rsess_buf b;
        rsess_buf_init(&b, NULL);
        if (bytes_of(t, d, "data", &b)) {
            size_t cl, el = 0;
            const char *cn = rsess_sym(cls, &cl);
            const char *enc = enc_of(o, &el);
            v = rsess_new_userdef(t->doc, cn, cl, b.data ? (const char *)b.data : "", b.len, RSESS_ENC_BINARY);
            if (v && enc && rsess_set_encoding(t->doc, v, enc, el)) v = NULL;
        }
        rsess_buf_free(&b);
        if (!v) return t->failed ? NULL : nomem(t);
        /* ids number values in the order the typed view writes them: the
         * value before its ivars (Marshal's own order is the writer's job) */
        if (!label(t, o, v) || !extras(t, o, v)) return NULL;
        return v;
    }
    if (!v) return t->failed ? NULL : nomem(t);
    if (!label(t, o, v)) return NULL;
    return extras(t, o, v) ? v : NULL;
}

static rsess_val *value(tread *t, json_t *j)
{
    if (t->failed) return NULL;
    if (!j) return bad(t, "a missing value");
    if (++t->depth > 4096) return bad(t, "nesting too deep");
    rsess_val *v = NULL;
    switch (json_typeof(j)) {
    case JSON_NULL: v = rsess_new_nil(t->doc); break;
    case JSON_TRUE: v = rsess_new_bool(t->doc, 1); break;
    case JSON_FALSE: v = rsess_new_bool(t->doc, 0); break;
    case JSON_INTEGER: v = rsess_new_int(t->doc, json_integer_value(j)); break;
    case JSON_REAL: v = rsess_new_float(t->doc, json_real_value(j)); break;
    case JSON_STRING: v = rsess_new_str(t->doc, json_string_value(j), json_string_length(j), RSESS_ENC_UTF8); break;
    case JSON_ARRAY:
        v = rsess_new_array(t->doc);
        if (v) v = items(t, j, v);
        break;
    case JSON_OBJECT: v = tagged(t, j); break;
    }
    if (!v && !t->failed) nomem(t);
    t->depth--;
    return v;
}

rsess_doc *cli_typed_json_read(const char *text, size_t len, rsess_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!root) {
        if (err) {
            err->code = RSESS_ERR_VALUE;
            err->offset = (size_t)je.position;
            err->msg = rsess_strerror(RSESS_ERR_VALUE);
            snprintf(err->text, sizeof err->text, "bad JSON: %.100s (line %d, column %d)", je.text, je.line, je.column);
        }
        return NULL;
    }
    tread t = {0};
    t.doc = rsess_doc_new(NULL);
    t.err = err;
    rsess_val *v = t.doc ? value(&t, root) : NULL;
    json_decref(root);
    free(t.labels);
    if (!v) {
        if (!t.failed && err) {
            err->code = RSESS_ERR_NOMEM;
            snprintf(err->text, sizeof err->text, "out of memory");
        }
        rsess_doc_free(t.doc);
        return NULL;
    }
    rsess_doc_set_root(t.doc, v);
    return t.doc;
}
