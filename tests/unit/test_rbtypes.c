/* Ruby classes with meaning: values, inspect text and JSON checked against
 * what Ruby said when it wrote each fixture (tests/fixtures/generate_types.rb). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fact {
    char key[32];
    char val[256];
} fact;

static int parse_facts(char *s, fact *f, int max)
{
    int n = 0;
    for (char *tok = strtok(s, ";"); tok && n < max; tok = strtok(NULL, ";")) {
        char *eq = strchr(tok, '=');
        if (!eq) continue;
        *eq = 0;
        snprintf(f[n].key, sizeof f[n].key, "%s", tok);
        snprintf(f[n].val, sizeof f[n].val, "%s", eq + 1);
        n++;
    }
    return n;
}

static const char *fact_get(const fact *f, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(f[i].key, key)) return f[i].val;
    return NULL;
}

static char *print_view(const rsess_val *v, rsess_view view)
{
    rsess_buf out = {0};
    rsess_err err;
    ck_assert_msg(rsess_print(v, view, 0, &out, &err) == 0, "%s", err.text);
    char *s = strndup((const char *)out.data, out.len);
    rsess_buf_free(&out);
    return s;
}

static void check_facts(const char *name, const rsess_val *v, const fact *f, int nf)
{
    const char *x;
    rsess_time t;
    rsess_date d;
    if (fact_get(f, nf, "zone_name")) { /* TimeWithZone */
        const char *zn;
        size_t zl;
        int32_t off;
        ck_assert_msg(rsess_get_time_with_zone(v, &t, &zn, &zl, &off), "%s: not a TimeWithZone", name);
        ck_assert_msg(zl == strlen(fact_get(f, nf, "zone_name")) && !memcmp(zn, fact_get(f, nf, "zone_name"), zl), "%s zone", name);
        ck_assert_int_eq(off, atol(fact_get(f, nf, "offset")));
        ck_assert_int_eq(t.sec, atoll(fact_get(f, nf, "sec")));
        ck_assert_int_eq(t.nsec, atol(fact_get(f, nf, "nsec")));
        return;
    }
    if ((x = fact_get(f, nf, "sec")) && !fact_get(f, nf, "jd")) { /* Time */
        ck_assert_msg(rsess_get_time(v, &t), "%s: not a Time", name);
        ck_assert_msg(t.sec == atoll(x), "%s: sec %lld want %s", name, (long long)t.sec, x);
        ck_assert_msg(t.nsec == (uint32_t)atol(fact_get(f, nf, "nsec")), "%s: nsec %u", name, t.nsec);
        ck_assert_int_eq(t.exact, atoi(fact_get(f, nf, "exact_ns")));
        ck_assert_int_eq(t.utc, atoi(fact_get(f, nf, "utc")));
        ck_assert_int_eq(t.utc_offset, atol(fact_get(f, nf, "offset")));
        const char *z = fact_get(f, nf, "zone");
        if (!strcmp(z, "-")) ck_assert_ptr_null(t.zone);
        else ck_assert_msg(t.zone && t.zone_len == strlen(z) && !memcmp(t.zone, z, t.zone_len), "%s: zone", name);
        return;
    }
    if ((x = fact_get(f, nf, "jd"))) {
        ck_assert_msg(rsess_get_date(v, &d), "%s: not a Date", name);
        ck_assert_msg(d.jd == atoll(x), "%s: jd %lld want %s", name, (long long)d.jd, x);
        ck_assert_int_eq(d.year, atoll(fact_get(f, nf, "year")));
        ck_assert_int_eq(d.month, atoi(fact_get(f, nf, "month")));
        ck_assert_int_eq(d.day, atoi(fact_get(f, nf, "day")));
        if ((x = fact_get(f, nf, "hour"))) {
            ck_assert_int_eq(d.hour, atoi(x));
            ck_assert_int_eq(d.minute, atoi(fact_get(f, nf, "min")));
            ck_assert_int_eq(d.second, atoi(fact_get(f, nf, "sec")));
            ck_assert_int_eq(d.nsec, atol(fact_get(f, nf, "nsec")));
            ck_assert_int_eq(d.offset, atol(fact_get(f, nf, "offset")));
        }
        return;
    }
    if ((x = fact_get(f, nf, "text"))) {
        size_t n;
        const char *s = rsess_get_bigdecimal(v, &n);
        ck_assert_msg(s && n == strlen(x) && !memcmp(s, x, n), "%s: BigDecimal", name);
        return;
    }
    rsess_val *a, *b;
    if ((x = fact_get(f, nf, "num"))) {
        int64_t n, dd;
        ck_assert(rsess_get_rational(v, &a, &b) && rsess_int(a, &n) && rsess_int(b, &dd));
        ck_assert_int_eq(n, atoll(x));
        ck_assert_int_eq(dd, atoll(fact_get(f, nf, "den")));
        return;
    }
    if ((x = fact_get(f, nf, "re"))) {
        ck_assert(rsess_get_complex(v, &a, &b));
        char *re = print_view(a, RSESS_VIEW_RUBY), *im = print_view(b, RSESS_VIEW_RUBY);
        ck_assert_str_eq(re, x);
        ck_assert_str_eq(im, fact_get(f, nf, "im"));
        free(re);
        free(im);
        return;
    }
    if ((x = fact_get(f, nf, "excl"))) {
        int excl;
        ck_assert(rsess_get_range(v, &a, &b, &excl));
        ck_assert_int_eq(excl, atoi(x));
        char *bs = print_view(a, RSESS_VIEW_RUBY), *es = print_view(b, RSESS_VIEW_RUBY);
        ck_assert_str_eq(bs, fact_get(f, nf, "begin"));
        ck_assert_str_eq(es, fact_get(f, nf, "end"));
        free(bs);
        free(es);
        return;
    }
    if ((x = fact_get(f, nf, "size"))) {
        ck_assert_uint_eq(rsess_len(rsess_get_set(v)), (size_t)atol(x));
        return;
    }
    if ((x = fact_get(f, nf, "message"))) {
        size_t n = 0;
        const char *m = rsess_str(rsess_get_exception_message(v), &n);
        if (m) ck_assert(n == strlen(x) && !memcmp(m, x, n));
        else { /* a nil message: Ruby's #message is the class name */
            const char *cls = rsess_sym(rsess_class_of(v), &n);
            ck_assert(cls && n == strlen(x) && !memcmp(cls, x, n));
        }
        return;
    }
    if ((x = fact_get(f, nf, "seconds"))) {
        ck_assert(rsess_get_duration(v, &a, &b));
        int64_t i;
        if (rsess_int(a, &i)) ck_assert_int_eq(i, atoll(x));
        else ck_assert_int_eq((long long)rsess_float(a), atoll(x));
        return;
    }
}

