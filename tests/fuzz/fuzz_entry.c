/* libFuzzer target: cache entries (detection, headers, bounded inflate),
 * explain, and writing the value back as each entry format. */
#include <rsess.h>

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rsess_read_opts opts = {0};
    opts.limits.max_nodes = 200000;
    opts.limits.max_inflated = 1 << 20;
    rsess_entry_info info;
    rsess_buf out = {0};
    rsess_explain(data, size, 0, &opts, &out, NULL);
    rsess_doc_free(rsess_lookup(data, size, "message", 7, &opts, NULL));
    rsess_doc_free(rsess_lookup(data, size, "a", 1, &opts, NULL));
    rsess_doc *doc = rsess_entry_read(data, size, &opts, &info, NULL);
    if (doc) {
        rsess_entry_opts eo = {0};
        for (int f = 1; f <= 3; f++) {
            eo.format = (rsess_format)f;
            eo.has_created_at = 1;
            out.len = 0;
            rsess_entry_write(rsess_doc_root(doc), &eo, &out, NULL);
        }
        rsess_doc_free(doc);
    }
    rsess_buf_free(&out);
    return 0;
}
