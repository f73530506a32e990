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

/* --- tests written for make coverage (issue #18) ---------------------- */
static rsess_doc *read_path(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.bin", dir, name);
    size_t len;
    unsigned char *in = read_file(path, &len);
    rsess_err err = {0};
    rsess_doc *doc = rsess_read(in, len, NULL, &err);
    free(in);
    ck_assert_msg(doc != NULL, "%s: %s", path, err.text);
    return doc;
}

static bool starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* Which accessor each fixture's Ruby class answers to (by name prefix). */
START_TEST(rbtypes_each_accessor_takes_its_class_only)
{
    static const char *const names[] = {
        "bigdecimal", "bigdecimal_nan", "complex", "complex_float", "date", "date_julian", "datetime",
        "datetime_frac", "duration_hour", "duration_float", "exception", "exception_std", "object", "range",
        "range_excl", "range_endless", "set", "set_empty", "struct", "rational", "rational_neg", "time_utc",
        "time_offset", "time_70000", "time_1850", "twz_utc", "twz_berlin", "hwia", "safe_buffer"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *n = names[i];
        rsess_doc *doc = read_path("fixtures/types", n);
        const rsess_val *v = rsess_doc_root(doc);
        rsess_time t;
        rsess_date d;
        bool is_time = starts(n, "time_"), is_twz = starts(n, "twz_"), is_date = starts(n, "date");
        ck_assert_msg(rsess_get_time(v, &t) == is_time, "%s: time", n);
        ck_assert_msg(!rsess_get_time(v, NULL), "%s: time without out", n);
        ck_assert_msg(rsess_get_date(v, &d) == is_date, "%s: date", n);
        ck_assert_msg(!rsess_get_date(v, NULL), "%s: date without out", n);
        ck_assert_msg((rsess_get_bigdecimal(v, NULL) != NULL) == starts(n, "bigdecimal"), "%s: bigdecimal", n);
        ck_assert_msg(rsess_get_rational(v, NULL, NULL) == starts(n, "rational"), "%s: rational", n);
        ck_assert_msg(rsess_get_complex(v, NULL, NULL) == starts(n, "complex"), "%s: complex", n);
        ck_assert_msg(rsess_get_range(v, NULL, NULL, NULL) == starts(n, "range"), "%s: range", n);
        ck_assert_msg((rsess_get_set(v) != NULL) == starts(n, "set"), "%s: set", n);
        ck_assert_msg(rsess_get_time_with_zone(v, NULL, NULL, NULL, NULL) == is_twz, "%s: twz", n);
        ck_assert_msg(rsess_get_duration(v, NULL, NULL) == starts(n, "duration"), "%s: duration", n);
        ck_assert_msg((rsess_get_exception_message(v) != NULL) == starts(n, "exception"), "%s: exception", n);
        ck_assert(!rsess_is_a(v, NULL) && !rsess_is_a(NULL, "Time"));
        rsess_doc_free(doc);
    }
    ck_assert(!rsess_get_time(NULL, &(rsess_time){0}) && !rsess_get_date(NULL, &(rsess_date){0}));
    ck_assert_ptr_null(rsess_get_bigdecimal(NULL, NULL));
    ck_assert(!rsess_get_rational(NULL, NULL, NULL) && !rsess_get_range(NULL, NULL, NULL, NULL));
    ck_assert_ptr_null(rsess_get_set(NULL));
    ck_assert_ptr_null(rsess_get_exception_message(NULL));
    ck_assert(!rsess_get_time_with_zone(NULL, NULL, NULL, NULL, NULL) && !rsess_get_duration(NULL, NULL, NULL));
}
END_TEST

/* Facts Ruby gave when it loaded each input (expect.tsv: name, k=v;...). */
static long long fact_num(const char *facts, const char *key)
{
    char want[32];
    snprintf(want, sizeof want, "%s=", key);
    const char *p = strstr(facts, want);
    ck_assert_msg(p != NULL, "no %s in %s", key, facts);
    return atoll(p + strlen(want));
}

START_TEST(rbtypes_time_forms_ruby_reads)
{
    size_t len;
    char *tsv = (char *)read_file("fixtures/coverage/expect.tsv", &len);
    int rows = 0;
    for (char *line = strtok(tsv, "\n"); line; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        ck_assert(tab != NULL);
        *tab = 0;
        if (!starts(line, "time_")) continue;
        rsess_doc *doc = read_path("fixtures/coverage", line);
        rsess_time t;
        ck_assert_msg(rsess_get_time(rsess_doc_root(doc), &t), "%s", line);
        ck_assert_int_eq(t.sec, fact_num(tab + 1, "sec"));
        ck_assert_int_eq(t.nsec, fact_num(tab + 1, "nsec"));
        if (strstr(tab + 1, "offset=")) ck_assert_int_eq(t.utc_offset, fact_num(tab + 1, "offset"));
        rsess_doc_free(doc);
        rows++;
    }
    ck_assert_int_eq(rows, 2);
    free(tsv);
}
END_TEST

