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
    if (c->fail_at && c->calls == c->fail_at) return NULL;
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

int main(void)
{
    SRunner *sr = srunner_create(marshal_suite());
    srunner_add_suite(sr, views_suite());
    srunner_add_suite(sr, build_suite());
    srunner_add_suite(sr, text_suite());
    srunner_add_suite(sr, entry_suite());
    srunner_add_suite(sr, session_suite());
    srunner_add_suite(sr, cluster_suite());
    srunner_add_suite(sr, types_suite());
    srunner_add_suite(sr, lookup_suite());
    srunner_add_suite(sr, unicode_suite());
    srunner_add_suite(sr, cursor_suite());
    srunner_add_suite(sr, ruby34_suite());
    srunner_add_suite(sr, rubyspec_suite());
    srunner_add_suite(sr, tzif_suite());
    srunner_add_suite(sr, float_suite());
    srunner_add_suite(sr, api_suite());
    srunner_add_suite(sr, explain_suite());
    srunner_add_suite(sr, cookie_suite());
    srunner_add_suite(sr, edit_suite());
    srunner_add_suite(sr, depth_suite());
    srunner_add_suite(sr, from_json_suite());
    srunner_add_suite(sr, from_typed_suite());
    srunner_add_suite(sr, diff_repros_suite());
    /* coverage (issue 18): one suite per lib/ file */
    srunner_add_suite(sr, doc_suite());
    srunner_add_suite(sr, rbtypes_suite());
    srunner_add_suite(sr, cursor_errors_suite());
    srunner_add_suite(sr, print_suite());
    srunner_add_suite(sr, util_suite());
    srunner_add_suite(sr, opts_suite());
    srunner_add_suite(sr, marshal_write_suite());
    srunner_add_suite(sr, quoted_suite());
    srunner_add_suite(sr, view_json_suite());
    srunner_add_suite(sr, marshal_read_suite());
    srunner_add_suite(sr, walk_suite());
    srunner_add_suite(sr, json_read_suite());
    srunner_add_suite(sr, view_ruby_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
