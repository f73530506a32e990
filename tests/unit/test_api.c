/* The API's conventions: versions, option structs that can grow,
 * allocator hooks all or none, small accessors. */
#include "testutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *my_malloc(void *ctx, size_t n) { (void)ctx; return malloc(n); }
static void *my_realloc(void *ctx, void *p, size_t o, size_t n) { (void)ctx; (void)o; return realloc(p, n); }
static void my_free(void *ctx, void *p, size_t n) { (void)ctx; (void)n; free(p); }

START_TEST(version_number)
{
    ck_assert_uint_eq(rsess_version_number(), RSESS_VERSION_NUMBER);
    ck_assert_uint_eq(RSESS_VERSION_NUMBER, RSESS_VERSION_MAJOR * 10000 + RSESS_VERSION_MINOR * 100 + RSESS_VERSION_PATCH);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", RSESS_VERSION_MAJOR, RSESS_VERSION_MINOR, RSESS_VERSION_PATCH);
    ck_assert_str_eq(rsess_version(), want);
}
END_TEST

START_TEST(options_can_grow)
{
    const char hello[] = "\x04\x08[\x06i\x06";
    rsess_err err;
    /* a zeroed struct is the 1.0 layout */
    rsess_read_opts zero = {0};
    rsess_doc *d = rsess_read(hello, sizeof hello - 1, &zero, &err);
    ck_assert_msg(d, "%s", err.text);
    rsess_doc_free(d);
    /* init sets the size; limits still apply */
    rsess_read_opts o;
    rsess_read_opts_init(&o);
    ck_assert_uint_eq(o.size, sizeof o);
    o.limits.max_depth = 1;
    ck_assert_ptr_null(rsess_read(hello, sizeof hello - 1, &o, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_DEPTH);
    /* a struct from a newer program than this library: refused */
    unsigned char bigger[sizeof(rsess_read_opts) + 16] = {0};
    size_t big = sizeof bigger;
    memcpy(bigger, &big, sizeof big);
    ck_assert_ptr_null(rsess_read(hello, sizeof hello - 1, (const rsess_read_opts *)(void *)bigger, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_ARG);
    ck_assert_ptr_null(rsess_cursor_new(hello, sizeof hello - 1, (const rsess_read_opts *)(void *)bigger, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_ARG);
    rsess_buf out = {0};
    ck_assert_int_eq(rsess_explain(hello, sizeof hello - 1, 0, (const rsess_read_opts *)(void *)bigger, &out, &err),
                     RSESS_ERR_ARG);
    rsess_buf_free(&out);
    /* entry and key options likewise */
    rsess_entry_opts eo;
    rsess_entry_opts_init(&eo);
    ck_assert_uint_eq(eo.size, sizeof eo);
    d = rsess_read(hello, sizeof hello - 1, NULL, NULL);
    ck_assert_int_eq(rsess_entry_write(rsess_doc_root(d), &eo, &out, &err), 0);
    eo.size = sizeof eo + 8;
    ck_assert_int_eq(rsess_entry_write(rsess_doc_root(d), &eo, &out, &err), RSESS_ERR_ARG);
    rsess_doc_free(d);
    rsess_key_opts ko;
    rsess_key_opts_init(&ko);
    ck_assert_int_eq(rsess_session_key("ab", 2, &ko, &out, &err), 0);
    ko.size = 3; /* smaller than its own size field */
    ck_assert_int_eq(rsess_session_key("ab", 2, &ko, &out, &err), RSESS_ERR_ARG);
    rsess_buf_free(&out);
}
END_TEST

START_TEST(allocator_hooks_all_or_none)
{
    const char hello[] = "\x04\x08i\x06";
    rsess_alloc all = {my_malloc, my_realloc, my_free, NULL};
    rsess_alloc partial = {my_malloc, NULL, NULL, NULL};
    rsess_alloc two = {my_malloc, my_realloc, NULL, NULL};
    rsess_read_opts o = {0};
    rsess_err err;
    o.alloc = &all;
    rsess_doc *d = rsess_read(hello, sizeof hello - 1, &o, &err);
    ck_assert_msg(d, "%s", err.text);
    rsess_doc_free(d);
    o.alloc = &partial;
    ck_assert_ptr_null(rsess_read(hello, sizeof hello - 1, &o, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_ARG);
    o.alloc = &two;
    ck_assert_ptr_null(rsess_entry_read(hello, sizeof hello - 1, &o, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_ARG);
    ck_assert_ptr_null(rsess_cursor_new(hello, sizeof hello - 1, &o, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_ARG);
    ck_assert_ptr_null(rsess_doc_new(&partial));
    ck_assert_ptr_null(rsess_writer_new(0, &two));
    rsess_doc *b = rsess_doc_new(&all);
    ck_assert_ptr_nonnull(b);
    rsess_doc_free(b);
}
END_TEST

START_TEST(small_accessors)
{
    static const char v[] = "\x04\x08[\x07" "f\x08" "1.5i\x06";
    rsess_doc *d = rsess_read(v, sizeof v - 1, NULL, NULL);
    ck_assert_ptr_nonnull(d);
    rsess_val *root = rsess_doc_root(d);
    double x = 0;
    ck_assert(rsess_float_get(rsess_arr_get(root, 0), &x));
    ck_assert(x == 1.5);
    x = 7;
    ck_assert(!rsess_float_get(rsess_arr_get(root, 1), &x)); /* an Integer */
    ck_assert(x == 7);
    int64_t i = 0;
    ck_assert(rsess_int(rsess_arr_get(root, 1), &i) && i == 1);
    ck_assert(!rsess_int(rsess_arr_get(root, 0), &i));
    rsess_doc_free(d);
    rsess_buf b = {0};
    ck_assert_int_eq(rsess_buf_append(&b, "abc", 3), 0);
    size_t cap = b.cap;
    rsess_buf_reset(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, cap);
    ck_assert_int_eq(rsess_buf_append(&b, "z", 1), 0);
    ck_assert(b.len == 1 && b.data[0] == 'z');
    rsess_buf_free(&b);
    rsess_err err;
    ck_assert_uint_eq(sizeof err.text, RSESS_ERR_TEXT_SIZE);
}
END_TEST

Suite *api_suite(void)
{
    Suite *s = suite_create("api");
    TCase *t = tcase_create("api");
    tcase_add_test(t, version_number);
    tcase_add_test(t, options_can_grow);
    tcase_add_test(t, allocator_hooks_all_or_none);
    tcase_add_test(t, small_accessors);
    suite_add_tcase(s, t);
    return s;
}
