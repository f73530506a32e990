/* Hostile-input bounds (issue 18, items 2 and 3): the keyed hash of the
 * maps, the views' output cap, explain's indentation cap, the memory
 * bounds docs/api.md states ("Memory bounds"), checked with a counting
 * allocator, and refusals under an RLIMIT_AS cap in a child process. */
#include "testutil.h"
#include "refs.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* --- the keyed hash -------------------------------------------------------- */
START_TEST(siphash_is_siphash)
{
    /* rs_siphash with 2 and 4 rounds is libsodium's crypto_shorthash
     * (SipHash-2-4): the round function and the padding are SipHash's */
    unsigned char key[crypto_shorthash_KEYBYTES], msg[64], want[crypto_shorthash_BYTES];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (unsigned char)i;
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (unsigned char)(i * 7 + 3);
    uint64_t k[2] = {0, 0};
    for (int b = 7; b >= 0; b--)
        k[0] = k[0] << 8 | key[b], k[1] = k[1] << 8 | key[8 + b];
    for (size_t len = 0; len <= sizeof msg; len++) {
        crypto_shorthash(want, msg, len, key);
        uint64_t w = 0;
        for (int b = 7; b >= 0; b--)
            w = w << 8 | want[b];
        ck_assert_msg(rs_siphash(k, msg, len, 2, 4) == w, "length %zu", len);
    }
}
END_TEST

START_TEST(map_hash_is_keyed)
{
    /* the maps' hash is SipHash-1-3 under a random key, not a fixed one:
     * with the all-zero key every value would match */
    static const char *const in[] = {"", "a", "user_id", "_csrf_token", "warden.user.user.key"};
    uint64_t zero[2] = {0, 0};
    int same = 0;
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        same += rs_hash_bytes(in[i], strlen(in[i]), 0) == rs_siphash(zero, in[i], strlen(in[i]), 1, 3);
    ck_assert_int_eq(same, 0);
    /* the tag is part of the key: the same bytes under two tags differ */
    ck_assert(rs_hash_bytes("k", 1, 1) != rs_hash_bytes("k", 1, 2));
    /* and equal input gives equal hashes within the process */
    ck_assert(rs_hash_bytes("user_id", 7, 5) == rs_hash_bytes("user_id", 7, 5));
}
END_TEST

START_TEST(map_hash_differs_between_processes)
{
    /* the key is drawn lazily, once a process: two children of a process
     * that has not hashed yet draw two keys, and hash the same bytes apart */
    uint64_t got[2];
    for (int c = 0; c < 2; c++) {
        int fd[2];
        ck_assert_int_eq(pipe(fd), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(fd[0]);
            uint64_t h = rs_hash_bytes("user_id", 7, 0);
            _exit(write(fd[1], &h, sizeof h) == sizeof h ? 0 : 1);
        }
        close(fd[1]);
        ck_assert_int_eq(read(fd[0], &got[c], sizeof got[c]), (int)sizeof got[c]);
        close(fd[0]);
        int st;
        waitpid(pid, &st, 0);
    }
    /* when this process has hashed already, its children share its key */
    uint64_t mine = rs_hash_bytes("user_id", 7, 0);
    if (got[0] != mine || got[1] != mine) ck_assert(got[0] != got[1]);
}
END_TEST

/* --- inputs ------------------------------------------------------------------ */
typedef struct bytes {
    unsigned char *p;
    size_t len;
} bytes;

/* 04 08 then n nested one-item arrays around an empty one */
static bytes nesting(size_t n)
{
    bytes b = {malloc(2 * n + 4), 0};
    b.p[b.len++] = 4, b.p[b.len++] = 8;
    for (size_t i = 0; i < n; i++)
        b.p[b.len++] = '[', b.p[b.len++] = 6;
    b.p[b.len++] = '[', b.p[b.len++] = 0;
    return b;
}

/* Marshal's w_long for 0 < x < 2^31 */
static size_t mlong(unsigned char *q, long x)
{
    if (x < 123) return q[0] = (unsigned char)(x + 5), 1;
    int n = x < 256 ? 1 : x < 65536 ? 2 : x < (1L << 24) ? 3 : 4;
    q[0] = (unsigned char)n;
    for (int i = 0; i < n; i++)
        q[1 + i] = (unsigned char)(x >> (8 * i));
    return (size_t)n + 1;
}

