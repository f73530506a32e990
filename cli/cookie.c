/* rsess cookie decode|info|encode: Rails and Rack session cookies (the
 * contract is in the cookie issue and ../shared/CLI.md). Secrets come from
 * files or the environment, never from argv alone (ps shows argv). */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct copts {
    const char *skb_file, *token_file, *name, *file, *from;
    int digest, hmac, cipher, serializer, view, format;
    bool has_now, has_expires_at, has_expires_in;
    double now, expires_at, expires_in;
} copts;

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return usage_error("cookie: %s", msg);
}

static int choice(const char *val, const char *const *names, const int *values, int *out, const char *opt)
{
    for (int i = 0; names[i]; i++)
        if (!strcmp(val, names[i])) {
            *out = values[i];
            return 0;
        }
    fprintf(stderr, "rsess: cookie: unknown %s '%s'\nTry 'rsess --help'.\n", opt, val);
    return -1;
}

static bool number(const char *s, double *out)
{
    char *end;
    if (!s || !*s) return false;
    *out = strtod(s, &end);
    return *end == 0 && isfinite(*out);
}

static const char *const digest_names[] = {"sha1", "sha256", "sha512", NULL};
static const int digest_values[] = {RSESS_DIGEST_SHA1, RSESS_DIGEST_SHA256, RSESS_DIGEST_SHA512};
static const char *const cipher_names[] = {"aes-256-gcm", "aes-192-gcm", "aes-128-gcm", "aes-256-cbc", NULL};
static const int cipher_values[] = {RSESS_CIPHER_AES_256_GCM, RSESS_CIPHER_AES_192_GCM,
                                    RSESS_CIPHER_AES_128_GCM, RSESS_CIPHER_AES_256_CBC};
static const char *const ser_names[] = {"auto", "json", "marshal", "hybrid", NULL};
static const int ser_values[] = {RSESS_SERIALIZER_AUTO, RSESS_SERIALIZER_JSON, RSESS_SERIALIZER_MARSHAL,
                                 RSESS_SERIALIZER_HYBRID};
static const char *const view_names[] = {"ruby", "json", "typed", NULL};
static const int view_values[] = {RSESS_VIEW_RUBY, RSESS_VIEW_JSON, RSESS_VIEW_TYPED};
static const char *const format_names[] = {"gcm", "cbc", "signed", "rails3", "rack", NULL};
static const int format_values[] = {RSESS_COOKIE_GCM, RSESS_COOKIE_CBC, RSESS_COOKIE_SIGNED,
                                    RSESS_COOKIE_RAILS3, RSESS_COOKIE_RACK};

/* "--opt VALUE" or "--opt=VALUE". 1 matched, 0 not, -1 value missing. */
static int optval(int argc, char **argv, int *i, const char *name, const char **val)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return 0;
    if (argv[*i][n] == '=') {
        *val = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n]) return 0;
    if (*i + 1 >= argc) return -1;
    *val = argv[++*i];
    return 1;
}

