/* Values built in C (builder and streaming writer) give Ruby's bytes. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static void expect_fixture(const char *name, const rsess_buf *got)
{
    size_t len;
    unsigned char *want = read_fixture(name, &len);
    ck_assert_msg(got->len == len && memcmp(got->data, want, len) == 0, "%s: built bytes differ (%zu vs %zu)", name,
                  got->len, len);
    free(want);
}

static void expect_doc(const char *name, rsess_doc *doc, rsess_val *root)
{
    rsess_buf out = {0};
    rsess_err err;
    ck_assert_msg(rsess_write(root, &out, &err) == 0, "%s: %s", name, err.text);
    expect_fixture(name, &out);
    rsess_buf_free(&out);
    rsess_doc_free(doc);
}

START_TEST(build_redis_store_session)
{
    rsess_doc *d = rsess_doc_new(NULL);
    rsess_val *h = rsess_new_hash(d);
    ck_assert_int_eq(rsess_hash_push_strkey(d, h, "message", 7, RSESS_ENC_USASCII,
                                            rsess_new_str(d, "hello", 5, RSESS_ENC_UTF8)), 0);
    expect_doc("session_redis_store", d, h);
}
END_TEST

START_TEST(build_interned_keys)
{
    rsess_doc *d = rsess_doc_new(NULL);
    rsess_val *a = rsess_new_array(d), *h1 = rsess_new_hash(d), *h2 = rsess_new_hash(d), *h3 = rsess_new_hash(d),
              *h4 = rsess_new_hash(d);
    rsess_hash_push_strkey(d, h1, "a", 1, RSESS_ENC_UTF8, rsess_new_int(d, 1));
    rsess_hash_push_strkey(d, h2, "a", 1, RSESS_ENC_UTF8, rsess_new_int(d, 2));
    rsess_hash_push_strkey(d, h4, "a", 1, RSESS_ENC_UTF8, rsess_new_int(d, 3));
    rsess_hash_push_strkey(d, h3, "b", 1, RSESS_ENC_UTF8, h4);
    rsess_arr_push(d, a, h1);
    rsess_arr_push(d, a, h2);
    rsess_arr_push(d, a, h3);
    expect_doc("keys_interned", d, a);
}
END_TEST

START_TEST(build_floats_like_ruby)
{
    rsess_doc *d = rsess_doc_new(NULL);
    rsess_val *a = rsess_new_array(d);
    double v[] = {1.5, 1.5, 2.5, 1.5, -0.0, -0.0};
    for (int i = 0; i < 6; i++) rsess_arr_push(d, a, rsess_new_float(d, v[i]));
    expect_doc("float_repeated", d, a);
}
END_TEST

START_TEST(build_named_encodings)
{
    rsess_doc *d = rsess_doc_new(NULL);
    rsess_val *a = rsess_new_array(d);
    rsess_arr_push(d, a, rsess_new_str_enc(d, "a", 1, "Shift_JIS", 9));
    rsess_arr_push(d, a, rsess_new_str_enc(d, "\x82\xa0", 2, "Shift_JIS", 9));
    expect_doc("string_sjis_two", d, a);
}
END_TEST

START_TEST(build_symbols_and_integers)
{
    rsess_doc *d = rsess_doc_new(NULL);
    rsess_val *a = rsess_new_array(d);
    rsess_arr_push(d, a, rsess_new_sym(d, "\xe2\x82\xac" "a", 4));
    rsess_arr_push(d, a, rsess_new_sym(d, "\xe2\x82\xac" "b", 4));
    rsess_arr_push(d, a, rsess_new_sym(d, "\xe2\x82\xac" "a", 4));
    expect_doc("symbol_utf8_two", d, a);

    d = rsess_doc_new(NULL);
    a = rsess_new_array(d);
    rsess_val *b = rsess_new_int_text(d, "1180591620717411303424", 22); /* 2^70 */
    ck_assert_int_eq(rsess_type_of(b), RSESS_BIGNUM);
    rsess_arr_push(d, a, b);
    rsess_arr_push(d, a, b);
    rsess_arr_push(d, a, rsess_new_int(d, 1LL << 62));
    rsess_arr_push(d, a, rsess_new_int(d, 1LL << 40));
    rsess_arr_push(d, a, rsess_new_int(d, 1LL << 40));
    expect_doc("bignum_shared", d, a);

    d = rsess_doc_new(NULL);
    ck_assert_int_eq(rsess_type_of(rsess_new_int_text(d, "-9223372036854775808", 20)), RSESS_INT);
    ck_assert_ptr_null(rsess_new_int_text(d, "12a", 3));
    ck_assert_ptr_null(rsess_new_int_text(d, "-", 1));
    expect_doc("int_m2p100", d, rsess_new_int_text(d, "-1267650600228229401496703205376", 32));
}
END_TEST

START_TEST(build_objects_and_cycles)
{
    rsess_doc *d = rsess_doc_new(NULL);
    rsess_val *o = rsess_new_object(d, "Plain", 5);
    rsess_field_push(d, o, rsess_new_sym(d, "@a", 2), rsess_new_int(d, 1));
    rsess_field_push(d, o, rsess_new_sym(d, "@b", 2), o);
    rsess_field_push(d, o, rsess_new_sym(d, "@c", 2), rsess_new_nil(d));
    expect_doc("cycle_object", d, o);

    d = rsess_doc_new(NULL);
    rsess_val *u = rsess_new_userdef(d, "DumpMe", 6, "caf\xc3\xa9", 5, RSESS_ENC_UTF8);
    expect_doc("userdef_utf8", d, u);

    d = rsess_doc_new(NULL);
    rsess_val *h = rsess_new_hash(d);
    rsess_hash_set_identity(d, h, 1);
    rsess_set_user_class(d, h, rsess_new_sym(d, "UserHash", 8));
    expect_doc("user_hash_identity", d, h);
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

Suite *build_suite(void)
{
    Suite *s = suite_create("build");
    TCase *t = tcase_create("build");
    tcase_add_test(t, build_redis_store_session);
    tcase_add_test(t, build_interned_keys);
    tcase_add_test(t, build_floats_like_ruby);
    tcase_add_test(t, build_named_encodings);
    tcase_add_test(t, build_symbols_and_integers);
    tcase_add_test(t, build_objects_and_cycles);
    tcase_add_test(t, stream_writer_matches_ruby);
    tcase_add_test(t, stream_writer_sticky_errors);
    suite_add_tcase(s, t);
    return s;
}
