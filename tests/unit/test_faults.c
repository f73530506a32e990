/* Allocation failure at every allocation of every public entry point that
 * allocates: each call is made with allocation 1, 2, ... failing until it
 * succeeds (alloc_sweep, test_main.c); every failing run is
 * RSESS_ERR_NOMEM, leaves an output buffer as it was, and gives back every
 * block and byte it took. The views (rsess_print) have their sweep in
 * test_depth.c and the JSON readers theirs in test_from_json.c (both
 * through the same alloc_sweep). */
#include "testutil.h"

#include <dirent.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Entry point sweeps and allocations failed in this test (each test runs
 * in a process of its own): printed with FAULTS_COUNTS=1 in the
 * environment. */
static long points, failures;

static void sweep(const char *what, alloc_call call, void *ctx)
{
    failures += alloc_sweep(what, call, ctx);
    points++;
}

static void counts(const char *test)
{
    if (getenv("FAULTS_COUNTS"))
        fprintf(stderr, "faults: %s: %ld sweeps, %ld allocations failed\n", test, points, failures);
}

/* The input of one sweep: bytes, and a document read from them with the
 * default allocator when a call needs a value. */
typedef struct input {
    const char *name;
    const unsigned char *p;
    size_t len;
    const rsess_val *v;
    int n; /* a variant: a format, a view, a flag */
    const void *extra;
} input;

/* A buffer with "x" in it, on the failing allocator: a failed call must
 * leave it so. */
static void buf_start(rsess_buf *b, const rsess_alloc *a)
{
    rsess_buf_init(b, a);
    ck_assert_int_eq(rsess_buf_append(b, "x", 1), 0);
}

static int buf_end(rsess_buf *b, int rc, const char *what)
{
    if (rc) ck_assert_msg(b->len == 1 && b->data[0] == 'x', "%s: the buffer changed on failure", what);
    rsess_buf_free(b);
    return rc;
}

static rsess_read_opts read_opts_with(const rsess_alloc *a, unsigned flags)
{
    rsess_read_opts o;
    rsess_read_opts_init(&o);
    o.alloc = a;
    o.flags = flags;
    return o;
}

/* --- the readers ---------------------------------------------------------- */

static int call_read(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const input *in = ctx;
    rsess_read_opts o = read_opts_with(a, (unsigned)in->n);
    rsess_err err;
    alloc_arm(c, k);
    rsess_doc *d = rsess_read(in->p, in->len, &o, &err);
    c->fail_at = 0;
    if (!d) return err.code;
    rsess_doc_free(d);
    return 0;
}

static int call_lookup(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const input *in = ctx;
    rsess_read_opts o = read_opts_with(a, 0);
    size_t kl;
    const char *key = rsess_str(in->v, &kl);
    if (!key) key = rsess_sym(in->v, &kl);
    rsess_err err;
    alloc_arm(c, k);
    rsess_doc *d = in->n ? rsess_lookup_find(in->p, in->len, key, kl, RSESS_KEY_ANY, &o, &err)
                         : rsess_lookup(in->p, in->len, key, kl, &o, &err);
    c->fail_at = 0;
    if (!d) return err.code;
    rsess_doc_free(d);
    return 0;
}

static int call_explain(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const input *in = ctx;
    rsess_read_opts o = read_opts_with(a, 0);
    rsess_buf out;
    buf_start(&out, a);
    alloc_arm(c, k);
    int rc = rsess_explain(in->p, in->len, (unsigned)in->n, &o, &out, NULL);
    c->fail_at = 0;
    rsess_buf_free(&out); /* the listing so far stays in out, as documented */
    return rc;
}

/* The cursor over the whole value: containers entered (every other one),
 * the items read and skipped in turn, each container left. */
static int cursor_walk(rsess_cursor *cur)
{
    size_t left[64] = {1};
    int d = 0, rc;
    unsigned step = 0;
    for (;;) {
        if (!left[d]) {
            if (!d) return 0;
            if ((rc = rsess_cursor_leave(cur, NULL))) return rc;
            d--;
            continue;
        }
        left[d]--;
        rsess_type t = rsess_cursor_type(cur);
        size_t m;
        if ((t == RSESS_ARRAY || t == RSESS_HASH) && d < 63 && step++ % 2 == 0) {
            if ((rc = rsess_cursor_enter(cur, &m, NULL))) return rc;
            left[++d] = t == RSESS_HASH ? 2 * m : m;
        } else if (step++ % 2) {
            rsess_err err;
            if (!rsess_cursor_read(cur, &err)) return err.code;
        } else if ((rc = rsess_cursor_skip(cur, NULL))) {
            return rc;
        }
    }
}

