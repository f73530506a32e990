/* Session cookies: every real cookie of ../shared/reference/cookies (copied
 * to fixtures/cookies/reference) and every cookie Rails 6.1 / Rack 2.2 wrote
 * for tests/fixtures/generate_cookies.rb decodes to what Rails returns, or
 * is refused where Rails refuses it; rsess writes Ruby's bytes given Ruby's
 * IV; hostile input, allocation failures, the JSON payload reader. */
#include "testutil.h"

#include "cookie.h"

#include <dirent.h>
#include <pthread.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK_TIME 1795824000.0 /* index.json: 2026-11-28T00:00:00Z */

static const char *jstr(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static rsess_digest digest_of(const char *s)
{
    if (!s) return RSESS_DIGEST_NONE;
    if (!strcmp(s, "SHA1")) return RSESS_DIGEST_SHA1;
    if (!strcmp(s, "SHA256")) return RSESS_DIGEST_SHA256;
    if (!strcmp(s, "SHA512")) return RSESS_DIGEST_SHA512;
    return RSESS_DIGEST_NONE;
}

static rsess_serializer serializer_of(const char *s)
{
    if (!s) return RSESS_SERIALIZER_AUTO;
    if (!strcmp(s, "json")) return RSESS_SERIALIZER_JSON;
    if (!strcmp(s, "marshal")) return RSESS_SERIALIZER_MARSHAL;
    if (!strcmp(s, "hybrid")) return RSESS_SERIALIZER_HYBRID;
    return RSESS_SERIALIZER_AUTO;
}

/* The keys the application had: its secret and, when not Rails' default,
 * its salts. The digests are not given: rsess must find them. */
static rsess_cookie_keys *keys_for(const json_t *e)
{
    const json_t *secret = json_object_get(e, "secret");
    if (!json_is_object(secret)) return NULL;
    const json_t *cfg = json_object_get(e, "config");
    const char *fmt = jstr(cfg, "format");
    rsess_cookie_opts o;
    rsess_cookie_opts_init(&o);
    const char *skb = jstr(secret, "secret_key_base");
    const char *tok =
        jstr(secret, "secret_token") ? jstr(secret, "secret_token") : jstr(secret, "rack_secret");
    if (skb) o.secret_key_base = skb, o.secret_key_base_len = strlen(skb);
    if (tok) o.secret_token = tok, o.secret_token_len = strlen(tok);
    const char *salt = jstr(json_object_get(cfg, "kdf"), "salt");
    const char *sign_salt = jstr(json_object_get(cfg, "sign_kdf"), "salt");
    if (salt && !strcmp(fmt, "rails-gcm")) o.gcm_salt = salt;
    if (salt && !strcmp(fmt, "rails-signed")) o.signed_salt = salt;
    if (salt && !strcmp(fmt, "rails-cbc-hmac")) o.cbc_salt = salt;
    if (sign_salt) o.cbc_sign_salt = sign_salt;
    rsess_cookie_keys *k = NULL;
    rsess_err err = {0};
    ck_assert_msg(rsess_cookie_keys_new(&o, &k, &err) == 0, "%s: keys: %s", jstr(e, "id"), err.text);
    return k;
}

/* The manifests' typed rendering of a Marshal value. */
static json_t *typed(const rsess_val *v)
{
    size_t n;
    const char *s;
    json_t *o;
    switch (rsess_type_of(v)) {
    case RSESS_NIL: return json_null();
    case RSESS_TRUE: return json_true();
    case RSESS_FALSE: return json_false();
    case RSESS_INT: {
        int64_t i;
        rsess_int(v, &i);
        return json_real((double)i); /* manifests are read with integers as reals (2**70) */
    }
    case RSESS_FLOAT: return json_real(rsess_float(v));
    case RSESS_STRING: s = rsess_str(v, &n); return json_stringn(s, n);
    case RSESS_SYMBOL:
        s = rsess_sym(v, &n);
        o = json_object();
        json_object_set_new(o, "__symbol__", json_stringn(s, n));
        return o;
    case RSESS_ARRAY:
        o = json_array();
        for (size_t i = 0; i < rsess_len(v); i++)
            json_array_append_new(o, typed(rsess_arr_get(v, i)));
        return o;
    case RSESS_HASH: {
        json_t *pairs = json_array();
        for (size_t i = 0; i < rsess_len(v); i++)
            json_array_append_new(
                pairs, json_pack("[oo]", typed(rsess_hash_key(v, i)), typed(rsess_hash_val(v, i))));
        o = json_object();
        json_object_set_new(o, "__hash__", pairs);
        return o;
    }
    case RSESS_OBJECT:
        o = json_object();
        s = rsess_sym(rsess_class_of(v), &n);
        json_object_set_new(o, "__object__", json_stringn(s, n));
        for (size_t i = 0; i < rsess_len(v); i++) {
            const char *f = rsess_sym(rsess_field_name(v, i), &n);
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)n, f);
            json_object_set_new(o, name, typed(rsess_field_val(v, i)));
        }
        return o;
    default: return json_string("?unsupported type");
    }
}

static json_t *as_json(const rsess_val *v)
{
    rsess_buf out = {0};
    ck_assert_int_eq(rsess_print(v, RSESS_VIEW_JSON, 0, &out, NULL), 0);
    json_error_t je;
    json_t *j = json_loadb((const char *)out.data, out.len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &je);
    ck_assert_msg(j != NULL, "JSON view not JSON: %s", out.data);
    rsess_buf_free(&out);
    return j;
}

static void iso_ms(double t, char *buf, size_t n)
{
    time_t s = (time_t)floor(t);
    int ms = (int)floor((t - floor(t)) * 1000 + 0.5);
    struct tm tm;
    gmtime_r(&s, &tm);
    char tmp[32];
    strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s.%03dZ", tmp, ms);
}

static int code_of_kind(const char *kind)
{
    if (!kind || !strcmp(kind, "crypto")) return RSESS_ERR_VERIFY;
    if (!strcmp(kind, "format")) return RSESS_ERR_COOKIE;
    if (!strcmp(kind, "purpose")) return RSESS_ERR_PURPOSE;
    if (!strcmp(kind, "expired")) return RSESS_ERR_EXPIRED;
    if (!strcmp(kind, "serializer")) return RSESS_ERR_SERIALIZER;
    return -1;
}

static size_t b64_len(const char *b64)
{
    rsess_buf out = {0};
    ck_assert_int_eq(rsess_unbase64(b64, strlen(b64), &out, NULL), 0);
    size_t n = out.len;
    rsess_buf_free(&out);
    return n;
}

typedef struct tally {
    int passed, refused;
} tally;

/* One manifest entry: decodes to the expected session, or is refused as
 * Rails refuses it. */
