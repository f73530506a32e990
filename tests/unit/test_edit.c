/* Editing in place (lib/edit.c): Hash#[]=, delete, Array#[]= and deep copies,
 * checked against the bytes real Ruby writes after the same edits
 * (fixtures/edits, tests/fixtures/generate_edits.rb). */
#include "testutil.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define K(s) s, sizeof s - 1
#define NOMEM_IF_NULL(v) \
    do { \
        if (!(v)) return RSESS_ERR_NOMEM; \
    } while (0)

static rsess_doc *read_named(const char *name, const rsess_alloc *alloc)
{
    size_t len;
    unsigned char *data = read_fixture(name, &len);
    rsess_read_opts o = {0};
    o.alloc = alloc;
    rsess_err err;
    rsess_doc *d = rsess_read(data, len, &o, &err);
    free(data);
    return d;
}

static unsigned char *read_edit(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "fixtures/edits/%s.bin", name);
    return read_file(path, len);
}

/* rsess_write(v) equals the bytes (or fails the test, saying where). */
static void assert_writes(const rsess_val *v, const unsigned char *want, size_t wlen, const char *what)
{
    rsess_buf out;
    rsess_buf_init(&out, NULL);
    rsess_err err;
    int rc = rsess_write(v, &out, &err);
    ck_assert_msg(rc == 0, "%s: write failed: %d %s", what, rc, rc ? err.text : "");
    size_t at = 0;
    while (at < out.len && at < wlen && out.data[at] == want[at]) at++;
    ck_assert_msg(out.len == wlen && at == wlen, "%s: %zu bytes written, Ruby wrote %zu; first difference at %zu",
                  what, out.len, wlen, at);
    rsess_buf_free(&out);
}

/* --- the edits, as generate_edits.rb makes them with Ruby -------------------- */
static rsess_val *str(rsess_doc *d, const char *s) { return rsess_new_str(d, s, strlen(s), RSESS_ENC_UTF8); }

static int set_str(rsess_doc *d, rsess_val *h, const char *k, rsess_val *v)
{
    NOMEM_IF_NULL(v);
    return rsess_hash_set_str(d, h, k, strlen(k), v);
}

static int set_sym(rsess_doc *d, rsess_val *h, const char *k, rsess_val *v)
{
    NOMEM_IF_NULL(v);
    return rsess_hash_set_sym(d, h, k, strlen(k), v);
}

static int arr_set(rsess_doc *d, rsess_val *a, size_t i, rsess_val *v)
{
    NOMEM_IF_NULL(v);
    return rsess_arr_set(d, a, i, v);
}

static int e_set_new(rsess_doc *d, rsess_val *s) { return set_str(d, s, "cart_id", rsess_new_int(d, 17)); }
static int e_set_replace_usascii(rsess_doc *d, rsess_val *s) { return set_str(d, s, "locale", str(d, "fr")); }
static int e_set_replace(rsess_doc *d, rsess_val *s) { return set_str(d, s, "user_return_to", str(d, "/orders/7")); }
static int e_set_float(rsess_doc *d, rsess_val *s)
{
    return set_str(d, s, "last_seen", rsess_new_float(d, 1769693100.25));
}
static int e_delete(rsess_doc *d, rsess_val *s) { return rsess_hash_delete(d, s, K("user_return_to"), RSESS_KEY_STRING); }
static int e_delete_first(rsess_doc *d, rsess_val *s) { return rsess_hash_delete(d, s, K("session_id"), RSESS_KEY_ANY); }
static int e_arr_set(rsess_doc *d, rsess_val *s)
{
    return arr_set(d, rsess_hash_gets(s, "warden.user.user.key"), 1, str(d, "$2a$12$zyxwvutsrqponmlkjihgfe"));
}
static int e_arr_set_nested(rsess_doc *d, rsess_val *s)
{
    return arr_set(d, rsess_arr_get(rsess_hash_gets(s, "warden.user.user.key"), 0), 0, rsess_new_int(d, 43));
}
static int e_set_linked_key(rsess_doc *d, rsess_val *s)
{
    return set_str(d, rsess_hash_gets(s, "flash"), "session_id", rsess_new_bool(d, 1));
}
static int e_set_sym(rsess_doc *d, rsess_val *s) { return set_sym(d, s, "user_id", rsess_new_int(d, 42)); }
static int e_set_sym_replace(rsess_doc *d, rsess_val *s)
{
    int rc = set_sym(d, s, "user_id", rsess_new_int(d, 42));
    return rc ? rc : set_sym(d, s, "user_id", str(d, "42"));
}
static int e_set_shared(rsess_doc *d, rsess_val *s) { return set_str(d, s, "flash_again", rsess_hash_gets(s, "flash")); }
static int e_identity(rsess_doc *d, rsess_val *s)
{
    rsess_val *h = rsess_new_hash(d);
    NOMEM_IF_NULL(h);
    int rc = rsess_hash_set_identity(d, h, 1);
    if (!rc) rc = set_str(d, s, "ids", h);
    if (!rc) rc = set_str(d, h, "a", rsess_new_int(d, 1));
    if (!rc) rc = set_str(d, h, "a", rsess_new_int(d, 2));
    if (!rc) rc = set_sym(d, h, "b", rsess_new_int(d, 3));
    if (!rc) rc = set_sym(d, h, "b", rsess_new_int(d, 4));
    return rc;
}
/* The source document is freed before the session is written: the copy
 * owns everything it needs. */
static int copy_from(rsess_doc *d, rsess_val *s, const char *fixture)
{
    rsess_doc *src = read_named(fixture, NULL);
    ck_assert_msg(src != NULL, "%s", fixture);
    rsess_val *c = rsess_copy(d, rsess_doc_root(src));
    rsess_doc_free(src);
    return set_str(d, s, "copied", c);
}
static int e_copy_object_link(rsess_doc *d, rsess_val *s) { return copy_from(d, s, "object_link"); }
static int e_copy_string_sjis_two(rsess_doc *d, rsess_val *s) { return copy_from(d, s, "string_sjis_two"); }
static int e_copy_shared_hash(rsess_doc *d, rsess_val *s) { return copy_from(d, s, "shared_hash"); }
static int e_copy_cycle_hash(rsess_doc *d, rsess_val *s) { return copy_from(d, s, "cycle_hash"); }
static int e_copy_cycle_object(rsess_doc *d, rsess_val *s) { return copy_from(d, s, "cycle_object"); }
static int e_copy_time_shared(rsess_doc *d, rsess_val *s) { return copy_from(d, s, "time_shared"); }
static int e_all(rsess_doc *d, rsess_val *s)
{
    int (*steps[])(rsess_doc *, rsess_val *) = {e_set_new, e_set_replace_usascii, e_delete, e_arr_set,
                                                 e_set_linked_key, e_set_sym, e_set_shared};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        int rc = steps[i](d, s);
        if (rc) return rc;
    }
    return 0;
}

