/* Rails and Rack session cookies: key derivation, verification, decryption,
 * the _rails envelope, serializers, and writing. The one file that uses
 * OpenSSL's libcrypto (what Rails itself runs on, through Ruby's openssl):
 * PKCS5_PBKDF2_HMAC, EVP AES-GCM/CBC, EVP_MAC HMAC, CRYPTO_memcmp,
 * OPENSSL_cleanse, RAND_bytes. Formats and their Rails/Rack sources:
 * ../shared/reference/cookies/FORMATS.md. */
#include "cookie.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>

#define NDIG 4 /* rsess_digest values 0..3 */
#define KDF_MASK_DEFAULT ((1u << RSESS_DIGEST_SHA1) | (1u << RSESS_DIGEST_SHA256))
#define GCM_IV 12
#define GCM_TAG 16
#define CBC_IV 16

/* --- names ----------------------------------------------------------------- */
const char *rsess_cookie_format_name(rsess_cookie_format f)
{
    static const char *const n[] = {"",
                                    "rails-gcm",
                                    "rails-cbc-hmac",
                                    "rails-signed",
                                    "rails3-signed",
                                    "rack-signed",
                                    "rack-unsigned",
                                    "session-id"};
    return (unsigned)f < sizeof n / sizeof *n ? n[f] : "";
}

const char *rsess_digest_name(rsess_digest d)
{
    static const char *const n[] = {"", "SHA1", "SHA256", "SHA512"};
    return (unsigned)d < NDIG ? n[d] : "";
}

const char *rsess_cipher_name(rsess_cipher c)
{
    static const char *const n[] = {"", "aes-256-gcm", "aes-192-gcm", "aes-128-gcm", "aes-256-cbc"};
    return (unsigned)c < sizeof n / sizeof *n ? n[c] : "";
}

const char *rsess_serializer_name(rsess_serializer s)
{
    static const char *const n[] = {"auto", "json", "marshal", "hybrid", "zip-json", "message_pack"};
    return (unsigned)s < sizeof n / sizeof *n ? n[s] : "";
}

static size_t hmac_len(rsess_digest d)
{
    return d == RSESS_DIGEST_SHA1 ? 20 : d == RSESS_DIGEST_SHA256 ? 32 : 64;
}

/* --- options ---------------------------------------------------------------- */
void rsess_cookie_opts_init(rsess_cookie_opts *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->kdf_digests = KDF_MASK_DEFAULT;
    o->iterations = 1000;
}

void rsess_cookie_read_opts_init(rsess_cookie_read_opts *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->max_len = RSESS_COOKIE_DEFAULT_MAX_LEN;
}

void rsess_cookie_write_opts_init(rsess_cookie_write_opts *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->format = RSESS_COOKIE_GCM;
    o->cipher = RSESS_CIPHER_AES_256_GCM;
}

/* Copies the fields of a caller's struct that fit in its size over the
 * defaults (so older callers' smaller structs keep working). */
static int take_opts(void *dst, size_t dsize, const void *src, rsess_err *err)
{
    size_t n = *(const size_t *)src;
    if (n < sizeof(size_t) || n > dsize)
        return rs_fail(err, RSESS_ERR_ARG, 0, "options struct of unknown size %zu", n);
    memcpy(dst, src, n);
    *(size_t *)dst = dsize;
    return 0;
}

/* --- keys -------------------------------------------------------------------- */
typedef struct keyset {
    unsigned kdf; /* mask of digests derived */
    struct {
        unsigned char gcm[32], cbc[32], cbc_sign[64], sig[64];
    } k[NDIG];
    unsigned char *token;
    size_t token_len;
    /* HMAC contexts keyed once, duplicated per cookie: [key][kdf digest][HMAC digest] */
    EVP_MAC_CTX *mac[3][NDIG][NDIG];
} keyset;

enum { MAC_SIGNED, MAC_CBC, MAC_TOKEN };

struct rsess_cookie_keys {
    rsess_alloc allocv;
    const rsess_alloc *alloc;
    keyset *sets;
    size_t n, cap;
    EVP_CIPHER *gcm[4]; /* by rsess_cipher */
    EVP_CIPHER *cbc;
    EVP_MD *md[NDIG];
    EVP_MAC *hmac;
};

static const char *md_name(rsess_digest d)
{
    return d == RSESS_DIGEST_SHA1 ? "SHA1" : d == RSESS_DIGEST_SHA256 ? "SHA256" : "SHA512";
}

static int fetch_algorithms(rsess_cookie_keys *k)
{
    k->gcm[RSESS_CIPHER_AES_256_GCM] = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    k->gcm[RSESS_CIPHER_AES_192_GCM] = EVP_CIPHER_fetch(NULL, "AES-192-GCM", NULL);
    k->gcm[RSESS_CIPHER_AES_128_GCM] = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    k->cbc = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
    for (int d = 1; d < NDIG; d++)
        k->md[d] = EVP_MD_fetch(NULL, md_name((rsess_digest)d), NULL);
    k->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    bool ok = k->gcm[1] && k->gcm[2] && k->gcm[3] && k->cbc && k->md[1] && k->md[2] && k->md[3] && k->hmac;
    return ok ? 0 : RSESS_ERR_CRYPTO;
}

/* An HMAC context keyed with key, ready to be duplicated per message. */
static EVP_MAC_CTX *mac_ctx(const rsess_cookie_keys *k, rsess_digest d, const unsigned char *key, size_t klen)
{
    EVP_MAC_CTX *c = EVP_MAC_CTX_new(k->hmac);
    if (!c) return NULL;
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md_name(d), 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_init(c, klen ? key : (const unsigned char *)"", klen, params) != 1) {
        EVP_MAC_CTX_free(c);
        return NULL;
    }
    return c;
}

static int pbkdf2(const rsess_cookie_keys *k, const rsess_cookie_opts *o, rsess_digest d, const char *salt,
                  unsigned char *out, size_t n)
{
    return PKCS5_PBKDF2_HMAC(o->secret_key_base, (int)o->secret_key_base_len, (const unsigned char *)salt,
                             (int)strlen(salt), (int)o->iterations, k->md[d], (int)n, out) == 1
               ? 0
               : RSESS_ERR_CRYPTO;
}

static int derive(rsess_cookie_keys *k, const rsess_cookie_opts *o, keyset *ks, rsess_err *err)
{
    memset(ks, 0, sizeof *ks);
    if (o->secret_key_base) {
        if (o->secret_key_base_len > INT32_MAX || o->iterations > INT32_MAX)
            return rs_fail(err, RSESS_ERR_ARG, 0, "secret_key_base or iterations too large");
        for (int d = 1; d < NDIG; d++) {
            if (!(o->kdf_digests & (1u << d))) continue;
            if (pbkdf2(k, o, (rsess_digest)d, o->gcm_salt ? o->gcm_salt : "authenticated encrypted cookie",
                       ks->k[d].gcm, 32) ||
                pbkdf2(k, o, (rsess_digest)d, o->cbc_salt ? o->cbc_salt : "encrypted cookie", ks->k[d].cbc,
                       32) ||
                pbkdf2(k, o, (rsess_digest)d, o->cbc_sign_salt ? o->cbc_sign_salt : "signed encrypted cookie",
                       ks->k[d].cbc_sign, 64) ||
                pbkdf2(k, o, (rsess_digest)d, o->signed_salt ? o->signed_salt : "signed cookie", ks->k[d].sig,
                       64))
                return rs_fail(err, RSESS_ERR_CRYPTO, 0, "PBKDF2 failed");
            ks->kdf |= 1u << d;
        }
    }
    if (o->secret_token) {
        ks->token = rs_malloc(k->alloc, o->secret_token_len ? o->secret_token_len : 1);
        if (!ks->token) return rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
        memcpy(ks->token, o->secret_token, o->secret_token_len);
        ks->token_len = o->secret_token_len;
    }
    for (int hd = 1; hd < NDIG; hd++) {
        for (int d = 1; d < NDIG; d++) {
            if (!(ks->kdf & (1u << d))) continue;
            if (!(ks->mac[MAC_SIGNED][d][hd] = mac_ctx(k, (rsess_digest)hd, ks->k[d].sig, 64)) ||
                !(ks->mac[MAC_CBC][d][hd] = mac_ctx(k, (rsess_digest)hd, ks->k[d].cbc_sign, 64)))
                return rs_fail(err, RSESS_ERR_CRYPTO, 0, "HMAC setup failed");
        }
        if (ks->token &&
            !(ks->mac[MAC_TOKEN][0][hd] = mac_ctx(k, (rsess_digest)hd, ks->token, ks->token_len)))
            return rs_fail(err, RSESS_ERR_CRYPTO, 0, "HMAC setup failed");
    }
    return 0;
}

