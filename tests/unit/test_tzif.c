/* lib/tzif.c: zone abbreviations from Debian's tzdata TZif files. The
 * expected abbreviations are what tzinfo 2.0 (Rails' source of them,
 * Debian's ruby-tzinfo) gives for the same zone and instant:
 *   TZInfo::Timezone.get(z).period_for_utc(Time.at(t).utc).abbreviation
 * Instants after 2037 exercise the files' POSIX TZ footer rule. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const struct {
    const char *zone;
    int64_t t;
    const char *abbr;
} facts[] = {
    {"Europe/Berlin", 1910000000, "CEST"},
    {"Europe/Berlin", 1894000000, "CET"},
    {"Europe/Berlin", -3000000000LL, "LMT"},
    {"America/New_York", 2500000000LL, "EDT"},       /* 2049: the footer rule */
    {"Australia/Sydney", 2500000000LL, "AEDT"},      /* southern DST, footer */
    {"Asia/Tokyo", 0, "JST"},
    {"America/Sao_Paulo", 1900000000, "-03"},
    {"Asia/Dubai", 1900000000, "+04"},
    {"Eastern Time (US & Canada)", 2500000000LL, "EDT"}, /* a Rails name (MAPPING) */
    {"Tokyo", 1769693054, "JST"},
};

#define ZONEFILE "/usr/share/zoneinfo/Europe/Berlin"

START_TEST(abbreviations_match_tzinfo)
{
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        char out[64] = "";
        bool ok = rs_zone_abbrev(facts[i].zone, strlen(facts[i].zone), facts[i].t, NULL, out, sizeof out) == 0;
        ck_assert_msg(ok, "%s at %lld: no abbreviation (is tzdata installed?)", facts[i].zone, (long long)facts[i].t);
        ck_assert_msg(strcmp(out, facts[i].abbr) == 0, "%s at %lld: %s, tzinfo says %s", facts[i].zone,
                      (long long)facts[i].t, out, facts[i].abbr);
    }
}
END_TEST

START_TEST(unknown_or_unsafe_zones_fall_back)
{
    static const char *const bad[] = {"No/Such_Zone", "../../etc/passwd", "/etc/passwd", "Europe//Berlin",
                                      "Europe/", "", "Europe/Berlin\n", "Eu.rope"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[64];
        ck_assert_msg(rs_zone_abbrev(bad[i], strlen(bad[i]), 0, NULL, out, sizeof out) == RSESS_ERR_NOT_FOUND,
                      "%s accepted", bad[i]);
    }
    char tiny[3]; /* too small for "CEST" */
    ck_assert(rs_zone_abbrev("Europe/Berlin", 13, 1910000000, NULL, tiny, sizeof tiny) == RSESS_ERR_NOT_FOUND);
}
END_TEST

/* Every prefix and many corrupted copies of a real file: no crash, no
 * overread (ASan, valgrind), an answer or a clean false. */
START_TEST(hostile_tzif_bytes)
{
    size_t len;
    unsigned char *data = read_file(ZONEFILE, &len);
    char out[64];
    for (size_t n = 0; n < len; n++) {
        unsigned char *cut = malloc(n ? n : 1);
        memcpy(cut, data, n);
        (void)rs_tzif_abbrev(cut, n, 1910000000, out, sizeof out);
        (void)rs_tzif_abbrev(cut, n, 2500000000LL, out, sizeof out);
        free(cut);
    }
    unsigned char *copy = malloc(len);
    unsigned seed = 12345;
    for (int round = 0; round < 2000; round++) {
        memcpy(copy, data, len);
        for (int k = 0; k < 4; k++) {
            seed = seed * 1103515245u + 12345u;
            copy[(seed >> 8) % len] = (unsigned char)(seed >> 24);
        }
        (void)rs_tzif_abbrev(copy, len, (int64_t)(seed % 4000000000u) - 1000000000, out, sizeof out);
    }
    free(copy);
    ck_assert(rs_tzif_abbrev(data, len, 1910000000, out, sizeof out) && strcmp(out, "CEST") == 0);
    free(data);
}
END_TEST

/* The footer rules of many zones, past the tables' end (2049-2050):
 * fixtures/coverage/tzif.tsv, what tzinfo 2.0 said (generate_coverage.rb). */
START_TEST(footer_rules_match_tzinfo)
{
    size_t len;
    char *tsv = (char *)read_file("fixtures/coverage/tzif.tsv", &len);
    int rows = 0;
    char *save;
    for (char *line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[3];
        ck_assert_int_eq(tu_fields(line, f, 3), 3);
        char out[64] = "";
        int rc = rs_zone_abbrev(f[0], strlen(f[0]), atoll(f[1]), NULL, out, sizeof out);
        ck_assert_msg(rc == 0 && strcmp(out, f[2]) == 0, "%s at %s: %d %s, tzinfo says %s", f[0], f[1], rc, out, f[2]);
        rows++;
    }
    ck_assert_int_ge(rows, 60);
    free(tsv);
}
END_TEST

