/* rsess-bench FILE...: one line per Marshal file:
 *   NAME DECODE_OPS ENCODE_OPS DECODE_MB/s ARENA_BYTES_PER_INPUT_BYTE ENTRY_DECODE_OPS LOOKUP_OPS
 * ops per second, in process, after a warm-up, the median of 5 runs of at
 * least 0.4 s each. Decode = bytes to a document and free it; encode = that
 * document back to bytes; entry decode = the value inside a compressed
 * Rails 7.1 cache entry (inflate included). bench/ruby-bench.rb prints the
 * same columns for Ruby's Marshal. */
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
    const unsigned char *data;
    size_t len;
    rsess_doc *doc;
    rsess_buf out;
} job;

static volatile size_t sink;

static void op_decode(job *j)
{
    rsess_doc *d = rsess_read(j->data, j->len, NULL, NULL);
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

static const char *lookup_key;

/* one key without the tree (rsess_lookup): warden's user key, or the first key */
static void op_lookup(job *j)
{
    rsess_doc *d = rsess_lookup(j->data, j->len, lookup_key, strlen(lookup_key), NULL, NULL);
    if (!d) abort();
    sink += rsess_len(rsess_doc_root(d));
    rsess_doc_free(d);
}

static void op_entry(job *j)
{
    rsess_doc *d = rsess_entry_read(j->data, j->len, NULL, NULL, NULL);
    if (!d) abort();
    sink += rsess_len(rsess_doc_root(d));
    rsess_doc_free(d);
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
    unsigned char *p = malloc((size_t)n);
    if (fread(p, 1, (size_t)n, fp) != (size_t)n) n = 0;
    fclose(fp);
    *len = (size_t)n;
    return p;
}

/* rsess-bench --one decode|encode FILE: one run of 0.4 s after a warm-up,
 * ops per second only (bench/compare.sh alternates it with Ruby's). */
static int one(const char *metric, const char *path)
{
    job j = {0};
    j.data = slurp(path, &j.len);
    j.doc = j.data ? rsess_read(j.data, j.len, NULL, NULL) : NULL;
    if (!j.doc) return 1;
    void (*op)(job *) = strcmp(metric, "encode") == 0 ? op_encode : op_decode;
    /* the same warm-up as a full run: decoding first settles the allocator
     * (glibc's mmap threshold grows with the documents freed) */
    run(op_decode, &j, 0.3);
    run(op, &j, 0.1);
    printf("%.0f\n", run(op, &j, 0.4));
    rsess_buf_free(&j.out);
    rsess_doc_free(j.doc);
    free((void *)j.data);
    return 0;
}

/* rsess-bench --count decode|encode|entry|lookup N FILE: exactly N operations,
 * untimed, for instruction counts (bench/callgrind.sh runs it twice under
 * callgrind and divides the difference). */
static int count(const char *metric, long n, const char *path)
{
    job j = {0};
    j.data = slurp(path, &j.len);
    j.doc = j.data ? rsess_read(j.data, j.len, NULL, NULL) : NULL;
    if (!j.doc) return 1;
    rsess_buf entry = {0};
    void (*op)(job *) = op_decode;
    job *target = &j;
    job je = {0};
    static char keybuf[64];
    if (strcmp(metric, "encode") == 0) {
        op = op_encode;
    } else if (strcmp(metric, "entry") == 0) {
        rsess_entry_opts eo = {0};
        eo.format = RSESS_FORMAT_AS71;
        eo.compress_threshold = 1;
        if (rsess_entry_write(rsess_doc_root(j.doc), &eo, &entry, NULL)) return 1;
        je.data = entry.data;
        je.len = entry.len;
        target = &je;
        op = op_entry;
    } else if (strcmp(metric, "lookup") == 0) {
        rsess_val *root = rsess_doc_root(j.doc);
        size_t kl;
        const char *k0 = rsess_bytes(rsess_hash_key(root, 0), &kl);
        if (rsess_hash_get(root, "warden.user.user.key", 20)) snprintf(keybuf, sizeof keybuf, "warden.user.user.key");
        else if (k0) snprintf(keybuf, sizeof keybuf, "%.*s", (int)kl, k0);
        else return 1;
        lookup_key = keybuf;
        op = op_lookup;
    } else if (strcmp(metric, "decode") != 0) {
        return 2;
    }
    for (long i = 0; i < n; i++) op(target);
    rsess_buf_free(&entry);
    rsess_buf_free(&j.out);
    rsess_doc_free(j.doc);
    free((void *)j.data);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--one") == 0) return one(argv[2], argv[3]);
    if (argc == 5 && strcmp(argv[1], "--count") == 0) return count(argv[2], atol(argv[3]), argv[4]);
    if (argc < 2) {
        fprintf(stderr, "usage: rsess-bench FILE...\n");
        return 2;
    }
    printf("%-12s %12s %12s %10s %8s %12s %12s\n", "NAME", "DECODE_OPS", "ENCODE_OPS", "DEC_MB/s", "ARENA/B", "ENTRY_OPS",
           "LOOKUP_OPS");
    for (int i = 1; i < argc; i++) {
        job j = {0};
        j.data = slurp(argv[i], &j.len);
        rsess_err err;
        j.doc = j.data ? rsess_read(j.data, j.len, NULL, &err) : NULL;
        if (!j.doc) {
            fprintf(stderr, "%s: cannot decode\n", argv[i]);
            return 1;
        }
        const char *base = strrchr(argv[i], '/');
        base = base ? base + 1 : argv[i];
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(strcspn(base, ".")), base);
        double dec = median5(op_decode, &j);
        double enc = median5(op_encode, &j);
        double arena = (double)rsess_doc_arena_size(j.doc) / (double)j.len;
        /* the same value in a compressed Rails 7.1 entry (threshold 1: always try) */
        rsess_buf entry = {0};
        rsess_entry_opts eo = {0};
        eo.format = RSESS_FORMAT_AS71;
        eo.compress_threshold = 1;
        rsess_entry_write(rsess_doc_root(j.doc), &eo, &entry, NULL);
        job je = {entry.data, entry.len, NULL, {0}};
        double ent = median5(op_entry, &je);
        char keybuf[64] = "";
        rsess_val *root = rsess_doc_root(j.doc);
        size_t kl;
        const char *k0 = rsess_bytes(rsess_hash_key(root, 0), &kl);
        if (rsess_hash_get(root, "warden.user.user.key", 20)) snprintf(keybuf, sizeof keybuf, "warden.user.user.key");
        else if (k0) snprintf(keybuf, sizeof keybuf, "%.*s", (int)kl, k0);
        lookup_key = keybuf;
        double look = keybuf[0] ? median5(op_lookup, &j) : 0;
        printf("%-12s %12.0f %12.0f %10.1f %8.2f %12.0f %12.0f\n", name, dec, enc, dec * (double)j.len / 1e6, arena, ent,
               look);
        fflush(stdout);
        rsess_buf_free(&entry);
        rsess_buf_free(&j.out);
        rsess_doc_free(j.doc);
        free((void *)j.data);
    }
    return 0;
}