static int call_cursor(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const input *in = ctx;
    rsess_read_opts o = read_opts_with(a, 0);
    rsess_err err;
    alloc_arm(c, k);
    rsess_cursor *cur = rsess_cursor_new(in->p, in->len, &o, &err);
    int rc = cur ? cursor_walk(cur) : (int)err.code;
    c->fail_at = 0;
    rsess_cursor_free(cur);
    return rc;
}

static int call_entry_read(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const input *in = ctx;
    rsess_read_opts o = read_opts_with(a, 0);
    rsess_err err;
    rsess_entry_info info;
    alloc_arm(c, k);
    rsess_doc *d = rsess_entry_read(in->p, in->len, &o, &info, &err);
    c->fail_at = 0;
    if (!d) return err.code;
    rsess_doc_free(d);
    return 0;
}

/* --- the writers ---------------------------------------------------------- */

/* A copy of the input's value in a document of the failing allocator, so
 * that what a writer allocates through the value's document fails too. */
static rsess_doc *own_copy(const input *in, const rsess_alloc *a)
{
    rsess_read_opts o = read_opts_with(a, 0);
    rsess_doc *d = rsess_read(in->p, in->len, &o, NULL);
    ck_assert_ptr_nonnull(d);
    return d;
}

static int call_write(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const input *in = ctx;
    rsess_doc *d = own_copy(in, a);
    rsess_buf out;
    buf_start(&out, a);
    alloc_arm(c, k);
    int rc = rsess_write(rsess_doc_root(d), &out, NULL);
    c->fail_at = 0;
    rsess_doc_free(d);
    return buf_end(&out, rc, "write");
}

static int call_entry_write(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    static const rsess_format formats[] = {RSESS_FORMAT_AS71, RSESS_FORMAT_AS70, RSESS_FORMAT_AS61};
    const input *in = ctx;
    rsess_doc *d = own_copy(in, a);
    rsess_entry_opts eo;
    rsess_entry_opts_init(&eo);
    eo.format = formats[in->n % 3];
    eo.compress_threshold = in->n >= 3 ? 1 : 0; /* deflate whatever there is */
    eo.has_expires_at = 1, eo.expires_at = 1.7e9;
    eo.version = "v1", eo.version_len = 2;
    eo.has_created_at = 1, eo.created_at = 1.6e9;
    rsess_buf out;
    buf_start(&out, a);
    alloc_arm(c, k);
    int rc = rsess_entry_write(rsess_doc_root(d), &eo, &out, NULL);
    c->fail_at = 0;
    rsess_doc_free(d);
    return buf_end(&out, rc, "entry write");
}

static int call_writer(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const input *in = ctx;
    rsess_buf out;
    buf_start(&out, a);
    alloc_arm(c, k);
    rsess_writer *w = rsess_writer_new(RSESS_WRITER_INTERN_KEYS, a);
    int rc = RSESS_ERR_NOMEM;
    if (w) {
        rsess_writer_hash(w, 4);
        rsess_writer_str(w, "session_id", 10, RSESS_ENC_UTF8);
        rsess_writer_str(w, "0123456789abcdef", 16, RSESS_ENC_UTF8);
        rsess_writer_sym(w, "at", 2);
        rsess_writer_float(w, 1.5);
        rsess_writer_str(w, "value", 5, RSESS_ENC_UTF8);
        rsess_writer_value(w, in->v);
        rsess_writer_str(w, "list", 4, RSESS_ENC_UTF8);
        rsess_writer_array(w, 2);
        rsess_writer_object(w, "Point", 5, 1);
        rsess_writer_sym(w, "@x", 2);
        rsess_writer_int(w, 1 << 20);
        rsess_writer_float(w, 1.5);
        rc = rsess_writer_finish(w, &out, NULL);
    }
    c->fail_at = 0;
    rsess_writer_free(w);
    return buf_end(&out, rc, "writer");
}

