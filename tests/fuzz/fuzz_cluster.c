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
    return 0;
}
