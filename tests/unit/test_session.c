/* Session ids against Rack, key names against Rails' rules. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(private_ids_match_rack)
{
    size_t len;
    char *text = (char *)read_file("fixtures/keys/private_ids.tsv", &len);
    size_t count = 0;
    char *save;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[2];
        ck_assert_int_eq(tu_fields(line, f, 2), 2);
        char pub[1024], priv[RSESS_PRIVATE_ID_SIZE];
        size_t n = tu_unhex(f[0], strlen(f[0]), pub);
        ck_assert_int_eq(rsess_private_id(pub, n, priv), 0);
        ck_assert_msg(strcmp(priv, f[1]) == 0, "public %s: %s vs Rack's %s", f[0], priv, f[1]);
        count++;
    }
    ck_assert_uint_gt(count, 250);
    free(text);
}
END_TEST

START_TEST(generated_ids)
{
    char a[RSESS_PUBLIC_ID_SIZE], b[RSESS_PUBLIC_ID_SIZE];
    ck_assert_int_eq(rsess_sid_generate(a, RSESS_SID_RAILS_BYTES), 0);
    ck_assert_int_eq(rsess_sid_generate(b, RSESS_SID_RAILS_BYTES), 0);
    ck_assert_uint_eq(strlen(a), 32);
    ck_assert_uint_eq(strspn(a, "0123456789abcdef"), 32);
    ck_assert_str_ne(a, b);
    ck_assert_int_eq(rsess_sid_generate(a, RSESS_SID_RACK_BYTES), 0);
    ck_assert_uint_eq(strlen(a), 64);
    ck_assert_int_eq(rsess_sid_generate(a, 0), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_sid_generate(a, 33), RSESS_ERR_ARG);
    ck_assert(rsess_id_equal("abc", 3, "abc", 3));
    ck_assert(!rsess_id_equal("abc", 3, "abd", 3));
    ck_assert(!rsess_id_equal("abc", 3, "abcd", 4));
}
END_TEST

START_TEST(key_names_match_rails)
{
    size_t len;
    char *text = (char *)read_file("fixtures/keys/key_names.tsv", &len);
    size_t count = 0;
    char *save;
    rsess_buf out = {0};
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[6];
        ck_assert_int_eq(tu_fields(line, f, 6), 6);
        rsess_key_opts o = {0};
        char ns[4096], want[4096];
        o.rule = !strcmp(f[0], "81") ? RSESS_KEYS_RAILS81 : !strcmp(f[0], "70") ? RSESS_KEYS_RAILS70
                 : !strcmp(f[0], "61") ? RSESS_KEYS_RAILS61 : RSESS_KEYS_NONE;
        o.store = !strcmp(f[1], "cache") ? RSESS_STORE_CACHE : RSESS_STORE_REDIS_STORE;
        if (strcmp(f[2], "-")) {
            o.nslen = tu_unhex(f[2], strlen(f[2]), ns);
            o.ns = ns;
        }
        o.legacy = atoi(f[4]);
        size_t wl = tu_unhex(f[5], strlen(f[5]), want);
        out.len = 0;
        ck_assert_int_eq(rsess_session_key(f[3], strlen(f[3]), &o, &out, NULL), 0);
        ck_assert_msg(out.len == wl && memcmp(out.data, want, wl) == 0, "rule %s store %s ns %.20s pub %s legacy %s",
                      f[0], f[1], f[2], f[3], f[4]);
        count++;
    }
    ck_assert_uint_gt(count, 200);
    rsess_buf_free(&out);
    free(text);
}
END_TEST

/* Worked examples: what each generation does to a 300-byte key. */
START_TEST(key_truncation_examples)
{
    char key[300];
    memset(key, 'k', sizeof key);
    rsess_buf out = {0};
    ck_assert_int_eq(rsess_cache_key_truncate(key, 300, RSESS_KEYS_RAILS81, &out), 0);
    ck_assert_uint_eq(out.len, 250); /* 212 bytes + ":hash:" + 32 hex */
    ck_assert(memcmp(out.data + 212, ":hash:", 6) == 0);
    out.len = 0;
    ck_assert_int_eq(rsess_cache_key_truncate(key, 300, RSESS_KEYS_RAILS70, &out), 0);
    ck_assert_uint_eq(out.len, 300); /* under 1024: unchanged */
    out.len = 0;
    ck_assert_int_eq(rsess_cache_key_truncate(key, 250, RSESS_KEYS_RAILS81, &out), 0);
    ck_assert_uint_eq(out.len, 250); /* exactly at the limit: unchanged */
    ck_assert(memcmp(out.data, key, 250) == 0);
    rsess_buf_free(&out);
}
END_TEST

