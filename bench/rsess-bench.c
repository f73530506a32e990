/* rsess-bench [--borrow] FILE...: one line per Marshal file:
 *   NAME DECODE_OPS ENCODE_OPS DEC_MB/s ARENA/B HELD/B PEAK/B ENTRY_OPS LOOKUP_OPS CURSOR_OPS
 * ops per second, in process, after a warm-up, the median of 5 runs of at
 * least 0.4 s each. Decode = bytes to a document and free it; encode = that
 * document back to bytes; entry = the value inside the compressed Rails 7.1
 * cache entry that bench/make_payloads.rb wrote beside FILE (NAME.e71),
 * inflate included; lookup = rsess_lookup() of warden.user.user.key (the
 * first key when the session has none; 0 when the root is not a Hash);
 * cursor = a pull cursor over every top-level item (a Hash's keys are read,
 * its values skipped; an Array's items skipped). Memory, per input byte:
 * ARENA = rsess_doc_arena_size(), HELD = what the document holds from its
 * allocator after rsess_read() returns (arena, tables and the input copy),
 * PEAK = the most it held during rsess_read() (a counting rsess_alloc).
 * --borrow reads with RSESS_READ_BORROW everywhere (decode, the encoded
 * document, entry, lookup, cursor, memory).
 * bench/ruby-bench.rb prints Ruby's figures for the same operations.
 *
 * For bench/compare.sh and bench/callgrind.sh:
 *   --one METRIC FILE      one 0.4 s run after a warm-up, ops per second
 *   --count METRIC N FILE  exactly N operations, untimed (instructions)
 *   --mem FILE             ARENA/B HELD/B PEAK/B, copying then borrowed, then
 *                          UNUSED% (rsess_doc_arena_unused / arena), copying, borrowed
 *   --check FILE...        FILE's .e71 entry decodes to FILE's value
 * METRIC: decode borrow encode entry lookup cursor. */
#include <rsess.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct job {
    const unsigned char *data; /* the Marshal bytes */
    size_t len;
    const unsigned char *entry; /* the .e71 entry (NULL: none) */
    size_t entry_len;
    rsess_read_opts opts; /* copying or borrowed */
    rsess_doc *doc;       /* decoded once, for encode */
    rsess_buf out;
    char key[64]; /* lookup key ("" when the root is not a Hash) */
} job;

static volatile size_t sink;

static void op_decode(job *j)
{
    rsess_doc *d = rsess_read(j->data, j->len, &j->opts, NULL);
    if (!d) abort();
    sink += rsess_len(rsess_doc_root(d));
    rsess_doc_free(d);
}

static void op_encode(job *j)
{
    j->out.len = 0;
    if (rsess_write(rsess_doc_root(j->doc), &j->out, NULL)) abort();
    sink += j->out.len;
}

static void op_lookup(job *j)
{
    rsess_doc *d = rsess_lookup(j->data, j->len, j->key, strlen(j->key), &j->opts, NULL);
    if (!d) abort();
    sink += rsess_len(rsess_doc_root(d));
    rsess_doc_free(d);
}

static void op_entry(job *j)
{
    rsess_doc *d = rsess_entry_read(j->entry, j->entry_len, &j->opts, NULL, NULL);
    if (!d) abort();
    sink += rsess_len(rsess_doc_root(d));
    rsess_doc_free(d);
}

/* every top-level item: a Hash's keys read (built), its values skipped */
static void op_cursor(job *j)
{
    rsess_cursor *c = rsess_cursor_new(j->data, j->len, &j->opts, NULL);
    if (!c) abort();
    rsess_type t = rsess_cursor_type(c);
    size_t n;
    if (rsess_cursor_enter(c, &n, NULL)) abort();
    for (size_t i = 0; i < n; i++) {
        if (t == RSESS_HASH && i % 2 == 0) {
            size_t kl = 0;
            rsess_val *k = rsess_cursor_read(c, NULL);
            if (!k) abort();
            rsess_bytes(k, &kl);
            sink += kl;
        } else if (rsess_cursor_skip(c, NULL)) {
            abort();
        }
    }
    if (rsess_cursor_leave(c, NULL)) abort();
    rsess_cursor_free(c);
}

