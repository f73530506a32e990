/* lib/quoted.c: the text forms' refusals and their allocation failures
 * (their results are checked in test_text.c). Each function, with each
 * allocation of its output failing in turn, returns RSESS_ERR_NOMEM and
 * leaves the buffer as it was; the one run that fails nothing gives the
 * same bytes as a plain buffer. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

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
        counting_alloc c = {k, 0, 0, 0};
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

Suite *quoted_suite(void)
{
    Suite *s = suite_create("quoted");
    TCase *t = tcase_create("quoted");
    tcase_add_test(t, quoted_refuse_null);
    tcase_add_test(t, quoted_under_allocation_failure);
    suite_add_tcase(s, t);
    return s;
}
