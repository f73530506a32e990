/* libFuzzer target: session cookies. The first byte picks a mode:
 * 0 the bytes are a cookie (or Cookie header) read with several options;
 * 1 the bytes are a plaintext the harness signs as cookies.signed does,
 *   so the envelope, serializers and payload readers are reached;
 * 2 the same signed as Rails 3 / Rack (Rack's coders, zlib);
 * 3 the bytes go to the JSON payload reader alone.
 * With bit 4 set, modes 1 and 2 encrypt the plaintext instead, as Rails
 * 5.2+ (AES-256-GCM) and 4.0-5.1 (AES-256-CBC + HMAC) do, so what follows
 * a decryption is reached too. Bits 2-3 pick the serializer.
 * A session that decodes is written back in each format and read again. */
#include "../../lib/cookie.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdlib.h>

static rsess_cookie_keys *keys;
static unsigned char signed_key[64], gcm_key[32], cbc_key[32], cbc_sign_key[64];
#define SKB "fuzz secret key base"
#define TOKEN "fuzz secret token"

static void setup(void)
{
    if (keys) return;
    rsess_cookie_opts o;
    rsess_cookie_opts_init(&o);
    o.secret_key_base = SKB, o.secret_key_base_len = strlen(SKB);
    o.secret_token = TOKEN, o.secret_token_len = strlen(TOKEN);
    o.kdf_digests = 1u << RSESS_DIGEST_SHA1;
    if (rsess_cookie_keys_new(&o, &keys, NULL)) abort();
    PKCS5_PBKDF2_HMAC(SKB, (int)strlen(SKB), (const unsigned char *)"signed cookie", 13, 1000, EVP_sha1(), 64,
                      signed_key);
    PKCS5_PBKDF2_HMAC(SKB, (int)strlen(SKB), (const unsigned char *)"authenticated encrypted cookie", 30, 1000,
                      EVP_sha1(), 32, gcm_key);
    PKCS5_PBKDF2_HMAC(SKB, (int)strlen(SKB), (const unsigned char *)"encrypted cookie", 16, 1000, EVP_sha1(), 32,
                      cbc_key);
    PKCS5_PBKDF2_HMAC(SKB, (int)strlen(SKB), (const unsigned char *)"signed encrypted cookie", 23, 1000,
                      EVP_sha1(), 64, cbc_sign_key);
}

static void read_back(const rsess_val *v)
{
    /* every format rsess writes, each serializer it takes */
    static const rsess_cookie_format fmts[] = {RSESS_COOKIE_GCM, RSESS_COOKIE_CBC,    RSESS_COOKIE_SIGNED,
                                               RSESS_COOKIE_RACK, RSESS_COOKIE_RAILS3, RSESS_COOKIE_GCM};
    for (size_t i = 0; i < sizeof fmts / sizeof *fmts; i++) {
        rsess_cookie_write_opts wo;
        rsess_cookie_write_opts_init(&wo);
        wo.format = fmts[i];
        if (fmts[i] != RSESS_COOKIE_RACK && fmts[i] != RSESS_COOKIE_RAILS3) wo.name = "n", wo.name_len = 1;
        wo.serializer = i & 1 || fmts[i] == RSESS_COOKIE_RAILS3 ? RSESS_SERIALIZER_MARSHAL : RSESS_SERIALIZER_JSON;
        rsess_buf out = {0};
        if (rsess_cookie_write(keys, v, &wo, &out, NULL) == 0) {
            rsess_cookie_read_opts ro;
            rsess_cookie_read_opts_init(&ro);
            ro.name = "n", ro.name_len = 1, ro.now = 1e9;
            ro.max_len = out.len;
            rsess_doc *d = NULL;
            if (rsess_cookie_read(keys, (const char *)out.data, out.len, &ro, &d, NULL, NULL) != 0 &&
                wo.serializer == RSESS_SERIALIZER_MARSHAL)
                abort(); /* what rsess writes in Marshal, rsess reads */
            rsess_doc_free(d);
        }
        rsess_buf_free(&out);
    }
}

static void read_with(const char *text, size_t len, unsigned flags, const char *name, rsess_serializer ser,
                      int back)
{
    rsess_cookie_read_opts ro;
    rsess_cookie_read_opts_init(&ro);
    rsess_read_opts rd = {0};
    rd.limits.max_nodes = 100000;
    rd.limits.max_inflated = 1 << 20;
    ro.read = &rd;
    ro.flags = flags;
    ro.now = 1.7e9;
    ro.serializer = ser;
    if (name) ro.name = name, ro.name_len = strlen(name);
    rsess_doc *doc = NULL;
    rsess_cookie_info info;
    if (rsess_cookie_read(keys, text, len, &ro, &doc, &info, NULL) == 0 && back)
        read_back(rsess_doc_root(doc));
    rsess_doc_free(doc);
}

