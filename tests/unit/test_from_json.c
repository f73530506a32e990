/* from_json.c: plain JSON -> the value Ruby's JSON.parse builds. Goldens
 * are Marshal.dump(JSON.parse(text)) by Debian's Ruby 3.1 / json 2.6
 * (tests/fixtures/generate_json.rb): tests/fixtures/json_parse/NAME.json
 * with NAME.bin when Ruby accepts it, NAME.refused (Ruby's error class)
 * when it does not. Plus json_same(), the JSON comparison other suites use. */
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Values equal as JSON: hashes compared by key, not order (jansson's
 * json_equal); integers and floats are different kinds. Fixture sized:
 * recursion here is fine. */
static bool val_same(const rsess_val *a, const rsess_val *b)
{
    rsess_type t = rsess_type_of(a);
    if (t != rsess_type_of(b)) return false;
    size_t la, lb;
    switch (t) {
    case RSESS_INT: {
        int64_t x, y;
        return rsess_int(a, &x) && rsess_int(b, &y) && x == y;
    }
    case RSESS_BIGNUM: {
        int na, nb;
        const unsigned char *ma = rsess_bignum(a, &la, &na), *mb = rsess_bignum(b, &lb, &nb);
        return la == lb && na == nb && !memcmp(ma, mb, la);
    }
    case RSESS_FLOAT: {
        double x = rsess_float(a), y = rsess_float(b);
        return x == y || (isnan(x) && isnan(y));
    }
    case RSESS_STRING: {
        const char *pa = rsess_str(a, &la), *pb = rsess_str(b, &lb);
        return la == lb && !memcmp(pa, pb, la);
    }
    case RSESS_ARRAY:
        if (rsess_len(a) != rsess_len(b)) return false;
        for (size_t i = 0; i < rsess_len(a); i++)
            if (!val_same(rsess_arr_get(a, i), rsess_arr_get(b, i))) return false;
        return true;
    case RSESS_HASH:
        if (rsess_len(a) != rsess_len(b)) return false;
        for (size_t i = 0; i < rsess_len(a); i++) {
            const char *k = rsess_str(rsess_hash_key(a, i), &la);
            if (!val_same(rsess_hash_val(a, i), rsess_hash_get(b, k, la))) return false;
        }
        return true;
    default: return true; /* nil, true, false */
    }
}

bool json_same(const char *a, size_t alen, const char *b, size_t blen)
{
    rsess_doc *da = NULL, *db = NULL;
    bool same = !rsess_from_json(a, alen, NULL, &da, NULL) && !rsess_from_json(b, blen, NULL, &db, NULL) &&
                val_same(rsess_doc_root(da), rsess_doc_root(db));
    rsess_doc_free(da);
    rsess_doc_free(db);
    return same;
}

static void marshal_of_json(const char *text, size_t len, rsess_buf *out, int *code)
{
    rsess_doc *doc = NULL;
    rsess_err err;
    *code = rsess_from_json(text, len, NULL, &doc, &err);
    if (!*code) ck_assert_int_eq(rsess_write(rsess_doc_root(doc), out, &err), 0);
    else ck_assert_ptr_null(doc);
    rsess_doc_free(doc);
}

/* Every text Ruby accepted gives Ruby's Marshal bytes; every text Ruby
 * refused is refused, nesting errors as RSESS_ERR_DEPTH. */
START_TEST(json_parse_fixtures)
{
    DIR *d = opendir("fixtures/json_parse");
    ck_assert(d);
    struct dirent *e;
    size_t accepted = 0, refused = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".json")) continue;
        char path[600];
        size_t tl, bl;
        snprintf(path, sizeof path, "fixtures/json_parse/%s", e->d_name);
        char *text = (char *)read_file(path, &tl);
        snprintf(path, sizeof path, "fixtures/json_parse/%.*s.bin", (int)(l - 5), e->d_name);
        FILE *fp = fopen(path, "rb");
        rsess_buf got;
        rsess_buf_init(&got, NULL);
        int code;
        marshal_of_json(text, tl, &got, &code);
        if (fp) {
            fclose(fp);
            unsigned char *want = read_file(path, &bl);
            ck_assert_msg(code == 0, "%s: refused (code %d), Ruby accepts it", e->d_name, code);
            ck_assert_msg(got.len == bl && !memcmp(got.data, want, bl), "%s: bytes differ from Ruby's", e->d_name);
            free(want);
            accepted++;
        } else {
            snprintf(path, sizeof path, "fixtures/json_parse/%.*s.refused", (int)(l - 5), e->d_name);
            char *why = (char *)read_file(path, &bl);
            int want = strstr(why, "NestingError") ? RSESS_ERR_DEPTH : RSESS_ERR_JSON;
            ck_assert_msg(code == want, "%s: code %d, want %d (Ruby: %s)", e->d_name, code, want, why);
            free(why);
            refused++;
        }
        rsess_buf_free(&got);
        free(text);
    }
    closedir(d);
    ck_assert_uint_ge(accepted, 25);
    ck_assert_uint_ge(refused, 20);
}
END_TEST

