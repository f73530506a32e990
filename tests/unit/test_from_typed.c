/* from_typed.c: typed JSON -> document. Every Marshal fixture (written by
 * Ruby) printed as typed JSON and read back writes Ruby's bytes again;
 * bad typed JSON is refused with the offset of the value at fault. */
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(typed_round_trip_fixtures)
{
    size_t count;
    char **names = fixture_names(&count);
    for (char **nm = names; *nm; nm++) {
        size_t n;
        unsigned char *data = read_fixture(*nm, &n);
        rsess_err err;
        rsess_doc *doc = rsess_read(data, n, NULL, &err);
        ck_assert_msg(doc, "%s: %s", *nm, err.text);
        rsess_buf typed, back;
        rsess_buf_init(&typed, NULL);
        rsess_buf_init(&back, NULL);
        ck_assert_int_eq(rsess_print(rsess_doc_root(doc), RSESS_VIEW_TYPED, 0, &typed, &err), 0);
        rsess_doc *again = NULL;
        int rc = rsess_from_typed_json((const char *)typed.data, typed.len, NULL, &again, &err);
        ck_assert_msg(rc == 0, "%s: %s at %zu", *nm, err.text, err.offset);
        ck_assert_int_eq(rsess_write(rsess_doc_root(again), &back, &err), 0);
        ck_assert_msg(back.len == n && !memcmp(back.data, data, n), "%s: typed round trip differs", *nm);
        rsess_doc_free(again);
        rsess_doc_free(doc);
        rsess_buf_free(&typed);
        rsess_buf_free(&back);
        free(data);
    }
    free_names(names);
}
END_TEST

static const struct {
    const char *text;
    int code;
    size_t offset;
} bad_typed[] = {
    {"{\"link\": 0}", RSESS_ERR_TYPED, 9},
    {"[1, {\"nothing\": 1}]", RSESS_ERR_TYPED, 4},
    {"{\"str\": \"a\", \"sym\": \"b\"}", RSESS_ERR_TYPED, 0},
    {"{\"str\": {\"hex\": \"zz\"}}", RSESS_ERR_TYPED, 16},
    {"{\"array\": [], \"id\": 1}", RSESS_ERR_TYPED, 20},
    {"{\"hash\": [[1]]}", RSESS_ERR_TYPED, 10},
    {"{\"float\": \"1.5x\"}", RSESS_ERR_TYPED, 10},
    {"{\"usermarshal\": \"X\"}", RSESS_ERR_TYPED, 0},
    {"{\"str\": \"a\", \"ivars\": [[\"@a\"]]}", RSESS_ERR_TYPED, 23},
    {"[1,", RSESS_ERR_JSON, 3},
    {"\"\xff\"", RSESS_ERR_JSON, 1},
    {"1 /* comment */", RSESS_ERR_JSON, 2},
};

START_TEST(typed_errors)
{
    for (size_t i = 0; i < sizeof bad_typed / sizeof *bad_typed; i++) {
        rsess_doc *doc = NULL;
        rsess_err err;
        int rc = rsess_from_typed_json(bad_typed[i].text, strlen(bad_typed[i].text), NULL, &doc, &err);
        ck_assert_msg(rc == bad_typed[i].code && err.offset == bad_typed[i].offset,
                      "%s: code %d offset %zu (%s), want %d at %zu", bad_typed[i].text, rc, err.offset, err.text,
                      bad_typed[i].code, bad_typed[i].offset);
        ck_assert_ptr_null(doc);
    }
}
END_TEST

/* A cycle, ids, ivars, a big integer beyond int64 as a plain number. */
START_TEST(typed_shapes)
{
    static const char t[] = "{\"array\":[1,{\"link\":0},{\"str\":\"x\",\"ivars\":[[\"@a\",2]]},"
                            "99999999999999999999,{\"sym\":\"k\"}],\"id\":0}";
    rsess_doc *doc = NULL;
    rsess_err err;
    ck_assert_int_eq(rsess_from_typed_json(t, sizeof t - 1, NULL, &doc, &err), 0);
    rsess_val *a = rsess_doc_root(doc);
    ck_assert_ptr_eq(rsess_arr_get(a, 1), a);
    ck_assert_int_eq(rsess_type_of(rsess_arr_get(a, 3)), RSESS_BIGNUM);
    ck_assert_int_eq(rsess_type_of(rsess_arr_get(a, 4)), RSESS_SYMBOL);
    int64_t i;
    ck_assert(rsess_int(rsess_ivar_get(rsess_arr_get(a, 2), "@a", 2), &i) && i == 2);
    rsess_doc_free(doc);
}
END_TEST

