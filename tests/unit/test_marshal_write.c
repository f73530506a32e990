/* Document or streaming writer -> Marshal bytes (lib/marshal_write.c):
 * Ruby's bytes again for every fixture read back, and the streaming writer. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* decode -> encode gives back Ruby's bytes, for every fixture. */
START_TEST(roundtrip_every_fixture)
{
    size_t count;
    char **names = fixture_names(&count);
    for (size_t i = 0; i < count; i++) {
        size_t len;
        unsigned char *data = read_fixture(names[i], &len);
        rsess_err err;
        rsess_doc *doc = rsess_read(data, len, NULL, &err);
        ck_assert_msg(doc != NULL, "%s: %s at %zu", names[i], err.text, err.offset);
        rsess_buf out;
        rsess_buf_init(&out, NULL);
        ck_assert_int_eq(rsess_write(rsess_doc_root(doc), &out, &err), 0);
        ck_assert_msg(out.len == len && memcmp(out.data, data, len) == 0, "%s: re-encoded bytes differ (%zu vs %zu)",
                      names[i], out.len, len);
        rsess_buf_free(&out);
        rsess_doc_free(doc);
        free(data);
    }
    free_names(names);
}
END_TEST

/* The same with views borrowed from the input. */
START_TEST(roundtrip_borrowed)
{
    size_t count;
    char **names = fixture_names(&count);
    rsess_read_opts opts = {0};
    opts.flags = RSESS_READ_BORROW;
    for (size_t i = 0; i < count; i++) {
        size_t len;
        unsigned char *data = read_fixture(names[i], &len);
        rsess_doc *doc = rsess_read(data, len, &opts, NULL);
        ck_assert_msg(doc != NULL, "%s", names[i]);
        rsess_buf out = {0};
        ck_assert_int_eq(rsess_write(rsess_doc_root(doc), &out, NULL), 0);
        ck_assert_msg(out.len == len && memcmp(out.data, data, len) == 0, "%s differs", names[i]);
        rsess_buf_free(&out);
        rsess_doc_free(doc);
        free(data);
    }
    free_names(names);
}
END_TEST

START_TEST(stream_writer_matches_ruby)
{
    rsess_buf out = {0};
    rsess_writer *w = rsess_writer_new(0, NULL);
    rsess_writer_hash(w, 1);
    rsess_writer_str(w, "message", 7, RSESS_ENC_USASCII);
    rsess_writer_str(w, "hello", 5, RSESS_ENC_UTF8);
    ck_assert_int_eq(rsess_writer_finish(w, &out, NULL), 0);
    rsess_writer_free(w);
    expect_fixture("session_redis_store", &out);

    out.len = 0;
    w = rsess_writer_new(RSESS_WRITER_INTERN_KEYS, NULL);
    rsess_writer_array(w, 3);
    for (int i = 1; i <= 2; i++) {
        rsess_writer_hash(w, 1);
        rsess_writer_str(w, "a", 1, RSESS_ENC_UTF8);
        rsess_writer_int(w, i);
    }
    rsess_writer_hash(w, 1);
    rsess_writer_str(w, "b", 1, RSESS_ENC_UTF8);
    rsess_writer_hash(w, 1);
    rsess_writer_str(w, "a", 1, RSESS_ENC_UTF8);
    rsess_writer_int(w, 3);
    ck_assert_int_eq(rsess_writer_finish(w, &out, NULL), 0);
    rsess_writer_free(w);
    expect_fixture("keys_interned", &out);

    out.len = 0;
    w = rsess_writer_new(0, NULL);
    rsess_writer_array(w, 12);
    int64_t ints[] = {0, 1, -1, 122, 123, -123, -124, 1LL << 30, 1LL << 31, 1LL << 62};
    for (int i = 0; i < 10; i++) rsess_writer_int(w, ints[i]);
    ck_assert_int_eq(rsess_writer_error(w), RSESS_OK);
    rsess_writer_nil(w); /* 2 short of the fixture's bignums: just checks counting */
    rsess_writer_nil(w);
    ck_assert_int_eq(rsess_writer_finish(w, &out, NULL), 0);
    rsess_writer_free(w);

    out.len = 0;
    w = rsess_writer_new(0, NULL);
    rsess_writer_object(w, "Plain", 5, 3);
    rsess_writer_sym(w, "@a", 2);
    rsess_writer_int(w, 1);
    rsess_writer_sym(w, "@b", 2);
    rsess_writer_str(w, "two", 3, RSESS_ENC_UTF8);
    rsess_writer_sym(w, "@c", 2);
    rsess_writer_nil(w);
    ck_assert_int_eq(rsess_writer_finish(w, &out, NULL), 0);
    rsess_writer_free(w);
    expect_fixture("object", &out);

    out.len = 0;
    w = rsess_writer_new(0, NULL);
    double f[] = {1.5, 1.5, 2.5, 1.5, -0.0, -0.0};
    rsess_writer_array(w, 6);
    for (int i = 0; i < 6; i++) rsess_writer_float(w, f[i]);
    ck_assert_int_eq(rsess_writer_finish(w, &out, NULL), 0);
    rsess_writer_free(w);
    expect_fixture("float_repeated", &out);
    rsess_buf_free(&out);
}
END_TEST

