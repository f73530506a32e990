/* Float text both ways against real Ruby 3.1, over a million doubles
 * (tests/fixtures/generate_floats.rb): double -> Marshal text, double ->
 * Float#to_s, and text -> double (rs_float_parse) for both texts and for
 * some 80,000 texts that are not the shortest. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "testutil.h"

#include "float.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if !defined MAP_ANONYMOUS && defined MAP_ANON
#define MAP_ANONYMOUS MAP_ANON
#endif
#include <zlib.h>

#define FLOAT_DIR "fixtures/floats"
#define LINE_MAX_LEN 65536 /* the longest text is some 20,000 bytes */

typedef struct {
    gzFile gz;
    char *line;
    size_t len;
    long lineno;
} lines;

static void lines_open(lines *l, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", FLOAT_DIR, name);
    l->gz = gzopen(path, "rb");
    ck_assert_msg(l->gz != NULL, "cannot open %s", path);
    l->line = malloc(LINE_MAX_LEN);
    ck_assert(l->line != NULL);
    l->lineno = 0;
}

/* The next line without its newline; false at the end. */
static bool lines_next(lines *l)
{
    if (!gzgets(l->gz, l->line, LINE_MAX_LEN)) return false;
    l->lineno++;
    l->len = strlen(l->line);
    ck_assert_msg(l->len > 0 && l->line[l->len - 1] == '\n', "line %ld too long or cut", l->lineno);
    l->line[--l->len] = 0;
    return true;
}

static void lines_close(lines *l)
{
    gzclose(l->gz);
    free(l->line);
}

static uint64_t splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double from_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static uint64_t to_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

typedef struct {
    long checked, failed;
} tally;

static void failure(tally *t, const char *what, uint64_t bits, const char *want, size_t wlen, const char *got,
                    size_t glen)
{
    if (t->failed++ < 10)
        fprintf(stderr, "float %016llx: %s: Ruby \"%.*s\", rsess \"%.*s\"\n", (unsigned long long)bits, what,
                (int)wlen, want, (int)glen, got);
}

static void expect_parse(tally *t, const char *text, size_t len, uint64_t bits)
{
    double d;
    if (!rs_float_parse(text, len, &d)) {
        failure(t, "refused", bits, text, len > 60 ? 60 : len, "", 0);
    } else if (to_bits(d) != bits) {
        char got[24];
        snprintf(got, sizeof got, "%016llx", (unsigned long long)to_bits(d));
        failure(t, "read as another double", bits, text, len > 60 ? 60 : len, got, strlen(got));
    }
}

/* fields: MARSHAL <TAB> N <TAB> REST (to_s is MARSHAL's first N bytes, then REST) */
static void check_double(tally *t, uint64_t bits, char *fields)
{
    char *tab1 = strchr(fields, '\t');
    ck_assert(tab1 != NULL);
    char *tab2 = strchr(tab1 + 1, '\t');
    ck_assert(tab2 != NULL);
    size_t mlen = (size_t)(tab1 - fields), keep = (size_t)strtoul(tab1 + 1, NULL, 10);
    ck_assert(keep <= mlen);
    char ruby_s[64];
    size_t rest = strlen(tab2 + 1);
    ck_assert(keep + rest < sizeof ruby_s);
    memcpy(ruby_s, fields, keep);
    memcpy(ruby_s + keep, tab2 + 1, rest);
    size_t slen = keep + rest;

    double d = from_bits(bits);
    char got[RSESS_FLOAT_TEXT_MAX];
    size_t n = rsess_float_marshal_text(d, got);
    if (n != mlen || memcmp(got, fields, n)) failure(t, "Marshal text", bits, fields, mlen, got, n);
    n = rsess_float_ruby_text(d, got);
    if (n != slen || memcmp(got, ruby_s, n)) failure(t, "Float#to_s", bits, ruby_s, slen, got, n);
    if (isfinite(d)) { /* Ruby reads both texts back as d (checked by the generator) */
        expect_parse(t, fields, mlen, bits);
        expect_parse(t, ruby_s, slen, bits);
    }
    t->checked++;
}