static void keyset_wipe(const rsess_cookie_keys *k, keyset *ks)
{
    for (int a = 0; a < 3; a++)
        for (int d = 0; d < NDIG; d++)
            for (int h = 0; h < NDIG; h++)
                EVP_MAC_CTX_free(ks->mac[a][d][h]); /* OpenSSL wipes their keys */
    if (ks->token) {
        OPENSSL_cleanse(ks->token, ks->token_len);
        rs_free(k->alloc, ks->token, ks->token_len ? ks->token_len : 1);
    }
    OPENSSL_cleanse(ks, sizeof *ks);
}

static int check_secret_opts(const rsess_cookie_opts *o, rsess_err *err)
{
    if (!o->secret_key_base && !o->secret_token)
        return rs_fail(err, RSESS_ERR_ARG, 0, "no secret: give secret_key_base or secret_token");
    if (o->secret_key_base && !(o->kdf_digests & KDF_MASK_DEFAULT))
        return rs_fail(err, RSESS_ERR_ARG, 0, "kdf_digests names no SHA1 or SHA256");
    if (o->secret_key_base && !o->iterations) return rs_fail(err, RSESS_ERR_ARG, 0, "zero PBKDF2 iterations");
    return 0;
}

int rsess_cookie_keys_add(rsess_cookie_keys *keys, const rsess_cookie_opts *opts, rsess_err *err)
{
    if (!keys || !opts) return rs_fail(err, RSESS_ERR_ARG, 0, "NULL keys or options");
    rsess_cookie_opts o;
    rsess_cookie_opts_init(&o);
    int rc = take_opts(&o, sizeof o, opts, err);
    if (rc || (rc = check_secret_opts(&o, err))) return rc;
    if (keys->n == keys->cap) {
        size_t ncap = keys->cap ? keys->cap * 2 : 2;
        keyset *ns = rs_malloc(keys->alloc, ncap * sizeof *ns);
        if (!ns) return rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
        if (keys->n) memcpy(ns, keys->sets, keys->n * sizeof *ns);
        if (keys->sets) {
            OPENSSL_cleanse(keys->sets, keys->cap * sizeof *keys->sets);
            rs_free(keys->alloc, keys->sets, keys->cap * sizeof *keys->sets);
        }
        keys->sets = ns;
        keys->cap = ncap;
    }
    keyset *ks = &keys->sets[keys->n];
    if ((rc = derive(keys, &o, ks, err))) {
        keyset_wipe(keys, ks);
        return rc;
    }
    keys->n++;
    return 0;
}

int rsess_cookie_keys_new(const rsess_cookie_opts *opts, rsess_cookie_keys **out, rsess_err *err)
{
    if (!out) return rs_fail(err, RSESS_ERR_ARG, 0, "NULL out");
    *out = NULL;
    if (!opts) return rs_fail(err, RSESS_ERR_ARG, 0, "NULL options");
    rsess_cookie_opts o;
    rsess_cookie_opts_init(&o);
    int rc = take_opts(&o, sizeof o, opts, err);
    if (rc) return rc;
    rsess_cookie_keys *k = rs_malloc(o.alloc, sizeof *k);
    if (!k) return rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
    memset(k, 0, sizeof *k);
    if (o.alloc) {
        k->allocv = *o.alloc;
        k->alloc = &k->allocv;
    }
    if (fetch_algorithms(k))
        rc = rs_fail(err, RSESS_ERR_CRYPTO, 0, "libcrypto lacks AES-GCM, AES-CBC or HMAC");
    if (!rc) rc = rsess_cookie_keys_add(k, opts, err);
    if (rc) {
        rsess_cookie_keys_free(k);
        return rc;
    }
    *out = k;
    return 0;
}

void rsess_cookie_keys_free(rsess_cookie_keys *k)
{
    if (!k) return;
    for (size_t i = 0; i < k->n; i++)
        keyset_wipe(k, &k->sets[i]);
    if (k->sets) rs_free(k->alloc, k->sets, k->cap * sizeof *k->sets);
    for (int c = 1; c < 4; c++)
        EVP_CIPHER_free(k->gcm[c]);
    EVP_CIPHER_free(k->cbc);
    for (int d = 1; d < NDIG; d++)
        EVP_MD_free(k->md[d]);
    EVP_MAC_free(k->hmac);
    rsess_alloc a = k->allocv;
    const rsess_alloc *ap = k->alloc ? &a : NULL;
    OPENSSL_cleanse(k, sizeof *k);
    rs_free(ap, k, sizeof *k);
}

/* --- primitives ---------------------------------------------------------------- */
/* One HMAC from a context keyed in advance. */
static int hmac(const EVP_MAC_CTX *base, rsess_digest d, const void *data, size_t n, unsigned char *out)
{
    if (!base) return RSESS_ERR_CRYPTO;
    EVP_MAC_CTX *c = EVP_MAC_CTX_dup(base);
    if (!c) return RSESS_ERR_CRYPTO;
    size_t outl = 0;
    int ok = EVP_MAC_update(c, data, n) == 1 && EVP_MAC_final(c, out, &outl, 64) == 1 && outl == hmac_len(d);
    EVP_MAC_CTX_free(c);
    return ok ? 0 : RSESS_ERR_CRYPTO;
}

/* Rails and Rack compare the lower-case hex digest text, in constant time
 * after a length check (SecurityUtils.secure_compare, Rack::Utils.secure_compare). */
static int mac_matches(const EVP_MAC_CTX *key, rsess_digest d, const char *data, size_t n, const char *hex,
                       size_t hexlen, bool *match)
{
    unsigned char mac[64];
    char text[128];
    *match = false;
    if (hexlen != 2 * hmac_len(d)) return 0;
    if (hmac(key, d, data, n, mac)) return RSESS_ERR_CRYPTO;
    rs_hex_encode(mac, hmac_len(d), text);
    *match = CRYPTO_memcmp(text, hex, hexlen) == 0;
    OPENSSL_cleanse(mac, sizeof mac);
    return 0;
}

static signed char b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return (signed char)(c - 'A');
    if (c >= 'a' && c <= 'z') return (signed char)(c - 'a' + 26);
    if (c >= '0' && c <= '9') return (signed char)(c - '0' + 52);
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Ruby's strict_decode64 (unpack "m0"): padded, canonical (unused bits
 * zero), nothing else. Appends to out; -1 for bad text. */
static int b64_strict(const char *s, size_t n, rsess_buf *out)
{
    if (n % 4) return -1;
    if (rs_buf_reserve(out, n / 4 * 3)) return RSESS_ERR_NOMEM;
    unsigned char *o = out->data + out->len;
    for (size_t i = 0; i < n; i += 4) {
        signed char a = b64val((unsigned char)s[i]), b = b64val((unsigned char)s[i + 1]);
        signed char c = b64val((unsigned char)s[i + 2]), d = b64val((unsigned char)s[i + 3]);
        if (a < 0 || b < 0) return -1;
        *o++ = (unsigned char)(a << 2 | b >> 4);
        if (c < 0 || d < 0) {
            if (i + 4 != n || s[i + 3] != '=') return -1;
            if (c < 0) {
                if (s[i + 2] != '=' || (b & 15)) return -1;
            } else {
                if (c & 3) return -1;
                *o++ = (unsigned char)(b << 4 | c >> 2);
            }
            break;
        }
        *o++ = (unsigned char)(b << 4 | c >> 2);
        *o++ = (unsigned char)(c << 6 | d);
    }
    out->len = (size_t)(o - out->data);
    return 0;
}

/* Ruby's decode64 (unpack "m"), which Rack and Rails 3 use: characters
 * outside the alphabet are skipped, '=' ends the data. */
