/* The Ruby view against real Ruby 3.4.1 and 4.0.0: every fixture that Ruby
 * loads prints as Ruby's `p` printed it (tests/fixtures/ruby-wasm/ruby.json,
 * written by ruby.wasm; object addresses masked there). Also: the bytes
 * Ruby 3.4 and 4.0 dump round-trip through rsess byte for byte. */
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "realruby.h"

#define RUBY_JSON "fixtures/ruby-wasm/ruby.json"

json_t *ruby_results(void)
{
    static json_t *files;
    if (!files) {
        json_error_t e;
        json_t *root = json_load_file(RUBY_JSON, JSON_ALLOW_NUL, &e);
        ck_assert_msg(root != NULL, "%s: %s (line %d)", RUBY_JSON, e.text, e.line);
        files = json_incref(json_object_get(root, "files"));
        json_decref(root);
        ck_assert_msg(json_object_size(files) > 500, "%s: only %zu files", RUBY_JSON, json_object_size(files));
    }
    return files;
}

/* A field of Ruby ver's record of a file; 4.0 records hold only what differs
 * from 3.4, so a missing 4.0 field is 3.4's. NULL when absent. */
const char *ruby_field(json_t *rec, const char *ver, const char *key, size_t *len)
{
    json_t *v = json_object_get(json_object_get(rec, ver), key);
    if (!v && strcmp(ver, "3.4") != 0 && strcmp(key, "load") != 0) v = json_object_get(json_object_get(rec, "3.4"), key);
    if (!v && strcmp(key, "load") == 0) v = json_object_get(json_object_get(rec, "3.4"), key);
    if (len) *len = json_is_string(v) ? json_string_length(v) : 0;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

bool ruby_flag(json_t *rec, const char *ver, const char *key)
{
    json_t *v = json_object_get(json_object_get(rec, ver), key);
    if (!v) v = json_object_get(json_object_get(rec, "3.4"), key);
    return json_is_true(v);
}

/* rsess_print of v (malloc'd text), or NULL with the error in why. */
char *view_text(const rsess_val *v, rsess_view view, unsigned flags, size_t *len, char *why, size_t whylen)
{
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    rsess_err err;
    if (rsess_print(v, view, flags, &b, &err)) {
        snprintf(why, whylen, "print failed: %s", err.text);
        rsess_buf_free(&b);
        return NULL;
    }
    char *s = malloc(b.len + 1);
    ck_assert(s != NULL);
    if (b.len) memcpy(s, b.data, b.len);
    s[b.len] = 0;
    if (len) *len = b.len;
    rsess_buf_free(&b);
    return s;
}

/* decode -> typed JSON -> typed reader -> encode gives back exactly data. */
bool typed_roundtrip(const unsigned char *data, size_t len, char *why, size_t whylen)
{
    rsess_err err;
    rsess_doc *doc = rsess_read(data, len, NULL, &err);
    if (!doc) {
        snprintf(why, whylen, "decode: %s at %zu", err.text, err.offset);
        return false;
    }
    char *typed = view_text(rsess_doc_root(doc), RSESS_VIEW_TYPED, 0, NULL, why, whylen);
    rsess_doc_free(doc);
    if (!typed) return false;
    rsess_doc *back = NULL;
    rsess_from_typed_json(typed, strlen(typed), NULL, &back, &err);
    free(typed);
    if (!back) {
        snprintf(why, whylen, "typed reader: %s", err.text);
        return false;
    }
    rsess_buf out;
    rsess_buf_init(&out, NULL);
    int rc = rsess_write(rsess_doc_root(back), &out, &err);
    bool same = rc == 0 && out.len == len && memcmp(out.data, data, len) == 0;
    if (rc) snprintf(why, whylen, "encode: %s", err.text);
    else if (!same) snprintf(why, whylen, "bytes differ (%zu written, %zu expected)", out.len, len);
    rsess_buf_free(&out);
    rsess_doc_free(back);
    return same;
}

static unsigned char *unhex_alloc(const char *hex, size_t *len)
{
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    ck_assert_int_eq(rsess_unhex(hex, strlen(hex), &b, NULL), 0);
    *len = b.len;
    return b.data;
}

/* Fixtures whose view differs from Ruby's on purpose, and why. Ruby runs the
 * class's own _load / marshal_load / _load_data and prints the object that
 * builds; rsess has no class code and prints the payload it was given
 * (docs/json-mapping.md, "Classes rsess does not know"). Each entry must
 * still differ: a fixed one fails until it is taken off the list. */
static const struct {
    const char *file;
    const char *why;
} expected_differences[] = {
    {"marshal/userdef.bin", "DumpMe._load builds #<DumpMe @s=...>"},
    {"marshal/userdef_utf8.bin", "DumpMe._load builds #<DumpMe @s=...>"},
    {"marshal/usermarshal.bin", "MarshalMe#marshal_load keeps @a only"},
    {NULL, NULL},
};

static const char *expected_difference(const char *file)
{
    for (int i = 0; expected_differences[i].file; i++)
        if (strcmp(expected_differences[i].file, file) == 0) return expected_differences[i].why;
    return NULL;
}

/* The view of the file's value: the Marshal file itself; for an entry's
 * value also the entry container read with rsess_entry_read(). */
static char *fixture_view(const char *file, bool entry, unsigned flags, size_t *outlen, char *why, size_t whylen)
{
    char path[512];
    snprintf(path, sizeof path, "fixtures/%s", file);
    if (entry) { /* entries/NAME.value.bin -> entries/NAME.bin */
        size_t l = strlen(path);
        snprintf(path + l - strlen(".value.bin"), sizeof path - (l - strlen(".value.bin")), ".bin");
    }
    size_t len;
    unsigned char *data = read_file(path, &len);
    rsess_err err;
    rsess_doc *doc = entry ? rsess_entry_read(data, len, NULL, NULL, &err) : rsess_read(data, len, NULL, &err);
    free(data);
    if (!doc) {
        snprintf(why, whylen, "decode: %s at %zu", err.text, err.offset);
        return NULL;
    }
    char *s = view_text(rsess_doc_root(doc), RSESS_VIEW_RUBY, flags, outlen, why, whylen);
    rsess_doc_free(doc);
    return s;
}

static bool is_rubyspec(const char *file) { return strncmp(file, "rubyspec/", 9) == 0; }

/* One Ruby's texts against rsess's view with the given flags. */
static void compare_views(const char *ver, unsigned flags)
{
    json_t *files = ruby_results();
    const char *file;
    json_t *rec;
    size_t compared = 0, equal = 0, failures = 0;
    char report[4096] = "";
    json_object_foreach(files, file, rec) {
        size_t wlen, glen = 0;
        const char *load = ruby_field(rec, ver, "load", NULL);
        const char *want = ruby_field(rec, ver, "p", &wlen);
        if (!load || strcmp(load, "ok") != 0 || !want) continue; /* Ruby cannot load or print it */
        if (is_rubyspec(file)) continue;                          /* test_rubyspec.c checks those */
        bool entry = strstr(file, ".value.bin") != NULL;
        const char *known = expected_difference(file);
        for (int pass = 0; pass < (entry ? 2 : 1); pass++) {
            char why[256] = "";
            char *got = fixture_view(file, pass == 1, flags, &glen, why, sizeof why);
            bool same = got && glen == wlen && memcmp(got, want, wlen) == 0;
            compared++;
            equal += same;
            if (same == !known) {
                free(got);
                continue;
            }
            failures++;
            size_t used = strlen(report);
            if (used < sizeof report - 200)
                snprintf(report + used, sizeof report - used, "\n  %s%s (Ruby %s): %s\n    ruby:  %.300s\n    rsess: %.300s",
                         file, pass ? " as an entry" : "", ver,
                         known ? "listed as an expected difference but now equal" : "differs", want,
                         got ? got : why);
            free(got);
        }
    }
    printf("ruby view vs real Ruby %s: %zu of %zu views equal\n", ver, equal, compared);
    ck_assert_msg(compared > 350, "only %zu views compared", compared);
    if (failures) printf("views that differ from Ruby %s:%s\n", ver, report);
    ck_assert_msg(failures == 0, "%zu views differ from Ruby %s (listed above)", failures, ver);
}

START_TEST(every_fixture_view_equals_ruby34) { compare_views("3.4", 0); }
END_TEST

START_TEST(every_fixture_view_equals_ruby40) { compare_views("4.0", RSESS_PRINT_RUBY40); }
END_TEST

/* What Ruby 3.4 / 4.0 write back for each fixture reads and writes back
 * byte for byte (plain and through typed JSON). Only dumps that are 64-bit
 * Ruby's bytes count: ruby.wasm is 32-bit, so values holding Floats or
 * Integers beyond 2**30 dump differently there (ruby.json's "wasm32"). */
static void ruby_dumps_roundtrip(const char *ver)
{
    json_t *files = ruby_results();
    const char *file;
    json_t *rec;
    size_t checked = 0, new_bytes = 0, failures = 0;
    char report[4096] = "";
    json_object_foreach(files, file, rec) {
        const char *dump = ruby_field(rec, ver, "dump", NULL);
        const char *load = ruby_field(rec, ver, "load", NULL);
        if (!dump || !load || strcmp(load, "ok") != 0 || ruby_flag(rec, ver, "wasm32")) continue;
        size_t len;
        unsigned char *data = unhex_alloc(dump, &len);
        char path[512];
        snprintf(path, sizeof path, "fixtures/%s", file);
        size_t olen;
        unsigned char *orig = read_file(path, &olen);
        new_bytes += olen != len || memcmp(orig, data, len) != 0;
        free(orig);
        char why[256] = "";
        bool ok = typed_roundtrip(data, len, why, sizeof why);
        if (ok) {
            rsess_doc *doc = rsess_read(data, len, NULL, NULL);
            rsess_buf out;
            rsess_buf_init(&out, NULL);
            ok = doc && rsess_write(rsess_doc_root(doc), &out, NULL) == 0 && out.len == len &&
                 memcmp(out.data, data, len) == 0;
            if (!ok) snprintf(why, sizeof why, "plain decode/encode differs");
            rsess_buf_free(&out);
            rsess_doc_free(doc);
        }
        checked++;
        if (!ok) {
            failures++;
            size_t used = strlen(report);
            if (used < sizeof report - 200)
                snprintf(report + used, sizeof report - used, "\n  %s (Ruby %s's dump): %s", file, ver, why);
        }
        free(data);
    }
    printf("Ruby %s dumps: %zu round-trip checks, %zu of them bytes that differ from the fixture's\n", ver, checked,
           new_bytes);
    ck_assert_msg(checked > 300, "only %zu dumps checked", checked);
    if (failures) printf("Ruby %s dumps that do not round-trip:%s\n", ver, report);
    ck_assert_msg(failures == 0, "%zu Ruby %s dumps do not round-trip (listed above)", failures, ver);
}

START_TEST(ruby34_dumps_roundtrip) { ruby_dumps_roundtrip("3.4"); }
END_TEST

START_TEST(ruby40_dumps_roundtrip) { ruby_dumps_roundtrip("4.0"); }
END_TEST

Suite *ruby34_suite(void)
{
    Suite *s = suite_create("ruby34");
    TCase *t = tcase_create("views");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, every_fixture_view_equals_ruby34);
    tcase_add_test(t, every_fixture_view_equals_ruby40);
    tcase_add_test(t, ruby34_dumps_roundtrip);
    tcase_add_test(t, ruby40_dumps_roundtrip);
    suite_add_tcase(s, t);
    return s;
}
