/* libFuzzer target: the text forms (quoted, hex, base64) and, on the bytes
 * they give, the value reader. */
#include <rsess.h>

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rsess_buf b = {0};
    const char *t = (const char *)data;
    if (rsess_unquote(t, size, &b, NULL) == 0) {
        rsess_buf q = {0};
        rsess_quote(b.data, b.len, &q);
        rsess_buf back = {0};
        /* quoting is redis-cli's: it must read back to the same bytes */
        if (rsess_unquote((const char *)q.data, q.len, &back, NULL) != 0 || back.len != b.len) abort();
        rsess_buf_free(&back);
        rsess_buf_free(&q);
        rsess_doc_free(rsess_entry_read(b.data, b.len, NULL, NULL, NULL));
    }
    b.len = 0;
    rsess_unhex(t, size, &b, NULL);
    b.len = 0;
    rsess_unbase64(t, size, &b, NULL);
    rsess_buf_free(&b);
    return 0;
}
