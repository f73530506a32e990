/* lib/err.c: rsess_strerror's texts. */
#include "testutil.h"

START_TEST(error_texts)
{
    ck_assert_str_eq(rsess_strerror(RSESS_ERR_BASE64), "malformed base64");
    ck_assert_str_eq(rsess_strerror(RSESS_ERR_INFLATE), "inflated data too large");
    ck_assert_str_eq(rsess_strerror(12345), "unknown error");
    ck_assert_str_eq(rsess_strerror(-1), "unknown error");
}
END_TEST

Suite *err_suite(void)
{
    Suite *s = suite_create("err");
    TCase *t = tcase_create("err");
    tcase_add_test(t, error_texts);
    suite_add_tcase(s, t);
    return s;
}