static int b64_lenient(const char *s, size_t n, rsess_buf *out)
{
    if (rs_buf_reserve(out, n / 4 * 3 + 3)) return RSESS_ERR_NOMEM;
    unsigned char *o = out->data + out->len;
    unsigned acc = 0, bits = 0;
    for (size_t i = 0; i < n && s[i] != '='; i++) {
        signed char v = b64val((unsigned char)s[i]);
        if (v < 0) continue;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *o++ = (unsigned char)(acc >> bits);
        }
    }
    out->len = (size_t)(o - out->data);
    return 0;
}

static int b64_encode(const unsigned char *p, size_t n, rsess_buf *out)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (n > SIZE_MAX / 2 || rs_buf_reserve(out, (n + 2) / 3 * 4)) return RSESS_ERR_NOMEM;
    char *o = (char *)out->data + out->len;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        *o++ = A[v >> 18], *o++ = A[(v >> 12) & 63], *o++ = A[(v >> 6) & 63], *o++ = A[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
        *o++ = A[v >> 18], *o++ = A[(v >> 12) & 63];
        *o++ = i + 1 < n ? A[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    out->len = (size_t)(o - (char *)out->data);
    return 0;
}

/* AES-GCM with an empty AAD and a detached 16-byte tag (Rails' AEAD
 * MessageEncryptor). Returns 0, RSESS_ERR_VERIFY or RSESS_ERR_CRYPTO. */
static int gcm_open(EVP_CIPHER_CTX *x, const EVP_CIPHER *cipher, const unsigned char *key,
                    const unsigned char *ct, size_t n, const unsigned char *iv, const unsigned char *tag,
                    unsigned char *pt)
{
    int l = 0, l2 = 0;
    if (EVP_CIPHER_CTX_reset(x) != 1 || EVP_DecryptInit_ex2(x, cipher, key, iv, NULL) != 1 ||
        EVP_DecryptUpdate(x, pt, &l, ct, (int)n) != 1 ||
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, GCM_TAG, (void *)tag) != 1)
        return RSESS_ERR_CRYPTO;
    return EVP_DecryptFinal_ex(x, pt + l, &l2) == 1 ? 0 : RSESS_ERR_VERIFY;
}

static int gcm_seal(const rsess_cookie_keys *k, rsess_cipher c, const unsigned char *key,
                    const unsigned char *pt, size_t n, const unsigned char *iv, unsigned char *ct,
                    unsigned char *tag)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    if (!x) return RSESS_ERR_CRYPTO;
    int l = 0, l2 = 0;
    bool ok = EVP_EncryptInit_ex2(x, k->gcm[c], key, iv, NULL) == 1 &&
              EVP_EncryptUpdate(x, ct, &l, pt, (int)n) == 1 && EVP_EncryptFinal_ex(x, ct + l, &l2) == 1 &&
              EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, GCM_TAG, tag) == 1;
    EVP_CIPHER_CTX_free(x);
    return ok ? 0 : RSESS_ERR_CRYPTO;
}

/* AES-256-CBC with PKCS#7 padding. Decrypt: *outl receives the length;
 * bad padding is RSESS_ERR_VERIFY (Rails: "bad decrypt" -> nil). */
static int cbc_run(const rsess_cookie_keys *k, int enc, const unsigned char *key, const unsigned char *iv,
                   const unsigned char *in, size_t n, unsigned char *out, size_t *outl)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    if (!x) return RSESS_ERR_CRYPTO;
    int l = 0, l2 = 0, rc = RSESS_ERR_CRYPTO;
    if (EVP_CipherInit_ex2(x, k->cbc, key, iv, enc, NULL) == 1 &&
        EVP_CipherUpdate(x, out, &l, in, (int)n) == 1)
        rc = EVP_CipherFinal_ex(x, out + l, &l2) == 1 ? 0 : enc ? RSESS_ERR_CRYPTO : RSESS_ERR_VERIFY;
    EVP_CIPHER_CTX_free(x);
    *outl = (size_t)l + (size_t)l2;
    return rc;
}

/* --- picking the value --------------------------------------------------------- */
static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static void trim(const char **s, size_t *n)
{
    while (*n && is_ws(**s))
        (*s)++, (*n)--;
    while (*n && is_ws((*s)[*n - 1]))
        (*n)--;
}

/* Only %XX: a '+' stays '+' (Rails writes %2B; pasted cookies keep '+'). */
static int pct_decode(const char *s, size_t n, rsess_buf *out)
{
    if (rs_buf_reserve(out, n)) return RSESS_ERR_NOMEM;
    unsigned char *o = out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n && (h = rs_hex_value((unsigned char)s[i + 1])) >= 0 && (l = rs_hex_value((unsigned char)s[i + 2])) >= 0) {
            *o++ = (unsigned char)(h << 4 | l);
            i += 2;
        } else {
            *o++ = (unsigned char)s[i];
        }
    }
    out->len = (size_t)(o - out->data);
    return 0;
}

static bool prefix_ci(const char *s, size_t n, const char *p)
{
    size_t m = strlen(p);
    if (n < m) return false;
    for (size_t i = 0; i < m; i++)
        if ((s[i] | 32) != (p[i] | 32)) return false;
    return true;
}

/* "name=value" rather than a bare value: in a bare value a '=' is base64
 * padding, followed only by more padding, "--" or the end. */
static bool looks_like_pair(const char *s, size_t n)
{
    const char *eq = memchr(s, '=', n);
    if (!eq || eq == s || (size_t)(eq - s) + 1 >= n) return false;
    char c = eq[1];
    return c != '=' && c != '-' && !is_ws(c);
}

/* The raw (still escaped) value: see rsess_cookie_value(). */
static int pick(const char *text, size_t len, const char *name, size_t nlen, const char **val, size_t *vlen,
                rsess_err *err)
{
    trim(&text, &len);
    bool header = prefix_ci(text, len, "cookie:");
    if (header) {
        text += 7, len -= 7;
        trim(&text, &len);
    }
    header = header || memchr(text, ';', len) != NULL || looks_like_pair(text, len);
    size_t pairs = 0;
    const char *only = NULL;
    size_t only_len = 0;
    for (size_t i = 0; i < len;) {
        const char *semi = memchr(text + i, ';', len - i);
        size_t end = semi ? (size_t)(semi - text) : len;
        const char *p = text + i;
        size_t n = end - i;
        trim(&p, &n);
        i = end + 1;
        if (!n) continue;
        pairs++;
        const char *eq = memchr(p, '=', n);
        if (!eq) continue;
        size_t klen = (size_t)(eq - p);
        const char *k = p;
        trim(&k, &klen);
        if (name && klen == nlen && memcmp(k, name, nlen) == 0) {
            *val = eq + 1;
            *vlen = (size_t)(p + n - (eq + 1)); /* the key was trimmed: count from '=' */
            trim(val, vlen);
            return 0;
        }
        only = eq + 1;
        only_len = n - (size_t)(eq + 1 - p);
    }
    if (header) {
        if (name)
            return rs_fail(err, RSESS_ERR_NOT_FOUND, 0, "no cookie named %.*s", (int)(nlen > 64 ? 64 : nlen),
                           name);
        if (pairs != 1 || !only)
            return rs_fail(err, RSESS_ERR_ARG, 0, "a Cookie header of several cookies needs a name");
        *val = only;
        *vlen = only_len;
        trim(val, vlen);
        return 0;
    }
    *val = text;
    *vlen = len;
    return 0;
}

int rsess_cookie_value(const char *text, size_t len, const char *name, size_t nlen, rsess_buf *out,
                       rsess_err *err)
{
    if ((!text && len) || !out || (!name && nlen)) return rs_fail(err, RSESS_ERR_ARG, 0, "NULL argument");
    const char *v;
    size_t vn;
    int rc = pick(text ? text : "", len, name, nlen, &v, &vn, err);
    if (rc) return rc;
    if (pct_decode(v, vn, out)) return rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
    return 0;
}

/* --- reading ------------------------------------------------------------------- */
typedef struct reader {
    const rsess_cookie_keys *keys;
    rsess_cookie_read_opts o;
    rsess_read_opts ro;
    const rsess_alloc *alloc;
    rsess_cookie_info *info;
    rsess_err *err;
    rsess_buf a, b; /* scratch: decoded parts, plaintext */
} reader;

