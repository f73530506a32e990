/* Quoted, hex and base64 text forms. */
#define _GNU_SOURCE
#include "testutil.h"
#include <stdio.h>

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

/* --- tests written for make coverage (issue #18) ---------------------- */
START_TEST(quoted_refuse_null)
{
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    rsess_err err;
    ck_assert_int_eq(rsess_unquote("\"a\"", 3, NULL, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_unquote(NULL, 3, &b, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_quote("a", 1, NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_quote(NULL, 1, &b), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_unhex("61", 2, NULL, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_unhex(NULL, 2, &b, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hex("a", 1, NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hex(NULL, 1, &b), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_base64("a", 1, NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_base64(NULL, 1, &b), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_unbase64("YQ", 2, NULL, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_unbase64(NULL, 2, &b, &err), RSESS_ERR_ARG);
    ck_assert_uint_eq(b.len, 0);
    /* empty input with no pointer is fine */
    ck_assert_int_eq(rsess_hex(NULL, 0, &b), 0);
    ck_assert_int_eq(rsess_base64(NULL, 0, &b), 0);
    ck_assert_int_eq(rsess_unbase64(NULL, 0, &b, &err), 0);
    ck_assert_int_eq(rsess_unhex(NULL, 0, &b, &err), 0);
    ck_assert_int_eq(rsess_quote(NULL, 0, &b), 0);
    ck_assert_uint_eq(b.len, 2); /* "" */
    /* "YWJj" is Ruby's Base64.strict_encode64("abc"); four '=' is too many padding */
    b.len = 0;
    ck_assert_int_eq(rsess_unbase64("YWJj====", 8, &b, &err), RSESS_ERR_BASE64);
    ck_assert_uint_eq(err.offset, 7);
    ck_assert_uint_eq(b.len, 0);
    rsess_buf_free(&b);
}
END_TEST

typedef int (*former)(const char *, size_t, rsess_buf *, rsess_err *);
static int quote_(const char *s, size_t n, rsess_buf *b, rsess_err *e) { (void)e; return rsess_quote(s, n, b); }
static int hex_(const char *s, size_t n, rsess_buf *b, rsess_err *e) { (void)e; return rsess_hex(s, n, b); }
static int base64_(const char *s, size_t n, rsess_buf *b, rsess_err *e) { (void)e; return rsess_base64(s, n, b); }

static void sweep(former f, const char *in, size_t n, const char *what)
{
    rsess_buf plain;
    rsess_buf_init(&plain, NULL);
    ck_assert_int_eq(f(in, n, &plain, NULL), 0);
    long nomem = 0, ok = 0;
    for (long k = 1; k < 40; k++) {
        counting_alloc c = {.fail_at = k};
        rsess_alloc a = counting_hooks(&c);
        rsess_buf b;
        rsess_buf_init(&b, &a);
        rsess_err err;
        int rc = f(in, n, &b, &err);
        if (rc) {
            ck_assert_msg(rc == RSESS_ERR_NOMEM, "%s, allocation %ld: %d", what, k, rc);
            nomem++;
        } else {
            ck_assert_msg(b.len == plain.len && memcmp(b.data, plain.data, b.len) == 0, "%s", what);
            ok++;
        }
        rsess_buf_free(&b);
        ck_assert_int_eq(c.live, 0);
        if (c.calls < k) break;
    }
    ck_assert_msg(nomem > 0 && ok == 1, "%s: %ld failures, %ld runs", what, nomem, ok);
    rsess_buf_free(&plain);
}

START_TEST(quoted_under_allocation_failure)
{
    char bytes[300];
    for (int i = 0; i < 300; i++) bytes[i] = (char)(i * 7);
    sweep(quote_, bytes, sizeof bytes, "quote");
    sweep(hex_, bytes, sizeof bytes, "hex");
    sweep(base64_, bytes, sizeof bytes, "base64");
    /* long enough that the output grows past its first block */
    char q[1024];
    size_t n = 0;
    q[n++] = '"';
    for (int i = 0; i < 60; i++) n += (size_t)sprintf(q + n, "\\u{%x}", 0x3042 + i);
    q[n++] = '"';
    sweep(rsess_unquote, q, n, "unquote");
    char h[601];
    for (int i = 0; i < 300; i++) sprintf(h + 2 * i, "%02x", (unsigned char)bytes[i]);
    sweep(rsess_unhex, h, 600, "unhex");
    rsess_buf b64;
    rsess_buf_init(&b64, NULL);
    ck_assert_int_eq(rsess_base64(bytes, 298, &b64), 0);
    ck_assert_int_eq(b64.data[b64.len - 1], '=');
    sweep(rsess_unbase64, (const char *)b64.data, b64.len, "unbase64 padded");
    sweep(rsess_unbase64, (const char *)b64.data, b64.len - 1, "unbase64 unpadded");
    rsess_buf_free(&b64);
}
END_TEST

static void add_coverage_tests(Suite *s)
{
    TCase *t = tcase_create("quoted coverage");
    tcase_add_test(t, quoted_refuse_null);
    tcase_add_test(t, quoted_under_allocation_failure);
    suite_add_tcase(s, t);
}


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
    add_coverage_tests(s);
    return s;
}
