/* The pull cursor (lib/cursor.c): a walk gives what the full decode gives. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The pull reader: walking every fixture, reading some items and skipping
 * others, gives what the full decode has at the same places. */
static void expect_same(const rsess_val *a, const rsess_val *b, const char *name, size_t i)
{
    char *x = show_value(a, RSESS_VIEW_RUBY), *y = show_value(b, RSESS_VIEW_RUBY);
    ck_assert_msg(!strcmp(x, y), "%s item %zu:\n  cursor %s\n  full   %s", name, i, y, x);
    free(x);
    free(y);
}

static size_t walk_children(rsess_cursor *c, const rsess_val *full, const char *name, int mode, int level)
{
    size_t checked = 0, n = rsess_len(full), items = rsess_type_of(full) == RSESS_HASH ? 2 * n : n;
    for (size_t i = 0; i < items; i++) {
        const rsess_val *want = rsess_type_of(full) == RSESS_HASH ? (i % 2 ? rsess_hash_val(full, i / 2) : rsess_hash_key(full, i / 2))
                                                                  : rsess_arr_get(full, i);
        rsess_type t = rsess_cursor_type(c);
        bool container = t == RSESS_ARRAY || t == RSESS_HASH;
        if (container && level < 3 && (i + (size_t)mode) % 3 == 0) {
            size_t m = 99;
            ck_assert_int_eq(rsess_cursor_enter(c, &m, NULL), 0);
            ck_assert_uint_eq(m, rsess_len(want));
            checked += walk_children(c, want, name, mode, level + 1);
            ck_assert_int_eq(rsess_cursor_leave(c, NULL), 0);
        } else if ((i + (size_t)mode) % 2) {
            ck_assert_int_eq(rsess_cursor_skip(c, NULL), 0);
        } else {
            rsess_err err;
            rsess_val *v = rsess_cursor_read(c, &err);
            ck_assert_msg(v, "%s item %zu: %s", name, i, err.text);
            expect_same(want, v, name, i);
            checked++;
        }
    }
    ck_assert_int_eq(rsess_cursor_type(c), RSESS_NONE);
    return checked;
}

