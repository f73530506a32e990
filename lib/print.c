/* rsess_print() and rsess_fprint(): the one place that knows every view. */
#include "internal.h"

#include <stdio.h>

int rsess_print(const rsess_val *v, rsess_view view, unsigned flags, rsess_buf *out, rsess_err *err)
{
    if (!v || !out) return rs_fail(err, RSESS_ERR_ARG, 0, "no value or no output buffer");
    size_t start = out->len;
    int rc;
    switch (view) {
    case RSESS_VIEW_RUBY: rc = rs_print_ruby(v, flags, out, err); break;
    case RSESS_VIEW_TYPED: rc = rs_print_typed(v, flags, out, err); break;
    case RSESS_VIEW_JSON: rc = rs_print_json(v, flags, rs_print_ruby, out, err); break;
    default: return rs_fail(err, RSESS_ERR_ARG, 0, "unknown view %d", (int)view);
    }
    if (!rc) {
        if (rs_buf_reserve(out, 1)) { /* the NUL after the text */
            out->len = start;
            return rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
        }
        out->data[out->len] = 0;
        rs_ok(err);
    }
    return rc;
}

int rsess_fprint(FILE *fp, const rsess_val *v, rsess_view view, unsigned flags, rsess_err *err)
{
    if (!fp) return rs_fail(err, RSESS_ERR_ARG, 0, "no stream");
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    int rc = rsess_print(v, view, flags, &b, err);
    if (!rc && b.len && fwrite(b.data, 1, b.len, fp) != b.len)
        rc = rs_fail(err, RSESS_ERR_ARG, 0, "write failed");
    rsess_buf_free(&b);
    return rc;
}
