/* The annotated listing (explain.c) walks with the reader's walker, so it
 * must accept exactly what rsess_read accepts and stop at the same error:
 * checked on every fixture Ruby wrote, every proper prefix of each, and
 * one-byte changes of each. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* explain's verdict on these bytes equals rsess_read's: code and offset */
static void same_verdict(const unsigned char *p, size_t n, const char *what, size_t *errors)
{
    unsigned char *copy = malloc(n ? n : 1); /* exact size: overreads are caught */
    memcpy(copy, p, n);
    rsess_err er, ex;
    rsess_doc *doc = rsess_read(copy, n, NULL, &er);
    int want = doc ? 0 : (int)er.code;
    rsess_doc_free(doc);
    rsess_buf out = {0};
    int got = rsess_explain(copy, n, 0, NULL, &out, &ex);
    ck_assert_msg(got == want, "%s: explain %d (%s), read %d (%s)", what, got, got ? ex.text : "", want,
                  want ? er.text : "");
    if (want) {
        ck_assert_msg(ex.offset == er.offset, "%s: explain at %zu, read at %zu (%s)", what, ex.offset, er.offset,
                      er.text);
        (*errors)++;
    } else {
        ck_assert_msg(out.len > 0, "%s: empty listing", what);
    }
    rsess_buf_free(&out);
    free(copy);
}

START_TEST(explain_agrees_with_read)
{
    size_t count, errors = 0, inputs = 0;
    char **names = fixture_names(&count);
    for (size_t i = 0; i < count; i++) {
        size_t len;
        unsigned char *data = read_fixture(names[i], &len);
        char what[160];
        snprintf(what, sizeof what, "%s", names[i]);
        same_verdict(data, len, what, &errors), inputs++;
        for (size_t n = 2; n < len; n++) { /* every prefix past the header */
            snprintf(what, sizeof what, "%s cut at %zu", names[i], n);
            same_verdict(data, n, what, &errors), inputs++;
        }
        for (size_t k = 2; k < len; k += 3) { /* a byte changed here and there */
            unsigned char *m = malloc(len);
            memcpy(m, data, len);
            m[k] ^= (unsigned char)(0x5a + k);
            snprintf(what, sizeof what, "%s with byte %zu changed", names[i], k);
            same_verdict(m, len, what, &errors), inputs++;
            free(m);
        }
        free(data);
    }
    free_names(names);
    printf("explain agrees with rsess_read on %zu inputs (%zu of them refused)\n", inputs, errors);
    ck_assert_uint_gt(errors, 1000);
}
END_TEST

/* The listing shows what the walker knows: links name their object. */
START_TEST(explain_names_links_and_encodings)
{
    static const unsigned char v[] = {4, 8, '[', 7, 'I', '"', 6, 'a', 6, ':', 6, 'E', 'T', '@', 6};
    rsess_buf out = {0};
    rsess_err err;
    ck_assert_int_eq(rsess_explain(v, sizeof v, 0, NULL, &out, &err), 0);
    ck_assert_ptr_nonnull(strstr((const char *)out.data, "true: encoding UTF-8"));
    ck_assert_ptr_nonnull(strstr((const char *)out.data, "link to object #1: String \"a\""));
    rsess_buf_free(&out);
    /* a UTF-16LE symbol keeps its NUL bytes (escaped) */
    static const unsigned char u[] = {4, 8, 'I', ':', 9, 'h', 0, 'i', 0, 6, ':', 13, 'e', 'n', 'c', 'o', 'd', 'i', 'n',
                                      'g', '"', 13, 'U', 'T', 'F', '-', '1', '6', 'L', 'E'};
    ck_assert_int_eq(rsess_explain(u, sizeof u, 0, NULL, &out, &err), 0);
    ck_assert_msg(strstr((const char *)out.data, ":h\\x00i\\x00") != NULL, "%s", (const char *)out.data);
    rsess_buf_free(&out);
}
END_TEST

/* Symbols whose encoding ivar names are symbols with ivars, 1,000 deep:
 * nested like containers, so refused past max_depth by every reader (the
 * listing would otherwise grow with the square of the depth). */
