/* The plain JSON view (lib/view_json.c): basics, Ruby's JSON.generate text,
 * the budget of repeated shared values. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(plain_json_basics)
{
    char *got = print_fixture("session_typical", RSESS_VIEW_JSON);
    ck_assert_str_eq(got, "{\"session_id\":\"0123456789abcdef0123456789abcdef\",\"_csrf_token\":"
                          "\"J5cB8q9rFh0yQm3n4v7xLw2kZp1sT6uD8eA0bC3dE5f\",\"warden.user.user.key\":[[42],"
                          "\"$2a$12$abcdefghijklmnopqrstuv\"],\"flash\":{\"discard\":[],\"flashes\":{\"notice\":"
                          "\"Signed in.\"}},\"locale\":\"en\",\"user_return_to\":\"/dashboard\",\"last_seen\":"
                          "1769693054.4480495}");
    free(got);
    got = print_fixture("cycle_hash", RSESS_VIEW_JSON);
    ck_assert_str_eq(got, "{\"self\":null}");
    free(got);
}
END_TEST

/* For every JSON-native fixture the JSON view equals Ruby's JSON.generate,
 * compared as JSON (tests/fixtures/json/NAME.json). */
#include <dirent.h>
START_TEST(json_view_matches_ruby)
{
    DIR *d = opendir("fixtures/json");
    ck_assert(d);
    struct dirent *e;
    size_t n = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".json") || !strncmp(e->d_name, "text_", 5)) continue;
        char name[256], path[300];
        snprintf(name, sizeof name, "%.*s", (int)(l - 5), e->d_name);
        snprintf(path, sizeof path, "fixtures/json/%s", e->d_name);
        size_t tl;
        char *want = (char *)read_file(path, &tl);
        char *got = print_fixture(name, RSESS_VIEW_JSON);
        ck_assert_msg(json_same(got, strlen(got), want, tl), "%s:\n  got  %s\n  want %s", name, got, want);
        free(got);
        free(want);
        n++;
    }
    closedir(d);
    ck_assert_uint_gt(n, 80);
}
END_TEST

/* The JSON view budgets only the repeats of shared values: a big value
 * without sharing prints whole, a fan-out of shared values is refused with
 * a message that says so. */
START_TEST(json_budget_counts_repeats_only)
{
    rsess_doc *doc = rsess_doc_new(NULL);
    rsess_val *big = rsess_new_array(doc);
    for (int i = 0; i < 1100000; i++) ck_assert_int_eq(rsess_arr_push(doc, big, rsess_new_int(doc, i % 1000)), 0);
    rsess_buf out = {0};
    rsess_err err;
    ck_assert_int_eq(rsess_print(big, RSESS_VIEW_JSON, 0, &out, &err), 0);
    ck_assert(out.len > 2 * 1100000);
    /* 2^22 paths to the innermost array: each level holds the next twice */
    rsess_val *fan = rsess_new_array(doc);
    for (int level = 0; level < 22; level++) {
        rsess_val *up = rsess_new_array(doc);
        rsess_arr_push(doc, up, fan);
        rsess_arr_push(doc, up, fan);
        fan = up;
    }
    out.len = 0;
    ck_assert_int_eq(rsess_print(fan, RSESS_VIEW_JSON, 0, &out, &err), RSESS_ERR_NODES);
    ck_assert_msg(strstr(err.text, "repeats shared values"), "%s", err.text);
    ck_assert_uint_eq(out.len, 0);
    /* a few repeats are printed again, as before */
    rsess_val *small = rsess_new_array(doc);
    rsess_val *shared = rsess_new_str(doc, "x", 1, RSESS_ENC_UTF8);
    rsess_arr_push(doc, small, shared);
    rsess_arr_push(doc, small, shared);
    ck_assert_int_eq(rsess_print(small, RSESS_VIEW_JSON, 0, &out, &err), 0);
    ck_assert_str_eq((const char *)out.data, "[\"x\",\"x\"]");
    rsess_buf_free(&out);
    rsess_doc_free(doc);
}
END_TEST

/* --- tests written for make coverage (issue #18) ---------------------- */
static rsess_doc *read_cov(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "fixtures/coverage/%s.bin", name);
    size_t len;
    unsigned char *in = read_file(path, &len);
    rsess_err err;
    rsess_doc *doc = rsess_read(in, len, NULL, &err);
    free(in);
    ck_assert_msg(doc != NULL, "%s: %s", name, err.text);
    return doc;
}

START_TEST(view_json_wide_text_as_ruby)
{
    rsess_doc *doc = read_cov("json_wide");
    size_t wl;
    char *want = (char *)read_file("fixtures/coverage/json_wide.json", &wl);
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    rsess_err err;
    ck_assert_int_eq(rsess_print(rsess_doc_root(doc), RSESS_VIEW_JSON, 0, &b, &err), 0);
    ck_assert_msg(json_same((const char *)b.data, b.len, want, wl), "got  %s\nwant %s", b.data, want);
    rsess_buf_free(&b);
    free(want);
    rsess_doc_free(doc);
}
END_TEST