/* an Array of n nils */
static bytes nils(size_t n)
{
    bytes b = {malloc(n + 16), 0};
    b.p[b.len++] = 4, b.p[b.len++] = 8, b.p[b.len++] = '[';
    b.len += mlong(b.p + b.len, (long)n);
    memset(b.p + b.len, '0', n);
    b.len += n;
    return b;
}

/* an Array of n empty Arrays (each a node) */
static bytes empties(size_t n)
{
    bytes b = {malloc(2 * n + 16), 0};
    b.p[b.len++] = 4, b.p[b.len++] = 8, b.p[b.len++] = '[';
    b.len += mlong(b.p + b.len, (long)n);
    for (size_t i = 0; i < n; i++)
        b.p[b.len++] = '[', b.p[b.len++] = 0;
    return b;
}

/* a Hash of n distinct symbol keys (s0, s1...) to nil */
static bytes symbols(size_t n)
{
    bytes b = {malloc(16 * n + 16), 0};
    b.p[b.len++] = 4, b.p[b.len++] = 8, b.p[b.len++] = '{';
    b.len += mlong(b.p + b.len, (long)n);
    for (size_t i = 0; i < n; i++) {
        char k[16];
        int kl = snprintf(k, sizeof k, "s%zu", i);
        b.p[b.len++] = ':';
        b.len += mlong(b.p + b.len, kl);
        memcpy(b.p + b.len, k, (size_t)kl);
        b.len += (size_t)kl;
        b.p[b.len++] = '0';
    }
    return b;
}

/* 40 levels, each holding the next twice: 2^40 paths in 164 bytes */
static rsess_val *fan(rsess_doc *doc, int levels)
{
    rsess_val *f = rsess_new_array(doc);
    for (int i = 0; i < levels; i++) {
        rsess_val *up = rsess_new_array(doc);
        rsess_arr_push(doc, up, f);
        rsess_arr_push(doc, up, f);
        f = up;
    }
    return f;
}

/* A Rails 7.1 entry of a String of n zero bytes (deflated by the writer). */
static rsess_buf zeros_entry(size_t n)
{
    rsess_doc *doc = rsess_doc_new(NULL);
    char *z = calloc(1, n);
    rsess_buf e = {0};
    rsess_entry_opts eo;
    rsess_entry_opts_init(&eo);
    ck_assert_int_eq(rsess_entry_write(rsess_new_str(doc, z, n, RSESS_ENC_BINARY), &eo, &e, NULL), 0);
    free(z);
    rsess_doc_free(doc);
    return e;
}

/* --- the views' output cap and explain's indentation ------------------------- */
START_TEST(fan_out_is_refused_by_the_views)
{
    rsess_doc *doc = rsess_doc_new(NULL);
    rsess_val *f = fan(doc, 40);
    rsess_buf out = {0};
    rsess_err err;
    ck_assert_int_eq(rsess_print(f, RSESS_VIEW_RUBY, 0, &out, &err), RSESS_ERR_NODES);
    ck_assert_msg(strstr(err.text, "repeats shared values"), "%s", err.text);
    ck_assert_uint_eq(out.len, 0);
    /* the stop comes at the cap: 64 MiB + 64 bytes a distinct value */
    ck_assert_uint_le(out.cap, 2 * (RS_VIEW_SLACK + 64 * 200));
    ck_assert_int_eq(rsess_print(f, RSESS_VIEW_JSON, 0, &out, &err), RSESS_ERR_NODES);
    ck_assert_uint_eq(out.len, 0);
    /* typed JSON keeps the links: small and complete */
    ck_assert_int_eq(rsess_print(f, RSESS_VIEW_TYPED, 0, &out, &err), 0);
    ck_assert_uint_lt(out.len, 4096);
    rsess_buf_free(&out);
    rsess_doc_free(doc);
}
END_TEST

