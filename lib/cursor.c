/* The pull reader (rsess_cursor_*) and the one-key lookup built on it.
 *
 * A cursor first walks the whole input once without building (the walker
 * records where every object and symbol starts, and stops at the first
 * error). Then it steps a second walker over the same bytes, value by
 * value: read builds a value (a lazy build: links into skipped values are
 * resolved from the recorded starts, even links to a container the cursor
 * is inside), skip builds nothing, enter and leave step into and out of
 * Arrays and Hashes. Both walks are the one walker, so a cursor walk to
 * the end fails where rsess_read fails, with the same code and offset. */
#include "build.h"
#include "key_eql.h"
#include "opts.h"

#include <stdio.h>

typedef struct clevel {
    size_t frame;   /* the walker frame of the entered container */
    size_t base_sp; /* the walker depth before the value (prefixes included) */
} clevel;

struct rsess_cursor {
    rsess_doc *doc;
    rs_tables tab;
    rs_build b;
    rsess_err last; /* the stepping walker's first error (errors are sticky) */
    rsess_err first;/* the first walk's error, if any */
    clevel *lv;
    size_t nlv, lvcap;
    bool allow_trailing;
    rs_walker w; /* last: its frames on board */
};

void rsess_cursor_free(rsess_cursor *c)
{
    if (!c) return;
    const rsess_alloc *a = &c->doc->allocv;
    rs_build_free(&c->b);
    rs_walk_free(&c->w);
    rs_tables_free(&c->tab, a);
    rs_free(a, c->lv, c->lvcap * sizeof *c->lv);
    rsess_doc *doc = c->doc;
    rs_free(a, c, sizeof *c);
    rsess_doc_free(doc);
}

/* What a lookup's first walk counts: the nodes a key of the key's bytes
 * can be. Each String and Symbol token of those bytes (a Symbol link
 * included), and each link to the first such String (a link can reach
 * only an object before it: an earlier String of those bytes was counted
 * when met, and only the first one needs its links watched, as a second
 * makes two already). */
typedef struct key_watch {
    const char *key;
    size_t len;
    size_t seen;
    uint32_t obj; /* the first String of those bytes, or RS_NONE */
} key_watch;

static inline bool watched_bytes(const key_watch *kw, const void *p, size_t n)
{
    return n == kw->len && (n == 0 || memcmp(p, kw->key, n) == 0);
}

static inline void watch_tok(key_watch *kw, const rs_tables *tab, int k, const rs_tok *t)
{
    if (k == TK_LINK) {
        kw->seen += t->link == kw->obj;
    } else if (k == TK_BYTES && t->type == RSESS_STRING) {
        if (!watched_bytes(kw, t->p, t->n)) return;
        if (kw->obj == RS_NONE && !kw->seen) kw->obj = t->obj;
        kw->seen += t->obj == RS_NONE ? 2 : 1; /* no index to watch: as if repeated */
    } else if (k == TK_SYM) {
        kw->seen += watched_bytes(kw, tab->syms[t->sym].p, tab->syms[t->sym].len);
    }
}

static rsess_cursor *cursor_open(const void *data, size_t len, const rsess_read_opts *opts, rsess_err *err,
                                 key_watch *kw);

rsess_cursor *rsess_cursor_new(const void *data, size_t len, const rsess_read_opts *opts, rsess_err *err)
{
    return cursor_open(data, len, opts, err, NULL);
}

