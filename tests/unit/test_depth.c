/* Depth is a memory question, never a C-stack one: values nested 100,000
 * deep are read, printed in every view and written back on a thread whose
 * stack is 64 KiB, and 10,000,000 levels are read or refused cleanly. */
#include "testutil.h"

#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMALL_STACK ((size_t)64 * 1024)

/* 04 08, depth times "[ 06" (an Array of one item), then the innermost
 * item's bytes. */
static unsigned char *nested(size_t depth, const char *tail, size_t tlen, size_t *len)
{
    *len = 2 + 2 * depth + tlen;
    unsigned char *p = malloc(*len);
    ck_assert(p != NULL);
    p[0] = 4;
    p[1] = 8;
    for (size_t i = 0; i < depth; i++)
        p[2 + 2 * i] = '[', p[3 + 2 * i] = 6;
    memcpy(p + 2 + 2 * depth, tail, tlen);
    return p;
}

/* head, n times open, mid, n times close, tail: the text a view must print. */
static char *text_of(const char *head, char open, size_t n, const char *mid, char close, const char *tail)
{
    size_t hl = strlen(head), ml = strlen(mid), tl = strlen(tail);
    char *s = malloc(hl + 2 * n + ml + tl + 1), *q = s;
    ck_assert(s != NULL);
    memcpy(q, head, hl), q += hl;
    memset(q, open, n), q += n;
    memcpy(q, mid, ml), q += ml;
    memset(q, close, n), q += n;
    memcpy(q, tail, tl), q += tl;
    *q = 0;
    return s;
}

enum { V_RUBY, V_JSON, V_TYPED, NVIEWS };
static const rsess_view views[NVIEWS] = {RSESS_VIEW_RUBY, RSESS_VIEW_JSON, RSESS_VIEW_TYPED};
static const char *const view_names[NVIEWS] = {"ruby", "json", "typed"};

/* What the small-stack thread does; the checks run on the test's thread. */
typedef struct job {
    const unsigned char *in;
    size_t len;
    rsess_read_opts opts;
    bool print, write;
    size_t levels; /* when set: checks the value is that many Arrays of one around nil */
    bool levels_ok;
    rsess_err read_err;
    bool read_ok;
    int print_rc[NVIEWS];
    rsess_buf text[NVIEWS];
    int write_rc;
    rsess_buf bytes;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    rsess_doc *doc = rsess_read(j->in, j->len, &j->opts, &j->read_err);
    j->read_ok = doc != NULL;
    if (doc && j->print)
        for (int k = 0; k < NVIEWS; k++)
            j->print_rc[k] = rsess_print(rsess_doc_root(doc), views[k], 0, &j->text[k], NULL);
    if (doc && j->write) j->write_rc = rsess_write(rsess_doc_root(doc), &j->bytes, NULL);
    if (doc && j->levels) {
        const rsess_val *v = rsess_doc_root(doc);
        size_t i = 0;
        for (; i < j->levels && rsess_type_of(v) == RSESS_ARRAY && rsess_len(v) == 1; i++)
            v = rsess_arr_get(v, 0);
        j->levels_ok = i == j->levels && rsess_type_of(v) == RSESS_NIL;
    }
    rsess_doc_free(doc);
    return NULL;
}

static void run_on_small_stack(job *j)
{
    pthread_attr_t attr;
    pthread_t th;
    ck_assert_int_eq(pthread_attr_init(&attr), 0);
    ck_assert_int_eq(pthread_attr_setstacksize(&attr, SMALL_STACK), 0);
    ck_assert_int_eq(pthread_create(&th, &attr, run_job, j), 0);
    ck_assert_int_eq(pthread_join(th, NULL), 0);
    pthread_attr_destroy(&attr);
}

static void job_init(job *j, const unsigned char *in, size_t len)
{
    memset(j, 0, sizeof *j);
    j->in = in;
    j->len = len;
    rsess_read_opts_init(&j->opts);
    j->opts.limits.max_depth = SIZE_MAX;
    j->print = j->write = true;
    for (int k = 0; k < NVIEWS; k++)
        rsess_buf_init(&j->text[k], NULL);
    rsess_buf_init(&j->bytes, NULL);
}

static void job_free(job *j)
{
    for (int k = 0; k < NVIEWS; k++)
        rsess_buf_free(&j->text[k]);
    rsess_buf_free(&j->bytes);
}

static void check_text(const job *j, int k, const char *want)
{
    const rsess_buf *b = &j->text[k];
    ck_assert_msg(j->print_rc[k] == 0, "%s view: %s", view_names[k], rsess_strerror(j->print_rc[k]));
    size_t wl = strlen(want);
    size_t at = 0;
    while (at < wl && at < b->len && b->data[at] == (unsigned char)want[at])
        at++;
    ck_assert_msg(b->len == wl && at == wl, "%s view: %zu bytes, %zu expected, first difference at %zu",
                  view_names[k], b->len, wl, at);
}

