/* Hash keys Ruby's way (lib/key_eql.c): eql?, and the Ruby and JSON views
 * of Hashes whose bytes repeat a key against what Ruby 3.1 makes of them
 * (tests/fixtures/dupkeys, generate_dupkeys.rb). */
#include "testutil.h"

#include "key_eql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define DUPKEYS "fixtures/dupkeys"

static char *print_view(const rsess_val *v, rsess_view view, const rsess_alloc *a, int *rc)
{
    rsess_buf b;
    rsess_buf_init(&b, a);
    rsess_err err;
    *rc = rsess_print(v, view, 0, &b, &err);
    char *s = strndup(b.data ? (const char *)b.data : "", b.len);
    rsess_buf_free(&b);
    return s;
}

static void check_case(const char *name, const char *inspect, const char *json, const char *pairs)
{
    char path[256];
    snprintf(path, sizeof path, DUPKEYS "/%s.bin", name);
    size_t len;
    unsigned char *in = read_file(path, &len);
    rsess_err err;
    rsess_doc *doc = rsess_read(in, len, NULL, &err);
    ck_assert_msg(doc != NULL, "%s: %s", name, err.text);
    const rsess_val *root = rsess_doc_root(doc);
    int rc;
    char *got = print_view(root, RSESS_VIEW_RUBY, NULL, &rc);
    ck_assert_msg(rc == 0, "%s ruby: %s", name, rsess_strerror(rc));
    if (strcmp(inspect, "-") != 0)
        ck_assert_msg(strcmp(got, inspect) == 0, "%s ruby:\n  got  %s\n  want %s", name, got, inspect);
    char *ruby = got;
    got = print_view(root, RSESS_VIEW_JSON, NULL, &rc);
    ck_assert_msg(rc == 0, "%s json: %s", name, rsess_strerror(rc));
    if (strcmp(json, "-") != 0) ck_assert_msg(strcmp(got, json) == 0, "%s json:\n  got  %s\n  want %s", name, got, json);
    free(got);
    if (strcmp(pairs, "-") != 0) /* the document keeps every pair of the bytes */
        ck_assert_uint_eq(rsess_len(root), strtoul(pairs, NULL, 10));
    /* and writes them back byte for byte; read back, the same views */
    rsess_buf w;
    rsess_buf_init(&w, NULL);
    ck_assert_int_eq(rsess_write(root, &w, &err), 0);
    ck_assert_msg(w.len == len && memcmp(w.data, in, len) == 0, "%s: not written back as read", name);
    rsess_doc *back = rsess_read(w.data, w.len, NULL, &err);
    ck_assert_msg(back != NULL, "%s: %s", name, err.text);
    ck_assert_uint_eq(rsess_len(rsess_doc_root(back)), rsess_len(root));
    got = print_view(rsess_doc_root(back), RSESS_VIEW_RUBY, NULL, &rc);
    ck_assert_msg(rc == 0 && strcmp(got, ruby) == 0, "%s written and read back:\n  got  %s\n  want %s", name, got, ruby);
    free(got);
    free(ruby);
    rsess_doc_free(back);
    rsess_buf_free(&w);
    rsess_doc_free(doc);
    free(in);
}

START_TEST(dupkeys_views_match_ruby)
{
    size_t len;
    char *tsv = (char *)read_file(DUPKEYS "/expect.tsv", &len);
    size_t rows = 0;
    for (char *line = strtok(tsv, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#') continue;
        char *f[4];
        ck_assert_int_eq(tu_fields(line, f, 4), 4);
        check_case(f[0], f[1], f[2], f[3]);
        rows++;
    }
    ck_assert_uint_ge(rows, 33);
    free(tsv);
}
END_TEST

static unsigned char *read_gz(const char *name, const char *ext, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, DUPKEYS "/big/%s.%s.gz", name, ext);
    gzFile gz = gzopen(path, "rb");
    ck_assert_msg(gz != NULL, "cannot open %s", path);
    size_t cap = 1 << 16, n = 0;
    unsigned char *p = malloc(cap + 1);
    for (int got; (got = gzread(gz, p + n, (unsigned)(cap - n))) > 0;) {
        n += (size_t)got;
        if (n == cap) p = realloc(p, (cap *= 2) + 1);
    }
    gzclose(gz);
    p[n] = 0;
    *len = n;
    return p;
}

