/* float-bench [MODE [N [random|scores]]]: float text both ways over N (1,000,000) doubles of
 * two kinds: uniform random 64-bit patterns (finite ones) and scores like
 * bench/payloads/many_hashes.bin's (rand * 1000). Without MODE it prints
 * ns per op for every mode, the best of 5 runs. With a MODE it runs that
 * one once over both kinds (or the one named), for `valgrind
 * --tool=callgrind` (instructions per op: the run's count minus MODE
 * setup's, over the doubles run):
 *   setup     make the doubles and their Marshal texts only
 *   print     rsess_float_marshal_text of each double
 *   to_s      rsess_float_ruby_text of each double
 *   parse     rs_float_parse of each Marshal text
 *   strtod    the C library's strtod of each (NUL-terminated) Marshal text,
 *             what the Marshal reader falls back to before rs_float_parse
 * `float-bench texts FILE [REPS]` instead reads FILE's lines, Marshal float
 * texts (such as a payload's), and gives each to rs_marshal_float REPS (100)
 * times, each from an exact-size copy: under `valgrind --tool=callgrind
 * --toggle-collect=rs_marshal_float` the count over the calls is the
 * instructions per text.
 * (`make bench-float` builds and runs it.) */
#include <rsess.h>

#include "float.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    size_t n;
    double *d;
    char *text; /* n slots of RSESS_FLOAT_TEXT_MAX bytes, NUL-terminated */
    size_t *len;
} set;

static volatile uint64_t sink;

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void make_set(set *s, size_t n, bool scores)
{
    uint64_t state = scores ? 2 : 1;
    s->n = n;
    s->d = malloc(n * sizeof *s->d);
    s->text = malloc(n * RSESS_FLOAT_TEXT_MAX);
    s->len = malloc(n * sizeof *s->len);
    if (!s->d || !s->text || !s->len) abort();
    for (size_t i = 0; i < n; i++) {
        double d;
        do {
            uint64_t b = splitmix(&state);
            if (scores) d = (double)(b >> 11) / 9007199254740992.0 * 1000;
            else memcpy(&d, &b, sizeof d);
        } while (!isfinite(d));
        s->d[i] = d;
        char *t = s->text + i * RSESS_FLOAT_TEXT_MAX;
        s->len[i] = rsess_float_marshal_text(d, t);
        t[s->len[i]] = 0;
    }
}

static void run(const char *mode, const set *s)
{
    char buf[RSESS_FLOAT_TEXT_MAX];
    uint64_t acc = 0;
    if (!strcmp(mode, "print")) {
        for (size_t i = 0; i < s->n; i++) acc += rsess_float_marshal_text(s->d[i], buf) + (uint8_t)buf[0];
    } else if (!strcmp(mode, "to_s")) {
        for (size_t i = 0; i < s->n; i++) acc += rsess_float_ruby_text(s->d[i], buf) + (uint8_t)buf[0];
    } else if (!strcmp(mode, "parse")) {
        for (size_t i = 0; i < s->n; i++) {
            double d;
            if (!rs_float_parse(s->text + i * RSESS_FLOAT_TEXT_MAX, s->len[i], &d) || d != s->d[i]) abort();
            acc += (uint64_t)d;
        }
    } else if (!strcmp(mode, "strtod")) {
        for (size_t i = 0; i < s->n; i++) {
            double d = strtod(s->text + i * RSESS_FLOAT_TEXT_MAX, NULL);
            if (d != s->d[i]) abort();
            acc += (uint64_t)d;
        }
    } else if (strcmp(mode, "setup")) {
        fprintf(stderr, "float-bench: unknown mode %s\n", mode);
        exit(2);
    }
    sink += acc;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* texts FILE [REPS]: see the top */
static int run_texts(const char *file, long reps)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        perror(file);
        return 1;
    }
    char *line = NULL;
    size_t n = 0, cap = 0, linecap = 0;
    char **texts = NULL;
    size_t *lens = NULL;
    ssize_t got;
    while ((got = getline(&line, &linecap, f)) > 0) { /* NULs kept: Ruby 1.8's texts */
        size_t len = (size_t)got - (line[got - 1] == '\n');
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            texts = realloc(texts, cap * sizeof *texts);
            lens = realloc(lens, cap * sizeof *lens);
            if (!texts || !lens) abort();
        }
        texts[n] = malloc(len ? len : 1);
        if (!texts[n]) abort();
        memcpy(texts[n], line, len);
        lens[n++] = len;
    }
    free(line);
    fclose(f);
    uint64_t acc = 0;
    for (long r = 0; r < reps; r++)
        for (size_t i = 0; i < n; i++) {
            double d;
            bool raw;
            if (!rs_marshal_float(texts[i], lens[i], &d, &raw)) {
                fprintf(stderr, "float-bench: bad float text %.*s\n", (int)lens[i], texts[i]);
                return 1;
            }
            acc += (uint64_t)d;
        }
    sink += acc;
    printf("%zu texts, %ld times each\n", n, reps);
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts);
    free(lens);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "texts")) return run_texts(argv[2], argc > 3 ? strtol(argv[3], NULL, 10) : 100);
    size_t n = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 1000000;
    set sets[2];
    make_set(&sets[0], n, false);
    make_set(&sets[1], n, true);
    if (argc > 1) {
        const char *which = argc > 3 ? argv[3] : "both";
        if (strcmp(which, "scores")) run(argv[1], &sets[0]);
        if (strcmp(which, "random")) run(argv[1], &sets[1]);
        return 0;
    }
    static const char *const modes[] = {"print", "to_s", "parse", "strtod"};
    printf("%-8s %14s %14s   (ns per double, best of 5, %zu doubles)\n", "mode", "random bits", "rand*1000", n);
    for (size_t m = 0; m < 4; m++) {
        printf("%-8s", modes[m]);
        for (int k = 0; k < 2; k++) {
            double best = 1e30;
            for (int r = 0; r < 5; r++) {
                double t0 = now();
                run(modes[m], &sets[k]);
                double t = now() - t0;
                if (t < best) best = t;
            }
            printf(" %14.1f", best / (double)n * 1e9);
        }
        printf("\n");
    }
    return 0;
}
