/* hostile-bench [RSESS]: worst-case time and memory on adversarial inputs
 * (issue 18, item 2). Every input is made here, at run time, in memory (or
 * in a temporary folder for the CLI rows); nothing big is committed. The
 * Marshal inputs are written by the library's own writers.
 *
 * One row an (input, entry point): the input's size; the output (bytes
 * printed, inflated or written; for a refused print, what the output
 * buffer had grown to when it stopped); the best time of one call (of
 * several, run for at least 0.15 s in all) per input byte ("ns/in-B") and
 * per byte of input + output ("ns/B": the issue asks for time linear in
 * both); the ratio of ns/B to a typical session's (bench/payloads/
 * typical.bin read and printed in the Ruby view) and PASS/FAIL against
 * 20x; the peak memory the call held through its rsess_alloc hooks as a
 * multiple of the input size ("peak/in"; "-" for CLI rows); the result,
 * or the error of a refusal (the time to refuse counts like any other).
 * Exit status 1 if any row fails.
 *
 * CLI rows (--lines, quoted input, migrate records) run the rsess binary
 * given as the argument (default build/rsess) on files in a folder made
 * under $TMPDIR (or /tmp) and removed after them, and time the process. */
#define _GNU_SOURCE
#include <rsess.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BOUND 20.0

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- a peak-counting allocator ------------------------------------------- */
typedef struct meter {
    size_t live, peak;
} meter;

static void *m_malloc(void *ctx, size_t n)
{
    meter *m = ctx;
    void *p = malloc(n);
    if (p) {
        m->live += n;
        if (m->live > m->peak) m->peak = m->live;
    }
    return p;
}

static void m_free(void *ctx, void *p, size_t n)
{
    meter *m = ctx;
    if (!p) return;
    m->live -= n;
    free(p);
}

static void *m_realloc(void *ctx, void *p, size_t old, size_t n)
{
    meter *m = ctx;
    void *q = realloc(p, n);
    if (q || !n) {
        m->live = m->live - old + n;
        if (m->live > m->peak) m->peak = m->live;
    }
    return q;
}

static meter M;
static rsess_alloc A = {m_malloc, m_realloc, m_free, &M};

/* --- byte builders --------------------------------------------------------- */
typedef struct bytes {
    unsigned char *p;
    size_t len, cap;
} bytes;

static void put(bytes *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}
static void putc1(bytes *b, int c)
{
    unsigned char x = (unsigned char)c;
    put(b, &x, 1);
}
static void puts1(bytes *b, const char *s) { put(b, s, strlen(s)); }

/* Marshal's w_long: a small int in one byte, else its byte count and bytes. */
static void w_long(bytes *b, long x)
{
    if (x > -124 && x < 123) {
        putc1(b, x == 0 ? 0 : x > 0 ? (int)x + 5 : (int)((x - 5) & 0xff));
        return;
    }
    unsigned char buf[9];
    int n = 0;
    for (long v = x; n < 8; n++) {
        buf[1 + n] = (unsigned char)(v & 0xff);
        v >>= 8;
        if (v == 0 || v == -1) {
            n++;
            break;
        }
    }
    buf[0] = (unsigned char)(x < 0 ? -n : n);
    put(b, buf, (size_t)n + 1);
}

/* Marshal made by the library's own writers (what Ruby's Marshal.dump
 * writes for the same graph: tests/unit checks that against Ruby). */
static bytes finish(rsess_writer *w)
{
    rsess_buf out;
    rsess_buf_init(&out, NULL);
    if (rsess_writer_finish(w, &out, NULL)) abort();
    rsess_writer_free(w);
    return (bytes){out.data, out.len, out.cap};
}

static bytes written(const rsess_val *v)
{
    rsess_buf out;
    rsess_buf_init(&out, NULL);
    if (rsess_write(v, &out, NULL)) abort();
    return (bytes){out.data, out.len, out.cap};
}

