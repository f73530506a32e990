/* The pull cursor (lib/cursor.c): a walk gives what the full decode gives. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The pull reader: walking every fixture, reading some items and skipping
 * others, gives what the full decode has at the same places. */
static void expect_same(const rsess_val *a, const rsess_val *b, const char *name, size_t i)
{
    char *x = show_value(a, RSESS_VIEW_RUBY), *y = show_value(b, RSESS_VIEW_RUBY);
    ck_assert_msg(!strcmp(x, y), "%s item %zu:\n  cursor %s\n  full   %s", name, i, y, x);
    free(x);
    free(y);
}

static size_t walk_children(rsess_cursor *c, const rsess_val *full, const char *name, int mode, int level)
{
    size_t checked = 0, n = rsess_len(full), items = rsess_type_of(full) == RSESS_HASH ? 2 * n : n;
    for (size_t i = 0; i < items; i++) {
        const rsess_val *want = rsess_type_of(full) == RSESS_HASH ? (i % 2 ? rsess_hash_val(full, i / 2) : rsess_hash_key(full, i / 2))
                                                                  : rsess_arr_get(full, i);
        rsess_type t = rsess_cursor_type(c);
        bool container = t == RSESS_ARRAY || t == RSESS_HASH;
        if (container && level < 3 && (i + (size_t)mode) % 3 == 0) {
            size_t m = 99;
            ck_assert_int_eq(rsess_cursor_enter(c, &m, NULL), 0);
            ck_assert_uint_eq(m, rsess_len(want));
            checked += walk_children(c, want, name, mode, level + 1);
            ck_assert_int_eq(rsess_cursor_leave(c, NULL), 0);
        } else if ((i + (size_t)mode) % 2) {
            ck_assert_int_eq(rsess_cursor_skip(c, NULL), 0);
        } else {
            rsess_err err;
            rsess_val *v = rsess_cursor_read(c, &err);
            ck_assert_msg(v, "%s item %zu: %s", name, i, err.text);
            expect_same(want, v, name, i);
            checked++;
        }
    }
    ck_assert_int_eq(rsess_cursor_type(c), RSESS_NONE);
    return checked;
}

START_TEST(cursor_walks_like_full_decode)
{
    size_t count, checked = 0;
    char **names = fixture_names(&count);
    for (size_t i = 0; i < count; i++) {
        size_t len;
        unsigned char *data = read_fixture(names[i], &len);
        rsess_doc *full = rsess_read(data, len, NULL, NULL);
        for (int mode = 0; mode < 3; mode++) {
            rsess_err err;
            rsess_cursor *c = rsess_cursor_new(data, len, NULL, &err);
            ck_assert_msg(c, "%s: %s", names[i], err.text);
            rsess_val *root = rsess_doc_root(full);
            rsess_type t = rsess_cursor_type(c);
            if ((t == RSESS_ARRAY || t == RSESS_HASH) && !rsess_hash_default(root) && !rsess_user_class(root) &&
                !rsess_extended_count(root)) {
                size_t m = 99;
                ck_assert_int_eq(rsess_cursor_enter(c, &m, NULL), 0);
                ck_assert_uint_eq(m, rsess_len(root));
                checked += walk_children(c, root, names[i], mode, 0);
                ck_assert_int_eq(rsess_cursor_leave(c, NULL), 0);
            } else {
                rsess_val *v = rsess_cursor_read(c, &err);
                ck_assert_msg(v, "%s: %s", names[i], err.text);
                expect_same(root, v, names[i], 0);
                checked++;
            }
            ck_assert_int_eq(rsess_cursor_type(c), RSESS_NONE);
            ck_assert_int_eq(rsess_cursor_skip(c, &err), RSESS_ERR_STATE);
            rsess_cursor_free(c);
        }
        rsess_doc_free(full);
        free(data);
    }
    free_names(names);
    ck_assert_uint_gt(checked, 500);
    /* a truncated input fails cleanly, and stays failed */
    rsess_err err;
    rsess_cursor *c = rsess_cursor_new("\x04\x08[\x07i\x06\"\x0a" "ab", 9, NULL, &err);
    ck_assert(c);
    size_t m = 0;
    ck_assert_int_eq(rsess_cursor_enter(c, &m, &err), 0);
    ck_assert_uint_eq(m, 2);
    ck_assert_ptr_nonnull(rsess_cursor_read(c, &err));
    ck_assert_ptr_null(rsess_cursor_read(c, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_TRUNCATED);
    ck_assert_int_eq(rsess_cursor_skip(c, &err), RSESS_ERR_TRUNCATED);
    rsess_cursor_free(c);
}
END_TEST

Suite *cursor_suite(void)
{
    Suite *s = suite_create("cursor");
    TCase *t = tcase_create("cursor");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, cursor_walks_like_full_decode);
    suite_add_tcase(s, t);
    return s;
}