static int fail(reader *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(reader *r, int code, const char *fmt, ...)
{
    char text[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return rs_fail(r->err, code, 0, "%s", text);
}

static bool allowed(unsigned mask, int bit) { return !mask || (mask & (1u << bit)); }

/* Digest of a lower-case hex MAC by its length (Rails' and Rack's hexdigest). */
static rsess_digest digest_of_hex(size_t n)
{
    return n == 40    ? RSESS_DIGEST_SHA1
           : n == 64  ? RSESS_DIGEST_SHA256
           : n == 128 ? RSESS_DIGEST_SHA512
                      : RSESS_DIGEST_NONE;
}

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Time.iso8601 as Rails writes exp: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM). */
static bool parse_iso8601(const char *s, size_t n, double *out)
{
    int y, mo, d, h, mi, sec, oh = 0, om = 0;
    if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
        s[16] != ':')
        return false;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) || !digits(s + 11, 2, &h) ||
        !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &sec))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 60) return false;
    size_t i = 19;
    double frac = 0, scale = 0.1;
    if (i < n && s[i] == '.') {
        i++;
        size_t start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            frac += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start) return false;
    }
    int sign = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':' && digits(s + i + 1, 2, &oh) &&
               digits(s + i + 4, 2, &om)) {
        sign = s[i] == '-' ? -1 : 1;
        i += 6;
    } else {
        return false;
    }
    if (i != n) return false;
    int64_t t =
        rs_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
    *out = (double)t + frac;
    return true;
}

int rs_cookie_json_read(const char *text, size_t len, const rsess_read_opts *opts, rsess_doc **out,
                        rsess_err *err)
{
    rsess_json_opts o;
    rsess_json_opts_init(&o);
    o.alloc = opts ? opts->alloc : NULL;
    size_t depth = opts && opts->limits.max_depth ? opts->limits.max_depth : RSESS_DEFAULT_MAX_DEPTH;
    o.max_nesting = depth < RSESS_JSON_DEFAULT_MAX_NESTING ? depth : RSESS_JSON_DEFAULT_MAX_NESTING;
    o.max_nodes = opts && opts->limits.max_nodes ? opts->limits.max_nodes : RSESS_DEFAULT_MAX_NODES;
    o.max_input = SIZE_MAX; /* bounded already: by the cookie's size, or the inflate cap */
    return rs_json_doc(text, len, RS_JSON_COOKIE, &o, out, err);
}

/* The session from the serialized bytes, as the jar's serializer loads it. */
static int load_payload(reader *r, const unsigned char *p, size_t n, rsess_doc **out)
{
    r->info->payload_len = n;
    if (n >= 2 && p[0] == 4 && p[1] == 8) {
        r->info->serializer = RSESS_SERIALIZER_MARSHAL;
        if (r->o.serializer == RSESS_SERIALIZER_JSON)
            return fail(r, RSESS_ERR_SERIALIZER, "a Marshal payload, refused by the :json serializer");
        *out = rsess_read(p, n, &r->ro, r->err);
        return *out ? 0 : r->err->code ? r->err->code : RSESS_ERR_NOMEM;
    }
    if (n >= 2 && p[0] == 0xcc && p[1] == 0x80) {
        r->info->serializer = RSESS_SERIALIZER_MESSAGE_PACK;
        return fail(r, RSESS_ERR_UNSUPPORTED,
                    "a MessagePack payload (Rails 7.1 :message_pack): not supported");
    }
    r->info->serializer = RSESS_SERIALIZER_JSON;
    return rs_cookie_json_read((const char *)p, n, &r->ro, out, r->err);
}

/* ActiveSupport::Messages::Metadata (6.1): a JSON Hash with a "_rails" key
 * is an envelope {"message": b64(S), "exp": iso8601|null, "pur": p|null};
 * anything else is the serialized value itself. The purpose must be empty
 * or "cookie.<name>" (the jar tries that purpose, then none); exp must be
 * after now. Then the serializer loads S. */
static int unwrap(reader *r, const unsigned char *p, size_t n, rsess_doc **out)
{
    size_t i = 0;
    while (i < n && is_ws((char)p[i]))
        i++;
    if (i == n || p[i] != '{') return load_payload(r, p, n, out);
    rsess_doc *doc = NULL;
    int jrc = rs_cookie_json_read((const char *)p, n, &r->ro, &doc, NULL);
    /* out of memory is no answer: read on, an envelope would pass unchecked */
    if (jrc == RSESS_ERR_NOMEM) return fail(r, jrc, "out of memory");
    if (jrc) return load_payload(r, p, n, out);
    const rsess_val *rails = rsess_hash_get(rsess_doc_root(doc), "_rails", 6);
    if (!rails) { /* plain JSON: already parsed */
        r->info->serializer = RSESS_SERIALIZER_JSON;
        r->info->payload_len = n;
        *out = doc;
        return 0;
    }
    r->info->envelope = true;
    int rc = 0;
    const rsess_val *msg = rsess_hash_get(rails, "message", 7), *exp = rsess_hash_get(rails, "exp", 3);
    const rsess_val *pur = rsess_hash_get(rails, "pur", 3);
    size_t mlen = 0, elen = 0, plen = 0;
    const char *m = rsess_str(msg, &mlen), *e = rsess_str(exp, &elen), *ps = rsess_str(pur, &plen);
    if (rsess_type_of(rails) != RSESS_HASH || !m) {
        rc = fail(r, RSESS_ERR_COOKIE, "a _rails envelope without a message");
        goto done;
    }
    if (ps) {
        r->info->has_purpose = true;
        r->info->purpose_len = plen;
        size_t cut = plen < RSESS_COOKIE_PURPOSE_MAX - 1 ? plen : RSESS_COOKIE_PURPOSE_MAX - 1;
        memcpy(r->info->purpose, ps, cut);
        r->info->purpose[cut] = 0;
    } else if (pur && rsess_type_of(pur) != RSESS_NIL) {
        r->info->has_purpose = true; /* a purpose that is no String matches no name */
    }
    if (e) {
        if (!parse_iso8601(e, elen, &r->info->expires_at)) {
            rc = fail(r, RSESS_ERR_COOKIE, "the envelope's exp is not an ISO 8601 time");
            goto done;
        }
        r->info->has_expires_at = true;
    } else if (exp && rsess_type_of(exp) != RSESS_NIL) {
        rc = fail(r, RSESS_ERR_COOKIE, "the envelope's exp is not a String");
        goto done;
    }
    if (!(r->o.flags & RSESS_COOKIE_ANY_PURPOSE) && r->info->has_purpose && !(ps && plen == 0)) {
        bool match = ps && plen == r->o.name_len + 7 && memcmp(ps, "cookie.", 7) == 0 &&
                     memcmp(ps + 7, r->o.name, r->o.name_len) == 0;
        if (!match) {
            rc = fail(r, RSESS_ERR_PURPOSE, "purpose '%.*s' is not 'cookie.%.*s'",
                      (int)(plen > 60 ? 60 : plen), ps ? ps : "",
                      (int)(r->o.name_len > 60 ? 60 : r->o.name_len), r->o.name);
            goto done;
        }
    }
    if (!(r->o.flags & RSESS_COOKIE_IGNORE_EXPIRY) && r->info->has_expires_at &&
        !(r->o.now < r->info->expires_at)) {
        rc = fail(r, RSESS_ERR_EXPIRED, "expired at %.*s", (int)(elen > 40 ? 40 : elen), e);
        goto done;
    }
    r->b.len = 0;
    if ((rc = b64_strict(m, mlen, &r->b))) {
        rc = rc == RSESS_ERR_NOMEM ? fail(r, rc, "out of memory")
                                   : fail(r, RSESS_ERR_COOKIE, "the envelope's message is not strict base64");
        goto done;
    }
    rsess_doc_free(doc);
    doc = NULL;
    return load_payload(r, r->b.data ? r->b.data : (const unsigned char *)"", r->b.len, out);
done:
    rsess_doc_free(doc);
    return rc;
}

/* Splits s on "--" into at most max parts; returns the count (max + 1 when
 * there are more). */