static const struct edit {
    const char *name;
    int (*fn)(rsess_doc *, rsess_val *);
} edits[] = {
    {"set_new", e_set_new},
    {"set_replace_usascii", e_set_replace_usascii},
    {"set_replace", e_set_replace},
    {"set_float", e_set_float},
    {"delete", e_delete},
    {"delete_first", e_delete_first},
    {"arr_set", e_arr_set},
    {"arr_set_nested", e_arr_set_nested},
    {"set_linked_key", e_set_linked_key},
    {"set_sym", e_set_sym},
    {"set_sym_replace", e_set_sym_replace},
    {"set_shared", e_set_shared},
    {"identity", e_identity},
    {"copy_object_link", e_copy_object_link},
    {"copy_string_sjis_two", e_copy_string_sjis_two},
    {"copy_shared_hash", e_copy_shared_hash},
    {"copy_cycle_hash", e_copy_cycle_hash},
    {"copy_cycle_object", e_copy_cycle_object},
    {"copy_time_shared", e_copy_time_shared},
    {"all", e_all},
};
#define NEDITS (sizeof edits / sizeof edits[0])

/* session_typical made with the builder, as generate.rb's Ruby literal. */
static rsess_val *build_typical(rsess_doc *d)
{
    rsess_val *h = rsess_new_hash(d), *w = rsess_new_array(d), *ids = rsess_new_array(d);
    rsess_val *flash = rsess_new_hash(d), *flashes = rsess_new_hash(d);
    ck_assert(h && w && ids && flash && flashes);
    const rsess_enc U = RSESS_ENC_UTF8, A = RSESS_ENC_USASCII;
    ck_assert_int_eq(rsess_hash_push_strkey(d, h, K("session_id"), U, str(d, "0123456789abcdef0123456789abcdef")), 0);
    ck_assert_int_eq(rsess_hash_push_strkey(d, h, K("_csrf_token"), A,
                                            rsess_new_str(d, K("J5cB8q9rFh0yQm3n4v7xLw2kZp1sT6uD8eA0bC3dE5f"), A)),
                     0);
    ck_assert_int_eq(rsess_arr_push(d, ids, rsess_new_int(d, 42)), 0);
    ck_assert_int_eq(rsess_arr_push(d, w, ids), 0);
    ck_assert_int_eq(rsess_arr_push(d, w, str(d, "$2a$12$abcdefghijklmnopqrstuv")), 0);
    ck_assert_int_eq(rsess_hash_push_strkey(d, h, K("warden.user.user.key"), U, w), 0);
    ck_assert_int_eq(rsess_hash_push_strkey(d, flash, K("discard"), U, rsess_new_array(d)), 0);
    ck_assert_int_eq(rsess_hash_push_strkey(d, flashes, K("notice"), A, str(d, "Signed in.")), 0);
    ck_assert_int_eq(rsess_hash_push_strkey(d, flash, K("flashes"), U, flashes), 0);
    ck_assert_int_eq(rsess_hash_push_strkey(d, h, K("flash"), U, flash), 0);
    ck_assert_int_eq(rsess_hash_push_strkey(d, h, K("locale"), A, str(d, "en")), 0);
    ck_assert_int_eq(rsess_hash_push_strkey(d, h, K("user_return_to"), U, str(d, "/dashboard")), 0);
    ck_assert_int_eq(rsess_hash_push_strkey(d, h, K("last_seen"), U, rsess_new_float(d, 1769693054.4480495)), 0);
    ck_assert_int_eq(rsess_doc_set_root(d, h), 0);
    return h;
}

/* Every Ruby edit, on the parsed session. */
START_TEST(ruby_edits_parsed)
{
    for (size_t i = 0; i < NEDITS; i++) {
        rsess_doc *d = read_named("session_typical", NULL);
        ck_assert(d != NULL);
        int rc = edits[i].fn(d, rsess_doc_root(d));
        ck_assert_msg(rc == 0, "%s: edit gave %d", edits[i].name, rc);
        size_t len;
        unsigned char *want = read_edit(edits[i].name, &len);
        assert_writes(rsess_doc_root(d), want, len, edits[i].name);
        /* and the bytes read back */
        rsess_doc *back = rsess_read(want, len, NULL, NULL);
        ck_assert_msg(back != NULL, "%s", edits[i].name);
        rsess_doc_free(back);
        free(want);
        rsess_doc_free(d);
    }
}
END_TEST

/* The same edits on a built document give the same bytes. */
START_TEST(ruby_edits_built)
{
    size_t tlen;
    unsigned char *typical = read_fixture("session_typical", &tlen);
    for (size_t i = 0; i < NEDITS; i++) {
        rsess_doc *d = rsess_doc_new(NULL);
        rsess_val *s = build_typical(d);
        if (i == 0) assert_writes(s, typical, tlen, "built session_typical");
        int rc = edits[i].fn(d, s);
        ck_assert_msg(rc == 0, "%s: edit gave %d", edits[i].name, rc);
        size_t len;
        unsigned char *want = read_edit(edits[i].name, &len);
        assert_writes(s, want, len, edits[i].name);
        free(want);
        rsess_doc_free(d);
    }
    free(typical);
}
END_TEST

/* The edits on a copy of the parsed session in a new document. */
START_TEST(ruby_edits_on_a_copy)
{
    for (size_t i = 0; i < NEDITS; i++) {
        rsess_doc *src = read_named("session_typical", NULL);
        rsess_doc *d = rsess_doc_new(NULL);
        rsess_val *s = rsess_copy(d, rsess_doc_root(src));
        ck_assert(s != NULL);
        rsess_doc_free(src);
        ck_assert_int_eq(rsess_doc_set_root(d, s), 0);
        ck_assert_msg(edits[i].fn(d, s) == 0, "%s", edits[i].name);
        size_t len;
        unsigned char *want = read_edit(edits[i].name, &len);
        assert_writes(s, want, len, edits[i].name);
        free(want);
        rsess_doc_free(d);
    }
}
END_TEST

/* --- copies ------------------------------------------------------------------ */
/* Calls check on every Marshal fixture, read into a document. */
static void each_fixture(void (*check)(const char *name, const unsigned char *data, size_t len, rsess_doc *src))
{
    size_t count;
    char **names = fixture_names(&count);
    for (size_t i = 0; i < count; i++) {
        size_t len;
        unsigned char *data = read_fixture(names[i], &len);
        rsess_doc *src = rsess_read(data, len, NULL, NULL);
        ck_assert_msg(src != NULL, "%s", names[i]);
        check(names[i], data, len, src);
        rsess_doc_free(src);
        free(data);
    }
    free_names(names);
}

/* The root copied into a new document writes Ruby's bytes, also after the
 * source is freed; so does a copy made inside the same document. */
