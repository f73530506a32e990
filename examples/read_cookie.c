/* read_cookie: the session inside a Rails session cookie, from a C service
 * that shares login with the Rails app.
 *
 *   RSESS_SECRET_KEY_BASE=... read_cookie COOKIE_NAME < cookie-header.txt
 *
 * Reads a Cookie header (or a bare value) on stdin, verifies and decrypts
 * the named cookie, and prints its session id and the session as JSON.
 * A real service derives the keys once at start-up and keeps them. */
#include <rsess.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    const char *secret = getenv("RSESS_SECRET_KEY_BASE");
    if (argc != 2 || !secret) {
        fprintf(stderr, "usage: RSESS_SECRET_KEY_BASE=... read_cookie COOKIE_NAME < header\n");
        return 2;
    }
    /* once, at start-up: about a millisecond of PBKDF2 per digest */
    rsess_cookie_opts o;
    rsess_cookie_opts_init(&o);
    o.secret_key_base = secret;
    o.secret_key_base_len = strlen(secret);
    rsess_cookie_keys *keys;
    rsess_err err;
    if (rsess_cookie_keys_new(&o, &keys, &err)) {
        fprintf(stderr, "read_cookie: %s\n", err.text);
        return 1;
    }

    /* per request */
    char header[8192];
    size_t n = fread(header, 1, sizeof header, stdin);
    rsess_cookie_read_opts ro;
    rsess_cookie_read_opts_init(&ro);
    ro.name = argv[1];
    ro.name_len = strlen(argv[1]);
    ro.now = (double)time(NULL);
    rsess_doc *doc;
    rsess_cookie_info info;
    int status = 1;
    if (rsess_cookie_read(keys, header, n, &ro, &doc, &info, &err)) {
        fprintf(stderr, "read_cookie: rejected: %s\n", err.text); /* treat as logged out */
    } else {
        size_t len;
        const char *sid = rsess_str(rsess_hash_get(rsess_doc_root(doc), "session_id", 10), &len);
        printf("%s cookie, session id %.*s\n", rsess_cookie_format_name(info.format), sid ? (int)len : 0,
               sid ? sid : "");
        rsess_fprint(stdout, rsess_doc_root(doc), RSESS_VIEW_JSON, 0, NULL);
        putchar('\n');
        rsess_doc_free(doc);
        status = 0;
    }
    rsess_cookie_keys_free(keys);
    return status;
}