START_TEST(long_class_name_under_many_objects_is_refused)
{
    /* one 64 KiB class name (a symbol: linked, not repeated, in Marshal)
     * under 20,000 objects: 1.3 GB of inspect text from 64 KiB + 20,000 slots */
    rsess_doc *doc = rsess_doc_new(NULL);
    char *name = malloc(65536);
    memset(name, 'A', 65536);
    rsess_val *arr = rsess_new_array(doc);
    for (int i = 0; i < 20000; i++)
        ck_assert_int_eq(rsess_arr_push(doc, arr, rsess_new_object(doc, name, 65536)), 0);
    rsess_buf out = {0};
    rsess_err err;
    ck_assert_int_eq(rsess_print(arr, RSESS_VIEW_RUBY, 0, &out, &err), RSESS_ERR_NODES);
    ck_assert_uint_le(out.cap, 2 * (RS_VIEW_SLACK + 64 * 200000) + 2 * 65536);
    rsess_buf_free(&out);
    free(name);
    rsess_doc_free(doc);
}
END_TEST

START_TEST(repeated_singletons_print_in_json)
{
    /* nil and a symbol are one node for any number of slots: printing them
     * again is not a shared value's expansion (JSON refused this before) */
    unsigned char head[] = {4, 8, '[', 3, 0x40, 0x4b, 0x4c, ':', 6, 'a'}; /* 5,000,000 items */
    size_t n = 5000000, len = sizeof head + 2 * n;
    unsigned char *p = malloc(len);
    memcpy(p, head, sizeof head);
    size_t k = sizeof head;
    for (size_t i = 1; i < n; i++) { /* item 0 is :a; then ;0 (links to it) and nil in turn */
        if (i % 2)
            p[k++] = ';', p[k++] = 0;
        else
            p[k++] = '0';
    }
    rsess_err err;
    rsess_doc *doc = rsess_read(p, k, NULL, &err);
    ck_assert_msg(doc != NULL, "%s", err.text);
    rsess_buf out = {0};
    ck_assert_int_eq(rsess_print(rsess_doc_root(doc), RSESS_VIEW_JSON, 0, &out, &err), 0);
    ck_assert_uint_gt(out.len, 3 * n);
    ck_assert_int_eq(rsess_print(rsess_doc_root(doc), RSESS_VIEW_RUBY, 0, &out, &err), 0);
    rsess_buf_free(&out);
    rsess_doc_free(doc);
    free(p);
}
END_TEST

START_TEST(explain_indentation_is_capped)
{
    /* 100,000 levels with max_depth raised: each line is indented at most
     * 64 levels and then names its depth, so the listing stays linear */
    bytes b = nesting(100000);
    rsess_read_opts o;
    rsess_read_opts_init(&o);
    o.limits.max_depth = SIZE_MAX;
    rsess_buf out = {0};
    rsess_err err;
    ck_assert_int_eq(rsess_explain(b.p, b.len, 0, &o, &out, &err), 0);
    ck_assert_uint_lt(out.len, 160 * b.len); /* a line of at most ~220 bytes a level (2 bytes) */
    ck_assert_ptr_nonnull(strstr((const char *)out.data, "(depth 99999) "));
    rsess_buf_free(&out);
    free(b.p);
}
END_TEST

/* --- the stated memory bounds (docs/api.md) ------------------------------------- */
#define KIB ((size_t)1024)
#define FRAME 320 /* heap bytes a nesting level costs a reader (walker frame, cursor level) */

/* Depth is at most one level every 2 bytes, and at most max_depth. */
static size_t depth_of(size_t len, size_t max_depth) { return len / 2 < max_depth ? len / 2 : max_depth; }

/* A peak-counting allocator (sizes come from the library's hooks). */
typedef struct meter {
    size_t live, peak;
} meter;
static meter C;

static void *m_malloc(void *ctx, size_t n)
{
    meter *m = ctx;
    void *p = malloc(n);
    if (p && (m->live += n) > m->peak) m->peak = m->live;
    return p;
}
static void m_free(void *ctx, void *p, size_t n)
{
    if (!p) return;
    ((meter *)ctx)->live -= n;
    free(p);
}
static void *m_realloc(void *ctx, void *p, size_t old, size_t n)
{
    meter *m = ctx;
    void *q = realloc(p, n);
    if (q && (m->live = m->live - old + n) > m->peak) m->peak = m->live;
    return q;
}

