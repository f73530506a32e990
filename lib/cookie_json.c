/* JSON -> document for cookie payloads, as Ruby's JSON.parse (the parser
 * behind ActiveSupport::JSON.decode) builds it. Strict RFC 8259 plus Ruby's
 * quirks mode (a bare scalar at the top). No recursion: containers are
 * closed from an explicit stack, their children collected on a value stack
 * and pushed when the container ends, so a repeated object key can keep its
 * first position with its last value, as Hash#[]= does. Built only on the
 * public builder API. */
#include "cookie_json.h"

#include <stdlib.h>

typedef struct jitem {
    rsess_val *v;
    size_t koff, klen; /* the key in the key buffer (objects) */
} jitem;

typedef struct jframe {
    int obj;           /* 1 object, 0 array */
    size_t base;       /* first child in the item stack */
    size_t keybase;    /* key buffer length when the container opened */
    size_t koff, klen; /* the key waiting for its value */
    size_t at;         /* offset of the opening bracket */
} jframe;

typedef struct jparse {
    const unsigned char *p, *end, *start;
    rsess_doc *doc;
    const rsess_alloc *alloc;
    jitem *items;
    size_t nitems, capitems;
    jframe *frames;
    size_t nframes, capframes, maxdepth;
    rsess_buf keys, scratch;
    size_t nodes, maxnodes;
    rsess_err *err;
} jparse;

static size_t at(const jparse *j) { return (size_t)(j->p - j->start); }

static int bad(jparse *j, const char *what)
{
    return rs_fail(j->err, RSESS_ERR_FORMAT, at(j), "bad JSON: %s", what);
}

static int nomem(jparse *j) { return rs_fail(j->err, RSESS_ERR_NOMEM, at(j), NULL); }

static void skip_ws(jparse *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int grow(jparse *j, void **arr, size_t *cap, size_t n, size_t width)
{
    if (n < *cap) return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *na = rs_realloc(j->alloc, *arr, *cap * width, ncap * width);
    if (!na) return nomem(j);
    *arr = na;
    *cap = ncap;
    return 0;
}

static int count_node(jparse *j)
{
    if (++j->nodes > j->maxnodes)
        return rs_fail(j->err, RSESS_ERR_NODES, at(j), "more than %zu values", j->maxnodes);
    return 0;
}

static int read_u4(jparse *j, const unsigned char *q, unsigned *cp)
{
    if (j->end - q < 4) return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = rs_hex_value(q[i]);
        if (h < 0) return -1;
        v = v << 4 | (unsigned)h;
    }
    *cp = v;
    return 0;
}

/* A string at j->p (the opening quote). Its bytes go to *s and *n: into the
 * input when it has no escapes, else decoded into `into` (appended). */
static int read_string(jparse *j, rsess_buf *into, const char **s, size_t *n)
{
    const unsigned char *q = ++j->p;
    while (q < j->end && *q != '"' && *q != '\\' && *q >= 0x20)
        q++;
    if (q < j->end && *q == '"') {
        *s = (const char *)j->p;
        *n = (size_t)(q - j->p);
        j->p = q + 1;
        return 0;
    }
    size_t start = into->len;
    if (rs_buf_put(into, j->p, (size_t)(q - j->p))) return nomem(j);
    j->p = q;
    for (;;) {
        if (j->p >= j->end) return bad(j, "unterminated string");
        unsigned c = *j->p;
        if (c == '"') break;
        if (c < 0x20) return bad(j, "control character in a string");
        if (c != '\\') {
            if (rs_buf_putc(into, (int)c)) return nomem(j);
            j->p++;
            continue;
        }
        if (j->end - j->p < 2) return bad(j, "unterminated string");
        unsigned e = j->p[1], out;
        switch (e) {
        case '"':
        case '\\':
        case '/': out = e; break;
        case 'b': out = '\b'; break;
        case 'f': out = '\f'; break;
        case 'n': out = '\n'; break;
        case 'r': out = '\r'; break;
        case 't': out = '\t'; break;
        case 'u': {
            unsigned cp;
            if (read_u4(j, j->p + 2, &cp)) return bad(j, "bad \\u escape");
            j->p += 6;
            if (cp >= 0xd800 && cp <= 0xdbff && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u') {
                unsigned lo;
                if (!read_u4(j, j->p + 2, &lo) && lo >= 0xdc00 && lo <= 0xdfff) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    j->p += 6;
                }
            }
            if (rs_buf_put_utf8(into, cp)) return nomem(j);
            continue;
        }
        default: return bad(j, "bad escape");
        }
        if (rs_buf_putc(into, (int)out)) return nomem(j);
        j->p += 2;
    }
    j->p++;
    *s = (const char *)into->data + start;
    *n = into->len - start;
    return 0;
}