/* --- coverage (issue 18) ------------------------------------------------ */
/* The id helpers' refusals, and Rack's private id of "" (Ruby 3.1:
 * "2::" + Digest::SHA256.hexdigest("")). */
START_TEST(id_helpers_refusals)
{
    char out[RSESS_PUBLIC_ID_SIZE + 8];
    ck_assert_int_eq(rsess_sid_generate(NULL, 16), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_sid_generate(out, 0), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_sid_generate(out, RSESS_SID_RACK_BYTES + 1), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_sid_generate(out, 4), 0);
    ck_assert_uint_eq(strlen(out), 8);
    char priv[RSESS_PRIVATE_ID_SIZE];
    ck_assert_int_eq(rsess_private_id("a", 1, NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_private_id(NULL, 1, priv), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_private_id(NULL, 0, priv), 0);
    ck_assert_str_eq(priv, "2::e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ck_assert(rsess_id_equal(NULL, 0, NULL, 0));
    ck_assert(rsess_id_equal("ab", 2, "ab", 2));
    ck_assert(!rsess_id_equal("ab", 2, "ac", 2));
    ck_assert(!rsess_id_equal("ab", 2, "abc", 3));
    ck_assert(!rsess_id_equal(NULL, 2, "ab", 2));
    ck_assert(!rsess_id_equal("ab", 2, NULL, 2));
}
END_TEST

/* The key builders' refusals; RSESS_KEYS_NONE and an unknown rule keep a
 * long key whole; each allocation failing gives NOMEM and leaks nothing. */
START_TEST(key_builders_refusals)
{
    rsess_buf out;
    rsess_buf_init(&out, NULL);
    ck_assert_int_eq(rsess_cache_key_truncate("k", 1, RSESS_KEYS_RAILS81, NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_cache_key_truncate(NULL, 1, RSESS_KEYS_RAILS81, &out), RSESS_ERR_ARG);
    char key[2000];
    memset(key, 'k', sizeof key);
    ck_assert_int_eq(rsess_cache_key_truncate(key, sizeof key, RSESS_KEYS_NONE, &out), 0);
    ck_assert_uint_eq(out.len, sizeof key);
    out.len = 0;
    ck_assert_int_eq(rsess_cache_key_truncate(key, sizeof key, (rsess_key_rule)9, &out), 0);
    ck_assert_uint_eq(out.len, sizeof key);
    rsess_err err;
    rsess_key_opts o;
    rsess_key_opts_init(&o);
    ck_assert_int_eq(rsess_session_key("a", 1, &o, NULL, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_session_key(NULL, 1, &o, &out, &err), RSESS_ERR_ARG);
    o.nslen = 3;
    ck_assert_int_eq(rsess_session_key("a", 1, &o, &out, &err), RSESS_ERR_ARG);
    ck_assert_str_eq(err.text, "bad arguments");
    rsess_buf_free(&out);
    /* a long namespace (the 8.1 rule shortens it) under failing allocations */
    o.ns = key;
    o.nslen = 400;
    for (int store = 0; store < 2; store++) {
        o.store = (rsess_store)store;
        long nomem = 0, ok = 0;
        for (long k = 1; k < 40; k++) {
            counting_alloc c = {.fail_at = k};
            rsess_alloc a = counting_hooks(&c);
            rsess_buf_init(&out, &a);
            int rc = rsess_session_key("36334d75885e1c87c38636160d0058aa", 32, &o, &out, &err);
            ck_assert_msg(rc == 0 || rc == RSESS_ERR_NOMEM, "allocation %ld: %d", k, rc);
            if (rc) ck_assert_int_eq(err.code, RSESS_ERR_NOMEM);
            if (rc) nomem++;
            else {
                ok++;
                ck_assert_uint_eq(out.len, store == 0 ? 250 : 400 + 1 + RSESS_PRIVATE_ID_LEN);
            }
            rsess_buf_free(&out);
            ck_assert_int_eq(c.live, 0);
            if (c.calls < k) break;
        }
        ck_assert_int_gt(nomem, 0);
        ck_assert_int_eq(ok, 1);
    }
}
END_TEST

Suite *session_suite(void)
{
    Suite *s = suite_create("session");
    TCase *t = tcase_create("session");
    tcase_add_test(t, private_ids_match_rack);
    tcase_add_test(t, generated_ids);
    tcase_add_test(t, key_names_match_rails);
    tcase_add_test(t, key_truncation_examples);
    tcase_add_test(t, id_helpers_refusals);
    tcase_add_test(t, key_builders_refusals);
    suite_add_tcase(s, t);
    return s;
}
