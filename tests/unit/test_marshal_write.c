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
    return s;
}