/* --- the rows ---------------------------------------------------------------- */
typedef struct job {
    const char *input; /* the input family */
    const unsigned char *data;
    size_t len;
    const rsess_read_opts *opts;
    const rsess_val *val; /* a decoded document's root (views, write) */
    const char *key;      /* lookups */
    const char *path;     /* CLI rows: the input file */
    const char *args;     /* CLI rows */
    size_t out;           /* bytes of output of the last call */
    size_t work;          /* inflate rows: the bytes inflated (up to the limit) */
    int code;             /* its result */
} job;

typedef void (*op_fn)(job *);

static double baseline; /* ns per byte of the typical session */
static int failures;
static const char *rsess_bin = "build/rsess";

static void row(job *j, const char *entry, op_fn op, bool metered)
{
    double best = 1e30, spent = 0;
    size_t peak = 0;
    for (int runs = 0; runs < 3 || spent < 0.15; runs++) {
        M.live = M.peak = 0;
        double t0 = now();
        op(j);
        double t = now() - t0;
        spent += t;
        if (t < best) best = t;
        if (M.peak > peak) peak = M.peak;
        if (runs >= 50) break;
    }
    double per = best * 1e9 / (double)(j->len + j->out);
    double ratio = baseline ? per / baseline : 1;
    bool ok = ratio <= BOUND;
    if (!ok) failures++;
    char res[40];
    snprintf(res, sizeof res, "%s", j->code ? rsess_strerror(j->code) : "ok");
    char pk[32];
    if (metered)
        snprintf(pk, sizeof pk, "%.2f", (double)peak / (double)j->len);
    else
        snprintf(pk, sizeof pk, "-");
    double per_in = best * 1e9 / (double)j->len;
    printf("%-34s %10zu  %-22s %12zu %10.2f %10.2f %8.2f  %-4s %8s  %s\n", j->input, j->len, entry, j->out,
           per_in, per, ratio, ok ? "PASS" : "FAIL", pk, res);
    fflush(stdout);
}

static rsess_read_opts ropts(size_t max_depth, size_t max_nodes)
{
    rsess_read_opts o;
    rsess_read_opts_init(&o);
    o.alloc = &A;
    o.limits.max_depth = max_depth;
    o.limits.max_nodes = max_nodes;
    return o;
}

static int code_of(const rsess_err *e) { return (int)e->code; }

static void op_read(job *j)
{
    rsess_err e;
    rsess_doc *d = rsess_read(j->data, j->len, j->opts, &e);
    j->code = d ? 0 : code_of(&e);
    j->out = 0;
    rsess_doc_free(d);
}

static void op_read_print(job *j) /* the baseline: read and print in the Ruby view */
{
    rsess_err e;
    rsess_doc *d = rsess_read(j->data, j->len, j->opts, &e);
    if (!d) abort();
    rsess_buf b;
    rsess_buf_init(&b, &A);
    j->code = rsess_print(rsess_doc_root(d), RSESS_VIEW_RUBY, 0, &b, &e);
    j->out = 0; /* the baseline is per input byte */
    rsess_buf_free(&b);
    rsess_doc_free(d);
}

static void op_explain(job *j)
{
    rsess_buf b;
    rsess_buf_init(&b, &A);
    rsess_err e;
    j->code = rsess_explain(j->data, j->len, 0, j->opts, &b, &e);
    j->out = b.len + j->work;
    rsess_buf_free(&b);
}

static void op_lookup(job *j)
{
    rsess_err e;
    rsess_doc *d = rsess_lookup(j->data, j->len, j->key, strlen(j->key), j->opts, &e);
    j->code = d ? 0 : code_of(&e);
    j->out = 0;
    rsess_doc_free(d);
}