static void check_written_back(const job *j)
{
    ck_assert_msg(j->write_rc == 0, "rsess_write: %s", rsess_strerror(j->write_rc));
    ck_assert_msg(j->bytes.len == j->len && memcmp(j->bytes.data, j->in, j->len) == 0,
                  "written back: %zu bytes, %zu expected, or other bytes", j->bytes.len, j->len);
}

/* 100,000 Arrays of one around the innermost item's bytes (tail), on the
 * small stack: each view's text is its opening, the middle, its closing. */
static void deep_case(const char *tail, size_t tlen, const char *ruby_mid, const char *json_mid,
                      const char *typed_head, const char *typed_mid, const char *typed_tail)
{
    const size_t depth = 100000;
    size_t len;
    unsigned char *in = nested(depth, tail, tlen, &len);
    job j;
    job_init(&j, in, len);
    run_on_small_stack(&j);
    ck_assert_msg(j.read_ok, "rsess_read: %s at %zu", j.read_err.text, j.read_err.offset);
    char *want = text_of("", '[', depth, ruby_mid, ']', "");
    check_text(&j, V_RUBY, want);
    free(want);
    want = text_of("", '[', depth, json_mid, ']', "");
    check_text(&j, V_JSON, want);
    free(want);
    want = text_of(typed_head, '[', depth - (*typed_head != 0), typed_mid, ']', typed_tail);
    check_text(&j, V_TYPED, want);
    free(want);
    check_written_back(&j);
    job_free(&j);
    free(in);
}

/* [[[...nil...]]]: plain Arrays are plain JSON arrays in the typed view. */
START_TEST(depth_100000_on_a_64k_stack) { deep_case("0", 1, "nil", "null", "", "null", ""); }
END_TEST

/* The innermost Array holds the outermost (a link, "@ 00"): Ruby's p shows
 * the cycle as [...], JSON as null, typed JSON as a link to the root, which
 * carries "id" and so is written as {"array": ...}. */
START_TEST(depth_100000_cycle_on_a_64k_stack)
{
    deep_case("@\0", 2, "[...]", "null", "{\"array\":[", "{\"link\":0}", "],\"id\":0}");
}
END_TEST

/* An allocator that refuses to hold more than cap bytes at once. */
typedef struct capped {
    size_t cap, live;
    long blocks;
} capped;

static void *cap_malloc(void *ctx, size_t n)
{
    capped *c = ctx;
    if (n > c->cap - c->live) return NULL;
    void *p = malloc(n);
    if (p) c->live += n, c->blocks++;
    return p;
}

static void cap_free(void *ctx, void *p, size_t n)
{
    capped *c = ctx;
    if (!p) return;
    c->live -= n;
    c->blocks--;
    free(p);
}

static void *cap_realloc(void *ctx, void *p, size_t old, size_t n)
{
    capped *c = ctx;
    if (n > old && n - old > c->cap - c->live) return NULL;
    void *q = realloc(p, n);
    if (q) {
        c->live = c->live - old + n;
        if (!p) c->blocks++;
    }
    return q;
}

/* 10,000,000 levels with no depth limit: decoded within memory (every level
 * there, nil at the bottom) or refused with a clean code; and with 64 MiB to
 * spend, refused with RSESS_ERR_NOMEM, every byte given back (about 2 GB
 * and 3 s under ASan, less without). */
START_TEST(depth_10000000_decoded_or_refused)
{
    const size_t depth = 10000000;
    size_t len;
    unsigned char *in = nested(depth, "0", 1, &len);
    job j;
    job_init(&j, in, len);
    j.print = j.write = false;
    j.levels = depth;
    run_on_small_stack(&j);
    if (j.read_ok)
        ck_assert_msg(j.levels_ok, "decoded, but not as %zu nested Arrays around nil", depth);
    else
        ck_assert_msg(j.read_err.code == RSESS_ERR_NOMEM || j.read_err.code == RSESS_ERR_NODES,
                      "refused with %s", j.read_err.text);

    capped c = {(size_t)64 << 20, 0, 0};
    rsess_alloc hooks = {cap_malloc, cap_realloc, cap_free, &c};
    job_init(&j, in, len);
    j.opts.alloc = &hooks;
    j.print = j.write = false;
    run_on_small_stack(&j);
    ck_assert_msg(!j.read_ok && j.read_err.code == RSESS_ERR_NOMEM, "within 64 MiB: %s",
                  j.read_ok ? "decoded" : j.read_err.text);
    ck_assert_msg(c.live == 0 && c.blocks == 0, "%zu bytes in %ld blocks not given back", c.live, c.blocks);
    free(in);
}
END_TEST

