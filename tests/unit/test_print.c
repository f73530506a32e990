/* lib/print.c: rsess_print and rsess_fprint's own checks, and rsess_fprint
 * writing what Ruby printed (fixtures/marshal/inspect.tsv, generate.rb). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rsess_doc *hash_fixture(void)
{
    size_t len;
    unsigned char *in = read_fixture("hash", &len);
    rsess_doc *doc = rsess_read(in, len, NULL, NULL);
    free(in);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

START_TEST(print_refuses_bad_arguments)
{
    rsess_doc *doc = hash_fixture();
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    rsess_err err;
    ck_assert_int_eq(rsess_print(NULL, RSESS_VIEW_RUBY, 0, &b, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_print(rsess_doc_root(doc), RSESS_VIEW_RUBY, 0, NULL, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_print(rsess_doc_root(doc), (rsess_view)3, 0, &b, &err), RSESS_ERR_ARG);
    ck_assert_str_eq(err.text, "unknown view 3");
    ck_assert_uint_eq(b.len, 0);
    ck_assert_int_eq(rsess_fprint(NULL, rsess_doc_root(doc), RSESS_VIEW_RUBY, 0, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_fprint(stdout, NULL, RSESS_VIEW_RUBY, 0, &err), RSESS_ERR_ARG);
    rsess_buf_free(&b);
    rsess_doc_free(doc);
}
END_TEST

/* {"a" => 1, b: 2.5}: Ruby's p, through a stream */
START_TEST(fprint_writes_what_ruby_printed)
{
    size_t tl;
    char *tsv = (char *)read_file(FIXTURE_DIR "/inspect.tsv", &tl);
    char *row = strstr(tsv, "\nhash\t");
    ck_assert_ptr_nonnull(row);
    char *want = row + 6, *nl = strchr(want, '\n');
    *nl = 0;
    rsess_doc *doc = hash_fixture();
    FILE *fp = tmpfile();
    ck_assert_ptr_nonnull(fp);
    rsess_err err;
    ck_assert_int_eq(rsess_fprint(fp, rsess_doc_root(doc), RSESS_VIEW_RUBY, 0, &err), 0);
    rewind(fp);
    char got[256] = {0};
    size_t n = fread(got, 1, sizeof got - 1, fp);
    fclose(fp);
    ck_assert_uint_eq(n, strlen(want));
    ck_assert_str_eq(got, want);
    /* a stream that cannot be written */
    fp = fopen("/dev/null", "r");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(rsess_fprint(fp, rsess_doc_root(doc), RSESS_VIEW_JSON, 0, &err), RSESS_ERR_ARG);
    ck_assert_str_eq(err.text, "write failed");
    fclose(fp);
    rsess_doc_free(doc);
    free(tsv);
}
END_TEST

/* The NUL after the text is room too: failing that growth gives NOMEM
 * and leaves the buffer as it was. */
START_TEST(print_nomem_for_the_nul)
{
    rsess_doc *doc = hash_fixture();
    long nomem = 0, ok = 0;
    for (long k = 1; k < 50; k++) {
        counting_alloc c = {.fail_at = k};
        rsess_alloc a = counting_hooks(&c);
        rsess_buf b;
        rsess_buf_init(&b, &a);
        if (rsess_buf_append(&b, "x", 1)) {
            ck_assert_int_eq(k, 1);
            continue;
        }
        rsess_err err;
        int rc = rsess_print(rsess_doc_root(doc), RSESS_VIEW_RUBY, 0, &b, &err);
        if (rc) {
            ck_assert_int_eq(rc, RSESS_ERR_NOMEM);
            ck_assert(b.len <= 1);
            nomem++;
        } else {
            ok++;
            ck_assert_str_eq((const char *)b.data, "x{\"a\" => 1, b: 2.5}");
        }
        rsess_buf_free(&b);
        ck_assert_int_eq(c.live, 0);
        if (c.calls < k) break;
    }
    ck_assert_int_gt(nomem, 0);
    ck_assert_int_eq(ok, 1);
    rsess_doc_free(doc);
}
END_TEST

Suite *print_suite(void)
{
    Suite *s = suite_create("print");
    TCase *t = tcase_create("print");
    tcase_add_test(t, print_refuses_bad_arguments);
    tcase_add_test(t, fprint_writes_what_ruby_printed);
    tcase_add_test(t, print_nomem_for_the_nul);
    suite_add_tcase(s, t);
    return s;
}