static void op_cursor(job *j)
{
    rsess_err e;
    j->out = 0;
    rsess_cursor *c = rsess_cursor_new(j->data, j->len, j->opts, &e);
    if (!c) {
        j->code = code_of(&e);
        return;
    }
    size_t depth = 0;
    int rc = 0;
    for (unsigned step = 0;; step++) {
        rsess_type t = rsess_cursor_type(c);
        if ((t == RSESS_ARRAY || t == RSESS_HASH) && step % 3 != 2) {
            size_t n;
            if ((rc = rsess_cursor_enter(c, &n, &e))) break;
            depth++;
            continue;
        }
        rc = step % 3 == 1 ? rsess_cursor_skip(c, &e) : rsess_cursor_read(c, &e) ? 0 : code_of(&e);
        if (rc == RSESS_ERR_STATE) {
            rc = 0;
            if (!depth) break;
            if ((rc = rsess_cursor_leave(c, &e))) break;
            depth--;
        } else if (rc)
            break;
    }
    j->code = rc;
    rsess_cursor_free(c);
}

static void print_view(job *j, rsess_view view)
{
    rsess_buf b;
    rsess_buf_init(&b, &A);
    rsess_err e;
    j->code = rsess_print(j->val, view, 0, &b, &e);
    j->out = j->code ? b.cap : b.len; /* refused: what was produced before the stop */
    rsess_buf_free(&b);
}
static void op_ruby(job *j) { print_view(j, RSESS_VIEW_RUBY); }
static void op_json(job *j) { print_view(j, RSESS_VIEW_JSON); }
static void op_typed(job *j) { print_view(j, RSESS_VIEW_TYPED); }

static void op_write(job *j)
{
    rsess_buf b;
    rsess_buf_init(&b, &A);
    rsess_err e;
    j->code = rsess_write(j->val, &b, &e);
    j->out = b.len;
    rsess_buf_free(&b);
}

static void op_entry(job *j)
{
    rsess_err e;
    rsess_doc *d = rsess_entry_read(j->data, j->len, j->opts, NULL, &e);
    j->code = d ? 0 : code_of(&e);
    j->out = j->work;
    rsess_doc_free(d);
}

static void op_from_json(job *j)
{
    rsess_json_opts o;
    rsess_json_opts_init(&o);
    o.alloc = &A;
    rsess_doc *d;
    rsess_err e;
    j->code = rsess_from_json((const char *)j->data, j->len, &o, &d, &e);
    j->out = 0;
    rsess_doc_free(d);
}

static void op_from_typed(job *j)
{
    rsess_json_opts o;
    rsess_json_opts_init(&o);
    o.alloc = &A;
    rsess_doc *d;
    rsess_err e;
    j->code = rsess_from_typed_json((const char *)j->data, j->len, &o, &d, &e);
    j->out = 0;
    rsess_doc_free(d);
}

static void op_unquote(job *j)
{
    rsess_buf b;
    rsess_buf_init(&b, &A);
    rsess_err e;
    j->code = rsess_unquote((const char *)j->data, j->len, &b, &e);
    j->out = b.len;
    rsess_buf_free(&b);
}

static void op_cluster_map(job *j)
{
    rsess_cluster_map *m;
    rsess_err e;
    j->code = rsess_cluster_map_parse((const char *)j->data, j->len, &A, &m, &e);
    j->out = 0;
    rsess_cluster_map_free(m);
}

static void op_cluster_locate(job *j)
{
    rsess_buf b;
    rsess_buf_init(&b, &A);
    rsess_err e;
    j->code = rsess_cluster_locate((const char *)j->data, j->len, 5555, &b, &e);
    j->out = 0;
    rsess_buf_free(&b);
}

static rsess_cookie_keys *cookie_keys;

static void op_cookie(job *j)
{
    rsess_cookie_read_opts o;
    rsess_cookie_read_opts_init(&o);
    o.name = "_app_session";
    o.name_len = strlen(o.name);
    o.flags = RSESS_COOKIE_IGNORE_EXPIRY;
    rsess_read_opts r = ropts(0, 0);
    o.read = &r;
    rsess_doc *d = NULL;
    rsess_err e;
    j->code = rsess_cookie_read(cookie_keys, (const char *)j->data, j->len, &o, &d, NULL, &e);
    j->out = 0;
    rsess_doc_free(d);
}

static void op_cli(job *j)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s < %s > /dev/null 2>&1", rsess_bin, j->args, j->path);
    int st = system(cmd);
    j->code = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : RSESS_ERR_FORMAT;
    j->out = 0;
}