static rsess_cursor *cursor_open(const void *data, size_t len, const rsess_read_opts *opts, rsess_err *err,
                                 key_watch *kw)
{
    rs_ok(err);
    rsess_read_opts o;
    if (rs_read_opts(opts, &o, err)) return NULL;
    opts = &o;
    const unsigned char *d = data;
    size_t max_input = opts && opts->limits.max_input ? opts->limits.max_input : RSESS_DEFAULT_MAX_INPUT;
    if ((!d && len) || len > max_input) {
        rs_fail(err, d || !len ? RSESS_ERR_SIZE : RSESS_ERR_ARG, 0, "input missing or over the size limit");
        return NULL;
    }
    if (len < 2 || d[0] != 4 || d[1] > 8) {
        rs_fail(err, len < 2 ? RSESS_ERR_TRUNCATED : RSESS_ERR_VERSION, len < 2 ? len : 0, "not Marshal 4.8 data");
        return NULL;
    }
    rsess_doc *doc = rs_doc_create(opts ? opts->alloc : NULL, len + 256);
    rsess_cursor *c = doc ? rs_malloc(&doc->allocv, sizeof *c) : NULL;
    if (!c) {
        rsess_doc_free(doc);
        rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
        return NULL;
    }
    memset(c, 0, offsetof(rsess_cursor, w));
    c->doc = doc;
    rs_tables_init(&c->tab);
    unsigned char *in = rs_arena_alloc(&doc->arena, len);
    memcpy(in, d, len);
    c->allow_trailing = opts && (opts->flags & RSESS_READ_ALLOW_TRAILING);
    c->lvcap = 8;
    c->lv = rs_malloc(&doc->allocv, c->lvcap * sizeof *c->lv);
    if (!c->lv || rs_tables_track(&c->tab, &doc->allocv)) {
        if (!c->lv) c->lvcap = 0;
        rs_walk_init(&c->w, &c->tab, in, len, 2, 0, NULL, &doc->allocv, &c->last);
        rs_build_init(&c->b, doc, true);
        rsess_cursor_free(c);
        rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
        return NULL;
    }
    /* the first walk: checks everything, records where objects start */
    rs_walk_init(&c->w, &c->tab, in, len, 2, 0, opts ? &opts->limits : NULL, &doc->allocv, &c->first);
    c->w.track = true;
    rs_tok t;
    int k;
    if (kw)
        while ((k = rs_walk_next(&c->w, &t, true)) != TK_DONE && k != TK_ERROR) watch_tok(kw, &c->tab, k, &t);
    else
        while ((k = rs_walk_next(&c->w, &t, true)) != TK_DONE && k != TK_ERROR) {
        }
    if (k == TK_DONE && c->w.p != c->w.end && !c->allow_trailing)
        rs_walk_fail(&c->w, RSESS_ERR_TRAILING, c->w.p, "trailing bytes: %zu after the value", (size_t)(c->w.end - c->w.p));
    if (c->w.code == RSESS_ERR_NOMEM) {
        rs_build_init(&c->b, doc, true);
        rsess_cursor_free(c);
        rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
        return NULL;
    }
    size_t walked = c->w.code ? (size_t)(c->w.p - c->w.base) : len;
    /* the stepping walk, in the first one's frames */
    rs_walk_restart(&c->w, 2, 0, opts ? &opts->limits : NULL, &c->last);
    c->w.replay = true;
    rs_build_init(&c->b, doc, true);
    c->b.walked = walked;
    c->lv[0] = (clevel){0, 0};
    c->nlv = 1;
    return c;
}

/* A failed step reports the first walk's error when there is one: the
 * stepping walk can only fail at it or (resolving) cut short before it. */
static int cursor_fail(rsess_cursor *c, rsess_err *err)
{
    if (c->first.code) {
        c->last = c->first;
        c->w.code = c->first.code;
    }
    if (err) *err = c->last;
    return c->w.code ? c->w.code : RSESS_ERR_STATE;
}

static size_t left_here(const rsess_cursor *c) { return c->w.fr[c->lv[c->nlv - 1].frame].left; }

/* After a value: its container counts it; after the root: no bytes may
 * follow unless allowed. */
static int settle(rsess_cursor *c)
{
    rs_tok t;
    if (rs_walk_settle(&c->w, &t) == TK_ERROR && c->w.code) return c->w.code;
    if (c->nlv == 1 && left_here(c) == 0 && c->first.code) return c->first.code; /* trailing bytes */
    return 0;
}

/* Steps over (or builds) the value before the cursor. */
static int step_value(rsess_cursor *c, bool build)
{
    rs_walker *w = &c->w;
    size_t base = w->sp, before = w->fr[base - 1].left;
    rs_tok t;
    c->b.root = NULL;
    for (;;) {
        int k = rs_walk_next(w, &t, true);
        if (k == TK_ERROR || k == TK_DONE) return w->code ? w->code : RSESS_ERR_STATE;
        if (build && rs_build_tok_lazy(&c->b, w, &t)) return w->code ? w->code : RSESS_ERR_NOMEM;
        /* the value is complete: counted at once, or pending */
        if (w->sp == base && (w->pend == P_VALUE || w->fr[base - 1].left < before)) break;
        if (w->pend == P_POP && w->sp == base + 1) break;
    }
    return settle(c);
}

