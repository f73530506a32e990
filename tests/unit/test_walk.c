/* lib/walk.h and lib/walk.c: the walker's limits and its frame stack.
 * - max_nodes (every value counts but nil, true and false, which are one
 *   node each): [nil, X] with room for one value (the Array) refuses X,
 *   whatever its kind, with RSESS_ERR_NODES at its first value's byte, in
 *   rsess_read, the cursor and explain alike.
 * - the frame stack: X opened 24 levels down (where the frames kept on the
 *   caller's stack run out) with each allocation failing in turn gives
 *   RSESS_ERR_NOMEM, or the value. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

/* at: where the first value past the limit starts (a prefix like 'I', 'e'
 * or 'C' is not a value: the value it wraps, or its module or class
 * Symbol, is). */
static const struct { const char *name, *bytes; size_t n, at; } kinds[] = {
#define K(name, s) {name, s, sizeof s - 1, 5}
#define K6(name, s) {name, s, sizeof s - 1, 6}
    K("int", "i\x06"), K("bignum", "l+\x06\x01\x00"), K("float", "f\x06" "1"), K("string", "\"\x06" "a"),
    K("regexp", "/\x06" "a\x00"), K("class", "c\x06" "A"), K("module", "m\x06" "A"), K("oldmodule", "M\x06" "A"),
    K("array", "[\x06" "0"), K("hash", "{\x06" "00"), K("hash default", "}\x00" "0"), K("object", "o:\x06" "A\x00"),
    K("struct", "S:\x06" "A\x00"), K("userdef", "u:\x06" "A\x06" "x"), K("usermarshal", "U:\x06" "A0"),
    K("data", "d:\x06" "A0"), K6("ivar string", "I\"\x06" "a\x06:\x06" "ET"),
    K6("extended", "e:\x06Mo:\x06" "A\x00"),
    K6("user class", "C:\x06U\"\x00"), K("symbol", ":\x06s"), K6("symbol with ivars", "I:\x06s\x06:\x06" "ET")
#undef K
#undef K6
};

START_TEST(walk_max_nodes_at_every_kind)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        unsigned char in[64] = {4, 8, '[', 7, '0'};
        memcpy(in + 5, kinds[i].bytes, kinds[i].n);
        size_t n = 5 + kinds[i].n;
        rsess_read_opts o;
        rsess_read_opts_init(&o);
        rsess_err err;
        rsess_doc *d = rsess_read(in, n, &o, &err);
        ck_assert_msg(d != NULL, "%s: %s", kinds[i].name, err.text); /* well-formed without the limit */
        rsess_doc_free(d);
        o.limits.max_nodes = 1;
        ck_assert_ptr_null(rsess_read(in, n, &o, &err));
        ck_assert_msg(err.code == RSESS_ERR_NODES && err.offset == kinds[i].at, "%s: read: %d at %zu", kinds[i].name,
                      err.code, err.offset);
        rsess_cursor *c = rsess_cursor_new(in, n, &o, &err);
        ck_assert_ptr_nonnull(c); /* a cursor reports its input's error at the first step */
        ck_assert_ptr_null(rsess_cursor_read(c, &err));
        ck_assert_msg(err.code == RSESS_ERR_NODES && err.offset == kinds[i].at, "%s: cursor: %d at %zu", kinds[i].name,
                      err.code, err.offset);
        rsess_cursor_free(c);
        rsess_buf b;
        rsess_buf_init(&b, NULL);
        ck_assert_int_eq(rsess_explain(in, n, 0, &o, &b, &err), RSESS_ERR_NODES);
        ck_assert_msg(err.code == RSESS_ERR_NODES && err.offset == kinds[i].at, "%s: explain: %d at %zu", kinds[i].name,
                      err.code, err.offset);
        rsess_buf_free(&b);
    }
}
END_TEST

START_TEST(walk_frame_stack_growth_under_allocation_failure)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        for (int depth = 22; depth <= 26; depth++) {
            unsigned char in[128];
            size_t n = 0;
            in[n++] = 4, in[n++] = 8;
            for (int k = 0; k < depth; k++) in[n++] = '[', in[n++] = 6;
            memcpy(in + n, kinds[i].bytes, kinds[i].n);
            n += kinds[i].n;
            long nomem = 0, ok = 0;
            for (long k = 1; k < 30; k++) {
                counting_alloc c = {.fail_at = k};
                rsess_err err;
                rsess_doc *d = read_counting(in, n, 0, &c, &err);
                if (d) ok++;
                else {
                    ck_assert_msg(err.code == RSESS_ERR_NOMEM, "%s at depth %d, allocation %ld: %d %s", kinds[i].name,
                                  depth, k, err.code, err.text);
                    nomem++;
                }
                rsess_doc_free(d);
                ck_assert_int_eq(c.live, 0);
                if (c.calls < k) break;
            }
            ck_assert_msg(ok == 1 && nomem > 0, "%s at depth %d", kinds[i].name, depth);
        }
}
END_TEST

Suite *walk_suite(void)
{
    Suite *s = suite_create("walk");
    TCase *t = tcase_create("walk");
    tcase_add_test(t, walk_max_nodes_at_every_kind);
    tcase_add_test(t, walk_frame_stack_growth_under_allocation_failure);
    suite_add_tcase(s, t);
    return s;
}