/* Shapes no Ruby writes: each accessor says no rather than guess. */
START_TEST(rbtypes_malformed_shapes_refused)
{
    rsess_doc *doc = rsess_doc_new(NULL);
    rsess_val *one = rsess_new_int(doc, 1), *nil = rsess_new_nil(doc);
    rsess_val *arr1 = rsess_new_array(doc);
    rsess_arr_push(doc, arr1, one);
    /* U:Rational and U:Complex with one part, or dumping a non-array */
    ck_assert(!rsess_get_rational(rsess_new_usermarshal(doc, "Rational", 8, arr1), NULL, NULL));
    ck_assert(!rsess_get_rational(rsess_new_usermarshal(doc, "Rational", 8, one), NULL, NULL));
    ck_assert(!rsess_get_rational(rsess_new_usermarshal(doc, "Rational", 8, NULL), NULL, NULL));
    ck_assert(!rsess_get_complex(rsess_new_usermarshal(doc, "Complex", 7, arr1), NULL, NULL));
    /* Date: five parts, a non-Integer part, an nth too far */
    rsess_val *five = rsess_new_array(doc);
    for (int k = 0; k < 5; k++) rsess_arr_push(doc, five, one);
    rsess_date d;
    ck_assert(!rsess_get_date(rsess_new_usermarshal(doc, "Date", 4, five), &d));
    ck_assert(!rsess_get_date(rsess_new_usermarshal(doc, "Date", 4, NULL), &d));
    ck_assert(!rsess_get_date(rsess_new_usermarshal(doc, "Time", 4, five), &d));
    ck_assert(!rsess_get_date(rsess_new_object(doc, "Date", 4), &d));
    for (int bad = 0; bad < 6; bad++) {
        rsess_val *six = rsess_new_array(doc);
        for (int k = 0; k < 6; k++) rsess_arr_push(doc, six, k == bad ? rsess_new_str(doc, "x", 1, RSESS_ENC_UTF8) : one);
        bool ok = rsess_get_date(rsess_new_usermarshal(doc, "Date", 4, six), &d);
        ck_assert_msg(ok == (bad == 5), "part %d not an Integer", bad); /* the start may be anything */
        if (ok) ck_assert(d.start == 2299161.0); /* Ruby's ITALY when the start is not a number */
    }
    rsess_val *far = rsess_new_array(doc);
    rsess_arr_push(doc, far, rsess_new_int(doc, 2000000));
    for (int k = 0; k < 4; k++) rsess_arr_push(doc, far, one);
    rsess_arr_push(doc, far, rsess_new_int(doc, 2299161));
    ck_assert(!rsess_get_date(rsess_new_usermarshal(doc, "Date", 4, far), &d));
    /* Time: short bytes, a bad year extension, a bad nano_den */
    rsess_time t;
    ck_assert(!rsess_get_time(rsess_new_userdef(doc, "Time", 4, "1234567", 7, RSESS_ENC_BINARY), &t));
    ck_assert(!rsess_get_time(rsess_new_userdef(doc, "Date", 4, "12345678", 8, RSESS_ENC_BINARY), &t));
    static const char base[8] = {0x20, (char)0x80, 0x11, (char)0xc0, 0x40, (char)0xe2, 0x01, 0x00};
    char ext[10];
    memcpy(ext, base, 8);
    ext[8] = 0x0e, ext[9] = 1; /* claims 9 extension bytes */
    ck_assert(!rsess_get_time(rsess_new_userdef(doc, "Time", 4, ext, 10, RSESS_ENC_BINARY), &t));
    ext[8] = 0x05; /* zero bytes */
    ck_assert(!rsess_get_time(rsess_new_userdef(doc, "Time", 4, ext, 10, RSESS_ENC_BINARY), &t));
    rsess_val *tm = rsess_new_userdef(doc, "Time", 4, base, 8, RSESS_ENC_BINARY);
    ck_assert(rsess_get_time(tm, &t)); /* 1970-01-01 00:00:00.123456 */
    ck_assert_int_eq(t.sec, 0);
    ck_assert_int_eq(t.nsec, 123456000);
    rsess_ivar_push(doc, tm, rsess_new_sym(doc, "nano_num", 8), one);
    rsess_ivar_push(doc, tm, rsess_new_sym(doc, "nano_den", 8), rsess_new_int(doc, 0));
    ck_assert(!rsess_get_time(tm, &t));
    /* Range without its fields, Set without a Hash, Duration without @value */
    rsess_val *rg = rsess_new_object(doc, "Range", 5);
    ck_assert(!rsess_get_range(rg, NULL, NULL, NULL));
    rsess_field_push(doc, rg, rsess_new_sym(doc, "begin", 5), one);
    ck_assert(!rsess_get_range(rg, NULL, NULL, NULL));
    rsess_field_push(doc, rg, rsess_new_sym(doc, "end", 3), nil);
    ck_assert(!rsess_get_range(rg, NULL, NULL, NULL));
    ck_assert(!rsess_get_range(rsess_new_usermarshal(doc, "Range", 5, nil), NULL, NULL, NULL));
    rsess_val *set = rsess_new_object(doc, "Set", 3);
    ck_assert_ptr_null(rsess_get_set(set));
    rsess_field_push(doc, set, rsess_new_sym(doc, "@hash", 5), arr1);
    ck_assert_ptr_null(rsess_get_set(set));
    ck_assert(!rsess_get_duration(rsess_new_object(doc, "ActiveSupport::Duration", 23), NULL, NULL));
    ck_assert(!rsess_get_duration(rsess_new_usermarshal(doc, "ActiveSupport::Duration", 23, nil), NULL, NULL));
    ck_assert_ptr_null(rsess_get_exception_message(arr1));
    /* TimeWithZone: two parts, a non-String zone */
    const char *twz = "ActiveSupport::TimeWithZone";
    rsess_val *two = rsess_new_array(doc);
    rsess_arr_push(doc, two, tm);
    rsess_arr_push(doc, two, one);
    ck_assert(!rsess_get_time_with_zone(rsess_new_usermarshal(doc, twz, strlen(twz), two), NULL, NULL, NULL, NULL));
    rsess_arr_push(doc, two, tm);
    ck_assert(!rsess_get_time_with_zone(rsess_new_usermarshal(doc, twz, strlen(twz), two), NULL, NULL, NULL, NULL));
    ck_assert(!rsess_get_time_with_zone(rsess_new_usermarshal(doc, twz, strlen(twz), NULL), NULL, NULL, NULL, NULL));
    ck_assert(!rsess_get_time_with_zone(rsess_new_usermarshal(doc, "Time", 4, two), NULL, NULL, NULL, NULL));
    /* BigDecimal _dump without the "prec:" part is all text */
    size_t len = 0;
    const char *s = rsess_get_bigdecimal(rsess_new_userdef(doc, "BigDecimal", 10, "0.5e1", 5, RSESS_ENC_BINARY), &len);
    ck_assert(s && len == 5 && !memcmp(s, "0.5e1", 5));
    ck_assert_ptr_null(rsess_get_bigdecimal(rsess_new_userdef(doc, "Decimal", 7, "1:0.5", 5, RSESS_ENC_BINARY), NULL));
    rsess_doc_free(doc);
}
END_TEST