/* A long without consuming it (marshal.c r_long). */
static bool peek_long(const unsigned char **p, const unsigned char *end, long *out)
{
    if (*p >= end) return false;
    int c = (signed char)*(*p)++;
    if (c == 0 || c > 4 || c < -4) {
        *out = c == 0 ? 0 : c > 0 ? c - 5 : c + 5;
        return true;
    }
    int n = c > 0 ? c : -c;
    if (end - *p < n) return false;
    *out = rs_w_le_long(*p, end, c);
    *p += n;
    return true;
}

/* Steps over a prefix's symbol without defining it (for peeking): ':'
 * and ';' of any length, and 'I:' with the encoding ivar Ruby writes
 * (E true/false, or encoding and a String or a link), whose names are
 * plain symbols (no recursion: anything else is not peeked). */
static bool peek_symbol_at(const unsigned char **p, const unsigned char *end, bool allow_ivars)
{
    if (*p >= end) return false;
    bool ivar = **p == 'I';
    if (ivar && !allow_ivars) return false;
    if (ivar) (*p)++;
    if (*p >= end || (**p != ':' && **p != ';') || (ivar && **p == ';')) return false;
    bool link = **p == ';';
    (*p)++;
    long n;
    if (!peek_long(p, end, &n) || n < 0) return false;
    if (link) return true;
    if (n > end - *p) return false;
    *p += n;
    if (!ivar) return true;
    long k;
    if (!peek_long(p, end, &k) || k < 0 || k > 2) return false;
    for (long i = 0; i < k; i++) {
        if (!peek_symbol_at(p, end, false) || *p >= end) return false; /* the name: a plain symbol */
        int t = *(*p)++;
        if (t == 'T' || t == 'F') continue;
        long m;
        if ((t != '"' && t != '@') || !peek_long(p, end, &m) || m < 0) return false;
        if (t == '"') {
            if (m > end - *p) return false;
            *p += m;
        }
    }
    return true;
}

static bool peek_symbol(const unsigned char **p, const unsigned char *end) { return peek_symbol_at(p, end, true); }

/* The type byte of the value before the cursor, past its prefixes, or
 * NULL when there is none or a prefix is not peeked. */
static const unsigned char *type_byte(const rsess_cursor *c)
{
    if (!c || c->w.code || left_here(c) == 0) return NULL;
    const unsigned char *p = c->w.p, *end = c->w.end;
    while (p < end && (*p == 'I' || *p == 'e' || *p == 'C')) {
        int t = *p++;
        if (t != 'I' && !peek_symbol(&p, end)) return NULL;
    }
    return p < end ? p : NULL;
}

rsess_type rsess_cursor_type(const rsess_cursor *c)
{
    const unsigned char *p = type_byte(c);
    if (!p) return RSESS_NONE;
    switch (*p) {
    case '0': return RSESS_NIL;
    case 'T': return RSESS_TRUE;
    case 'F': return RSESS_FALSE;
    case 'i': case 'l': return RSESS_INT; /* 'l' may turn out a bignum */
    case 'f': return RSESS_FLOAT;
    case '"': return RSESS_STRING;
    case ':': case ';': return RSESS_SYMBOL;
    case '/': return RSESS_REGEXP;
    case '[': return RSESS_ARRAY;
    case '{': case '}': return RSESS_HASH;
    case 'o': return RSESS_OBJECT;
    case 'S': return RSESS_STRUCT;
    case 'u': return RSESS_USERDEF;
    case 'U': return RSESS_USERMARSHAL;
    case 'd': return RSESS_DATA;
    case 'c': return RSESS_CLASS;
    case 'm': return RSESS_MODULE;
    case 'M': return RSESS_OLDMODULE;
    default: return RSESS_NONE; /* a link ('@'): read it to know */
    }
}

int rsess_cursor_skip(rsess_cursor *c, rsess_err *err)
{
    if (!c) return RSESS_ERR_ARG;
    if (c->w.code) return cursor_fail(c, err);
    if (left_here(c) == 0) return rs_fail(err, RSESS_ERR_STATE, 0, "no value here: the container ends");
    if (step_value(c, false)) return cursor_fail(c, err);
    return 0;
}