static int parse(int argc, char **argv, bool encode, copts *o)
{
    memset(o, 0, sizeof *o);
    o->view = RSESS_VIEW_RUBY;
    o->serializer = -1;
    for (int i = 3; i < argc; i++) {
        const char *v = NULL, *a = argv[i];
        int m;
#define OPT(name) ((m = optval(argc, argv, &i, name, &v)) != 0)
        if (OPT("--secret-key-base-file"))
            o->skb_file = v;
        else if (OPT("--secret-token-file"))
            o->token_file = v;
        else if (OPT("--name"))
            o->name = v;
        else if (OPT("--digest")) {
            if (m > 0 && choice(v, digest_names, digest_values, &o->digest, "digest")) return EXIT_USAGE;
        } else if (OPT("--hmac-digest")) {
            if (m > 0 && choice(v, digest_names, digest_values, &o->hmac, "digest")) return EXIT_USAGE;
        } else if (OPT("--cipher")) {
            if (m > 0 && choice(v, cipher_names, cipher_values, &o->cipher, "cipher")) return EXIT_USAGE;
        } else if (OPT("--serializer")) {
            if (m > 0 && choice(v, ser_names, ser_values, &o->serializer, "serializer")) return EXIT_USAGE;
        } else if (!encode && OPT("--to")) {
            if (m > 0 && choice(v, view_names, view_values, &o->view, "view")) return EXIT_USAGE;
        } else if (!encode && OPT("--now")) {
            if (m > 0 && !number(v, &o->now)) return usage("--now needs epoch seconds, not '%s'", v);
            o->has_now = true;
        } else if (encode && OPT("--format")) {
            if (m > 0 && choice(v, format_names, format_values, &o->format, "format")) return EXIT_USAGE;
        } else if (encode && OPT("--from")) {
            if (m > 0 && strcmp(v, "json") && strcmp(v, "typed"))
                return usage("unknown --from '%s' (json or typed)", v);
            o->from = v;
        } else if (encode && OPT("--expires-at")) {
            if (m > 0 && !number(v, &o->expires_at))
                return usage("--expires-at needs epoch seconds, not '%s'", v);
            o->has_expires_at = true;
        } else if (encode && OPT("--expires-in")) {
            if (m > 0 && !number(v, &o->expires_in)) return usage("--expires-in needs seconds, not '%s'", v);
            o->has_expires_in = true;
        } else if (a[0] == '-' && a[1]) {
            return usage("unknown option '%s'", a);
        } else if (o->file) {
            return usage("more than one FILE ('%s')", a);
        } else {
            o->file = a;
        }
#undef OPT
        if (m < 0) return usage("%s needs a value", a);
    }
    if (encode && !o->format) return usage("%s", "encode needs --format gcm|cbc|signed|rails3|rack");
    if (o->has_expires_at && o->has_expires_in) return usage("%s", "--expires-at or --expires-in, not both");
    if (o->cipher == RSESS_CIPHER_AES_256_CBC && encode && o->format == RSESS_COOKIE_GCM)
        return usage("%s", "--cipher aes-256-cbc is --format cbc");
    return EXIT_OK;
}

/* A secret from its file (one trailing newline dropped) or the environment. */
static bool secret(const char *file, const char *env, rsess_buf *out, bool *have)
{
    *have = false;
    if (file) {
        if (!read_all(file, out)) return false;
        if (out->len && out->data[out->len - 1] == '\n') out->len--;
        if (out->len && out->data[out->len - 1] == '\r') out->len--;
        *have = true;
        return true;
    }
    const char *e = getenv(env);
    if (e && *e) {
        *have = rsess_buf_append(out, e, strlen(e)) == 0;
        return *have;
    }
    return true;
}

static void wipe(rsess_buf *b)
{
    if (b->data) memset(b->data, 0, b->cap); /* the library wipes its copies */
    rsess_buf_free(b);
}

/* The keys of the secrets given; *none when there are none. */
static int make_keys(const copts *o, rsess_cookie_keys **keys, bool *none)
{
    rsess_buf skb, tok;
    rsess_buf_init(&skb, NULL);
    rsess_buf_init(&tok, NULL);
    bool hs, ht;
    int status = EXIT_DATA;
    *keys = NULL;
    if (!secret(o->skb_file, "RSESS_SECRET_KEY_BASE", &skb, &hs) ||
        !secret(o->token_file, "RSESS_SECRET_TOKEN", &tok, &ht))
        goto done;
    *none = !hs && !ht;
    status = EXIT_OK;
    if (*none) goto done;
    rsess_cookie_opts co;
    rsess_cookie_opts_init(&co);
    if (hs) co.secret_key_base = skb.data ? (const char *)skb.data : "", co.secret_key_base_len = skb.len;
    if (ht) co.secret_token = tok.data ? (const char *)tok.data : "", co.secret_token_len = tok.len;
    if (o->digest == RSESS_DIGEST_SHA1 || o->digest == RSESS_DIGEST_SHA256) co.kdf_digests = 1u << o->digest;
    rsess_err err = {0};
    if (rsess_cookie_keys_new(&co, keys, &err)) {
        cli_error("cannot derive the keys: %s", err.text);
        status = EXIT_DATA;
    }
done:
    wipe(&skb);
    wipe(&tok);
    return status;
}

