/* Encoding names: the built-in rsess_enc values, the ASCII-compatible
 * test and a value's encoding name. */
#include "internal.h"

/* --- encoding names ----------------------------------------------------- */
static bool name_eq(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen) return false;
    for (size_t i = 0; i < alen; i++) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = (char)(x - 32);
        if (y >= 'a' && y <= 'z') y = (char)(y - 32);
        if (x != y) return false;
    }
    return true;
}

bool rs_enc_ascii_compatible(const char *name, size_t len)
{
    /* Encoding.list.reject(&:ascii_compatible?) in Ruby 3.1 */
    static const char *const wide[] = {"UTF-16BE", "UTF-16LE", "UTF-32BE", "UTF-32LE", "UTF-16", "UTF-32",
                                       "IBM037", "ISO-2022-JP", "ISO-2022-JP-2", "CP50220", "CP50221", "UTF-7",
                                       "ISO-2022-JP-KDDI", NULL};
    for (int i = 0; wide[i]; i++)
        if (name_eq(name, len, wide[i])) return false;
    return true;
}

rsess_enc rs_enc_from_name(const char *name, size_t len)
{
    if (name_eq(name, len, "UTF-8")) return RSESS_ENC_UTF8;
    if (name_eq(name, len, "US-ASCII") || name_eq(name, len, "ASCII")) return RSESS_ENC_USASCII;
    if (name_eq(name, len, "ASCII-8BIT") || name_eq(name, len, "BINARY")) return RSESS_ENC_BINARY;
    return RSESS_ENC_OTHER;
}

const char *rs_enc_name(const rsess_val *v, size_t *len)
{
    const char *s;
    switch (v ? rs_enc_of(v) : RSESS_ENC_BINARY) {
    case RSESS_ENC_UTF8: s = "UTF-8"; break;
    case RSESS_ENC_USASCII: s = "US-ASCII"; break;
    case RSESS_ENC_OTHER:
        if (rs_x(v) && rs_x(v)->encname && rs_type(rs_x(v)->encname) == RSESS_STRING) {
            *len = rs_x(v)->encname->u.s.len;
            return rs_x(v)->encname->u.s.p;
        }
        s = "ASCII-8BIT";
        break;
    default: s = "ASCII-8BIT"; break;
    }
    *len = strlen(s);
    return s;
}