static void check_entry(const json_t *e, tally *t)
{
    const char *id = jstr(e, "id"), *name = jstr(e, "cookie_name");
    const json_t *cfg = json_object_get(e, "config"), *want = json_object_get(e, "expected");
    const char *fmt = jstr(cfg, "format");
    const char *value = jstr(e, "value_for_decoding") ? jstr(e, "value_for_decoding") : jstr(e, "raw_value");
    rsess_err err = {0};
    if (!strcmp(fmt, "plain")) { /* a plain cookie: only its value */
        rsess_buf out = {0};
        ck_assert_int_eq(rsess_cookie_value(value, strlen(value), name, strlen(name), &out, &err), 0);
        ck_assert_msg(out.len == strlen(jstr(want, "value")) &&
                          !memcmp(out.data, jstr(want, "value"), out.len),
                      "%s", id);
        rsess_buf_free(&out);
        rsess_cookie_read_opts ro;
        rsess_cookie_read_opts_init(&ro);
        ro.flags = RSESS_COOKIE_ANY_PURPOSE | RSESS_COOKIE_IGNORE_EXPIRY | RSESS_COOKIE_UNVERIFIED;
        rsess_doc *doc;
        ck_assert_int_eq(rsess_cookie_read(NULL, value, strlen(value), &ro, &doc, NULL, &err),
                         RSESS_ERR_COOKIE);
        t->passed++;
        return;
    }
    rsess_cookie_keys *keys = keys_for(e);
    rsess_cookie_read_opts ro;
    rsess_cookie_read_opts_init(&ro);
    ro.name = name;
    ro.name_len = strlen(name);
    const json_t *now = json_object_get(e, "now");
    ro.now = json_is_number(now) ? json_number_value(now) : CHECK_TIME;
    ro.serializer = serializer_of(jstr(cfg, "serializer"));
    if (!keys) ro.flags |= RSESS_COOKIE_UNVERIFIED | RSESS_COOKIE_IGNORE_EXPIRY;
    rsess_doc *doc = NULL;
    rsess_cookie_info info;
    int rc = rsess_cookie_read(keys, value, strlen(value), &ro, &doc, &info, &err);
    if (json_object_get(e, "expect_reject")) {
        int code = code_of_kind(jstr(e, "reject_kind"));
        ck_assert_msg(rc == code, "%s: want code %d (%s), got %d (%s)", id, code, jstr(e, "reject_kind"), rc,
                      rc ? err.text : "accepted");
        if (code == RSESS_ERR_VERIFY) /* info still tells what the cookie looks like */
            ck_assert_msg(!strcmp(rsess_cookie_format_name(info.format), fmt), "%s: format %s", id,
                          rsess_cookie_format_name(info.format));
        ck_assert_ptr_null(doc);
        rsess_cookie_keys_free(keys);
        t->refused++;
        return;
    }
    ck_assert_msg(rc == 0, "%s: refused: %s", id, err.text);
    ck_assert_msg(info.verified == (keys != NULL), "%s: verified %d", id, info.verified);
    const char *want_fmt = !strcmp(fmt, "rack-unsigned") ? "rack-unsigned" : fmt;
    ck_assert_msg(!strcmp(rsess_cookie_format_name(info.format), want_fmt), "%s: format %s, want %s", id,
                  rsess_cookie_format_name(info.format), want_fmt);
    if (keys) {
        const char *kd = jstr(json_object_get(cfg, "kdf"), "digest");
        ck_assert_int_eq(info.kdf_digest, digest_of(kd));
        if (jstr(cfg, "hmac_digest") && strcmp(fmt, "rails-gcm"))
            ck_assert_int_eq(info.hmac_digest, digest_of(jstr(cfg, "hmac_digest")));
        if (jstr(cfg, "cipher")) ck_assert_str_eq(rsess_cipher_name(info.cipher), jstr(cfg, "cipher"));
    }
    const char *pur = jstr(want, "purpose"), *exp = jstr(want, "expires_at");
    ck_assert_msg(info.has_purpose == (pur != NULL), "%s: purpose", id);
    if (pur) ck_assert_str_eq(info.purpose, pur);
    ck_assert_msg(info.has_expires_at == (exp != NULL), "%s: expiry", id);
    if (exp) {
        char iso[40];
        iso_ms(info.expires_at, iso, sizeof iso);
        ck_assert_str_eq(iso, exp);
    }
    const char *meta = jstr(want, "metadata");
    if (meta) ck_assert_int_eq(info.envelope, !strcmp(meta, "legacy-envelope"));
    if (jstr(want, "payload_b64")) ck_assert_uint_eq(info.payload_len, b64_len(jstr(want, "payload_b64")));
    const json_t *wv = json_object_get(want, "value_typed");
    json_t *got;
    if (wv) {
        ck_assert_int_eq(info.serializer, RSESS_SERIALIZER_MARSHAL);
        got = typed(rsess_doc_root(doc));
    } else {
        wv = json_object_get(want, "value");
        ck_assert_ptr_nonnull(wv);
        got = as_json(rsess_doc_root(doc));
    }
    if (!json_equal(got, wv)) {
        char *a = json_dumps(got, JSON_ENCODE_ANY), *b = json_dumps(wv, JSON_ENCODE_ANY);
        ck_abort_msg("%s: got %s, want %s", id, a, b);
    }
    json_decref(got);
    rsess_doc_free(doc);
    rsess_cookie_keys_free(keys);
    t->passed++;
}

static void check_manifest(const char *path, tally *t)
{
    json_error_t je;
    json_t *m = json_load_file(path, JSON_DECODE_INT_AS_REAL, &je);
    ck_assert_msg(json_is_array(m), "%s: %s", path, je.text);
    size_t i;
    json_t *e;
    json_array_foreach(m, i, e) check_entry(e, t);
    json_decref(m);
}

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

START_TEST(reference_cookies)
{
    DIR *d = opendir("fixtures/cookies/reference");
    ck_assert_ptr_nonnull(d);
    char *names[64];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 64)
        if (de->d_name[0] != '.' && strcmp(de->d_name, "index.json") != 0) names[n++] = strdup(de->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, name_cmp);
    tally all = {0, 0};
    size_t folders = 0;
    for (size_t i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, "fixtures/cookies/reference/%s/manifest.json", names[i]);
        FILE *fp = fopen(path, "r");
        if (fp) {
            fclose(fp);
            tally t = {0, 0};
            check_manifest(path, &t);
            printf("cookies: reference/%s: %d decoded, %d refused as Rails refuses\n", names[i], t.passed,
                   t.refused);
            all.passed += t.passed, all.refused += t.refused;
            folders++;
        }
        free(names[i]);
    }
    printf("cookies: reference: %zu folders, %d decoded, %d refused\n", folders, all.passed, all.refused);
    ck_assert_uint_eq(folders, 12);
    ck_assert_int_eq(all.passed + all.refused, 31);
}
END_TEST