/* 100,000 pairs: one key, all distinct, 1,000 keys 100 times each. */
START_TEST(dupkeys_hostile_sizes)
{
    static const char *const names[] = {"big_same_key", "big_distinct", "big_collide"};
    for (size_t i = 0; i < 3; i++) {
        size_t len, il, jl;
        unsigned char *in = read_gz(names[i], "bin", &len);
        char *inspect = (char *)read_gz(names[i], "inspect", &il), *json = (char *)read_gz(names[i], "json", &jl);
        rsess_err err;
        rsess_doc *doc = rsess_read(in, len, NULL, &err);
        ck_assert_msg(doc != NULL, "%s: %s", names[i], err.text);
        ck_assert_uint_eq(rsess_len(rsess_doc_root(doc)), 100000);
        int rc;
        char *got = print_view(rsess_doc_root(doc), RSESS_VIEW_RUBY, NULL, &rc);
        ck_assert_msg(rc == 0 && strcmp(got, inspect) == 0, "%s: the Ruby view differs", names[i]);
        free(got);
        got = print_view(rsess_doc_root(doc), RSESS_VIEW_JSON, NULL, &rc);
        ck_assert_msg(rc == 0 && strcmp(got, json) == 0, "%s: the JSON view differs", names[i]);
        free(got);
        rsess_doc_free(doc);
        free(in);
        free(inspect);
        free(json);
    }
}
END_TEST

/* --- eql? itself ------------------------------------------------------------------ */
static rsess_doc *doc_of(const char *bytes, size_t n)
{
    rsess_err err;
    rsess_doc *d = rsess_read(bytes, n, NULL, &err);
    ck_assert_msg(d != NULL, "%s", err.text);
    return d;
}

/* The document of tests/fixtures/dupkeys/NAME.bin (read copying: the
 * bytes are freed at once). */
static rsess_doc *dupkeys_doc(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, DUPKEYS "/%s.bin", name);
    size_t len;
    unsigned char *in = read_file(path, &len);
    rsess_doc *d = doc_of((const char *)in, len);
    free(in);
    return d;
}

START_TEST(key_eql_pairs)
{
    /* [1, 1.0, 0.0, -0.0, "a", "a".b, "\u00e9", "\u00e9".b, [1, "a"], [1, "a"], [1.0, "a"], :a, "a"] */
    static const char in[] = "\x04\x08[\x12" "i\x06" "f\x06" "1" "f\x06" "0" "f\x07" "-0"
                             "I\"\x06" "a\x06:\x06" "ET" "\"\x06" "a" "I\"\x07\xc3\xa9\x06;\x00T" "\"\x07\xc3\xa9"
                             "[\x07i\x06I\"\x06" "a\x06;\x00T" "[\x07i\x06I\"\x06" "a\x06;\x00T"
                             "[\x07" "f\x06" "1" "I\"\x06" "a\x06;\x00T" ":\x06" "a" "I\"\x06" "a\x06;\x00T";
    rsess_doc *d = doc_of(in, sizeof in - 1);
    const rsess_val *a = rsess_doc_root(d);
    ck_assert_uint_eq(rsess_len(a), 13);
#define E(i) rsess_arr_get(a, i)
    ck_assert(!rs_loaded_key_eql(E(0), E(1), false));  /* 1 vs 1.0 */
    ck_assert(rs_loaded_key_eql(E(2), E(3), false));   /* 0.0 eql? -0.0 */
    ck_assert(!rs_loaded_key_eql(E(2), E(3), true));   /* not the same object */
    ck_assert(rs_loaded_key_eql(E(4), E(5), false));   /* ASCII-only: any encoding */
    ck_assert(!rs_loaded_key_eql(E(4), E(5), true));
    ck_assert(!rs_loaded_key_eql(E(6), E(7), false));  /* the same bytes, not the same characters */
    ck_assert(rs_loaded_key_eql(E(8), E(9), false));   /* Array#eql? */
    ck_assert(!rs_loaded_key_eql(E(8), E(10), false)); /* 1 vs 1.0 inside */
    ck_assert(!rs_loaded_key_eql(E(11), E(12), false)); /* :a vs "a" */
    ck_assert(rs_loaded_key_eql(E(4), E(12), false));
    ck_assert(rs_loaded_key_eql(E(8), E(8), true));
    /* the editor's (rsess_hash_set) as documented: other keys by node */
    ck_assert(!rs_key_eql(E(8), E(9), false));
    ck_assert(rs_key_eql(E(8), E(8), false));
    ck_assert(rs_key_eql(E(2), E(3), false));
    ck_assert(rs_key_eql(E(4), E(5), false));
#undef E
    rsess_doc_free(d);
}
END_TEST

