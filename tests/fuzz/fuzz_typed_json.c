/* libFuzzer target: typed JSON (the CLI's reader, jansson + the builder),
 * then writing and printing what it built. */
#include "../../cli/cli.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rsess_err err;
    rsess_doc *doc = cli_typed_json_read((const char *)data, size, &err);
    if (!doc) return 0;
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
