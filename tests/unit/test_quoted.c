/* Quoted, hex and base64 text forms. */
#define _GNU_SOURCE
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static void expect_unquote(const char *text, const char *want, size_t wantlen)
{
    rsess_buf out = {0};
    rsess_err err;
    ck_assert_msg(rsess_unquote(text, strlen(text), &out, &err) == 0, "%s: %s", text, err.text);
    ck_assert_msg(out.len == wantlen && (wantlen == 0 || memcmp(out.data, want, wantlen) == 0), "%s: wrong bytes", text);
    rsess_buf_free(&out);
}

START_TEST(unquote_redis_cli_sample)
{
    size_t len;
    char *text = (char *)read_file("../examples/data/redis-store-value.txt", &len);
    unsigned char *want = read_fixture("session_redis_store", &len);
    rsess_buf out = {0};
    ck_assert_int_eq(rsess_unquote(text, strlen(text), &out, NULL), 0);
    ck_assert(out.len == len && memcmp(out.data, want, len) == 0);
    /* and back: redis-cli's own quoting */
    rsess_buf q = {0};
    ck_assert_int_eq(rsess_quote(out.data, out.len, &q), 0);
    ck_assert(q.len == strlen(text) - 1 && memcmp(q.data, text, q.len) == 0);
    rsess_buf_free(&q);
    rsess_buf_free(&out);
    free(text);
    free(want);
}
END_TEST

START_TEST(unquote_escapes)
{
    expect_unquote("\"\\\\ \\\" \\n\\r\\t\\a\\b\\v\\f\\e\\0\\s\"", "\\ \" \n\r\t\a\b\v\f\033\0 ", 14);
    expect_unquote("\"\\xff\\xAB\\x0c\"", "\xff\xab\x0c", 3);
    expect_unquote("\"\\101\\7\\0010\"", "A\a\0010", 4);
    expect_unquote("\"\\u3042\\u{1F600 41}\"", "\xe3\x81\x82\xf0\x9f\x98\x80" "A", 8);
    expect_unquote("\"\\#{x}\\q\"", "#{x}q", 5);
    expect_unquote("  \"a\"\r\n", "a", 1);
    expect_unquote("\"\"", "", 0);
}
END_TEST

START_TEST(unquote_errors)
{
    struct { const char *text; size_t offset; } bad[] = {
        {"", 0}, {"abc", 0}, {"\"abc", 0}, {"\"a\"b", 3}, {"\"a\"\n\n", 3}, {"\"\\x\"", 1},
        {"\"\\u12\"", 1}, {"\"\\u{}\"", 1}, {"\"\\u{110000}\"", 1}, {"\"\\ud800\"", 1}, {"\"abc\\", 4},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rsess_buf out = {0};
        rsess_err err;
        ck_assert_msg(rsess_unquote(bad[i].text, strlen(bad[i].text), &out, &err) == RSESS_ERR_QUOTED, "case %zu", i);
        ck_assert_msg(err.offset == bad[i].offset, "case %zu: offset %zu", i, err.offset);
        ck_assert_uint_eq(out.len, 0);
        rsess_buf_free(&out);
    }
}
END_TEST

START_TEST(quote_every_byte)
{
    unsigned char all[256];
    for (int i = 0; i < 256; i++) all[i] = (unsigned char)i;
    rsess_buf q = {0}, back = {0};
    ck_assert_int_eq(rsess_quote(all, 256, &q), 0);
    /* redis-cli (sdscatrepr) forms: lower-case hex, never \v or \f */
    ck_assert(memmem(q.data, q.len, "\\x0b\\x0c\\r\\x0e", 14) != NULL);
    ck_assert(memmem(q.data, q.len, "~\\x7f\\x80", 9) != NULL);
    ck_assert_int_eq(rsess_unquote((const char *)q.data, q.len, &back, NULL), 0);
    ck_assert(back.len == 256 && memcmp(back.data, all, 256) == 0);
    rsess_buf_free(&q);
    rsess_buf_free(&back);
}
END_TEST

START_TEST(hex_and_base64)
{
    rsess_buf b = {0};
    rsess_err err;
    ck_assert_int_eq(rsess_unhex("04 08\n5b 00", 11, &b, &err), 0);
    ck_assert(b.len == 4 && memcmp(b.data, "\x04\x08[\x00", 4) == 0);
    b.len = 0;
    ck_assert_int_eq(rsess_unhex("0g", 2, &b, &err), RSESS_ERR_HEX);
    ck_assert_uint_eq(err.offset, 1);
    ck_assert_int_eq(rsess_unhex("abc", 3, &b, &err), RSESS_ERR_HEX);
    const char *cases[][2] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},
                              {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    for (int i = 0; i < 7; i++) {
        b.len = 0;
        ck_assert_int_eq(rsess_base64(cases[i][0], strlen(cases[i][0]), &b), 0);
        ck_assert(b.len == strlen(cases[i][1]) && memcmp(b.data, cases[i][1], b.len) == 0);
        b.len = 0;
        ck_assert_int_eq(rsess_unbase64(cases[i][1], strlen(cases[i][1]), &b, &err), 0);
        ck_assert(b.len == strlen(cases[i][0]) && memcmp(b.data, cases[i][0], b.len) == 0);
    }
    b.len = 0;
    ck_assert_int_eq(rsess_unbase64("Zm9v\nYmE", 8, &b, &err), 0); /* unpadded, wrapped */
    ck_assert(b.len == 5 && memcmp(b.data, "fooba", 5) == 0);
    ck_assert_int_eq(rsess_unbase64("Zm9v!", 5, &b, &err), RSESS_ERR_BASE64);
    ck_assert_int_eq(rsess_unbase64("Z", 1, &b, &err), RSESS_ERR_BASE64);
    ck_assert_int_eq(rsess_unbase64("Zg==Zg==", 8, &b, &err), RSESS_ERR_BASE64);
    rsess_buf_free(&b);
}
END_TEST

Suite *quoted_suite(void)
{
    Suite *s = suite_create("quoted");
    TCase *t = tcase_create("quoted");
    tcase_add_test(t, unquote_redis_cli_sample);
    tcase_add_test(t, unquote_escapes);
    tcase_add_test(t, unquote_errors);
    tcase_add_test(t, quote_every_byte);
    tcase_add_test(t, hex_and_base64);
    suite_add_tcase(s, t);
    return s;
}