START_TEST(generated_cookies)
{
    tally t = {0, 0};
    check_manifest("fixtures/cookies/generated/manifest.json", &t);
    printf("cookies: generated (Rails 6.1.7.10, Rack 2.2): %d decoded, %d refused as Rails refuses\n",
           t.passed, t.refused);
    ck_assert_int_ge(t.passed, 30);
    ck_assert_int_ge(t.refused, 6);
}
END_TEST

static rsess_cookie_format format_of(const char *s)
{
    static const rsess_cookie_format all[] = {RSESS_COOKIE_GCM, RSESS_COOKIE_CBC, RSESS_COOKIE_SIGNED,
                                              RSESS_COOKIE_RAILS3, RSESS_COOKIE_RACK};
    for (size_t i = 0; i < 5; i++)
        if (!strcmp(rsess_cookie_format_name(all[i]), s)) return all[i];
    return RSESS_COOKIE_NONE;
}

/* Given Ruby's IV and the session Rails returned, rsess writes the very
 * bytes Rails wrote. */
START_TEST(writes_rails_bytes)
{
    json_error_t je;
    json_t *m = json_load_file("fixtures/cookies/generated/manifest.json", JSON_DECODE_INT_AS_REAL, &je);
    ck_assert_ptr_nonnull(m);
    size_t i, count = 0;
    json_t *e;
    json_array_foreach(m, i, e)
    {
        const json_t *w = json_object_get(e, "write");
        if (!w) continue;
        const json_t *cfg = json_object_get(e, "config");
        rsess_cookie_keys *keys = keys_for(e);
        rsess_cookie_read_opts ro;
        rsess_cookie_read_opts_init(&ro);
        ro.flags = RSESS_COOKIE_ANY_PURPOSE | RSESS_COOKIE_IGNORE_EXPIRY;
        const char *raw = jstr(e, "raw_value");
        rsess_doc *doc;
        rsess_err err = {0};
        ck_assert_msg(rsess_cookie_read(keys, raw, strlen(raw), &ro, &doc, NULL, &err) == 0, "%s: %s",
                      jstr(e, "id"), err.text);
        rsess_cookie_write_opts wo;
        rsess_cookie_write_opts_init(&wo);
        wo.format = format_of(jstr(cfg, "format"));
        wo.serializer = serializer_of(jstr(w, "serializer"));
        wo.kdf_digest = digest_of(jstr(json_object_get(cfg, "kdf"), "digest"));
        wo.hmac_digest = digest_of(jstr(cfg, "hmac_digest"));
        if (jstr(cfg, "cipher") && !strcmp(jstr(cfg, "cipher"), "aes-128-gcm"))
            wo.cipher = RSESS_CIPHER_AES_128_GCM;
        if (jstr(w, "purpose_name")) wo.name = jstr(w, "purpose_name"), wo.name_len = strlen(wo.name);
        if (json_is_number(json_object_get(w, "expires_at")))
            wo.has_expires_at = true, wo.expires_at = json_number_value(json_object_get(w, "expires_at"));
        if (json_is_true(json_object_get(w, "envelope"))) wo.flags |= RSESS_COOKIE_WRITE_ENVELOPE;
        rsess_buf iv = {0}, out = {0};
        if (jstr(w, "iv_b64"))
            ck_assert_int_eq(rsess_unbase64(jstr(w, "iv_b64"), strlen(jstr(w, "iv_b64")), &iv, NULL), 0);
        ck_assert_msg(rs_cookie_write_iv(keys, rsess_doc_root(doc), &wo, iv.data, iv.len, &out, &err) == 0,
                      "%s: %s", jstr(e, "id"), err.text);
        ck_assert_msg(out.len == strlen(raw) && !memcmp(out.data, raw, out.len),
                      "%s:\n rsess %.*s\n rails %s", jstr(e, "id"), (int)out.len, out.data, raw);
        rsess_buf_free(&iv);
        rsess_buf_free(&out);
        rsess_doc_free(doc);
        rsess_cookie_keys_free(keys);
        count++;
    }
    json_decref(m);
    printf("cookies: %zu cookies written byte for byte as Rails/Rack wrote them\n", count);
    ck_assert_uint_ge(count, 15);
}
END_TEST

/* --- the library's own round trips ------------------------------------------ */
static rsess_cookie_keys *test_keys(void)
{
    rsess_cookie_opts o;
    rsess_cookie_opts_init(&o);
    o.secret_key_base = "0123456789abcdef0123456789abcdef";
    o.secret_key_base_len = 32;
    o.secret_token = "a-secret-token-of-thirty-characters";
    o.secret_token_len = strlen(o.secret_token);
    rsess_cookie_keys *k;
    ck_assert_int_eq(rsess_cookie_keys_new(&o, &k, NULL), 0);
    return k;
}

static rsess_doc *sample_session(void)
{
    const char *j = "{\"session_id\":\"8b0c3d5ef2a04e4e9a5c8f2d1b3a4c5d\",\"user_id\":42,\"_csrf_token\":\"x<"
                    "y>&z\",\"n\":[1,2.5,null,true]}";
    rsess_doc *d;
    ck_assert_int_eq(rs_cookie_json_read(j, strlen(j), NULL, &d, NULL), 0);
    return d;
}

static void read_opts(rsess_cookie_read_opts *ro, const char *name)
{
    rsess_cookie_read_opts_init(ro);
    ro->name = name;
    ro->name_len = strlen(name);
    ro->now = CHECK_TIME;
}