static size_t split_parts(const char *s, size_t n, const char **part, size_t *plen, size_t max)
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == '-' && s[i + 1] == '-') {
            if (k == max) return max + 1;
            part[k] = s + start, plen[k] = i - start, k++;
            start = i + 2;
            i++;
        }
    }
    if (k == max) return max + 1;
    part[k] = s + start, plen[k] = n - start, k++;
    return k;
}

static int nomem_or(reader *r, int rc, int code, const char *what)
{
    if (rc == RSESS_ERR_NOMEM) return fail(r, RSESS_ERR_NOMEM, "out of memory");
    return fail(r, code, "%s", what);
}

/* The PBKDF2 digests to try, in Rails' order of likelihood: SHA256 (7.0+)
 * then SHA1 (up to 6.1). */
static const rsess_digest kdf_order[] = {RSESS_DIGEST_SHA256, RSESS_DIGEST_SHA1};

/* b64(C)--b64(IV12)--b64(TAG16) (Rails 5.2+ AES-GCM). */
static int read_gcm(reader *r, const char **part, const size_t *plen, rsess_doc **out)
{
    rsess_cookie_info *info = r->info;
    info->format = RSESS_COOKIE_GCM;
    if (!allowed(r->o.formats, RSESS_COOKIE_GCM)) return fail(r, RSESS_ERR_VERIFY, "does not verify");
    r->a.len = 0;
    int rc;
    size_t l0 = 0, l1 = 0;
    if ((rc = b64_strict(part[0], plen[0], &r->a)) ||
        (l0 = r->a.len, rc = b64_strict(part[1], plen[1], &r->a)) ||
        (l1 = r->a.len, rc = b64_strict(part[2], plen[2], &r->a)))
        return nomem_or(r, rc, RSESS_ERR_COOKIE, "an encrypted cookie part is not strict base64");
    size_t ctn = l0, ivn = l1 - l0, tagn = r->a.len - l1;
    if (ivn != GCM_IV) return fail(r, RSESS_ERR_COOKIE, "the IV is %zu bytes, not 12", ivn);
    if (tagn != GCM_TAG) return fail(r, RSESS_ERR_VERIFY, "does not verify (a %zu-byte tag)", tagn);
    if (!r->keys) return fail(r, RSESS_ERR_VERIFY, "does not verify (no keys)");
    const unsigned char *ct = r->a.data, *iv = ct + ctn, *tag = iv + GCM_IV;
    if (ctn > INT32_MAX) return fail(r, RSESS_ERR_SIZE, "too long");
    r->b.len = 0;
    if (rs_buf_reserve(&r->b, ctn + 16)) return fail(r, RSESS_ERR_NOMEM, "out of memory");
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    if (!x) return fail(r, RSESS_ERR_CRYPTO, "libcrypto failed in AES-GCM");
    /* the likeliest first: AES-256 with SHA256 keys (7.0+), then SHA1 keys (5.2-6.1) */
    for (size_t s = 0; s < r->keys->n; s++) {
        const keyset *ks = &r->keys->sets[s];
        for (int c = RSESS_CIPHER_AES_256_GCM; c <= RSESS_CIPHER_AES_128_GCM; c++) {
            if (!allowed(r->o.ciphers, c)) continue;
            for (size_t di = 0; di < 2; di++) {
                rsess_digest d = kdf_order[di];
                if (!(ks->kdf & (1u << d)) || !allowed(r->o.kdf_digests, d)) continue;
                rc = gcm_open(x, r->keys->gcm[c], ks->k[d].gcm, ct, ctn, iv, tag, r->b.data);
                if (rc == RSESS_ERR_CRYPTO) {
                    EVP_CIPHER_CTX_free(x);
                    return fail(r, rc, "libcrypto failed in AES-GCM");
                }
                if (rc) continue;
                EVP_CIPHER_CTX_free(x);
                info->verified = true;
                info->rotation = (unsigned)s;
                info->kdf_digest = d;
                info->cipher = (rsess_cipher)c;
                r->b.len = ctn;
                return unwrap(r, r->b.data, ctn, out);
            }
        }
    }
    EVP_CIPHER_CTX_free(x);
    OPENSSL_cleanse(r->b.data, r->b.cap);
    return fail(r, RSESS_ERR_VERIFY, "does not verify");
}

/* Rack's traits, which Rails 3 never had: base64 with line breaks (rack <
 * 2.1), a JSON coder, or a Rack::Session::SessionId object (rack 2.0.8+).
 * The bytes of the two formats are otherwise the same. */
static bool looks_rack(const char *data, size_t n, const rsess_doc *doc)
{
    if (memchr(data, '\n', n)) return true;
    const rsess_val *root = rsess_doc_root(doc);
    return rsess_type_of(root) != RSESS_HASH ||
           rsess_is_a(rsess_hash_get(root, "session_id", 10), "Rack::Session::SessionId");
}

/* Rack's coders: Base64::Marshal, Base64::JSON, Base64::ZipJSON. */
static int load_rack(reader *r, const unsigned char *p, size_t n, rsess_doc **out)
{
    if (n >= 2 && p[0] == 0x78 && ((p[0] << 8 | p[1]) % 31) == 0) { /* a zlib header */
        rsess_buf z;
        rsess_buf_init(&z, r->alloc);
        size_t cap = r->ro.limits.max_inflated ? r->ro.limits.max_inflated : RSESS_DEFAULT_MAX_INFLATED;
        int rc = rs_inflate(p, n, cap, r->alloc, &z, 0, r->err);
        if (!rc) {
            r->info->payload_len = z.len;
            r->info->serializer = RSESS_SERIALIZER_ZIP_JSON;
            rc = rs_cookie_json_read(z.data ? (const char *)z.data : "", z.len, &r->ro, out, r->err);
        }
        if (z.data) OPENSSL_cleanse(z.data, z.cap);
        rsess_buf_free(&z);
        return rc;
    }
    return load_payload(r, p, n, out);
}

static int read_token_signed(reader *r, const char *data, size_t n, rsess_doc **out)
{
    r->a.len = 0;
    int rc = b64_lenient(data, n, &r->a);
    if (rc) return fail(r, RSESS_ERR_NOMEM, "out of memory");
    if ((rc = load_rack(r, r->a.data ? r->a.data : (const unsigned char *)"", r->a.len, out))) return rc;
    bool rack = r->info->serializer != RSESS_SERIALIZER_MARSHAL || looks_rack(data, n, *out);
    if ((rack || !allowed(r->o.formats, RSESS_COOKIE_RAILS3)) && allowed(r->o.formats, RSESS_COOKIE_RACK))
        r->info->format = RSESS_COOKIE_RACK;
    else
        r->info->format = RSESS_COOKIE_RAILS3;
    return 0;
}

/* b64(b64(C)--b64(IV16))--hex(HMAC), after the MAC verified. */
static int read_cbc_inner(reader *r, const keyset *ks, rsess_digest d, const char *data, size_t n,
                          rsess_doc **out)
{
    r->a.len = 0;
    int rc = b64_strict(data, n, &r->a);
    if (rc) return nomem_or(r, rc, RSESS_ERR_COOKIE, "the encrypted message is not strict base64");
    const char *part[3];
    size_t plen[3];
    if (split_parts((const char *)r->a.data, r->a.len, part, plen, 2) != 2)
        return fail(r, RSESS_ERR_COOKIE, "the encrypted message is not two parts");
    /* decode into the plaintext buffer: ciphertext, then IV */
    r->b.len = 0;
    size_t l0 = 0;
    if ((rc = b64_strict(part[0], plen[0], &r->b)) ||
        (l0 = r->b.len, rc = b64_strict(part[1], plen[1], &r->b)))
        return nomem_or(r, rc, RSESS_ERR_COOKIE, "an encrypted message part is not strict base64");
    if (r->b.len - l0 != CBC_IV)
        return fail(r, RSESS_ERR_COOKIE, "the IV is %zu bytes, not 16", r->b.len - l0);
    if (l0 == 0 || l0 % 16 || l0 > INT32_MAX)
        return fail(r, RSESS_ERR_VERIFY, "does not verify (bad decrypt)");
    unsigned char iv[CBC_IV];
    memcpy(iv, r->b.data + l0, CBC_IV);
    /* ciphertext moves to the a buffer's start, plaintext goes into b */
    memcpy(r->a.data, r->b.data, l0);
    size_t ptn = 0;
    rc = cbc_run(r->keys, 0, ks->k[d].cbc, iv, r->a.data, l0, r->b.data, &ptn);
    if (rc == RSESS_ERR_CRYPTO) return fail(r, rc, "libcrypto failed in AES-CBC");
    if (rc) return fail(r, RSESS_ERR_VERIFY, "does not verify (bad decrypt)");
    r->info->cipher = RSESS_CIPHER_AES_256_CBC;
    r->b.len = ptn;
    return unwrap(r, r->b.data, ptn, out);
}

