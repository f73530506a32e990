/* Cluster slots against a real redis-server, the slot map and locate
 * against a real cluster's CLUSTER NODES / SHARDS output. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(slots_match_redis)
{
    size_t len;
    char *text = (char *)read_file("fixtures/keys/slots.tsv", &len);
    size_t count = 0;
    char *save;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[2], key[256];
        ck_assert_int_eq(tu_fields(line, f, 2), 2);
        size_t n = tu_unhex(f[0], strlen(f[0]), key);
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
        ck_assert_int_eq(tu_fields(line, f, 2), 2);
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

START_TEST(map_of_real_cluster_output)
{
    /* the map agrees with locate for every slot of every form of the text */
    static const char *const files[] = {"fixtures/cluster/nodes.txt", "fixtures/cluster/shards.txt",
                                        "fixtures/cluster/shards-raw.txt"};
    for (size_t f = 0; f < 3; f++) {
        size_t len;
        char *text = (char *)read_file(files[f], &len);
        rsess_cluster_map *m = NULL;
        rsess_err err;
        ck_assert_msg(rsess_cluster_map_parse(text, len, NULL, &m, &err) == 0, "%s: %s", files[f], err.text);
        ck_assert_uint_eq(rsess_cluster_map_masters(m), 3);
        rsess_buf out = {0};
        for (unsigned slot = 0; slot < 16384; slot++) {
            size_t i, n;
            ck_assert(rsess_cluster_map_find(m, slot, &i));
            const char *addr = rsess_cluster_map_master(m, i, &n);
            out.len = 0;
            ck_assert_int_eq(rsess_cluster_locate(text, len, slot, &out, &err), 0);
            ck_assert_msg(n == out.len && memcmp(addr, out.data, n) == 0, "%s slot %u", files[f], slot);
            if (slot == 16383) break;
            slot += 96; /* every 97th slot: locate re-parses the text each time */
        }
        ck_assert(!rsess_cluster_map_find(m, 16384, NULL));
        ck_assert_ptr_null(rsess_cluster_map_master(m, 3, NULL));
        rsess_buf_free(&out);
        rsess_cluster_map_free(m);
        free(text);
    }
}
END_TEST

START_TEST(map_rules)
{
    /* a failed master serves nothing, a replica is no master, the first
     * claim of a slot wins, unserved slots stay unassigned, "[...]"
     * migration notes are skipped, masters are numbered in text order */
    const char *text = "a 10.0.0.1:7000@17000 master - 0 0 1 connected 0-99 [100->-b] 200\n"
                       "b 10.0.0.2:7001@17001,node-b myself,master - 0 0 2 connected 50-150\n"
                       "c 10.0.0.3:7002@17002 master,fail - 0 0 3 disconnected 300-400\n"
                       "d 10.0.0.4:7003@17003 slave a 0 0 1 connected\n";
    rsess_cluster_map *m;
    rsess_err err;
    ck_assert_int_eq(rsess_cluster_map_parse(text, strlen(text), NULL, &m, &err), 0);
    ck_assert_uint_eq(rsess_cluster_map_masters(m), 2);
    size_t i, n;
    const char *a = rsess_cluster_map_master(m, 0, &n);
    ck_assert(n == 13 && memcmp(a, "10.0.0.1:7000", 13) == 0);
    a = rsess_cluster_map_master(m, 1, &n);
    ck_assert(n == 13 && memcmp(a, "10.0.0.2:7001", 13) == 0);
    ck_assert(rsess_cluster_map_find(m, 0, &i) && i == 0);
    ck_assert(rsess_cluster_map_find(m, 75, &i) && i == 0);
    ck_assert(rsess_cluster_map_find(m, 100, &i) && i == 1);
    ck_assert(rsess_cluster_map_find(m, 200, &i) && i == 0);
    ck_assert(!rsess_cluster_map_find(m, 151, &i));
    ck_assert(!rsess_cluster_map_find(m, 350, &i));
    rsess_cluster_map_free(m);
    ck_assert_int_eq(rsess_cluster_map_parse("hello\n", 6, NULL, &m, &err), RSESS_ERR_FORMAT_UNKNOWN);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(rsess_cluster_map_parse(NULL, 3, NULL, &m, &err), RSESS_ERR_ARG);
    rsess_cluster_map_free(NULL);
}
END_TEST

START_TEST(map_allocation_failures)
{
    size_t len;
    char *text = (char *)read_file("fixtures/cluster/shards.txt", &len);
    for (long k = 1;; k++) {
        counting_alloc c = {.fail_at = k};
        rsess_alloc a = counting_hooks(&c);
        rsess_cluster_map *m;
        int rc = rsess_cluster_map_parse(text, len, &a, &m, NULL);
        if (rc == 0) {
            ck_assert_uint_eq(rsess_cluster_map_masters(m), 3);
            rsess_cluster_map_free(m);
            ck_assert_int_eq(c.live, 0);
            ck_assert_int_gt(k, 1);
            break;
        }
        ck_assert_int_eq(rc, RSESS_ERR_NOMEM);
        ck_assert_int_eq(c.live, 0);
    }
    free(text);
}
END_TEST

Suite *cluster_suite(void)
{
    Suite *s = suite_create("cluster");
    TCase *t = tcase_create("cluster");
    tcase_add_test(t, slots_match_redis);
    tcase_add_test(t, locate_from_real_cluster_output);
    tcase_add_test(t, map_of_real_cluster_output);
    tcase_add_test(t, map_rules);
    tcase_add_test(t, map_allocation_failures);
    suite_add_tcase(s, t);
    return s;
}
