/* print-bench FILE...: rsess_print() calls per second of each Marshal file's
 * value in the three views (Ruby's p, plain JSON, typed JSON), the best of
 * three runs of about 0.2 s each, into one reused buffer.
 * (`make bench-print` runs it on the bench payloads.) */
#include <rsess.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double prints_per_second(const rsess_val *v, rsess_view view)
{
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    double best = 0;
    for (int run = 0; run < 3; run++) {
        long n = 0;
        double t0 = now(), t;
        do {
            for (int k = 0; k < 64; k++) {
                b.len = 0;
                if (rsess_print(v, view, 0, &b, NULL)) {
                    rsess_buf_free(&b);
                    return 0;
                }
            }
            n += 64;
            t = now() - t0;
        } while (t < 0.2);
        if (n / t > best) best = (double)n / t;
    }
    rsess_buf_free(&b);
    return best;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    size_t cap = 1 << 16, n = 0, got;
    unsigned char *p = malloc(cap);
    while (p && (got = fread(p + n, 1, cap - n, fp)) > 0)
        if ((n += got) == cap) p = realloc(p, cap *= 2);
    fclose(fp);
    *len = n;
    return p;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: print-bench FILE...\n");
        return 2;
    }
    printf("%-12s %12s %12s %12s\n", "NAME", "RUBY_OPS", "JSON_OPS", "TYPED_OPS");
    for (int i = 1; i < argc; i++) {
        size_t len;
        unsigned char *data = slurp(argv[i], &len);
        rsess_doc *doc = data ? rsess_read(data, len, NULL, NULL) : NULL;
        if (!doc) {
            fprintf(stderr, "%s: cannot decode\n", argv[i]);
            free(data);
            return 1;
        }
        const char *base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
        printf("%-12.*s", (int)strcspn(base, "."), base);
        printf(" %12.0f", prints_per_second(rsess_doc_root(doc), RSESS_VIEW_RUBY));
        printf(" %12.0f", prints_per_second(rsess_doc_root(doc), RSESS_VIEW_JSON));
        printf(" %12.0f\n", prints_per_second(rsess_doc_root(doc), RSESS_VIEW_TYPED));
        rsess_doc_free(doc);
        free(data);
    }
    return 0;
}
