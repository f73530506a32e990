/* The defects of issue 19 and every minimal repro `make diff` found
 * (tests/fixtures/repros/, written by Ruby: generate_repros.rb). For each
 * value: the typed round trip gives Ruby's bytes back; the Ruby view is
 * Ruby 3.4's `p` text; the JSON view equals JSON.generate(as_json), and is
 * valid UTF-8 JSON even where Ruby refuses to generate any. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *view(const rsess_val *v, rsess_view how)
{
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    rsess_err err;
    ck_assert_msg(rsess_print(v, how, 0, &b, &err) == 0, "print: %s", err.text);
    return (char *)b.data;
}

START_TEST(repro_values)
{
    size_t tl;
    char *text = (char *)read_file("fixtures/repros/expect.tsv", &tl);
    size_t rows = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#') continue;
        char *name = line, *insp = strchr(name, '\t');
        ck_assert(insp);
        *insp++ = 0;
        char *json = strchr(insp, '\t');
        ck_assert(json);
        *json++ = 0;
        char path[512];
        snprintf(path, sizeof path, "fixtures/repros/values/%s.bin", name);
        size_t n;
        unsigned char *data = read_file(path, &n);
        rsess_err err;
        rsess_doc *doc = rsess_read(data, n, NULL, &err);
        ck_assert_msg(doc, "%s: %s", name, err.text);
        rsess_val *v = rsess_doc_root(doc);
        /* typed round trip */
        char *typed = view(v, RSESS_VIEW_TYPED);
        rsess_doc *back = NULL;
        ck_assert_msg(rsess_from_typed_json(typed, strlen(typed), NULL, &back, &err) == 0, "%s: %s", name, err.text);
        rsess_buf bytes;
        rsess_buf_init(&bytes, NULL);
        ck_assert_int_eq(rsess_write(rsess_doc_root(back), &bytes, &err), 0);
        ck_assert_msg(bytes.len == n && !memcmp(bytes.data, data, n), "%s: typed round trip differs (%s)", name, typed);
        /* Ruby view */
        char *got = view(v, RSESS_VIEW_RUBY);
        if (strcmp(insp, "-"))
            ck_assert_msg(!strcmp(got, insp), "%s inspect:\n  got  %s\n  want %s", name, got, insp);
        free(got);
        /* JSON view: valid JSON in UTF-8 always, Ruby's when Ruby makes one */
        got = view(v, RSESS_VIEW_JSON);
        rsess_json_opts o;
        rsess_json_opts_init(&o);
        o.flags = RSESS_JSON_STRICT;
        rsess_doc *j = NULL;
        ck_assert_msg(rsess_from_json(got, strlen(got), &o, &j, &err) == 0, "%s: JSON view is not valid JSON: %s (%s)",
                      name, got, err.text);
        rsess_doc_free(j);
        if (strcmp(json, "-"))
            ck_assert_msg(json_same(got, strlen(got), json, strlen(json)), "%s json:\n  got  %s\n  want %s", name, got,
                          json);
        free(got);
        free(typed);
        rsess_buf_free(&bytes);
        rsess_doc_free(back);
        rsess_doc_free(doc);
        free(data);
        rows++;
    }
    free(text);
    ck_assert_uint_ge(rows, 30);
}
END_TEST

Suite *diff_repros_suite(void)
{
    Suite *s = suite_create("diff_repros");
    TCase *t = tcase_create("core");
    tcase_add_test(t, repro_values);
    suite_add_tcase(s, t);
    return s;
}