static void copies_exactly(const char *name, const unsigned char *data, size_t len, rsess_doc *src)
{
    rsess_doc *dst = rsess_doc_new(NULL);
    rsess_val *c = rsess_copy(dst, rsess_doc_root(src));
    ck_assert_msg(c != NULL, "%s", name);
    ck_assert_int_eq(rsess_type_of(c), rsess_type_of(rsess_doc_root(src)));
    /* an immediate (rsess_node_id 0) is its own copy; a node is copied */
    bool imm = rsess_node_id(rsess_doc_root(src)) == 0;
    ck_assert_msg((c != rsess_doc_root(src)) != imm, "%s", name);
    rsess_val *self = rsess_copy(src, rsess_doc_root(src));
    ck_assert_msg(self != NULL && (self != rsess_doc_root(src)) != imm, "%s", name);
    assert_writes(self, data, len, name);
    rsess_doc *gone = read_named(name, NULL);
    rsess_val *c2 = rsess_copy(dst, rsess_doc_root(gone));
    rsess_doc_free(gone);
    ck_assert_int_eq(rsess_doc_set_root(dst, c), 0);
    assert_writes(c, data, len, name);
    assert_writes(c2, data, len, name);
    rsess_doc_free(dst);
}

START_TEST(copy_every_fixture) { each_fixture(copies_exactly); }
END_TEST

/* Links survive as node identity: a = [a] copies to a' = [a']; [s, s] to
 * one node reached twice; symbols land in dst's interning. */
START_TEST(copy_keeps_identity)
{
    rsess_doc *src = read_named("cycle_array", NULL);
    rsess_doc *dst = rsess_doc_new(NULL);
    rsess_val *a = rsess_copy(dst, rsess_doc_root(src));
    ck_assert_ptr_eq(rsess_arr_get(a, 1), a); /* a = [1]; a << a */
    rsess_doc_free(src);

    src = read_named("object_link", NULL);
    rsess_val *pair = rsess_copy(dst, rsess_doc_root(src));
    ck_assert_ptr_nonnull(rsess_arr_get(pair, 0));
    ck_assert_ptr_eq(rsess_arr_get(pair, 0), rsess_arr_get(pair, 1));
    ck_assert_uint_eq(rsess_node_id(rsess_arr_get(pair, 0)), rsess_node_id(rsess_arr_get(pair, 1)));
    ck_assert(rsess_node_id(pair) <= rsess_doc_node_count(dst));
    rsess_doc_free(src);

    src = read_named("symbol", NULL);
    rsess_val *sym = rsess_copy(dst, rsess_doc_root(src));
    ck_assert_ptr_eq(sym, rsess_new_sym(dst, K("hello")));
    rsess_doc_free(src);
    rsess_doc_free(dst);
    ck_assert_ptr_null(rsess_copy(NULL, sym));
    dst = rsess_doc_new(NULL);
    ck_assert_ptr_null(rsess_copy(dst, NULL));
    rsess_doc_free(dst);
}
END_TEST

/* --- lookups and edit semantics ------------------------------------------------ */
START_TEST(typed_lookups)
{
    rsess_doc *d = read_named("hash", NULL); /* {"a" => 1, :b => 2.5} */
    rsess_val *h = rsess_doc_root(d);
    int64_t i = 0;
    ck_assert(rsess_int(rsess_hash_find(h, K("a"), RSESS_KEY_STRING), &i) && i == 1);
    ck_assert_ptr_null(rsess_hash_find(h, K("a"), RSESS_KEY_SYMBOL));
    ck_assert_ptr_nonnull(rsess_hash_find(h, K("a"), RSESS_KEY_ANY));
    ck_assert_ptr_null(rsess_hash_find(h, K("b"), RSESS_KEY_STRING));
    ck_assert(rsess_float(rsess_hash_find(h, K("b"), RSESS_KEY_SYMBOL)) == 2.5);
    ck_assert_ptr_eq(rsess_hash_gets(h, "b"), rsess_hash_find(h, K("b"), RSESS_KEY_SYMBOL));
    ck_assert_ptr_null(rsess_hash_gets(h, "c"));
    ck_assert_ptr_null(rsess_hash_gets(h, NULL));
    ck_assert_ptr_null(rsess_hash_gets(NULL, "a"));
    ck_assert_ptr_null(rsess_hash_find(h, K("a"), (rsess_key_kind)7));
    ck_assert_ptr_null(rsess_hash_gets(rsess_hash_gets(h, "a"), "a")); /* not a hash */

    /* delete by kind: a Symbol :a is not the String "a" */
    ck_assert_int_eq(rsess_hash_delete(d, h, K("a"), RSESS_KEY_SYMBOL), RSESS_ERR_NOT_FOUND);
    ck_assert_int_eq(rsess_hash_delete(d, h, K("b"), RSESS_KEY_STRING), RSESS_ERR_NOT_FOUND);
    ck_assert_int_eq(rsess_hash_delete(d, h, K("a"), RSESS_KEY_STRING), 0);
    ck_assert_uint_eq(rsess_len(h), 1);
    ck_assert_int_eq(rsess_hash_delete(d, h, K("a"), RSESS_KEY_ANY), RSESS_ERR_NOT_FOUND);
    ck_assert_int_eq(rsess_hash_delete(d, h, K("b"), RSESS_KEY_ANY), 0);
    ck_assert_uint_eq(rsess_len(h), 0);
    ck_assert_int_eq(rsess_hash_delete(d, h, K("b"), RSESS_KEY_ANY), RSESS_ERR_NOT_FOUND);
    ck_assert_int_eq(rsess_hash_delete(d, h, NULL, 1, RSESS_KEY_ANY), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_delete(d, h, K("b"), (rsess_key_kind)9), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_delete(NULL, h, K("b"), RSESS_KEY_ANY), RSESS_ERR_ARG);
    /* deleted, then set again: appended at the end */
    ck_assert_int_eq(rsess_hash_set_str(d, h, K("x"), rsess_new_nil(d)), 0);
    ck_assert_int_eq(rsess_hash_set_str(d, h, K("a"), rsess_new_int(d, 5)), 0);
    ck_assert_uint_eq(rsess_len(h), 2);
    size_t n;
    const char *ka = rsess_str(rsess_hash_key(h, 1), &n);
    ck_assert(n == 1 && ka[0] == 'a');
    rsess_doc_free(d);
}
END_TEST

/* Hash#[]= finds keys by Ruby's eql?: per type, and by identity in a
 * compare_by_identity hash. */