START_TEST(round_trips)
{
    rsess_cookie_keys *k = test_keys();
    rsess_doc *s = sample_session();
    static const rsess_cookie_format fmts[] = {RSESS_COOKIE_GCM, RSESS_COOKIE_CBC, RSESS_COOKIE_SIGNED,
                                               RSESS_COOKIE_RAILS3, RSESS_COOKIE_RACK};
    for (size_t f = 0; f < 5; f++) {
        for (int ser = RSESS_SERIALIZER_JSON; ser <= RSESS_SERIALIZER_MARSHAL; ser++) {
            if (fmts[f] == RSESS_COOKIE_RAILS3 && ser == RSESS_SERIALIZER_JSON) continue;
            bool token = fmts[f] == RSESS_COOKIE_RAILS3 || fmts[f] == RSESS_COOKIE_RACK;
            rsess_cookie_write_opts wo;
            rsess_cookie_write_opts_init(&wo);
            wo.format = fmts[f];
            wo.serializer = (rsess_serializer)ser;
            if (!token) {
                wo.name = "_app_session", wo.name_len = 12;
                wo.has_expires_at = true, wo.expires_at = CHECK_TIME + 10.5;
            }
            rsess_buf out = {0};
            rsess_err err = {0};
            ck_assert_msg(rsess_cookie_write(k, rsess_doc_root(s), &wo, &out, &err) == 0, "%s", err.text);
            rsess_cookie_read_opts ro;
            read_opts(&ro, "_app_session");
            rsess_doc *d;
            rsess_cookie_info info;
            ck_assert_msg(rsess_cookie_read(k, (const char *)out.data, out.len, &ro, &d, &info, &err) == 0,
                          "%s %d: %s", rsess_cookie_format_name(fmts[f]), ser, err.text);
            ck_assert_int_eq(info.format, fmts[f] == RSESS_COOKIE_RACK && ser == RSESS_SERIALIZER_MARSHAL
                                              ? RSESS_COOKIE_RAILS3 /* the same bytes: no Rack trait */
                                              : fmts[f]);
            ck_assert(info.verified);
            ck_assert_int_eq(info.serializer, ser);
            json_t *a = as_json(rsess_doc_root(d)), *b = as_json(rsess_doc_root(s));
            ck_assert(json_equal(a, b));
            json_decref(a), json_decref(b);
            rsess_doc_free(d);
            if (!token) {
                ck_assert(info.has_expires_at);
                ck_assert(fabs(info.expires_at - (CHECK_TIME + 10.5)) < 1e-6);
                ck_assert_str_eq(info.purpose, "cookie._app_session");
                /* another name, a later clock */
                read_opts(&ro, "other");
                ck_assert_int_eq(rsess_cookie_read(k, (const char *)out.data, out.len, &ro, &d, NULL, &err),
                                 RSESS_ERR_PURPOSE);
                read_opts(&ro, "_app_session");
                ro.now = CHECK_TIME + 10.5;
                ck_assert_int_eq(rsess_cookie_read(k, (const char *)out.data, out.len, &ro, &d, NULL, &err),
                                 RSESS_ERR_EXPIRED);
                /* :json refuses Marshal */
                read_opts(&ro, "_app_session");
                ro.serializer = RSESS_SERIALIZER_JSON;
                int rc = rsess_cookie_read(k, (const char *)out.data, out.len, &ro, &d, NULL, &err);
                ck_assert_int_eq(rc, ser == RSESS_SERIALIZER_MARSHAL ? RSESS_ERR_SERIALIZER : 0);
                if (!rc) rsess_doc_free(d);
                /* restricted to another format */
                read_opts(&ro, "_app_session");
                ro.formats = 1u << (fmts[f] == RSESS_COOKIE_GCM ? RSESS_COOKIE_SIGNED : RSESS_COOKIE_GCM);
                ck_assert_int_ne(rsess_cookie_read(k, (const char *)out.data, out.len, &ro, &d, NULL, &err),
                                 0);
            }
            rsess_buf_free(&out);
        }
    }
    rsess_doc_free(s);
    rsess_cookie_keys_free(k);
}
END_TEST

/* Rotations: a cookie of old secrets verifies through the rotation that
 * holds them, and info says which. */
START_TEST(rotations)
{
    rsess_cookie_opts o;
    rsess_cookie_opts_init(&o);
    o.secret_key_base = "old secret";
    o.secret_key_base_len = 10;
    o.kdf_digests = 1u << RSESS_DIGEST_SHA1;
    rsess_cookie_keys *old;
    ck_assert_int_eq(rsess_cookie_keys_new(&o, &old, NULL), 0);
    rsess_doc *s = sample_session();
    rsess_cookie_write_opts wo;
    rsess_cookie_write_opts_init(&wo);
    wo.name = "s", wo.name_len = 1;
    rsess_buf out = {0};
    ck_assert_int_eq(rsess_cookie_write(old, rsess_doc_root(s), &wo, &out, NULL), 0);
    rsess_cookie_keys *k = test_keys();
    rsess_cookie_read_opts ro;
    read_opts(&ro, "s");
    rsess_doc *d;
    rsess_cookie_info info;
    ck_assert_int_eq(rsess_cookie_read(k, (const char *)out.data, out.len, &ro, &d, &info, NULL),
                     RSESS_ERR_VERIFY);
    ck_assert_int_eq(rsess_cookie_keys_add(k, &o, NULL), 0);
    ck_assert_int_eq(rsess_cookie_read(k, (const char *)out.data, out.len, &ro, &d, &info, NULL), 0);
    ck_assert_uint_eq(info.rotation, 1);
    ck_assert_int_eq(info.kdf_digest, RSESS_DIGEST_SHA1);
    rsess_doc_free(d);
    /* the digest filter: SHA256 only does not verify a SHA1-keyed cookie */
    ro.kdf_digests = 1u << RSESS_DIGEST_SHA256;
    ck_assert_int_eq(rsess_cookie_read(k, (const char *)out.data, out.len, &ro, &d, &info, NULL),
                     RSESS_ERR_VERIFY);
    rsess_buf_free(&out);
    rsess_doc_free(s);
    rsess_cookie_keys_free(k);
    rsess_cookie_keys_free(old);
}
END_TEST

START_TEST(picking_values)
{
    rsess_buf out = {0};
    ck_assert_int_eq(rsess_cookie_value("Cookie: a=1; _s=ab%2Bc%3D+d; _s=2", 34, "_s", 2, &out, NULL), 0);
    ck_assert_uint_eq(out.len, 7);
    ck_assert(!memcmp(out.data, "ab+c=+d", 7));
    out.len = 0;
    ck_assert_int_eq(rsess_cookie_value("a=1; n =x2; b", 13, "n", 1, &out, NULL), 0); /* found by fuzzing */
    ck_assert_uint_eq(out.len, 2);
    ck_assert(!memcmp(out.data, "x2", 2));
    out.len = 0;
    ck_assert_int_eq(rsess_cookie_value("x=1; y=2", 8, "z", 1, &out, NULL), RSESS_ERR_NOT_FOUND);
    ck_assert_int_eq(rsess_cookie_value("x=1; y=2", 8, NULL, 0, &out, NULL), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_cookie_value("Cookie: only=v%41\r\n", 19, NULL, 0, &out, NULL), 0);
    ck_assert_uint_eq(out.len, 2);
    ck_assert(!memcmp(out.data, "vA", 2));
    out.len = 0;
    ck_assert_int_eq(rsess_cookie_value("_app_session=abc%3D%3D--12", 26, NULL, 0, &out, NULL),
                     0); /* name=value */
    ck_assert_uint_eq(out.len, 9);
    ck_assert(!memcmp(out.data, "abc==--12", 9));
    out.len = 0;
    ck_assert_int_eq(rsess_cookie_value("_app_session=abc", 16, "other", 5, &out, NULL), RSESS_ERR_NOT_FOUND);
    ck_assert_int_eq(rsess_cookie_value("abc=\n--12", 9, NULL, 0, &out, NULL), 0); /* padding, not a pair */
    ck_assert_uint_eq(out.len, 9);
    out.len = 0;
    ck_assert_int_eq(rsess_cookie_value("bare==--%zz%4", 13, "n", 1, &out, NULL), 0);
    ck_assert_uint_eq(out.len, 13);
    ck_assert(!memcmp(out.data, "bare==--%zz%4", 13));
    rsess_buf_free(&out);
}
END_TEST

