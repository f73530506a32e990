/* Views: Ruby 3.4 inspect text (expected text from Ruby, see generate.rb),
 * typed JSON shape, plain JSON basics, float text. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *print(const char *name, rsess_view view)
{
    size_t len;
    unsigned char *data = read_fixture(name, &len);
    rsess_err err;
    rsess_doc *doc = rsess_read(data, len, NULL, &err);
    ck_assert_msg(doc != NULL, "%s: %s", name, err.text);
    rsess_buf out = {0};
    ck_assert_msg(rsess_print(rsess_doc_root(doc), view, 0, &out, &err) == 0, "%s: %s", name, err.text);
    char *s = strndup((const char *)out.data, out.len);
    rsess_buf_free(&out);
    rsess_doc_free(doc);
    free(data);
    return s;
}

START_TEST(ruby_inspect_matches_ruby)
{
    size_t len;
    char *tsv = (char *)read_file(FIXTURE_DIR "/inspect.tsv", &len);
    size_t lines = 0;
    for (char *line = strtok(tsv, "\n"); line; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        ck_assert(tab != NULL);
        *tab = 0;
        char *got = print(line, RSESS_VIEW_RUBY);
        ck_assert_msg(strcmp(got, tab + 1) == 0, "%s:\n  got  %s\n  want %s", line, got, tab + 1);
        free(got);
        lines++;
    }
    ck_assert_uint_gt(lines, 100);
    free(tsv);
}
END_TEST

START_TEST(typed_json_shapes)
{
    struct { const char *name, *want; } cases[] = {
        {"session_redis_store", "{\"hash\":[[{\"str\":\"message\",\"enc\":\"US-ASCII\"},\"hello\"]]}"},
        {"object_link", "[{\"str\":\"shared\",\"id\":0},{\"link\":0}]"},
        {"cycle_array", "{\"array\":[1,{\"link\":0}],\"id\":0}"},
        {"float_repeated", "[{\"float\":\"1.5\",\"id\":0},{\"link\":0},{\"float\":\"2.5\"},{\"link\":0},{\"float\":\"-0\"},{\"float\":\"-0\"}]"},
        {"int_2p100", "{\"int\":\"1267650600228229401496703205376\"}"},
        {"string_binary", "{\"str\":{\"hex\":\"00ff80616263\"},\"enc\":\"ASCII-8BIT\"}"},
        {"symbol_link", "[{\"sym\":\"a\"},{\"sym\":\"a\"},{\"sym\":\"b\"},{\"sym\":\"a\"}]"},
        {"struct", "{\"struct\":\"Point\",\"fields\":[[\"x\",1],[\"y\",2]]}"},
        {"hash_identity", "{\"hash\":[[\"a\",1]],\"identity\":true}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = print(cases[i].name, RSESS_VIEW_TYPED);
        ck_assert_msg(strcmp(got, cases[i].want) == 0, "%s:\n  got  %s\n  want %s", cases[i].name, got, cases[i].want);
        free(got);
    }
}
END_TEST

START_TEST(plain_json_basics)
{
    char *got = print("session_typical", RSESS_VIEW_JSON);
    ck_assert_str_eq(got, "{\"session_id\":\"0123456789abcdef0123456789abcdef\",\"_csrf_token\":"
                          "\"J5cB8q9rFh0yQm3n4v7xLw2kZp1sT6uD8eA0bC3dE5f\",\"warden.user.user.key\":[[42],"
                          "\"$2a$12$abcdefghijklmnopqrstuv\"],\"flash\":{\"discard\":[],\"flashes\":{\"notice\":"
                          "\"Signed in.\"}},\"locale\":\"en\",\"user_return_to\":\"/dashboard\",\"last_seen\":"
                          "1769693054.4480495}");
    free(got);
    got = print("cycle_hash", RSESS_VIEW_JSON);
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
        char *got = print(name, RSESS_VIEW_JSON);
        ck_assert_msg(json_same(got, strlen(got), want, tl), "%s:\n  got  %s\n  want %s", name, got, want);
        free(got);
        free(want);
        n++;
    }
    closedir(d);
    ck_assert_uint_gt(n, 80);
}
END_TEST

/* Marshal float text: the examples of formats.md 1.5, which Ruby wrote. */
START_TEST(float_text)
{
    struct { double d; const char *marshal, *ruby; } cases[] = {
        {1.0, "1", "1.0"}, {100.0, "1e2", "100.0"}, {10.0, "1e1", "10.0"}, {1234567.0, "1234567", "1234567.0"},
        {1.2345678901234568e16, "12345678901234568", "1.2345678901234568e+16"},
        {1.2345678901234568e17, "1.2345678901234568e17", "1.2345678901234568e+17"},
        {1e22, "1e22", "1.0e+22"}, {123.4567, "123.4567", "123.4567"}, {0.1, "0.1", "0.1"},
        {0.001, "0.001", "0.001"}, {0.0001, "0.0001", "0.0001"}, {0.00001, "1e-5", "1.0e-05"},
        {1.234697e-9, "1.234697e-9", "1.234697e-09"}, {5e-324, "5e-324", "5.0e-324"}, {-0.841, "-0.841", "-0.841"},
        {1769693054.4480495, "1769693054.4480495", "1769693054.4480495"}, {0.0, "0", "0.0"},
        {-0.0, "-0", "-0.0"}, {INFINITY, "inf", "Infinity"}, {-INFINITY, "-inf", "-Infinity"},
        {NAN, "nan", "NaN"}, {1e15, "1e15", "1.0e+15"}, {1e14, "1e14", "100000000000000.0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[RSESS_FLOAT_TEXT_MAX];
        size_t n = rsess_float_marshal_text(cases[i].d, buf);
        buf[n] = 0;
        ck_assert_msg(strcmp(buf, cases[i].marshal) == 0, "marshal %.17g: %s", cases[i].d, buf);
        n = rsess_float_ruby_text(cases[i].d, buf);
        buf[n] = 0;
        ck_assert_msg(strcmp(buf, cases[i].ruby) == 0, "ruby %.17g: %s", cases[i].d, buf);
    }
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

Suite *views_suite(void)
{
    Suite *s = suite_create("views");
    TCase *t = tcase_create("views");
    tcase_add_test(t, ruby_inspect_matches_ruby);
    tcase_add_test(t, typed_json_shapes);
    tcase_add_test(t, plain_json_basics);
    tcase_add_test(t, json_view_matches_ruby);
    tcase_add_test(t, float_text);
    tcase_add_test(t, json_budget_counts_repeats_only);
    suite_add_tcase(s, t);
    return s;
}

/* Every code point from U+0080 up: escaped by inspect exactly when Ruby
 * escapes it, except those Unicode 14 and 15 assigned (Ruby 3.4 prints them;
 * Ruby 3.1, which wrote the fixture, does not know them). */
#include <stdbool.h>
bool rs_unicode_printable(uint32_t cp);

static size_t load_ranges(const char *path, uint32_t (*r)[2], size_t max)
{
    FILE *fp = fopen(path, "r");
    ck_assert_msg(fp != NULL, "%s", path);
    size_t n = 0;
    while (n < max && fscanf(fp, "%x %x", &r[n][0], &r[n][1]) == 2) n++;
    fclose(fp);
    return n;
}

static bool in_ranges(uint32_t (*r)[2], size_t n, uint32_t cp)
{
    for (size_t i = 0; i < n; i++)
        if (r[i][0] <= cp && cp <= r[i][1]) return true;
    return false;
}

START_TEST(unicode_escapes_match_ruby)
{
    static uint32_t esc[4000][2], newer[1000][2];
    size_t ne = load_ranges("fixtures/unicode/ruby31_escaped.txt", esc, 4000);
    size_t nn = load_ranges("fixtures/unicode/newer_than_13.txt", newer, 1000);
    ck_assert_uint_gt(ne, 100);
    ck_assert_uint_gt(nn, 10);
    size_t checked = 0, ei = 0;
    for (uint32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        while (ei < ne && esc[ei][1] < cp) ei++;
        bool ruby_escapes = ei < ne && esc[ei][0] <= cp;
        bool ours = !rs_unicode_printable(cp);
        if (ours != ruby_escapes) {
            ck_assert_msg(ruby_escapes && !ours && in_ranges(newer, nn, cp), "U+%04X: rsess %s, Ruby %s", cp,
                          ours ? "escapes" : "prints", ruby_escapes ? "escapes" : "prints");
            continue;
        }
        checked++;
    }
    ck_assert_uint_gt(checked, 1000000);
}
END_TEST

Suite *unicode_suite(void)
{
    Suite *s = suite_create("unicode");
    TCase *t = tcase_create("unicode");
    tcase_add_test(t, unicode_escapes_match_ruby);
    suite_add_tcase(s, t);
    return s;
}