static void json_text(const char *s)
{
    if (!s || !*s) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void iso8601(double t, char *buf, size_t n)
{
    time_t s = (time_t)floor(t);
    struct tm tm;
    if (!gmtime_r(&s, &tm)) {
        snprintf(buf, n, "?");
        return;
    }
    char tmp[40];
    strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s.%03dZ", tmp, (int)floor((t - floor(t)) * 1000 + 0.5) % 1000);
}

static const char *reason_of(int code)
{
    switch (code) {
    case RSESS_OK: return NULL;
    case RSESS_ERR_VERIFY: return "does not verify";
    case RSESS_ERR_PURPOSE: return "wrong purpose";
    case RSESS_ERR_EXPIRED: return "expired";
    case RSESS_ERR_SERIALIZER: return "serializer refuses the payload";
    case RSESS_ERR_UNSUPPORTED: return "unsupported payload (MessagePack)";
    default: return "malformed";
    }
}

static int cmd_read(int argc, char **argv, bool info_only)
{
    copts o;
    int st = parse(argc, argv, false, &o);
    if (st) return st;
    rsess_cookie_keys *keys;
    bool none;
    if ((st = make_keys(&o, &keys, &none))) return st;
    if (none && !info_only)
        return usage(
            "%s",
            "no secret: give --secret-key-base-file or --secret-token-file (or set RSESS_SECRET_KEY_BASE "
            "or RSESS_SECRET_TOKEN)");
    rsess_buf in;
    rsess_buf_init(&in, NULL);
    if (!read_all(o.file, &in)) {
        rsess_cookie_keys_free(keys);
        rsess_buf_free(&in);
        return EXIT_DATA;
    }
    rsess_cookie_read_opts ro;
    rsess_cookie_read_opts_init(&ro);
    if (o.name)
        ro.name = o.name, ro.name_len = strlen(o.name);
    else
        ro.flags |= RSESS_COOKIE_ANY_PURPOSE;
    if (none) ro.flags |= RSESS_COOKIE_UNVERIFIED;
    ro.now = o.has_now ? o.now : (double)time(NULL);
    if (!(ro.now > 0)) ro.flags |= RSESS_COOKIE_IGNORE_EXPIRY;
    if (o.serializer > 0) ro.serializer = (rsess_serializer)o.serializer;
    if (o.digest) ro.kdf_digests = 1u << o.digest;
    if (o.hmac) ro.hmac_digests = 1u << o.hmac;
    if (o.cipher) ro.ciphers = 1u << o.cipher;
    rsess_doc *doc = NULL;
    rsess_cookie_info info;
    rsess_err err = {0};
    int rc = rsess_cookie_read(keys, in.data ? (const char *)in.data : "", in.len, &ro, &doc, &info, &err);
    if (!o.name && info.has_purpose) cli_error("warning: purpose '%s' not checked (no --name)", info.purpose);
    int status = rc ? EXIT_DATA : EXIT_OK;
    if (none && !rc) status = EXIT_DATA; /* decoded, not verified */
    if (info_only) {
        printf("{\"format\": ");
        json_text(rsess_cookie_format_name(info.format));
        printf(", \"cipher\": ");
        json_text(rsess_cipher_name(info.cipher));
        printf(", \"kdf_digest\": ");
        json_text(info.verified ? rsess_digest_name(info.kdf_digest) : NULL);
        printf(", \"hmac_digest\": ");
        json_text(rsess_digest_name(info.hmac_digest));
        printf(", \"serializer\": ");
        json_text(rc && !info.payload_len ? NULL : rsess_serializer_name(info.serializer));
        printf(", \"envelope\": %s, \"purpose\": ", info.envelope ? "true" : "false");
        json_text(info.has_purpose ? info.purpose : NULL);
        printf(", \"expires_at\": ");
        if (info.has_expires_at) {
            char iso[48];
            iso8601(info.expires_at, iso, sizeof iso);
            printf("%.3f, \"expires_at_iso8601\": \"%s\"", info.expires_at, iso);
        } else {
            fputs("null", stdout);
        }
        printf(", \"verified\": %s", info.verified ? "true" : "false");
        if (info.verified) printf(", \"rotation\": %u", info.rotation);
        printf(", \"reason\": ");
        json_text(none && !rc ? "no secret given: not verified"
                  : info.format == RSESS_COOKIE_SESSION_ID
                      ? "a plain session id: the session is in the store (rsess key)"
                      : reason_of(rc));
        printf("}\n");
        if (rc) cli_error("cookie rejected (%s): %s", reason_of(rc), err.text);
    } else if (rc) {
        cli_error("cookie rejected (%s): %s", reason_of(rc), err.text);
    } else {
        rsess_buf out;
        rsess_buf_init(&out, NULL);
        if (rsess_print(rsess_doc_root(doc), (rsess_view)o.view, 0, &out, &err)) {
            cli_report(NULL, &err);
            status = EXIT_DATA;
        } else {
            fwrite(out.data, 1, out.len, stdout);
            fputc('\n', stdout);
        }
        rsess_buf_free(&out);
    }
    rsess_doc_free(doc);
    rsess_cookie_keys_free(keys);
    wipe(&in);
    return status;
}

static int cmd_encode(int argc, char **argv)
{
    copts o;
    int st = parse(argc, argv, true, &o);
    if (st) return st;
    rsess_cookie_keys *keys;
    bool none;
    if ((st = make_keys(&o, &keys, &none))) return st;
    if (none) return usage("%s", "no secret: give --secret-key-base-file or --secret-token-file");
    rsess_buf in;
    rsess_buf_init(&in, NULL);
    int status = EXIT_DATA;
    rsess_doc *doc = NULL;
    rsess_err err = {0};
    if (!read_all(o.file, &in)) goto done;
    const char *text = in.data ? (const char *)in.data : "";
    if (o.from && !strcmp(o.from, "typed")) rsess_from_typed_json(text, in.len, NULL, &doc, &err);
    else rsess_from_json(text, in.len, NULL, &doc, &err);
    if (!doc) {
        cli_report(NULL, &err);
        goto done;
    }
    rsess_cookie_write_opts wo;
    rsess_cookie_write_opts_init(&wo);
    wo.format = (rsess_cookie_format)o.format;
    if (o.name && (o.format != RSESS_COOKIE_RAILS3 && o.format != RSESS_COOKIE_RACK))
        wo.name = o.name, wo.name_len = strlen(o.name);
    if (o.has_expires_at) wo.has_expires_at = true, wo.expires_at = o.expires_at;
    if (o.has_expires_in) wo.has_expires_at = true, wo.expires_at = (double)time(NULL) + o.expires_in;
    if (o.serializer > 0) wo.serializer = (rsess_serializer)o.serializer;
    wo.kdf_digest = (rsess_digest)o.digest;
    wo.hmac_digest = (rsess_digest)o.hmac;
    if (o.cipher && o.cipher != RSESS_CIPHER_AES_256_CBC) wo.cipher = (rsess_cipher)o.cipher;
    rsess_buf out;
    rsess_buf_init(&out, NULL);
    if (rsess_cookie_write(keys, rsess_doc_root(doc), &wo, &out, &err)) {
        cli_error("cannot write the cookie: %s", err.text);
        status = err.code == RSESS_ERR_ARG ? EXIT_USAGE : EXIT_DATA;
    } else {
        fwrite(out.data, 1, out.len, stdout);
        fputc('\n', stdout);
        status = EXIT_OK;
    }
    rsess_buf_free(&out);
done:
    rsess_doc_free(doc);
    rsess_cookie_keys_free(keys);
    wipe(&in);
    return status;
}

int cli_cookie(int argc, char **argv)
{
    if (argc < 3) return usage("%s", "which: decode, info or encode?");
    if (!strcmp(argv[2], "decode")) return cmd_read(argc, argv, false);
    if (!strcmp(argv[2], "info")) return cmd_read(argc, argv, true);
    if (!strcmp(argv[2], "encode")) return cmd_encode(argc, argv);
    return usage("unknown subcommand '%s' (decode, info or encode)", argv[2]);
}