/* A cookies.signed cookie of any plaintext, signed here with OpenSSL
 * directly (key: PBKDF2-SHA1 of "signed cookie", as Rails 6.1). */
static char *signed_cookie(const char *skb, const void *pt, size_t n)
{
    unsigned char key[64], mac[20];
    unsigned ml;
    PKCS5_PBKDF2_HMAC(skb, (int)strlen(skb), (const unsigned char *)"signed cookie", 13, 1000, EVP_sha1(), 64,
                      key);
    rsess_buf b = {0};
    ck_assert_int_eq(rsess_base64(pt, n, &b), 0);
    HMAC(EVP_sha1(), key, 64, b.data, b.len, mac, &ml);
    rsess_buf_append(&b, "--", 2);
    rsess_hex(mac, ml, &b);
    char *c = strndup((const char *)b.data, b.len);
    rsess_buf_free(&b);
    return c;
}

START_TEST(envelope_edge_cases)
{
    const char *skb = "0123456789abcdef0123456789abcdef";
    rsess_cookie_keys *k = test_keys();
    static const struct {
        const char *plaintext;
        int code;
    } table[] = {
        {"{\"_rails\":{\"message\":\"ImEi\",\"exp\":null,\"pur\":\"cookie.n\"}}", 0},
        {"{\"_rails\":{\"message\":\"ImEi\",\"exp\":null,\"pur\":\"\"}}", 0}, /* empty: any name */
        {"{\"_rails\":{\"message\":\"ImEi\",\"exp\":null,\"pur\":null}}", 0},
        {"{\"_rails\":{\"message\":\"ImEi\"}}", 0},
        {"{\"x\":1,\"_rails\":{\"message\":\"ImEi\",\"pur\":\"cookie.n\"}}", 0}, /* any Hash with _rails */
        {"{\"_rails\":{\"message\":\"ImEi\",\"pur\":\"cookie.m\"}}", RSESS_ERR_PURPOSE},
        {"{\"_rails\":{\"message\":\"ImEi\",\"pur\":5}}", RSESS_ERR_PURPOSE},
        {"{\"_rails\":{\"message\":\"ImEi\",\"exp\":\"2026-11-28T00:00:00.000Z\"}}",
         RSESS_ERR_EXPIRED}, /* not after now */
        {"{\"_rails\":{\"message\":\"ImEi\",\"exp\":\"2026-11-28T00:00:00.001Z\"}}", 0},
        {"{\"_rails\":{\"message\":\"ImEi\",\"exp\":\"2026-11-28T01:00:00+01:00\"}}", RSESS_ERR_EXPIRED},
        {"{\"_rails\":{\"message\":\"ImEi\",\"exp\":\"2026-11-28\"}}", RSESS_ERR_COOKIE},
        {"{\"_rails\":{\"message\":\"ImEi\",\"exp\":5}}", RSESS_ERR_COOKIE},
        {"{\"_rails\":{\"exp\":null}}", RSESS_ERR_COOKIE},
        {"{\"_rails\":\"x\"}", RSESS_ERR_COOKIE},
        {"{\"_rails\":{\"message\":\"ImE\"}}", RSESS_ERR_COOKIE},       /* not strict base64 */
        {"{\"_rails\":{\"message\":\"BAhJIgZhBjoGRVQ=\"}}", 0},         /* Marshal "a" */
        {"{\"_rails\":{\"message\":\"zICj\"}}", RSESS_ERR_UNSUPPORTED}, /* MessagePack */
        {"\xcc\x80\x01", RSESS_ERR_UNSUPPORTED},
        {"{\"a\":1}", 0},
        {"[1, {\"a\": null}]", 0},
        {"{\"a\":", RSESS_ERR_FORMAT},
        {"\x04\x08i\x06", 0},
        {"\x04\x08i\x06garbage", 0}, /* Marshal.load reads one value and ignores the rest */
        {"\x04\x08[\x07", RSESS_ERR_TRUNCATED},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        char *c = signed_cookie(skb, table[i].plaintext, strlen(table[i].plaintext));
        rsess_cookie_read_opts ro;
        read_opts(&ro, "n");
        rsess_doc *d = NULL;
        rsess_cookie_info info;
        rsess_err err = {0};
        int rc = rsess_cookie_read(k, c, strlen(c), &ro, &d, &info, &err);
        ck_assert_msg(rc == table[i].code, "%s: %d (%s), want %d", table[i].plaintext, rc, err.text,
                      table[i].code);
        rsess_doc *d2 = NULL; /* the same code without an rsess_err */
        ck_assert_int_eq(rsess_cookie_read(k, c, strlen(c), &ro, &d2, NULL, NULL), rc);
        rsess_doc_free(d2);
        ck_assert(info.verified);
        if (!rc && info.envelope) { /* the payload of every envelope here is "a" */
            size_t n;
            const char *s = rsess_str(rsess_doc_root(d), &n);
            ck_assert(s && n == 1 && s[0] == 'a');
        }
        rsess_doc_free(d);
        free(c);
    }
    rsess_cookie_keys_free(k);
}
END_TEST

/* One keys object serves many threads at once (HMAC contexts are
 * duplicated, never used in place). */
typedef struct thread_job {
    const rsess_cookie_keys *k;
    const char *cookies[2];
    int failures;
} thread_job;

static void *reader_thread(void *arg)
{
    thread_job *j = arg;
    for (int i = 0; i < 300; i++) {
        rsess_cookie_read_opts ro;
        read_opts(&ro, "n");
        rsess_doc *d;
        const char *c = j->cookies[i & 1];
        if (rsess_cookie_read(j->k, c, strlen(c), &ro, &d, NULL, NULL))
            j->failures++;
        else
            rsess_doc_free(d);
    }
    return NULL;
}