START_TEST(random_doubles)
{
    lines l;
    lines_open(&l, "random.txt.gz");
    ck_assert(lines_next(&l));
    unsigned long long seed;
    long count;
    ck_assert_int_eq(sscanf(l.line, "# splitmix64 seed=%llx count=%ld", &seed, &count), 2);
    uint64_t state = seed;
    tally t = {0, 0};
    while (lines_next(&l)) check_double(&t, splitmix(&state), l.line);
    lines_close(&l);
    ck_assert_int_eq(t.checked, count);
    ck_assert_int_ge(t.checked, 700000);
    ck_assert_msg(t.failed == 0, "%ld of %ld random doubles differ from Ruby", t.failed, t.checked);
}
END_TEST

/* Groups of "# group NAME COUNT" then lines; each group's count is checked. */
typedef void (*line_fn)(tally *t, char *line);

static long check_groups(const char *file, line_fn fn, long *groups)
{
    lines l;
    lines_open(&l, file);
    tally t = {0, 0};
    long want = -1, start = 0;
    *groups = 0;
    while (lines_next(&l)) {
        if (!strncmp(l.line, "# group ", 8)) {
            if (want >= 0) ck_assert_int_eq(t.checked - start, want);
            char *sp = strrchr(l.line, ' ');
            want = strtol(sp + 1, NULL, 10);
            start = t.checked;
            ++*groups;
            continue;
        }
        ck_assert_msg(want >= 0, "%s: a line before any group", file);
        fn(&t, l.line);
    }
    ck_assert_int_eq(t.checked - start, want);
    lines_close(&l);
    ck_assert_msg(t.failed == 0, "%s: %ld of %ld differ from Ruby", file, t.failed, t.checked);
    return t.checked;
}

static void listed_line(tally *t, char *line)
{
    ck_assert(strlen(line) > 17 && line[16] == '\t');
    check_double(t, strtoull(line, NULL, 16), line + 17);
}

START_TEST(listed_doubles)
{
    long groups, n = check_groups("listed.txt.gz", listed_line, &groups);
    ck_assert_int_eq(groups, 6);
    ck_assert_int_ge(n, 250000);
}
END_TEST

static void parse_line(tally *t, char *line)
{
    ck_assert(strlen(line) > 17 && line[16] == '\t');
    expect_parse(t, line + 17, strlen(line + 17), strtoull(line, NULL, 16));
    t->checked++;
}

START_TEST(texts_read_as_ruby_reads_them)
{
    long groups, n = check_groups("parse.txt.gz", parse_line, &groups);
    ck_assert_int_eq(groups, 5);
    ck_assert_int_ge(n, 80000);
}
END_TEST

/* Three pages, the outer two unreadable: a text copied to the end of the
 * middle one, or to its start, faults on any read past its end or before
 * its start (with or without a sanitizer). */
typedef struct {
    char *base;
    size_t page;
} guarded;

