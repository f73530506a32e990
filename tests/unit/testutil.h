/* Helpers shared by the Check suites: fixture files and allocator hooks. */
#ifndef RSESS_TESTUTIL_H
#define RSESS_TESTUTIL_H

#include <check.h>
#include <rsess.h>
#include <stddef.h>

#define FIXTURE_DIR "fixtures/marshal"

/* Reads a whole file (malloc'd); aborts the test if it cannot. */
unsigned char *read_file(const char *path, size_t *len);
/* Names (without .bin) of every Marshal fixture, sorted; NULL-terminated. */
char **fixture_names(size_t *count);
void free_names(char **names);
/* Reads fixtures/marshal/NAME.bin. */
unsigned char *read_fixture(const char *name, size_t *len);

/* Hex text to bytes (no checks: fixture text); returns the byte count. */
size_t tu_unhex(const char *h, size_t n, char *out);
/* Splits a line into tab-separated fields in place; returns their count. */
int tu_fields(char *line, char **f, int max);

/* A counting allocator that can fail the Nth allocation. */
typedef struct counting_alloc {
    long fail_at;   /* 1-based allocation number to fail; 0 never */
    long calls;     /* allocations attempted */
    long live;      /* blocks not yet freed */
    size_t bytes;   /* bytes live */
    long failed;    /* allocations refused */
} counting_alloc;
rsess_alloc counting_hooks(counting_alloc *c);
/* rsess_read (with RSESS_READ_* flags) through allocation hooks counting in c. */
rsess_doc *read_counting(const void *in, size_t len, unsigned flags, counting_alloc *c, rsess_err *err);

/* One call of an entry point for alloc_sweep: it sets up with the hooks a
 * (which count in c), calls alloc_arm(c, k) just before the call under
 * test, sets c->fail_at = 0 after it, frees all it made and returns the
 * call's code. */
typedef int (*alloc_call)(counting_alloc *c, const rsess_alloc *a, long k, void *ctx);
/* The kth allocation from now on fails. */
static inline void alloc_arm(counting_alloc *c, long k) { c->fail_at = c->calls + k; }
/* Runs call with k = 1, 2, ... until no allocation failed: each run where
 * one failed must return RSESS_ERR_NOMEM, the last one 0, and every run
 * give back every block and byte. Returns the number of failing runs. */
long alloc_sweep(const char *what, alloc_call call, void *ctx);

/* One suite per lib file: NAME_suite tests lib/NAME.c (test_NAME.c). */
Suite *marshal_read_suite(void);
Suite *marshal_write_suite(void);
Suite *doc_suite(void);
Suite *cursor_suite(void);
Suite *edit_suite(void);
Suite *entry_suite(void);
Suite *session_suite(void);
Suite *cluster_suite(void);
Suite *rbtypes_suite(void);
Suite *tzif_suite(void);
Suite *quoted_suite(void);
Suite *float_suite(void);
Suite *view_ruby_suite(void);
Suite *view_typed_suite(void);
Suite *view_json_suite(void);
Suite *unicode_print_suite(void);
Suite *explain_suite(void);
Suite *cookie_suite(void);
Suite *from_json_suite(void);
Suite *from_typed_suite(void);
Suite *print_suite(void);
Suite *buf_suite(void);
Suite *err_suite(void);
Suite *opts_suite(void);
Suite *walk_suite(void);
Suite *json_read_suite(void);
Suite *key_eql_suite(void);
/* Cross-cutting suites (see test_main.c). */
Suite *api_suite(void);
Suite *depth_suite(void);
Suite *ruby34_suite(void);
Suite *rubyspec_suite(void);
Suite *diff_repros_suite(void);
Suite *limits_suite(void);
Suite *faults_suite(void);

/* Fails the test unless `got` holds the bytes of fixtures/marshal/NAME.bin. */
void expect_fixture(const char *name, const rsess_buf *got);
/* The view of a value as rsess_print writes it (malloc'd). */
char *show_value(const rsess_val *v, rsess_view view);
/* The view of fixtures/marshal/NAME.bin as rsess_print writes it (malloc'd). */
char *print_fixture(const char *name, rsess_view view);

/* Two JSON texts equal as JSON values (objects by key, not order), both
 * read with rsess_from_json (test_from_json.c). */
#include <stdbool.h>
bool json_same(const char *a, size_t alen, const char *b, size_t blen);
/* Fails the Nth allocation of a JSON reader for every N until it succeeds:
 * each failure is RSESS_ERR_NOMEM and leaks nothing (test_from_json.c). */
typedef int (*json_reader)(const char *, size_t, const rsess_json_opts *, rsess_doc **, rsess_err *);
void json_alloc_sweep(json_reader read, const char *text);
/* Each kind (a JSON text) after N nulls in an Array, N = 0..39, with each of
 * the first allocations failing: NOMEM or the whole Array (test_from_json.c). */
void json_arena_sweep(json_reader read, const char *const *kinds, size_t nkinds);

#endif