/* A lone surrogate, an odd byte count, a UTF-32 unit past U+10FFFF: JSON
 * text all the same (the bytes as they are), never an error. */
START_TEST(view_json_invalid_wide_text)
{
    static const struct { const char *bytes; size_t n; const char *enc; } bad[] = {
        {"=\xd8" "a\x00", 4, "UTF-16LE"}, {"\xd8=\x00" "a", 4, "UTF-16BE"}, {"a\x00" "b", 3, "UTF-16LE"},
        {"\x00\xdc\x00\x00", 4, "UTF-32LE"}, {"\x00\x11\x00\x00", 4, "UTF-32BE"}, {"\x00\xd8", 2, "UTF-16LE"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rsess_doc *doc = rsess_doc_new(NULL);
        rsess_val *h = rsess_new_hash(doc);
        rsess_val *s = rsess_new_str_enc(doc, bad[i].bytes, bad[i].n, bad[i].enc, strlen(bad[i].enc));
        ck_assert_int_eq(rsess_hash_push(doc, h, s, s), 0);
        rsess_buf b;
        rsess_buf_init(&b, NULL);
        rsess_err err;
        ck_assert_int_eq(rsess_print(h, RSESS_VIEW_JSON, 0, &b, &err), 0);
        rsess_doc *back = NULL;
        ck_assert_msg(rsess_from_json((const char *)b.data, b.len, NULL, &back, &err) == 0, "case %zu: %s: %s", i,
                      b.data, err.text);
        rsess_doc_free(back);
        rsess_buf_free(&b);
        rsess_doc_free(doc);
    }
}
END_TEST

START_TEST(view_json_under_allocation_failure)
{
    rsess_doc *doc = read_cov("json_wide");
    rsess_buf plain;
    rsess_buf_init(&plain, NULL);
    ck_assert_int_eq(rsess_print(rsess_doc_root(doc), RSESS_VIEW_JSON, 0, &plain, NULL), 0);
    long nomem = 0, ok = 0;
    for (long k = 1; k < 200; k++) {
        counting_alloc c = {.fail_at = k};
        rsess_alloc a = counting_hooks(&c);
        rsess_buf b;
        rsess_buf_init(&b, &a);
        rsess_err err;
        int rc = rsess_print(rsess_doc_root(doc), RSESS_VIEW_JSON, 0, &b, &err);
        if (rc) {
            ck_assert_msg(rc == RSESS_ERR_NOMEM, "allocation %ld: %d", k, rc);
            nomem++;
        } else {
            ck_assert(b.len == plain.len && memcmp(b.data, plain.data, b.len) == 0);
            ok++;
        }
        rsess_buf_free(&b);
        ck_assert_int_eq(c.live, 0);
        if (c.calls < k) break;
    }
    ck_assert_int_gt(nomem, 2);
    ck_assert_int_eq(ok, 1);
    rsess_buf_free(&plain);
    rsess_doc_free(doc);
}
END_TEST

/* BigDecimals of every exponent, Regexps and Hash keys of other classes,
 * as ActiveSupport 6.1's to_json writes them (fixtures/coverage/json_as.tsv,
 * generate_coverage.rb). */
START_TEST(view_json_as_activesupport)
{
    size_t len;
    char *tsv = (char *)read_file("fixtures/coverage/json_as.tsv", &len);
    int rows = 0;
    char *save;
    for (char *line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[3];
        ck_assert_int_eq(tu_fields(line, f, 3), 3);
        size_t hl = strlen(f[1]);
        char *bytes = malloc(hl / 2 + 1);
        size_t bl = tu_unhex(f[1], hl, bytes);
        rsess_err err;
        rsess_doc *doc = rsess_read(bytes, bl, NULL, &err);
        ck_assert_msg(doc != NULL, "%s: %s", f[0], err.text);
        rsess_buf b;
        rsess_buf_init(&b, NULL);
        ck_assert_int_eq(rsess_print(rsess_doc_root(doc), RSESS_VIEW_JSON, 0, &b, &err), 0);
        ck_assert_msg(json_same((const char *)b.data, b.len, f[2], strlen(f[2])), "%s:\n  got  %s\n  want %s", f[0],
                      b.data, f[2]);
        rsess_buf_free(&b);
        rsess_doc_free(doc);
        free(bytes);
        rows++;
    }
    ck_assert_int_eq(rows, 3);
    free(tsv);
}
END_TEST

static void add_coverage_tests(Suite *s)
{
    TCase *t = tcase_create("view_json coverage");
    tcase_add_test(t, view_json_wide_text_as_ruby);
    tcase_add_test(t, view_json_invalid_wide_text);
    tcase_add_test(t, view_json_under_allocation_failure);
    tcase_add_test(t, view_json_as_activesupport);
    suite_add_tcase(s, t);
}


Suite *view_json_suite(void)
{
    Suite *s = suite_create("view_json");
    TCase *t = tcase_create("views");
    tcase_add_test(t, plain_json_basics);
    tcase_add_test(t, json_view_matches_ruby);
    tcase_add_test(t, json_budget_counts_repeats_only);
    suite_add_tcase(s, t);
    add_coverage_tests(s);
    return s;
}
