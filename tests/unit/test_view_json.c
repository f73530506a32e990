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

Suite *view_json_suite(void)
{
    Suite *s = suite_create("view_json");
    TCase *t = tcase_create("views");
    tcase_add_test(t, plain_json_basics);
    tcase_add_test(t, json_view_matches_ruby);
    tcase_add_test(t, json_budget_counts_repeats_only);
    suite_add_tcase(s, t);
    return s;
}