/* What a data--hex cookie that no key verifies looks like, for info: an
 * encrypted message (b64 of "b64--b64"), Marshal (Rails 3, Rack) or a
 * signed cookie. */
static void guess_format(reader *r, const char *data, size_t n)
{
    r->a.len = 0;
    if (memchr(data, '\n', n)) {
        r->info->format = RSESS_COOKIE_RACK;
        return;
    }
    if (b64_strict(data, n, &r->a) != 0) return;
    const char *part[3];
    size_t plen[3];
    const unsigned char *p = r->a.data ? r->a.data : (const unsigned char *)"";
    if (r->a.len >= 2 && p[0] == 4 && p[1] == 8)
        r->info->format = RSESS_COOKIE_RAILS3;
    else if (r->a.len && p[0] != '{' && split_parts((const char *)p, r->a.len, part, plen, 2) == 2)
        r->info->format = RSESS_COOKIE_CBC;
}

/* data--hex: cookies.signed, CBC+HMAC, Rails 3 and Rack; told apart by the
 * key that verifies. */
static int read_signed(reader *r, const char *data, size_t n, const char *hex, size_t hexlen, rsess_doc **out)
{
    rsess_cookie_info *info = r->info;
    rsess_digest hd = digest_of_hex(hexlen);
    info->hmac_digest = hd;
    info->format = RSESS_COOKIE_SIGNED;
    int rc;
    bool ok;
    if (hd && allowed(r->o.hmac_digests, hd) && r->keys) {
        for (size_t s = 0; s < r->keys->n; s++) {
            const keyset *ks = &r->keys->sets[s];
            for (size_t di = 0; di < 2; di++) {
                rsess_digest d = kdf_order[di];
                if (!(ks->kdf & (1u << d)) || !allowed(r->o.kdf_digests, d)) continue;
                if (allowed(r->o.formats, RSESS_COOKIE_SIGNED)) {
                    if ((rc = mac_matches(ks->mac[MAC_SIGNED][d][hd], hd, data, n, hex, hexlen, &ok)))
                        return fail(r, rc, "libcrypto failed in HMAC");
                    if (ok) {
                        info->verified = true, info->rotation = (unsigned)s, info->kdf_digest = d;
                        r->a.len = 0;
                        if ((rc = b64_strict(data, n, &r->a)))
                            return nomem_or(r, rc, RSESS_ERR_COOKIE, "the signed data is not strict base64");
                        return unwrap(r, r->a.data ? r->a.data : (const unsigned char *)"", r->a.len, out);
                    }
                }
                if (allowed(r->o.formats, RSESS_COOKIE_CBC) &&
                    allowed(r->o.ciphers, RSESS_CIPHER_AES_256_CBC)) {
                    if ((rc = mac_matches(ks->mac[MAC_CBC][d][hd], hd, data, n, hex, hexlen, &ok)))
                        return fail(r, rc, "libcrypto failed in HMAC");
                    if (ok) {
                        info->format = RSESS_COOKIE_CBC;
                        info->verified = true, info->rotation = (unsigned)s, info->kdf_digest = d;
                        return read_cbc_inner(r, ks, d, data, n, out);
                    }
                }
            }
            if (ks->token &&
                (allowed(r->o.formats, RSESS_COOKIE_RAILS3) || allowed(r->o.formats, RSESS_COOKIE_RACK))) {
                if ((rc = mac_matches(ks->mac[MAC_TOKEN][0][hd], hd, data, n, hex, hexlen, &ok)))
                    return fail(r, rc, "libcrypto failed in HMAC");
                if (ok) {
                    info->verified = true, info->rotation = (unsigned)s;
                    return read_token_signed(r, data, n, out);
                }
            }
        }
    }
    if (!(r->o.flags & RSESS_COOKIE_UNVERIFIED)) {
        guess_format(r, data, n);
        return fail(r, RSESS_ERR_VERIFY, "does not verify");
    }
    /* inspection only: what the payload says, unverified */
    r->a.len = 0;
    if (b64_strict(data, n, &r->a) == 0) {
        const unsigned char *p = r->a.data ? r->a.data : (const unsigned char *)"";
        size_t pn = r->a.len;
        if (!(pn >= 2 && p[0] == 4 && p[1] == 8)) {
            const char *part[3];
            size_t plen[3];
            if (split_parts((const char *)p, pn, part, plen, 2) == 2 && pn && p[0] != '{') {
                info->format = RSESS_COOKIE_CBC;
                return fail(r, RSESS_ERR_VERIFY, "does not verify (an encrypted cookie needs its key)");
            }
            return unwrap(r, p, pn, out);
        }
    }
    return read_token_signed(r, data, n, out);
}

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

/* Base64 as Rack < 2.1 wrote it: the alphabet, padding, line breaks. */
static bool base64_text(const char *s, size_t n)
{
    if (!n) return false;
    for (size_t i = 0; i < n; i++)
        if (b64val((unsigned char)s[i]) < 0 && s[i] != '=' && s[i] != '\n') return false;
    return true;
}

static int read_value(reader *r, const char *v, size_t n, rsess_doc **out)
{
    const char *part[4];
    size_t plen[4];
    size_t k = split_parts(v, n, part, plen, 3);
    if (k == 3) return read_gcm(r, part, plen, out);
    if (k == 2) return read_signed(r, part[0], plen[0], part[1], plen[1], out);
    if (k == 1) {
        if ((n == 32 || n == 64) && all_hex(v, n)) {
            r->info->format = RSESS_COOKIE_SESSION_ID;
            return fail(r, RSESS_ERR_COOKIE,
                        "a plain session id: the session is in the store (see rsess key)");
        }
        if ((r->o.flags & RSESS_COOKIE_UNVERIFIED) && allowed(r->o.formats, RSESS_COOKIE_RACK_UNSIGNED) &&
            base64_text(v, n)) {
            r->a.len = 0;
            if (b64_lenient(v, n, &r->a)) return fail(r, RSESS_ERR_NOMEM, "out of memory");
            r->info->format = RSESS_COOKIE_RACK_UNSIGNED;
            return load_rack(r, r->a.data ? r->a.data : (const unsigned char *)"", r->a.len, out);
        }
    }
    return fail(r, RSESS_ERR_COOKIE, "not a signed or encrypted cookie (%zu parts)", k > 3 ? (size_t)4 : k);
}

static void wipe_buf(rsess_buf *b)
{
    if (b->data) OPENSSL_cleanse(b->data, b->cap);
    rsess_buf_free(b);
}

