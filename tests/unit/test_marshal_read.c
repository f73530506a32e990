/* Marshal bytes -> document (lib/marshal_read.c) against bytes Ruby wrote:
 * every prefix, allocation failures, invalid inputs, cycles, limits. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t unhex(const char *hex, unsigned char *out)
{
    size_t n = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        sscanf(p, "%2x", &v);
        out[n++] = (unsigned char)v;
        p += 2;
    }
    return n;
}

/* Every proper prefix of every fixture fails cleanly as truncated data. */
START_TEST(every_prefix_fails)
{
    size_t count;
    char **names = fixture_names(&count);
    for (size_t i = 0; i < count; i++) {
        size_t len;
        unsigned char *data = read_fixture(names[i], &len);
        for (size_t n = 0; n < len; n++) {
            unsigned char *copy = malloc(n ? n : 1); /* exact size: valgrind/ASan see overreads */
            memcpy(copy, data, n);
            rsess_err err;
            rsess_doc *doc = rsess_read(copy, n, NULL, &err);
            ck_assert_msg(doc == NULL, "%s: prefix of %zu bytes parsed", names[i], n);
            ck_assert_msg(err.code == RSESS_ERR_TRUNCATED, "%s: prefix %zu: code %d (%s)", names[i], n, err.code,
                          err.text);
            ck_assert_msg(err.offset <= n, "%s: prefix %zu: offset %zu", names[i], n, err.offset);
            free(copy);
        }
        free(data);
    }
    free_names(names);
}
END_TEST

/* Failing each allocation in turn gives RSESS_ERR_NOMEM and leaks nothing. */
START_TEST(allocation_failures)
{
    size_t count;
    char **names = fixture_names(&count);
    for (size_t i = 0; i < count; i++) {
        size_t len;
        unsigned char *data = read_fixture(names[i], &len);
        counting_alloc probe = {0};
        rsess_alloc hooks = counting_hooks(&probe);
        rsess_read_opts opts = {0};
        opts.alloc = &hooks;
        rsess_doc *doc = rsess_read(data, len, &opts, NULL);
        ck_assert(doc != NULL);
        rsess_buf out;
        rsess_buf_init(&out, &hooks);
        ck_assert_int_eq(rsess_write(rsess_doc_root(doc), &out, NULL), 0);
        rsess_buf_free(&out);
        rsess_doc_free(doc);
        ck_assert_int_eq(probe.live, 0);
        long total = probe.calls;
        for (long k = 1; k <= total; k++) {
            counting_alloc c = {0};
            c.fail_at = k;
            rsess_alloc h = counting_hooks(&c);
            opts.alloc = &h;
            rsess_err err;
            rsess_doc *d = rsess_read(data, len, &opts, &err);
            if (d) { /* the failed allocation was in the writer */
                rsess_buf o;
                rsess_buf_init(&o, &h);
                int rc = rsess_write(rsess_doc_root(d), &o, &err);
                ck_assert_msg(rc == RSESS_ERR_NOMEM, "%s: alloc %ld: write gave %d", names[i], k, rc);
                ck_assert_uint_eq(o.len, 0);
                rsess_buf_free(&o);
                rsess_doc_free(d);
            } else {
                ck_assert_msg(err.code == RSESS_ERR_NOMEM, "%s: alloc %ld: code %d", names[i], k, err.code);
            }
            ck_assert_msg(c.live == 0, "%s: alloc %ld failed: %ld blocks leaked", names[i], k, c.live);
        }
        free(data);
    }
    free_names(names);
}
END_TEST

typedef struct bad_case {
    const char *hex;
    int code;
    size_t offset;
} bad_case;