START_TEST(types_match_ruby)
{
    size_t len;
    char *text = (char *)read_file("fixtures/types/expect.tsv", &len);
    char *save;
    size_t rows = 0, inspects = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *cols[4] = {line, NULL, NULL, NULL};
        for (int c = 1; c < 4; c++) {
            cols[c] = strchr(cols[c - 1], '\t');
            ck_assert(cols[c]);
            *cols[c]++ = 0;
        }
        char path[256];
        snprintf(path, sizeof path, "fixtures/types/%s.bin", cols[0]);
        size_t n;
        unsigned char *data = read_file(path, &n);
        rsess_err err;
        rsess_doc *doc = rsess_read(data, n, NULL, &err);
        ck_assert_msg(doc, "%s: %s", cols[0], err.text);
        rsess_val *v = rsess_doc_root(doc);
        if (strcmp(cols[1], "-")) {
            char *got = print_view(v, RSESS_VIEW_RUBY);
            ck_assert_msg(!strcmp(got, cols[1]), "%s inspect:\n  got  %s\n  want %s", cols[0], got, cols[1]);
            free(got);
            inspects++;
        }
        fact f[16];
        int nf = parse_facts(cols[2], f, 16);
        check_facts(cols[0], v, f, nf);
        /* JSON: equal as parsed JSON to ActiveSupport's as_json */
        char *got = print_view(v, RSESS_VIEW_JSON);
        ck_assert_msg(json_same(got, strlen(got), cols[3], strlen(cols[3])), "%s json:\n  got  %s\n  want %s",
                      cols[0], got, cols[3]);
        free(got);
        rsess_doc_free(doc);
        free(data);
        rows++;
    }
    ck_assert_uint_ge(rows, 45);
    ck_assert_uint_ge(inspects, 40);
    free(text);
}
END_TEST

START_TEST(session_helpers)
{
    size_t n;
    unsigned char *data = read_file("fixtures/types/session_rails.bin", &n);
    rsess_doc *doc = rsess_read(data, n, NULL, NULL);
    rsess_val *s = rsess_doc_root(doc);
    size_t tl, sl;
    const char *tok = rsess_session_csrf_token(s, &tl);
    ck_assert(tok && tl == 43 && !memcmp(tok, "J5cB8q9rFh0yQm3n", 16));
    rsess_val *ids;
    const char *salt;
    ck_assert(rsess_session_warden(s, "user", &ids, &salt, &sl));
    int64_t id;
    ck_assert(rsess_int(rsess_arr_get(ids, 0), &id) && id == 42);
    ck_assert(sl == 29 && !memcmp(salt, "$2a$12$", 7));
    ck_assert(rsess_session_warden(s, "admin", &ids, &salt, &sl));
    ck_assert(!memcmp(rsess_str(rsess_arr_get(ids, 0), &n), "7a", 2));
    ck_assert(!rsess_session_warden(s, "nobody", &ids, &salt, &sl));
    rsess_val *fl = rsess_session_flashes(s);
    ck_assert(fl && rsess_len(fl) == 2);
    rsess_val *alert = rsess_hash_get(fl, "alert", 5);
    ck_assert(rsess_is_a(alert, "ActiveSupport::SafeBuffer"));
    ck_assert(!memcmp(rsess_str(alert, &n), "<b>x</b>", 8));
    rsess_doc_free(doc);
    free(data);
}
END_TEST

Suite *rbtypes_suite(void)
{
    Suite *s = suite_create("rbtypes");
    TCase *t = tcase_create("rbtypes");
    tcase_add_test(t, types_match_ruby);
    tcase_add_test(t, session_helpers);
    suite_add_tcase(s, t);
    return s;
}
