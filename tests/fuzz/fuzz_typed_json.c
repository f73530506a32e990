/* libFuzzer target: typed JSON (rsess_from_typed_json) and plain JSON as
 * Ruby reads it (rsess_from_json), then writing and printing what they built. */
#include <rsess.h>

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rsess_err err;
    rsess_doc *plain = NULL, *doc = NULL;
    if (rsess_from_json((const char *)data, size, NULL, &plain, &err) == 0) {
        rsess_buf b = {0};
        rsess_write(rsess_doc_root(plain), &b, NULL);
        rsess_buf_free(&b);
        rsess_doc_free(plain);
    }
    if (rsess_from_typed_json((const char *)data, size, NULL, &doc, &err)) return 0;
    rsess_buf out = {0};
    rsess_write(rsess_doc_root(doc), &out, NULL);
    out.len = 0;
    rsess_print(rsess_doc_root(doc), RSESS_VIEW_TYPED, 0, &out, NULL);
    out.len = 0;
    rsess_print(rsess_doc_root(doc), RSESS_VIEW_RUBY, 0, &out, NULL);
    rsess_buf_free(&out);
    rsess_doc_free(doc);
    return 0;
}