static const bad_case bad_cases[] = {
    {"", RSESS_ERR_TRUNCATED, 0},
    {"04", RSESS_ERR_TRUNCATED, 1},
    {"04 09 30", RSESS_ERR_VERSION, 0},
    {"03 08 30", RSESS_ERR_VERSION, 0},
    {"04 08", RSESS_ERR_TRUNCATED, 2},
    {"04 08 7a", RSESS_ERR_TYPE, 2},
    {"04 08 5b 04 00 00 00 40", RSESS_ERR_TRUNCATED, 2},             /* array of 2^30, nothing there */
    {"04 08 7b 04 00 00 00 40", RSESS_ERR_TRUNCATED, 2},             /* hash of 2^30 */
    {"04 08 22 04 ff ff ff 7f 61 61 61 61 61 61 61 61 61 61", RSESS_ERR_TRUNCATED, 2}, /* 2^31-1 bytes, 10 there */
    {"04 08 6c 2b 04 ff ff ff 7f 00 00", RSESS_ERR_TRUNCATED, 2},    /* huge bignum */
    {"04 08 3b 00", RSESS_ERR_SYMLINK, 2},
    {"04 08 3b 7f", RSESS_ERR_SYMLINK, 2},
    {"04 08 40 00", RSESS_ERR_LINK, 2},
    {"04 08 5b 06 40 06", RSESS_ERR_LINK, 4},                        /* link forward */
    {"04 08 5b 06 40 fa", RSESS_ERR_LINK, 4},                        /* negative link */
    {"04 08 30 30", RSESS_ERR_TRAILING, 3},
    {"04 08 5b fa", RSESS_ERR_FORMAT, 2},                            /* count -1 */
    {"04 08 22 fa", RSESS_ERR_FORMAT, 2},                            /* length -1 */
    {"04 08 66 06 78", RSESS_ERR_FLOAT, 2},
    {"04 08 66 08 30 78 31", RSESS_ERR_FLOAT, 2},                    /* "0x1" */
    {"04 08 66 00", RSESS_ERR_FLOAT, 2},                             /* empty float text */
    {"04 08 49 30 00", RSESS_ERR_FORMAT, 2},                         /* ivars on nil */
    {"04 08 49 69 06 00", RSESS_ERR_FORMAT, 2},                      /* ivars on a fixnum */
    {"04 08 49 3b 00", RSESS_ERR_FORMAT, 2},                         /* symlink with ivars */
    {"04 08 5b 06 49 40 00 00", RSESS_ERR_FORMAT, 4},                /* ivars on a link */
    {"04 08 49 22 06 61 06 3a 06 45 69 06", RSESS_ERR_ENCODING, 7},  /* E = 1 */
    {"04 08 49 5b 00 06 3a 06 45 54", RSESS_ERR_ENCODING, 6},        /* E on an Array */
    {"04 08 49 22 00 07 3a 06 45 54 3b 00 54", RSESS_ERR_ENCODING, 10}, /* two encodings */
    {"04 08 49 22 00 06 3a 0d 65 6e 63 6f 64 69 6e 67 69 06", RSESS_ERR_ENCODING, 6}, /* encoding = 1 */
    {"04 08 49 75 3a 06 41 06 61 06 3a 07 40 61 40 00", RSESS_ERR_LINK, 14}, /* link into a _dump being built */
    {"04 08 43 3a 06 41 69 06", RSESS_ERR_FORMAT, 2},                /* user class on a fixnum */
    {"04 08 65 3a 06 4d 30", RSESS_ERR_FORMAT, 2},                   /* extended nil */
    {"04 08 6f 69 06 00", RSESS_ERR_FORMAT, 3},                      /* class name not a symbol */
    {"04 08 49 3a 06 61 06 3a 07 40 61 30", RSESS_ERR_FORMAT, 7},    /* symbol with a real ivar */
    {"04 08 5b 01", RSESS_ERR_TRUNCATED, 3},                         /* long cut short */
    {"04 08 5b 06 01", RSESS_ERR_TYPE, 4},
};

START_TEST(invalid_inputs)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        unsigned char buf[64];
        size_t n = unhex(bad_cases[i].hex, buf);
        unsigned char *copy = malloc(n ? n : 1);
        memcpy(copy, buf, n);
        rsess_err err;
        rsess_doc *doc = rsess_read(copy, n, NULL, &err);
        ck_assert_msg(doc == NULL, "case %zu (%s) parsed", i, bad_cases[i].hex);
        ck_assert_msg((int)err.code == bad_cases[i].code, "case %zu (%s): code %d, want %d (%s)", i, bad_cases[i].hex,
                      err.code, bad_cases[i].code, err.text);
        ck_assert_msg(err.offset == bad_cases[i].offset, "case %zu (%s): offset %zu, want %zu (%s)", i,
                      bad_cases[i].hex, err.offset, bad_cases[i].offset, err.text);
        ck_assert(err.text[0] != 0);
        free(copy);
    }
}
END_TEST