/* The session helpers on a session Rails wrote (fixtures/types/session_rails). */
START_TEST(rbtypes_session_helpers_refusals)
{
    rsess_doc *doc = read_path("fixtures/types", "session_rails");
    const rsess_val *s = rsess_doc_root(doc);
    ck_assert(rsess_session_warden(s, "user", NULL, NULL, NULL));
    ck_assert(!rsess_session_warden(s, NULL, NULL, NULL, NULL));
    ck_assert(rsess_session_warden(s, "admin", NULL, NULL, NULL));
    ck_assert(!rsess_session_warden(s, "guest", NULL, NULL, NULL));
    char longscope[300];
    memset(longscope, 'u', sizeof longscope - 1);
    longscope[sizeof longscope - 1] = 0;
    ck_assert(!rsess_session_warden(s, longscope, NULL, NULL, NULL));
    ck_assert_ptr_null(rsess_session_flashes(NULL));
    ck_assert_ptr_null(rsess_session_csrf_token(NULL, NULL));
    rsess_doc_free(doc);
}
END_TEST

static void add_coverage_tests(Suite *s)
{
    TCase *t = tcase_create("rbtypes coverage");
    tcase_add_test(t, rbtypes_each_accessor_takes_its_class_only);
    tcase_add_test(t, rbtypes_time_forms_ruby_reads);
    tcase_add_test(t, rbtypes_malformed_shapes_refused);
    tcase_add_test(t, rbtypes_session_helpers_refusals);
    suite_add_tcase(s, t);
}


Suite *rbtypes_suite(void)
{
    Suite *s = suite_create("rbtypes");
    TCase *t = tcase_create("rbtypes");
    tcase_add_test(t, types_match_ruby);
    tcase_add_test(t, session_helpers);
    suite_add_tcase(s, t);
    add_coverage_tests(s);
    return s;
}
