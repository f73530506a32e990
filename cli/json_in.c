/* Plain JSON -> document, as Ruby's JSON.parse builds it, so that writing
 * the document gives Marshal.dump(JSON.parse(text)): strings UTF-8, object
 * keys interned (equal keys in different hashes are one String, as Hash#[]=
 * makes them), integers of any size, other numbers Float.
 *
 * jansson reads the JSON. It holds integers in a long long, so integer
 * literals beyond int64 are first rewritten into strings carrying a marker
 * (U+10FFFF, a noncharacter) and turned into bignums when the value is
 * built; input that itself contains U+10FFFF is refused. */
#define _GNU_SOURCE
#include "cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARK "\xf4\x8f\xbf\xbf" /* U+10FFFF */

static bool fits_int64(const char *p, size_t n)
{
    bool neg = n && p[0] == '-';
    const char *d = p + neg;
    size_t nd = n - neg;
    while (nd > 1 && d[0] == '0') d++, nd--;
    if (nd < 19) return true;
    if (nd > 19) return false;
    return memcmp(d, neg ? "9223372036854775808" : "9223372036854775807", 19) <= 0;
}

/* Copies text, wrapping integer literals that do not fit in int64 as
 * "MARK<digits>". Returns 0, or -1 when the text already holds MARK. */
static int wrap_big_integers(const char *s, size_t n, rsess_buf *out)
{
    if (n >= 4 && memmem(s, n, MARK, 4)) return -1;
    for (size_t i = 0; i + 12 <= n; i++) /* the same as a \u escape pair */
        if (s[i] == '\\' && (s[i + 1] | 32) == 'u' && strncasecmp(s + i + 2, "dbff\\udfff", 10) == 0) return -1;
    bool in_str = false;
    size_t i = 0;
    while (i < n) {
        char c = s[i];
        if (in_str) {
            if (c == '\\' && i + 1 < n) {
                rsess_buf_append(out, s + i, 2);
                i += 2;
                continue;
            }
            if (c == '"') in_str = false;
            rsess_buf_append(out, s + i, 1);
            i++;
            continue;
        }
        if (c == '"') {
            in_str = true;
            rsess_buf_append(out, s + i, 1);
            i++;
            continue;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            size_t j = i + (c == '-');
            bool integral = true;
            while (j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.' || s[j] == 'e' || s[j] == 'E' ||
                             ((s[j] == '+' || s[j] == '-') && (s[j - 1] == 'e' || s[j - 1] == 'E')))) {
                if (s[j] == '.' || s[j] == 'e' || s[j] == 'E') integral = false;
                j++;
            }
            if (integral && j > i + (c == '-') && !fits_int64(s + i, j - i)) {
                rsess_buf_append(out, "\"" MARK, 5);
                rsess_buf_append(out, s + i, j - i);
                rsess_buf_append(out, "\"", 1);
            } else {
                rsess_buf_append(out, s + i, j - i);
            }
            i = j;
            continue;
        }
        rsess_buf_append(out, s + i, 1);
        i++;
    }
    return 0;
}

typedef struct jread {
    rsess_doc *doc;
    size_t depth;
    int failed;
} jread;

static rsess_val *value(jread *r, json_t *j);

static rsess_val *string_value(jread *r, json_t *j)
{
    const char *s = json_string_value(j);
    size_t n = json_string_length(j);
    if (n > 4 && memcmp(s, MARK, 4) == 0) return rsess_new_int_text(r->doc, s + 4, n - 4);
    return rsess_new_str(r->doc, s, n, RSESS_ENC_UTF8);
}

static rsess_val *value(jread *r, json_t *j)
{
    if (++r->depth > 4096) {
        r->failed = 1;
        return NULL;
    }
    rsess_val *v = NULL;
    switch (json_typeof(j)) {
    case JSON_NULL: v = rsess_new_nil(r->doc); break;
    case JSON_TRUE: v = rsess_new_bool(r->doc, 1); break;
    case JSON_FALSE: v = rsess_new_bool(r->doc, 0); break;
    case JSON_INTEGER: v = rsess_new_int(r->doc, json_integer_value(j)); break;
    case JSON_REAL: v = rsess_new_float(r->doc, json_real_value(j)); break;
    case JSON_STRING: v = string_value(r, j); break;
    case JSON_ARRAY: {
        v = rsess_new_array(r->doc);
        size_t i;
        json_t *e;
        json_array_foreach(j, i, e) {
            rsess_val *c = v ? value(r, e) : NULL;
            if (!c || rsess_arr_push(r->doc, v, c)) return NULL;
        }
        break;
    }
    case JSON_OBJECT: {
        v = rsess_new_hash(r->doc);
        const char *k;
        size_t klen;
        json_t *e;
        void *tmp;
        json_object_keylen_foreach_safe(j, tmp, k, klen, e) {
            rsess_val *c = v ? value(r, e) : NULL;
            if (!c || rsess_hash_push_strkey(r->doc, v, k, klen, RSESS_ENC_UTF8, c)) return NULL;
        }
        break;
    }
    }
    r->depth--;
    return v;
}

rsess_doc *cli_json_read(const char *text, size_t len, rsess_err *err)
{
    rsess_buf wrapped;
    rsess_buf_init(&wrapped, NULL);
    if (wrap_big_integers(text, len, &wrapped)) {
        rsess_buf_free(&wrapped);
        err->code = RSESS_ERR_VALUE;
        err->offset = 0;
        snprintf(err->text, sizeof err->text, "unsupported JSON: the text holds U+10FFFF");
        return NULL;
    }
    json_error_t je;
    json_t *root = json_loadb(wrapped.data ? (const char *)wrapped.data : "", wrapped.len,
                              JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    rsess_buf_free(&wrapped);
    if (!root) {
        err->code = RSESS_ERR_VALUE;
        err->offset = (size_t)je.position;
        snprintf(err->text, sizeof err->text, "bad JSON: %.100s (line %d, column %d)", je.text, je.line, je.column);
        return NULL;
    }
    jread r = {rsess_doc_new(NULL), 0, 0};
    rsess_val *v = r.doc ? value(&r, root) : NULL;
    json_decref(root);
    if (!v) {
        rsess_doc_free(r.doc);
        err->code = r.failed ? RSESS_ERR_DEPTH : RSESS_ERR_NOMEM;
        snprintf(err->text, sizeof err->text, "%s", r.failed ? "JSON nested too deep" : "out of memory");
        return NULL;
    }
    rsess_doc_set_root(r.doc, v);
    return r.doc;
}
