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

/* Calls each(fields) for every row of the TSV file (nf fields, '#' lines
 * skipped): the number of rows. */
static size_t each_row(const char *path, size_t nf, void (*each)(char **f))
{
    size_t len, rows = 0;
    char *tsv = (char *)read_file(path, &len);
    for (char *line = strtok(tsv, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#') continue;
        char *f[8];
        ck_assert_int_eq(tu_fields(line, f, (int)nf), (int)nf);
        each(f);
        rows++;
    }
    free(tsv);
    return rows;
}

static void check_row(char **f) { check_case(f[0], f[1], f[2], f[3]); }

START_TEST(dupkeys_views_match_ruby) { ck_assert_uint_ge(each_row(DUPKEYS "/expect.tsv", 4, check_row), 33); }
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
typedef struct lookup_ctx {
    const unsigned char *in;
    size_t len;
    const char *key;
} lookup_ctx;

static int lookup_call(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    lookup_ctx *l = ctx;
    rsess_read_opts o;
    rsess_read_opts_init(&o);
    o.alloc = a;
    rsess_err err;
    alloc_arm(c, k);
    rsess_doc *d = rsess_lookup(l->in, l->len, l->key, strlen(l->key), &o, &err);
    c->fail_at = 0;
    rsess_doc_free(d);
    return d ? 0 : err.code;
}

/* A lookup past the match (the keys after it read, a repeat's value built)
 * fails cleanly where memory does. */
START_TEST(dupkeys_lookup_allocation_failures)
{
    static const char *const cases[][2] = {{"string_twice", "a"}, {"many_strings", "k3"}, {"string_linked_twice", "k"}};
    for (size_t i = 0; i < 3; i++) {
        char path[256];
        snprintf(path, sizeof path, DUPKEYS "/%s.bin", cases[i][0]);
        lookup_ctx l = {NULL, 0, cases[i][1]};
        l.in = read_file(path, &l.len);
        ck_assert_int_gt(alloc_sweep(cases[i][0], lookup_call, &l), 0);
        free((void *)l.in);
    }
}
END_TEST

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

/* --- the accessors, the editor and the lookup against Ruby ------------------------- */
static size_t unhex(const char *hex, char *out)
{
    size_t n = 0;
    for (; hex[0] && hex[1]; hex += 2) {
        unsigned x;
        ck_assert_int_eq(sscanf(hex, "%2x", &x), 1);
        out[n++] = (char)x;
    }
    return n;
}

/* The pair index of the first key of that kind with these bytes. */
static size_t first_key(const rsess_val *h, const char *key, size_t n, rsess_type type)
{
    for (size_t i = 0; i < rsess_len(h); i++) {
        size_t kl;
        const rsess_val *k = rsess_hash_key(h, i);
        const char *kb = rsess_bytes(k, &kl);
        if (rsess_type_of(k) == type && kl == n && (n == 0 || memcmp(kb, key, n) == 0)) return i;
    }
    ck_abort_msg("no such key");
    return 0;
}

/* What Ruby loads from the document as rsess_write writes it. */
static void check_written(const rsess_val *root, const char *want, const char *what)
{
    rsess_buf w;
    rsess_buf_init(&w, NULL);
    rsess_err err;
    ck_assert_int_eq(rsess_write(root, &w, &err), 0);
    rsess_doc *back = rsess_read(w.data, w.len, NULL, &err);
    ck_assert_msg(back != NULL, "%s: %s", what, err.text);
    int rc;
    char *got = print_view(rsess_doc_root(back), RSESS_VIEW_RUBY, NULL, &rc);
    ck_assert_msg(rc == 0 && strcmp(got, want) == 0, "%s:\n  got  %s\n  want %s", what, got, want);
    free(got);
    rsess_doc_free(back);
    rsess_buf_free(&w);
}

static void check_value(const rsess_val *v, const char *want, const char *what)
{
    ck_assert_msg(v != NULL, "%s: no value", what);
    int rc;
    char *got = print_view(v, RSESS_VIEW_RUBY, NULL, &rc);
    ck_assert_msg(rc == 0 && strcmp(got, want) == 0, "%s:\n  got  %s\n  want %s", what, got, want);
    free(got);
}

/* f: name, kind, key (hex), h[k], after h[k] = 99, after h.delete(k) */
static void check_edit(char **f)
{
    char key[256], what[512];
    size_t n = unhex(f[2], key);
    bool sym = strcmp(f[1], "symbol") == 0;
    rsess_key_kind kind = sym ? RSESS_KEY_SYMBOL : RSESS_KEY_STRING;
    rsess_type type = sym ? RSESS_SYMBOL : RSESS_STRING;
    snprintf(what, sizeof what, "%s %s %s", f[0], f[1], f[2]);

    rsess_doc *d = dupkeys_doc(f[0]);
    rsess_val *h = rsess_doc_root(d);
    size_t i = first_key(h, key, n, type);
    check_value(rsess_hash_find(h, key, n, kind), f[3], what);
    /* the ANY forms, when this kind's key comes first */
    size_t kl;
    const char *k0 = NULL;
    for (size_t j = 0; j < rsess_len(h) && !k0; j++) {
        const char *kb = rsess_bytes(rsess_hash_key(h, j), &kl);
        rsess_type t = rsess_type_of(rsess_hash_key(h, j));
        if ((t == RSESS_STRING || t == RSESS_SYMBOL) && kl == n && (n == 0 || memcmp(kb, key, n) == 0))
            k0 = t == type ? kb : "";
    }
    if (k0 && k0[0]) {
        check_value(rsess_hash_get(h, key, n), f[3], what);
        if (!memchr(key, 0, n)) {
            key[n] = 0;
            check_value(rsess_hash_gets(h, key), f[3], what);
        }
    }
    /* the lookup on the bytes */
    char path[256];
    snprintf(path, sizeof path, DUPKEYS "/%s.bin", f[0]);
    size_t len;
    unsigned char *in = read_file(path, &len);
    rsess_err err;
    rsess_doc *l = rsess_lookup_find(in, len, key, n, kind, NULL, &err);
    ck_assert_msg(l != NULL, "%s lookup: %s", what, err.text);
    check_value(rsess_doc_root(l), f[3], what);
    rsess_doc_free(l);
    free(in);

    /* h[k] = 99 with the key node Ruby's Hash keeps */
    size_t pairs = rsess_len(h);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_hash_key(h, i), rsess_new_int(d, 99)), 0);
    ck_assert_uint_eq(rsess_len(h), pairs); /* every eql? pair has the value: none goes */
    check_written(h, f[4], what);
    rsess_doc_free(d);
    /* the same through the byte forms where the key is one Ruby finds eql? */
    d = dupkeys_doc(f[0]);
    h = rsess_doc_root(d);
    rsess_val *k = rsess_hash_key(h, i);
    bool ascii = true;
    for (size_t j = 0; j < n; j++) ascii = ascii && (unsigned char)key[j] < 128;
    if (sym || ascii || rsess_encoding(k) == RSESS_ENC_UTF8) { /* eql? to a UTF-8 String of these bytes */
        rsess_val *v = rsess_new_int(d, 99);
        int rc = sym ? rsess_hash_set_sym(d, h, key, n, v) : rsess_hash_set_str(d, h, key, n, v);
        ck_assert_int_eq(rc, 0);
        check_written(h, f[4], what);
        int64_t got = 0;
        ck_assert(rsess_int(rsess_hash_find(h, key, n, kind), &got) && got == 99);
    }
    rsess_doc_free(d);
    /* h.delete(k) */
    d = dupkeys_doc(f[0]);
    h = rsess_doc_root(d);
    ck_assert_int_eq(rsess_hash_delete(d, h, key, n, kind), 0);
    check_written(h, f[5], what);
    bool left = false; /* a key of these bytes Ruby keeps apart ("\xC3\xA9" BINARY after "é" goes) */
    for (size_t j = 0; j < rsess_len(h); j++) {
        const char *kb = rsess_bytes(rsess_hash_key(h, j), &kl);
        left = left || (rsess_type_of(rsess_hash_key(h, j)) == type && kl == n && (n == 0 || memcmp(kb, key, n) == 0));
    }
    if (!left) ck_assert_msg(rsess_hash_find(h, key, n, kind) == NULL, "%s: found after the delete", what);
    rsess_doc_free(d);
}