static void guarded_open(guarded *g)
{
    g->page = (size_t)sysconf(_SC_PAGESIZE);
    g->base = mmap(NULL, 3 * g->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(g->base != MAP_FAILED);
    ck_assert_int_eq(mprotect(g->base, g->page, PROT_NONE), 0);
    ck_assert_int_eq(mprotect(g->base + 2 * g->page, g->page, PROT_NONE), 0);
}

static void guarded_close(guarded *g) { munmap(g->base, 3 * g->page); }

/* The text copied to the end (at_end) or the start of the readable page */
static const char *guarded_put(guarded *g, const char *text, size_t len, bool at_end)
{
    ck_assert(len <= g->page);
    char *p = g->base + g->page + (at_end ? g->page - len : 0);
    memcpy(p, text, len);
    return p;
}

/* rs_float_parse and rs_marshal_float of the text at either edge: bits,
 * or refused (want_ok false) */
static void expect_guarded(tally *t, guarded *g, const char *text, size_t len, bool want_ok, uint64_t bits)
{
    for (int at_end = 0; at_end < 2; at_end++) {
        const char *p = guarded_put(g, text, len, at_end);
        double d = 42, m = 42;
        bool raw = true, ok = rs_float_parse(p, len, &d), mok = rs_marshal_float(p, len, &m, &raw);
        if (!want_ok) {
            if (ok || mok || d != 42) failure(t, "accepted", bits, text, len, "", 0);
        } else if (!ok || !mok || raw) {
            failure(t, "refused", bits, text, len, "", 0);
        } else if (to_bits(d) != bits || to_bits(m) != bits) {
            char got[40];
            snprintf(got, sizeof got, "%016llx %016llx", (unsigned long long)to_bits(d),
                     (unsigned long long)to_bits(m));
            failure(t, "read as another double", bits, text, len, got, strlen(got));
        }
    }
}

static guarded fast_guard;

static void fast_line(tally *t, char *line)
{
    ck_assert(strlen(line) > 17 && line[16] == '\t');
    expect_guarded(t, &fast_guard, line + 17, strlen(line + 17), true, strtoull(line, NULL, 16));
    t->checked++;
}

/* The fast paths' edges (generate_floats.rb's fast.txt.gz, Ruby's doubles),
 * each text read where a byte past it or before it would fault. */
START_TEST(fast_path_edges)
{
    guarded_open(&fast_guard);
    long groups, n = check_groups("fast.txt.gz", fast_line, &groups);
    guarded_close(&fast_guard);
    ck_assert_int_eq(groups, 5);
    ck_assert_int_ge(n, 11000);
}
END_TEST

/* Near misses of the fast paths' form: refused by both readers, also at a
 * page's edge (Marshal's NUL form aside: no NUL here). */
START_TEST(fast_path_refusals)
{
    static const char *const bad[] = {"5.", "-5.", "12345678.", "1234567.", "123456789012345678.", "-.", ".", "1.2.3",
                                      "1..2", "12345.678.9", "1e", "1e-", "e1", "-e1", ".e1", "1.e1", "1e1.5",
                                      "1e1e1", "1/5", "1,5", "1-5", "--1", "-+1", "+-1", "1\x80", "\xba", "5\xba" "5",
                                      "1234567\xba", "\xba" "12345678901", "1 ", " 1", "1_0", "0x10", "1234567890123.45e",
                                      "12345678901234567890123456789e", "1.5e+-1", "1.5ee1", "-", "+", "1.5e1-",
                                      "123456789012345678901.5.", "9/9", "9:9", ":", "/", "12345678:", "1234567890123456/"};
    guarded g;
    guarded_open(&g);
    tally t = {0, 0};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) expect_guarded(&t, &g, bad[i], strlen(bad[i]), false, 0);
    /* every byte value in every place of short and medium texts */
    char text[24];
    for (size_t len = 1; len <= 21; len++)
        for (size_t at = 0; at < len; at++)
            for (int c = 1; c < 256; c++) {
                if ((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E') continue;
                if ((c == '-' || c == '+') && at == 0) continue;
                memset(text, '7', len);
                text[at] = (char)c;
                expect_guarded(&t, &g, text, len, false, 0);
            }
    guarded_close(&g);
    ck_assert_msg(t.failed == 0, "%ld near misses accepted", t.failed);
}
END_TEST

/* Not decimal text as float.h defines it (Ruby's strtod would read a
 * prefix of some and ignore the rest; rsess refuses them). */
START_TEST(non_decimal_text_refused)
{
    static const char *const bad[] = {"", "-", "+", ".", "5.", "-5.", "5.e3", "..5", "1.2.3", "1e", "1e+", "1e-",
                                      "e5", ".e5", "--5", "+-5", "1e+-5", "1e5.5", " 5", "5 ", "1_000", "0x10",
                                      "0x1p3", "inf", "nan", "Infinity", "1d5", "1e5e5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double d = 42;
        ck_assert_msg(!rs_float_parse(bad[i], strlen(bad[i]), &d), "\"%s\" accepted", bad[i]);
        ck_assert(d == 42);
    }
    /* the length bounds the text: no NUL needed, none read past */
    double d;
    ck_assert(rs_float_parse("2.5e1xyz", 5, &d) && d == 25.0);
    ck_assert(!rs_float_parse("2.5\0", 4, &d));
}
END_TEST

/* The public reader: Marshal's specials too, and an error code. */
START_TEST(public_reader)
{
    double d = 0;
    ck_assert_int_eq(rsess_float_parse("nan", 3, &d, NULL), 0);
    ck_assert(isnan(d));
    ck_assert_int_eq(rsess_float_parse("inf", 3, &d, NULL), 0);
    ck_assert(isinf(d) && d > 0);
    ck_assert_int_eq(rsess_float_parse("-inf", 4, &d, NULL), 0);
    ck_assert(isinf(d) && d < 0);
    ck_assert_int_eq(rsess_float_parse("-0", 2, &d, NULL), 0);
    ck_assert(d == 0 && signbit(d));
    ck_assert_int_eq(rsess_float_parse("656090195257306.75", 18, &d, NULL), 0);
    ck_assert(d == 656090195257306.75);
    rsess_err err;
    d = 7;
    ck_assert_int_eq(rsess_float_parse("Infinity", 8, &d, &err), RSESS_ERR_FLOAT);
    ck_assert_int_eq(err.code, RSESS_ERR_FLOAT);
    ck_assert(d == 7);
    ck_assert_int_eq(rsess_float_parse(NULL, 0, &d, &err), RSESS_ERR_FLOAT);
    ck_assert_int_eq(rsess_float_parse("nan", 2, &d, NULL), RSESS_ERR_FLOAT); /* "na" */
}
END_TEST

/* Marshal float text: the examples of formats.md 1.5, which Ruby wrote. */
START_TEST(float_text)
{
    struct { double d; const char *marshal, *ruby; } cases[] = {
        {1.0, "1", "1.0"}, {100.0, "1e2", "100.0"}, {10.0, "1e1", "10.0"}, {1234567.0, "1234567", "1234567.0"},
        {1.2345678901234568e16, "12345678901234568", "1.2345678901234568e+16"},
        {1.2345678901234568e17, "1.2345678901234568e17", "1.2345678901234568e+17"},
        {1e22, "1e22", "1.0e+22"}, {123.4567, "123.4567", "123.4567"}, {0.1, "0.1", "0.1"},
        {0.001, "0.001", "0.001"}, {0.0001, "0.0001", "0.0001"}, {0.00001, "1e-5", "1.0e-05"},
        {1.234697e-9, "1.234697e-9", "1.234697e-09"}, {5e-324, "5e-324", "5.0e-324"}, {-0.841, "-0.841", "-0.841"},
        {1769693054.4480495, "1769693054.4480495", "1769693054.4480495"}, {0.0, "0", "0.0"},
        {-0.0, "-0", "-0.0"}, {INFINITY, "inf", "Infinity"}, {-INFINITY, "-inf", "-Infinity"},
        {NAN, "nan", "NaN"}, {1e15, "1e15", "1.0e+15"}, {1e14, "1e14", "100000000000000.0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[RSESS_FLOAT_TEXT_MAX];
        size_t n = rsess_float_marshal_text(cases[i].d, buf);
        buf[n] = 0;
        ck_assert_msg(strcmp(buf, cases[i].marshal) == 0, "marshal %.17g: %s", cases[i].d, buf);
        n = rsess_float_ruby_text(cases[i].d, buf);
        buf[n] = 0;
        ck_assert_msg(strcmp(buf, cases[i].ruby) == 0, "ruby %.17g: %s", cases[i].d, buf);
    }
}
END_TEST

Suite *float_suite(void)
{
    Suite *s = suite_create("float");
    TCase *t = tcase_create("ruby");
    tcase_set_timeout(t, 120); /* seconds; a few without sanitizers */
    tcase_add_test(t, random_doubles);
    tcase_add_test(t, listed_doubles);
    tcase_add_test(t, texts_read_as_ruby_reads_them);
    tcase_add_test(t, non_decimal_text_refused);
    tcase_add_test(t, fast_path_edges);
    tcase_add_test(t, fast_path_refusals);
    tcase_add_test(t, public_reader);
    tcase_add_test(t, float_text);
    suite_add_tcase(s, t);
    return s;
}