START_TEST(key_equality)
{
    /* {1 => "one", nil => 0, 2.5 => :x, [1] => true, :s => false} */
    rsess_doc *d = read_named("hash_nonstring_keys", NULL);
    rsess_val *h = rsess_doc_root(d);
    ck_assert_uint_eq(rsess_len(h), 5);
    rsess_val *v = rsess_new_int(d, 7);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_int(d, 1), v), 0);
    ck_assert_ptr_eq(rsess_hash_val(h, 0), v);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_nil(d), v), 0);
    ck_assert_ptr_eq(rsess_hash_val(h, 1), v);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_float(d, 2.5), v), 0);
    ck_assert_ptr_eq(rsess_hash_val(h, 2), v);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_sym(d, K("s")), v), 0);
    ck_assert_ptr_eq(rsess_hash_val(h, 4), v);
    ck_assert_uint_eq(rsess_len(h), 5);
    /* [1] as a key: only the same node (arrays match by identity here) */
    rsess_val *arr = rsess_new_array(d);
    ck_assert_int_eq(rsess_arr_push(d, arr, rsess_new_int(d, 1)), 0);
    ck_assert_int_eq(rsess_hash_set(d, h, arr, v), 0);
    ck_assert_uint_eq(rsess_len(h), 6);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_hash_key(h, 3), rsess_new_nil(d)), 0);
    ck_assert_int_eq(rsess_type_of(rsess_hash_val(h, 3)), RSESS_NIL);
    /* 1 is not 1.0, "s" is not :s, 1 is not "1" */
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_float(d, 1.0), v), 0);
    ck_assert_int_eq(rsess_hash_set(d, h, str(d, "s"), v), 0);
    ck_assert_uint_eq(rsess_len(h), 8);
    /* 0.0 eql? -0.0; true is not false */
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_float(d, 0.0), v), 0);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_float(d, -0.0), rsess_new_nil(d)), 0);
    ck_assert_uint_eq(rsess_len(h), 9);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_bool(d, 1), v), 0);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_bool(d, 0), v), 0);
    ck_assert_uint_eq(rsess_len(h), 11);
    /* Bignums by value */
    unsigned char mag[9] = {1, 0, 0, 0, 0, 0, 0, 0, 1};
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_bignum(d, mag, 9, 0), v), 0);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_bignum(d, mag, 9, 1), v), 0);
    ck_assert_uint_eq(rsess_len(h), 13);
    rsess_val *w = rsess_new_str(d, K("w"), RSESS_ENC_UTF8);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_bignum(d, mag, 9, 0), w), 0);
    ck_assert_uint_eq(rsess_len(h), 13);
    ck_assert_ptr_eq(rsess_hash_val(h, 11), w);
    rsess_doc_free(d);

    /* Strings: bytes + encoding, ASCII-only bytes match across encodings */
    d = rsess_doc_new(NULL);
    h = rsess_new_hash(d);
    w = rsess_new_str(d, K("w"), RSESS_ENC_UTF8);
    rsess_val *bin = rsess_new_str(d, K("\xc3\xa9"), RSESS_ENC_BINARY);
    ck_assert_int_eq(rsess_hash_set(d, h, bin, v = rsess_new_int(d, 1)), 0);
    ck_assert_int_eq(rsess_hash_set_str(d, h, K("\xc3\xa9"), rsess_new_int(d, 2)), 0); /* UTF-8 "é": another key */
    ck_assert_uint_eq(rsess_len(h), 2);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_str(d, K("k"), RSESS_ENC_USASCII), v), 0);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_str(d, K("k"), RSESS_ENC_BINARY), w), 0);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_str_enc(d, K("k"), K("Shift_JIS")), w), 0);
    ck_assert_uint_eq(rsess_len(h), 3);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_str_enc(d, K("k\0"), K("UTF-16LE")), w), 0);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_str_enc(d, K("k\0"), K("utf-16le")), v), 0);
    ck_assert_uint_eq(rsess_len(h), 4);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_str(d, K("k\0"), RSESS_ENC_UTF8), v), 0);
    ck_assert_uint_eq(rsess_len(h), 5);
    /* Symbols: one per name */
    ck_assert_int_eq(rsess_hash_set_sym(d, h, K("k"), w), 0);
    ck_assert_int_eq(rsess_hash_set(d, h, rsess_new_sym_enc(d, K("k"), RSESS_ENC_BINARY), v), 0);
    ck_assert_uint_eq(rsess_len(h), 6);
    ck_assert_ptr_eq(rsess_hash_val(h, 5), v);

    /* compare_by_identity: the same node, or equal immediates */
    rsess_val *ih = rsess_new_hash(d);
    ck_assert_int_eq(rsess_hash_set_identity(d, ih, 1), 0);
    rsess_val *s1 = str(d, "a");
    ck_assert_int_eq(rsess_hash_set(d, ih, s1, v), 0);
    ck_assert_int_eq(rsess_hash_set(d, ih, str(d, "a"), v), 0);
    ck_assert_int_eq(rsess_hash_set(d, ih, s1, w), 0);
    ck_assert_uint_eq(rsess_len(ih), 2);
    ck_assert_ptr_eq(rsess_hash_val(ih, 0), w);
    ck_assert_int_eq(rsess_hash_set(d, ih, rsess_new_int(d, 5), v), 0);
    ck_assert_int_eq(rsess_hash_set(d, ih, rsess_new_int(d, 5), w), 0);
    ck_assert_int_eq(rsess_hash_set(d, ih, rsess_new_int(d, INT64_MAX), v), 0); /* a Bignum in Ruby: an object */
    ck_assert_int_eq(rsess_hash_set(d, ih, rsess_new_int(d, INT64_MAX), w), 0);
    ck_assert_uint_eq(rsess_len(ih), 5);
    ck_assert_int_eq(rsess_hash_set(d, ih, rsess_new_float(d, 1.5), v), 0); /* flonum: an immediate */
    ck_assert_int_eq(rsess_hash_set(d, ih, rsess_new_float(d, 1.5), w), 0);
    ck_assert_int_eq(rsess_hash_set(d, ih, rsess_new_float(d, 1e300), v), 0); /* heap Float */
    ck_assert_int_eq(rsess_hash_set(d, ih, rsess_new_float(d, 1e300), w), 0);
    ck_assert_uint_eq(rsess_len(ih), 8);
    ck_assert_int_eq(rsess_hash_set_str(d, ih, K("a"), v), 0);
    ck_assert_int_eq(rsess_hash_set_sym(d, ih, K("a"), v), 0);
    ck_assert_int_eq(rsess_hash_set_sym(d, ih, K("a"), w), 0);
    ck_assert_uint_eq(rsess_len(ih), 10);
    rsess_doc_free(d);
}
END_TEST

/* rsess_hash_set_str interns new keys as Ruby does: one String per key of
 * the document, linked when written; never one of a non-plain key. */