START_TEST(legal_cycles)
{
    unsigned char buf[32];
    size_t n = unhex("04 08 5b 06 40 00", buf); /* a = [a] */
    rsess_doc *doc = rsess_read(buf, n, NULL, NULL);
    ck_assert(doc != NULL);
    rsess_val *root = rsess_doc_root(doc);
    ck_assert_ptr_eq(rsess_arr_get(root, 0), root);
    /* identity: the same node by every path, and marked as a link target */
    ck_assert_uint_eq(rsess_node_id(rsess_arr_get(root, 0)), rsess_node_id(root));
    ck_assert_uint_ge(rsess_node_id(root), 1);
    ck_assert_uint_le(rsess_node_id(root), rsess_doc_node_count(doc));
    ck_assert(rsess_is_linked(root));
    ck_assert_uint_eq(rsess_node_id(NULL), 0);
    rsess_doc_free(doc);
    /* [s, s] with s shared, [x, y] with equal bytes but two objects */
    n = unhex("04 08 5b 07 22 06 61 40 06", buf);
    doc = rsess_read(buf, n, NULL, NULL);
    root = rsess_doc_root(doc);
    ck_assert_uint_eq(rsess_node_id(rsess_arr_get(root, 0)), rsess_node_id(rsess_arr_get(root, 1)));
    ck_assert(rsess_is_linked(rsess_arr_get(root, 0)));
    ck_assert(!rsess_is_linked(root));
    rsess_doc_free(doc);
    n = unhex("04 08 5b 07 22 06 61 22 06 61", buf);
    doc = rsess_read(buf, n, NULL, NULL);
    root = rsess_doc_root(doc);
    ck_assert_uint_ne(rsess_node_id(rsess_arr_get(root, 0)), rsess_node_id(rsess_arr_get(root, 1)));
    ck_assert(!rsess_is_linked(rsess_arr_get(root, 0)));
    rsess_doc_free(doc);
}
END_TEST

START_TEST(deep_nesting_refused)
{
    size_t depth = 200000, n = 2 + depth * 2 + 1;
    unsigned char *p = malloc(n);
    p[0] = 4;
    p[1] = 8;
    for (size_t i = 0; i < depth; i++) p[2 + 2 * i] = '[', p[3 + 2 * i] = 6;
    p[n - 1] = '0';
    rsess_err err;
    ck_assert(rsess_read(p, n, NULL, &err) == NULL);
    ck_assert_int_eq(err.code, RSESS_ERR_DEPTH);
    /* within a raised limit the same shape parses (and writes back) */
    rsess_read_opts opts = {0};
    opts.limits.max_depth = 2000;
    size_t small = 2 + 1000 * 2 + 1;
    p[small - 1] = '0';
    rsess_doc *doc = rsess_read(p, small, &opts, &err);
    ck_assert_msg(doc != NULL, "%s", err.text);
    rsess_buf out = {0};
    ck_assert_int_eq(rsess_write(rsess_doc_root(doc), &out, NULL), 0);
    ck_assert(out.len == small && memcmp(out.data, p, small) == 0);
    rsess_buf_free(&out);
    rsess_doc_free(doc);
    free(p);
}
END_TEST

START_TEST(limits_nodes_and_size)
{
    size_t len;
    unsigned char *data = read_fixture("session_typical", &len);
    rsess_read_opts opts = {0};
    rsess_err err;
    opts.limits.max_nodes = 5;
    ck_assert(rsess_read(data, len, &opts, &err) == NULL);
    ck_assert_int_eq(err.code, RSESS_ERR_NODES);
    opts.limits.max_nodes = 0;
    opts.limits.max_input = len - 1;
    ck_assert(rsess_read(data, len, &opts, &err) == NULL);
    ck_assert_int_eq(err.code, RSESS_ERR_SIZE);
    opts.limits.max_input = len;
    rsess_doc *doc = rsess_read(data, len, &opts, &err);
    ck_assert(doc != NULL);
    rsess_doc_free(doc);
    free(data);
}
END_TEST

START_TEST(trailing_allowed_on_request)
{
    unsigned char buf[] = {4, 8, 'i', 6, '\n'};
    rsess_read_opts opts = {0};
    opts.flags = RSESS_READ_ALLOW_TRAILING;
    rsess_doc *doc = rsess_read(buf, sizeof buf, &opts, NULL);
    ck_assert(doc != NULL);
    ck_assert_uint_eq(rsess_doc_consumed(doc), 4);
    int64_t i;
    ck_assert(rsess_int(rsess_doc_root(doc), &i) && i == 1);
    rsess_doc_free(doc);
}
END_TEST