static int call_fprint(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const input *in = ctx;
    rsess_doc *d = own_copy(in, a);
    FILE *fp = fopen("/dev/null", "w");
    ck_assert_ptr_nonnull(fp);
    alloc_arm(c, k);
    int rc = rsess_fprint(fp, rsess_doc_root(d), (rsess_view)in->n, RSESS_PRINT_PRETTY, NULL);
    c->fail_at = 0;
    fclose(fp);
    rsess_doc_free(d);
    return rc;
}

/* --- editing ---------------------------------------------------------------- */

/* Every other constructor and editing call, into hash h. */
static int build_more(rsess_doc *d, rsess_val *h)
{
    static const unsigned char mag[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    rsess_val *v[] = {
        rsess_new_nil(d), rsess_new_bool(d, 1), rsess_new_int(d, -5), rsess_new_bignum(d, mag, 10, 1),
        rsess_new_float_text(d, "1.5e300", 7), rsess_new_str_enc(d, "\x82\xa0", 2, "Shift_JIS", 9),
        rsess_new_sym_enc(d, "k\xc3\xa9", 3, RSESS_ENC_UTF8), rsess_new_sym_enc_named(d, "s", 1, "EUC-JP", 6),
        rsess_new_regexp(d, "a+b", 3, 1, RSESS_ENC_USASCII), rsess_new_struct(d, "Pt", 2),
        rsess_new_userdef(d, "Dec", 3, "1.5", 3, RSESS_ENC_BINARY), rsess_new_usermarshal(d, "UM", 2, NULL),
        rsess_new_data(d, "Dt", 2, NULL), rsess_new_classref(d, RSESS_CLASS, "Foo::Bar", 8),
        rsess_new_hash(d), rsess_new_sym(d, "x", 1), rsess_new_str(d, "plain", 5, RSESS_ENC_UTF8),
        rsess_new_sym(d, "UserHash", 8)};
    size_t n = sizeof v / sizeof *v;
    for (size_t i = 0; i < n; i++)
        if (!v[i]) return RSESS_ERR_NOMEM;
    rsess_val *inner = v[14], *x = v[15], *plain = v[16], *ucls = v[17];
    int rc;
    if ((rc = rsess_set_dumped(d, v[11], inner)) || (rc = rsess_set_dumped(d, v[12], plain)) ||
        (rc = rsess_field_push(d, v[9], x, v[2])) || (rc = rsess_hash_set_default(d, inner, v[0])) ||
        (rc = rsess_hash_set_identity(d, inner, 1)) || (rc = rsess_set_user_class(d, inner, ucls)) ||
        (rc = rsess_set_encoding(d, plain, "Windows-1252", 12)) || (rc = rsess_hash_push(d, inner, x, plain)) ||
        (rc = rsess_hash_push_strkey(d, h, "pushed", 6, RSESS_ENC_UTF8, inner)))
        return rc;
    for (size_t i = 0; i < n; i++) {
        rsess_val *k = rsess_new_int(d, (int64_t)i);
        if (!k) return RSESS_ERR_NOMEM;
        if ((rc = rsess_hash_set(d, h, k, v[i]))) return rc;
    }
    return 0;
}

/* A session built value by value, edited, copied into a second document. */
static int build_session(rsess_doc *d, const rsess_val *other)
{
    rsess_val *h = rsess_new_hash(d), *list = rsess_new_array(d), *o = rsess_new_object(d, "Cart", 4);
    rsess_val *s = rsess_new_str(d, "abc", 3, RSESS_ENC_UTF8), *sym = rsess_new_sym(d, "@items", 6);
    rsess_val *ext = rsess_new_sym(d, "Mod", 3), *big = rsess_new_int_text(d, "123456789012345678901234567890", 30);
    if (!h || !list || !o || !s || !sym || !ext || !big) return RSESS_ERR_NOMEM;
    int rc;
    if ((rc = rsess_doc_set_root(d, h)) || (rc = rsess_hash_set_str(d, h, "session_id", 10, s)) ||
        (rc = rsess_hash_set_sym(d, h, "cart", 4, o)) || (rc = rsess_ivar_push(d, o, sym, list)) ||
        (rc = rsess_extend(d, s, ext)) || (rc = rsess_hash_set_str(d, h, "big", 3, big)))
        return rc;
    for (int i = 0; i < 20; i++) {
        rsess_val *f = rsess_new_float(d, i / 3.0);
        if (!f) return RSESS_ERR_NOMEM;
        if ((rc = rsess_arr_push(d, list, f))) return rc;
    }
    rsess_val *x = rsess_new_str(d, "x", 1, RSESS_ENC_BINARY);
    if (!x) return RSESS_ERR_NOMEM;
    if ((rc = rsess_arr_set(d, list, 3, x)) || (rc = rsess_hash_set_str(d, h, "gone", 4, x)) ||
        (rc = rsess_hash_delete(d, h, "gone", 4, RSESS_KEY_STRING)))
        return rc;
    rsess_val *copy = rsess_copy(d, other);
    if (!copy) return RSESS_ERR_NOMEM;
    if ((rc = rsess_hash_set_str(d, h, "copied", 6, copy))) return rc;
    return build_more(d, h);
}

static int call_edit(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const input *in = ctx;
    alloc_arm(c, k);
    rsess_doc *d = rsess_doc_new(a);
    int rc = d ? build_session(d, in->v) : RSESS_ERR_NOMEM;
    c->fail_at = 0;
    rsess_doc_free(d);
    return rc;
}

/* --- text, keys, cluster ------------------------------------------------------ */

typedef int (*text_fn)(const char *, size_t, rsess_buf *, rsess_err *);
static int quote_fn(const char *p, size_t n, rsess_buf *o, rsess_err *e) { return (void)e, rsess_quote(p, n, o); }
static int hex_fn(const char *p, size_t n, rsess_buf *o, rsess_err *e) { return (void)e, rsess_hex(p, n, o); }
static int b64_fn(const char *p, size_t n, rsess_buf *o, rsess_err *e) { return (void)e, rsess_base64(p, n, o); }

static int call_text(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const input *in = ctx;
    rsess_buf out;
    buf_start(&out, a);
    alloc_arm(c, k);
    int rc = ((text_fn)in->extra)((const char *)in->p, in->len, &out, NULL);
    c->fail_at = 0;
    return buf_end(&out, rc, in->name);
}

static int call_session_key(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const input *in = ctx;
    rsess_key_opts o;
    rsess_key_opts_init(&o);
    o.store = in->n & 1 ? RSESS_STORE_REDIS_STORE : RSESS_STORE_CACHE;
    o.legacy = in->n & 2;
    o.rule = (rsess_key_rule)(in->n >> 2);
    o.ns = (const char *)in->extra, o.nslen = strlen(in->extra);
    rsess_buf out;
    buf_start(&out, a);
    alloc_arm(c, k);
    int rc = rsess_session_key((const char *)in->p, in->len, &o, &out, NULL);
    c->fail_at = 0;
    return buf_end(&out, rc, "session key");
}

static int call_key_truncate(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const input *in = ctx;
    rsess_buf out;
    buf_start(&out, a);
    alloc_arm(c, k);
    int rc = rsess_cache_key_truncate((const char *)in->p, in->len, (rsess_key_rule)in->n, &out);
    c->fail_at = 0;
    return buf_end(&out, rc, "key truncate");
}

static int call_cluster(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const input *in = ctx;
    rsess_buf out;
    buf_start(&out, a);
    rsess_cluster_map *map = NULL;
    alloc_arm(c, k);
    int rc = in->n ? rsess_cluster_locate((const char *)in->p, in->len, 1234, &out, NULL)
                   : rsess_cluster_map_parse((const char *)in->p, in->len, a, &map, NULL);
    c->fail_at = 0;
    rsess_cluster_map_free(map);
    return buf_end(&out, rc, "cluster");
}

/* --- cookies ------------------------------------------------------------------ */

static const char skb[] = "a secret key base of the faults suite", token[] = "a secret token of the faults suite";

static int keys_for(const rsess_alloc *a, rsess_cookie_keys **out)
{
    rsess_cookie_opts o;
    rsess_cookie_opts_init(&o);
    o.secret_key_base = skb, o.secret_key_base_len = strlen(skb);
    o.secret_token = token, o.secret_token_len = strlen(token);
    o.alloc = a;
    return rsess_cookie_keys_new(&o, out, NULL);
}

static int call_cookie_keys(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    (void)ctx;
    rsess_cookie_keys *keys = NULL;
    alloc_arm(c, k);
    int rc = keys_for(a, &keys);
    rsess_cookie_opts o;
    rsess_cookie_opts_init(&o);
    o.secret_token = "older", o.secret_token_len = 5;
    for (int i = 0; i < 5 && !rc; i++) rc = rsess_cookie_keys_add(keys, &o, NULL); /* the rotations grow */
    c->fail_at = 0;
    rsess_cookie_keys_free(keys);
    return rc;
}

static void cookie_write_opts(rsess_cookie_write_opts *wo, int n)
{
    static const rsess_cookie_format fmts[] = {RSESS_COOKIE_GCM, RSESS_COOKIE_CBC, RSESS_COOKIE_SIGNED,
                                               RSESS_COOKIE_RAILS3, RSESS_COOKIE_RACK};
    rsess_cookie_write_opts_init(wo);
    wo->format = fmts[n % 5];
    wo->serializer = n % 5 >= 3 || n >= 5 ? RSESS_SERIALIZER_MARSHAL : RSESS_SERIALIZER_JSON;
    if (n % 5 < 3) wo->name = "_app_session", wo->name_len = 12, wo->has_expires_at = true, wo->expires_at = 2e9;
}

static int call_cookie_write(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const input *in = ctx;
    rsess_cookie_keys *keys;
    ck_assert_int_eq(keys_for(NULL, &keys), 0);
    rsess_doc *d = own_copy(in, a);
    rsess_cookie_write_opts wo;
    cookie_write_opts(&wo, in->n);
    rsess_buf out;
    buf_start(&out, a);
    alloc_arm(c, k);
    int rc = rsess_cookie_write(keys, rsess_doc_root(d), &wo, &out, NULL);
    c->fail_at = 0;
    rsess_doc_free(d);
    rsess_cookie_keys_free(keys);
    return buf_end(&out, rc, "cookie write");
}

static int call_cookie_read(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const input *in = ctx;
    const rsess_cookie_keys *keys = in->extra;
    rsess_read_opts rd = read_opts_with(a, 0);
    rsess_cookie_read_opts ro;
    rsess_cookie_read_opts_init(&ro);
    ro.read = &rd;
    ro.name = "_app_session", ro.name_len = 12;
    ro.now = 1.7e9;
    rsess_doc *d = NULL;
    alloc_arm(c, k);
    int rc = rsess_cookie_read(keys, (const char *)in->p, in->len, &ro, &d, NULL, NULL);
    c->fail_at = 0;
    rsess_doc_free(d);
    return rc;
}

static int call_cookie_value(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const input *in = ctx;
    rsess_buf out;
    buf_start(&out, a);
    alloc_arm(c, k);
    int rc = rsess_cookie_value((const char *)in->p, in->len, "_app_session", 12, &out, NULL);
    c->fail_at = 0;
    return buf_end(&out, rc, "cookie value");
}

/* --- the sweeps ------------------------------------------------------------------ */

typedef void (*per_file)(const input *in);

/* f on every .bin (not .value.bin unless values) of dir, read into in. */
static size_t each_fixture(const char *dir, bool values, per_file f)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "no %s (run from tests/)", dir);
    struct dirent *e;
    size_t files = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".bin")) continue;
        if ((l > 10 && !strcmp(e->d_name + l - 10, ".value.bin")) != values) continue;
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len;
        unsigned char *p = read_file(path, &len);
        rsess_doc *doc = values || strcmp(dir, "fixtures/entries") ? rsess_read(p, len, NULL, NULL)
                                                                    : rsess_entry_read(p, len, NULL, NULL, NULL);
        input in = {path, p, len, rsess_doc_root(doc), 0, NULL};
        f(&in);
        rsess_doc_free(doc);
        free(p);
        files++;
    }
    closedir(d);
    return files;
}