static rsess_read_opts metered(rsess_alloc *a, size_t max_depth)
{
    rsess_read_opts o;
    rsess_read_opts_init(&o);
    *a = (rsess_alloc){m_malloc, m_realloc, m_free, &C};
    o.alloc = a;
    o.limits.max_depth = max_depth;
    return o;
}

static void reset(void) { memset(&C, 0, sizeof C); }

#define CHECK_PEAK(what, bound)                                                                              \
    ck_assert_msg(C.peak <= (bound), "%s on %s (%zu bytes): peak %zu over the stated %zu", what, name, len,  \
                  C.peak, (size_t)(bound))

/* Every entry point that reads Marshal, on one input, against its bound. */
static void check_bounds(const char *name, const unsigned char *p, size_t len, size_t max_depth)
{
    rsess_alloc a;
    rsess_read_opts o = metered(&a, max_depth);
    size_t d = depth_of(len, max_depth ? max_depth : RSESS_DEFAULT_MAX_DEPTH);
    rsess_err err;

    reset();
    rsess_doc *doc = rsess_read(p, len, &o, &err);
    CHECK_PEAK("rsess_read", 40 * len + 64 * KIB + FRAME * d);
    rsess_doc_free(doc);

    reset();
    rsess_buf out;
    rsess_buf_init(&out, &a);
    rsess_explain(p, len, 0, &o, &out, &err);
    rsess_buf_free(&out);
    CHECK_PEAK("rsess_explain", 320 * len + 64 * KIB + FRAME * d);

    reset();
    rsess_doc *one = rsess_lookup(p, len, "user_id", 7, &o, &err);
    rsess_doc_free(one);
    CHECK_PEAK("rsess_lookup", 32 * len + 64 * KIB + FRAME * d);

    reset();
    rsess_cursor *c = rsess_cursor_new(p, len, &o, &err);
    size_t n, depth = 0;
    while (c) {
        rsess_type t = rsess_cursor_type(c);
        if (t == RSESS_ARRAY || t == RSESS_HASH) {
            if (rsess_cursor_enter(c, &n, &err)) break;
            depth++;
            continue;
        }
        int rc = rsess_cursor_read(c, &err) ? 0 : (int)err.code;
        if (rc == RSESS_ERR_STATE && depth) {
            if (rsess_cursor_leave(c, &err)) break;
            depth--;
        } else if (rc)
            break;
    }
    rsess_cursor_free(c);
    CHECK_PEAK("cursor walk", 32 * len + 64 * KIB + FRAME * d);

    rsess_read_opts plain = o;
    plain.alloc = NULL;
    doc = rsess_read(p, len, &plain, &err);
    if (!doc) return;
    static const rsess_view views[] = {RSESS_VIEW_RUBY, RSESS_VIEW_JSON, RSESS_VIEW_TYPED};
    for (int v = 0; v < 3; v++) {
        reset();
        rsess_buf_init(&out, &a);
        int rc = rsess_print(rsess_doc_root(doc), views[v], 0, &out, &err);
        size_t text = rc ? 0 : out.len;
        rsess_buf_free(&out);
        /* scratch: marks and frames; the text itself: a buffer at most twice its length,
         * or up to the cap (twice 64 MiB + 64 bytes a value) when a fan-out is refused */
        size_t bound = 2 * text + 8 * len + 64 * KIB + 64 * d;
        if (rc == RSESS_ERR_NODES) bound += 2 * (RS_VIEW_SLACK + 64 * 24 * len);
        CHECK_PEAK(views[v] == RSESS_VIEW_RUBY   ? "print ruby"
                   : views[v] == RSESS_VIEW_JSON ? "print json"
                                                 : "print typed",
                   bound);
    }
    reset();
    rsess_buf_init(&out, &a);
    rsess_write(rsess_doc_root(doc), &out, &err);
    rsess_buf_free(&out);
    CHECK_PEAK("rsess_write", 24 * len + 64 * KIB);
    rsess_doc_free(doc);
}

START_TEST(memory_bounds_hold_on_the_fixtures)
{
    size_t count;
    char **names = fixture_names(&count);
    for (size_t i = 0; i < count; i++) {
        size_t len;
        unsigned char *p = read_fixture(names[i], &len);
        check_bounds(names[i], p, len, 0);
        free(p);
    }
    free_names(names);
}
END_TEST

