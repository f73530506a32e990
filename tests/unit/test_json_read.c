/* lib/json_read.c: every prefix of JSON texts with strings, escapes,
 * numbers of every form, comments and nesting, read as Ruby's JSON.parse
 * reads it (fixtures/coverage/json_cuts.tsv, generate_coverage.rb): refused
 * where Ruby refuses (RSESS_ERR_JSON, an offset inside the text), else
 * Ruby's Marshal bytes of the value. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

START_TEST(json_every_prefix_as_ruby)
{
    size_t len;
    char *tsv = (char *)read_file("fixtures/coverage/json_cuts.tsv", &len);
    int rows = 0, accepted = 0;
    char *save;
    for (char *line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[2];
        ck_assert_int_eq(tu_fields(line, f, 2), 2); /* the first row's text is empty */
        char text[512], want[512];
        size_t tl = tu_unhex(f[0], strlen(f[0]), text);
        rsess_doc *doc = NULL;
        rsess_err err;
        int rc = rsess_from_json(text, tl, NULL, &doc, &err);
        if (!strcmp(f[1], "refused")) {
            ck_assert_msg(rc == RSESS_ERR_JSON, "%.*s: code %d, Ruby refuses it", (int)tl, text, rc);
            ck_assert_msg(err.offset <= tl, "%.*s: offset %zu", (int)tl, text, err.offset);
            ck_assert_ptr_null(doc);
        } else {
            ck_assert_msg(rc == 0, "%.*s: refused (%s), Ruby reads it", (int)tl, text, err.text);
            size_t wl = tu_unhex(f[1], strlen(f[1]), want);
            rsess_buf out;
            rsess_buf_init(&out, NULL);
            ck_assert_int_eq(rsess_write(rsess_doc_root(doc), &out, &err), 0);
            ck_assert_msg(out.len == wl && !memcmp(out.data, want, wl), "%.*s: bytes differ from Ruby's", (int)tl, text);
            rsess_buf_free(&out);
            accepted++;
        }
        rsess_doc_free(doc);
        rows++;
    }
    ck_assert_int_gt(rows, 100);
    ck_assert_int_ge(accepted, 3);
    free(tsv);
}
END_TEST

Suite *json_read_suite(void)
{
    Suite *s = suite_create("json_read");
    TCase *t = tcase_create("json_read");
    tcase_add_test(t, json_every_prefix_as_ruby);
    suite_add_tcase(s, t);
    return s;
}