static void marshal_file(const input *in0)
{
    input in = *in0;
    char what[700];
    for (in.n = 0; in.n <= (int)RSESS_READ_BORROW; in.n += RSESS_READ_BORROW) {
        snprintf(what, sizeof what, "rsess_read%s %s", in.n ? " (borrow)" : "", in.name);
        sweep(what, call_read, &in);
    }
    if (!in.v) return; /* what the reader refuses, it refuses on every path */
    in.n = 0;
    snprintf(what, sizeof what, "rsess_explain %s", in.name);
    sweep(what, call_explain, &in);
    snprintf(what, sizeof what, "rsess_cursor %s", in.name);
    sweep(what, call_cursor, &in);
    snprintf(what, sizeof what, "rsess_write %s", in.name);
    sweep(what, call_write, &in);
    if (rsess_type_of(in.v) == RSESS_HASH && rsess_len(in.v)) {
        input l = in;
        l.v = rsess_hash_key(in.v, rsess_len(in.v) - 1);
        if (rsess_str(l.v, NULL) || rsess_sym(l.v, NULL)) {
            for (l.n = 0; l.n < 2; l.n++) {
                snprintf(what, sizeof what, "rsess_lookup%s %s", l.n ? "_find" : "", in.name);
                sweep(what, call_lookup, &l);
            }
        }
    }
}

