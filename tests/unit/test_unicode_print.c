/* The table behind Ruby's inspect (lib/unicode_print.c). */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every code point from U+0080 up: escaped by inspect exactly when Ruby
 * escapes it, except those Unicode 14 and 15 assigned (Ruby 3.4 prints them;
 * Ruby 3.1, which wrote the fixture, does not know them). */
#include <stdbool.h>
bool rs_unicode_printable(uint32_t cp);

static size_t load_ranges(const char *path, uint32_t (*r)[2], size_t max)
{
    FILE *fp = fopen(path, "r");
    ck_assert_msg(fp != NULL, "%s", path);
    size_t n = 0;
    while (n < max && fscanf(fp, "%x %x", &r[n][0], &r[n][1]) == 2) n++;
    fclose(fp);
    return n;
}

static bool in_ranges(uint32_t (*r)[2], size_t n, uint32_t cp)
{
    for (size_t i = 0; i < n; i++)
        if (r[i][0] <= cp && cp <= r[i][1]) return true;
    return false;
}

START_TEST(unicode_escapes_match_ruby)
{
    static uint32_t esc[4000][2], newer[1000][2];
    size_t ne = load_ranges("fixtures/unicode/ruby31_escaped.txt", esc, 4000);
    size_t nn = load_ranges("fixtures/unicode/newer_than_13.txt", newer, 1000);
    ck_assert_uint_gt(ne, 100);
    ck_assert_uint_gt(nn, 10);
    size_t checked = 0, ei = 0;
    for (uint32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        while (ei < ne && esc[ei][1] < cp) ei++;
        bool ruby_escapes = ei < ne && esc[ei][0] <= cp;
        bool ours = !rs_unicode_printable(cp);
        if (ours != ruby_escapes) {
            ck_assert_msg(ruby_escapes && !ours && in_ranges(newer, nn, cp), "U+%04X: rsess %s, Ruby %s", cp,
                          ours ? "escapes" : "prints", ruby_escapes ? "escapes" : "prints");
            continue;
        }
        checked++;
    }
    ck_assert_uint_gt(checked, 1000000);
}
END_TEST

Suite *unicode_print_suite(void)
{
    Suite *s = suite_create("unicode_print");
    TCase *t = tcase_create("unicode");
    tcase_add_test(t, unicode_escapes_match_ruby);
    suite_add_tcase(s, t);
    return s;
}