/* Inputs of every size class (the object tables are sized from the input
 * length past 2 KiB) give back every byte, copied or borrowed, and read
 * back to Ruby's bytes (the bench payloads are Ruby 3.1's Marshal.dump). */
START_TEST(every_size_gives_back_its_memory)
{
    const char *names[] = {"hello", "typical", "cart", "strings", "many_hashes", "records"};
    for (int i = 0; i < 6; i++) {
        char path[128];
        size_t len;
        snprintf(path, sizeof path, "../bench/payloads/%s.bin", names[i]);
        unsigned char *data = read_file(path, &len);
        ck_assert_msg(data != NULL, "%s", path);
        for (int borrow = 0; borrow < 2; borrow++) {
            counting_alloc c = {0};
            rsess_doc *d = read_counting(data, len, borrow ? RSESS_READ_BORROW : 0, &c, NULL);
            ck_assert_msg(d != NULL, "%s", path);
            rsess_buf out = {0};
            ck_assert_int_eq(rsess_write(rsess_doc_root(d), &out, NULL), 0);
            ck_assert_msg(out.len == len && memcmp(out.data, data, len) == 0, "%s: not Ruby's bytes", path);
            rsess_buf_free(&out);
            rsess_doc_free(d);
            ck_assert_msg(c.live == 0 && c.bytes == 0, "%s%s: %ld blocks (%zu bytes) kept", path,
                          borrow ? " borrowed" : "", c.live, c.bytes);
        }
        free(data);
    }
}
END_TEST