static int read_number(jparse *j, rsess_val **v)
{
    const unsigned char *q = j->p, *s = q;
    bool integral = true;
    if (q < j->end && *q == '-') q++;
    if (q >= j->end || *q < '0' || *q > '9') return bad(j, "bad number");
    if (*q == '0')
        q++;
    else
        while (q < j->end && *q >= '0' && *q <= '9')
            q++;
    if (q < j->end && *q == '.') {
        integral = false;
        q++;
        if (q >= j->end || *q < '0' || *q > '9') return bad(j, "bad number");
        while (q < j->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < j->end && (*q == 'e' || *q == 'E')) {
        integral = false;
        q++;
        if (q < j->end && (*q == '+' || *q == '-')) q++;
        if (q >= j->end || *q < '0' || *q > '9') return bad(j, "bad number");
        while (q < j->end && *q >= '0' && *q <= '9')
            q++;
    }
    size_t n = (size_t)(q - s);
    if (integral && n > RS_JSON_MAX_DIGITS) /* building a bignum is quadratic in its digits */
        return rs_fail(j->err, RSESS_ERR_RANGE, at(j), "integer of more than %d digits", RS_JSON_MAX_DIGITS);
    if (integral) {
        *v = rsess_new_int_text(j->doc, (const char *)s, n);
    } else {
        j->scratch.len = 0;
        if (rs_buf_put(&j->scratch, s, n) || rs_buf_putc(&j->scratch, 0)) return nomem(j);
        *v = rsess_new_float(j->doc, strtod((const char *)j->scratch.data, NULL));
    }
    if (!*v) return nomem(j);
    j->p = q;
    return 0;
}

static int literal(jparse *j, const char *word, rsess_val **v)
{
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0) return bad(j, "unexpected character");
    j->p += n;
    if (word[0] == 'n')
        *v = rsess_new_nil(j->doc);
    else
        *v = rsess_new_bool(j->doc, word[0] == 't');
    return *v ? 0 : nomem(j);
}

typedef struct keyref {
    const char *p;
    size_t len, pos;
} keyref;

static int keyref_cmp(const void *a, const void *b)
{
    const keyref *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->p, y->p, n) : 0;
    if (c) return c;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Hash#[]= semantics for n pairs: a repeated key keeps its first place and
 * takes the last value. Marks the later duplicates with v = NULL. */
static int dedupe(jparse *j, jitem *it, size_t n)
{
    if (n < 2) return 0;
    keyref *r = rs_malloc(j->alloc, n * sizeof *r);
    if (!r) return nomem(j);
    for (size_t i = 0; i < n; i++)
        r[i] = (keyref){(const char *)j->keys.data + it[i].koff, it[i].klen, i};
    qsort(r, n, sizeof *r, keyref_cmp);
    for (size_t i = 0; i < n;) {
        size_t k = i + 1;
        while (k < n && r[k].len == r[i].len && (r[i].len == 0 || memcmp(r[k].p, r[i].p, r[i].len) == 0))
            k++;
        if (k - i > 1) {
            it[r[i].pos].v = it[r[k - 1].pos].v;
            for (size_t m = i + 1; m < k; m++)
                it[r[m].pos].v = NULL;
        }
        i = k;
    }
    rs_free(j->alloc, r, n * sizeof *r);
    return 0;
}

/* Ends the top container: builds it from its children. */
static int close_frame(jparse *j, rsess_val **v)
{
    jframe *f = &j->frames[j->nframes - 1];
    jitem *it = j->items ? j->items + f->base : NULL; /* no child yet: no array */
    size_t n = j->nitems - f->base;
    int rc = 0;
    if (f->obj) {
        if ((rc = dedupe(j, it, n))) return rc;
        *v = rsess_new_hash(j->doc);
        for (size_t i = 0; *v && !rc && i < n; i++)
            if (it[i].v)
                rc = rsess_hash_push_strkey(j->doc, *v, j->keys.data + it[i].koff, it[i].klen, RSESS_ENC_UTF8,
                                            it[i].v);
    } else {
        *v = rsess_new_array(j->doc);
        for (size_t i = 0; *v && !rc && i < n; i++)
            rc = rsess_arr_push(j->doc, *v, it[i].v);
    }
    if (!*v || rc) return nomem(j);
    j->nitems = f->base;
    j->keys.len = f->keybase;
    j->nframes--;
    return 0;
}

static int open_frame(jparse *j, int obj)
{
    if (j->nframes >= j->maxdepth)
        return rs_fail(j->err, RSESS_ERR_DEPTH, at(j), "JSON nesting of %zu is too deep", j->nframes + 1);
    if (grow(j, (void **)&j->frames, &j->capframes, j->nframes, sizeof *j->frames)) return RSESS_ERR_NOMEM;
    j->frames[j->nframes++] = (jframe){obj, j->nitems, j->keys.len, 0, 0, at(j)};
    j->p++;
    return 0;
}

