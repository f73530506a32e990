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

/* --- tests written for make coverage (issue #18) ---------------------- */
static rsess_doc *read_named(const char *name)
{
    size_t len;
    unsigned char *in = read_fixture(name, &len);
    rsess_err err = {0};
    rsess_doc *doc = rsess_read(in, len, NULL, &err);
    free(in);
    ck_assert_msg(doc != NULL, "%s: %s", name, err.text);
    return doc;
}

static void sym_is(const rsess_val *v, const char *want)
{
    size_t len = 0;
    const char *s = rsess_sym(v, &len);
    ck_assert_msg(s != NULL, "not a symbol (type %d)", (int)rsess_type_of(v));
    ck_assert_uint_eq(len, strlen(want));
    ck_assert(memcmp(s, want, len) == 0);
}

/* Object.new.extend(Meths).extend(Other): "e:\nOther e:\nMeths o:\vObject\0" */
START_TEST(doc_extended_modules_in_marshal_order)
{
    rsess_doc *doc = read_named("extended_twice");
    rsess_val *v = rsess_doc_root(doc);
    ck_assert_int_eq(rsess_type_of(v), RSESS_OBJECT);
    sym_is(rsess_class_of(v), "Object");
    ck_assert_uint_eq(rsess_extended_count(v), 2);
    sym_is(rsess_extended_get(v, 0), "Other");
    sym_is(rsess_extended_get(v, 1), "Meths");
    ck_assert_ptr_null(rsess_extended_get(v, 2));
    ck_assert_ptr_null(rsess_extended_get(NULL, 0));
    ck_assert_uint_eq(rsess_extended_count(NULL), 0);
    ck_assert_uint_eq(rsess_len(v), 0); /* no fields */
    ck_assert_ptr_null(rsess_user_class(v));
    rsess_doc_free(doc);
}
END_TEST

/* "with ivar" with @note = 1: I" ... :E T, :@note i 1 */
START_TEST(doc_ivars_by_index_and_name)
{
    rsess_doc *doc = read_named("ivar_string");
    rsess_val *v = rsess_doc_root(doc);
    size_t len;
    ck_assert(memcmp(rsess_str(v, &len), "with ivar", 9) == 0);
    ck_assert_uint_eq(len, 9);
    ck_assert_int_eq(rsess_encoding(v), RSESS_ENC_UTF8);
    ck_assert_uint_eq(rsess_ivar_count(v), 1);
    sym_is(rsess_ivar_name(v, 0), "@note");
    int64_t i = 0;
    ck_assert(rsess_int(rsess_ivar_val(v, 0), &i));
    ck_assert_int_eq(i, 1);
    ck_assert_ptr_eq(rsess_ivar_get(v, "@note", 5), rsess_ivar_val(v, 0));
    ck_assert_ptr_null(rsess_ivar_get(v, "@nota", 5));
    ck_assert_ptr_null(rsess_ivar_get(v, NULL, 5)); /* no name but a length */
    ck_assert_ptr_null(rsess_ivar_name(v, 1));
    ck_assert_ptr_null(rsess_ivar_val(v, 1));
    ck_assert_ptr_null(rsess_ivar_name(NULL, 0));
    ck_assert_ptr_null(rsess_ivar_val(NULL, 0));
    ck_assert_ptr_null(rsess_ivar_get(NULL, "@note", 5));
    ck_assert_uint_eq(rsess_ivar_count(NULL), 0);
    ck_assert_uint_eq(rsess_len(v), 9);
    rsess_doc_free(doc);
}
END_TEST