START_TEST(interned_keys)
{
    rsess_doc *d = read_named("keys_interned", NULL); /* [{"a" => 1}, {"a" => 2}, {"b" => {"a" => 3}}] */
    rsess_val *r = rsess_doc_root(d);
    rsess_val *a0 = rsess_hash_key(rsess_arr_get(r, 0), 0);
    rsess_val *h = rsess_new_hash(d);
    ck_assert_int_eq(rsess_arr_push(d, r, h), 0);
    ck_assert_int_eq(rsess_hash_set_str(d, h, K("a"), rsess_new_nil(d)), 0);
    ck_assert_ptr_eq(rsess_hash_key(h, 0), a0);
    ck_assert_int_eq(rsess_hash_set_str(d, h, K("b"), rsess_new_nil(d)), 0);
    ck_assert_ptr_eq(rsess_hash_key(h, 1), rsess_hash_key(rsess_arr_get(r, 2), 0));
    ck_assert_int_eq(rsess_hash_set_str(d, h, K("c"), rsess_new_nil(d)), 0);
    rsess_val *h2 = rsess_new_hash(d);
    ck_assert_int_eq(rsess_arr_push(d, r, h2), 0);
    ck_assert_int_eq(rsess_hash_set_str(d, h2, K("c"), rsess_new_nil(d)), 0);
    ck_assert_ptr_eq(rsess_hash_key(h2, 0), rsess_hash_key(h, 2));
    /* the builder's interning call sees the parsed keys too */
    ck_assert_int_eq(rsess_hash_push_strkey(d, h2, K("b"), RSESS_ENC_UTF8, rsess_new_nil(d)), 0);
    ck_assert_ptr_eq(rsess_hash_key(h2, 1), rsess_hash_key(rsess_arr_get(r, 2), 0));
    ck_assert_int_eq(rsess_hash_push_strkey(d, h2, K("b"), RSESS_ENC_USASCII, rsess_new_nil(d)), 0);
    ck_assert_ptr_ne(rsess_hash_key(h2, 2), rsess_hash_key(rsess_arr_get(r, 2), 0)); /* another encoding */
    rsess_doc_free(d);

    /* a key with an ivar, or of a user class, is not Ruby's interned String */
    d = read_named("ivar_string", NULL);
    rsess_val *k = rsess_doc_root(d);
    h = rsess_new_hash(d);
    ck_assert_int_eq(rsess_hash_push(d, h, k, rsess_new_nil(d)), 0);
    ck_assert_int_eq(rsess_doc_set_root(d, h), 0);
    rsess_val *h3 = rsess_new_hash(d);
    ck_assert_int_eq(rsess_hash_set(d, h, str(d, "x"), h3), 0);
    ck_assert_int_eq(rsess_hash_set_str(d, h3, K("with ivar"), rsess_new_nil(d)), 0);
    ck_assert_ptr_ne(rsess_hash_key(h3, 0), k);
    rsess_doc_free(d);
}
END_TEST