/* rsess_writer_value with values of two documents: their node ids overlap,
 * yet only the same node twice is one object. The bytes are Ruby 3.1's
 * Marshal.dump(["x".b, "y".b]) and, s = "x".b, Marshal.dump([s, s]). */
START_TEST(stream_writer_values_of_two_documents)
{
    static const unsigned char two[] = {0x04, 0x08, 0x5b, 0x07, 0x22, 0x06, 0x78, 0x22, 0x06, 0x79};
    static const unsigned char same[] = {0x04, 0x08, 0x5b, 0x07, 0x22, 0x06, 0x78, 0x40, 0x06};
    rsess_doc *a = rsess_read("\x04\x08\x22\x06x", 5, NULL, NULL);
    rsess_doc *b = rsess_read("\x04\x08\x22\x06y", 5, NULL, NULL);
    ck_assert(a && b);
    ck_assert_uint_eq(rsess_node_id(rsess_doc_root(a)), rsess_node_id(rsess_doc_root(b)));
    rsess_buf out = {0};
    rsess_writer *w = rsess_writer_new(0, NULL);
    rsess_writer_array(w, 2);
    rsess_writer_value(w, rsess_doc_root(a));
    rsess_writer_value(w, rsess_doc_root(b));
    ck_assert_int_eq(rsess_writer_finish(w, &out, NULL), 0);
    rsess_writer_free(w);
    ck_assert(out.len == sizeof two && memcmp(out.data, two, sizeof two) == 0);
    out.len = 0;
    w = rsess_writer_new(0, NULL);
    rsess_writer_array(w, 2);
    rsess_writer_value(w, rsess_doc_root(a));
    rsess_writer_value(w, rsess_doc_root(a));
    ck_assert_int_eq(rsess_writer_finish(w, &out, NULL), 0);
    rsess_writer_free(w);
    ck_assert(out.len == sizeof same && memcmp(out.data, same, sizeof same) == 0);
    rsess_buf_free(&out);
    rsess_doc_free(a);
    rsess_doc_free(b);
}
END_TEST

START_TEST(stream_writer_sticky_errors)
{
    rsess_buf out = {0};
    rsess_err err;
    rsess_writer *w = rsess_writer_new(0, NULL);
    rsess_writer_array(w, 2);
    rsess_writer_int(w, 1);
    ck_assert_int_eq(rsess_writer_finish(w, &out, &err), RSESS_ERR_STATE);
    ck_assert_uint_eq(out.len, 0);
    rsess_writer_free(w);

    w = rsess_writer_new(0, NULL);
    rsess_writer_nil(w);
    rsess_writer_nil(w); /* a second root */
    rsess_writer_int(w, 5); /* no-op after the error */
    ck_assert_int_eq(rsess_writer_error(w), RSESS_ERR_STATE);
    ck_assert_int_eq(rsess_writer_finish(w, &out, &err), RSESS_ERR_STATE);
    rsess_writer_free(w);

    w = rsess_writer_new(0, NULL);
    rsess_writer_object(w, "A", 1, 1);
    rsess_writer_int(w, 1); /* a field name must be a symbol */
    ck_assert_int_eq(rsess_writer_finish(w, &out, &err), RSESS_ERR_STATE);
    rsess_writer_free(w);

    /* allocation failure inside the writer surfaces at finish, leak-free */
    for (long k = 1; k < 40; k++) {
        counting_alloc c = {0};
        c.fail_at = k;
        rsess_alloc h = counting_hooks(&c);
        w = rsess_writer_new(RSESS_WRITER_INTERN_KEYS, &h);
        if (!w) continue;
        rsess_writer_array(w, 40);
        for (int i = 0; i < 20; i++) {
            rsess_writer_hash(w, 1);
            rsess_writer_str(w, "key", 3, RSESS_ENC_UTF8);
            rsess_writer_float(w, i * 0.5);
        }
        for (int i = 0; i < 20; i++) rsess_writer_sym(w, "s", 1);
        int rc = rsess_writer_finish(w, &out, &err);
        ck_assert(rc == 0 || rc == RSESS_ERR_NOMEM);
        rsess_writer_free(w);
        ck_assert_int_eq(c.live, 0);
        out.len = 0;
    }
    rsess_buf_free(&out);
}
END_TEST

/* --- tests written for make coverage (issue #18) ---------------------- */
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
    counting_alloc c = {.fail_at = 0};
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

static void add_coverage_tests(Suite *s)
{
    TCase *t = tcase_create("marshal_write coverage");
    tcase_add_test(t, writer_null_and_bad_arguments);
    tcase_add_test(t, writer_nesting_limit);
    tcase_add_test(t, writer_links_repeats);
    tcase_add_test(t, write_refuses_what_cannot_be_written);
    suite_add_tcase(s, t);
}


Suite *marshal_write_suite(void)
{
    Suite *s = suite_create("marshal_write");
    TCase *t0 = tcase_create("round trip");
    tcase_set_timeout(t0, 120);
    tcase_add_test(t0, roundtrip_every_fixture);
    tcase_add_test(t0, roundtrip_borrowed);
    suite_add_tcase(s, t0);
    TCase *t1 = tcase_create("streaming writer");
    tcase_add_test(t1, stream_writer_matches_ruby);
    tcase_add_test(t1, stream_writer_sticky_errors);
    tcase_add_test(t1, stream_writer_values_of_two_documents);
    suite_add_tcase(s, t1);
    add_coverage_tests(s);
    return s;
}