/* Comparing keys costs work; a print that runs out of it is refused. */
START_TEST(pairplan_work_runs_out)
{
    rsess_doc *d = dupkeys_doc("many_strings");
    rs_pairplan p;
    size_t work = 3;
    ck_assert_int_eq(rs_pairplan_make(&p, rsess_doc_root(d), NULL, &work), RSESS_ERR_NODES);
    rs_pairplan_free(&p, NULL);
    work = RS_KEY_WORK;
    ck_assert_int_eq(rs_pairplan_make(&p, rsess_doc_root(d), NULL, &work), 0);
    ck_assert_uint_eq(p.n, 11);
    ck_assert_uint_lt(work, RS_KEY_WORK);
    rs_pairplan_free(&p, NULL);
    rsess_doc_free(d);
}
END_TEST

/* Every allocation of a print with repeated keys can fail cleanly. */
typedef struct sweep_ctx {
    const rsess_val *root;
    rsess_view view;
} sweep_ctx;

static int print_call(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    sweep_ctx *s = ctx;
    rsess_buf b;
    rsess_buf_init(&b, a);
    alloc_arm(c, k);
    int rc = rsess_print(s->root, s->view, 0, &b, NULL);
    c->fail_at = 0;
    rsess_buf_free(&b);
    return rc;
}

START_TEST(dupkeys_allocation_failures)
{
    static const char *const names[] = {"many_mixed", "set_repeats", "in_struct", "int_vs_string"};
    for (size_t i = 0; i < 4; i++) {
        rsess_doc *d = dupkeys_doc(names[i]);
        sweep_ctx s = {rsess_doc_root(d), RSESS_VIEW_RUBY};
        ck_assert_int_gt(alloc_sweep(names[i], print_call, &s), 0);
        s.view = RSESS_VIEW_JSON;
        ck_assert_int_gt(alloc_sweep(names[i], print_call, &s), 0);
        rsess_doc_free(d);
    }
}
END_TEST

/* The typed view is faithful to the bytes: both pairs. */
START_TEST(dupkeys_typed_keeps_pairs)
{
    rsess_doc *d = dupkeys_doc("int_twice");
    int rc;
    char *got = print_view(rsess_doc_root(d), RSESS_VIEW_TYPED, NULL, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(got, "{\"hash\":[[1,2],[1,3]]}");
    free(got);
    rsess_doc_free(d);
}
END_TEST

Suite *key_eql_suite(void)
{
    Suite *s = suite_create("key_eql");
    TCase *t = tcase_create("dupkeys");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, dupkeys_views_match_ruby);
    tcase_add_test(t, dupkeys_hostile_sizes);
    tcase_add_test(t, key_eql_pairs);
    tcase_add_test(t, pairplan_work_runs_out);
    tcase_add_test(t, dupkeys_allocation_failures);
    tcase_add_test(t, dupkeys_typed_keeps_pairs);
    suite_add_tcase(s, t);
    return s;
}