/* A finished value: the root, or the next child of the open container. */
static int emit(jparse *j, rsess_val *v, rsess_val **root)
{
    if (!j->nframes) {
        *root = v;
        return 0;
    }
    if (grow(j, (void **)&j->items, &j->capitems, j->nitems, sizeof *j->items)) return RSESS_ERR_NOMEM;
    jframe *f = &j->frames[j->nframes - 1];
    j->items[j->nitems++] = (jitem){v, f->koff, f->klen};
    return 0;
}

enum { WANT_VALUE, WANT_KEY, AFTER_VALUE };

static int parse(jparse *j, rsess_val **root)
{
    int state = WANT_VALUE, rc;
    *root = NULL;
    for (;;) {
        skip_ws(j);
        if (j->p >= j->end) return bad(j, "unexpected end");
        unsigned c = *j->p;
        rsess_val *v = NULL;
        if (state == WANT_KEY) {
            if (c != '"') return bad(j, "expected a key");
            const char *s;
            size_t n;
            size_t before = j->keys.len;
            if ((rc = read_string(j, &j->keys, &s, &n))) return rc;
            jframe *f = &j->frames[j->nframes - 1];
            if (j->keys.len == before) { /* no escapes: copy the key in */
                if (rs_buf_put(&j->keys, s, n)) return nomem(j);
            }
            f->koff = before;
            f->klen = n;
            skip_ws(j);
            if (j->p >= j->end || *j->p != ':') return bad(j, "expected ':'");
            j->p++;
            state = WANT_VALUE;
            continue;
        }
        if (state == AFTER_VALUE) {
            jframe *f = &j->frames[j->nframes - 1];
            if (c == ',') {
                j->p++;
                state = f->obj ? WANT_KEY : WANT_VALUE;
                continue;
            }
            if (c != (f->obj ? '}' : ']'))
                return bad(j, f->obj ? "expected ',' or '}'" : "expected ',' or ']'");
            j->p++;
            if ((rc = close_frame(j, &v))) return rc;
        } else if (c == '{' || c == '[') {
            if ((rc = count_node(j)) || (rc = open_frame(j, c == '{'))) return rc;
            skip_ws(j);
            if (j->p < j->end && *j->p == (c == '{' ? '}' : ']')) {
                j->p++;
                if ((rc = close_frame(j, &v))) return rc;
            } else {
                state = c == '{' ? WANT_KEY : WANT_VALUE;
                continue;
            }
        } else {
            if ((rc = count_node(j))) return rc;
            if (c == '"') {
                const char *s;
                size_t n;
                j->scratch.len = 0;
                if ((rc = read_string(j, &j->scratch, &s, &n))) return rc;
                if (!(v = rsess_new_str(j->doc, s, n, RSESS_ENC_UTF8))) return nomem(j);
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                if ((rc = read_number(j, &v))) return rc;
            } else if (c == 't') {
                if ((rc = literal(j, "true", &v))) return rc;
            } else if (c == 'f') {
                if ((rc = literal(j, "false", &v))) return rc;
            } else if (c == 'n') {
                if ((rc = literal(j, "null", &v))) return rc;
            } else {
                return bad(j, "unexpected character");
            }
        }
        if ((rc = emit(j, v, root))) return rc;
        if (!j->nframes) break;
        state = AFTER_VALUE;
    }
    skip_ws(j);
    if (j->p != j->end) return bad(j, "text after the value");
    return 0;
}

int rs_cookie_json_read(const char *text, size_t len, const rsess_read_opts *opts, rsess_doc **out,
                        rsess_err *err)
{
    *out = NULL;
    jparse j;
    memset(&j, 0, sizeof j);
    j.start = j.p = (const unsigned char *)text;
    j.end = j.p + len;
    j.alloc = opts ? opts->alloc : NULL;
    j.err = err;
    size_t md = opts && opts->limits.max_depth ? opts->limits.max_depth : RSESS_DEFAULT_MAX_DEPTH;
    j.maxdepth = md < RS_JSON_MAX_NESTING ? md : RS_JSON_MAX_NESTING;
    j.maxnodes = opts && opts->limits.max_nodes ? opts->limits.max_nodes : RSESS_DEFAULT_MAX_NODES;
    rsess_buf_init(&j.keys, j.alloc);
    rsess_buf_init(&j.scratch, j.alloc);
    j.doc = rsess_doc_new(j.alloc);
    int rc = j.doc ? 0 : rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
    rsess_val *root = NULL;
    if (!rc) rc = parse(&j, &root);
    rs_free(j.alloc, j.items, j.capitems * sizeof *j.items);
    rs_free(j.alloc, j.frames, j.capframes * sizeof *j.frames);
    rsess_buf_free(&j.keys);
    rsess_buf_free(&j.scratch);
    if (rc) {
        rsess_doc_free(j.doc);
        return rc;
    }
    rsess_doc_set_root(j.doc, root);
    *out = j.doc;
    return 0;
}