START_TEST(threads_share_keys)
{
    rsess_cookie_keys *k = test_keys();
    rsess_doc *s = sample_session();
    rsess_buf a = {0}, b = {0};
    rsess_cookie_write_opts wo;
    rsess_cookie_write_opts_init(&wo);
    wo.name = "n", wo.name_len = 1;
    ck_assert_int_eq(rsess_cookie_write(k, rsess_doc_root(s), &wo, &a, NULL), 0);
    wo.format = RSESS_COOKIE_SIGNED;
    ck_assert_int_eq(rsess_cookie_write(k, rsess_doc_root(s), &wo, &b, NULL), 0);
    char *ca = strndup((const char *)a.data, a.len), *cb = strndup((const char *)b.data, b.len);
    pthread_t t[4];
    thread_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (thread_job){k, {ca, cb}, 0};
        ck_assert_int_eq(pthread_create(&t[i], NULL, reader_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(jobs[i].failures, 0);
    }
    free(ca), free(cb);
    rsess_buf_free(&a), rsess_buf_free(&b);
    rsess_doc_free(s);
    rsess_cookie_keys_free(k);
}
END_TEST

/* --- hostile input ------------------------------------------------------------ */
static int read_text(const rsess_cookie_keys *k, const char *text, size_t len, rsess_err *err)
{
    rsess_cookie_read_opts ro;
    read_opts(&ro, "n");
    rsess_doc *d = (rsess_doc *)1;
    int rc = rsess_cookie_read(k, text, len, &ro, &d, NULL, err);
    if (!rc)
        rsess_doc_free(d);
    else
        ck_assert_ptr_null(d);
    return rc;
}

START_TEST(hostile_inputs)
{
    rsess_cookie_keys *k = test_keys();
    rsess_err err;
    static const struct {
        const char *text;
        int code;
    } table[] = {
        {"", RSESS_ERR_COOKIE},
        {"--", RSESS_ERR_VERIFY},
        {"----", RSESS_ERR_COOKIE},
        {"a--b--c--d", RSESS_ERR_COOKIE},
        {"a--b--c--d--e--f", RSESS_ERR_COOKIE},
        {"notbase64!--AAAAAAAAAAAAAAAA--AAAAAAAAAAAAAAAAAAAAAA==", RSESS_ERR_COOKIE},
        {"AAAA--AAAAAAAAAAAAAAAA--AAAAAAAAAAAAAAAAAAAAAA=", RSESS_ERR_COOKIE},  /* tag: bad length */
        {"AAAA--AAAAAAAAAAAAAAAA--AAAAAAAAAAAAAAAAAAAAAA==", RSESS_ERR_VERIFY}, /* 16-byte tag, wrong */
        {"AAAA--AAAAAAAAAAAAAAAA--AAAAAAAAAAAAAAAAAAAA", RSESS_ERR_VERIFY},     /* 15-byte tag */
        {"AAAA--AAAAAAAAAAAAAAA=--AAAAAAAAAAAAAAAAAAAAAA==", RSESS_ERR_COOKIE}, /* non-canonical IV */
        {"AAAA--AAAAAAAA--AAAAAAAAAAAAAAAAAAAAAA==", RSESS_ERR_COOKIE},         /* 6-byte IV */
        {"eyJhIjoxfQ==--0000000000000000000000000000000000000000", RSESS_ERR_VERIFY},
        {"eyJhIjoxfQ==--00000000000000000000000000000000000000", RSESS_ERR_VERIFY},
        {"eyJhIjoxfQ==--zz", RSESS_ERR_VERIFY},
        {"0123456789abcdef0123456789abcdef", RSESS_ERR_COOKIE}, /* a session id */
        {"justtext", RSESS_ERR_COOKIE},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        int rc = read_text(k, table[i].text, strlen(table[i].text), &err);
        ck_assert_msg(rc == table[i].code, "%s: %d (%s), want %d", table[i].text, rc, err.text,
                      table[i].code);
    }
    /* NUL bytes */
    ck_assert_int_eq(read_text(k, "AA\0A--AAAAAAAAAAAAAAAA--AAAAAAAAAAAAAAAAAAAAAA==", 48, &err),
                     RSESS_ERR_COOKIE);
    /* huge values: over the limit, and at it */
    size_t big = RSESS_COOKIE_DEFAULT_MAX_LEN + 1;
    char *huge = malloc(big + 1);
    memset(huge, 'A', big);
    ck_assert_int_eq(read_text(k, huge, big, &err), RSESS_ERR_SIZE);
    memcpy(huge + big - 1 - 44, "--AAAAAAAAAAAAAAAA--AAAAAAAAAAAAAAAAAAAAAA==", 44);
    ck_assert_int_eq(read_text(k, huge, big - 1, &err), RSESS_ERR_VERIFY);
    free(huge);
    /* a tag bit flipped, and the tag cut to 15 bytes, on a real GCM cookie */
    rsess_doc *s = sample_session();
    rsess_cookie_write_opts wo;
    rsess_cookie_write_opts_init(&wo);
    wo.name = "n", wo.name_len = 1;
    wo.flags = RSESS_COOKIE_WRITE_RAW;
    rsess_buf out = {0};
    ck_assert_int_eq(rsess_cookie_write(k, rsess_doc_root(s), &wo, &out, NULL), 0);
    ck_assert_int_eq(read_text(k, (const char *)out.data, out.len, &err), 0);
    char *c = strndup((const char *)out.data, out.len);
    size_t n = strlen(c);
    c[n - 4] = c[n - 4] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(read_text(k, c, n, &err), RSESS_ERR_VERIFY);
    ck_assert_str_eq(err.msg, rsess_strerror(RSESS_ERR_VERIFY));
    char *tag = strrchr(c, '-') + 1; /* 16 bytes -> the first 15, re-encoded */
    rsess_buf raw = {0}, b64 = {0};
    ck_assert_int_eq(rsess_unbase64(tag, strlen(tag), &raw, NULL), 0);
    ck_assert_int_eq(rsess_base64(raw.data, 15, &b64), 0);
    memcpy(tag, b64.data, b64.len);
    tag[b64.len] = 0;
    ck_assert_int_eq(read_text(k, c, strlen(c), &err), RSESS_ERR_VERIFY);
    free(c);
    rsess_buf_free(&raw), rsess_buf_free(&b64), rsess_buf_free(&out);
    rsess_doc_free(s);
    /* options: a name or ANY_PURPOSE, a clock or IGNORE_EXPIRY, a known size */
    rsess_cookie_read_opts ro;
    rsess_cookie_read_opts_init(&ro);
    rsess_doc *d;
    ro.now = 1;
    ck_assert_int_eq(rsess_cookie_read(k, "x", 1, &ro, &d, NULL, &err), RSESS_ERR_ARG);
    ro.flags = RSESS_COOKIE_ANY_PURPOSE;
    ro.now = 0;
    ck_assert_int_eq(rsess_cookie_read(k, "x", 1, &ro, &d, NULL, &err), RSESS_ERR_ARG);
    ro.now = 1;
    ro.size = 0;
    ck_assert_int_eq(rsess_cookie_read(k, "x", 1, &ro, &d, NULL, &err), RSESS_ERR_ARG);
    ro.size = sizeof ro + 8;
    ck_assert_int_eq(rsess_cookie_read(k, "x", 1, &ro, &d, NULL, &err), RSESS_ERR_ARG);
    ro.size = offsetof(rsess_cookie_read_opts, serializer); /* an older, smaller struct */
    ck_assert_int_eq(rsess_cookie_read(k, "x", 1, &ro, &d, NULL, &err), RSESS_ERR_COOKIE);
    ck_assert_int_eq(rsess_cookie_read(NULL, "x", 1, &ro, &d, NULL, &err), RSESS_ERR_ARG);
    rsess_cookie_opts o;
    rsess_cookie_opts_init(&o);
    rsess_cookie_keys *none;
    ck_assert_int_eq(rsess_cookie_keys_new(&o, &none, &err), RSESS_ERR_ARG);
    rsess_cookie_keys_free(k);
}
END_TEST

/* Fails every allocation in turn: NOMEM each time, nothing leaked. */
static void sweep(rsess_cookie_format fmt, rsess_serializer ser)
{
    rsess_cookie_keys *k = test_keys();
    rsess_doc *s = sample_session();
    rsess_cookie_write_opts wo;
    rsess_cookie_write_opts_init(&wo);
    wo.format = fmt;
    wo.serializer = ser;
    if (fmt != RSESS_COOKIE_RACK) wo.name = "n", wo.name_len = 1;
    rsess_buf cookie = {0};
    ck_assert_int_eq(rsess_cookie_write(k, rsess_doc_root(s), &wo, &cookie, NULL), 0);
    long ok_at = 0;
    for (long fail = 1; fail < 400 && !ok_at; fail++) {
        counting_alloc c = {.fail_at = fail};
        rsess_alloc a = counting_hooks(&c);
        rsess_read_opts rd = {0};
        rd.alloc = &a;
        rsess_cookie_read_opts ro;
        read_opts(&ro, "n");
        ro.read = &rd;
        rsess_doc *d;
        rsess_err err;
        int rc = rsess_cookie_read(k, (const char *)cookie.data, cookie.len, &ro, &d, NULL, &err);
        if (rc == 0) {
            rsess_doc_free(d);
            ok_at = fail;
        } else {
            ck_assert_msg(rc == RSESS_ERR_NOMEM, "read, allocation %ld failed: %d %s", fail, rc, err.text);
        }
        ck_assert_int_eq(c.live, 0);
        /* writing */
        counting_alloc cw = {.fail_at = fail};
        rsess_alloc aw = counting_hooks(&cw);
        rsess_buf out;
        rsess_buf_init(&out, &aw);
        rc = rsess_cookie_write(k, rsess_doc_root(s), &wo, &out, &err);
        ck_assert_msg(rc == 0 || rc == RSESS_ERR_NOMEM, "write, allocation %ld: %d", fail, rc);
        rsess_buf_free(&out);
        ck_assert_int_eq(cw.live, 0);
    }
    ck_assert_int_gt(ok_at, 2);
    /* the keys with failing allocations */
    for (long fail = 1; fail < 10; fail++) {
        counting_alloc c = {.fail_at = fail};
        rsess_alloc a = counting_hooks(&c);
        rsess_cookie_opts o;
        rsess_cookie_opts_init(&o);
        o.secret_token = "t", o.secret_token_len = 1;
        o.alloc = &a;
        rsess_cookie_keys *kk = NULL;
        int rc = rsess_cookie_keys_new(&o, &kk, NULL);
        ck_assert(rc == 0 || rc == RSESS_ERR_NOMEM);
        if (!rc) {
            rc = rsess_cookie_keys_add(kk, &o, NULL); /* a rotation: grows the key sets */
            ck_assert(rc == 0 || rc == RSESS_ERR_NOMEM);
        }
        rsess_cookie_keys_free(kk);
        ck_assert_int_eq(c.live, 0);
    }
    rsess_buf_free(&cookie);
    rsess_doc_free(s);
    rsess_cookie_keys_free(k);
}

START_TEST(allocation_failures)
{
    sweep(RSESS_COOKIE_GCM, RSESS_SERIALIZER_JSON);
    sweep(RSESS_COOKIE_CBC, RSESS_SERIALIZER_MARSHAL);
    sweep(RSESS_COOKIE_SIGNED, RSESS_SERIALIZER_JSON);
    sweep(RSESS_COOKIE_RACK, RSESS_SERIALIZER_MARSHAL);
}
END_TEST

/* --- the JSON payload reader -------------------------------------------------- */
static void json_is(const char *text, const char *typed_want)
{
    rsess_doc *d;
    rsess_err err = {0};
    ck_assert_msg(rs_cookie_json_read(text, strlen(text), NULL, &d, &err) == 0, "%s: %s", text, err.text);
    rsess_buf out = {0};
    ck_assert_int_eq(rsess_print(rsess_doc_root(d), RSESS_VIEW_RUBY, 0, &out, NULL), 0);
    ck_assert_msg(!strcmp((const char *)out.data, typed_want), "%s: %s, want %s", text, out.data, typed_want);
    rsess_buf_free(&out);
    rsess_doc_free(d);
}

static void json_fails(const char *text, int code)
{
    rsess_doc *d = (rsess_doc *)1;
    rsess_err err = {0};
    int rc = rs_cookie_json_read(text, strlen(text), NULL, &d, &err);
    ck_assert_msg(rc == code, "%s: %d (%s), want %d", text, rc, err.text, code);
    ck_assert_ptr_null(d);
}

START_TEST(cookie_json_reader)
{
    /* what Ruby 3.1's JSON.parse(text).inspect-equivalent p prints */
    json_is(" 12 ", "12");
    json_is("-0", "0");
    json_is("-0.0", "-0.0");
    json_is("1e400", "Infinity");
    json_is("123456789012345678901234567890", "123456789012345678901234567890");
    json_is("2.5E-3", "0.0025");
    json_is("\"a\\u00e9\\ud83d\\ude00\\n\\/\"", "\"a\xc3\xa9\xf0\x9f\x98\x80\\n/\"");
    json_is("{\"a\":1,\"b\":2,\"a\":3}", "{\"a\" => 3, \"b\" => 2}");
    json_is("[[],{},[null,true,false]]", "[[], {}, [nil, true, false]]");
    json_is("{\"k\":{\"k\":\"v\"}}", "{\"k\" => {\"k\" => \"v\"}}");
    static const char *bad[] = {
        "",      "[",     "{",     "[1,]", "{\"a\"}",   "{\"a\":}",   "01",        "1.",      ".5",
        "-",     "+1",    "1e",    "NaN",  "Infinity",  "tru",        "nul",       "\"\\x\"", "\"\x01\"",
        "\"abc", "[1 2]", "{1:2}", "1 2",  "/* c */ 1", "{\"a\":1,}", "\"\\u12\"", "]"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        json_fails(bad[i], RSESS_ERR_FORMAT);
    char deep[512];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    deep[200] = 0;
    rsess_doc *d;
    ck_assert_int_eq(rs_cookie_json_read(deep, 200, NULL, &d, NULL), 0); /* Ruby's max_nesting: 100 */
    rsess_doc_free(d);
    memset(deep, '[', 101);
    memset(deep + 101, ']', 101);
    deep[202] = 0;
    json_fails(deep, RSESS_ERR_DEPTH);
    char *digits = malloc(RS_JSON_MAX_DIGITS + 2);
    memset(digits, '7', RS_JSON_MAX_DIGITS + 1);
    digits[RS_JSON_MAX_DIGITS + 1] = 0;
    json_fails(digits, RSESS_ERR_RANGE);
    free(digits);
    /* allocation failures in the reader */
    const char *j =
        "{\"a\":[1,2,{\"b\":\"c\\n\"}],\"a\":\"x\",\"d\":1.5,\"e\":123456789012345678901234567890}";
    long ok_at = 0;
    for (long fail = 1; fail < 200 && !ok_at; fail++) {
        counting_alloc c = {.fail_at = fail};
        rsess_alloc a = counting_hooks(&c);
        rsess_read_opts ro = {0};
        ro.alloc = &a;
        int rc = rs_cookie_json_read(j, strlen(j), &ro, &d, NULL);
        if (!rc)
            rsess_doc_free(d), ok_at = fail;
        else
            ck_assert_int_eq(rc, RSESS_ERR_NOMEM);
        ck_assert_int_eq(c.live, 0);
    }
    ck_assert_int_gt(ok_at, 1);
}
END_TEST

/* --- coverage (issue 18) ------------------------------------------------ */
/* Names of every format, digest, cipher and serializer (and "" past the
 * end); the option initialisers on NULL; the entry points' NULL refusals;
 * the key options Rails cannot use (no digest, no iterations). */
START_TEST(cookie_names_and_refusals)
{
    ck_assert_str_eq(rsess_cookie_format_name(RSESS_COOKIE_SESSION_ID), "session-id");
    ck_assert_str_eq(rsess_cookie_format_name((rsess_cookie_format)8), "");
    ck_assert_str_eq(rsess_digest_name(RSESS_DIGEST_SHA512), "SHA512");
    ck_assert_str_eq(rsess_digest_name((rsess_digest)4), "");
    ck_assert_str_eq(rsess_cipher_name(RSESS_CIPHER_AES_256_CBC), "aes-256-cbc");
    ck_assert_str_eq(rsess_cipher_name((rsess_cipher)5), "");
    ck_assert_str_eq(rsess_serializer_name(RSESS_SERIALIZER_MESSAGE_PACK), "message_pack");
    ck_assert_str_eq(rsess_serializer_name((rsess_serializer)6), "");
    rsess_cookie_opts_init(NULL);
    rsess_cookie_read_opts_init(NULL);
    rsess_cookie_write_opts_init(NULL);

    rsess_err err;
    rsess_cookie_keys *keys = NULL;
    rsess_cookie_opts o;
    rsess_cookie_opts_init(&o);
    o.secret_key_base = "k", o.secret_key_base_len = 1;
    ck_assert_int_eq(rsess_cookie_keys_new(&o, NULL, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_cookie_keys_new(NULL, &keys, &err), RSESS_ERR_ARG);
    ck_assert_ptr_null(keys);
    o.kdf_digests = 1u << RSESS_DIGEST_SHA512;
    ck_assert_int_eq(rsess_cookie_keys_new(&o, &keys, &err), RSESS_ERR_ARG);
    ck_assert_str_eq(err.text, "kdf_digests names no SHA1 or SHA256");
    o.kdf_digests = 1u << RSESS_DIGEST_SHA1;
    o.iterations = 0;
    ck_assert_int_eq(rsess_cookie_keys_new(&o, &keys, &err), RSESS_ERR_ARG);
    ck_assert_str_eq(err.text, "zero PBKDF2 iterations");
    o.iterations = 1000;
    ck_assert_int_eq(rsess_cookie_keys_new(&o, &keys, &err), 0);
    ck_assert_int_eq(rsess_cookie_keys_add(NULL, &o, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_cookie_keys_add(keys, NULL, &err), RSESS_ERR_ARG);
    /* three more key sets: the set array grows twice */
    for (int i = 0; i < 3; i++) ck_assert_int_eq(rsess_cookie_keys_add(keys, &o, &err), 0);

    rsess_buf b;
    rsess_buf_init(&b, NULL);
    ck_assert_int_eq(rsess_cookie_value(NULL, 3, "a", 1, &b, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_cookie_value("a=1", 3, "a", 1, NULL, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_cookie_value("a=1", 3, NULL, 1, &b, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_cookie_value(NULL, 0, NULL, 0, &b, &err), 0); /* no name: the whole (empty) text */
    ck_assert_uint_eq(b.len, 0);
    rsess_cookie_read_opts ro;
    rsess_cookie_read_opts_init(&ro);
    rsess_doc *doc = NULL;
    ck_assert_int_eq(rsess_cookie_read(keys, "x", 1, &ro, NULL, NULL, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_cookie_read(keys, "x", 1, NULL, &doc, NULL, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_cookie_read(keys, NULL, 1, &ro, &doc, NULL, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_cookie_read(keys, "x", 1, &ro, &doc, NULL, NULL), RSESS_ERR_ARG); /* no err: still a code */
    ck_assert_ptr_null(doc);
    rsess_buf_free(&b);
    rsess_cookie_keys_free(keys);
}
END_TEST

Suite *cookie_suite(void)
{
    Suite *s = suite_create("cookie");
    TCase *tc = tcase_create("cookie");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, reference_cookies);
    tcase_add_test(tc, generated_cookies);
    tcase_add_test(tc, writes_rails_bytes);
    tcase_add_test(tc, round_trips);
    tcase_add_test(tc, rotations);
    tcase_add_test(tc, picking_values);
    tcase_add_test(tc, envelope_edge_cases);
    tcase_add_test(tc, threads_share_keys);
    tcase_add_test(tc, hostile_inputs);
    tcase_add_test(tc, allocation_failures);
    tcase_add_test(tc, cookie_json_reader);
    tcase_add_test(tc, cookie_names_and_refusals);
    suite_add_tcase(s, tc);
    return s;
}