START_TEST(memory_bounds_hold_on_hostile_inputs)
{
    bytes b = nesting(RSESS_DEFAULT_MAX_DEPTH - 1);
    check_bounds("nesting at max_depth", b.p, b.len, 0);
    free(b.p);
    b = nesting(100000);
    check_bounds("100,000 levels, max_depth raised", b.p, b.len, SIZE_MAX);
    check_bounds("100,000 levels, refused", b.p, b.len, 0);
    free(b.p);
    b = symbols(200000);
    check_bounds("200,000 distinct symbols", b.p, b.len, 0);
    free(b.p);
    b = nils(1000000);
    check_bounds("1,000,000 nils", b.p, b.len, 0);
    free(b.p);
    b = empties(1000000); /* the fewest bytes a node: 2 */
    check_bounds("1,000,000 empty arrays", b.p, b.len, 0);
    free(b.p);
    /* a fan-out read from bytes: 40 levels of [x, x] */
    rsess_doc *doc = rsess_doc_new(NULL);
    rsess_buf m = {0};
    ck_assert_int_eq(rsess_write(fan(doc, 40), &m, NULL), 0);
    check_bounds("fan-out 2^40", m.data, m.len, 0);
    rsess_buf_free(&m);
    rsess_doc_free(doc);
}
END_TEST