START_TEST(arr_set_bounds)
{
    rsess_doc *d = read_named("array", NULL); /* [1, "two", :three, nil, true] */
    rsess_val *a = rsess_doc_root(d), *x = rsess_new_int(d, 9);
    ck_assert_int_eq(rsess_arr_set(d, a, 4, x), 0);
    ck_assert_ptr_eq(rsess_arr_get(a, 4), x);
    ck_assert_int_eq(rsess_arr_set(d, a, 5, x), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_arr_set(d, a, SIZE_MAX, x), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_arr_set(d, a, 0, NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_arr_set(d, rsess_new_hash(d), 0, x), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_arr_set(NULL, a, 0, x), RSESS_ERR_ARG);
    ck_assert_uint_eq(rsess_len(a), 5);
    /* the parsed array is exactly full: growing copies it */
    for (int i = 0; i < 100; i++) ck_assert_int_eq(rsess_arr_push(d, a, rsess_new_int(d, i)), 0);
    ck_assert_int_eq(rsess_arr_set(d, a, 104, x), 0);
    int64_t v;
    ck_assert(rsess_int(rsess_arr_get(a, 103), &v) && v == 98);
    size_t n;
    const char *two = rsess_str(rsess_arr_get(a, 1), &n);
    ck_assert(n == 3 && memcmp(two, "two", 3) == 0);
    rsess_doc_free(d);
}
END_TEST

/* --- values of another document ------------------------------------------------- */
START_TEST(foreign_values_refused)
{
    rsess_doc *A = read_named("session_typical", NULL), *B = rsess_doc_new(NULL);
    rsess_val *hA = rsess_doc_root(A), *hB = rsess_new_hash(B);
    rsess_val *arrA = rsess_hash_gets(hA, "warden.user.user.key"), *arrB = rsess_new_array(B);
    /* nodes (an Integer of 1 would be an immediate, every document's) */
    rsess_val *vA = rsess_new_array(A), *vB = rsess_new_array(B);
    rsess_val *symA = rsess_new_sym(A, K("@x")), *symB = rsess_new_sym(B, K("@x"));
    rsess_val *objA = rsess_new_object(A, K("Foo")), *objB = rsess_new_object(B, K("Foo"));
    rsess_val *umA = rsess_new_usermarshal(A, K("U"), NULL), *umB = rsess_new_usermarshal(B, K("U"), NULL);
    rsess_val *sA = rsess_new_str(A, K("s"), RSESS_ENC_UTF8), *sB = rsess_new_str(B, K("s"), RSESS_ENC_UTF8);
    ck_assert_int_eq(rsess_arr_push(B, arrB, vB), 0);
    ck_assert_int_eq(rsess_hash_push(B, hB, sB, vB), 0);
    const int E = RSESS_ERR_ARG;
    ck_assert_int_eq(rsess_arr_push(A, arrA, vB), E);
    ck_assert_int_eq(rsess_arr_push(A, arrB, vA), E);
    ck_assert_int_eq(rsess_hash_push(A, hA, sB, vA), E);
    ck_assert_int_eq(rsess_hash_push(A, hA, sA, vB), E);
    ck_assert_int_eq(rsess_hash_push(A, hB, sA, vA), E);
    ck_assert_int_eq(rsess_hash_push_strkey(A, hA, K("k"), RSESS_ENC_UTF8, vB), E);
    ck_assert_int_eq(rsess_hash_push_strkey(A, hB, K("k"), RSESS_ENC_UTF8, vA), E);
    ck_assert_int_eq(rsess_hash_set(A, hA, sB, vA), E);
    ck_assert_int_eq(rsess_hash_set(A, hA, sA, vB), E);
    ck_assert_int_eq(rsess_hash_set(A, hB, sA, vA), E);
    ck_assert_int_eq(rsess_hash_set(A, hA, rsess_hash_key(hA, 0), vB), E); /* a replace, too */
    ck_assert_int_eq(rsess_hash_set_str(A, hA, K("session_id"), vB), E);
    ck_assert_int_eq(rsess_hash_set_str(A, hB, K("k"), vA), E);
    ck_assert_int_eq(rsess_hash_set_sym(A, hA, K("k"), vB), E);
    ck_assert_int_eq(rsess_hash_set_sym(A, hB, K("k"), vA), E);
    ck_assert_int_eq(rsess_hash_delete(A, hB, K("s"), RSESS_KEY_ANY), E);
    ck_assert_int_eq(rsess_arr_set(A, arrA, 0, vB), E);
    ck_assert_int_eq(rsess_arr_set(A, arrB, 0, vA), E);
    ck_assert_int_eq(rsess_field_push(A, objA, symB, vA), E);
    ck_assert_int_eq(rsess_field_push(A, objA, symA, vB), E);
    ck_assert_int_eq(rsess_field_push(A, objB, symA, vA), E);
    ck_assert_int_eq(rsess_ivar_push(A, sA, symB, vA), E);
    ck_assert_int_eq(rsess_ivar_push(A, sA, symA, vB), E);
    ck_assert_int_eq(rsess_ivar_push(A, sB, symA, vA), E);
    ck_assert_int_eq(rsess_set_user_class(A, sA, rsess_new_sym(B, K("MyString"))), E);
    ck_assert_int_eq(rsess_set_user_class(A, sB, rsess_new_sym(A, K("MyString"))), E);
    ck_assert_int_eq(rsess_extend(A, objA, rsess_new_sym(B, K("Mod"))), E);
    ck_assert_int_eq(rsess_extend(A, objB, rsess_new_sym(A, K("Mod"))), E);
    ck_assert_int_eq(rsess_set_dumped(A, umA, vB), E);
    ck_assert_int_eq(rsess_set_dumped(A, umB, vA), E);
    ck_assert_int_eq(rsess_hash_set_default(A, hA, vB), E);
    ck_assert_int_eq(rsess_hash_set_default(A, hB, vA), E);
    ck_assert_int_eq(rsess_hash_set_identity(A, hB, 1), E);
    ck_assert_int_eq(rsess_set_encoding(A, sB, K("Shift_JIS")), E);
    ck_assert_int_eq(rsess_doc_set_root(A, vB), E);
    ck_assert_ptr_null(rsess_new_usermarshal(A, K("U"), vB));
    ck_assert_ptr_null(rsess_new_data(A, K("D"), vB));
    /* nothing changed on either side */
    ck_assert_ptr_eq(rsess_doc_root(A), hA);
    ck_assert_uint_eq(rsess_len(hA), 7);
    ck_assert_uint_eq(rsess_len(arrA), 2);
    ck_assert_uint_eq(rsess_len(hB), 1);
    ck_assert_uint_eq(rsess_len(arrB), 1);
    /* immediates are every document's: no node, nothing to own */
    ck_assert_int_eq(rsess_arr_push(A, arrA, rsess_new_int(B, 1)), 0);
    ck_assert_int_eq(rsess_arr_push(A, arrA, rsess_new_float(B, 0.5)), 0);
    ck_assert_int_eq(rsess_arr_push(A, arrA, rsess_new_float(B, 1e300)), E); /* not a flonum: a node */
    ck_assert_uint_eq(rsess_len(arrA), 4);
    ck_assert_uint_eq(rsess_len(objA), 0);
    ck_assert_ptr_null(rsess_dumped(umA));
    ck_assert_ptr_null(rsess_hash_default(hB));
    ck_assert_int_eq(rsess_hash_identity(hB), 0);
    ck_assert_int_eq(rsess_encoding(sB), RSESS_ENC_UTF8);
    ck_assert_uint_eq(rsess_ivar_count(sA), 0);
    ck_assert_ptr_null(rsess_user_class(sA));
    ck_assert_uint_eq(rsess_extended_count(objA), 0);
    /* and the same calls with A's own values work */
    ck_assert_int_eq(rsess_arr_push(A, arrA, vA), 0);
    ck_assert_int_eq(rsess_field_push(A, objA, symA, vA), 0);
    ck_assert_int_eq(rsess_set_dumped(A, umA, vA), 0);
    ck_assert_int_eq(rsess_hash_set_str(A, hA, K("obj"), objA), 0);
    ck_assert_int_eq(rsess_doc_set_root(A, NULL), 0);
    ck_assert_int_eq(rsess_doc_set_root(A, hA), 0);
    /* a copy brings B's value across */
    rsess_val *c = rsess_copy(A, hB);
    ck_assert_int_eq(rsess_hash_set_str(A, hA, K("fromB"), c), 0);
    rsess_doc_free(A);
    rsess_doc_free(B);
}
END_TEST

/* Ownership holds across every chunk of a large arena. */
START_TEST(ownership_across_chunks)
{
    rsess_doc *d = rsess_doc_new(NULL), *other = rsess_doc_new(NULL);
    rsess_val *a = rsess_new_array(d);
    rsess_val **kept = malloc(50000 * sizeof *kept);
    for (int i = 0; i < 50000; i++) {
        kept[i] = rsess_new_str(d, K("a string of some length"), RSESS_ENC_UTF8);
        ck_assert_int_eq(rsess_arr_push(d, a, kept[i]), 0);
    }
    ck_assert(rsess_doc_arena_size(d) > 1000000);
    for (int i = 0; i < 50000; i += 997) ck_assert_int_eq(rsess_arr_set(d, a, (size_t)(49999 - i), kept[i]), 0);
    ck_assert_int_eq(rsess_arr_push(other, rsess_new_array(other), kept[123]), RSESS_ERR_ARG);
    void *elsewhere = calloc(1, 256); /* any memory outside the arena (never read) */
    ck_assert_int_eq(rsess_arr_push(d, a, elsewhere), RSESS_ERR_ARG);
    free(elsewhere);
    free(kept);
    rsess_doc_free(d);
    rsess_doc_free(other);
}
END_TEST

/* --- allocation failures ------------------------------------------------------- */
/* rsess_copy into a document whose every allocation may fail in turn: NULL
 * or a whole copy, and nothing leaks. */
static void copy_fails_cleanly(const char *name, const unsigned char *data, size_t len, rsess_doc *src)
{
    long failures = 0;
    for (long k = 1;; k++) {
        counting_alloc c = {0};
        c.fail_at = k;
        rsess_alloc h = counting_hooks(&c);
        rsess_doc *dst = rsess_doc_new(&h);
        rsess_val *v = dst ? rsess_copy(dst, rsess_doc_root(src)) : NULL;
        bool done = v != NULL;
        if (done) assert_writes(v, data, len, name);
        else failures++;
        rsess_doc_free(dst);
        ck_assert_msg(c.live == 0, "%s: alloc %ld failed: %ld blocks leaked", name, k, c.live);
        if (done) break;
        ck_assert_msg(k < 10000, "%s: never succeeds", name);
    }
    ck_assert(failures >= 1);
}

START_TEST(copy_allocation_failures) { each_fixture(copy_fails_cleanly); }
END_TEST

/* Every edit with each allocation after the read failing in turn: the edit
 * reports RSESS_ERR_NOMEM or gives Ruby's bytes, and nothing leaks. */
START_TEST(edit_allocation_failures)
{
    for (size_t i = 0; i < NEDITS; i++) {
        counting_alloc probe = {0};
        rsess_alloc ph = counting_hooks(&probe);
        rsess_doc *d = read_named("session_typical", &ph);
        long base = probe.calls;
        rsess_doc_free(d);
        size_t len;
        unsigned char *want = read_edit(edits[i].name, &len);
        long nomem = 0;
        for (long k = 1;; k++) {
            counting_alloc c = {0};
            c.fail_at = base + k;
            rsess_alloc h = counting_hooks(&c);
            d = read_named("session_typical", &h);
            ck_assert(d != NULL);
            int rc = edits[i].fn(d, rsess_doc_root(d));
            ck_assert_msg(rc == 0 || rc == RSESS_ERR_NOMEM, "%s: alloc %ld: %d", edits[i].name, k, rc);
            if (rc == 0 && c.calls >= c.fail_at) { /* failed inside, yet succeeded? only if nothing needed it */
                ck_assert_msg(0, "%s: alloc %ld failed but the edit succeeded", edits[i].name, k);
            }
            if (rc == 0) assert_writes(rsess_doc_root(d), want, len, edits[i].name);
            else nomem++;
            rsess_doc_free(d);
            ck_assert_msg(c.live == 0, "%s: alloc %ld failed: %ld blocks leaked", edits[i].name, k, c.live);
            if (rc == 0) break;
        }
        free(want);
    }
}
END_TEST

/* A failed append leaves the hash as it was. */
START_TEST(failed_append_changes_nothing)
{
    counting_alloc c = {0};
    rsess_alloc h = counting_hooks(&c);
    rsess_doc *d = rsess_doc_new(&h);
    rsess_val *hash = rsess_new_hash(d), *v = rsess_new_nil(d);
    ck_assert_int_eq(rsess_hash_set_str(d, hash, K("k0"), v), 0);
    /* fill the arena so the next growth needs a new chunk */
    long before = c.calls;
    while (c.calls == before) ck_assert_ptr_nonnull(rsess_new_array(d));
    before = c.calls;
    while (c.calls == before) ck_assert_ptr_nonnull(rsess_new_array(d));
    int rc = 0;
    for (int i = 1; rc == 0 && i < 100000; i++) {
        char key[16];
        int n = snprintf(key, sizeof key, "k%d", i);
        c.fail_at = c.calls + 1;
        size_t had = rsess_len(hash);
        rc = rsess_hash_set_str(d, hash, key, (size_t)n, v);
        if (rc) {
            ck_assert_int_eq(rc, RSESS_ERR_NOMEM);
            ck_assert_uint_eq(rsess_len(hash), had);
            ck_assert_ptr_null(rsess_hash_find(hash, key, (size_t)n, RSESS_KEY_STRING));
        }
        c.fail_at = 0;
    }
    ck_assert_int_eq(rc, RSESS_ERR_NOMEM);
    rsess_doc_free(d);
    ck_assert_int_eq(c.live, 0);
}
END_TEST

/* --- depth: no recursion --------------------------------------------------------- */
#define DEEP 100000

struct deep_job {
    unsigned char *bytes;
    size_t len;
    int ok;
};

static void *deep_copy_thread(void *arg)
{
    struct deep_job *j = arg;
    rsess_read_opts o = {0};
    o.limits.max_depth = SIZE_MAX;
    rsess_doc *src = rsess_read(j->bytes, j->len, &o, NULL);
    if (!src) return NULL;
    rsess_doc *dst = rsess_doc_new(NULL);
    rsess_val *c = rsess_copy(dst, rsess_doc_root(src));
    rsess_buf out;
    rsess_buf_init(&out, NULL);
    int ok = c && rsess_write(c, &out, NULL) == 0 && out.len == j->len && memcmp(out.data, j->bytes, j->len) == 0;
    /* a new key on the outermost hash walks the whole value to intern keys */
    if (ok && rsess_type_of(c) == RSESS_HASH) {
        ok = rsess_hash_set_str(dst, c, K("z"), rsess_new_nil(dst)) == 0 && rsess_len(c) == 2;
        rsess_val *inner = c;
        for (int i = 0; i < DEEP - 1 && inner; i++) inner = rsess_hash_gets(inner, "k");
        /* the innermost hash gets the outermost "z" key node */
        ok = ok && inner && rsess_hash_set_str(dst, inner, K("z"), rsess_new_nil(dst)) == 0 &&
             rsess_hash_key(inner, 1) == rsess_hash_key(c, 1);
        out.len = 0;
        ok = ok && rsess_write(c, &out, NULL) == 0 && out.len > j->len;
    }
    rsess_buf_free(&out);
    rsess_doc_free(dst);
    rsess_doc_free(src);
    j->ok = ok;
    return NULL;
}

static void run_small_stack(void *(*fn)(void *), void *arg)
{
    pthread_attr_t at;
    pthread_attr_init(&at);
    ck_assert_int_eq(pthread_attr_setstacksize(&at, 64 * 1024), 0);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, &at, fn, arg), 0);
    pthread_join(t, NULL);
    pthread_attr_destroy(&at);
}

