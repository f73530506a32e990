/* Growable byte buffers: rsess_buf_* and the internal writers (base layer:
 * lib/base.h). */
#include "base.h"

#include <stdarg.h>
#include <stdio.h>

/* --- buffers ------------------------------------------------------------ */
void rsess_buf_init(rsess_buf *b, const rsess_alloc *alloc)
{
    if (!b) return;
    b->data = NULL;
    b->len = b->cap = 0;
    b->alloc = alloc;
}

void rsess_buf_reset(rsess_buf *b)
{
    if (!b) return;
    b->len = 0;
    if (b->data) b->data[0] = 0;
}

void rsess_buf_free(rsess_buf *b)
{
    if (!b) return;
    rs_free(b->alloc, b->data, b->cap);
    b->data = NULL;
    b->len = b->cap = 0;
}

int rs_buf_reserve(rsess_buf *b, size_t extra)
{
    /* Keeps one spare byte so printers can NUL-terminate. */
    if (extra > SIZE_MAX / 2 - b->len) return RSESS_ERR_NOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return 0;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need) ncap *= 2;
    unsigned char *nd = rs_realloc(b->alloc, b->data, b->cap, ncap);
    if (!nd) return RSESS_ERR_NOMEM;
    b->data = nd;
    b->cap = ncap;
    return 0;
}

int rsess_buf_append(rsess_buf *b, const void *p, size_t n)
{
    if (!b || (!p && n)) return RSESS_ERR_ARG;
    return rs_buf_put(b, p, n);
}

int rs_buf_vprintf(rsess_buf *b, const char *fmt, va_list ap)
{
    char tmp[256];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    int rc = 0;
    if (n < 0) rc = RSESS_ERR_ARG;
    else if ((size_t)n < sizeof tmp) rc = rs_buf_put(b, tmp, (size_t)n);
    else if (rs_buf_reserve(b, (size_t)n + 1)) rc = RSESS_ERR_NOMEM;
    else {
        vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
    return rc;
}

int rs_buf_printf(rsess_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = rs_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}
