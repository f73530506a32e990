/* Errors: rsess_strerror() and the rsess_err filler every file uses (base
 * layer: lib/base.h). */
#include "base.h"

#include <stdarg.h>
#include <stdio.h>

/* --- errors ------------------------------------------------------------ */
const char *rsess_strerror(int code)
{
    switch (code) {
    case RSESS_OK: return "success";
    case RSESS_ERR_NOMEM: return "out of memory";
    case RSESS_ERR_ARG: return "invalid argument";
    case RSESS_ERR_NOT_FOUND: return "not found";
    case RSESS_ERR_TRUNCATED: return "truncated data";
    case RSESS_ERR_VERSION: return "not Marshal 4.8 data";
    case RSESS_ERR_TYPE: return "unknown type byte";
    case RSESS_ERR_LINK: return "bad object link";
    case RSESS_ERR_SYMLINK: return "bad symbol link";
    case RSESS_ERR_FORMAT: return "malformed Marshal data";
    case RSESS_ERR_FLOAT: return "bad float text";
    case RSESS_ERR_ENCODING: return "bad encoding";
    case RSESS_ERR_TRAILING: return "trailing bytes after the value";
    case RSESS_ERR_DEPTH: return "nesting too deep";
    case RSESS_ERR_NODES: return "too many values";
    case RSESS_ERR_SIZE: return "input too large";
    case RSESS_ERR_INFLATE: return "inflated data too large";
    case RSESS_ERR_QUOTED: return "malformed quoted string";
    case RSESS_ERR_HEX: return "malformed hex";
    case RSESS_ERR_BASE64: return "malformed base64";
    case RSESS_ERR_JSON: return "malformed JSON";
    case RSESS_ERR_TYPED: return "not valid typed JSON";
    case RSESS_ERR_RANGE: return "value out of range for Marshal";
    case RSESS_ERR_STATE: return "writer calls out of order";
    case RSESS_ERR_VALUE: return "value cannot be written";
    case RSESS_ERR_ENTRY: return "malformed cache entry";
    case RSESS_ERR_ZLIB: return "bad compressed data";
    case RSESS_ERR_FORMAT_UNKNOWN: return "not a Rails session value";
    case RSESS_ERR_UNSUPPORTED: return "unsupported format";
    case RSESS_ERR_VERIFY: return "the cookie does not verify";
    case RSESS_ERR_PURPOSE: return "the cookie is for another purpose";
    case RSESS_ERR_EXPIRED: return "the cookie has expired";
    case RSESS_ERR_COOKIE: return "not a cookie of a known form";
    case RSESS_ERR_CRYPTO: return "libcrypto failed";
    case RSESS_ERR_SERIALIZER: return "a payload the serializer refuses";
    default: return "unknown error";
    }
}

int rs_fail(rsess_err *err, int code, size_t offset, const char *fmt, ...)
{
    if (!err) return code;
    err->code = (rsess_code)code;
    err->offset = offset;
    err->msg = rsess_strerror(code);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->text, sizeof err->text, fmt, ap);
        va_end(ap);
    } else {
        snprintf(err->text, sizeof err->text, "%s", err->msg);
    }
    return code;
}

void rs_ok(rsess_err *err)
{
    if (!err) return;
    err->code = RSESS_OK;
    err->offset = 0;
    err->msg = rsess_strerror(RSESS_OK);
    err->text[0] = 0;
}
