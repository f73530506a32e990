/* lib/buf.c: buffers (with and without a realloc hook: lib/alloc.c emulates
 * it), long formatted text. */
#include "testutil.h"

#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* malloc and free hooks only: growth is malloc, copy, free */
static long mallocs, frees;
static void *m_only(void *ctx, size_t n) { (void)ctx; mallocs++; return malloc(n); }
static void f_only(void *ctx, void *p, size_t n) { (void)ctx; (void)n; frees++; free(p); }

START_TEST(buffer_without_realloc_hook)
{
    rsess_alloc a = {m_only, NULL, f_only, NULL};
    rsess_buf b;
    rsess_buf_init(&b, &a);
    char chunk[100];
    for (int i = 0; i < 100; i++) chunk[i] = (char)('a' + i % 26);
    for (int k = 0; k < 20; k++) ck_assert_int_eq(rsess_buf_append(&b, chunk, sizeof chunk), 0);
    ck_assert_uint_eq(b.len, 2000);
    for (int k = 0; k < 20; k++) ck_assert(memcmp(b.data + 100 * k, chunk, 100) == 0);
    ck_assert_int_gt(mallocs, 3); /* 64 -> 128 -> ... -> 2048 */
    ck_assert_int_eq(frees, mallocs - 1);
    rsess_buf_reset(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_int_eq(b.data[0], 0);
    rsess_buf_free(&b);
    ck_assert_int_eq(frees, mallocs);
    ck_assert_int_eq(rsess_buf_append(NULL, "x", 1), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_buf_append(&b, NULL, 1), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_buf_append(&b, NULL, 0), 0);
    rsess_buf_free(&b);
    rsess_buf_init(NULL, NULL);
    rsess_buf_reset(NULL);
    rsess_buf_free(NULL);
    rsess_buf_reset(&b); /* no data yet */
    /* emulated growth that fails: NOMEM, the old bytes kept */
    counting_alloc c = {.fail_at = 2};
    rsess_alloc ca = counting_hooks(&c);
    ca.realloc = NULL;
    rsess_buf_init(&b, &ca);
    ck_assert_int_eq(rsess_buf_append(&b, chunk, 50), 0);
    ck_assert_int_eq(rsess_buf_append(&b, chunk, 50), RSESS_ERR_NOMEM);
    ck_assert_uint_eq(b.len, 50);
    rsess_buf_free(&b);
    ck_assert_int_eq(c.live, 0);
}
END_TEST

START_TEST(long_formatted_text)
{
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    char want[1001];
    memset(want, 'z', 1000);
    want[1000] = 0;
    ck_assert_int_eq(rs_buf_printf(&b, "<%s>", want), 0);
    ck_assert_uint_eq(b.len, 1002);
    ck_assert(b.data[0] == '<' && b.data[1001] == '>' && memcmp(b.data + 1, want, 1000) == 0);
    rsess_buf_free(&b);
    counting_alloc c = {.fail_at = 1};
    rsess_alloc a = counting_hooks(&c);
    rsess_buf_init(&b, &a);
    ck_assert_int_eq(rs_buf_printf(&b, "<%s>", want), RSESS_ERR_NOMEM);
    ck_assert_uint_eq(b.len, 0);
    rsess_buf_free(&b);
}
END_TEST


Suite *buf_suite(void)
{
    Suite *s = suite_create("buf");
    TCase *t = tcase_create("buf");
    tcase_add_test(t, buffer_without_realloc_hook);
    tcase_add_test(t, long_formatted_text);
    suite_add_tcase(s, t);
    return s;
}