START_TEST(deep_copy_small_stack)
{
    /* 100,000 nested arrays: [[[...nil...]]] */
    size_t len = 2 + 2 * (size_t)DEEP + 1;
    unsigned char *b = malloc(len);
    b[0] = 4, b[1] = 8;
    for (size_t i = 0; i < DEEP; i++) b[2 + 2 * i] = '[', b[3 + 2 * i] = 6;
    b[len - 1] = '0';
    struct deep_job j = {b, len, 0};
    run_small_stack(deep_copy_thread, &j);
    ck_assert_msg(j.ok, "100,000 nested arrays");
    free(b);

    /* 100,000 nested hashes {"k" => {"k" => ... nil}}: keys are "k" once, then links */
    static const unsigned char first[] = "{\x06I\"\x06k\x06:\x06" "ET";
    static const unsigned char later[] = "{\x06@\x06"; /* key: a link to the first "k" (object 1) */
    size_t fl = sizeof first - 1, ll = sizeof later - 1;
    len = 2 + fl + ll * (DEEP - 1) + 1;
    b = malloc(len);
    b[0] = 4, b[1] = 8;
    memcpy(b + 2, first, fl);
    for (size_t i = 0; i < DEEP - 1; i++) memcpy(b + 2 + fl + ll * i, later, ll);
    b[len - 1] = '0';
    j = (struct deep_job){b, len, 0};
    run_small_stack(deep_copy_thread, &j);
    ck_assert_msg(j.ok, "100,000 nested hashes");
    free(b);
}
END_TEST

/* --- coverage (issue 18) ------------------------------------------------ */
/* Hash#[]= replaces a pair exactly when Ruby's key?(probe) is true, for an
 * ordinary Hash (eql?) and a compare_by_identity one: keys of every kind,
 * probes made afresh (fixtures/coverage/hash_keys_eql, generate_coverage.rb,
 * with Ruby's answers). Each probe is tried on a fresh read. */