/* --- tests written for make coverage (issue #18) ---------------------- */
START_TEST(read_refusals)
{
    rsess_err err;
    ck_assert_ptr_null(rsess_read(NULL, 3, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_ARG);
    rsess_read_opts o;
    rsess_read_opts_init(&o);
    o.limits.max_input = 3;
    ck_assert_ptr_null(rsess_read("\x04\x08[\x00", 4, &o, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_SIZE);
    ck_assert_ptr_null(rsess_read("", 0, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_TRUNCATED);
    ck_assert_uint_eq(err.offset, 0);
    ck_assert_ptr_null(rsess_read("\x04", 1, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_TRUNCATED);
    ck_assert_uint_eq(err.offset, 1);
    ck_assert_ptr_null(rsess_read("\x03\x08" "0", 3, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_VERSION);
    ck_assert_ptr_null(rsess_read("\x04\x08" "00", 4, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_TRAILING);
    ck_assert_uint_eq(err.offset, 3);
}
END_TEST

static char *ruby_text(const rsess_val *v)
{
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    ck_assert_int_eq(rsess_print(v, RSESS_VIEW_RUBY, 0, &b, NULL), 0);
    char *s = strndup((const char *)b.data, b.len);
    rsess_buf_free(&b);
    return s;
}

START_TEST(read_alloc_failures_at_every_arena_offset)
{
    /* fixtures without object links ('@'): wrapping shifts object indexes */
    static const char *const names[] = {"userdef", "userdef_utf8", "regexp_opts", "extended_twice", "hash_default",
                                        "hash_default_string", "user_hash", "user_string", "struct", "ivar_string",
                                        "string_sjis", "symbol_sjis", "usermarshal", "tdata", "float", "bignum",
                                        "array_ivar", "hash_identity", "object", "old_module", "class"};
    long nomem = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t flen;
        unsigned char *f = read_fixture(names[i], &flen);
        rsess_doc *alone = rsess_read(f, flen, NULL, NULL);
        ck_assert_ptr_nonnull(alone);
        char *want = ruby_text(rsess_doc_root(alone));
        rsess_doc_free(alone);
        for (int pad = 0; pad < 60; pad += 3) {
            /* 04 08 [ <pad+1> ([ 00) x pad <the fixture's value> */
            size_t n = 0;
            unsigned char *in = malloc(flen + 2 * (size_t)pad + 8);
            in[n++] = 4, in[n++] = 8, in[n++] = '[', in[n++] = (unsigned char)(pad + 1 + 5);
            for (int k = 0; k < pad; k++) in[n++] = '[', in[n++] = 0;
            memcpy(in + n, f + 2, flen - 2);
            n += flen - 2;
            for (long k = 1; k < 8; k++) {
                counting_alloc c = {.fail_at = k};
                rsess_err err;
                rsess_doc *doc = read_counting(in, n, 0, &c, &err);
                if (!doc) {
                    ck_assert_msg(err.code == RSESS_ERR_NOMEM, "%s pad %d, allocation %ld: %d %s", names[i], pad, k,
                                  err.code, err.text);
                    nomem++;
                } else {
                    rsess_val *root = rsess_doc_root(doc);
                    ck_assert_uint_eq(rsess_len(root), (size_t)pad + 1);
                    char *got = ruby_text(rsess_arr_get(root, (size_t)pad));
                    ck_assert_msg(!strcmp(got, want), "%s pad %d: %s, alone %s", names[i], pad, got, want);
                    free(got);
                }
                rsess_doc_free(doc);
                ck_assert_int_eq(c.live, 0);
                if (c.calls < k) break;
            }
            free(in);
        }
        free(want);
        free(f);
    }
    ck_assert_int_gt(nomem, 100);
}
END_TEST

/* The walker's own tables under allocation failure: 40 nested Arrays (past
 * the frames kept on the stack), 300 Symbols and 300 Strings (past the
 * first symbol and object tables), read in full, by the cursor (which also
 * records where objects start) and by explain. */
START_TEST(walker_tables_under_allocation_failure)
{
    unsigned char *in = malloc(20000);
    size_t n = 0;
    in[n++] = 4, in[n++] = 8;
    for (int i = 0; i < 40; i++) in[n++] = '[', in[n++] = 6;
    in[n++] = '[', in[n++] = 2, in[n++] = 0x58, in[n++] = 2; /* 600 items: w_long 02 58 02 */
    for (int i = 0; i < 300; i++) n += (size_t)sprintf((char *)in + n, ":\x0as%04d", i);
    for (int i = 0; i < 300; i++) n += (size_t)sprintf((char *)in + n, "\"\x0at%04d", i);
    rsess_err err;
    rsess_doc *plain = rsess_read(in, n, NULL, &err);
    ck_assert_msg(plain != NULL, "%s", err.text);
    rsess_doc_free(plain);
    long fails[3] = {0, 0, 0};
    for (int who = 0; who < 3; who++)
        for (long k = 1; k < 200; k++) {
            counting_alloc c = {.fail_at = k};
            rsess_alloc hooks = counting_hooks(&c);
            rsess_read_opts o;
            rsess_read_opts_init(&o);
            o.alloc = &hooks;
            int rc;
            if (who == 0) {
                rsess_doc *d = rsess_read(in, n, &o, &err);
                rc = d ? 0 : err.code;
                rsess_doc_free(d);
            } else if (who == 1) {
                rsess_cursor *cu = rsess_cursor_new(in, n, &o, &err);
                rsess_val *v = cu ? rsess_cursor_read(cu, &err) : NULL;
                rc = v ? 0 : err.code;
                rsess_cursor_free(cu);
            } else {
                rsess_buf b;
                rsess_buf_init(&b, &hooks);
                rc = rsess_explain(in, n, 0, NULL, &b, &err);
                rsess_buf_free(&b);
            }
            ck_assert_msg(rc == 0 || rc == RSESS_ERR_NOMEM, "reader %d, allocation %ld: %d %s", who, k, rc, err.text);
            if (rc) fails[who]++;
            ck_assert_int_eq(c.live, 0);
            if (c.calls < k) break;
        }
    ck_assert(fails[0] > 2 && fails[1] > 2 && fails[2] > 2);
    free(in);
}
END_TEST

/* Copying, the bytes values show are noted in the order their values are
 * built, which is not always the input's: a Time's _dump bytes (u) come
 * before its zone ivar but are noted after it. Ruby's bytes (Marshal.dump
 * of an ActiveSupport::TimeWithZone value that tests/diff/diff.rb made with
 * seed 43, where a copy pass that took the spans to be in order wrote past
 * its block) read, the input overwritten, and written back. */
/* Allocation hooks that put 16 guard bytes after every block and count
 * the blocks whose guard was overwritten when they are freed. */
static void *guard_malloc(void *ctx, size_t n)
{
    (void)ctx;
    unsigned char *p = malloc(n + 16);
    if (p) memset(p + n, 0xa5, 16);
    return p;
}
static void guard_free(void *ctx, void *p, size_t n)
{
    if (!p) return;
    for (size_t i = 0; i < 16; i++)
        if (((unsigned char *)p)[n + i] != 0xa5) {
            ++*(int *)ctx;
            break;
        }
    free(p);
}
static void *guard_realloc(void *ctx, void *p, size_t old, size_t n)
{
    unsigned char *q = guard_malloc(ctx, n);
    if (q && p) memcpy(q, p, old < n ? old : n);
    if (q) guard_free(ctx, p, old);
    return q;
}

/* Reads in0 copying, through a guard allocator, wipes the input and
 * writes the document: Ruby's bytes again. The arena sizes of the copying
 * and the borrowed reads. */
static void check_copy(const unsigned char *in0, size_t len, size_t *copied_arena, size_t *borrowed_arena)
{
    int overruns = 0;
    rsess_alloc guard = {guard_malloc, guard_realloc, guard_free, &overruns};
    unsigned char *in = malloc(len);
    ck_assert_ptr_nonnull(in);
    memcpy(in, in0, len);
    rsess_read_opts o;
    rsess_read_opts_init(&o);
    o.alloc = &guard;
    rsess_err err;
    rsess_doc *d = rsess_read(in, len, &o, &err);
    ck_assert_msg(d != NULL, "%s", err.text);
    memset(in, 0xee, len); /* the document must not point into it */
    rsess_buf out = {0};
    ck_assert_int_eq(rsess_write(rsess_doc_root(d), &out, NULL), 0);
    ck_assert_uint_eq(out.len, len);
    ck_assert(memcmp(out.data, in0, len) == 0);
    rsess_buf_free(&out);
    *copied_arena = rsess_doc_arena_size(d);
    rsess_doc_free(d);
    ck_assert_int_eq(overruns, 0);
    o.flags |= RSESS_READ_BORROW;
    ck_assert_ptr_nonnull(d = rsess_read(in0, len, &o, NULL));
    *borrowed_arena = rsess_doc_arena_size(d);
    rsess_doc_free(d);
    free(in);
}

START_TEST(copy_spans_out_of_order)
{
    static const char hex[] =
        "04085b077b0849220963617274063a064554553a20416374697665537570706f72743a3a54696d65576974685a6f6e65"
        "5b0849753a0954696d650df05928c0682ad4a1063a097a6f6e65492208555443063b00464922124575726f70652f4265"
        "726c696e063b005449753b070df25928c0682ad4a1063b08400a4922105f637372665f746f6b656e063b005466163332"
        "31363233303937323431362e3234363a0a7468656d65553a09446174655b0b69006903d91b05690069006900660c3232"
        "3939313631492f0a636166c3a910063b0054";
    size_t len = (sizeof hex - 1) / 2;
    unsigned char *in = malloc(len);
    ck_assert_ptr_nonnull(in);
    for (size_t i = 0; i < len; i++) {
        unsigned v;
        ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        in[i] = (unsigned char)v;
    }
    size_t copied, borrowed;
    check_copy(in, len, &copied, &borrowed);
    free(in);
}
END_TEST

/* Copying, each run of kept bytes is copied by its length's way (two
 * overlapping words from 4 to 16 bytes, a byte loop below, memcpy above):
 * Strings of 1 to 40 bytes, each run alone (20 falses between them, more
 * than the gap that joins runs), and again a few framing bytes apart (one
 * run of them all), written back byte for byte. (The bytes are what Ruby
 * 3.1's Marshal.dump writes for these Arrays of binary Strings and Arrays
 * of falses: compared when the test was written.) */
START_TEST(copy_runs_of_every_length)
{
    enum { MAXLEN = 40 };
    for (int apart = 0; apart < 2; apart++) {
        unsigned char in[4 + MAXLEN * (2 + 20 + 2 + MAXLEN)], *q = in;
        *q++ = 4, *q++ = 8, *q++ = '[', *q++ = (unsigned char)(5 + MAXLEN * (apart ? 2 : 1));
        for (int n = 1; n <= MAXLEN; n++) {
            if (apart) *q++ = '[', *q++ = 5 + 20, memset(q, 'F', 20), q += 20;
            *q++ = '"', *q++ = (unsigned char)(5 + n);
            for (int i = 0; i < n; i++) *q++ = (unsigned char)('a' + (n * 7 + i) % 26);
        }
        size_t copied, borrowed;
        check_copy(in, (size_t)(q - in), &copied, &borrowed);
    }
}
END_TEST

/* Marshal of an Array of n items, each the bytes item (n < 65536). */
static unsigned char *array_of(size_t n, const char *item, size_t itemlen, const char *first, size_t firstlen,
                               size_t nfirst, size_t *len)
{
    size_t cap = 8 + nfirst * firstlen + n * itemlen;
    unsigned char *p = malloc(cap), *q = p;
    ck_assert_ptr_nonnull(p);
    *q++ = 4, *q++ = 8, *q++ = '[', *q++ = 2;
    *q++ = (unsigned char)((n + nfirst) & 0xff), *q++ = (unsigned char)((n + nfirst) >> 8);
    for (size_t i = 0; i < nfirst; i++, q += firstlen) memcpy(q, first, firstlen);
    for (size_t i = 0; i < n; i++, q += itemlen) memcpy(q, item, itemlen);
    *len = (size_t)(q - p);
    return p;
}

/* Copying, values whose bytes fill nearly all of the input (long Strings
 * a few framing bytes apart) are copied as one span: the document holds
 * them whole after the input is gone, and the arena holds no more than the
 * borrowed read's plus the input. Long Strings after 400 falses each are
 * copied one by one: the arena holds less than the input over again.
 * (The test of both copies is check_copy's: Ruby's bytes written back.) */
START_TEST(copy_dense_strings_as_one_span)
{
    enum { N = 300, SLEN = 1000 }; /* N + 1 >= 256: array_of's 2-byte count is the canonical form */
    unsigned char first[5 + SLEN + 5], item[5 + SLEN + 4];
    memcpy(first, "I\"\x02\xe8\x03", 5); /* a 1000-byte UTF-8 String; the first names :E */
    memcpy(item, "I\"\x02\xe8\x03", 5);
    for (size_t i = 0; i < SLEN; i++) first[5 + i] = (unsigned char)('a' + i % 26), item[5 + i] = (unsigned char)('A' + i % 23);
    memcpy(first + 5 + SLEN, "\x06:\x06" "ET", 5);
    memcpy(item + 5 + SLEN, "\x06;\x00T", 4);
    size_t len, copied, borrowed;
    unsigned char *in = array_of(N, (const char *)item, sizeof item, (const char *)first, sizeof first, 1, &len);
    in[6 + 5] = 'Z'; /* (after the Array's 6 bytes and the String's 5) a byte that differs from the others */
    check_copy(in, len, &copied, &borrowed);
    ck_assert_uint_le(copied, borrowed + len + 64);
    free(in);
    /* the same Strings, each after 400 Integers (one input byte each, no bytes kept) */
    size_t ilen = 404 + sizeof item, total;
    unsigned char *sparse_item = malloc(ilen);
    ck_assert_ptr_nonnull(sparse_item);
    memcpy(sparse_item, "[\x02\x90\x01", 4); /* an Array of 400 ... */
    memset(sparse_item + 4, 'F', 400);            /* ... falses, then the String */
    memcpy(sparse_item + 404, item, sizeof item);
    in = array_of(N, (const char *)sparse_item, ilen, (const char *)first, sizeof first, 1, &total);
    in[4] = (unsigned char)((2 * N + 1) & 0xff), in[5] = (unsigned char)((2 * N + 1) >> 8); /* two values an item */
    check_copy(in, total, &copied, &borrowed);
    ck_assert_uint_lt(copied, borrowed + (N + 1) * (SLEN + 64));
    ck_assert_uint_lt(copied, borrowed + total - 400 * N / 2); /* not the span: the falses stay behind */
    free(sparse_item);
    free(in);
}
END_TEST

/* The arena follows the value: a large Array of records is held in few
 * chunks with little unused (the read guesses the rest from the root's
 * progress), in both modes; and costly first items followed by cheap ones
 * make it hold no more than a bounded multiple of the input. */
START_TEST(arena_follows_the_value)
{
    size_t len;
    /* {"k" => 1, 2 => nil}: a String, a fixnum, an immediate pair */
    unsigned char *in = array_of(60000, "{\x07\"\x06ki\x06i\x07" "0", 10, NULL, 0, 0, &len);
    for (int borrow = 0; borrow < 2; borrow++) {
        rsess_read_opts o;
        rsess_read_opts_init(&o);
        if (borrow) o.flags = RSESS_READ_BORROW;
        rsess_err err;
        rsess_doc *d = rsess_read(in, len, &o, &err);
        ck_assert_msg(d != NULL, "%s", err.text);
        ck_assert_uint_eq(rsess_len(rsess_doc_root(d)), 60000);
        size_t size = rsess_doc_arena_size(d), unused = rsess_doc_arena_unused(d);
        ck_assert_msg(unused * 4 <= size, "borrow %d: %zu of %zu bytes unused", borrow, unused, size);
        ck_assert_msg(size <= 14 * len, "borrow %d: %zu bytes for %zu", borrow, size, len);
        rsess_doc_free(d);
    }
    free(in);
    /* 200 Arrays of 100 empty Strings, then nils */
    char costly[2 + 2 * 100];
    costly[0] = '[', costly[1] = 0x69; /* 100 */
    for (int i = 0; i < 100; i++) memcpy(costly + 2 + 2 * i, "\"\x00", 2);
    in = array_of(60000, "0", 1, costly, sizeof costly, 200, &len);
    rsess_err err;
    rsess_doc *d = rsess_read(in, len, NULL, &err);
    ck_assert_msg(d != NULL, "%s", err.text);
    size_t size = rsess_doc_arena_size(d);
    ck_assert_msg(size <= 24 * len, "%zu bytes for %zu", size, len);
    rsess_doc_free(d);
    free(in);
}
END_TEST

static void *count_malloc(void *ctx, size_t n)
{
    ++*(int *)ctx;
    return malloc(n);
}
static void *count_realloc(void *ctx, void *p, size_t old, size_t n)
{
    (void)old;
    ++*(int *)ctx;
    return realloc(p, n);
}
static void count_free(void *ctx, void *p, size_t n)
{
    (void)ctx, (void)n;
    free(p);
}

/* The tiniest values (an empty Hash or Array, an Object of no ivars,
 * true) are read into the document's one block: one allocation, copying
 * or borrowed. */
START_TEST(tiny_values_take_one_block)
{
    static const struct { const char *bytes; size_t len; } in[] = {
        {"\x04\x08{\x00", 4}, {"\x04\x08[\x00", 4}, {"\x04\x08o:\x06" "A\x00", 7}, {"\x04\x08T", 3},
        {"\x04\x08[\x06i\x06", 6}, {"\x04\x08{\x06\"\x06" "ai\x06", 9}};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        for (int borrow = 0; borrow < 2; borrow++) {
            int calls = 0;
            rsess_alloc counter = {count_malloc, count_realloc, count_free, &calls};
            rsess_read_opts o;
            rsess_read_opts_init(&o);
            o.alloc = &counter;
            if (borrow) o.flags = RSESS_READ_BORROW;
            rsess_err err;
            rsess_doc *d = rsess_read(in[i].bytes, in[i].len, &o, &err);
            ck_assert_msg(d != NULL, "value %zu: %s", i, err.text);
            ck_assert_msg(calls == 1, "value %zu, borrow %d: %d allocations", i, borrow, calls);
            rsess_doc_free(d);
        }
}
END_TEST

static void add_coverage_tests(Suite *s)
{
    TCase *t = tcase_create("marshal_read coverage");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, read_refusals);
    tcase_add_test(t, read_alloc_failures_at_every_arena_offset);
    tcase_add_test(t, walker_tables_under_allocation_failure);
    suite_add_tcase(s, t);
}


Suite *marshal_read_suite(void)
{
    Suite *s = suite_create("marshal_read");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, every_prefix_fails);
    tcase_add_test(t, allocation_failures);
    tcase_add_test(t, every_size_gives_back_its_memory);
    tcase_add_test(t, invalid_inputs);
    tcase_add_test(t, legal_cycles);
    tcase_add_test(t, deep_nesting_refused);
    tcase_add_test(t, limits_nodes_and_size);
    tcase_add_test(t, trailing_allowed_on_request);
    tcase_add_test(t, arena_follows_the_value);
    tcase_add_test(t, tiny_values_take_one_block);
    tcase_add_test(t, copy_runs_of_every_length);
    tcase_add_test(t, copy_spans_out_of_order);
    tcase_add_test(t, copy_dense_strings_as_one_span);
    suite_add_tcase(s, t);
    add_coverage_tests(s);
    return s;
}
