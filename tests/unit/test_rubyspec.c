/* ruby/spec's Marshal expectations (core/marshal: marshal_data.rb DATA and
 * DATA_19, dump_spec.rb, shared/load.rb), as extracted byte strings in
 * tests/fixtures/rubyspec/ (manifest.json names each case's source). For
 * every case: rsess decodes the bytes (or refuses them as Ruby does when
 * they are cut short), the typed JSON round trip gives the bytes back, and
 * the Ruby view equals real Ruby 3.4's `p` (and 4.0's with
 * RSESS_PRINT_RUBY40) of Marshal.load of them (tests/fixtures/ruby-wasm/). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "realruby.h"

#define SPEC_DIR "fixtures/rubyspec"

/* Bytes Ruby refuses because they are malformed; rsess refuses them too.
 * (Cases Ruby refuses for want of a class, or a class of the wrong kind,
 * are well-formed Marshal: rsess, which resolves no classes, reads them.) */
static const struct {
    const char *prefix;
    int code;
} refused[] = {
    {"261-", RSESS_ERR_TYPE}, /* 'd' payload starts with type byte 0x00 (Ruby stops at the class) */
    {NULL, 0},
};

/* Ruby views that differ on purpose: Ruby runs the class's _load /
 * marshal_load and prints the object that builds; rsess prints the payload. */
#define LOAD_HOOK "the class's _load builds another object (rsess prints the _dump bytes)"
#define MLOAD_HOOK "the class's marshal_load builds the object (rsess prints the marshal_dump value)"
#define DATA_DEF "a Data.define value: S bytes like a Struct's; only the class says #<data (docs/json-mapping.md)"
static const struct {
    const char *prefix;
    const char *why;
} view_differs[] = {
    {"036-", LOAD_HOOK},
    {"037-", LOAD_HOOK},
    {"057-", LOAD_HOOK},
    {"058-", LOAD_HOOK},
    {"084-", LOAD_HOOK},
    {"085-", LOAD_HOOK},
    {"086-", LOAD_HOOK},
    {"087-", LOAD_HOOK},
    {"088-", LOAD_HOOK},
    {"089-", LOAD_HOOK},
    {"090-", LOAD_HOOK},
    {"193-", LOAD_HOOK},
    {"194-", LOAD_HOOK},
    {"195-", LOAD_HOOK},
    {"196-", LOAD_HOOK},
    {"197-", LOAD_HOOK},
    {"038-", MLOAD_HOOK},
    {"059-", MLOAD_HOOK},
    {"062-", MLOAD_HOOK},
    {"081-", MLOAD_HOOK},
    {"082-", MLOAD_HOOK},
    {"083-", MLOAD_HOOK},
    {"198-", MLOAD_HOOK},
    {"199-", MLOAD_HOOK},
    {"203-", MLOAD_HOOK},
    {"223-", MLOAD_HOOK},
    {"224-", MLOAD_HOOK},
    {"114-", DATA_DEF},
    {"115-", DATA_DEF},
    {"116-", DATA_DEF},
    {"117-", DATA_DEF},
    {NULL, NULL},
};

/* Bytes no 64-bit Ruby writes, so rsess (which writes 64-bit Ruby's bytes)
 * cannot give them back byte for byte; the values are read correctly. */
static const struct {
    const char *prefix;
    const char *why;
} trip_differs[] = {
    {"102-", "a 32-bit Ruby's [0.0, 0.0] (no flonums, no float link); 64-bit Ruby links the second 0.0"},
    {"221-", "non-minimal lengths (01 01 for 1, 01 05 for 5) that no Ruby writes"},
    {"236-", "i 05 for 0 (non-minimal; Ruby writes i 00)"},
    {"251-", "a 32-bit Ruby's bytes: 1433879187 is a Bignum there, so the second is a link"},
    {NULL, NULL},
};

static const char *lookup(const char *file, const char *prefix, const char *why)
{
    return strncmp(file, prefix, strlen(prefix)) == 0 ? why : NULL;
}


static const char *view_differs_why(const char *file)
{
    for (int i = 0; view_differs[i].prefix; i++)
        if (lookup(file, view_differs[i].prefix, view_differs[i].why)) return view_differs[i].why;
    return NULL;
}

static int refused_code(const char *file, const char *ruby_load)
{
    for (int i = 0; refused[i].prefix; i++)
        if (lookup(file, refused[i].prefix, "")) return refused[i].code;
    if (ruby_load && strstr(ruby_load, "marshal data too short")) return RSESS_ERR_TRUNCATED;
    return 0;
}

typedef struct tally {
    size_t files, cases;
    size_t decode_ok, decode_cases;
    size_t refused_ok, refused_cases;
    size_t trip_ok, trip_cases;
    size_t view_ok[2], view_cases[2], view_total[2];
    size_t failures;
} tally;

static void fail_note(tally *t, const char *file, const char *what, const char *detail)
{
    if (!t->failures++) printf("ruby/spec failures:\n");
    printf("  %s: %s: %.600s\n", file, what, detail);
}

