/* lib/view_ruby.c: Strings in the Chinese double-byte encodings (GBK,
 * CP936, GB18030 with its four-byte characters, Big5, Big5-HKSCS), valid
 * and not, as Ruby inspects them (fixtures/coverage/wide_inspect.*, from
 * generate_coverage.rb). The other values are checked in test_views.c. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

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

Suite *view_ruby_suite(void)
{
    Suite *s = suite_create("view_ruby");
    TCase *t = tcase_create("view_ruby");
    tcase_add_test(t, view_ruby_double_byte_encodings);
    suite_add_tcase(s, t);
    return s;
}
