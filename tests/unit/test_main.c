/* The one Check runner: every module's suite. Run from tests/ (fixtures). */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)n + 1);
    ck_assert(p != NULL);
    ck_assert_uint_eq(fread(p, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    p[n] = 0;
    *len = (size_t)n;
    return p;
}

size_t tu_unhex(const char *h, size_t n, char *out)
{
    for (size_t i = 0; i < n / 2; i++) sscanf(h + 2 * i, "%2hhx", (unsigned char *)&out[i]);
    return n / 2;
}

/* Splits a line into tab-separated fields (in place). */
int tu_fields(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t') {
            *p = 0;
            f[n++] = p + 1;
        }
    return n;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

char **fixture_names(size_t *count)
{
    DIR *d = opendir(FIXTURE_DIR);
    ck_assert_msg(d != NULL, "no %s directory (run from tests/)", FIXTURE_DIR);
    size_t n = 0, cap = 256;
    char **names = malloc(cap * sizeof *names);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".bin")) continue;
        if (n + 1 >= cap) names = realloc(names, (cap *= 2) * sizeof *names);
        names[n++] = strndup(e->d_name, l - 4);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    names[n] = NULL;
    *count = n;
    ck_assert_msg(n > 100, "only %zu fixtures found", n);
    return names;
}

void free_names(char **names)
{
    for (char **p = names; *p; p++) free(*p);
    free(names);
}

unsigned char *read_fixture(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.bin", FIXTURE_DIR, name);
    return read_file(path, len);
}

/* Blocks carry their size in a header so the hooks can account for them. */
static void *c_malloc(void *ctx, size_t n)
{
    counting_alloc *c = ctx;
    c->calls++;
    if (c->fail_at && c->calls == c->fail_at) return c->failed++, NULL;
    size_t *p = malloc(n + 16);
    if (!p) return NULL;
    p[0] = n;
    c->live++;
    c->bytes += n;
    return (char *)p + 16;
}

static void c_free(void *ctx, void *ptr, size_t size)
{
    counting_alloc *c = ctx;
    if (!ptr) return;
    size_t *p = (size_t *)((char *)ptr - 16);
    ck_assert_uint_eq(p[0], size); /* the library reports sizes truthfully */
    c->live--;
    c->bytes -= p[0];
    free(p);
}

static void *c_realloc(void *ctx, void *ptr, size_t old, size_t n)
{
    void *q = c_malloc(ctx, n);
    if (!q) return NULL;
    if (ptr) {
        memcpy(q, ptr, old < n ? old : n);
        c_free(ctx, ptr, old);
    }
    return q;
}

rsess_alloc counting_hooks(counting_alloc *c)
{
    rsess_alloc a = {c_malloc, c_realloc, c_free, c};
    return a;
}

rsess_doc *read_counting(const void *in, size_t len, unsigned flags, counting_alloc *c, rsess_err *err)
{
    rsess_alloc hooks = counting_hooks(c);
    rsess_read_opts o;
    rsess_read_opts_init(&o);
    o.alloc = &hooks;
    o.flags = flags;
    return rsess_read(in, len, &o, err); /* the document keeps its own copy of the hooks */
}

void expect_fixture(const char *name, const rsess_buf *got)
{
    size_t len;
    unsigned char *want = read_fixture(name, &len);
    ck_assert_msg(got->len == len && memcmp(got->data, want, len) == 0, "%s: built bytes differ (%zu vs %zu)", name,
                  got->len, len);
    free(want);
}

char *show_value(const rsess_val *v, rsess_view view)
{
    rsess_buf b = {0};
    ck_assert_int_eq(rsess_print(v, view, 0, &b, NULL), 0);
    char *s = strndup((const char *)b.data, b.len);
    rsess_buf_free(&b);
    return s;
}

char *print_fixture(const char *name, rsess_view view)
{
    size_t len;
    unsigned char *data = read_fixture(name, &len);
    rsess_err err;
    rsess_doc *doc = rsess_read(data, len, NULL, &err);
    ck_assert_msg(doc != NULL, "%s: %s", name, err.text);
    rsess_buf out = {0};
    ck_assert_msg(rsess_print(rsess_doc_root(doc), view, 0, &out, &err) == 0, "%s: %s", name, err.text);
    char *s = strndup((const char *)out.data, out.len);
    rsess_buf_free(&out);
    rsess_doc_free(doc);
    free(data);
    return s;
}

long alloc_sweep(const char *what, alloc_call call, void *ctx)
{
    for (long k = 1;; k++) {
        counting_alloc c = {0};
        rsess_alloc hooks = counting_hooks(&c);
        int rc = call(&c, &hooks, k, ctx);
        ck_assert_msg(c.live == 0 && c.bytes == 0, "%s: allocation %ld failed: %ld blocks (%zu bytes) kept", what, k,
                      c.live, c.bytes);
        if (!c.failed) {
            ck_assert_msg(rc == 0, "%s: %s with no allocation failed", what, rsess_strerror(rc));
            return k - 1;
        }
        ck_assert_msg(rc == RSESS_ERR_NOMEM, "%s: allocation %ld failed, and the call %s%s", what, k,
                      rc ? "returned " : "succeeded", rc ? rsess_strerror(rc) : "");
    }
}

/* The suites, one per lib file (test_NAME.c, NAME_suite, for lib/NAME.c),
 * except test_float.c (lib/float.h: float_text.c and float_parse.c, both
 * directions checked together on the same Ruby tables) and these
 * cross-cutting ones:
 *   test_api.c          the 1.0 API rules across files: version number,
 *                       options that grow, allocator hooks all or none,
 *                       small accessors, String/Symbol lookups
 *   test_depth.c        depth 100,000 read, printed and written on a
 *                       64 KiB stack; 10,000,000 levels decoded or refused;
 *                       allocation failures of every view
 *   test_ruby34.c       the Ruby view against real Ruby 3.4 and 4.0 (ruby.wasm)
 *                       and their dumps round-tripped
 *   test_rubyspec.c     ruby/spec's Marshal cases: decode, refusals, typed
 *                       round trip, the Ruby view
 *   test_diff_repros.c  values from the differential test against Ruby (make
 *                       diff) kept as regressions
 *   test_limits.c       hostile-input limits across entry points: keyed hashing,
 *                       the views' output cap, memory bounds with a counting
 *                       allocator, refusals under an RLIMIT_AS cap
 *   test_faults.c       allocation failure at every allocation of every public
 *                       entry point (alloc_sweep): RSESS_ERR_NOMEM, nothing kept
 * The base layer (lib/base.h, lib/text.h) has its own program built without
 * the rest of lib/: tests/base/test_base.c (make check-base). */
int main(void)
{
    static Suite *(*const suites[])(void) = {
        /* one per lib file */
        marshal_read_suite, marshal_write_suite, doc_suite, cursor_suite, edit_suite, entry_suite,
        session_suite, cluster_suite, rbtypes_suite, tzif_suite, quoted_suite, float_suite, view_ruby_suite,
        view_typed_suite, view_json_suite, unicode_print_suite, explain_suite, cookie_suite, from_json_suite,
        from_typed_suite, print_suite, buf_suite, err_suite, opts_suite, walk_suite, json_read_suite,
        key_eql_suite,
        /* cross-cutting */
        api_suite, depth_suite, ruby34_suite, rubyspec_suite, diff_repros_suite, limits_suite, faults_suite,
    };
    SRunner *sr = srunner_create(suites[0]());
    for (size_t i = 1; i < sizeof suites / sizeof *suites; i++) srunner_add_suite(sr, suites[i]());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
