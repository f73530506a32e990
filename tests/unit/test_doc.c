/* The document (lib/doc.c): accessors on decoded values, and values built
 * in C with the builder giving Ruby's bytes. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Accessors on the typical session (values from the generator script). */
START_TEST(accessors_on_a_session)
{
    size_t len, n;
    unsigned char *data = read_fixture("session_typical", &len);
    rsess_doc *doc = rsess_read(data, len, NULL, NULL);
    free(data); /* the document keeps its own copy */
    rsess_val *s = rsess_doc_root(doc);
    ck_assert_int_eq(rsess_type_of(s), RSESS_HASH);
    ck_assert_uint_eq(rsess_len(s), 7);
    const char *tok = rsess_str(rsess_hash_get(s, "_csrf_token", 11), &n);
    ck_assert(tok && n == 43 && memcmp(tok, "J5cB8q9rFh0yQm3n", 16) == 0);
    ck_assert_int_eq(rsess_encoding(rsess_hash_get(s, "_csrf_token", 11)), RSESS_ENC_USASCII);
    ck_assert_int_eq(rsess_encoding(rsess_hash_key(s, 0)), RSESS_ENC_UTF8);
    rsess_val *w = rsess_hash_get(s, "warden.user.user.key", 20);
    int64_t id = 0;
    ck_assert(rsess_int(rsess_arr_get(rsess_arr_get(w, 0), 0), &id) && id == 42);
    rsess_val *flash = rsess_hash_get(rsess_hash_get(s, "flash", 5), "flashes", 7);
    const char *notice = rsess_str(rsess_hash_get(flash, "notice", 6), &n);
    ck_assert(notice && n == 10 && memcmp(notice, "Signed in.", 10) == 0);
    ck_assert(rsess_float(rsess_hash_get(s, "last_seen", 9)) == 1769693054.4480495);
    /* chained lookups through missing keys are NULL, not crashes */
    ck_assert_ptr_null(rsess_str(rsess_hash_get(rsess_hash_get(s, "nope", 4), "x", 1), &n));
    ck_assert_ptr_null(rsess_arr_get(s, 0));
    ck_assert_int_eq(rsess_type_of(NULL), RSESS_NONE);
    rsess_doc_free(doc);
}
END_TEST

START_TEST(accessors_on_objects)
{
    size_t len, n;
    unsigned char *data = read_fixture("object", &len);
    rsess_doc *doc = rsess_read(data, len, NULL, NULL);
    rsess_val *o = rsess_doc_root(doc);
    ck_assert_int_eq(rsess_type_of(o), RSESS_OBJECT);
    ck_assert(memcmp(rsess_sym(rsess_class_of(o), &n), "Plain", 5) == 0 && n == 5);
    ck_assert_uint_eq(rsess_len(o), 3);
    ck_assert(memcmp(rsess_str(rsess_field_get(o, "@b", 2), &n), "two", 3) == 0);
    rsess_doc_free(doc);
    free(data);

    data = read_fixture("string_sjis", &len);
    doc = rsess_read(data, len, NULL, NULL);
    ck_assert_int_eq(rsess_encoding(rsess_doc_root(doc)), RSESS_ENC_OTHER);
    const char *name = rsess_encoding_name(rsess_doc_root(doc), &n);
    ck_assert(n == 9 && memcmp(name, "Shift_JIS", 9) == 0);
    rsess_doc_free(doc);
    free(data);

    data = read_fixture("bignum", &len);
    doc = rsess_read(data, len, NULL, NULL);
    int neg = 1;
    const unsigned char *mag = rsess_bignum(rsess_doc_root(doc), &n, &neg);
    ck_assert(mag && n == 14 && neg == 0 && mag[12] == 0x10); /* 2^100 */
    rsess_doc_free(doc);
    free(data);
}
END_TEST

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

Suite *doc_suite(void)
{
    Suite *s = suite_create("doc");
    TCase *t0 = tcase_create("accessors");
    tcase_set_timeout(t0, 120);
    tcase_add_test(t0, accessors_on_a_session);
    tcase_add_test(t0, accessors_on_objects);
    suite_add_tcase(s, t0);
    TCase *t1 = tcase_create("builder");
    tcase_add_test(t1, build_redis_store_session);
    tcase_add_test(t1, build_interned_keys);
    tcase_add_test(t1, build_floats_like_ruby);
    tcase_add_test(t1, build_named_encodings);
    tcase_add_test(t1, build_symbols_and_integers);
    tcase_add_test(t1, build_objects_and_cycles);
    suite_add_tcase(s, t1);
    return s;
}