START_TEST(readers_and_writers)
{
    ck_assert_uint_gt(each_fixture("fixtures/marshal", false, marshal_file), 130);
    ck_assert_uint_gt(each_fixture("fixtures/types", false, marshal_file), 20);
    counts("readers and writers");
}
END_TEST

static void entry_file(const input *in0)
{
    input in = *in0;
    char what[700];
    snprintf(what, sizeof what, "rsess_entry_read %s", in.name);
    sweep(what, call_entry_read, &in);
}

static void entry_value_file(const input *in0)
{
    input in = *in0;
    char what[700];
    if (!in.v) return;
    for (in.n = 0; in.n < 6; in.n++) {
        snprintf(what, sizeof what, "rsess_entry_write %s, variant %d", in.name, in.n);
        sweep(what, call_entry_write, &in);
    }
}

START_TEST(entries)
{
    ck_assert_uint_gt(each_fixture("fixtures/entries", false, entry_file), 30);
    ck_assert_uint_gt(each_fixture("fixtures/entries", true, entry_value_file), 30);
    counts("entries");
}
END_TEST

static void stream_file(const input *in0)
{
    input in = *in0;
    char what[700];
    if (!in.v) return;
    snprintf(what, sizeof what, "rsess_writer with %s", in.name);
    sweep(what, call_writer, &in);
    snprintf(what, sizeof what, "rsess_doc_new, rsess_new_*, editing, rsess_copy of %s", in.name);
    sweep(what, call_edit, &in);
    for (in.n = RSESS_VIEW_RUBY; in.n <= RSESS_VIEW_TYPED; in.n++) {
        snprintf(what, sizeof what, "rsess_fprint view %d %s", in.n, in.name);
        sweep(what, call_fprint, &in);
    }
}

