/* Rack session ids (libsodium: CSPRNG, SHA-256) and the Redis key names
 * Rails' stores use. Sources: rack/rack-session abstract/id.rb
 * (SessionId), rails/rails action_dispatch/middleware/session/
 * cache_store.rb, activesupport cache.rb and redis_cache_store.rb
 * (truncate_key), redis-store namespace.rb. */
#include "internal.h"
#include "opts.h"

#include <sodium.h>

int rsess_sid_generate(char *out, size_t nbytes)
{
    if (!out || nbytes == 0 || nbytes > RSESS_SID_RACK_BYTES) return RSESS_ERR_ARG;
    if (sodium_init() < 0) return RSESS_ERR_NOMEM;
    unsigned char raw[RSESS_SID_RACK_BYTES];
    randombytes_buf(raw, nbytes);
    rs_hex_encode(raw, nbytes, out);
    out[2 * nbytes] = 0;
    sodium_memzero(raw, sizeof raw);
    return 0;
}

static void sha256_hex(const void *p, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, p, len);
    rs_hex_encode(h, sizeof h, out);
    out[64] = 0;
}

int rsess_private_id(const char *public_id, size_t len, char *out)
{
    if (!out || (!public_id && len)) return RSESS_ERR_ARG;
    memcpy(out, "2::", 3);
    sha256_hex(public_id ? public_id : "", len, out + 3);
    return 0;
}

bool rsess_id_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen || (!a && alen) || (!b && blen)) return 0;
    return alen == 0 || sodium_memcmp(a, b, alen) == 0;
}

/* String#scrub!(""): drop every byte that is not part of a valid UTF-8 char. */
static size_t scrub_utf8(char *s, size_t len)
{
    size_t w = 0, i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = rs_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (!n) {
            i++; /* an invalid byte: removed */
            continue;
        }
        memmove(s + w, s + i, n);
        w += n;
        i += n;
    }
    return w;
}

int rsess_cache_key_truncate(const char *key, size_t len, rsess_key_rule rule, rsess_buf *out)
{
    if (!out || (!key && len)) return RSESS_ERR_ARG;
    size_t max = rule == RSESS_KEYS_RAILS81 ? 250 : 1024;
    if (rule == RSESS_KEYS_NONE || rule > RSESS_KEYS_NONE || len <= max) return rs_buf_put(out, key, len);
    char digest[65], suffix[72];
    sha256_hex(key, len, digest);
    if (rule == RSESS_KEYS_RAILS61) snprintf(suffix, sizeof suffix, ":sha2:%s", digest);
    else snprintf(suffix, sizeof suffix, ":hash:%.32s", digest); /* ActiveSupport::Digest: first 32 */
    size_t keep = max - strlen(suffix), start = out->len;
    /* room for both parts first: a failure leaves out as it was */
    if (rs_buf_reserve(out, max) || rs_buf_put(out, key, keep)) return RSESS_ERR_NOMEM;
    if (rule == RSESS_KEYS_RAILS81) out->len = start + scrub_utf8((char *)out->data + start, keep);
    return rs_buf_puts(out, suffix);
}

int rsess_session_key(const char *public_id, size_t len, const rsess_key_opts *opts, rsess_buf *out, rsess_err *err)
{
    rsess_key_opts ko;
    int orc = rs_key_opts(opts, &ko, err);
    if (orc) return orc;
    opts = &ko;
    if (!out || (!public_id && len) || (!opts->ns && opts->nslen))
        return rs_fail(err, RSESS_ERR_ARG, 0, "bad arguments");
    rsess_buf key;
    rsess_buf_init(&key, out->alloc);
    int rc = 0;
    if (opts->ns) {
        rc = rs_buf_put(&key, opts->ns, opts->nslen);
        if (!rc) rc = rs_buf_putc(&key, ':');
    }
    if (!rc && opts->store == RSESS_STORE_CACHE) rc = rs_buf_puts(&key, "_session_id:");
    if (!rc) {
        if (opts->legacy) {
            rc = rs_buf_put(&key, public_id, len);
        } else {
            char priv[RSESS_PRIVATE_ID_SIZE];
            rsess_private_id(public_id, len, priv);
            rc = rs_buf_put(&key, priv, RSESS_PRIVATE_ID_LEN);
        }
    }
    if (!rc) {
        if (opts->store == RSESS_STORE_CACHE) rc = rsess_cache_key_truncate((const char *)key.data, key.len, opts->rule, out);
        else rc = rs_buf_put(out, key.data, key.len);
    }
    rsess_buf_free(&key);
    if (rc) return rs_fail(err, rc, 0, NULL);
    rs_ok(err);
    return 0;
}
