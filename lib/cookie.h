/* Internal to the cookie module (cookie.c): the JSON payload reader and the
 * fixed-IV writer the tests use. Not installed. */
#ifndef RSESS_COOKIE_H
#define RSESS_COOKIE_H

#include "internal.h"

/* JSON text -> a new document (*out) as Ruby's JSON.parse builds it in
 * quirks mode (any value at the top), read by json_read.c in its cookie
 * mode (RS_JSON_COOKIE): strings UTF-8 (their bytes as they are), object
 * keys interned, a repeated key keeps its first place and its last value,
 * integers of any size up to RS_JSON_MAX_DIGITS digits (RSESS_ERR_RANGE
 * beyond), other numbers Float; NaN, Infinity, comments, unknown escapes,
 * control characters in strings and trailing text are refused
 * (RSESS_ERR_FORMAT, with the byte offset). Iterative: nesting is bounded
 * by Ruby's max_nesting (100) and the limits' max_depth (RSESS_ERR_DEPTH),
 * values by max_nodes. opts may be NULL. */
int rs_cookie_json_read(const char *text, size_t len, const rsess_read_opts *opts, rsess_doc **out,
                        rsess_err *err) RSESS_INTERNAL;

/* rsess_cookie_write() with a given IV (12 bytes for GCM, 16 for CBC) in
 * place of a random one: for tests that compare bytes with Ruby's. */
int rs_cookie_write_iv(const rsess_cookie_keys *keys, const rsess_val *v, const rsess_cookie_write_opts *o,
                       const unsigned char *iv, size_t iv_len, rsess_buf *out, rsess_err *err) RSESS_INTERNAL;

#endif