START_TEST(cursor_walks_like_full_decode)
{
    size_t count, checked = 0;
    char **names = fixture_names(&count);
    for (size_t i = 0; i < count; i++) {
        size_t len;
        unsigned char *data = read_fixture(names[i], &len);
        rsess_doc *full = rsess_read(data, len, NULL, NULL);
        for (int mode = 0; mode < 3; mode++) {
            rsess_err err;
            rsess_cursor *c = rsess_cursor_new(data, len, NULL, &err);
            ck_assert_msg(c, "%s: %s", names[i], err.text);
            rsess_val *root = rsess_doc_root(full);
            rsess_type t = rsess_cursor_type(c);
            if ((t == RSESS_ARRAY || t == RSESS_HASH) && !rsess_hash_default(root) && !rsess_user_class(root) &&
                !rsess_extended_count(root)) {
                size_t m = 99;
                ck_assert_int_eq(rsess_cursor_enter(c, &m, NULL), 0);
                ck_assert_uint_eq(m, rsess_len(root));
                checked += walk_children(c, root, names[i], mode, 0);
                ck_assert_int_eq(rsess_cursor_leave(c, NULL), 0);
            } else {
                rsess_val *v = rsess_cursor_read(c, &err);
                ck_assert_msg(v, "%s: %s", names[i], err.text);
                expect_same(root, v, names[i], 0);
                checked++;
            }
            ck_assert_int_eq(rsess_cursor_type(c), RSESS_NONE);
            ck_assert_int_eq(rsess_cursor_skip(c, &err), RSESS_ERR_STATE);
            rsess_cursor_free(c);
        }
        rsess_doc_free(full);
        free(data);
    }
    free_names(names);
    ck_assert_uint_gt(checked, 500);
    /* a truncated input fails cleanly, and stays failed */
    rsess_err err;
    rsess_cursor *c = rsess_cursor_new("\x04\x08[\x07i\x06\"\x0a" "ab", 9, NULL, &err);
    ck_assert(c);
    size_t m = 0;
    ck_assert_int_eq(rsess_cursor_enter(c, &m, &err), 0);
    ck_assert_uint_eq(m, 2);
    ck_assert_ptr_nonnull(rsess_cursor_read(c, &err));
    ck_assert_ptr_null(rsess_cursor_read(c, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_TRUNCATED);
    ck_assert_int_eq(rsess_cursor_skip(c, &err), RSESS_ERR_TRUNCATED);
    rsess_cursor_free(c);
}
END_TEST

/* --- tests written for make coverage (issue #18) ---------------------- */
#define M(s) ("\x04\x08" s), (sizeof("\x04\x08" s) - 1)

START_TEST(cursor_refuses_bad_arguments_and_limits)
{
    rsess_err err;
    ck_assert_ptr_null(rsess_cursor_new(NULL, 3, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_ARG);
    rsess_read_opts o;
    rsess_read_opts_init(&o);
    o.limits.max_input = 4;
    ck_assert_ptr_null(rsess_cursor_new(M("[\x06i\x06"), &o, &err)); /* 5 bytes */
    ck_assert_int_eq(err.code, RSESS_ERR_SIZE);
    ck_assert_ptr_null(rsess_cursor_new("\x04", 1, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_TRUNCATED);
    ck_assert_uint_eq(err.offset, 1);
    ck_assert_ptr_null(rsess_cursor_new("\x04\x09T", 3, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_VERSION);
    ck_assert_uint_eq(err.offset, 0);
    o.size = sizeof o + 8; /* a layout newer than the library */
    ck_assert_ptr_null(rsess_cursor_new(M("T"), &o, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_ARG);

    ck_assert_int_eq(rsess_cursor_type(NULL), RSESS_NONE);
    ck_assert_ptr_null(rsess_cursor_read(NULL, &err));
    ck_assert_int_eq(rsess_cursor_skip(NULL, &err), RSESS_ERR_ARG);
    size_t n = 7;
    ck_assert_int_eq(rsess_cursor_enter(NULL, &n, &err), RSESS_ERR_ARG);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(rsess_cursor_leave(NULL, &err), RSESS_ERR_ARG);
    rsess_cursor_free(NULL);
}
END_TEST

START_TEST(cursor_calls_out_of_order)
{
    rsess_err err;
    /* 1: not a container: entering it consumes nothing */
    rsess_cursor *c = rsess_cursor_new(M("i\x06"), NULL, &err);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(rsess_cursor_enter(c, NULL, &err), RSESS_ERR_STATE);
    ck_assert_uint_eq(err.offset, 2);
    ck_assert_int_eq(rsess_cursor_leave(c, &err), RSESS_ERR_STATE); /* not inside one */
    int64_t i = 0;
    ck_assert(rsess_int(rsess_cursor_read(c, &err), &i));
    ck_assert_int_eq(i, 1);
    ck_assert_int_eq(rsess_cursor_type(c), RSESS_NONE);
    ck_assert_ptr_null(rsess_cursor_read(c, &err));
    rsess_cursor_free(c);

    /* [[1, 2], "ab"]: leave skips the rest of the inner Array */
    c = rsess_cursor_new(M("[\x07[\x07i\x06i\x07\"\x07" "ab"), NULL, &err);
    size_t n = 0;
    ck_assert_int_eq(rsess_cursor_enter(c, &n, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rsess_cursor_enter(c, &n, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rsess_cursor_skip(c, &err), 0);
    ck_assert_int_eq(rsess_cursor_leave(c, &err), 0);
    ck_assert_int_eq(rsess_cursor_type(c), RSESS_STRING);
    ck_assert_int_eq(rsess_cursor_leave(c, &err), 0);
    ck_assert_int_eq(rsess_cursor_type(c), RSESS_NONE);
    rsess_cursor_free(c);
}
END_TEST

/* Bytes after the root: refused once the root is done, unless allowed. */
START_TEST(cursor_trailing_bytes)
{
    rsess_err err;
    rsess_cursor *c = rsess_cursor_new(M("[\x06TFF"), NULL, &err);
    ck_assert_ptr_nonnull(c);
    size_t n;
    ck_assert_int_eq(rsess_cursor_enter(c, &n, &err), 0);
    ck_assert_ptr_nonnull(rsess_cursor_read(c, &err));
    ck_assert_int_eq(rsess_cursor_leave(c, &err), RSESS_ERR_TRAILING);
    ck_assert_int_eq(err.code, RSESS_ERR_TRAILING);
    ck_assert_uint_eq(err.offset, 5);
    rsess_cursor_free(c);
    c = rsess_cursor_new(M("TF"), NULL, &err);
    ck_assert_ptr_null(rsess_cursor_read(c, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_TRAILING);
    ck_assert_uint_eq(err.offset, 3);
    rsess_cursor_free(c);
    rsess_read_opts o;
    rsess_read_opts_init(&o);
    o.flags |= RSESS_READ_ALLOW_TRAILING;
    c = rsess_cursor_new(M("TF"), &o, &err);
    ck_assert_int_eq(rsess_type_of(rsess_cursor_read(c, &err)), RSESS_TRUE);
    rsess_cursor_free(c);
}
END_TEST

/* An error past the cursor's place: the steps before it work, the step
 * that meets it reports the first walk's code and offset, and it sticks. */
START_TEST(cursor_error_met_while_stepping)
{
    rsess_err err;
    /* [1, <type byte 0x01>] */
    rsess_cursor *c = rsess_cursor_new(M("[\x07i\x06\x01"), NULL, &err);
    ck_assert_ptr_nonnull(c);
    size_t n;
    ck_assert_int_eq(rsess_cursor_enter(c, &n, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rsess_cursor_type(c), RSESS_INT);
    ck_assert_int_eq(rsess_cursor_skip(c, &err), 0);
    ck_assert_int_eq(rsess_cursor_skip(c, &err), RSESS_ERR_TYPE);
    ck_assert_uint_eq(err.offset, 6);
    ck_assert_int_eq(rsess_cursor_type(c), RSESS_NONE);
    ck_assert_ptr_null(rsess_cursor_read(c, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_TYPE);
    ck_assert_int_eq(rsess_cursor_enter(c, &n, &err), RSESS_ERR_TYPE);
    ck_assert_int_eq(rsess_cursor_leave(c, &err), RSESS_ERR_TYPE);
    rsess_cursor_free(c);
    /* [[<truncated>: entering the inner one fails on the truncation */
    c = rsess_cursor_new(M("[\x06[\x07i\x06"), NULL, &err);
    ck_assert_int_eq(rsess_cursor_enter(c, &n, &err), 0);
    ck_assert_int_eq(rsess_cursor_enter(c, &n, &err), 0);
    ck_assert_int_eq(rsess_cursor_leave(c, &err), RSESS_ERR_TRUNCATED);
    ck_assert_uint_eq(err.offset, 8);
    rsess_cursor_free(c);
}
END_TEST

/* Lookup: absent keys, a root that is not a Hash, and kinds of keys. */
START_TEST(cursor_lookup_refusals)
{
    rsess_err err;
    /* {"a" => 1, :b => 2} */
    const char *h = "\x04\x08{\x07I\"\x06" "a\x06:\x06" "ETi\x06:\x06" "bi\x07";
    size_t hl = 20;
    rsess_doc *d = rsess_lookup_find(h, hl, "b", 1, RSESS_KEY_STRING, NULL, &err);
    ck_assert_ptr_null(d);
    ck_assert_int_eq(err.code, RSESS_ERR_NOT_FOUND);
    d = rsess_lookup_find(h, hl, "a", 1, RSESS_KEY_SYMBOL, NULL, &err);
    ck_assert_ptr_null(d);
    ck_assert_int_eq(err.code, RSESS_ERR_NOT_FOUND);
    int64_t i = 0;
    d = rsess_lookup_find(h, hl, "b", 1, RSESS_KEY_SYMBOL, NULL, &err);
    ck_assert_msg(d != NULL, "%s", err.text);
    ck_assert(rsess_int(rsess_doc_root(d), &i) && i == 2);
    rsess_doc_free(d);
    d = rsess_lookup_find(h, hl, "a", 1, RSESS_KEY_ANY, NULL, &err);
    ck_assert(rsess_int(rsess_doc_root(d), &i) && i == 1);
    rsess_doc_free(d);
    ck_assert_ptr_null(rsess_lookup(h, hl, "ab", 2, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_NOT_FOUND);
    ck_assert_ptr_null(rsess_lookup(h, hl - 1, "b", 1, NULL, &err)); /* cut inside the value */
    ck_assert_int_eq(err.code, RSESS_ERR_TRUNCATED);
    ck_assert_ptr_null(rsess_lookup("\x04\x08{\x06i\x06", 6, "b", 1, NULL, &err)); /* cut after a key */
    ck_assert_int_eq(err.code, RSESS_ERR_TRUNCATED);
    ck_assert_uint_eq(err.offset, 6);
    ck_assert_ptr_null(rsess_lookup(h, hl, NULL, 1, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_ARG);
}
END_TEST

/* Lookup in a session whose keys are of every kind (binary and UTF-8
 * Strings, Symbols, Integers, Floats, nil, Arrays), each kind of key:
 * Ruby's answers (fixtures/coverage/lookup.tsv, generate_coverage.rb);
 * every cut of the input is refused with TRUNCATED, or answers. */
START_TEST(cursor_lookup_keys_of_every_kind)
{
    size_t bl, tl;
    unsigned char *in = read_file("fixtures/coverage/lookup.bin", &bl);
    char *tsv = (char *)read_file("fixtures/coverage/lookup.tsv", &tl);
    int rows = 0;
    char *save;
    for (char *line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[3];
        ck_assert_int_eq(tu_fields(line, f, 3), 3);
        rsess_key_kind kind = !strcmp(f[1], "string") ? RSESS_KEY_STRING : !strcmp(f[1], "symbol") ? RSESS_KEY_SYMBOL
                                                                                                    : RSESS_KEY_ANY;
        rsess_err err;
        rsess_doc *d = rsess_lookup_find(in, bl, f[0], strlen(f[0]), kind, NULL, &err);
        if (!strcmp(f[2], "-")) {
            ck_assert_msg(d == NULL && err.code == RSESS_ERR_NOT_FOUND, "%s %s: found", f[0], f[1]);
        } else {
            int64_t i = 0;
            ck_assert_msg(d && rsess_int(rsess_doc_root(d), &i) && i == atoll(f[2]), "%s %s: %s", f[0], f[1],
                          d ? "another value" : err.text);
        }
        rsess_doc_free(d);
        for (size_t cut = 2; cut < bl; cut++) {
            d = rsess_lookup_find(in, cut, f[0], strlen(f[0]), kind, NULL, &err);
            ck_assert_msg(d || err.code == RSESS_ERR_TRUNCATED, "%s %s, cut %zu: %d", f[0], f[1], cut,
                          err.code);
            rsess_doc_free(d);
        }
        rows++;
    }
    ck_assert_int_eq(rows, 18);
    /* a long absent key is named in the text, cut to 60 bytes */
    char longkey[80];
    memset(longkey, 'q', sizeof longkey);
    rsess_err err;
    ck_assert_ptr_null(rsess_lookup(in, bl, longkey, sizeof longkey, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.text, "\"qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\" "));
    /* under allocation failure: NOMEM or Ruby's value, nothing leaked */
    long nomem = 0;
    for (long k = 1; k < 60; k++) {
        counting_alloc ca = {.fail_at = k};
        rsess_alloc a = counting_hooks(&ca);
        rsess_read_opts o;
        rsess_read_opts_init(&o);
        o.alloc = &a;
        rsess_doc *d = rsess_lookup(in, bl, "last", 4, &o, &err);
        int64_t v = 0;
        if (d) ck_assert(rsess_int(rsess_doc_root(d), &v) && v == 9);
        else {
            ck_assert_int_eq(err.code, RSESS_ERR_NOMEM);
            nomem++;
        }
        rsess_doc_free(d);
        ck_assert_int_eq(ca.live, 0);
        if (ca.calls < k) break;
    }
    ck_assert_int_gt(nomem, 2);
    free(tsv);
    free(in);
}
END_TEST

/* Each allocation failing in turn: cursor_new or a step says
 * RSESS_ERR_NOMEM, and nothing leaks. */
START_TEST(cursor_under_allocation_failure)
{
    size_t len;
    unsigned char *in = read_fixture("session_typical", &len);
    long failed = 0, works = 0;
    for (long k = 1; k < 2000; k++) {
        counting_alloc ca = {.fail_at = k};
        rsess_read_opts o;
        rsess_read_opts_init(&o);
        rsess_alloc a = counting_hooks(&ca);
        o.alloc = &a;
        rsess_err err;
        rsess_cursor *c = rsess_cursor_new(in, len, &o, &err);
        int rc = c ? 0 : err.code;
        size_t n = 0;
        if (!rc) rc = rsess_cursor_enter(c, &n, &err);
        for (size_t j = 0; !rc && j < 2 * n; j++) {
            if (j % 3 == 1) rc = rsess_cursor_skip(c, &err);
            else rc = rsess_cursor_read(c, &err) ? 0 : err.code;
        }
        if (!rc) rc = rsess_cursor_leave(c, &err);
        ck_assert_msg(rc == 0 || rc == RSESS_ERR_NOMEM, "allocation %ld: %d", k, rc);
        rsess_cursor_free(c);
        ck_assert_msg(ca.live == 0, "allocation %ld (rc %d): %ld blocks leaked", k, rc, ca.live);
        if (rc) failed++;
        else works++;
        if (ca.calls < k) break;
    }
    ck_assert_int_gt(failed, 3);
    ck_assert_int_eq(works, 1);
    free(in);
}
END_TEST

static void add_coverage_tests(Suite *s)
{
    TCase *t = tcase_create("cursor_errors coverage");
    tcase_add_test(t, cursor_refuses_bad_arguments_and_limits);
    tcase_add_test(t, cursor_calls_out_of_order);
    tcase_add_test(t, cursor_trailing_bytes);
    tcase_add_test(t, cursor_error_met_while_stepping);
    tcase_add_test(t, cursor_lookup_refusals);
    tcase_add_test(t, cursor_lookup_keys_of_every_kind);
    tcase_add_test(t, cursor_under_allocation_failure);
    suite_add_tcase(s, t);
}


Suite *cursor_suite(void)
{
    Suite *s = suite_create("cursor");
    TCase *t = tcase_create("cursor");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, cursor_walks_like_full_decode);
    suite_add_tcase(s, t);
    add_coverage_tests(s);
    return s;
}