int rsess_cookie_read(const rsess_cookie_keys *keys, const char *text, size_t len,
                      const rsess_cookie_read_opts *opts, rsess_doc **out, rsess_cookie_info *info,
                      rsess_err *err)
{
    rsess_cookie_info dummy;
    rsess_err local; /* the payload readers' codes come through it */
    if (!info) info = &dummy;
    if (!err) err = &local;
    rs_ok(err);
    memset(info, 0, sizeof *info);
    if (!out) return rs_fail(err, RSESS_ERR_ARG, 0, "NULL out");
    *out = NULL;
    if (!opts || (!text && len)) return rs_fail(err, RSESS_ERR_ARG, 0, "NULL argument");
    reader r;
    memset(&r, 0, sizeof r);
    rsess_cookie_read_opts_init(&r.o);
    int rc = take_opts(&r.o, sizeof r.o, opts, err);
    if (rc) return rc;
    if (!r.o.max_len) r.o.max_len = RSESS_COOKIE_DEFAULT_MAX_LEN;
    if (!r.o.name && !(r.o.flags & RSESS_COOKIE_ANY_PURPOSE))
        return rs_fail(err, RSESS_ERR_ARG, 0, "give the cookie name or RSESS_COOKIE_ANY_PURPOSE");
    if (!(r.o.now > 0) && !(r.o.flags & RSESS_COOKIE_IGNORE_EXPIRY))
        return rs_fail(err, RSESS_ERR_ARG, 0, "give the clock (now) or RSESS_COOKIE_IGNORE_EXPIRY");
    if (!keys && !(r.o.flags & RSESS_COOKIE_UNVERIFIED)) return rs_fail(err, RSESS_ERR_ARG, 0, "NULL keys");
    if (len > r.o.max_len)
        return rs_fail(err, RSESS_ERR_SIZE, 0, "cookie of %zu bytes, over the limit of %zu", len,
                       r.o.max_len);
    if (r.o.read) r.ro = *r.o.read;
    r.alloc = r.ro.alloc;
    r.ro.flags &= ~(unsigned)RSESS_READ_BORROW; /* the scratch buffers are wiped */
    r.ro.flags |= RSESS_READ_ALLOW_TRAILING;     /* Marshal.load ignores bytes after the value */
    r.keys = keys;
    r.info = info;
    r.err = err;
    rsess_buf_init(&r.a, r.alloc);
    rsess_buf_init(&r.b, r.alloc);
    rsess_buf val;
    rsess_buf_init(&val, r.alloc);
    const char *v;
    size_t vn;
    rc = pick(text ? text : "", len, r.o.name, r.o.name ? r.o.name_len : 0, &v, &vn, err);
    if (!rc && pct_decode(v, vn, &val)) rc = rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
    if (!rc) rc = read_value(&r, val.data ? (const char *)val.data : "", val.len, out);
    if (rc && *out) {
        rsess_doc_free(*out);
        *out = NULL;
    }
    if (rc && !err->code) rs_fail(err, rc, 0, NULL);
    rsess_buf_free(&val);
    wipe_buf(&r.a);
    wipe_buf(&r.b);
    return rc;
}

/* --- writing ------------------------------------------------------------------- */

/* ActiveSupport::JSON's escapes on top of JSON.generate's: < > & and the
 * JavaScript line separators. They occur only inside strings of JSON text,
 * so the text can be rewritten byte by byte. */
static int as_json_escape(const unsigned char *p, size_t n, rsess_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        if (p[i] == '<')
            rep = "\\u003c";
        else if (p[i] == '>')
            rep = "\\u003e";
        else if (p[i] == '&')
            rep = "\\u0026";
        else if (p[i] == 0xe2 && i + 2 < n && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
            rep = p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
            i += 2;
        }
        if (rep ? rs_buf_put(out, rep, 6) : rs_buf_putc(out, p[i])) return RSESS_ERR_NOMEM;
    }
    return 0;
}

/* A JSON string of bytes (the purpose), escaped as ActiveSupport does. */
static int json_str(const char *s, size_t n, rsess_buf *out)
{
    if (rs_buf_putc(out, '"')) return RSESS_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\')
            esc[0] = '\\', esc[1] = (char)c, esc[2] = 0;
        else if (c < 0x20 || c == '<' || c == '>' || c == '&')
            snprintf(esc, sizeof esc, "\\u%04x", c);
        else
            esc[0] = (char)c, esc[1] = 0;
        if (c == '\n')
            strcpy(esc, "\\n");
        else if (c == '\r')
            strcpy(esc, "\\r");
        else if (c == '\t')
            strcpy(esc, "\\t");
        else if (c == '\b')
            strcpy(esc, "\\b");
        else if (c == '\f')
            strcpy(esc, "\\f");
        if (rs_buf_puts(out, esc)) return RSESS_ERR_NOMEM;
    }
    return rs_buf_putc(out, '"');
}

/* Time#utc.iso8601(3): milliseconds truncated. */
static int iso8601_ms(double t, rsess_buf *out)
{
    double ms = floor(t * 1000.0 + 1e-6);
    if (!(fabs(ms) < 9e15)) return RSESS_ERR_RANGE;
    int64_t m = (int64_t)ms;
    int64_t secs = m >= 0 ? m / 1000 : -((-m + 999) / 1000);
    int frac = (int)(m - secs * 1000);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    int64_t y;
    int mo, d;
    rs_civil_from_days(days, &y, &mo, &d);
    if (y < 0 || y > 9999) return RSESS_ERR_RANGE;
    return rs_buf_printf(out, "\"%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ\"", (long long)y, mo, d,
                         (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), frac);
}

/* URI.encode_www_form_component, which Rack's set_cookie_header applies. */
static int www_form_escape(const unsigned char *p, size_t n, rsess_buf *out)
{
    static const char H[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        int rc;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '*' ||
            c == '-' || c == '.' || c == '_')
            rc = rs_buf_putc(out, c);
        else if (c == ' ')
            rc = rs_buf_putc(out, '+');
        else {
            char e[3] = {'%', H[c >> 4], H[c & 15]};
            rc = rs_buf_put(out, e, 3);
        }
        if (rc) return RSESS_ERR_NOMEM;
    }
    return 0;
}

static int put_hex_mac(const EVP_MAC_CTX *key, rsess_digest d, const unsigned char *data, size_t n,
                       rsess_buf *out)
{
    unsigned char mac[64];
    char text[128];
    if (hmac(key, d, data, n, mac)) return RSESS_ERR_CRYPTO;
    rs_hex_encode(mac, hmac_len(d), text);
    OPENSSL_cleanse(mac, sizeof mac);
    return rs_buf_put(out, text, 2 * hmac_len(d));
}

typedef struct writer {
    rsess_buf s, p, v, t; /* serialized value, plaintext (envelope), cookie value, scratch */
} writer;

/* Rails' jars use ActiveSupport::JSON; Rack's JSON coder uses JSON.dump. */
static int serialize(const rsess_val *v, rsess_serializer ser, bool rails, writer *w, rsess_err *err)
{
    if (ser == RSESS_SERIALIZER_MARSHAL) return rsess_write(v, &w->s, err);
    if (!rails) return rsess_print(v, RSESS_VIEW_JSON, 0, &w->s, err);
    int rc = rsess_print(v, RSESS_VIEW_JSON, 0, &w->t, err);
    if (rc) return rc;
    if (as_json_escape(w->t.data, w->t.len, &w->s)) return rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
    return 0;
}

static int envelope(const rsess_cookie_write_opts *o, writer *w, rsess_err *err)
{
    int rc = rs_buf_puts(&w->p, "{\"_rails\":{\"message\":\"");
    if (!rc) rc = b64_encode(w->s.data, w->s.len, &w->p);
    if (!rc) rc = rs_buf_puts(&w->p, "\",\"exp\":");
    if (!rc) {
        if (o->has_expires_at) {
            rc = iso8601_ms(o->expires_at, &w->p);
            if (rc == RSESS_ERR_RANGE) return rs_fail(err, RSESS_ERR_ARG, 0, "expiry out of range");
        } else {
            rc = rs_buf_puts(&w->p, "null");
        }
    }
    if (!rc) rc = rs_buf_puts(&w->p, ",\"pur\":");
    if (!rc) {
        if (o->name) {
            w->t.len = 0;
            rc = rs_buf_put(&w->t, "cookie.", 7);
            if (!rc) rc = rs_buf_put(&w->t, o->name, o->name_len);
            if (!rc) rc = json_str((const char *)w->t.data, w->t.len, &w->p);
        } else {
            rc = rs_buf_puts(&w->p, "null");
        }
    }
    if (!rc) rc = rs_buf_puts(&w->p, "}}");
    return rc ? rs_fail(err, RSESS_ERR_NOMEM, 0, NULL) : 0;
}

static int fresh_iv(const unsigned char *iv, size_t iv_len, size_t want, unsigned char *out, rsess_err *err)
{
    if (iv) {
        if (iv_len != want)
            return rs_fail(err, RSESS_ERR_ARG, 0, "an IV of %zu bytes, not %zu", iv_len, want);
        memcpy(out, iv, want);
        return 0;
    }
    return RAND_bytes(out, (int)want) == 1 ? 0 : rs_fail(err, RSESS_ERR_CRYPTO, 0, "no random bytes");
}

