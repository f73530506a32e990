/* The base layer on its own: built from lib/alloc.c, lib/buf.c, lib/err.c,
 * lib/map.c, lib/version.c and lib/text.c only, with RSESS_BASE_ONLY (the
 * node model's names poisoned, lib/internal.h refused), linked with nothing
 * else of lib/ (make check-base). That it compiles and links is half the
 * test; the checks below are the other half. */
#include "text.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

/* An allocator that counts and can fail the Nth call. */
typedef struct counter {
    long fail_at, calls, live;
} counter;

static void *c_malloc(void *ctx, size_t n)
{
    counter *c = ctx;
    if (++c->calls == c->fail_at) return NULL;
    void *p = malloc(n);
    if (p) c->live++;
    return p;
}
static void *c_realloc(void *ctx, void *p, size_t old, size_t n)
{
    counter *c = ctx;
    (void)old;
    if (++c->calls == c->fail_at) return NULL;
    if (!p) c->live++;
    return realloc(p, n);
}
static void c_free(void *ctx, void *p, size_t n)
{
    counter *c = ctx;
    (void)n;
    c->live--;
    free(p);
}

START_TEST(arena_and_heap_arrays)
{
    counter c = {0, 0, 0};
    rsess_alloc a = {c_malloc, c_realloc, c_free, &c};
    rs_arena ar = {&a, NULL, NULL, NULL, 0};
    char *first = rs_arena_alloc(&ar, 3);
    ck_assert_ptr_nonnull(first);
    ck_assert_uint_eq((uintptr_t)first % 8, 0);
    char *second = rs_arena_alloc(&ar, 5); /* rounded to 8: right after the first */
    ck_assert_ptr_eq(second, first + 8);
    char *big = rs_arena_alloc(&ar, 100000); /* larger than a chunk: a chunk of its own */
    ck_assert_ptr_nonnull(big);
    memset(big, 1, 100000);
    ck_assert_int_eq(c.live, 2);
    rs_arena_free(&ar);
    ck_assert_int_eq(c.live, 0);
    ck_assert_ptr_null(ar.head);

    int *v = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < 100; i++) {
        ck_assert_int_eq(rs_vec_room(&a, (void **)&v, i, &cap, sizeof *v, 4), 0);
        ck_assert_uint_gt(cap, i);
        v[i] = (int)i;
    }
    ck_assert_uint_eq(cap, 128); /* 4 doubled five times */
    for (int i = 0; i < 100; i++) ck_assert_int_eq(v[i], i);
    rs_free(&a, v, cap * sizeof *v);
    ck_assert_int_eq(c.live, 0);
    /* a failed growth leaves the array as it was */
    c.fail_at = c.calls + 1;
    v = NULL, cap = 0;
    ck_assert_int_eq(rs_vec_room(&a, (void **)&v, 0, &cap, sizeof *v, 4), RSESS_ERR_NOMEM);
    ck_assert_ptr_null(v);
    ck_assert_uint_eq(cap, 0);
    /* a size that would overflow is refused before any allocation */
    size_t huge_cap = SIZE_MAX / 16 + 1;
    long calls = c.calls;
    ck_assert_int_eq(rs_vec_room(&a, (void **)&v, huge_cap, &huge_cap, 16, 4), RSESS_ERR_NOMEM);
    ck_assert_int_eq(c.calls, calls);
}
END_TEST