/* Nesting is heap only: a million levels with the limit off. */
START_TEST(typed_deep)
{
    enum { DEEP = 1000000 };
    char *deep = malloc(2 * DEEP);
    memset(deep, '[', DEEP);
    memset(deep + DEEP, ']', DEEP);
    rsess_doc *doc = NULL;
    rsess_err err;
    ck_assert_int_eq(rsess_from_typed_json(deep, 2 * DEEP, NULL, &doc, &err), RSESS_ERR_DEPTH);
    ck_assert_uint_eq(err.offset, RSESS_TYPED_DEFAULT_MAX_NESTING);
    rsess_json_opts o;
    rsess_json_opts_init(&o);
    o.max_nesting = SIZE_MAX;
    ck_assert_int_eq(rsess_from_typed_json(deep, 2 * DEEP, &o, &doc, &err), 0);
    rsess_doc_free(doc);
    free(deep);
}
END_TEST

START_TEST(typed_alloc_failures)
{
    json_alloc_sweep(rsess_from_typed_json,
                     "{\"hash\":[[{\"str\":\"k\",\"enc\":\"US-ASCII\"},{\"array\":[1,{\"link\":0}],\"id\":0}]],"
                     "\"default\":{\"float\":\"1.5\"},\"ivars\":[[\"@x\",{\"str\":{\"hex\":\"ff\"}}]]}");
}
END_TEST

/* --- coverage (issue 18) ------------------------------------------------ */
/* Every kind of typed value at every offset in the document's arena, each
 * of the first allocations failing (json_arena_sweep, test_from_json.c). */
START_TEST(typed_alloc_failures_at_every_arena_offset)
{
    static const char *const kinds[] = {
        "{\"userdef\":\"DumpMe\",\"data\":\"payload\",\"enc\":\"UTF-8\"}",
        "{\"regexp\":\"ab\",\"options\":7,\"enc\":\"US-ASCII\"}",
        "{\"class\":\"String\"}", "{\"module\":\"Kernel\"}", "{\"oldmodule\":\"Kernel\"}",
        "{\"object\":\"Object\",\"fields\":[[\"a\",1]],\"extends\":[\"Other\",\"Meths\"]}",
        "{\"hash\":[[1,2]],\"uclass\":\"UserHash\",\"default\":5}",
        "{\"struct\":\"Point\",\"fields\":[[\"x\",1],[\"y\",2]]}",
        "{\"usermarshal\":\"MarshalMe\",\"data\":[7,\"x\"]}", "{\"tdata\":\"Foo\",\"data\":[1]}",
        "{\"float\":\"1.5\"}", "2.5", "{\"int\":\"1267650600228229401496703205376\"}",
        "{\"sym\":{\"hex\":\"82a0\"},\"enc\":\"Shift_JIS\"}", "{\"str\":\"with ivar\",\"ivars\":[[\"@note\",1]]}",
        "{\"str\":\"sub\",\"uclass\":\"UserString\"}", "[]", "{\"array\":[1,2]}"};
    json_arena_sweep(rsess_from_typed_json, kinds, sizeof kinds / sizeof kinds[0]);
}
END_TEST

Suite *from_typed_suite(void)
{
    Suite *s = suite_create("from_typed");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, typed_round_trip_fixtures);
    tcase_add_test(t, typed_errors);
    tcase_add_test(t, typed_shapes);
    tcase_add_test(t, typed_deep);
    tcase_add_test(t, typed_alloc_failures);
    tcase_add_test(t, typed_alloc_failures_at_every_arena_offset);
    suite_add_tcase(s, t);
    return s;
}