/* All checks for one extracted byte string. */
static void check_file(tally *t, const char *file, size_t ncases)
{
    char path[512], why[512] = "";
    snprintf(path, sizeof path, SPEC_DIR "/%s", file);
    size_t len;
    unsigned char *data = read_file(path, &len);
    json_t *rec = json_object_get(ruby_results(), (snprintf(why, sizeof why, "rubyspec/%s", file), why));
    ck_assert_msg(rec != NULL, "%s: not in ruby.json (run make fixtures)", file);
    const char *load34 = ruby_field(rec, "3.4", "load", NULL);
    t->files++;
    t->cases += ncases;

    rsess_err err;
    rsess_doc *doc = rsess_read(data, len, NULL, &err);
    int want_code = refused_code(file, load34);
    if (want_code) {
        t->refused_cases += ncases;
        if (!doc && (int)err.code == want_code) t->refused_ok += ncases;
        else fail_note(t, file, "should be refused", doc ? "decoded" : err.text);
        rsess_doc_free(doc);
        free(data);
        return;
    }
    t->decode_cases += ncases;
    if (!doc && err.code == RSESS_ERR_TRAILING) { /* Marshal.load ignores what follows the value */
        rsess_read_opts o = {0};
        o.flags = RSESS_READ_ALLOW_TRAILING;
        doc = rsess_read(data, len, &o, &err);
        if (doc) len = rsess_doc_consumed(doc);
    }
    if (!doc) {
        snprintf(why, sizeof why, "%s at %zu", err.text, err.offset);
        fail_note(t, file, "decode failed", why);
        free(data);
        return;
    }
    t->decode_ok += ncases;

    const char *trip_known = NULL;
    for (int i = 0; trip_differs[i].prefix; i++)
        if (lookup(file, trip_differs[i].prefix, trip_differs[i].why)) trip_known = trip_differs[i].why;
    t->trip_cases += ncases;
    bool trip = typed_roundtrip(data, len, why, sizeof why);
    t->trip_ok += trip ? ncases : 0;
    if (trip == !!trip_known) fail_note(t, file, trip ? "listed round-trip difference is now equal" : "typed round trip", why);

    static const char *const vers[2] = {"3.4", "4.0"};
    for (int k = 0; k < 2; k++) {
        size_t wlen, glen = 0;
        const char *load = ruby_field(rec, vers[k], "load", NULL);
        const char *want = ruby_field(rec, vers[k], "p", &wlen);
        t->view_total[k] += ncases;
        if (!load || strcmp(load, "ok") != 0 || !want) continue; /* Ruby could not load or print it */
        t->view_cases[k] += ncases;
        char *got = view_text(rsess_doc_root(doc), RSESS_VIEW_RUBY, k ? RSESS_PRINT_RUBY40 : 0, &glen, why, sizeof why);
        bool same = got && glen == wlen && memcmp(got, want, wlen) == 0;
        const char *known = view_differs_why(file);
        if (same) t->view_ok[k] += ncases;
        if (same == !known) {
            free(got);
            continue;
        }
        char detail[1024];
        snprintf(detail, sizeof detail, "ruby %s: %.300s | rsess: %.300s", vers[k], want, got ? got : why);
        fail_note(t, file, known ? "listed view difference is now equal" : "Ruby view differs", detail);
        free(got);
    }
    rsess_doc_free(doc);
    free(data);
}

static json_t *spec_manifest(void)
{
    json_error_t e;
    json_t *m = json_load_file(SPEC_DIR "/manifest.json", JSON_ALLOW_NUL, &e);
    ck_assert_msg(m != NULL, "%s/manifest.json: %s", SPEC_DIR, e.text);
    return m;
}

static void run_cases(void)
{
    json_t *m = spec_manifest();
    json_t *files = json_object_get(m, "files");
    tally *t = calloc(1, sizeof *t);
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f) {
        const char *file = json_string_value(json_object_get(f, "file"));
        size_t ncases = json_array_size(json_object_get(f, "cases"));
        check_file(t, file, ncases);
    }
    printf("ruby/spec: %zu byte strings, %zu cases\n"
           "  decode: %zu/%zu cases; refused as Ruby refuses: %zu/%zu; typed round trip: %zu/%zu\n"
           "  view = Ruby 3.4 p: %zu/%zu cases (Ruby 3.4 loads %zu of %zu); view = Ruby 4.0 p: %zu/%zu (loads %zu of %zu)\n",
           t->files, t->cases, t->decode_ok, t->decode_cases, t->refused_ok,
           t->refused_cases, t->trip_ok, t->trip_cases, t->view_ok[0], t->view_cases[0], t->view_cases[0],
           t->view_total[0], t->view_ok[1], t->view_cases[1], t->view_cases[1], t->view_total[1]);
    size_t failures = t->failures;
    size_t nfiles = t->files;
    free(t);
    json_decref(m);
    ck_assert_msg(nfiles > 0, "no cases");
    ck_assert_msg(failures == 0, "%zu ruby/spec checks failed (listed above)", failures);
}

START_TEST(every_rubyspec_case) { run_cases(); }
END_TEST

Suite *rubyspec_suite(void)
{
    Suite *s = suite_create("rubyspec");
    TCase *t = tcase_create("cases");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, every_rubyspec_case);
    suite_add_tcase(s, t);
    return s;
}
