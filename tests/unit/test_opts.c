/* lib/opts.c: the option structs' size rules and the allocator rule. */
#include "testutil.h"

/* Option structs: NULL is the defaults; size 0 is the 1.0 layout; a size
 * smaller than the size field or larger than the library knows is refused. */
START_TEST(opts_sizes)
{
    rsess_read_opts_init(NULL);
    rsess_entry_opts_init(NULL);
    rsess_key_opts_init(NULL);
    rsess_key_opts k;
    rsess_key_opts_init(&k);
    ck_assert_uint_eq(k.size, sizeof k);
    rsess_buf out;
    rsess_buf_init(&out, NULL);
    rsess_err err;
    ck_assert_int_eq(rsess_session_key("abc", 3, NULL, &out, &err), 0);
    ck_assert_uint_gt(out.len, 0);
    k.size = 4;
    ck_assert_int_eq(rsess_session_key("abc", 3, &k, &out, &err), RSESS_ERR_ARG);
    ck_assert_uint_eq(err.offset, 0);
    k.size = sizeof k + 1;
    ck_assert_int_eq(rsess_session_key("abc", 3, &k, &out, &err), RSESS_ERR_ARG);
    k.size = 0;
    ck_assert_int_eq(rsess_session_key("abc", 3, &k, &out, &err), 0);
    rsess_buf_free(&out);
    /* the allocator hooks: all three or none */
    counting_alloc c = {.fail_at = 0};
    rsess_alloc a = counting_hooks(&c);
    rsess_read_opts o;
    rsess_read_opts_init(&o);
    o.alloc = &a;
    a.free = NULL;
    ck_assert_ptr_null(rsess_read("\x04\x08T", 3, &o, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_ARG);
    a.free = counting_hooks(&c).free;
    a.realloc = NULL;
    ck_assert_ptr_null(rsess_read("\x04\x08T", 3, &o, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_ARG);
    ck_assert_ptr_null(rsess_doc_new(&a));
}
END_TEST

Suite *opts_suite(void)
{
    Suite *s = suite_create("opts");
    TCase *t = tcase_create("opts");
    tcase_add_test(t, opts_sizes);
    suite_add_tcase(s, t);
    return s;
}