START_TEST(streaming_writer_editing_fprint)
{
    ck_assert_uint_gt(each_fixture("fixtures/marshal", false, stream_file), 130);
    counts("streaming writer editing fprint");
}
END_TEST

START_TEST(text_keys_cluster)
{
    size_t len;
    unsigned char *bin = read_fixture("session_typical", &len);
    const char *names[] = {"rsess_quote", "rsess_hex", "rsess_base64"};
    const text_fn enc[] = {quote_fn, hex_fn, b64_fn};
    const text_fn dec[] = {rsess_unquote, rsess_unhex, rsess_unbase64};
    for (int i = 0; i < 3; i++) {
        input in = {names[i], bin, len, NULL, 0, (const void *)enc[i]};
        sweep(names[i], call_text, &in);
        rsess_buf text = {0};
        ck_assert_int_eq(enc[i]((const char *)bin, len, &text, NULL), 0);
        input back = {names[i], text.data, text.len, NULL, 0, (const void *)dec[i]};
        sweep("rsess_unquote, rsess_unhex, rsess_unbase64", call_text, &back);
        rsess_buf_free(&text);
    }
    free(bin);

    static const char id[] = "36334d75885e1c87c38636160d0058aa";
    char longns[1100];
    memset(longns, 'n', sizeof longns - 1);
    longns[sizeof longns - 1] = 0;
    for (int n = 0; n < 16; n++) {
        input in = {"key", (const unsigned char *)id, 32, NULL, n, n & 8 ? longns : "myapp"};
        sweep("rsess_session_key", call_session_key, &in);
    }
    for (int rule = RSESS_KEYS_RAILS81; rule <= RSESS_KEYS_NONE; rule++) {
        input in = {"truncate", (const unsigned char *)longns, sizeof longns - 1, NULL, rule, NULL};
        sweep("rsess_cache_key_truncate", call_key_truncate, &in);
    }

    const char *texts[] = {"fixtures/cluster/nodes.txt", "fixtures/cluster/shards.txt",
                           "fixtures/cluster/shards-raw.txt"};
    for (int t = 0; t < 3; t++) {
        unsigned char *p = read_file(texts[t], &len);
        for (int n = 0; n < 2; n++) {
            input in = {texts[t], p, len, NULL, n, NULL};
            sweep(n ? "rsess_cluster_locate" : "rsess_cluster_map_parse", call_cluster, &in);
        }
        free(p);
    }
    counts("text keys cluster");
}
END_TEST

