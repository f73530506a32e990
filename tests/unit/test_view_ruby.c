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

Suite *view_ruby_suite(void)
{
    Suite *s = suite_create("view_ruby");
    TCase *t = tcase_create("views");
    tcase_add_test(t, ruby_inspect_matches_ruby);
    suite_add_tcase(s, t);
    return s;
}