static void sign(const uint8_t *p, size_t n, const unsigned char *key, size_t klen, rsess_buf *out)
{
    rsess_base64(p, n, out);
    unsigned char mac[20];
    unsigned ml = 0;
    HMAC(EVP_sha1(), key, (int)klen, out->data, out->len, mac, &ml);
    rsess_buf_append(out, "--", 2);
    rsess_hex(mac, ml, out);
}

/* AES-256-GCM or AES-256-CBC of p (a fixed IV: runs must repeat) into
 * out, the cipher's output then the tag (GCM); false if libcrypto fails. */
static bool encrypt(bool gcm, const uint8_t *p, size_t n, const unsigned char *iv, rsess_buf *out)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l1 = 0, l2 = 0;
    bool ok = x && n < (1u << 20) && rs_buf_reserve(out, n + 32) == 0 &&
              EVP_EncryptInit_ex(x, gcm ? EVP_aes_256_gcm() : EVP_aes_256_cbc(), NULL, NULL, NULL) == 1 &&
              (!gcm || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1) &&
              EVP_EncryptInit_ex(x, NULL, NULL, gcm ? gcm_key : cbc_key, iv) == 1 &&
              EVP_EncryptUpdate(x, out->data, &l1, p, (int)n) == 1 &&
              EVP_EncryptFinal_ex(x, out->data + l1, &l2) == 1 &&
              (!gcm || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, out->data + l1 + l2) == 1);
    if (ok) out->len = (size_t)(l1 + l2) + (gcm ? 16 : 0);
    EVP_CIPHER_CTX_free(x);
    return ok;
}

/* b64(C)--b64(IV)--b64(TAG) (GCM) or b64(b64(C)--b64(IV))--hex(HMAC) (CBC). */
static void seal(bool gcm, const uint8_t *p, size_t n, rsess_buf *c)
{
    static const unsigned char iv[16] = "fuzz fixed iv16";
    rsess_buf ct = {0}, msg = {0};
    if (encrypt(gcm, p, n, iv, &ct)) {
        size_t body = ct.len - (gcm ? 16 : 0);
        rsess_base64(ct.data, body, gcm ? c : &msg);
        rsess_buf_append(gcm ? c : &msg, "--", 2);
        rsess_base64(iv, gcm ? 12 : 16, gcm ? c : &msg);
        if (gcm) {
            rsess_buf_append(c, "--", 2);
            rsess_base64(ct.data + body, 16, c);
        } else {
            sign(msg.data, msg.len, cbc_sign_key, 64, c);
        }
    }
    rsess_buf_free(&ct);
    rsess_buf_free(&msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size < 1) return 0;
    int mode = data[0] & 3;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    if (mode == 0) {
        read_with((const char *)p, n, 0, "n", RSESS_SERIALIZER_AUTO, 1);
        read_with((const char *)p, n, RSESS_COOKIE_ANY_PURPOSE | RSESS_COOKIE_UNVERIFIED, NULL,
                  RSESS_SERIALIZER_JSON, 0);
        rsess_buf v = {0};
        rsess_cookie_value((const char *)p, n, "_s", 2, &v, NULL);
        rsess_buf_free(&v);
    } else if (mode == 3) {
        rsess_doc *d = NULL;
        if (rs_cookie_json_read((const char *)p, n, NULL, &d, NULL) == 0) read_back(rsess_doc_root(d));
        rsess_doc_free(d);
    } else {
        rsess_buf c = {0};
        if (data[0] & 0x10)
            seal(mode == 1, p, n, &c);
        else if (mode == 1)
            sign(p, n, signed_key, 64, &c);
        else
            sign(p, n, (const unsigned char *)TOKEN, strlen(TOKEN), &c);
        read_with((const char *)c.data, c.len, 0, "n", (data[0] >> 2) & 3, 1);
        read_with((const char *)c.data, c.len, RSESS_COOKIE_IGNORE_EXPIRY | RSESS_COOKIE_ANY_PURPOSE, NULL,
                  RSESS_SERIALIZER_AUTO, 0);
        rsess_buf_free(&c);
    }
    return 0;
}