START_TEST(memory_bounds_hold_for_entries_json_and_text)
{
    /* an entry inflating to just under max_inflated: the inflated bytes
     * are held at most three times (inflate buffer, document copy, growth) */
    size_t big = RSESS_DEFAULT_MAX_INFLATED - 4096;
    rsess_buf e = zeros_entry(big);
    rsess_alloc a;
    rsess_read_opts o = metered(&a, 0);
    rsess_err err;
    const char *name = "a 64 MiB inflate";
    size_t len = e.len;
    reset();
    rsess_doc *d = rsess_entry_read(e.data, e.len, &o, NULL, &err);
    ck_assert_msg(d != NULL, "%s", err.text);
    rsess_doc_free(d);
    CHECK_PEAK("rsess_entry_read", 16 * len + 64 * KIB + 3 * RSESS_DEFAULT_MAX_INFLATED);
    /* refused past the limit, within the same bound */
    o.limits.max_inflated = big / 2;
    reset();
    ck_assert_ptr_null(rsess_entry_read(e.data, e.len, &o, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_INFLATE);
    CHECK_PEAK("rsess_entry_read (refused)", 16 * len + 64 * KIB + 3 * (big / 2));
    rsess_buf_free(&e);

    /* JSON: 200,000 keys, and 100,000 levels */
    rsess_json_opts jo;
    rsess_json_opts_init(&jo);
    jo.alloc = &a;
    rsess_buf t = {0};
    rsess_buf_append(&t, "{", 1);
    for (int i = 0; i < 200000; i++) {
        char k[32];
        int n = snprintf(k, sizeof k, "%s\"k%d\":[%d]", i ? "," : "", i, i);
        rsess_buf_append(&t, k, (size_t)n);
    }
    rsess_buf_append(&t, "}", 1);
    name = "200,000 JSON keys";
    len = t.len;
    reset();
    ck_assert_int_eq(rsess_from_json((const char *)t.data, t.len, &jo, &d, &err), 0);
    rsess_doc_free(d);
    CHECK_PEAK("rsess_from_json", 48 * len + 64 * KIB);
    t.len = 0;
    for (int i = 0; i < 100000; i++)
        rsess_buf_append(&t, "[", 1);
    for (int i = 0; i < 100000; i++)
        rsess_buf_append(&t, "]", 1);
    jo.max_nesting = SIZE_MAX;
    name = "100,000 JSON levels";
    len = t.len;
    reset();
    ck_assert_int_eq(rsess_from_json((const char *)t.data, t.len, &jo, &d, &err), 0);
    rsess_doc_free(d);
    CHECK_PEAK("rsess_from_json", 48 * len + 64 * KIB + 2 * FRAME * (len / 2));
    rsess_buf_free(&t);

    /* typed JSON of 200,000 distinct symbols */
    bytes sy = symbols(200000);
    d = rsess_read(sy.p, sy.len, NULL, &err);
    ck_assert_ptr_nonnull(d);
    rsess_buf_init(&t, NULL);
    ck_assert_int_eq(rsess_print(rsess_doc_root(d), RSESS_VIEW_TYPED, 0, &t, &err), 0);
    rsess_doc_free(d);
    free(sy.p);
    name = "typed JSON of 200,000 symbols";
    len = t.len;
    reset();
    ck_assert_int_eq(rsess_from_typed_json((const char *)t.data, t.len, &jo, &d, &err), 0);
    rsess_doc_free(d);
    CHECK_PEAK("rsess_from_typed_json", 48 * len + 64 * KIB);
    rsess_buf_free(&t);

    /* CLUSTER NODES: 16,384 masters (a slot each) and 83,616 replicas */
    rsess_buf_init(&t, NULL);
    for (int k = 0; k < 100000; k++) {
        char line[200];
        int n =
            k < 16384
                ? snprintf(line, sizeof line, "%040x 10.0.%d.%d:6379@16379 master - 0 1 %d connected %d\n", k,
                           k / 256 % 256, k % 256, k, k)
                : snprintf(line, sizeof line, "%040x 10.1.%d.%d:6379@16379 slave %040x 0 1 %d connected\n", k,
                           k / 256 % 256, k % 256, k % 16384, k);
        rsess_buf_append(&t, line, (size_t)n);
    }
    name = "CLUSTER NODES, 100,000 lines";
    len = t.len;
    reset();
    rsess_cluster_map *cm;
    ck_assert_int_eq(rsess_cluster_map_parse((const char *)t.data, t.len, &a, &cm, &err), 0);
    ck_assert_uint_eq(rsess_cluster_map_masters(cm), 16384);
    rsess_cluster_map_free(cm);
    CHECK_PEAK("rsess_cluster_map_parse", len / 16 + 256 * KIB);
    rsess_buf_free(&t);

    /* quoted text: the output only */
    rsess_buf q = {0}, out;
    rsess_buf_append(&q, "\"", 1);
    for (int i = 0; i < 100000; i++)
        rsess_buf_append(&q, "\\x41\\n", 6);
    rsess_buf_append(&q, "\"", 1);
    name = "quoted escapes";
    len = q.len;
    reset();
    rsess_buf_init(&out, &a);
    ck_assert_int_eq(rsess_unquote((const char *)q.data, q.len, &out, &err), 0);
    rsess_buf_free(&out);
    CHECK_PEAK("rsess_unquote", len + 64);
    rsess_buf_free(&q);
}
END_TEST

/* --- refusals under an address-space cap ------------------------------------------ */
typedef struct capcase {
    const char *what;
    bytes in;
    size_t max_depth, max_nodes, max_input;
    int entry;    /* rsess_entry_read instead of rsess_read */
    int ok1, ok2; /* the codes accepted (0: success) */
} capcase;

/* In a child capped at its size now + `room`: each case must return one of
 * its codes; an abort, a signal or another code fails. */
static void run_capped(const capcase *cases, int n, size_t room)
{
#ifdef UNDER_ASAN
    (void)cases, (void)n, (void)room;
    return; /* ASan reserves terabytes of address space: RLIMIT_AS cannot apply */
#else
    const char *pre = getenv("LD_PRELOAD");
    if (pre && strstr(pre, "vgpreload")) return; /* valgrind manages the address space itself */
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        FILE *fp = fopen("/proc/self/statm", "r");
        unsigned long pages = 0;
        if (!fp || fscanf(fp, "%lu", &pages) != 1) _exit(90);
        fclose(fp);
        struct rlimit r;
        r.rlim_cur = r.rlim_max = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + room;
        if (setrlimit(RLIMIT_AS, &r)) _exit(91);
        for (int i = 0; i < n; i++) {
            const capcase *k = &cases[i];
            rsess_read_opts o;
            rsess_read_opts_init(&o);
            o.limits.max_depth = k->max_depth;
            o.limits.max_nodes = k->max_nodes;
            o.limits.max_input = k->max_input;
            rsess_err err = {0};
            rsess_doc *d = k->entry ? rsess_entry_read(k->in.p, k->in.len, &o, NULL, &err)
                                    : rsess_read(k->in.p, k->in.len, &o, &err);
            int code = d ? 0 : (int)err.code;
            if (d) {
                rsess_buf out = {0};
                int rc = rsess_print(rsess_doc_root(d), RSESS_VIEW_JSON, 0, &out, &err);
                rsess_buf_free(&out);
                if (rc && rc != RSESS_ERR_NOMEM && rc != RSESS_ERR_NODES) _exit(40 + i);
            }
            rsess_doc_free(d);
            rsess_buf ex = {0};
            int xc = rsess_explain(k->in.p, k->in.len, 0, &o, &ex, &err);
            rsess_buf_free(&ex);
            if (code != k->ok1 && code != k->ok2) {
                fprintf(stderr, "under the cap, %s: %d (%s)\n", k->what, code, err.text);
                _exit(10 + i);
            }
            if (xc && xc != k->ok1 && xc != k->ok2 && xc != RSESS_ERR_NOMEM) {
                fprintf(stderr, "under the cap, explain %s: %d (%s)\n", k->what, xc, err.text);
                _exit(60 + i);
            }
        }
        _exit(0);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st), "the capped child died of signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    ck_assert_msg(WEXITSTATUS(st) == 0, "the capped child failed case %d", WEXITSTATUS(st));
#endif
}

