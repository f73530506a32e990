/* lib/marshal_read.c: rsess_read's refusals, and the tree builder under
 * allocation failure at every offset in the document's arena: values Ruby
 * wrote (fixtures/marshal) after N empty Arrays in an outer Array, with
 * each of the first allocations failing. Each read gives RSESS_ERR_NOMEM
 * or the whole value (the same Ruby text as the fixture read alone). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(read_refusals)
{
    rsess_err err;
    ck_assert_ptr_null(rsess_read(NULL, 3, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_ARG);
    rsess_read_opts o;
    rsess_read_opts_init(&o);
    o.limits.max_input = 3;
    ck_assert_ptr_null(rsess_read("\x04\x08[\x00", 4, &o, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_SIZE);
    ck_assert_ptr_null(rsess_read("", 0, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_TRUNCATED);
    ck_assert_uint_eq(err.offset, 0);
    ck_assert_ptr_null(rsess_read("\x04", 1, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_TRUNCATED);
    ck_assert_uint_eq(err.offset, 1);
    ck_assert_ptr_null(rsess_read("\x03\x08" "0", 3, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_VERSION);
    ck_assert_ptr_null(rsess_read("\x04\x08" "00", 4, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_TRAILING);
    ck_assert_uint_eq(err.offset, 3);
}
END_TEST

static char *ruby_text(const rsess_val *v)
{
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    ck_assert_int_eq(rsess_print(v, RSESS_VIEW_RUBY, 0, &b, NULL), 0);
    char *s = strndup((const char *)b.data, b.len);
    rsess_buf_free(&b);
    return s;
}

START_TEST(read_alloc_failures_at_every_arena_offset)
{
    /* fixtures without object links ('@'): wrapping shifts object indexes */
    static const char *const names[] = {"userdef", "userdef_utf8", "regexp_opts", "extended_twice", "hash_default",
                                        "hash_default_string", "user_hash", "user_string", "struct", "ivar_string",
                                        "string_sjis", "symbol_sjis", "usermarshal", "tdata", "float", "bignum",
                                        "array_ivar", "hash_identity", "object", "old_module", "class"};
    long nomem = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t flen;
        unsigned char *f = read_fixture(names[i], &flen);
        rsess_doc *alone = rsess_read(f, flen, NULL, NULL);
        ck_assert_ptr_nonnull(alone);
        char *want = ruby_text(rsess_doc_root(alone));
        rsess_doc_free(alone);
        for (int pad = 0; pad < 60; pad += 3) {
            /* 04 08 [ <pad+1> ([ 00) x pad <the fixture's value> */
            size_t n = 0;
            unsigned char *in = malloc(flen + 2 * (size_t)pad + 8);
            in[n++] = 4, in[n++] = 8, in[n++] = '[', in[n++] = (unsigned char)(pad + 1 + 5);
            for (int k = 0; k < pad; k++) in[n++] = '[', in[n++] = 0;
            memcpy(in + n, f + 2, flen - 2);
            n += flen - 2;
            for (long k = 1; k < 8; k++) {
                counting_alloc c = {.fail_at = k};
                rsess_alloc hooks = counting_hooks(&c);
                rsess_read_opts o;
                rsess_read_opts_init(&o);
                o.alloc = &hooks;
                rsess_err err;
                rsess_doc *doc = rsess_read(in, n, &o, &err);
                if (!doc) {
                    ck_assert_msg(err.code == RSESS_ERR_NOMEM, "%s pad %d, allocation %ld: %d %s", names[i], pad, k,
                                  err.code, err.text);
                    nomem++;
                } else {
                    rsess_val *root = rsess_doc_root(doc);
                    ck_assert_uint_eq(rsess_len(root), (size_t)pad + 1);
                    char *got = ruby_text(rsess_arr_get(root, (size_t)pad));
                    ck_assert_msg(!strcmp(got, want), "%s pad %d: %s, alone %s", names[i], pad, got, want);
                    free(got);
                }
                rsess_doc_free(doc);
                ck_assert_int_eq(c.live, 0);
                if (c.calls < k) break;
            }
            free(in);
        }
        free(want);
        free(f);
    }
    ck_assert_int_gt(nomem, 100);
}
END_TEST

/* The walker's own tables under allocation failure: 40 nested Arrays (past
 * the frames kept on the stack), 300 Symbols and 300 Strings (past the
 * first symbol and object tables), read in full, by the cursor (which also
 * records where objects start) and by explain. */
START_TEST(walker_tables_under_allocation_failure)
{
    unsigned char *in = malloc(20000);
    size_t n = 0;
    in[n++] = 4, in[n++] = 8;
    for (int i = 0; i < 40; i++) in[n++] = '[', in[n++] = 6;
    in[n++] = '[', in[n++] = 2, in[n++] = 0x58, in[n++] = 2; /* 600 items: w_long 02 58 02 */
    for (int i = 0; i < 300; i++) n += (size_t)sprintf((char *)in + n, ":\x0as%04d", i);
    for (int i = 0; i < 300; i++) n += (size_t)sprintf((char *)in + n, "\"\x0at%04d", i);
    rsess_err err;
    rsess_doc *plain = rsess_read(in, n, NULL, &err);
    ck_assert_msg(plain != NULL, "%s", err.text);
    rsess_doc_free(plain);
    long fails[3] = {0, 0, 0};
    for (int who = 0; who < 3; who++)
        for (long k = 1; k < 200; k++) {
            counting_alloc c = {.fail_at = k};
            rsess_alloc hooks = counting_hooks(&c);
            rsess_read_opts o;
            rsess_read_opts_init(&o);
            o.alloc = &hooks;
            int rc;
            if (who == 0) {
                rsess_doc *d = rsess_read(in, n, &o, &err);
                rc = d ? 0 : err.code;
                rsess_doc_free(d);
            } else if (who == 1) {
                rsess_cursor *cu = rsess_cursor_new(in, n, &o, &err);
                rsess_val *v = cu ? rsess_cursor_read(cu, &err) : NULL;
                rc = v ? 0 : err.code;
                rsess_cursor_free(cu);
            } else {
                rsess_buf b;
                rsess_buf_init(&b, &hooks);
                rc = rsess_explain(in, n, 0, NULL, &b, &err);
                rsess_buf_free(&b);
            }
            ck_assert_msg(rc == 0 || rc == RSESS_ERR_NOMEM, "reader %d, allocation %ld: %d %s", who, k, rc, err.text);
            if (rc) fails[who]++;
            ck_assert_int_eq(c.live, 0);
            if (c.calls < k) break;
        }
    ck_assert(fails[0] > 2 && fails[1] > 2 && fails[2] > 2);
    free(in);
}
END_TEST

Suite *marshal_read_suite(void)
{
    Suite *s = suite_create("marshal_read");
    TCase *t = tcase_create("marshal_read");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, read_refusals);
    tcase_add_test(t, read_alloc_failures_at_every_arena_offset);
    tcase_add_test(t, walker_tables_under_allocation_failure);
    suite_add_tcase(s, t);
    return s;
}