START_TEST(buffers)
{
    counter c = {0, 0, 0};
    rsess_alloc a = {c_malloc, c_realloc, c_free, &c};
    rsess_buf b;
    rsess_buf_init(&b, &a);
    ck_assert_int_eq(rs_buf_puts(&b, "ab"), 0);
    ck_assert_int_eq(rs_buf_putc(&b, 'c'), 0);
    ck_assert_int_eq(rs_buf_printf(&b, "-%d-%s", 42, "x"), 0);
    ck_assert_uint_eq(b.len, 8);
    ck_assert_mem_eq(b.data, "abc-42-x", 8);
    ck_assert_uint_gt(b.cap, b.len); /* a spare byte for a NUL */
    char long_text[1000];
    memset(long_text, 'q', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = 0;
    ck_assert_int_eq(rs_buf_printf(&b, "%s!", long_text), 0); /* past printf's stack buffer */
    ck_assert_uint_eq(b.len, 8 + 999 + 1);
    ck_assert_int_eq(b.data[b.len - 1], '!');
    ck_assert_int_eq(rsess_buf_append(&b, NULL, 1), RSESS_ERR_ARG);
    ck_assert_int_eq(rs_buf_reserve(&b, SIZE_MAX - 4), RSESS_ERR_NOMEM);
    rsess_buf_reset(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_ptr_nonnull(b.data);
    c.fail_at = c.calls + 1; /* growth fails: the buffer keeps what it had */
    ck_assert_int_eq(rs_buf_put(&b, long_text, 999), 0); /* fits in the memory kept */
    ck_assert_int_eq(rs_buf_put(&b, long_text, 999), RSESS_ERR_NOMEM);
    ck_assert_uint_eq(b.len, 999);
    rsess_buf_free(&b);
    ck_assert_int_eq(c.live, 0);
    ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(errors)
{
    rsess_err e;
    memset(&e, 0x55, sizeof e);
    ck_assert_int_eq(rs_fail(&e, RSESS_ERR_DEPTH, 17, "nesting of %d", 513), RSESS_ERR_DEPTH);
    ck_assert_int_eq(e.code, RSESS_ERR_DEPTH);
    ck_assert_uint_eq(e.offset, 17);
    ck_assert_str_eq(e.msg, "nesting too deep");
    ck_assert_str_eq(e.text, "nesting of 513");
    ck_assert_int_eq(rs_fail(&e, RSESS_ERR_NOMEM, 3, NULL), RSESS_ERR_NOMEM);
    ck_assert_str_eq(e.text, "out of memory");
    char longer[400];
    memset(longer, 'z', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    rs_fail(&e, RSESS_ERR_ARG, 0, "%s", longer); /* cut to the fixed size, NUL-terminated */
    ck_assert_uint_eq(strlen(e.text), RSESS_ERR_TEXT_SIZE - 1);
    ck_assert_int_eq(rs_fail(NULL, RSESS_ERR_JSON, 0, "x"), RSESS_ERR_JSON);
    rs_ok(&e);
    ck_assert_int_eq(e.code, RSESS_OK);
    ck_assert_str_eq(e.text, "");
    ck_assert_str_eq(rsess_strerror(RSESS_ERR_TRUNCATED), "truncated data");
    ck_assert_str_eq(rsess_strerror(-12345), "unknown error");
    ck_assert_uint_eq(rsess_version_number(), RSESS_VERSION_NUMBER);
    ck_assert_str_eq(rsess_version(), RSESS_VERSION_STRING);
}
END_TEST

START_TEST(byte_map)
{
    counter c = {0, 0, 0};
    rsess_alloc a = {c_malloc, c_realloc, c_free, &c};
    rs_map m = {&a, NULL, 0, 0};
    ck_assert_ptr_null(rs_map_get(&m, "a", 1, 0));
    static char keys[1000][8];
    for (int i = 0; i < 1000; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        ck_assert_int_eq(rs_map_put(&m, keys[i], strlen(keys[i]), (uint64_t)(i % 3), &keys[i]), 0);
    }
    ck_assert_uint_eq(m.n, 1000);
    ck_assert_uint_ge(m.cap * 3, m.n * 4); /* grown to keep a quarter free */
    for (int i = 0; i < 1000; i++) {
        ck_assert_ptr_eq(rs_map_get(&m, keys[i], strlen(keys[i]), (uint64_t)(i % 3)), &keys[i]);
        ck_assert_ptr_null(rs_map_get(&m, keys[i], strlen(keys[i]), (uint64_t)(i % 3) + 1)); /* another tag */
    }
    ck_assert_int_eq(rs_map_put(&m, "k5", 2, 2, keys[0]), 0); /* replaces: no new entry */
    ck_assert_uint_eq(m.n, 1000);
    ck_assert_ptr_eq(rs_map_get(&m, "k5", 2, 2), keys[0]);
    ck_assert_int_eq(rs_map_put(&m, "", 0, 9, keys[1]), 0); /* the empty key */
    ck_assert_ptr_eq(rs_map_get(&m, "", 0, 9), keys[1]);
    ck_assert(rs_hash_bytes("ab", 2, 0) != rs_hash_bytes("ba", 2, 0));
    ck_assert(rs_hash_bytes("ab", 2, 0) != rs_hash_bytes("ab", 2, 1));
    rs_map_free(&m);
    ck_assert_int_eq(c.live, 0);
}
END_TEST

/* The text helpers stand on the base layer too. */
START_TEST(word_map)
{
    counter c = {0, 0, 0};
    rsess_alloc a = {c_malloc, c_realloc, c_free, &c};
    rs_map64 m = {&a, NULL, 0, 0};
    ck_assert_uint_eq(rs_map64_get(&m, 0), 0);
    /* keys that differ only high up, only low down, and the 0 key */
    for (uint64_t i = 0; i < 3000; i++) {
        uint64_t k = i < 1000 ? i << 52 : i < 2000 ? i : ~i;
        ck_assert_int_eq(rs_map64_put(&m, k, i + 1), 0);
    }
    ck_assert_uint_eq(m.n, 3000);
    ck_assert_uint_ge(m.cap * 3, m.n * 4);
    for (uint64_t i = 0; i < 3000; i++) {
        uint64_t k = i < 1000 ? i << 52 : i < 2000 ? i : ~i;
        ck_assert_uint_eq(rs_map64_get(&m, k), i + 1);
    }
    ck_assert_uint_eq(rs_map64_get(&m, 5000), 0);
    ck_assert_int_eq(rs_map64_put(&m, 1500, 99), 0); /* replaces: no new entry */
    ck_assert_uint_eq(m.n, 3000);
    ck_assert_uint_eq(rs_map64_get(&m, 1500), 99);
    rs_map64_free(&m);
    ck_assert_int_eq(c.live, 0);
}
END_TEST

/* rs_map64_get_or_put: the first value stays; a failed growth stores nothing. */
START_TEST(word_map_get_or_put)
{
    counter c = {0, 0, 0};
    rsess_alloc a = {c_malloc, c_realloc, c_free, &c};
    rs_map64 m = {&a, NULL, 0, 0};
    for (uint64_t i = 0; i < 3000; i++) {
        uint64_t k = i < 1000 ? i << 52 : i < 2000 ? i : ~i;
        ck_assert_uint_eq(rs_map64_get_or_put(&m, k, i + 1), 0);
        ck_assert_uint_eq(rs_map64_get_or_put(&m, k, 7), i + 1); /* found: not replaced */
    }
    ck_assert_uint_eq(m.n, 3000);
    ck_assert_uint_ge(m.cap * 3, m.n * 4);
    for (uint64_t i = 0; i < 3000; i++) {
        uint64_t k = i < 1000 ? i << 52 : i < 2000 ? i : ~i;
        ck_assert_uint_eq(rs_map64_get(&m, k), i + 1);
    }
    while ((m.n + 1) * 4 <= m.cap * 3) /* fill to the next growth */
        ck_assert_uint_eq(rs_map64_get_or_put(&m, 100000 + m.n, 5), 0);
    size_t n = m.n, cap = m.cap;
    c.fail_at = c.calls + 1;
    ck_assert_uint_eq(rs_map64_get_or_put(&m, 1ull << 40, 9), UINT64_MAX);
    ck_assert_uint_eq(m.n, n);
    ck_assert_uint_eq(m.cap, cap);
    ck_assert_uint_eq(rs_map64_get(&m, 1ull << 40), 0);
    ck_assert_uint_eq(rs_map64_get_or_put(&m, 1ull << 40, 9), 0); /* the next allocation works */
    ck_assert_uint_eq(rs_map64_get(&m, 1ull << 40), 9);
    rs_map64_free(&m);
    ck_assert_int_eq(c.live, 0);
}
END_TEST

START_TEST(text_on_the_base)
{
    char hex[8];
    rs_hex_encode((const unsigned char *)"\x00\xab\xff\x10", 4, hex);
    ck_assert_mem_eq(hex, "00abff10", 8);
    ck_assert_int_eq(rs_hex_value('F'), 15);
    ck_assert_int_eq(rs_hex_value('g'), -1);
    uint32_t cp;
    ck_assert_uint_eq(rs_utf8_decode((const unsigned char *)"\xe2\x82\xac", 3, &cp), 3);
    ck_assert_uint_eq(cp, 0x20ac);
    ck_assert_uint_eq(rs_utf8_decode((const unsigned char *)"\xc0\x80", 2, &cp), 0);        /* overlong */
    ck_assert_uint_eq(rs_utf8_decode((const unsigned char *)"\xed\xa0\x80", 3, &cp), 0);    /* surrogate */
    ck_assert_uint_eq(rs_utf8_decode((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp), 0); /* > U+10FFFF */
    ck_assert(rs_utf8_valid("h\xc3\xa9", 3));
    ck_assert(!rs_utf8_valid("h\xc3", 2));
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    ck_assert_int_eq(rs_json_string(&b, "a\"\\\n\x01", 5), 0);
    ck_assert_int_eq(rs_buf_putc(&b, ' '), 0);
    unsigned char mag[9] = {0, 0, 0, 0, 0, 0, 0, 0, 1}; /* 2**64 */
    ck_assert_int_eq(rs_bignum_decimal(mag, 9, 1, &b), 0);
    rs_sink s = {&b, 0};
    rs_putf(&s, " %s=%d", "n", 7);
    rs_putc(&s, ' ');
    rs_put_json(&s, "\xc3\xa9", 2);
    ck_assert_int_eq(s.code, 0);
    const char *want = "\"a\\\"\\\\\\n\\u0001\" -18446744073709551616 n=7 \"\xc3\xa9\"";
    ck_assert_uint_eq(b.len, strlen(want));
    ck_assert_mem_eq(b.data, want, b.len);
    rsess_buf_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("base");
    TCase *t = tcase_create("base");
    tcase_add_test(t, arena_and_heap_arrays);
    tcase_add_test(t, buffers);
    tcase_add_test(t, errors);
    tcase_add_test(t, byte_map);
    tcase_add_test(t, word_map);
    tcase_add_test(t, word_map_get_or_put);
    tcase_add_test(t, text_on_the_base);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
