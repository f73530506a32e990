/* libFuzzer target: decode -> encode -> decode -> encode; the two encodings
 * must be equal (what the writer produces, the reader reads back exactly).
 * A deep copy (rsess_copy) into a new document writes what the original
 * writes, or fails with the same code. */
#include <rsess.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rsess_read_opts opts = {0};
    opts.limits.max_nodes = 200000;
    rsess_doc *a = rsess_read(data, size, &opts, NULL);
    if (!a) return 0;
    rsess_buf e1 = {0}, e2 = {0}, ec = {0};
    int rc1 = rsess_write(rsess_doc_root(a), &e1, NULL);
    rsess_doc *c = rsess_doc_new(NULL);
    rsess_val *copy = rsess_copy(c, rsess_doc_root(a));
    if (!copy || rsess_write(copy, &ec, NULL) != rc1) abort();
    if (ec.len != e1.len || (e1.len && memcmp(ec.data, e1.data, e1.len) != 0)) abort();
    rsess_buf_free(&ec);
    rsess_doc_free(c);
    if (rc1 == 0) {
        rsess_err err;
        opts.limits.max_depth = 4096; /* the writer may nest deeper than the reader's default */
        rsess_doc *b = rsess_read(e1.data, e1.len, &opts, &err);
        if (!b) abort(); /* the writer wrote something its reader refuses */
        if (rsess_write(rsess_doc_root(b), &e2, NULL) != 0) abort();
        if (e1.len != e2.len || memcmp(e1.data, e2.data, e1.len) != 0) abort();
        rsess_doc_free(b);
    }
    rsess_buf_free(&e1);
    rsess_buf_free(&e2);
    rsess_doc_free(a);
    return 0;
}