START_TEST(key_eql_as_ruby_answers)
{
    size_t len;
    char *tsv = (char *)read_file("fixtures/coverage/expect.tsv", &len);
    char *row = strstr(tsv, "hash_keys_eql\tanswers=");
    ck_assert_ptr_nonnull(row);
    const char *ans = row + strlen("hash_keys_eql\tanswers=");
    size_t blen;
    unsigned char *bytes = read_file("fixtures/coverage/hash_keys_eql.bin", &blen);
    size_t nprobes = 0;
    for (size_t j = 0;; j++) {
        rsess_err err;
        rsess_doc *doc = rsess_read(bytes, blen, NULL, &err);
        ck_assert_msg(doc != NULL, "%s", err.text);
        rsess_val *root = rsess_doc_root(doc), *probes = rsess_arr_get(root, 2);
        if (j == 0) nprobes = rsess_len(probes);
        if (j >= nprobes) {
            rsess_doc_free(doc);
            break;
        }
        ck_assert_msg(ans[3 * j] == '0' || ans[3 * j] == '1', "answer %zu", j);
        for (int which = 0; which < 2; which++) {
            rsess_val *h = rsess_arr_get(root, (size_t)which);
            ck_assert(which == 0 ? !rsess_hash_identity(h) : rsess_hash_identity(h));
            size_t n0 = rsess_len(h);
            ck_assert_int_eq(rsess_hash_set(doc, h, rsess_arr_get(probes, j), rsess_new_nil(doc)), 0);
            bool replaced = rsess_len(h) == n0;
            ck_assert_msg(replaced == (ans[3 * j + which] == '1'), "probe %zu in the %s Hash: Ruby says %c", j,
                          which ? "identity" : "plain", ans[3 * j + which]);
        }
        rsess_doc_free(doc);
    }
    ck_assert_uint_eq(nprobes, (strcspn(ans, "\n") + 1) / 3);
    free(bytes);
    free(tsv);
}
END_TEST

/* The editors' refusals: NULL or wrong-type targets, NULL keys with a
 * length, values of another document, kinds out of range, indexes past
 * the end. */
START_TEST(edit_refusals)
{
    rsess_doc *doc = rsess_doc_new(NULL), *other = rsess_doc_new(NULL);
    rsess_val *h = rsess_new_hash(doc), *a = rsess_new_array(doc), *v = rsess_new_nil(doc), *alien = rsess_new_array(other);
    ck_assert_int_eq(rsess_arr_push(doc, a, v), 0);
    ck_assert_int_eq(rsess_hash_set(NULL, h, v, v), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set(doc, a, v, v), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set(doc, h, NULL, v), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set(doc, h, v, NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set(doc, h, alien, v), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set(doc, h, v, alien), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set(other, h, alien, alien), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_sym(doc, NULL, K("k"), v), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_sym(doc, h, K("k"), NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_sym(doc, h, K("k"), alien), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_sym(doc, h, NULL, 1, v), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_str(doc, a, K("k"), v), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_str(doc, h, K("k"), NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_str(doc, h, K("k"), alien), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_set_str(doc, h, NULL, 1, v), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_delete(doc, a, K("k"), RSESS_KEY_ANY), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_delete(doc, h, NULL, 1, RSESS_KEY_ANY), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_delete(doc, h, K("k"), (rsess_key_kind)3), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_hash_delete(doc, h, K("k"), RSESS_KEY_ANY), RSESS_ERR_NOT_FOUND);
    ck_assert_int_eq(rsess_arr_set(doc, h, 0, v), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_arr_set(doc, a, 0, NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_arr_set(doc, a, 0, alien), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_arr_set(doc, a, 1, v), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_arr_set(other, a, 0, alien), RSESS_ERR_ARG);
    /* the empty key (NULL, 0) is a key like any other */
    ck_assert_int_eq(rsess_hash_set_sym(doc, h, NULL, 0, v), 0);
    ck_assert_int_eq(rsess_hash_set_str(doc, h, NULL, 0, v), 0);
    ck_assert_uint_eq(rsess_len(h), 2);
    ck_assert_ptr_eq(rsess_hash_find(h, NULL, 0, RSESS_KEY_SYMBOL), v);
    ck_assert_ptr_eq(rsess_hash_find(h, "", 0, RSESS_KEY_STRING), v);
    ck_assert_ptr_null(rsess_hash_find(h, NULL, 1, RSESS_KEY_ANY));
    ck_assert_ptr_null(rsess_hash_find(h, "", 0, (rsess_key_kind)7));
    ck_assert_ptr_null(rsess_hash_find(a, "", 0, RSESS_KEY_ANY));
    ck_assert_ptr_null(rsess_hash_find(NULL, "", 0, RSESS_KEY_ANY));
    ck_assert_ptr_null(rsess_hash_gets(h, NULL));
    ck_assert_ptr_eq(rsess_hash_gets(h, ""), v);
    ck_assert_int_eq(rsess_hash_delete(doc, h, NULL, 0, RSESS_KEY_SYMBOL), 0);
    ck_assert_ptr_null(rsess_copy(NULL, v));
    ck_assert_ptr_null(rsess_copy(doc, NULL));
    rsess_doc_free(doc);
    rsess_doc_free(other);
}
END_TEST

/* Hash#[]= with a new String key equal to a key anywhere in the parsed
 * data (an object's ivar, a Struct member, a Hash default, a String's ivar,
 * a user-marshalled object's data; not a binary key, not a key of a Hash
 * with a user class): Ruby's bytes after the same edits
 * (fixtures/coverage/edit_interned_*.bin, generate_coverage.rb). */
START_TEST(interned_keys_everywhere_as_ruby)
{
    size_t bl, al;
    unsigned char *before = read_file("fixtures/coverage/edit_interned_before.bin", &bl);
    unsigned char *after = read_file("fixtures/coverage/edit_interned_after.bin", &al);
    rsess_err err;
    rsess_doc *doc = rsess_read(before, bl, NULL, &err);
    ck_assert_msg(doc != NULL, "%s", err.text);
    rsess_val *root = rsess_doc_root(doc), *last = rsess_arr_get(root, rsess_len(root) - 1);
    static const char *const keys[] = {"k", "j", "d", "i", "m", "n", "e", "new"};
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(rsess_hash_set_str(doc, last, keys[i], strlen(keys[i]), rsess_new_int(doc, i + 1)), 0);
    assert_writes(root, after, al, "interned keys");
    rsess_doc_free(doc);
    free(before);
    free(after);
}
END_TEST

Suite *edit_suite(void)
{
    Suite *s = suite_create("edit");
    TCase *t = tcase_create("edit");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, ruby_edits_parsed);
    tcase_add_test(t, ruby_edits_built);
    tcase_add_test(t, ruby_edits_on_a_copy);
    tcase_add_test(t, copy_every_fixture);
    tcase_add_test(t, copy_keeps_identity);
    tcase_add_test(t, typed_lookups);
    tcase_add_test(t, key_equality);
    tcase_add_test(t, interned_keys);
    tcase_add_test(t, arr_set_bounds);
    tcase_add_test(t, foreign_values_refused);
    tcase_add_test(t, ownership_across_chunks);
    tcase_add_test(t, copy_allocation_failures);
    tcase_add_test(t, edit_allocation_failures);
    tcase_add_test(t, failed_append_changes_nothing);
    tcase_add_test(t, deep_copy_small_stack);
    tcase_add_test(t, key_eql_as_ruby_answers);
    tcase_add_test(t, edit_refusals);
    tcase_add_test(t, interned_keys_everywhere_as_ruby);
    suite_add_tcase(s, t);
    return s;
}