/* "\u0000" in keys, invalid UTF-8 kept, offsets of errors. */
START_TEST(json_parse_details)
{
    rsess_doc *doc = NULL;
    rsess_err err;
    static const char t1[] = "{\"a\\u0000b\": \"\xff\"}";
    ck_assert_int_eq(rsess_from_json(t1, sizeof t1 - 1, NULL, &doc, &err), 0);
    rsess_val *v = rsess_hash_get(rsess_doc_root(doc), "a\0b", 3);
    size_t n;
    const char *s = rsess_str(v, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq((unsigned char)s[0], 0xff);
    ck_assert_int_eq(rsess_encoding(v), RSESS_ENC_UTF8);
    rsess_doc_free(doc);
    ck_assert_int_eq(rsess_from_json("[1, 2,]", 7, NULL, &doc, &err), RSESS_ERR_JSON);
    ck_assert_uint_eq(err.offset, 6);
    ck_assert_ptr_null(doc);
    ck_assert_int_eq(rsess_from_json("[1, 2] x", 8, NULL, &doc, &err), RSESS_ERR_JSON);
    ck_assert_uint_eq(err.offset, 7);
    ck_assert_int_eq(rsess_from_json("", 0, NULL, &doc, &err), RSESS_ERR_JSON);
    ck_assert_int_eq(rsess_from_json(NULL, 0, NULL, NULL, &err), RSESS_ERR_ARG);
}
END_TEST

/* Options: size checked, nesting limit adjustable (SIZE_MAX: none), strict. */
START_TEST(json_opts)
{
    rsess_json_opts o;
    rsess_json_opts_init(&o);
    ck_assert_uint_eq(o.size, sizeof o);
    rsess_doc *doc = NULL;
    rsess_err err;
    enum { DEEP = 200000 };
    char *deep = malloc(2 * DEEP);
    memset(deep, '[', DEEP);
    memset(deep + DEEP, ']', DEEP);
    ck_assert_int_eq(rsess_from_json(deep, 2 * DEEP, &o, &doc, &err), RSESS_ERR_DEPTH);
    ck_assert_uint_eq(err.offset, 100);
    o.max_nesting = SIZE_MAX;
    ck_assert_int_eq(rsess_from_json(deep, 2 * DEEP, &o, &doc, &err), 0);
    rsess_doc_free(doc);
    free(deep);
    ck_assert_int_eq(rsess_from_json("1 // c\n", 7, &o, &doc, &err), 0);
    rsess_doc_free(doc);
    o.flags = RSESS_JSON_STRICT;
    ck_assert_int_eq(rsess_from_json("1 // c\n", 7, &o, &doc, &err), RSESS_ERR_JSON);
    ck_assert_int_eq(rsess_from_json("\"\xff\"", 3, &o, &doc, &err), RSESS_ERR_JSON);
    ck_assert_int_eq(rsess_from_json("\"\\a\"", 4, &o, &doc, &err), RSESS_ERR_JSON);
    ck_assert_int_eq(rsess_from_json("\"\\udc00\"", 8, &o, &doc, &err), RSESS_ERR_JSON);
    o.size = 0;
    ck_assert_int_eq(rsess_from_json("1", 1, &o, &doc, &err), RSESS_ERR_ARG);
    o.size = sizeof o + 8;
    ck_assert_int_eq(rsess_from_json("1", 1, &o, &doc, &err), RSESS_ERR_ARG);
    rsess_json_opts_init(&o);
    o.max_nodes = 3;
    ck_assert_int_eq(rsess_from_json("[1, 2]", 6, &o, &doc, &err), 0);
    rsess_doc_free(doc);
    ck_assert_int_eq(rsess_from_json("[1, 2, 3]", 9, &o, &doc, &err), RSESS_ERR_NODES);
    ck_assert_uint_eq(err.offset, 7);
    o.max_nodes = 0;
    o.max_input = 8;
    ck_assert_int_eq(rsess_from_json("[1, 2, 3]", 9, &o, &doc, &err), RSESS_ERR_SIZE);
    ck_assert_int_eq(rsess_from_typed_json("[1, 2, 3]", 9, &o, &doc, &err), RSESS_ERR_SIZE);
    o.size = offsetof(rsess_json_opts, max_nesting); /* an older, shorter struct: defaults for the rest */
    o.max_nesting = 1;
    ck_assert_int_eq(rsess_from_json("[[1]]", 5, &o, &doc, &err), 0);
    rsess_doc_free(doc);
}
END_TEST

typedef struct json_call {
    json_reader read;
    const char *text;
} json_call;

static int call_json(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const json_call *j = ctx;
    rsess_json_opts o;
    rsess_json_opts_init(&o);
    o.alloc = a;
    rsess_doc *doc = NULL;
    alloc_arm(c, k);
    int rc = j->read(j->text, strlen(j->text), &o, &doc, NULL);
    c->fail_at = 0;
    if (rc) ck_assert_ptr_null(doc);
    rsess_doc_free(doc);
    return rc;
}

void json_alloc_sweep(json_reader read, const char *text)
{
    json_call j = {read, text};
    ck_assert_int_gt(alloc_sweep(text, call_json, &j), 1);
}

/* Every allocation failure is reported as NOMEM and leaks nothing. */
START_TEST(json_alloc_failures)
{
    json_alloc_sweep(rsess_from_json, "{\"a\": [1, 2.5, \"x\\n\", {\"a\": 123456789012345678901234567890}], \"b\": null}");
}
END_TEST

/* --- coverage (issue 18) ------------------------------------------------ */
/* Each of kinds (JSON texts) at every offset in the document's arena: N
 * nulls before it, in an Array, move it across the arena's growth, and each
 * of the first allocations fails in turn. Each read gives RSESS_ERR_NOMEM
 * (no document) or the whole Array; nothing leaks (test_from_typed.c too). */
void json_arena_sweep(json_reader read, const char *const *kinds, size_t nkinds)
{
    char text[2048];
    long nomem = 0;
    for (size_t i = 0; i < nkinds; i++)
        for (int pad = 0; pad < 40; pad++) {
            size_t n = (size_t)snprintf(text, sizeof text, "[");
            for (int k = 0; k < pad; k++) n += (size_t)snprintf(text + n, sizeof text - n, "null,");
            n += (size_t)snprintf(text + n, sizeof text - n, "%s]", kinds[i]);
            for (long k = 1; k < 6; k++) {
                counting_alloc c = {.fail_at = k};
                rsess_alloc hooks = counting_hooks(&c);
                rsess_json_opts o;
                rsess_json_opts_init(&o);
                o.alloc = &hooks;
                rsess_doc *doc = NULL;
                rsess_err err;
                int rc = read(text, n, &o, &doc, &err);
                ck_assert_msg(rc == 0 || rc == RSESS_ERR_NOMEM, "%s: allocation %ld: %d %s", text, k, rc, err.text);
                if (rc) {
                    ck_assert_ptr_null(doc);
                    nomem++;
                } else {
                    ck_assert_msg(rsess_len(rsess_doc_root(doc)) == (size_t)pad + 1, "%s: allocation %ld: %zu items",
                                  text, k, rsess_len(rsess_doc_root(doc)));
                }
                rsess_doc_free(doc);
                ck_assert_int_eq(c.live, 0);
                if (c.calls < k) break;
            }
        }
    ck_assert_int_gt(nomem, 100);
}

START_TEST(json_alloc_failures_at_every_arena_offset)
{
    static const char *const kinds[] = {"{\"a\":1,\"b\":[2]}", "[1,[2]]", "1.5", "\"s\\u00e9\"", "123456789012345678901234567890",
                                        "-0", "true", "{}", "[]"};
    json_arena_sweep(rsess_from_json, kinds, sizeof kinds / sizeof kinds[0]);
}
END_TEST

Suite *from_json_suite(void)
{
    Suite *s = suite_create("from_json");
    TCase *t = tcase_create("core");
    tcase_add_test(t, json_parse_fixtures);
    tcase_add_test(t, json_parse_details);
    tcase_add_test(t, json_opts);
    tcase_add_test(t, json_alloc_failures);
    tcase_add_test(t, json_alloc_failures_at_every_arena_offset);
    suite_add_tcase(s, t);
    return s;
}