static int seal(const rsess_cookie_keys *k, const keyset *ks, rsess_digest d,
                const rsess_cookie_write_opts *o, const unsigned char *ivin, size_t ivin_len, writer *w,
                rsess_err *err)
{
    const unsigned char *pt = w->p.data ? w->p.data : (const unsigned char *)"";
    size_t n = w->p.len;
    rsess_digest hd = o->hmac_digest ? o->hmac_digest : RSESS_DIGEST_SHA1;
    unsigned char iv[CBC_IV], tag[GCM_TAG];
    int rc = 0;
    if (n > INT32_MAX - 32) return rs_fail(err, RSESS_ERR_RANGE, 0, "session too large");
    switch (o->format) {
    case RSESS_COOKIE_GCM:
        if ((rc = fresh_iv(ivin, ivin_len, GCM_IV, iv, err))) return rc;
        w->t.len = 0;
        if (rs_buf_reserve(&w->t, n + 1)) return rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
        if (gcm_seal(k, o->cipher, ks->k[d].gcm, pt, n, iv, w->t.data, tag))
            return rs_fail(err, RSESS_ERR_CRYPTO, 0, "libcrypto failed in AES-GCM");
        w->t.len = n;
        rc = b64_encode(w->t.data, n, &w->v);
        if (!rc) rc = rs_buf_put(&w->v, "--", 2);
        if (!rc) rc = b64_encode(iv, GCM_IV, &w->v);
        if (!rc) rc = rs_buf_put(&w->v, "--", 2);
        if (!rc) rc = b64_encode(tag, GCM_TAG, &w->v);
        break;
    case RSESS_COOKIE_CBC: {
        if ((rc = fresh_iv(ivin, ivin_len, CBC_IV, iv, err))) return rc;
        w->t.len = 0;
        if (rs_buf_reserve(&w->t, n + 32)) return rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
        size_t ctn = 0;
        if (cbc_run(k, 1, ks->k[d].cbc, iv, pt, n, w->t.data, &ctn))
            return rs_fail(err, RSESS_ERR_CRYPTO, 0, "libcrypto failed in AES-CBC");
        w->t.len = ctn;
        rsess_buf inner;
        rsess_buf_init(&inner, w->v.alloc);
        rc = b64_encode(w->t.data, ctn, &inner);
        if (!rc) rc = rs_buf_put(&inner, "--", 2);
        if (!rc) rc = b64_encode(iv, CBC_IV, &inner);
        if (!rc) rc = b64_encode(inner.data, inner.len, &w->v);
        rsess_buf_free(&inner);
        size_t outer = w->v.len;
        if (!rc) rc = rs_buf_put(&w->v, "--", 2);
        if (!rc) rc = put_hex_mac(ks->mac[MAC_CBC][d][hd], hd, w->v.data, outer, &w->v);
        break;
    }
    case RSESS_COOKIE_SIGNED:
        rc = b64_encode(pt, n, &w->v);
        if (!rc) {
            size_t dn = w->v.len;
            rc = rs_buf_put(&w->v, "--", 2);
            if (!rc) rc = put_hex_mac(ks->mac[MAC_SIGNED][d][hd], hd, w->v.data, dn, &w->v);
        }
        break;
    default: /* Rails 3, Rack */
        rc = b64_encode(pt, n, &w->v);
        if (!rc) {
            size_t dn = w->v.len;
            rc = rs_buf_put(&w->v, "--", 2);
            if (!rc) rc = put_hex_mac(ks->mac[MAC_TOKEN][0][hd], hd, w->v.data, dn, &w->v);
        }
        break;
    }
    if (rc == RSESS_ERR_CRYPTO) return rs_fail(err, rc, 0, "libcrypto failed in HMAC");
    return rc ? rs_fail(err, RSESS_ERR_NOMEM, 0, NULL) : 0;
}

int rs_cookie_write_iv(const rsess_cookie_keys *keys, const rsess_val *v, const rsess_cookie_write_opts *opts,
                       const unsigned char *iv, size_t iv_len, rsess_buf *out, rsess_err *err)
{
    if (!keys || !v || !opts || !out || !keys->n) return rs_fail(err, RSESS_ERR_ARG, 0, "NULL argument");
    rsess_cookie_write_opts o;
    rsess_cookie_write_opts_init(&o);
    int rc = take_opts(&o, sizeof o, opts, err);
    if (rc) return rc;
    const keyset *ks = &keys->sets[0];
    bool rails =
        o.format == RSESS_COOKIE_GCM || o.format == RSESS_COOKIE_CBC || o.format == RSESS_COOKIE_SIGNED;
    bool token = o.format == RSESS_COOKIE_RAILS3 || o.format == RSESS_COOKIE_RACK;
    if (!rails && !token)
        return rs_fail(err, RSESS_ERR_ARG, 0, "cannot write a %s cookie", rsess_cookie_format_name(o.format));
    if (o.hmac_digest > RSESS_DIGEST_SHA512 || (unsigned)o.cipher > RSESS_CIPHER_AES_128_GCM ||
        (o.format == RSESS_COOKIE_GCM && o.cipher == RSESS_CIPHER_NONE))
        return rs_fail(err, RSESS_ERR_ARG, 0, "bad digest or cipher");
    rsess_digest d = o.kdf_digest;
    if (rails) {
        if (!d) d = ks->kdf & (1u << RSESS_DIGEST_SHA256) ? RSESS_DIGEST_SHA256 : RSESS_DIGEST_SHA1;
        if ((unsigned)d >= NDIG || !(ks->kdf & (1u << d)))
            return rs_fail(err, RSESS_ERR_ARG, 0, "the keys have no secret_key_base keys of digest %s",
                           rsess_digest_name(d));
    } else {
        if (!ks->token)
            return rs_fail(err, RSESS_ERR_ARG, 0, "a %s cookie needs secret_token",
                           rsess_cookie_format_name(o.format));
        if (o.name || o.has_expires_at || (o.flags & RSESS_COOKIE_WRITE_ENVELOPE))
            return rs_fail(err, RSESS_ERR_ARG, 0, "%s cookies carry no purpose or expiry",
                           rsess_cookie_format_name(o.format));
    }
    rsess_serializer ser = o.serializer;
    if (ser == RSESS_SERIALIZER_AUTO || ser == RSESS_SERIALIZER_HYBRID)
        ser = token ? RSESS_SERIALIZER_MARSHAL : RSESS_SERIALIZER_JSON;
    if ((ser != RSESS_SERIALIZER_JSON && ser != RSESS_SERIALIZER_MARSHAL) ||
        (o.format == RSESS_COOKIE_RAILS3 && ser != RSESS_SERIALIZER_MARSHAL))
        return rs_fail(err, RSESS_ERR_ARG, 0, "cannot write that serializer in a %s cookie",
                       rsess_cookie_format_name(o.format));
    writer w;
    rsess_buf_init(&w.s, out->alloc);
    rsess_buf_init(&w.p, out->alloc);
    rsess_buf_init(&w.v, out->alloc);
    rsess_buf_init(&w.t, out->alloc);
    rc = serialize(v, ser, rails, &w, err);
    if (!rc) {
        if (rails && (o.name || o.has_expires_at || (o.flags & RSESS_COOKIE_WRITE_ENVELOPE))) {
            rc = envelope(&o, &w, err);
        } else {
            rsess_buf tmp = w.p;
            w.p = w.s; /* the plaintext is the serialized value itself */
            w.s = tmp;
        }
    }
    if (!rc) rc = seal(keys, ks, d, &o, iv, iv_len, &w, err);
    if (!rc) {
        size_t before = out->len;
        rc = (o.flags & RSESS_COOKIE_WRITE_RAW) ? rs_buf_put(out, w.v.data, w.v.len)
                                                : www_form_escape(w.v.data, w.v.len, out);
        if (rc) {
            out->len = before;
            rc = rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
        }
    }
    wipe_buf(&w.s);
    wipe_buf(&w.p);
    wipe_buf(&w.v);
    wipe_buf(&w.t);
    return rc;
}

int rsess_cookie_write(const rsess_cookie_keys *keys, const rsess_val *v, const rsess_cookie_write_opts *o,
                       rsess_buf *out, rsess_err *err)
{
    return rs_cookie_write_iv(keys, v, o, NULL, 0, out, err);
}
