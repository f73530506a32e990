/* Session ids against Rack, key names against Rails' rules, slots against a
 * real redis-server, locate against a real cluster's output. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t unhex_str(const char *h, size_t n, char *out)
{
    for (size_t i = 0; i < n / 2; i++) sscanf(h + 2 * i, "%2hhx", (unsigned char *)&out[i]);
    return n / 2;
}

/* Splits a line into tab-separated fields (in place). */
static int fields(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t') {
            *p = 0;
            f[n++] = p + 1;
        }
    return n;
}

START_TEST(private_ids_match_rack)
{
    size_t len;
    char *text = (char *)read_file("fixtures/keys/private_ids.tsv", &len);
    size_t count = 0;
    char *save;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[2];
        ck_assert_int_eq(fields(line, f, 2), 2);
        char pub[1024], priv[RSESS_PRIVATE_ID_SIZE];
        size_t n = unhex_str(f[0], strlen(f[0]), pub);
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
        ck_assert_int_eq(fields(line, f, 6), 6);
        rsess_key_opts o = {0};
        char ns[4096], want[4096];
        o.rule = !strcmp(f[0], "81") ? RSESS_KEYS_RAILS81 : !strcmp(f[0], "70") ? RSESS_KEYS_RAILS70
                 : !strcmp(f[0], "61") ? RSESS_KEYS_RAILS61 : RSESS_KEYS_NONE;
        o.store = !strcmp(f[1], "cache") ? RSESS_STORE_CACHE : RSESS_STORE_REDIS_STORE;
        if (strcmp(f[2], "-")) {
            o.nslen = unhex_str(f[2], strlen(f[2]), ns);
            o.ns = ns;
        }
        o.legacy = atoi(f[4]);
        size_t wl = unhex_str(f[5], strlen(f[5]), want);
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

START_TEST(slots_match_redis)
{
    size_t len;
    char *text = (char *)read_file("fixtures/keys/slots.tsv", &len);
    size_t count = 0;
    char *save;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[2], key[256];
        ck_assert_int_eq(fields(line, f, 2), 2);
        size_t n = unhex_str(f[0], strlen(f[0]), key);
        unsigned want = (unsigned)atoi(f[1]);
        ck_assert_msg(rsess_cluster_slot(key, n) == want, "key %s: %u, redis says %u", f[0], rsess_cluster_slot(key, n),
                      want);
        count++;
    }
    ck_assert_uint_gt(count, 2500);
    ck_assert_uint_eq(rsess_cluster_slot("123456789", 9), 12739);
    free(text);
}
END_TEST

static void check_locate(const char *file)
{
    size_t len, tlen;
    char *cluster = (char *)read_file(file, &len);
    char *text = (char *)read_file("fixtures/cluster/locate.tsv", &tlen);
    char *save;
    size_t count = 0;
    rsess_buf out = {0};
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[2];
        ck_assert_int_eq(fields(line, f, 2), 2);
        out.len = 0;
        rsess_err err;
        unsigned slot = rsess_cluster_slot(f[0], strlen(f[0]));
        ck_assert_msg(rsess_cluster_locate(cluster, len, slot, &out, &err) == 0, "%s: %s", file, err.text);
        ck_assert_msg(out.len == strlen(f[1]) && memcmp(out.data, f[1], out.len) == 0, "%s: key %s: got %.*s want %s",
                      file, f[0], (int)out.len, out.data, f[1]);
        count++;
    }
    ck_assert_uint_gt(count, 30);
    rsess_buf_free(&out);
    free(text);
    free(cluster);
}

START_TEST(locate_from_real_cluster_output)
{
    check_locate("fixtures/cluster/nodes.txt");
    check_locate("fixtures/cluster/shards.txt");
    check_locate("fixtures/cluster/shards-raw.txt");
    rsess_buf out = {0};
    rsess_err err;
    ck_assert_int_eq(rsess_cluster_locate("hello\nworld\n", 12, 5, &out, &err), RSESS_ERR_FORMAT_UNKNOWN);
    const char *partial = "abc 127.0.0.1:7000@17000 master - 0 0 1 connected 0-100\n";
    ck_assert_int_eq(rsess_cluster_locate(partial, strlen(partial), 5000, &out, &err), RSESS_ERR_VALUE);
    ck_assert_int_eq(rsess_cluster_locate(partial, strlen(partial), 100, &out, &err), 0);
    ck_assert(out.len == 14 && memcmp(out.data, "127.0.0.1:7000", 14) == 0);
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
    tcase_add_test(t, slots_match_redis);
    tcase_add_test(t, locate_from_real_cluster_output);
    suite_add_tcase(s, t);
    return s;
}