START_TEST(cookies)
{
    sweep("rsess_cookie_keys_new, rsess_cookie_keys_add", call_cookie_keys, NULL);
    rsess_cookie_keys *keys;
    ck_assert_int_eq(keys_for(NULL, &keys), 0);
    const char *fixtures[] = {"session_typical", "session_redis_store", "hash_nested", "string_long"};
    for (int f = 0; f < 4; f++) {
        size_t len;
        unsigned char *bin = read_fixture(fixtures[f], &len);
        rsess_doc *doc = rsess_read(bin, len, NULL, NULL);
        ck_assert_ptr_nonnull(doc);
        for (int n = 0; n < 8; n++) {
            input in = {fixtures[f], bin, len, rsess_doc_root(doc), n, NULL};
            sweep("rsess_cookie_write", call_cookie_write, &in);
            rsess_cookie_write_opts wo;
            cookie_write_opts(&wo, n);
            rsess_buf cookie = {0};
            ck_assert_int_eq(rsess_cookie_write(keys, rsess_doc_root(doc), &wo, &cookie, NULL), 0);
            input rd = {fixtures[f], cookie.data, cookie.len, NULL, n, keys};
            sweep("rsess_cookie_read", call_cookie_read, &rd);
            rsess_buf header = {0};
            ck_assert_int_eq(rsess_buf_append(&header, "a=1; _app_session=", 18), 0);
            ck_assert_int_eq(rsess_buf_append(&header, cookie.data, cookie.len), 0);
            input hv = {fixtures[f], header.data, header.len, NULL, n, keys};
            sweep("rsess_cookie_read (a Cookie header)", call_cookie_read, &hv);
            sweep("rsess_cookie_value", call_cookie_value, &hv);
            rsess_buf_free(&header);
            rsess_buf_free(&cookie);
        }
        rsess_doc_free(doc);
        free(bin);
    }
    /* Rack's Base64::ZipJSON coder: the payload is inflated (signed with the token) */
    static const char json[] = "{\"session_id\":\"36334d75885e1c87c38636160d0058aa\",\"cart\":[1,2,3,4,5,6,7,8]}";
    unsigned char z[256];
    uLongf zn = sizeof z;
    ck_assert_int_eq(compress(z, &zn, (const unsigned char *)json, sizeof json - 1), Z_OK);
    rsess_buf zc = {0};
    ck_assert_int_eq(rsess_base64(z, zn, &zc), 0);
    unsigned char mac[20];
    unsigned ml = 0;
    HMAC(EVP_sha1(), token, (int)strlen(token), zc.data, zc.len, mac, &ml);
    ck_assert_int_eq(rsess_buf_append(&zc, "--", 2), 0);
    ck_assert_int_eq(rsess_hex(mac, ml, &zc), 0);
    rsess_cookie_info info;
    rsess_cookie_read_opts ro;
    rsess_cookie_read_opts_init(&ro);
    ro.name = "_app_session", ro.name_len = 12, ro.now = 1.7e9;
    rsess_doc *zd = NULL;
    ck_assert_int_eq(rsess_cookie_read(keys, (const char *)zc.data, zc.len, &ro, &zd, &info, NULL), 0);
    ck_assert_int_eq(info.serializer, RSESS_SERIALIZER_ZIP_JSON);
    rsess_doc_free(zd);
    input zin = {"zip json", zc.data, zc.len, NULL, 0, keys};
    sweep("rsess_cookie_read (Rack ZipJSON, inflated)", call_cookie_read, &zin);
    rsess_buf_free(&zc);
    rsess_cookie_keys_free(keys);
    counts("cookies");
}
END_TEST

Suite *faults_suite(void)
{
    Suite *s = suite_create("faults");
    TCase *t = tcase_create("every allocation fails in turn");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, readers_and_writers);
    tcase_add_test(t, entries);
    tcase_add_test(t, streaming_writer_editing_fprint);
    tcase_add_test(t, text_keys_cluster);
    tcase_add_test(t, cookies);
    suite_add_tcase(s, t);
    return s;
}
