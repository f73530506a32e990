/* Plain JSON -> document, as Ruby's JSON.parse builds it (json 2.6), so
 * that writing the document gives Marshal.dump(JSON.parse(text)).
 *
 * The tree from json_read.c is walked with a heap-grown stack. Keys go
 * through rsess_hash_push_strkey(): Hash#[]= stores a String key as an
 * interned frozen copy, so equal keys across the document are one object
 * and Marshal links the later ones. A repeated key in one object keeps its
 * first place and takes the last value (Hash#[]= on an existing key). */
#include "internal.h"

#include <stdint.h>

typedef struct fj_frame {
    const rs_jnode *j;
    rsess_val *v;
    size_t i;
} fj_frame;

typedef struct fj {
    rsess_doc *doc;
    const rsess_alloc *alloc;
    rsess_err *err;
    rs_map seen; /* (key bytes, hash id) -> pair index + 1 */
    fj_frame *st;
    size_t n, cap;
} fj;

static int fj_nomem(fj *f, const rs_jnode *j) { return rs_fail(f->err, RSESS_ERR_NOMEM, j->off, "out of memory"); }

/* The value of a node: a scalar, or an empty container to be filled. */
static rsess_val *make(fj *f, const rs_jnode *j)
{
    switch (j->type) {
    case RS_J_NULL: return rsess_new_nil(f->doc);
    case RS_J_TRUE: return rsess_new_bool(f->doc, 1);
    case RS_J_FALSE: return rsess_new_bool(f->doc, 0);
    case RS_J_INT: return rsess_new_int_text(f->doc, j->p, j->len);
    case RS_J_FLOAT: {
        double d;
        return rs_jnum_float(j, f->alloc, &d) ? NULL : rsess_new_float(f->doc, d);
    }
    case RS_J_STR: return rsess_new_str(f->doc, j->p, j->len, RSESS_ENC_UTF8);
    case RS_J_ARR: return rsess_new_array(f->doc);
    default: return rsess_new_hash(f->doc);
    }
}

static int push_frame(fj *f, const rs_jnode *j, rsess_val *v)
{
    if (j->type != RS_J_ARR && j->type != RS_J_OBJ) return 0;
    if (rs_vec_room(f->alloc, (void **)&f->st, f->n, &f->cap, sizeof *f->st, 16)) return fj_nomem(f, j);
    f->st[f->n++] = (fj_frame){j, v, 0};
    return 0;
}

static int add_pair(fj *f, rsess_val *h, const rs_jnode *k, rsess_val *v)
{
    void *at = rs_map_get(&f->seen, k->p, k->len, h->id);
    if (at) {
        h->u.c.k[2 * ((uintptr_t)at - 1) + 1] = v;
        return 0;
    }
    uintptr_t idx = h->u.c.n;
    if (rsess_hash_push_strkey(f->doc, h, k->p, k->len, RSESS_ENC_UTF8, v) ||
        rs_map_put(&f->seen, k->p, k->len, h->id, (void *)(idx + 1)))
        return fj_nomem(f, k);
    return 0;
}

static int build(fj *f, const rs_jnode *root, rsess_val **out)
{
    rsess_val *rv = make(f, root);
    if (!rv) return fj_nomem(f, root);
    if (push_frame(f, root, rv)) return RSESS_ERR_NOMEM;
    while (f->n) {
        fj_frame *t = &f->st[f->n - 1];
        if (t->i == t->j->n) {
            f->n--;
            continue;
        }
        bool obj = t->j->type == RS_J_OBJ;
        const rs_jnode *c = obj ? t->j->kids[2 * t->i + 1] : t->j->kids[t->i];
        rsess_val *parent = t->v;
        const rs_jnode *key = obj ? t->j->kids[2 * t->i] : NULL;
        t->i++;
        rsess_val *v = make(f, c);
        if (!v) return fj_nomem(f, c);
        int rc = obj ? add_pair(f, parent, key, v) : rsess_arr_push(f->doc, parent, v) ? fj_nomem(f, c) : 0;
        if (rc) return rc;
        if (push_frame(f, c, v)) return RSESS_ERR_NOMEM; /* t may move: not used after this */
    }
    *out = rv;
    return 0;
}

int rs_json_doc(const char *text, size_t len, unsigned mode, const rsess_json_opts *o, rsess_doc **out,
                rsess_err *err)
{
    *out = NULL;
    rs_jtree tree;
    int rc = rs_json_parse(text, len, mode, o, &tree, err);
    if (rc) return rc;
    fj f = {.doc = rsess_doc_new(o->alloc), .alloc = o->alloc, .err = err};
    f.seen.alloc = o->alloc;
    rsess_val *root = NULL;
    rc = f.doc ? build(&f, tree.root, &root) : rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
    rs_free(o->alloc, f.st, f.cap * sizeof *f.st);
    rs_map_free(&f.seen);
    rs_jtree_free(&tree);
    if (rc) {
        rsess_doc_free(f.doc);
        return rc;
    }
    rsess_doc_set_root(f.doc, root);
    *out = f.doc;
    return 0;
}

int rsess_from_json(const char *text, size_t len, const rsess_json_opts *opts, rsess_doc **out, rsess_err *err)
{
    if (out) *out = NULL;
    if (!out || (!text && len)) return rs_fail(err, RSESS_ERR_ARG, 0, "rsess_from_json: NULL argument");
    rsess_json_opts o;
    int rc = rs_json_opts_take(opts, RSESS_JSON_DEFAULT_MAX_NESTING, &o, err);
    if (rc) return rc;
    rc = rs_json_doc(text, len, (o.flags & RSESS_JSON_STRICT) ? 0 : RS_JSON_RUBY, &o, out, err);
    if (!rc) rs_ok(err);
    return rc;
}
