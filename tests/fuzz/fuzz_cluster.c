/* libFuzzer target: CLUSTER NODES / SHARDS text and slots. */
#include <rsess.h>

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rsess_buf out = {0};
    unsigned slot = size ? rsess_cluster_slot(data, size) : 0;
    rsess_cluster_locate((const char *)data, size, slot, &out, NULL);
    out.len = 0;
    rsess_cluster_locate((const char *)data, size, 0, &out, NULL);
    out.len = 0;
    rsess_cluster_locate((const char *)data, size, 16383, &out, NULL);
    rsess_buf_free(&out);
    /* the slot map: every master's address, the master of a few slots */
    rsess_cluster_map *m = NULL;
    if (rsess_cluster_map_parse((const char *)data, size, NULL, &m, NULL) == 0) {
        size_t n, idx, sum = 0;
        for (size_t i = 0; i < rsess_cluster_map_masters(m); i++)
            if (rsess_cluster_map_master(m, i, &n)) sum += n;
        for (unsigned s = 0; s < 16384; s += 511)
            if (rsess_cluster_map_find(m, s, &idx) && !rsess_cluster_map_master(m, idx, &n)) abort();
        (void)sum;
    }
    rsess_cluster_map_free(m);
    return 0;
}