/* /ab/imx: I/ "ab" options 7, :E F (US-ASCII) */
START_TEST(doc_regexp_options)
{
    rsess_doc *doc = read_named("regexp_opts");
    rsess_val *v = rsess_doc_root(doc);
    ck_assert_int_eq(rsess_type_of(v), RSESS_REGEXP);
    ck_assert_int_eq(rsess_regexp_options(v), 7);
    ck_assert_int_eq(rsess_encoding(v), RSESS_ENC_USASCII);
    size_t len = 0;
    ck_assert(memcmp(rsess_bytes(v, &len), "ab", 2) == 0);
    ck_assert_uint_eq(len, 2);
    ck_assert_uint_eq(rsess_len(v), 2);
    ck_assert_ptr_null(rsess_str(v, &len)); /* a Regexp is not a String */
    ck_assert_int_eq(rsess_regexp_options(NULL), 0);
    ck_assert_int_eq(rsess_regexp_options(rsess_class_of(v)), 0);
    rsess_doc_free(doc);
}
END_TEST

/* MarshalMe.new(7): U :MarshalMe [7, "x"]; and "d:\bFoo[\x06i\x06" */
START_TEST(doc_dumped_values)
{
    rsess_doc *doc = read_named("usermarshal");
    rsess_val *v = rsess_doc_root(doc);
    ck_assert_int_eq(rsess_type_of(v), RSESS_USERMARSHAL);
    rsess_val *d = rsess_dumped(v);
    ck_assert_int_eq(rsess_type_of(d), RSESS_ARRAY);
    ck_assert_uint_eq(rsess_len(d), 2);
    ck_assert_ptr_null(rsess_dumped(d));
    ck_assert_ptr_null(rsess_dumped(NULL));
    ck_assert_uint_eq(rsess_len(v), 0);
    rsess_doc_free(doc);

    doc = read_named("tdata");
    v = rsess_doc_root(doc);
    ck_assert_int_eq(rsess_type_of(v), RSESS_DATA);
    sym_is(rsess_class_of(v), "Foo");
    ck_assert_int_eq(rsess_type_of(rsess_dumped(v)), RSESS_ARRAY);
    rsess_doc_free(doc);
}
END_TEST

/* Every accessor on NULL, on a value of another type, past the end, and
 * with its optional out-parameters NULL. */