START_TEST(limits_refuse_cleanly_under_an_address_space_cap)
{
    /* an entry inflating past max_inflated */
    rsess_buf e = zeros_entry(RSESS_DEFAULT_MAX_INFLATED + 4096);
    capcase cases[] = {
        {"nesting past max_depth", nesting(100000), 0, 0, 0, 0, RSESS_ERR_DEPTH, RSESS_ERR_DEPTH},
        {"nesting at max_depth", nesting(RSESS_DEFAULT_MAX_DEPTH - 1), 0, 0, 0, 0, 0, 0},
        {"1,000,000 levels, max_depth raised", nesting(1000000), SIZE_MAX, 0, 0, 0, 0, RSESS_ERR_NOMEM},
        {"nodes past the default max_nodes: refused, or out of memory first",
         empties(RSESS_DEFAULT_MAX_NODES + 16), 0, 0, 0, 0, RSESS_ERR_NODES, RSESS_ERR_NOMEM},
        {"nodes past max_nodes", empties(1000016), 0, 1000000, 0, 0, RSESS_ERR_NODES, RSESS_ERR_NODES},
        {"40,000,000 nils, max_nodes raised: out of memory", nils(40000000), 0, SIZE_MAX, 0, 0,
         RSESS_ERR_NOMEM, 0},
        {"input past max_input", nils(2000000), 0, 0, 1u << 20, 0, RSESS_ERR_SIZE, RSESS_ERR_SIZE},
        {"inflate past max_inflated", {e.data, e.len}, 0, 0, 0, 1, RSESS_ERR_INFLATE, RSESS_ERR_INFLATE},
        {"400,000 distinct symbols", symbols(400000), 0, 0, 0, 0, 0, RSESS_ERR_NOMEM},
    };
    int n = (int)(sizeof cases / sizeof cases[0]);
    run_capped(cases, n, (size_t)384 << 20);
    for (int i = 0; i < n; i++)
        if (!cases[i].entry) free(cases[i].in.p);
    rsess_buf_free(&e);
}
END_TEST

Suite *limits_suite(void)
{
    Suite *s = suite_create("limits");
    TCase *t = tcase_create("limits");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, siphash_is_siphash);
    tcase_add_test(t, map_hash_is_keyed);
    tcase_add_test(t, map_hash_differs_between_processes);
    tcase_add_test(t, fan_out_is_refused_by_the_views);
    tcase_add_test(t, long_class_name_under_many_objects_is_refused);
    tcase_add_test(t, repeated_singletons_print_in_json);
    tcase_add_test(t, explain_indentation_is_capped);
    tcase_add_test(t, memory_bounds_hold_on_the_fixtures);
    tcase_add_test(t, memory_bounds_hold_on_hostile_inputs);
    tcase_add_test(t, memory_bounds_hold_for_entries_json_and_text);
    tcase_add_test(t, limits_refuse_cleanly_under_an_address_space_cap);
    suite_add_tcase(s, t);
    return s;
}