/* Asia/Tokyo's TZif bytes with the footer "JST-9" replaced by rule. */
static unsigned char *with_footer(const unsigned char *tokyo, size_t len, const char *rule, size_t *outlen)
{
    ck_assert(len > 8 && tokyo[len - 1] == '\n');
    size_t f = len - 1;
    while (f > 0 && tokyo[f - 1] != '\n') f--; /* the footer starts after this newline */
    ck_assert_msg(len - f == 6 && !memcmp(tokyo + f, "JST-9\n", 6), "Asia/Tokyo's footer changed");
    size_t rl = strlen(rule);
    unsigned char *p = malloc(f + rl + 1);
    memcpy(p, tokyo, f);
    memcpy(p + f, rule, rl);
    p[f + rl] = '\n';
    *outlen = f + rl + 1;
    return p;
}

/* POSIX TZ rules of every form (J, zero-based and M days, week 5 in a leap
 * February, h:mm:ss offsets and times, negative and southern DST), each as
 * the footer of a real file: glibc's answers (fixtures/coverage/tzif_rules.tsv,
 * generate_coverage.rb). A footer that is not a valid rule is ignored: the
 * file's last type (JST) stands. */
START_TEST(footer_rule_forms_match_glibc)
{
    size_t tl, len;
    unsigned char *tokyo = read_file("/usr/share/zoneinfo/Asia/Tokyo", &tl);
    char *tsv = (char *)read_file("fixtures/coverage/tzif_rules.tsv", &len);
    int rows = 0;
    char *save;
    for (char *line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[3];
        ck_assert_int_eq(tu_fields(line, f, 3), 3);
        size_t n;
        unsigned char *p = with_footer(tokyo, tl, f[0], &n);
        char out[64] = "";
        ck_assert_msg(rs_tzif_abbrev(p, n, atoll(f[1]), out, sizeof out) && !strcmp(out, f[2]),
                      "%s at %s: %s, glibc says %s", f[0], f[1], out, f[2]);
        free(p);
        rows++;
    }
    ck_assert_int_gt(rows, 1000);
    static const char *const bad[] = {"<+03-3", "<>3", "3ABC", "AB3", "ABC", "ABC+", "ABC3:60", "ABC168",
                                      "ABC3DEF", "ABC3DEF,", "ABC3DEF,M3.2.0", "ABC3DEF,M3.2.0,", "ABC3DEF,M13.1.0,M1.1.0",
                                      "ABC3DEF,M3.0.0,M11.1.0", "ABC3DEF,M3.2.7,M11.1.0", "ABC3DEF,M3.2,M11.1.0",
                                      "ABC3DEF,M3,M11.1.0", "ABC3DEF,J366,J300", "ABC3DEF,Jx,J300", "ABC3DEF,M3.2.0/x,M11.1.0",
                                      "ABC3DEF,M3.2.0,M11.1.0x", "ABC3DEF2x,M3.2.0,M11.1.0", "ABC3DEF,M3.2.0;M11.1.0",
                                      "ABC3DEF,M3.2.0,M11.1.0/2:x", "ABC3DEF,M3.2.0,M11.1.0/2:30:", "ABC3D3,M3.2.0,M11.1.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n;
        unsigned char *p = with_footer(tokyo, tl, bad[i], &n);
        char out[64] = "";
        ck_assert_msg(rs_tzif_abbrev(p, n, 2500000000LL, out, sizeof out) && !strcmp(out, "JST"), "%s: %s", bad[i], out);
        free(p);
    }
    /* an abbreviation longer than the caller's room */
    size_t n;
    unsigned char *p = with_footer(tokyo, tl, "<LONGNAME>-9", &n);
    char small[4];
    ck_assert(!rs_tzif_abbrev(p, n, 2500000000LL, small, sizeof small));
    free(p);
    free(tsv);
    free(tokyo);
}
END_TEST

Suite *tzif_suite(void)
{
    Suite *s = suite_create("tzif");
    TCase *t = tcase_create("tzif");
    tcase_add_test(t, abbreviations_match_tzinfo);
    tcase_add_test(t, unknown_or_unsafe_zones_fall_back);
    tcase_add_test(t, hostile_tzif_bytes);
    tcase_add_test(t, footer_rules_match_tzinfo);
    tcase_add_test(t, footer_rule_forms_match_glibc);
    suite_add_tcase(s, t);
    return s;
}
