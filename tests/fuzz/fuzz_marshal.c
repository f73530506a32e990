/* libFuzzer target: Marshal bytes -> document, every view of it, writing it. */
#include <rsess.h>

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rsess_read_opts opts = {0};
    opts.limits.max_nodes = 200000; /* keeps one run fast; the limit logic is what is tested */
    rsess_doc *doc = rsess_read(data, size, &opts, NULL);
    if (!doc) return 0;
    rsess_buf out = {0};
    for (int v = 0; v < 3; v++) {
        out.len = 0;
        rsess_print(rsess_doc_root(doc), (rsess_view)v, 0, &out, NULL);
    }
    out.len = 0;
    rsess_write(rsess_doc_root(doc), &out, NULL);
    rsess_buf_free(&out);
    rsess_doc_free(doc);
    return 0;
}
