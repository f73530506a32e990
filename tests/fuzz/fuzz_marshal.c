/* libFuzzer target: Marshal bytes -> document, every view of it, writing it. */
#include <rsess.h>

#include <stdint.h>
#include <stdlib.h>

/* The pull reader over the same bytes: enter containers, read and skip. */
static void walk(rsess_cursor *c, int level)
{
    for (int i = 0; rsess_cursor_type(c) != RSESS_NONE && i < 10000; i++) {
        rsess_type t = rsess_cursor_type(c);
        if ((t == RSESS_ARRAY || t == RSESS_HASH) && level < 8 && i % 3 == 0) {
            size_t n;
            if (rsess_cursor_enter(c, &n, NULL)) return;
            walk(c, level + 1);
            if (rsess_cursor_leave(c, NULL)) return;
        } else if (i % 2) {
            if (rsess_cursor_skip(c, NULL)) return;
        } else if (!rsess_cursor_read(c, NULL)) {
            return;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rsess_read_opts opts = {0};
    opts.limits.max_nodes = 200000; /* keeps one run fast; the limit logic is what is tested */
    rsess_cursor *c = rsess_cursor_new(data, size, &opts, NULL);
    if (c) {
        walk(c, 0);
        rsess_cursor_free(c);
    }
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