START_TEST(dupkeys_edits_match_ruby) { ck_assert_uint_ge(each_row(DUPKEYS "/edits.tsv", 6, check_edit), 30); }
END_TEST

/* Ruby's text with its first `from` replaced by `to`. */
static char *replaced(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    ck_assert_msg(at != NULL, "no %s in Ruby's text", from);
    size_t head = (size_t)(at - text), fl = strlen(from), tl = strlen(to), n = strlen(text) - fl + tl;
    char *out = malloc(n + 1);
    memcpy(out, text, head);
    memcpy(out + head, to, tl);
    strcpy(out + head + tl, at + fl);
    return out;
}

static int64_t ruby_int_after(const char *text, const char *key)
{
    const char *at = strstr(text, key);
    ck_assert_msg(at != NULL, "no %s in Ruby's text", key);
    return strtoll(at + strlen(key), NULL, 10);
}

/* 100,000 pairs, 1,000 String keys 100 times each and one Integer key
 * 100,000 times: get, lookup, set and delete stay linear and answer as
 * Ruby's loaded Hash (the expected texts are Ruby's, one entry edited). */
START_TEST(dupkeys_big_edits)
{
    size_t len, il;
    unsigned char *in = read_gz("big_collide", "bin", &len);
    char *inspect = (char *)read_gz("big_collide", "inspect", &il);
    rsess_err err;
    static const char *const keys[] = {"k0", "k1", "k500", "k999"};
    for (size_t i = 0; i < 4; i++) {
        char needle[32];
        snprintf(needle, sizeof needle, "\"%s\" => ", keys[i]);
        int64_t want = ruby_int_after(inspect, needle), got = -1;
        rsess_doc *doc = rsess_read(in, len, NULL, &err);
        ck_assert(doc != NULL);
        ck_assert(rsess_int(rsess_hash_gets(rsess_doc_root(doc), keys[i]), &got) && got == want);
        rsess_doc *l = rsess_lookup_find(in, len, keys[i], strlen(keys[i]), RSESS_KEY_STRING, NULL, &err);
        ck_assert_msg(l != NULL, "%s", err.text);
        ck_assert(rsess_int(rsess_doc_root(l), &got) && got == want);
        rsess_doc_free(l);
        rsess_doc_free(doc);
    }
    /* "k0" = 99, then delete "k1" */
    rsess_doc *doc = rsess_read(in, len, NULL, &err);
    rsess_val *h = rsess_doc_root(doc);
    ck_assert_int_eq(rsess_hash_set_str(doc, h, "k0", 2, rsess_new_int(doc, 99)), 0);
    ck_assert_uint_eq(rsess_len(h), 100000);
    char *want = replaced(inspect, "\"k0\" => 99000", "\"k0\" => 99");
    ck_assert_int_eq(rsess_hash_delete(doc, h, "k1", 2, RSESS_KEY_STRING), 0);
    ck_assert_uint_eq(rsess_len(h), 99900);
    char *want2 = replaced(want, "\"k1\" => 99001, ", "");
    check_written(h, want2, "big_collide set k0, delete k1");
    free(want);
    free(want2);
    rsess_doc_free(doc);
    free(in);
    free(inspect);

    in = read_gz("big_same_key", "bin", &len);
    inspect = (char *)read_gz("big_same_key", "inspect", &il);
    doc = rsess_read(in, len, NULL, &err);
    h = rsess_doc_root(doc);
    ck_assert_int_eq(rsess_hash_set(doc, h, rsess_new_int(doc, 0), rsess_new_int(doc, 99)), 0);
    want = replaced(inspect, "0 => 99999", "0 => 99");
    check_written(h, want, "big_same_key set 0");
    free(want);
    rsess_doc_free(doc);
    free(in);
    free(inspect);
}
END_TEST

Suite *key_eql_suite(void)
{
    Suite *s = suite_create("key_eql");
    TCase *t = tcase_create("dupkeys");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, dupkeys_views_match_ruby);
    tcase_add_test(t, dupkeys_hostile_sizes);
    tcase_add_test(t, dupkeys_edits_match_ruby);
    tcase_add_test(t, dupkeys_big_edits);
    tcase_add_test(t, key_eql_pairs);
    tcase_add_test(t, pairplan_work_runs_out);
    tcase_add_test(t, dupkeys_allocation_failures);
    tcase_add_test(t, dupkeys_typed_keeps_pairs);
    tcase_add_test(t, dupkeys_lookup_allocation_failures);
    suite_add_tcase(s, t);
    return s;
}
