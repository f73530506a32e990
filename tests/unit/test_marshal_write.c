/* lib/marshal_write.c: the writers' refusals. The bytes they write are
 * checked against Ruby's in test_build.c and test_marshal.c; here, each
 * misuse of the stream writer and each value rsess_write cannot write,
 * with its code and offset, and the writer's nesting limit. */
#include "testutil.h"

#include <string.h>

static int finish(rsess_writer *w, rsess_err *err)
{
    rsess_buf out;
    rsess_buf_init(&out, NULL);
    int rc = rsess_writer_finish(w, &out, err);
    if (rc) ck_assert_uint_eq(out.len, 0);
    rsess_buf_free(&out);
    return rc;
}

START_TEST(writer_null_and_bad_arguments)
{
    rsess_err err;
    rsess_writer_nil(NULL);
    rsess_writer_bool(NULL, 1);
    rsess_writer_int(NULL, 1);
    rsess_writer_float(NULL, 1.0);
    rsess_writer_str(NULL, "a", 1, RSESS_ENC_UTF8);
    rsess_writer_sym(NULL, "a", 1);
    rsess_writer_array(NULL, 1);
    rsess_writer_hash(NULL, 1);
    rsess_writer_object(NULL, "A", 1, 0);
    rsess_writer_value(NULL, NULL);
    rsess_writer_free(NULL);
    ck_assert_int_eq(rsess_writer_error(NULL), RSESS_ERR_ARG);
    rsess_buf out;
    rsess_buf_init(&out, NULL);
    ck_assert_int_eq(rsess_writer_finish(NULL, &out, &err), RSESS_ERR_ARG);
    rsess_writer *w = rsess_writer_new(0, NULL);
    ck_assert_int_eq(rsess_writer_finish(w, NULL, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(finish(w, &err), RSESS_ERR_STATE);
    ck_assert_str_eq(err.text, "no value written");
    ck_assert_uint_eq(err.offset, 2);
    rsess_writer_free(w);

    /* [ "x" in a named encoding, a NULL string, a NULL symbol, no class ] */
    struct { int kind; const char *text; } cases[] = {
        {0, "bad string arguments"}, {1, "bad string arguments"}, {2, "bad symbol arguments"}, {3, "no class name"}};
    for (size_t i = 0; i < 4; i++) {
        w = rsess_writer_new(0, NULL);
        rsess_writer_array(w, 2);
        rsess_writer_bool(w, 0);
        switch (cases[i].kind) {
        case 0: rsess_writer_str(w, "x", 1, RSESS_ENC_OTHER); break;
        case 1: rsess_writer_str(w, NULL, 1, RSESS_ENC_UTF8); break;
        case 2: rsess_writer_sym(w, NULL, 1); break;
        default: rsess_writer_object(w, NULL, 0, 0); break;
        }
        ck_assert_int_eq(rsess_writer_error(w), RSESS_ERR_ARG);
        ck_assert_int_eq(finish(w, &err), RSESS_ERR_ARG);
        ck_assert_str_eq(err.text, cases[i].text);
        ck_assert_uint_eq(err.offset, 5); /* 04 08 [ 07 F */
        rsess_writer_free(w);
    }
    /* a not-allowed allocator */
    counting_alloc c = {0, 0, 0, 0};
    rsess_alloc a = counting_hooks(&c);
    a.realloc = NULL;
    ck_assert_ptr_null(rsess_writer_new(0, &a));
}
END_TEST

/* 4096 levels are written; the 4097th is refused with RSESS_ERR_DEPTH. */
START_TEST(writer_nesting_limit)
{
    rsess_err err;
    rsess_writer *w = rsess_writer_new(0, NULL);
    for (int i = 0; i < 4096; i++) rsess_writer_array(w, 1);
    rsess_writer_nil(w);
    rsess_buf out;
    rsess_buf_init(&out, NULL);
    ck_assert_int_eq(rsess_writer_finish(w, &out, &err), 0);
    ck_assert_uint_eq(out.len, 2 + 2 * 4096 + 1);
    rsess_buf_free(&out);
    rsess_writer_free(w);
    w = rsess_writer_new(0, NULL);
    for (int i = 0; i < 4097; i++) rsess_writer_array(w, 1);
    ck_assert_int_eq(rsess_writer_error(w), RSESS_ERR_DEPTH);
    ck_assert_int_eq(finish(w, &err), RSESS_ERR_DEPTH);
    ck_assert_uint_eq(err.offset, 2 + 2 * 4097);
    rsess_writer_free(w);
}
END_TEST

/* A repeated flonum is a link, as Ruby writes it: Ruby 3.1's
 * Marshal.dump([1.5, 1.5, {}]) is "\x04\b[\bf\b1.5@\x06{\x00". */
START_TEST(writer_links_repeats)
{
    rsess_writer *w = rsess_writer_new(RSESS_WRITER_INTERN_KEYS, NULL);
    rsess_writer_array(w, 3);
    rsess_writer_float(w, 1.5);
    rsess_writer_float(w, 1.5);
    rsess_writer_hash(w, 0);
    rsess_buf out;
    rsess_buf_init(&out, NULL);
    rsess_err err;
    ck_assert_int_eq(rsess_writer_finish(w, &out, &err), 0);
    const char want[] = "\x04\x08[\x08" "f\x08" "1.5@\x06{\x00";
    ck_assert_uint_eq(out.len, sizeof want - 1);
    ck_assert(memcmp(out.data, want, out.len) == 0);
    rsess_buf_free(&out);
    rsess_writer_free(w);
}
END_TEST

/* rsess_write: NULL arguments; a value that holds itself in its own
 * instance variables while being _dump'ed (Ruby cannot write that either). */
START_TEST(write_refuses_what_cannot_be_written)
{
    rsess_err err;
    rsess_buf out;
    rsess_buf_init(&out, NULL);
    ck_assert_int_eq(rsess_write(NULL, &out, &err), RSESS_ERR_ARG);
    rsess_doc *doc = rsess_doc_new(NULL);
    rsess_val *u = rsess_new_userdef(doc, "U", 1, "d", 1, RSESS_ENC_BINARY);
    ck_assert_int_eq(rsess_write(u, NULL, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_ivar_push(doc, u, rsess_new_sym(doc, "@me", 3), u), 0);
    ck_assert_int_eq(rsess_write(u, &out, &err), RSESS_ERR_VALUE);
    ck_assert_str_eq(err.text, "a _dump value inside its own instance variables");
    ck_assert_uint_eq(out.len, 0);
    rsess_buf_free(&out);
    rsess_doc_free(doc);
}
END_TEST

Suite *marshal_write_suite(void)
{
    Suite *s = suite_create("marshal_write");
    TCase *t = tcase_create("marshal_write");
    tcase_add_test(t, writer_null_and_bad_arguments);
    tcase_add_test(t, writer_nesting_limit);
    tcase_add_test(t, writer_links_repeats);
    tcase_add_test(t, write_refuses_what_cannot_be_written);
    suite_add_tcase(s, t);
    return s;
}
