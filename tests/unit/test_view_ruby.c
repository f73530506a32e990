/* The Ruby view (lib/view_ruby.c): Ruby 3.4 inspect text (expected text
 * from Ruby, see generate.rb). */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(ruby_inspect_matches_ruby)
{
    size_t len;
    char *tsv = (char *)read_file(FIXTURE_DIR "/inspect.tsv", &len);
    size_t lines = 0;
    for (char *line = strtok(tsv, "\n"); line; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        ck_assert(tab != NULL);
        *tab = 0;
        char *got = print_fixture(line, RSESS_VIEW_RUBY);
        ck_assert_msg(strcmp(got, tab + 1) == 0, "%s:\n  got  %s\n  want %s", line, got, tab + 1);
        free(got);
        lines++;
    }
    ck_assert_uint_gt(lines, 100);
    free(tsv);
}
END_TEST

/* --- tests written for make coverage (issue #18) ---------------------- */
START_TEST(view_ruby_double_byte_encodings)
{
    size_t bl, tl;
    unsigned char *in = read_file("fixtures/coverage/wide_inspect.bin", &bl);
    char *want = (char *)read_file("fixtures/coverage/wide_inspect.txt", &tl);
    rsess_err err;
    rsess_doc *doc = rsess_read(in, bl, NULL, &err);
    ck_assert_msg(doc != NULL, "%s", err.text);
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    ck_assert_int_eq(rsess_print(rsess_doc_root(doc), RSESS_VIEW_RUBY, 0, &b, &err), 0);
    ck_assert_msg(b.len == tl && !memcmp(b.data, want, tl), "got  %s\nwant %s", b.data, want);
    rsess_buf_free(&b);
    rsess_doc_free(doc);
    free(want);
    free(in);
}
END_TEST

static void add_coverage_tests(Suite *s)
{
    TCase *t = tcase_create("view_ruby coverage");
    tcase_add_test(t, view_ruby_double_byte_encodings);
    suite_add_tcase(s, t);
}


Suite *view_ruby_suite(void)
{
    Suite *s = suite_create("view_ruby");
    TCase *t = tcase_create("views");
    tcase_add_test(t, ruby_inspect_matches_ruby);
    suite_add_tcase(s, t);
    add_coverage_tests(s);
    return s;
}