/* ops per second over a run of at least `secs` */
static double run(void (*op)(job *), job *j, double secs)
{
    long n = 1, total = 0;
    double start = now(), t;
    for (;;) {
        for (long i = 0; i < n; i++) op(j);
        total += n;
        t = now() - start;
        if (t >= secs) break;
        if (n < (1L << 30)) n *= 2;
    }
    return (double)total / t;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median5(void (*op)(job *), job *j)
{
    double r[5];
    run(op, j, 0.1); /* warm-up */
    for (int i = 0; i < 5; i++) r[i] = run(op, j, 0.4);
    qsort(r, 5, sizeof r[0], cmp);
    return r[2];
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *p = n > 0 ? malloc((size_t)n) : NULL;
    if (!p || fread(p, 1, (size_t)n, fp) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(fp);
    *len = p ? (size_t)n : 0;
    return p;
}

/* Loads FILE and its entry (FILE with .bin replaced by .e71), decodes it
 * once and picks the lookup key. 0, or 1 with a message. */
static int job_open(job *j, const char *path, unsigned flags)
{
    memset(j, 0, sizeof *j);
    rsess_read_opts_init(&j->opts);
    j->opts.flags = flags;
    j->data = slurp(path, &j->len);
    rsess_err err;
    j->doc = j->data ? rsess_read(j->data, j->len, &j->opts, &err) : NULL;
    if (!j->doc) {
        fprintf(stderr, "%s: cannot %s\n", path, j->data ? "decode" : "read");
        return 1;
    }
    size_t pl = strlen(path);
    char epath[4096];
    if (pl > 4 && pl < sizeof epath && strcmp(path + pl - 4, ".bin") == 0) {
        snprintf(epath, sizeof epath, "%.*s.e71", (int)(pl - 4), path);
        j->entry = slurp(epath, &j->entry_len);
    }
    rsess_val *root = rsess_doc_root(j->doc);
    size_t kl = 0;
    const char *k0 = rsess_bytes(rsess_hash_key(root, 0), &kl);
    if (rsess_hash_get(root, "warden.user.user.key", 20))
        snprintf(j->key, sizeof j->key, "warden.user.user.key");
    else if (k0 && kl < sizeof j->key && !memchr(k0, 0, kl))
        snprintf(j->key, sizeof j->key, "%.*s", (int)kl, k0);
    return 0;
}

static void job_close(job *j)
{
    rsess_buf_free(&j->out);
    rsess_doc_free(j->doc);
    free((void *)j->data);
    free((void *)j->entry);
}

/* the operation for a metric name, or NULL (also when the job lacks what it
 * needs: no entry file, a root that is not a Hash for lookup) */
static void (*op_for(const char *metric, const job *j))(job *)
{
    if (strcmp(metric, "decode") == 0 || strcmp(metric, "borrow") == 0) return op_decode;
    if (strcmp(metric, "encode") == 0) return op_encode;
    if (strcmp(metric, "entry") == 0) return j->entry ? op_entry : NULL;
    if (strcmp(metric, "lookup") == 0) return j->key[0] ? op_lookup : NULL;
    if (strcmp(metric, "cursor") == 0) return op_cursor;
    return NULL;
}

static unsigned flags_for(const char *metric)
{
    return strcmp(metric, "borrow") == 0 ? RSESS_READ_BORROW : 0;
}

/* --one METRIC FILE: one run of 0.4 s after a warm-up, ops per second only
 * (bench/compare.sh alternates it with Ruby's); "-" when the metric does
 * not apply to the file */
static int one(const char *metric, const char *path)
{
    job j;
    if (job_open(&j, path, flags_for(metric))) return 1;
    void (*op)(job *) = op_for(metric, &j);
    if (op) {
        /* the same warm-up as a full run: decoding first settles the
         * allocator (glibc's mmap threshold grows with the documents freed) */
        run(op_decode, &j, 0.3);
        run(op, &j, 0.1);
        printf("%.0f\n", run(op, &j, 0.4));
    } else {
        printf("-\n");
    }
    job_close(&j);
    return 0;
}

/* --count METRIC N FILE: exactly N operations, untimed, for instruction
 * counts (bench/callgrind.sh runs it twice under callgrind and divides the
 * difference); nothing when the metric does not apply (exit 3) */
static int count(const char *metric, long n, const char *path)
{
    job j;
    if (job_open(&j, path, flags_for(metric))) return 1;
    void (*op)(job *) = op_for(metric, &j);
    for (long i = 0; op && i < n; i++) op(&j);
    job_close(&j);
    return op ? 0 : 3;
}

/* --- memory: a counting allocator ------------------------------------- */
typedef struct counter {
    size_t cur, peak;
} counter;

static void *c_malloc(void *ctx, size_t n)
{
    counter *c = ctx;
    void *p = malloc(n);
    if (p) {
        c->cur += n;
        if (c->cur > c->peak) c->peak = c->cur;
    }
    return p;
}

static void *c_realloc(void *ctx, void *p, size_t old, size_t n)
{
    counter *c = ctx;
    void *q = realloc(p, n);
    if (q) {
        c->cur += n - old; /* modular: a shrink subtracts */
        if (c->cur > c->peak) c->peak = c->cur;
    }
    return q;
}

static void c_free(void *ctx, void *p, size_t n)
{
    counter *c = ctx;
    if (p) c->cur -= n;
    free(p);
}

typedef struct mem {
    double arena, held, peak; /* bytes per input byte */
    double unused;            /* percent of the arena no value took */
} mem;

/* decodes once through the counting allocator: what the document holds
 * after rsess_read() returns, and the most it held during the call; the
 * count must come back to 0 when the document is freed */
static int measure(const job *j, unsigned flags, mem *m)
{
    counter c = {0, 0};
    rsess_alloc a = {c_malloc, c_realloc, c_free, &c};
    rsess_read_opts o;
    rsess_read_opts_init(&o);
    o.flags = flags;
    o.alloc = &a;
    rsess_doc *d = rsess_read(j->data, j->len, &o, NULL);
    if (!d) return 1;
    m->arena = (double)rsess_doc_arena_size(d) / (double)j->len;
    m->held = (double)c.cur / (double)j->len;
    m->peak = (double)c.peak / (double)j->len;
    m->unused = 100.0 * (double)rsess_doc_arena_unused(d) / (double)rsess_doc_arena_size(d);
    rsess_doc_free(d);
    if (c.cur != 0) {
        fprintf(stderr, "rsess-bench: %zu bytes still held after rsess_doc_free\n", c.cur);
        return 1;
    }
    return 0;
}

static int memory(const char *path)
{
    job j;
    if (job_open(&j, path, 0)) return 1;
    mem cm, bm;
    int rc = measure(&j, 0, &cm) || measure(&j, RSESS_READ_BORROW, &bm);
    if (!rc)
        printf("%.2f %.2f %.2f %.2f %.2f %.2f %.1f %.1f\n", cm.arena, cm.held, cm.peak, bm.arena, bm.held, bm.peak,
               cm.unused, bm.unused);
    job_close(&j);
    return rc;
}

/* --check FILE...: the entry beside each FILE decodes (rsess_entry_read,
 * inflate included) to FILE's value: written back with rsess_write, it is
 * FILE's bytes, which Ruby's Marshal.dump wrote (make_payloads.rb checked
 * that Ruby's inflate + Marshal.load of the entry gives the same value) */
static int check(int argc, char **argv)
{
    int bad = 0;
    for (int i = 0; i < argc; i++) {
        job j;
        if (job_open(&j, argv[i], 0)) return 1;
        rsess_entry_info info;
        rsess_err err;
        rsess_doc *d = j.entry ? rsess_entry_read(j.entry, j.entry_len, NULL, &info, &err) : NULL;
        rsess_buf out = {0};
        int ok = d && rsess_write(rsess_doc_root(d), &out, NULL) == 0 && out.len == j.len &&
                 memcmp(out.data, j.data, j.len) == 0 && info.format == RSESS_FORMAT_AS71 && info.compressed &&
                 info.has_expires_at && info.expires_at == 1769693054.4480495;
        printf("%s: %s\n", argv[i], ok ? "entry decodes to the same value" : "MISMATCH");
        bad |= !ok;
        rsess_buf_free(&out);
        rsess_doc_free(d);
        job_close(&j);
    }
    return bad;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--one") == 0) return one(argv[2], argv[3]);
    if (argc == 5 && strcmp(argv[1], "--count") == 0) return count(argv[2], atol(argv[3]), argv[4]);
    if (argc == 3 && strcmp(argv[1], "--mem") == 0) return memory(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "--check") == 0) return check(argc - 2, argv + 2);
    unsigned flags = 0;
    int first = 1;
    if (argc >= 2 && strcmp(argv[1], "--borrow") == 0) {
        flags = RSESS_READ_BORROW;
        first = 2;
    }
    if (argc <= first || argv[first][0] == '-') {
        fprintf(stderr, "usage: rsess-bench [--borrow] FILE...\n"
                        "       rsess-bench --one METRIC FILE | --count METRIC N FILE | --mem FILE | --check FILE...\n"
                        "       METRIC: decode borrow encode entry lookup cursor\n");
        return 2;
    }
    printf("%-12s %12s %12s %10s %8s %8s %8s %12s %12s %12s\n", "NAME", "DECODE_OPS", "ENCODE_OPS", "DEC_MB/s", "ARENA/B",
           "HELD/B", "PEAK/B", "ENTRY_OPS", "LOOKUP_OPS", "CURSOR_OPS");
    for (int i = first; i < argc; i++) {
        job j;
        if (job_open(&j, argv[i], flags)) return 1;
        const char *base = strrchr(argv[i], '/');
        base = base ? base + 1 : argv[i];
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(strcspn(base, ".")), base);
        double dec = median5(op_decode, &j);
        double enc = median5(op_encode, &j);
        mem m;
        if (measure(&j, flags, &m)) return 1;
        double ent = j.entry ? median5(op_entry, &j) : 0;
        double look = j.key[0] ? median5(op_lookup, &j) : 0;
        double cur = median5(op_cursor, &j);
        printf("%-12s %12.0f %12.0f %10.1f %8.2f %8.2f %8.2f %12.0f %12.0f %12.0f\n", name, dec, enc,
               dec * (double)j.len / 1e6, m.arena, m.held, m.peak, ent, look, cur);
        fflush(stdout);
        job_close(&j);
    }
    return 0;
}