START_TEST(doc_accessors_refuse_what_they_do_not_hold)
{
    rsess_doc *doc = rsess_doc_new(NULL);
    ck_assert_ptr_nonnull(doc);
    rsess_val *nil = rsess_new_nil(doc), *arr = rsess_new_array(doc), *h = rsess_new_hash(doc);
    rsess_val *s = rsess_new_str(doc, "ab", 2, RSESS_ENC_UTF8), *f = rsess_new_float(doc, 2.5);
    rsess_val *obj = rsess_new_object(doc, "Point", 5), *st = rsess_new_struct(doc, "S", 1);
    ck_assert_int_eq(rsess_arr_push(doc, arr, nil), 0);
    ck_assert_int_eq(rsess_hash_push(doc, h, s, nil), 0);

    ck_assert_ptr_null(rsess_doc_root(NULL));
    ck_assert_uint_eq(rsess_doc_consumed(NULL), 0);
    ck_assert_uint_eq(rsess_doc_arena_size(NULL), 0);
    ck_assert_uint_eq(rsess_doc_node_count(NULL), 0);
    /* 5 values, Point and S: nil and 2.5 are immediates, with no node (id 0) */
    ck_assert_uint_eq(rsess_doc_node_count(doc), 7);
    ck_assert_uint_eq(rsess_node_id(nil), 0);
    ck_assert_uint_eq(rsess_node_id(f), 0);
    ck_assert_uint_ne(rsess_node_id(s), 0);
    ck_assert_int_eq(rsess_type_of(NULL), RSESS_NONE);
    ck_assert_uint_eq(rsess_node_id(NULL), 0);
    ck_assert(!rsess_is_linked(NULL));
    ck_assert_str_eq(rsess_type_name(RSESS_OLDMODULE), "oldmodule");
    ck_assert_str_eq(rsess_type_name((rsess_type)20), "unknown");
    ck_assert_str_eq(rsess_type_name((rsess_type)-1), "unknown");

    int64_t i = 5;
    ck_assert(!rsess_int(NULL, &i) && !rsess_int(s, &i) && i == 5);
    ck_assert(rsess_int(rsess_new_int(doc, -3), NULL));
    double d = 1;
    ck_assert(rsess_float(NULL) == 0.0 && rsess_float(s) == 0.0 && rsess_float(f) == 2.5);
    ck_assert(!rsess_float_get(NULL, &d) && !rsess_float_get(s, &d) && d == 1);
    ck_assert(rsess_float_get(f, NULL));
    ck_assert_ptr_null(rsess_bignum(NULL, NULL, NULL));
    ck_assert_ptr_null(rsess_bignum(s, NULL, NULL));
    const unsigned char mag[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    rsess_val *big = rsess_new_bignum(doc, mag, 9, 1);
    ck_assert_ptr_eq(rsess_bignum(big, NULL, NULL), rsess_bignum(big, &(size_t){0}, &(int){0}));

    size_t len = 99;
    ck_assert_ptr_null(rsess_bytes(NULL, &len));
    ck_assert_ptr_null(rsess_bytes(arr, &len));
    ck_assert_uint_eq(len, 99);
    ck_assert(memcmp(rsess_bytes(s, NULL), "ab", 2) == 0);
    ck_assert_ptr_null(rsess_str(NULL, &len));
    ck_assert_ptr_null(rsess_sym(NULL, &len));
    ck_assert_ptr_null(rsess_sym(s, &len));
    ck_assert_int_eq(rsess_encoding(NULL), RSESS_ENC_BINARY);
    ck_assert(memcmp(rsess_encoding_name(s, NULL), "UTF-8", 5) == 0);

    ck_assert_uint_eq(rsess_len(NULL), 0);
    ck_assert_uint_eq(rsess_len(nil), 0);
    ck_assert_uint_eq(rsess_len(f), 0);
    ck_assert_uint_eq(rsess_len(arr), 1);
    ck_assert_uint_eq(rsess_len(h), 1);
    ck_assert_uint_eq(rsess_len(obj), 0);
    ck_assert_ptr_null(rsess_arr_get(NULL, 0));
    ck_assert_ptr_null(rsess_arr_get(h, 0));
    ck_assert_ptr_null(rsess_arr_get(arr, 1));
    ck_assert_ptr_eq(rsess_arr_get(arr, 0), nil);
    ck_assert_ptr_null(rsess_hash_key(NULL, 0));
    ck_assert_ptr_null(rsess_hash_key(arr, 0));
    ck_assert_ptr_null(rsess_hash_val(h, 1));
    ck_assert_ptr_eq(rsess_hash_key(h, 0), s);
    ck_assert_ptr_null(rsess_hash_get(NULL, "ab", 2));
    ck_assert_ptr_null(rsess_hash_get(arr, "ab", 2));
    ck_assert_ptr_eq(rsess_hash_get(h, "ab", 2), nil);
    ck_assert_ptr_null(rsess_hash_get(h, "ax", 2));
    ck_assert_ptr_null(rsess_hash_get(h, "a", 1));
    ck_assert_ptr_null(rsess_hash_default(NULL));
    ck_assert_ptr_null(rsess_hash_default(arr));
    ck_assert_ptr_null(rsess_hash_default(h));
    ck_assert(!rsess_hash_identity(NULL) && !rsess_hash_identity(arr) && !rsess_hash_identity(h));

    rsess_val *x = rsess_new_sym(doc, "x", 1);
    ck_assert_int_eq(rsess_field_push(doc, st, x, nil), 0);
    ck_assert_uint_eq(rsess_len(st), 1);
    ck_assert_ptr_eq(rsess_field_name(st, 0), x);
    ck_assert_ptr_eq(rsess_field_val(st, 0), nil);
    ck_assert_ptr_eq(rsess_field_get(st, "x", 1), nil);
    ck_assert_ptr_null(rsess_field_name(st, 1));
    ck_assert_ptr_null(rsess_field_val(st, 1));
    ck_assert_ptr_null(rsess_field_name(NULL, 0));
    ck_assert_ptr_null(rsess_field_val(arr, 0));
    ck_assert_ptr_null(rsess_field_get(h, "ab", 2));
    ck_assert_ptr_null(rsess_field_get(NULL, "x", 1));
    ck_assert_ptr_null(rsess_class_of(NULL));
    ck_assert_ptr_null(rsess_user_class(NULL));
    ck_assert_ptr_null(rsess_user_class(arr));
    rsess_doc_free(doc);
}
END_TEST

/* Builders: NULL document, NULL bytes with a length, ENC_OTHER where a
 * name is needed, and values that belong to another document. */
START_TEST(doc_builders_refuse_bad_arguments)
{
    rsess_doc *doc = rsess_doc_new(NULL), *other = rsess_doc_new(NULL);
    /* a node of the other document (its nil would be an immediate: everyone's) */
    rsess_val *alien = rsess_new_array(other), *alien_sym = rsess_new_sym(other, "a", 1);
    rsess_val *arr = rsess_new_array(doc), *h = rsess_new_hash(doc), *nil = rsess_new_nil(doc);
    rsess_val *sym = rsess_new_sym(doc, "k", 1), *obj = rsess_new_object(doc, "O", 1);
    rsess_val *str = rsess_new_str(doc, "s", 1, RSESS_ENC_UTF8);
    rsess_val *um = rsess_new_usermarshal(doc, "U", 1, nil);

    ck_assert_ptr_null(rsess_new_nil(NULL));
    ck_assert_ptr_null(rsess_new_bool(NULL, 1));
    ck_assert_int_eq(rsess_type_of(rsess_new_bool(doc, 0)), RSESS_FALSE);
    ck_assert_ptr_null(rsess_new_int(NULL, 1));
    ck_assert_ptr_null(rsess_new_float(NULL, 1.0));
    ck_assert_ptr_null(rsess_new_float_text(NULL, "1", 1));
    ck_assert_ptr_null(rsess_new_float_text(doc, NULL, 1));
    ck_assert_ptr_null(rsess_new_float_text(doc, "1x", 2));
    ck_assert_ptr_null(rsess_new_str(NULL, "a", 1, RSESS_ENC_UTF8));
    ck_assert_ptr_null(rsess_new_str(doc, NULL, 1, RSESS_ENC_UTF8));
    ck_assert_ptr_null(rsess_new_str(doc, "a", 1, RSESS_ENC_OTHER));
    ck_assert_ptr_null(rsess_new_str_enc(doc, "a", 1, NULL, 0));
    ck_assert_ptr_null(rsess_new_str_enc(NULL, "a", 1, "Shift_JIS", 9));
    ck_assert_ptr_null(rsess_new_sym(NULL, "a", 1));
    ck_assert_ptr_null(rsess_new_sym(doc, NULL, 1));
    ck_assert_ptr_null(rsess_new_sym_enc(doc, "a", 1, RSESS_ENC_OTHER));
    ck_assert_ptr_null(rsess_new_sym_enc_named(doc, "a", 1, NULL, 0));
    ck_assert_ptr_null(rsess_new_regexp(doc, "a", 1, 0, RSESS_ENC_OTHER));
    ck_assert_ptr_null(rsess_new_regexp(NULL, "a", 1, 0, RSESS_ENC_UTF8));
    ck_assert_ptr_null(rsess_new_array(NULL));
    ck_assert_ptr_null(rsess_new_hash(NULL));
    ck_assert_ptr_null(rsess_new_object(NULL, "O", 1));
    ck_assert_ptr_null(rsess_new_object(doc, NULL, 0));
    ck_assert_ptr_null(rsess_new_struct(doc, NULL, 0));
    ck_assert_ptr_null(rsess_new_userdef(doc, "U", 1, "d", 1, RSESS_ENC_OTHER));
    ck_assert_ptr_null(rsess_new_userdef(NULL, "U", 1, "d", 1, RSESS_ENC_BINARY));
    ck_assert_ptr_null(rsess_new_userdef(doc, NULL, 1, "d", 1, RSESS_ENC_BINARY));
    ck_assert_ptr_null(rsess_new_userdef(doc, "U", 1, NULL, 1, RSESS_ENC_BINARY));
    ck_assert_ptr_null(rsess_new_usermarshal(NULL, "U", 1, nil));
    ck_assert_ptr_null(rsess_new_usermarshal(doc, "U", 1, alien));
    ck_assert_ptr_null(rsess_new_usermarshal(doc, NULL, 1, nil));
    ck_assert_ptr_null(rsess_new_data(NULL, "D", 1, nil));
    ck_assert_ptr_null(rsess_new_data(doc, "D", 1, alien));
    ck_assert_ptr_null(rsess_new_data(doc, NULL, 1, nil));
    ck_assert_ptr_null(rsess_new_int_text(NULL, "1", 1));
    ck_assert_ptr_null(rsess_new_int_text(doc, NULL, 1));
    ck_assert_ptr_null(rsess_new_int_text(doc, "-", 1));
    ck_assert_ptr_null(rsess_new_int_text(doc, "1a", 2));
    ck_assert_ptr_null(rsess_new_classref(doc, RSESS_STRING, "A", 1));
    ck_assert_ptr_null(rsess_new_classref(NULL, RSESS_CLASS, "A", 1));

    ck_assert_int_eq(rsess_doc_set_root(NULL, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_doc_set_root(doc, alien), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_doc_set_root(doc, NULL), 0);
    ck_assert_ptr_null(rsess_doc_root(doc));

    ck_assert_int_eq(rsess_set_encoding(NULL, str, "UTF-8", 5), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_set_encoding(doc, NULL, "UTF-8", 5), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_set_encoding(doc, str, NULL, 0), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_set_encoding(doc, sym, "UTF-8", 5), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_set_encoding(other, str, "UTF-8", 5), RSESS_ERR_ARG);
    rsess_val *cls = rsess_new_classref(doc, RSESS_CLASS, "A", 1), *mod = rsess_new_classref(doc, RSESS_MODULE, "M", 1);
    rsess_val *re = rsess_new_regexp(doc, "r", 1, 0, RSESS_ENC_BINARY);
    rsess_val *ud = rsess_new_userdef(doc, "U", 1, "d", 1, RSESS_ENC_BINARY);
    rsess_val *targets[] = {str, re, ud, cls, mod};
    for (size_t k = 0; k < 5; k++) {
        ck_assert_int_eq(rsess_set_encoding(doc, targets[k], "Windows-1252", 12), 0);
        size_t len = 0;
        const char *name = rsess_encoding_name(targets[k], &len);
        ck_assert(name && len == 12 && memcmp(name, "Windows-1252", 12) == 0);
        ck_assert_int_eq(rsess_encoding(targets[k]), RSESS_ENC_OTHER);
    }
    ck_assert_int_eq(rsess_set_encoding(doc, str, "UTF-8", 5), 0);
    ck_assert_int_eq(rsess_encoding(str), RSESS_ENC_UTF8);

    ck_assert_int_eq(rsess_set_dumped(NULL, um, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_set_dumped(doc, NULL, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_set_dumped(doc, arr, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_set_dumped(other, um, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_set_dumped(doc, um, alien), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_set_dumped(doc, um, arr), 0);
    ck_assert_ptr_eq(rsess_dumped(um), arr);
    rsess_val *dt = rsess_new_data(doc, "D", 1, NULL);
    ck_assert_int_eq(rsess_set_dumped(doc, dt, h), 0);
    ck_assert_ptr_eq(rsess_dumped(dt), h);

    ck_assert_int_eq(rsess_arr_push(NULL, arr, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_arr_push(doc, NULL, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_arr_push(doc, arr, NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_arr_push(doc, h, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_arr_push(other, arr, alien), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_arr_push(doc, arr, alien), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_push(NULL, h, sym, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_push(doc, NULL, sym, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_push(doc, h, NULL, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_push(doc, h, sym, NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_push(doc, arr, sym, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_push(other, h, alien, alien), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_push(doc, h, alien, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_push(doc, h, sym, alien), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_push_strkey(NULL, h, "k", 1, RSESS_ENC_UTF8, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_push_strkey(doc, NULL, "k", 1, RSESS_ENC_UTF8, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_push_strkey(doc, h, "k", 1, RSESS_ENC_UTF8, NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_push_strkey(doc, arr, "k", 1, RSESS_ENC_UTF8, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_push_strkey(doc, h, NULL, 1, RSESS_ENC_UTF8, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_push_strkey(doc, h, "k", 1, RSESS_ENC_OTHER, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_push_strkey(other, h, "k", 1, RSESS_ENC_UTF8, alien), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_push_strkey(doc, h, "k", 1, RSESS_ENC_UTF8, alien), RSESS_ERR_ARG);
    ck_assert_uint_eq(rsess_len(h), 0);
    /* the same key text twice is one String (Ruby's fstring keys) */
    ck_assert_int_eq(rsess_hash_push_strkey(doc, h, NULL, 0, RSESS_ENC_UTF8, nil), 0);
    ck_assert_int_eq(rsess_hash_push_strkey(doc, h, NULL, 0, RSESS_ENC_UTF8, arr), 0);
    ck_assert_ptr_eq(rsess_hash_key(h, 0), rsess_hash_key(h, 1));
    ck_assert_ptr_eq(rsess_hash_get(h, NULL, 0), arr); /* the last pair's value, as Ruby loads it */

    ck_assert_int_eq(rsess_hash_set_default(NULL, h, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_default(doc, NULL, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_default(doc, arr, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_default(other, h, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_default(doc, h, alien), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_default(doc, h, str), 0);
    ck_assert_ptr_eq(rsess_hash_default(h), str);
    ck_assert_int_eq(rsess_hash_set_default(doc, h, NULL), 0);
    ck_assert_ptr_null(rsess_hash_default(h));
    ck_assert_int_eq(rsess_hash_set_identity(NULL, h, 1), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_identity(doc, NULL, 1), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_identity(doc, arr, 1), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_identity(other, h, 1), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_identity(doc, h, 1), 0);
    ck_assert(rsess_hash_identity(h));
    ck_assert_int_eq(rsess_hash_set_identity(doc, h, 0), 0);
    ck_assert(!rsess_hash_identity(h));

    ck_assert_int_eq(rsess_field_push(NULL, obj, sym, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_field_push(doc, arr, sym, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_field_push(doc, obj, NULL, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_field_push(doc, obj, str, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_field_push(doc, obj, sym, NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_field_push(other, obj, alien_sym, alien), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_field_push(doc, obj, alien_sym, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_field_push(doc, obj, sym, alien), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_ivar_push(NULL, str, sym, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_ivar_push(doc, NULL, sym, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_ivar_push(doc, str, NULL, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_ivar_push(doc, str, str, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_ivar_push(doc, str, sym, NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_ivar_push(other, str, alien_sym, alien), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_ivar_push(doc, str, alien_sym, nil), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_ivar_push(doc, str, sym, alien), RSESS_ERR_ARG);
    ck_assert_uint_eq(rsess_ivar_count(str), 0);
    ck_assert_int_eq(rsess_set_user_class(NULL, str, sym), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_set_user_class(doc, NULL, sym), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_set_user_class(doc, str, str), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_set_user_class(other, str, alien_sym), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_set_user_class(doc, str, alien_sym), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_set_user_class(doc, str, sym), 0);
    ck_assert_ptr_eq(rsess_user_class(str), sym);
    ck_assert_int_eq(rsess_set_user_class(doc, str, NULL), 0);
    ck_assert_ptr_null(rsess_user_class(str));
    ck_assert_int_eq(rsess_extend(NULL, obj, sym), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_extend(doc, NULL, sym), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_extend(doc, obj, NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_extend(doc, obj, str), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_extend(other, obj, alien_sym), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_extend(doc, obj, alien_sym), RSESS_ERR_ARG);
    ck_assert_uint_eq(rsess_extended_count(obj), 0);
    rsess_doc_free(doc);
    rsess_doc_free(other);
}
END_TEST

/* A value of another document is refused even when this one has grown
 * chunks of its own (the ownership test then walks them all). */
START_TEST(doc_foreign_values_after_growth)
{
    rsess_doc *doc = rsess_doc_new(NULL), *other = rsess_doc_new(NULL);
    rsess_val *arr = rsess_new_array(doc);
    static char big[100000];
    for (int k = 0; k < 8; k++) ck_assert_int_eq(rsess_arr_push(doc, arr, rsess_new_str(doc, big, sizeof big, RSESS_ENC_BINARY)), 0);
    ck_assert_uint_gt(rsess_doc_arena_size(doc), 8 * sizeof big);
    rsess_val *first = rsess_arr_get(arr, 0);
    ck_assert_int_eq(rsess_arr_push(doc, arr, first), 0); /* in an older chunk: still ours */
    ck_assert_int_eq(rsess_arr_push(doc, arr, rsess_new_hash(other)), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_arr_push(doc, arr, rsess_new_nil(other)), 0); /* an immediate: no node to own */
    ck_assert_uint_eq(rsess_len(arr), 10);
    rsess_doc_free(doc);
    rsess_doc_free(other);
}
END_TEST

/* Bignum magnitudes that fit 64 bits are Integers, as in Ruby: 2**63 is a
 * Bignum, -(2**63) a Fixnum-range Integer; leading zero bytes are trimmed. */
START_TEST(doc_bignum_narrowing)
{
    rsess_doc *doc = rsess_doc_new(NULL);
    const unsigned char m63[] = {0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0};
    int64_t i = 0;
    ck_assert(rsess_int(rsess_new_bignum(doc, m63, sizeof m63, 1), &i));
    ck_assert(i == INT64_MIN);
    rsess_val *b = rsess_new_bignum(doc, m63, sizeof m63, 0);
    ck_assert_int_eq(rsess_type_of(b), RSESS_BIGNUM);
    size_t len = 0;
    int neg = 1;
    ck_assert_ptr_nonnull(rsess_bignum(b, &len, &neg));
    ck_assert_uint_eq(len, 8);
    ck_assert_int_eq(neg, 0);
    const unsigned char m64[] = {1, 0, 0, 0, 0, 0, 0, 0x80};
    ck_assert_int_eq(rsess_type_of(rsess_new_bignum(doc, m64, 8, 1)), RSESS_BIGNUM);
    /* int text: a sign, and more than 16 limbs (heap scratch) */
    char digits[200];
    memset(digits, '9', sizeof digits);
    rsess_val *v = rsess_new_int_text(doc, digits, sizeof digits);
    ck_assert_int_eq(rsess_type_of(v), RSESS_BIGNUM);
    ck_assert(rsess_int(rsess_new_int_text(doc, "+42", 3), &i) && i == 42);
    ck_assert(rsess_int(rsess_new_int_text(doc, "-0", 2), &i) && i == 0);
    rsess_doc_free(doc);
}
END_TEST

/* Each builder with each allocation failing in turn: NULL or
 * RSESS_ERR_NOMEM, never a half-made value, and nothing leaked. Large
 * byte strings put the arena's growth between a node and its bytes. */
static int build_some(rsess_doc *doc, const char *big, size_t bign)
{
    rsess_val *arr = rsess_new_array(doc);
    if (!arr) return RSESS_ERR_NOMEM;
    rsess_val *vals[] = {
        rsess_new_str(doc, big, bign, RSESS_ENC_UTF8),
        rsess_new_str_enc(doc, big, bign, "Shift_JIS", 9),
        rsess_new_str_enc(doc, "x", 1, "EUC-JP", 6),
        rsess_new_sym(doc, big, bign / 2),
        rsess_new_sym_enc_named(doc, "\xe9", 1, "Windows-1252", 12),
        rsess_new_regexp(doc, big, bign, 1, RSESS_ENC_BINARY),
        rsess_new_float(doc, 0.5),
        rsess_new_float(doc, 1e300 * 10), /* not a flonum */
        rsess_new_float_text(doc, "1.5\0\x01\x02", 6),
        rsess_new_int_text(doc, big, bign / 4),
        rsess_new_object(doc, big, bign / 3),
        rsess_new_userdef(doc, "U", 1, big, bign, RSESS_ENC_BINARY),
        rsess_new_classref(doc, RSESS_MODULE, big, bign / 5),
    };
    for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
        if (!vals[k]) return RSESS_ERR_NOMEM;
        int rc = rsess_arr_push(doc, arr, vals[k]);
        if (rc) return rc;
    }
    rsess_val *h = rsess_new_hash(doc), *sym = rsess_new_sym(doc, "@iv", 3);
    if (!h || !sym) return RSESS_ERR_NOMEM;
    for (int k = 0; k < 40; k++) {
        char key[8];
        int n = snprintf(key, sizeof key, "k%d", k);
        int rc = rsess_hash_push_strkey(doc, h, key, (size_t)n, RSESS_ENC_UTF8, arr);
        if (rc) return rc;
    }
    int rc = rsess_hash_set_default(doc, h, arr);
    if (!rc) rc = rsess_ivar_push(doc, arr, sym, h);
    if (!rc) rc = rsess_set_user_class(doc, arr, sym);
    if (!rc) rc = rsess_extend(doc, arr, sym);
    if (!rc) rc = rsess_set_encoding(doc, vals[0], "IBM437", 6);
    if (!rc) rc = rsess_doc_set_root(doc, h);
    return rc;
}

START_TEST(doc_builders_under_allocation_failure)
{
    static char big[9000];
    memset(big, '7', sizeof big);
    long works = 0, failed = 0;
    for (long k = 1; k < 400; k++) {
        counting_alloc c = {.fail_at = k};
        rsess_alloc a = counting_hooks(&c);
        rsess_doc *doc = rsess_doc_new(&a);
        if (!doc) {
            ck_assert_int_eq(k, 1);
            failed++;
            continue;
        }
        int rc = build_some(doc, big, sizeof big);
        ck_assert_msg(rc == 0 || rc == RSESS_ERR_NOMEM, "allocation %ld: %d", k, rc);
        if (rc) failed++;
        else {
            works++;
            ck_assert_uint_eq(rsess_len(rsess_doc_root(doc)), 40);
        }
        rsess_doc_free(doc);
        ck_assert_int_eq(c.live, 0);
        if (c.calls < k) break; /* no allocation failed: all were tried */
    }
    ck_assert_int_gt(failed, 5);
    ck_assert_int_eq(works, 1);
}
END_TEST

static void add_coverage_tests(Suite *s)
{
    TCase *t = tcase_create("doc coverage");
    tcase_add_test(t, doc_extended_modules_in_marshal_order);
    tcase_add_test(t, doc_ivars_by_index_and_name);
    tcase_add_test(t, doc_regexp_options);
    tcase_add_test(t, doc_dumped_values);
    tcase_add_test(t, doc_accessors_refuse_what_they_do_not_hold);
    tcase_add_test(t, doc_builders_refuse_bad_arguments);
    tcase_add_test(t, doc_foreign_values_after_growth);
    tcase_add_test(t, doc_bignum_narrowing);
    tcase_add_test(t, doc_builders_under_allocation_failure);
    suite_add_tcase(s, t);
}


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
    add_coverage_tests(s);
    return s;
}