/* Rows for one Marshal input: every entry point that reads Marshal, then
 * (when it decodes) the three views and the writer on its document. */
static void marshal_rows(const char *name, const bytes *in, const rsess_read_opts *o, const char *key)
{
    job j = {.input = name, .data = in->p, .len = in->len, .opts = o, .key = key};
    row(&j, "rsess_read", op_read, true);
    row(&j, "rsess_explain", op_explain, true);
    if (key) row(&j, "rsess_lookup", op_lookup, true);
    row(&j, "cursor walk", op_cursor, true);
    rsess_err e;
    rsess_read_opts plain = *o;
    plain.alloc = NULL;
    rsess_doc *d = rsess_read(in->p, in->len, &plain, &e);
    if (!d) return;
    j.val = rsess_doc_root(d);
    row(&j, "print ruby", op_ruby, true);
    row(&j, "print json", op_json, true);
    row(&j, "print typed", op_typed, true);
    row(&j, "rsess_write", op_write, true);
    rsess_doc_free(d);
}

/* The hash the maps used before they were keyed (FNV-1a and a mixer,
 * the tag as its seed): keys colliding under it were craftable offline. */
static uint64_t old_hash(const void *p, size_t len, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ull ^ seed;
    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

/* The CLI rows' folder: made for them and removed after them. */
static char *tmpdir;
static char tmpname[512];

static void tmp_done(void)
{
    if (!tmpdir) return;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd)) fprintf(stderr, "hostile-bench: could not remove %s\n", tmpdir);
    tmpdir = NULL;
}

static const char *write_tmp(const char *name, const bytes *b)
{
    if (!tmpdir) {
        const char *td = getenv("TMPDIR");
        snprintf(tmpname, sizeof tmpname, "%s/rsess-hostile-XXXXXX", td && *td ? td : "/tmp");
        if (!(tmpdir = mkdtemp(tmpname))) abort();
    }
    static char path[4][512];
    static int k;
    char *p = path[k++ & 3];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    FILE *fp = fopen(p, "wb");
    if (!fp || fwrite(b->p, 1, b->len, fp) != b->len || fclose(fp)) abort();
    return p;
}

static void quote_bytes(bytes *q, const unsigned char *p, size_t n)
{
    putc1(q, '"');
    for (size_t i = 0; i < n; i++) {
        char t[8];
        snprintf(t, sizeof t, "\\x%02X", p[i]);
        puts1(q, t);
    }
    putc1(q, '"');
}