rsess_val *rsess_cursor_read(rsess_cursor *c, rsess_err *err)
{
    if (!c || c->w.code) {
        if (c && err) *err = c->last;
        return NULL;
    }
    if (left_here(c) == 0) {
        rs_fail(err, RSESS_ERR_STATE, 0, "no value here: the container ends");
        return NULL;
    }
    if (step_value(c, true)) {
        cursor_fail(c, err);
        return NULL;
    }
    rsess_val *v = c->b.root;
    if (rs_build_resolve(&c->b, &c->w)) {
        if (c->w.code == RSESS_ERR_NOMEM) c->first.code = 0;
        cursor_fail(c, err);
        return NULL;
    }
    return v;
}

int rsess_cursor_enter(rsess_cursor *c, size_t *count, rsess_err *err)
{
    if (count) *count = 0;
    if (!c) return RSESS_ERR_ARG;
    if (c->w.code) return cursor_fail(c, err);
    rsess_type ty = rsess_cursor_type(c);
    if (ty != RSESS_ARRAY && ty != RSESS_HASH) /* looked at, nothing consumed */
        return rs_fail(err, RSESS_ERR_STATE, (size_t)(c->w.p - c->w.base), "not an Array or Hash here");
    if (c->nlv == c->lvcap) {
        clevel *n = rs_realloc(&c->doc->allocv, c->lv, c->lvcap * sizeof *n, c->lvcap * 2 * sizeof *n);
        if (!n) return rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
        c->lv = n;
        c->lvcap *= 2;
    }
    rs_walker *w = &c->w;
    size_t base = w->sp;
    rs_tok t;
    for (;;) { /* prefixes ('I', 'e', 'C' and their symbols), then the container */
        int k = rs_walk_next(w, &t, true);
        if (k == TK_ERROR || k == TK_DONE) return cursor_fail(c, err);
        if (k == TK_ARRAY || k == TK_HASH) break;
    }
    c->lv[c->nlv++] = (clevel){t.frame, base};
    if (count) *count = t.n;
    return 0;
}

int rsess_cursor_leave(rsess_cursor *c, rsess_err *err)
{
    if (!c) return RSESS_ERR_ARG;
    if (c->w.code) return cursor_fail(c, err);
    if (c->nlv == 1) return rs_fail(err, RSESS_ERR_STATE, 0, "not inside a container");
    rs_walker *w = &c->w;
    size_t base = c->lv[c->nlv - 1].base_sp;
    rs_tok t;
    /* the rest of the container, then the ivars of its 'I' wrapper */
    while (!(w->pend == P_POP && w->sp == base + 1)) {
        int k = rs_walk_next(w, &t, true);
        if (k == TK_ERROR || k == TK_DONE) return cursor_fail(c, err);
    }
    c->nlv--;
    if (settle(c)) return cursor_fail(c, err);
    return 0;
}

/* --- one top-level key without the whole tree ------------------------------ */
/* Steps through the root's prefixes ('I', 'e', 'C') to its first value
 * token: entered if that is a Hash, else RSESS_ERR_VALUE (the bytes are
 * valid: the first walk said so). */
static int enter_root_hash(rsess_cursor *c, size_t *count, bool *identity)
{
    rs_walker *w = &c->w;
    rs_tok t;
    int k;
    for (;;) {
        k = rs_walk_next(w, &t, true);
        if (k == TK_ERROR || k == TK_DONE) return RSESS_ERR_VALUE;
        if (k >= TK_NIL && k <= TK_UDEF && t.owner == 0 && t.role == R_ROOT) break;
    }
    if (k != TK_HASH) return RSESS_ERR_VALUE;
    c->lv[c->nlv++] = (clevel){t.frame, 1};
    *count = t.n;
    *identity = false; /* "C:Hash": its prefix frame is below */
    for (size_t f = 0; f < t.frame; f++)
        if (w->fr[f].kind == FK_UCLASS && w->fr[f].identity) *identity = true;
    return 0;
}

static bool key_is(const rsess_val *k, const char *key, size_t keylen, int kind)
{
    bool type_ok = kind == RSESS_KEY_STRING   ? k && rs_type(k) == RSESS_STRING
                   : kind == RSESS_KEY_SYMBOL ? k && rs_type(k) == RSESS_SYMBOL
                                              : k && (rs_type(k) == RSESS_STRING || rs_type(k) == RSESS_SYMBOL);
    return type_ok && k->u.s.len == keylen && (keylen == 0 || memcmp(k->u.s.p, key, keylen) == 0);
}