START_TEST(nested_symbol_ivars_are_limited)
{
    size_t n = 1000, len = 3 + 5 * n + 4;
    unsigned char *p = malloc(len), *q = p;
    *q++ = 4, *q++ = 8, *q++ = 'e';
    for (size_t i = 0; i < n; i++) *q++ = 'I', *q++ = ':', *q++ = 6, *q++ = 'a', *q++ = 6;
    *q++ = ':', *q++ = 6, *q++ = 'b', *q++ = '0';
    rsess_err er, ex;
    ck_assert_ptr_null(rsess_read(p, len, NULL, &er));
    ck_assert_int_eq(er.code, RSESS_ERR_DEPTH);
    rsess_buf out = {0};
    ck_assert_int_eq(rsess_explain(p, len, 0, NULL, &out, &ex), RSESS_ERR_DEPTH);
    ck_assert_uint_eq(ex.offset, er.offset);
    ck_assert_uint_lt(out.len, 1u << 20);
    rsess_buf_free(&out);
    free(p);
}
END_TEST

/* A Float's text is listed whole, however long (the listing writes through
 * the shared output sink, which never cuts a line). */
START_TEST(long_float_text_shown_whole)
{
    unsigned char v[6 + 600] = {4, 8, 'f', 2, 600 & 0xff, 600 >> 8};
    char want[600 + 1];
    memset(want, '0', 600);
    want[0] = '1', want[1] = '.', want[599] = '1', want[600] = 0;
    memcpy(v + 6, want, 600);
    rsess_buf out = {0};
    rsess_err err;
    ck_assert_int_eq(rsess_explain(v, sizeof v, 0, NULL, &out, &err), 0);
    ck_assert_int_eq(rsess_buf_append(&out, "", 1), 0);
    ck_assert_msg(strstr((const char *)out.data, want) != NULL, "%s", (const char *)out.data);
    rsess_buf_free(&out);
}
END_TEST

/* --- coverage (issue 18) ------------------------------------------------ */
/* Every allocation failing in turn, for Marshal and each entry format Rails
 * wrote (fixtures/entries, compressed ones too): RSESS_ERR_NOMEM, or the
 * whole listing (the same text as with plain malloc), nothing leaked. */
START_TEST(explain_under_allocation_failure)
{
    static const char *const files[] = {"marshal/session_typical", "marshal/extended_twice", "marshal/string_sjis",
                                        "marshal/object_link", "entries/as71_big_compressed", "entries/as70_big_compressed",
                                        "entries/as61_big_compressed", "entries/as71_version_marshal_prefix",
                                        "entries/as71_string_sjis"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "fixtures/%s.bin", files[i]);
        size_t len;
        unsigned char *in = read_file(path, &len);
        rsess_buf plain;
        rsess_buf_init(&plain, NULL);
        rsess_err err;
        ck_assert_msg(rsess_explain(in, len, 0, NULL, &plain, &err) == 0, "%s: %s", files[i], err.text);
        long nomem = 0, ok = 0;
        for (long k = 1; k < 400; k++) {
            counting_alloc c = {.fail_at = k};
            rsess_alloc a = counting_hooks(&c);
            rsess_buf b;
            rsess_buf_init(&b, &a);
            int rc = rsess_explain(in, len, 0, NULL, &b, &err);
            if (rc) {
                ck_assert_msg(rc == RSESS_ERR_NOMEM && err.code == RSESS_ERR_NOMEM, "%s, allocation %ld: %d", files[i], k,
                              rc);
                nomem++;
            } else {
                ck_assert_msg(b.len == plain.len && !memcmp(b.data, plain.data, b.len), "%s", files[i]);
                ok++;
            }
            rsess_buf_free(&b);
            ck_assert_int_eq(c.live, 0);
            if (c.calls < k) break;
        }
        ck_assert_msg(nomem > 0 && ok == 1, "%s: %ld, %ld", files[i], nomem, ok);
        rsess_buf_free(&plain);
        free(in);
    }
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    rsess_err err;
    ck_assert_int_eq(rsess_explain("\x04\x08T", 3, 0, NULL, NULL, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_explain(NULL, 3, 0, NULL, &b, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_explain("", 0, 0, NULL, &b, &err), RSESS_ERR_TRUNCATED);
    ck_assert_int_eq(rsess_explain("\x07", 1, 0, NULL, &b, &err), RSESS_ERR_FORMAT_UNKNOWN);
    ck_assert_uint_eq(err.offset, 0);
    rsess_buf_free(&b);
}
END_TEST

Suite *explain_suite(void)
{
    Suite *s = suite_create("explain");
    TCase *t = tcase_create("explain");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, explain_agrees_with_read);
    tcase_add_test(t, explain_names_links_and_encodings);
    tcase_add_test(t, nested_symbol_ivars_are_limited);
    tcase_add_test(t, long_float_text_shown_whole);
    tcase_add_test(t, explain_under_allocation_failure);
    suite_add_tcase(s, t);
    return s;
}
