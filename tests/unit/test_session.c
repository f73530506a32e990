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

Suite *session_suite(void)
{
    Suite *s = suite_create("session");
    TCase *t = tcase_create("session");
    tcase_add_test(t, private_ids_match_rack);
    tcase_add_test(t, generated_ids);
    tcase_add_test(t, key_names_match_rails);
    tcase_add_test(t, key_truncation_examples);
    suite_add_tcase(s, t);
    return s;
}