/* The key before the cursor when it may be eql? to the String or Symbol
 * match (read: a String or a Symbol of its length, or a link), else NULL
 * with the key skipped unread (*rc: 0, or the error). */
static rsess_val *later_text_key(rsess_cursor *c, const rsess_val *match, int *rc, rsess_err *err)
{
    const unsigned char *p = type_byte(c), *end = c->w.end;
    bool maybe = !p || *p == '@' || *p == ';'; /* unknown until read */
    if (p && (*p == '"' || *p == ':') && (*p == ':') == (rs_type(match) == RSESS_SYMBOL)) {
        long len;
        p++;
        maybe = !peek_long(&p, end, &len) || (size_t)len == match->u.s.len;
    }
    if (!maybe) {
        *rc = rsess_cursor_skip(c, err);
        return NULL;
    }
    rsess_val *k = rsess_cursor_read(c, err);
    *rc = k ? 0 : cursor_fail(c, err);
    return k;
}

/* The key before the cursor is a String or Symbol written out here (not a
 * link): then the first walk met its bytes once. */
static bool key_written_out(const rsess_cursor *c)
{
    const unsigned char *p = type_byte(c);
    return p && (*p == '"' || *p == ':');
}

rsess_doc *rs_lookup_marshal(const unsigned char *data, size_t len, const char *key, size_t keylen, int kind,
                             const rsess_read_opts *opts, rsess_err *err)
{
    key_watch kw = {key, keylen, 0, RS_NONE};
    rsess_cursor *c = cursor_open(data, len, opts, err, &kw);
    if (!c) return NULL;
    rsess_val *found = NULL, *match = NULL;
    size_t n = 0, consumed = 0;
    bool identity = false;
    int rc = 0;
    if (c->first.code) {
        if (err) *err = c->first;
        rc = c->first.code;
    } else if ((rc = enter_root_hash(c, &n, &identity))) {
        rc = rs_fail(err, rc, 2, "not a Hash: a lookup needs the session Hash");
    } else {
        size_t i = 0;
        for (; i < n && !rc && !found; i++) {
            bool alone = kw.seen == 1 && key_written_out(c); /* no other node has its bytes */
            rsess_val *k = rsess_cursor_read(c, err);
            if (!k) rc = cursor_fail(c, err);
            else if (key_is(k, key, keylen, kind)) {
                match = k;
                found = rsess_cursor_read(c, err);
                rc = found ? 0 : cursor_fail(c, err);
                consumed = (size_t)(c->w.p - c->w.base);
                if (alone) i = n; /* nothing after it can be eql?; the first walk checked the rest */
            } else {
                rc = rsess_cursor_skip(c, err);
            }
        }
        /* Marshal.load's Hash has the value of the last pair of an eql? key */
        size_t work = RS_KEY_WORK;
        for (; i < n && !rc; i++) {
            rsess_val *k = later_text_key(c, match, &rc, err);
            if (!rc && k) {
                size_t e = rs_next_eql_key(&k, 1, match, 0, identity, &work);
                if (e == RS_EQL_SPENT) rc = rs_fail(err, RSESS_ERR_NODES, 0, "the session's keys cost too much to compare");
                else if (e == 0 && !(found = rsess_cursor_read(c, err))) rc = cursor_fail(c, err);
                if (!rc && e == 0) continue;
            }
            if (!rc) rc = rsess_cursor_skip(c, err);
        }
    }
    if (!rc && !found)
        rc = rs_fail(err, RSESS_ERR_NOT_FOUND, 0, "no key \"%.*s\" in the session", (int)(keylen > 60 ? 60 : keylen),
                     key);
    if (rc) {
        rsess_cursor_free(c);
        return NULL;
    }
    rsess_doc *doc = c->doc;
    doc->root = found;
    doc->consumed = consumed;
    /* the document outlives the cursor */
    const rsess_alloc a = doc->allocv;
    rs_build_free(&c->b);
    rs_walk_free(&c->w);
    rs_tables_free(&c->tab, &a);
    rs_free(&a, c->lv, c->lvcap * sizeof *c->lv);
    rs_free(&a, c, sizeof *c);
    rs_ok(err);
    return doc;
}