/* Every allocation of every printer failed in turn (frame stacks, node
 * marks, label tables, the text): RSESS_ERR_NOMEM, the buffer as it was,
 * nothing kept (alloc_sweep); on fixtures with cycles, sharing and classes
 * with meaning, and on a nested cycle deep enough to grow the frame stacks. */
typedef struct print_job {
    const rsess_val *v;
    int view;
    unsigned flags;
    const rsess_buf *good; /* the text of a run with no failure, after "x" */
} print_job;

static int call_print(counting_alloc *c, const rsess_alloc *a, long k, void *ctx)
{
    const print_job *p = ctx;
    rsess_buf b;
    rsess_buf_init(&b, a);
    ck_assert_int_eq(rsess_buf_append(&b, "x", 1), 0); /* text already there must stay */
    alloc_arm(c, k);
    int rc = rsess_print(p->v, views[p->view], p->flags, &b, NULL);
    c->fail_at = 0;
    if (rc)
        ck_assert_msg(b.len == 1 && b.data[0] == 'x', "%s view: the buffer changed", view_names[p->view]);
    else
        ck_assert_msg(b.len == p->good->len && memcmp(b.data, p->good->data, b.len) == 0, "%s view: other text",
                      view_names[p->view]);
    rsess_buf_free(&b);
    return rc;
}

static long print_sweeps, print_failures; /* printed with FAULTS_COUNTS=1 */

static void print_failing_each_allocation(const unsigned char *in, size_t len, const char *what)
{
    rsess_read_opts opts;
    rsess_read_opts_init(&opts);
    opts.limits.max_depth = SIZE_MAX;
    rsess_doc *doc = rsess_read(in, len, &opts, NULL);
    if (!doc) return; /* fixtures the reader refuses are other suites' business */
    for (int k = 0; k < NVIEWS; k++) {
        for (unsigned flags = 0; flags <= RSESS_PRINT_PRETTY; flags += RSESS_PRINT_PRETTY) {
            rsess_buf good;
            rsess_buf_init(&good, NULL);
            ck_assert_int_eq(rsess_buf_append(&good, "x", 1), 0);
            ck_assert_msg(rsess_print(rsess_doc_root(doc), views[k], flags, &good, NULL) == 0, "%s: the %s view refused it",
                          what, view_names[k]);
            print_job p = {rsess_doc_root(doc), k, flags, &good};
            char name[700];
            snprintf(name, sizeof name, "%s, %s view%s", what, view_names[k], flags ? ", pretty" : "");
            print_failures += alloc_sweep(name, call_print, &p);
            print_sweeps++;
            rsess_buf_free(&good);
        }
    }
    rsess_doc_free(doc);
}

START_TEST(printers_fail_cleanly)
{
    static const char *const dirs[] = {"fixtures/marshal", "fixtures/types"};
    size_t files = 0;
    for (int d = 0; d < 2; d++) {
        DIR *dir = opendir(dirs[d]);
        ck_assert_msg(dir != NULL, "no %s (run from tests/)", dirs[d]);
        struct dirent *e;
        while ((e = readdir(dir))) {
            size_t l = strlen(e->d_name);
            if (l < 5 || strcmp(e->d_name + l - 4, ".bin")) continue;
            char path[600];
            snprintf(path, sizeof path, "%s/%s", dirs[d], e->d_name);
            size_t len;
            unsigned char *in = read_file(path, &len);
            print_failing_each_allocation(in, len, path);
            free(in);
            files++;
        }
        closedir(dir);
    }
    ck_assert_uint_gt(files, 150);
    size_t len;
    unsigned char *in = nested(3000, "@\0", 2, &len);
    print_failing_each_allocation(in, len, "a cycle 3000 deep");
    free(in);
    if (getenv("FAULTS_COUNTS"))
        fprintf(stderr, "faults: views: %ld sweeps, %ld allocations failed\n", print_sweeps, print_failures);
}
END_TEST

Suite *depth_suite(void)
{
    Suite *s = suite_create("depth");
    TCase *t = tcase_create("small stack");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, depth_100000_on_a_64k_stack);
    tcase_add_test(t, depth_100000_cycle_on_a_64k_stack);
    tcase_add_test(t, depth_10000000_decoded_or_refused);
    suite_add_tcase(s, t);
    TCase *f = tcase_create("allocation failures");
    tcase_set_timeout(f, 120);
    tcase_add_test(f, printers_fail_cleanly);
    suite_add_tcase(s, f);
    return s;
}