int main(int argc, char **argv)
{
    if (argc > 1) rsess_bin = argv[1];

    /* the baseline: a typical session, read and printed */
    bytes typ = {0};
    {
        FILE *fp = fopen("bench/payloads/typical.bin", "rb");
        if (!fp) {
            fprintf(stderr, "hostile-bench: run from the top folder (bench/payloads/typical.bin)\n");
            return 2;
        }
        unsigned char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
            put(&typ, buf, n);
        fclose(fp);
    }
    rsess_read_opts dflt = ropts(0, 0);
    printf("%-34s %10s  %-22s %12s %10s %10s %8s  %-4s %8s  %s\n", "input", "bytes", "entry point", "output",
           "ns/in-B", "ns/B", "ratio", "<20x", "peak/in", "result");
    {
        job j = {.input = "typical.bin (baseline)", .data = typ.p, .len = typ.len, .opts = &dflt};
        row(&j, "read + print ruby", op_read_print, true);
        double best = 1e30;
        for (int i = 0; i < 20; i++) { /* the baseline itself: the best of many */
            double t0 = now();
            for (int k = 0; k < 200; k++)
                op_read_print(&j);
            double t = (now() - t0) / 200;
            if (t < best) best = t;
        }
        baseline = best * 1e9 / (double)typ.len;
        printf("baseline: %.2f ns per byte\n", baseline);
        marshal_rows("typical.bin", &typ, &dflt, "user_id");
    }

    /* 1. keys built to collide in the tables (under the old, unkeyed hash:
     * the low 13 bits of 4096 keys, the whole of the final table's mask) */
    {
        enum { NKEYS = 4096 };
        static char keys[NKEYS][16];
        size_t nk = 0;
        for (unsigned long c = 0; nk < NKEYS; c++) {
            char k[16];
            int n = snprintf(k, sizeof k, "k%lx", c);
            if ((old_hash(k, (size_t)n, 0) & 0x1fff) == 0) memcpy(keys[nk++], k, (size_t)n + 1);
        }
        rsess_writer *w = rsess_writer_new(0, NULL);
        rsess_writer_hash(w, NKEYS);
        for (size_t i = 0; i < NKEYS; i++) {
            rsess_writer_sym(w, keys[i], strlen(keys[i]));
            rsess_writer_bool(w, 1);
        }
        bytes m = finish(w);
        marshal_rows("4096 colliding symbol keys", &m, &dflt, keys[NKEYS - 1]);
        bytes js = {0};
        putc1(&js, '{');
        for (size_t i = 0; i < NKEYS; i++) {
            if (i) putc1(&js, ',');
            putc1(&js, '"');
            puts1(&js, keys[i]);
            puts1(&js, "\":[\"");
            puts1(&js, keys[i]);
            puts1(&js, "\"]");
        }
        putc1(&js, '}');
        job j = {.input = "4096 colliding JSON keys", .data = js.p, .len = js.len};
        row(&j, "rsess_from_json", op_from_json, true);
        free(m.p);
        free(js.p);
    }

    /* 2. a million distinct symbols (the keys of one Hash) */
    {
        rsess_writer *w = rsess_writer_new(0, NULL);
        rsess_writer_hash(w, 1000000);
        char k[16];
        for (int i = 0; i < 1000000; i++) {
            int n = snprintf(k, sizeof k, "s%d", i);
            rsess_writer_sym(w, k, (size_t)n);
            rsess_writer_nil(w);
        }
        bytes m = finish(w);
        marshal_rows("1,000,000 distinct symbols", &m, &dflt, "s999999");
        /* the same as typed JSON (its symbol table is the document's) */
        rsess_doc *d = rsess_read(m.p, m.len, NULL, NULL);
        rsess_buf t;
        rsess_buf_init(&t, NULL);
        if (!d || rsess_print(rsess_doc_root(d), RSESS_VIEW_TYPED, 0, &t, NULL)) abort();
        job j = {.input = "1,000,000 symbols, typed JSON", .data = t.data, .len = t.len};
        row(&j, "rsess_from_typed_json", op_from_typed, true);
        rsess_buf_free(&t);
        rsess_doc_free(d);
        free(m.p);
    }

    /* 3a. a long link chain: a[k] = [a[k-1]] by links, 200,000 long (the
     * Ruby and JSON views' text would be quadratic: refused at their cap),
     * and 4,000 long (its 16 MB of text printed in full) */
    for (int chain = 0; chain < 2; chain++) {
        long N = chain ? 4000 : 200000;
        rsess_doc *d = rsess_doc_new(NULL);
        rsess_val *outer = rsess_new_array(d), *prev = rsess_new_array(d);
        rsess_arr_push(d, outer, prev);
        for (long k = 1; k < N; k++) { /* written as [@k]: a link to the array before */
            rsess_val *a = rsess_new_array(d);
            rsess_arr_push(d, a, prev);
            rsess_arr_push(d, outer, a);
            prev = a;
        }
        bytes m = written(outer);
        rsess_doc_free(d);
        marshal_rows(chain ? "link chain 4,000" : "link chain 200,000", &m, &dflt, NULL);
        free(m.p);
    }
    /* 3b. nesting: at the default limit, past it, and 1,000,000 deep with it raised */
    {
        static const size_t depths[] = {RSESS_DEFAULT_MAX_DEPTH - 1, RSESS_DEFAULT_MAX_DEPTH, 1000000};
        for (int i = 0; i < 3; i++) {
            rsess_doc *d = rsess_doc_new(NULL); /* the streaming writer stops at 512 levels: a document */
            rsess_val *in = rsess_new_array(d);
            for (size_t k = 0; k < depths[i]; k++) {
                rsess_val *up = rsess_new_array(d);
                rsess_arr_push(d, up, in);
                in = up;
            }
            bytes m = written(in);
            rsess_doc_free(d);
            char name[64];
            snprintf(name, sizeof name, "nesting %zu%s", depths[i] + 1, i == 2 ? " (max_depth raised)" : "");
            rsess_read_opts o = i == 2 ? ropts(SIZE_MAX, 0) : dflt;
            marshal_rows(name, &m, &o, NULL);
            free(m.p);
        }
    }
    /* 3c. a Hash of 100,000 pairs whose bytes repeat keys (Ruby keeps one
     * pair a key: the views look every key up in a table, key_eql.c): one
     * Integer key 100,000 times, 1,000 String keys 100 times each,
     * 100,000 distinct String keys, and 50,000 String keys twice each that
     * share the views' cheap fingerprint (length, first and last 8 bytes,
     * middle byte: they fall back to keyed hashes) */
    for (int kind = 0; kind < 4; kind++) {
        static const char *const names[] = {"dup keys 100,000 x 1", "dup keys 100,000 x 1,000", "dup keys 100,000 distinct",
                                            "dup keys 100,000 same fingerprint"};
        bytes m = {0};
        puts1(&m, "\x04\x08{");
        w_long(&m, 100000);
        for (long k = 0; k < 100000; k++) {
            if (kind == 0) {
                puts1(&m, "i");
                w_long(&m, 0);
            } else {
                char key[40];
                int n = kind == 3 ? snprintf(key, sizeof key, "aaaaaaaammmmmmmm%06ldzzzzzzzz", k % 50000)
                                  : snprintf(key, sizeof key, "k%ld", kind == 1 ? k % 1000 : k);
                puts1(&m, "\"");
                w_long(&m, n);
                put(&m, key, (size_t)n);
            }
            puts1(&m, "i");
            w_long(&m, k);
        }
        marshal_rows(names[kind], &m, &dflt, NULL);
        free(m.p);
    }
    /* 4. fan-out: each level holds the next twice (2^40 paths, 164 bytes:
     * refused at the views' cap; 2^18 paths: printed in full), and a
     * 100,000-byte string under 999,999 links */
    for (int levels = 40; levels >= 18; levels -= 22) {
        rsess_doc *d = rsess_doc_new(NULL);
        rsess_val *f = rsess_new_array(d);
        for (int k = 0; k < levels; k++) {
            rsess_val *up = rsess_new_array(d);
            rsess_arr_push(d, up, f);
            rsess_arr_push(d, up, f);
            f = up;
        }
        bytes m = written(f);
        rsess_doc_free(d);
        marshal_rows(levels == 40 ? "fan-out 2^40" : "fan-out 2^18", &m, &dflt, NULL);
        free(m.p);
    }
    {
        rsess_doc *d = rsess_doc_new(NULL);
        char *x = malloc(100000);
        memset(x, 'x', 100000);
        rsess_val *arr = rsess_new_array(d), *str = rsess_new_str(d, x, 100000, RSESS_ENC_BINARY);
        for (int k = 0; k < 1000000; k++)
            rsess_arr_push(d, arr, str);
        bytes s = written(arr);
        rsess_doc_free(d);
        free(x);
        marshal_rows("100 KB string x 1,000,000 links", &s, &dflt, NULL);
        free(s.p);
    }

    /* 4b. values past max_nodes (lowered to 1,000,000: refused), and the
     * same with the default limit (accepted) */
    {
        rsess_writer *w = rsess_writer_new(0, NULL);
        rsess_writer_array(w, 1000016);
        for (int k = 0; k < 1000016; k++)
            rsess_writer_array(w, 0);
        bytes m = finish(w);
        rsess_read_opts low = ropts(0, 1000000);
        marshal_rows("1,000,016 arrays, max_nodes 1M", &m, &low, NULL);
        marshal_rows("1,000,016 arrays", &m, &dflt, NULL);
        free(m.p);
    }

    /* 5. a 64 MiB inflate: a Rails 7.1 entry of a compressed String, just
     * under max_inflated and just over */
    {
        static const size_t sizes[] = {RSESS_DEFAULT_MAX_INFLATED - 1024, RSESS_DEFAULT_MAX_INFLATED + 1024};
        for (int i = 0; i < 2; i++) {
            rsess_doc *d = rsess_doc_new(NULL);
            char *big = calloc(1, sizes[i]);
            rsess_val *v = rsess_new_str(d, big, sizes[i], RSESS_ENC_BINARY);
            rsess_buf e;
            rsess_buf_init(&e, NULL);
            rsess_entry_opts eo;
            rsess_entry_opts_init(&eo);
            if (!v || rsess_entry_write(v, &eo, &e, NULL)) abort();
            job j = {.input = i ? "inflate 64 MiB + 1 KiB" : "inflate 64 MiB - 1 KiB",
                     .data = e.data,
                     .len = e.len,
                     .opts = &dflt,
                     .work = i ? RSESS_DEFAULT_MAX_INFLATED : sizes[i]};
            row(&j, "rsess_entry_read", op_entry, true);
            row(&j, "rsess_explain", op_explain, true);
            rsess_buf_free(&e);
            rsess_doc_free(d);
            free(big);
        }
    }

    /* 6. quoted strings made of escapes (16 MiB of \xHH) */
    {
        unsigned char *all = malloc(4 << 20);
        for (int k = 0; k < (4 << 20); k++)
            all[k] = (unsigned char)k;
        rsess_writer *w = rsess_writer_new(0, NULL);
        rsess_writer_str(w, all, 4 << 20, RSESS_ENC_BINARY);
        bytes raw = finish(w);
        free(all);
        bytes q = {0};
        quote_bytes(&q, raw.p, raw.len);
        job j = {.input = "quoted, 16 MiB of escapes", .data = q.p, .len = q.len};
        row(&j, "rsess_unquote", op_unquote, true);
        putc1(&q, '\n');
        job c = {.input = "quoted, 16 MiB of escapes",
                 .len = q.len,
                 .path = write_tmp("quoted.txt", &q),
                 .args = "decode --in quoted --to json"};
        row(&c, "CLI decode --in quoted", op_cli, false);
        free(raw.p);
        free(q.p);
    }

    /* 7. --lines with 1,000,000 lines, and 100,000 migrate records */
    {
        bytes l = {0};
        for (int k = 0; k < 1000000; k++)
            puts1(&l, "\"\\x04\\bi\\x06\"\n");
        job c = {.input = "--lines, 1,000,000 lines",
                 .len = l.len,
                 .path = write_tmp("lines.txt", &l),
                 .args = "decode --lines"};
        row(&c, "CLI decode --lines", op_cli, false);
        l.len = 0;
        for (int k = 0; k < 100000; k++) {
            char rec[256];
            snprintf(rec, sizeof rec, "\"session:2::%064x\" 86400000 \"\\x04\\b{\\x06:\\x06ai\\x06\"\n", k);
            puts1(&l, rec);
        }
        job r = {.input = "100,000 migrate records",
                 .len = l.len,
                 .path = write_tmp("records.txt", &l),
                 .args = "migrate --from redis-store --to cache --entry 7.1"};
        row(&r, "CLI migrate", op_cli, false);
        free(l.p);
        tmp_done();
    }

    /* 8. CLUSTER NODES with 100,000 lines (one master a slot range, then replicas) */
    {
        bytes t = {0};
        for (int k = 0; k < 100000; k++) {
            char line[256];
            if (k < 16384)
                snprintf(line, sizeof line, "%040x 10.0.%d.%d:6379@16379 master - 0 1 %d connected %d\n", k,
                         k / 256 % 256, k % 256, k, k);
            else
                snprintf(line, sizeof line, "%040x 10.1.%d.%d:6379@16379 slave %040x 0 1 %d connected\n", k,
                         k / 256 % 256, k % 256, k % 16384, k);
            puts1(&t, line);
        }
        job j = {.input = "CLUSTER NODES, 100,000 lines", .data = t.p, .len = t.len};
        row(&j, "rsess_cluster_map_parse", op_cluster_map, true);
        row(&j, "rsess_cluster_locate", op_cluster_locate, true);
        /* CLUSTER SHARDS as redis-cli prints it: 5,556 shards of 18 lines */
        t.len = 0;
        for (int k = 0; k < 5556; k++) {
            char sh[1024];
            snprintf(
                sh, sizeof sh,
                "%d) 1) \"slots\"\n   2) 1) (integer) %d\n      2) (integer) %d\n   3) \"nodes\"\n"
                "   4) 1)  1) \"id\"\n          2) \"%040x\"\n          3) \"port\"\n"
                "          4) (integer) 6379\n          5) \"ip\"\n          6) \"10.0.%d.%d\"\n"
                "          7) \"endpoint\"\n          8) \"10.0.%d.%d\"\n          9) \"role\"\n"
                "         10) \"master\"\n         11) \"replication-offset\"\n         12) (integer) 0\n"
                "         13) \"health\"\n         14) \"online\"\n",
                k + 1, k, k, k, k / 256, k % 256, k / 256, k % 256);
            puts1(&t, sh);
        }
        job h = {.input = "CLUSTER SHARDS, 100,008 lines", .data = t.p, .len = t.len};
        row(&h, "rsess_cluster_map_parse", op_cluster_map, true);
        row(&h, "rsess_cluster_locate", op_cluster_locate, true);
        free(t.p);
    }

    /* 9. cookies: the longest accepted (64 KiB) signed cookie, with a
     * deep JSON payload; the same cut by one byte (time to refuse); a
     * Cookie header of 5,000 pairs with the session last */
    {
        rsess_cookie_opts co;
        rsess_cookie_opts_init(&co);
        co.secret_key_base = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        co.secret_key_base_len = strlen(co.secret_key_base);
        if (rsess_cookie_keys_new(&co, &cookie_keys, NULL)) abort();
        rsess_doc *d = rsess_doc_new(NULL);
        rsess_val *h = rsess_new_hash(d), *list = rsess_new_array(d);
        for (int k = 0; k < 1000; k++)
            rsess_arr_push(d, list, rsess_new_str(d, "<&>", 3, RSESS_ENC_UTF8));
        rsess_hash_push_strkey(d, h, "list", 4, RSESS_ENC_UTF8, list);
        rsess_cookie_write_opts wo;
        rsess_cookie_write_opts_init(&wo);
        wo.name = "_app_session";
        wo.name_len = strlen(wo.name);
        wo.format = RSESS_COOKIE_SIGNED;
        rsess_buf c;
        rsess_buf_init(&c, NULL);
        if (rsess_cookie_write(cookie_keys, h, &wo, &c, NULL)) abort();
        job j = {.input = "signed cookie, 1,000 escaped items", .data = c.data, .len = c.len};
        row(&j, "rsess_cookie_read", op_cookie, true);
        c.data[c.len - 1] ^= 1;
        j.input = "the same, its MAC broken";
        row(&j, "rsess_cookie_read", op_cookie, true);
        c.data[c.len - 1] ^= 1;
        bytes hdr = {0};
        puts1(&hdr, "Cookie: ");
        for (int k = 0; k < 1000; k++) {
            char p[64];
            snprintf(p, sizeof p, "c%d=%d; ", k, k);
            puts1(&hdr, p);
        }
        puts1(&hdr, "_app_session=");
        put(&hdr, c.data, c.len);
        job h2 = {.input = "Cookie header, 1,000 pairs", .data = hdr.p, .len = hdr.len};
        row(&h2, "rsess_cookie_read", op_cookie, true);
        free(hdr.p);
        rsess_buf_free(&c);
        rsess_doc_free(d);
        rsess_cookie_keys_free(cookie_keys);
    }

    free(typ.p);
    printf("%s: %d row(s) over %.0fx the typical per-byte cost\n", failures ? "FAIL" : "PASS", failures,
           BOUND);
    return failures ? 1 : 0;
}
