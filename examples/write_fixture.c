/* write_fixture: put a logged-in Rails session into Redis for another
 * service's tests, byte for byte as Rails would have written it.
 *
 *   write_fixture [--store cache|redis-store] [--namespace NS] [--expires-in SECONDS]
 *                 HOST:PORT USER_ID
 *
 * Prints "COOKIE_VALUE KEY": the cookie to send and the key written.
 * cache (Rails :cache_store over RedisCacheStore): a 7.1 cache entry,
 *   SET key value PX ceil(expires_in * 1000), as RedisCacheStore writes it;
 * redis-store: the bare Marshal bytes, SETEX key whole-seconds value.
 *
 * Build: make examples (needs Debian's libhiredis-dev). */
#include <hiredis/hiredis.h>
#include <rsess.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The session hash a Devise login leaves (formats.md 3.7, 3.8, 3.6). */
static rsess_val *build_session(rsess_doc *d, long user_id)
{
    rsess_val *s = rsess_new_hash(d);
    /* session[:_csrf_token]: a US-ASCII key (Symbol#to_s) and token */
    char token[RSESS_PUBLIC_ID_SIZE];
    rsess_sid_generate(token, 21); /* 42 hex digits stand in for the 43-char token */
    rsess_hash_push_strkey(d, s, "_csrf_token", 11, RSESS_ENC_USASCII,
                           rsess_new_str(d, token, strlen(token), RSESS_ENC_USASCII));
    /* session["warden.user.user.key"] = [[id], salt] */
    rsess_val *key = rsess_new_array(d), *ids = rsess_new_array(d);
    rsess_arr_push(d, ids, rsess_new_int(d, user_id));
    rsess_arr_push(d, key, ids);
    rsess_arr_push(d, key, rsess_new_str(d, "$2a$12$abcdefghijklmnopqrstuv", 29, RSESS_ENC_UTF8));
    rsess_hash_push_strkey(d, s, "warden.user.user.key", 20, RSESS_ENC_UTF8, key);
    /* session["flash"] = {"discard" => [], "flashes" => {"notice" => "Signed in."}} */
    rsess_val *flash = rsess_new_hash(d), *flashes = rsess_new_hash(d);
    rsess_hash_push_strkey(d, flash, "discard", 7, RSESS_ENC_UTF8, rsess_new_array(d));
    rsess_hash_push_strkey(d, flashes, "notice", 6, RSESS_ENC_USASCII,
                           rsess_new_str(d, "Signed in.", 10, RSESS_ENC_UTF8));
    rsess_hash_push_strkey(d, flash, "flashes", 7, RSESS_ENC_UTF8, flashes);
    rsess_hash_push_strkey(d, s, "flash", 5, RSESS_ENC_UTF8, flash);
    return s;
}

static redisReply *command_following_moved(redisContext **c, const char *fmt, ...);

int main(int argc, char **argv)
{
    rsess_key_opts ko = {0};
    double expires_in = 5400; /* Rails' common 90.minutes */
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (!strcmp(argv[i], "--store")) ko.store = !strcmp(argv[i + 1], "redis-store") ? RSESS_STORE_REDIS_STORE : RSESS_STORE_CACHE;
        else if (!strcmp(argv[i], "--namespace")) ko.ns = argv[i + 1], ko.nslen = strlen(argv[i + 1]);
        else if (!strcmp(argv[i], "--expires-in")) expires_in = atof(argv[i + 1]);
        else break;
    }
    if (argc - i != 2) {
        fprintf(stderr, "usage: write_fixture [--store cache|redis-store] [--namespace NS] [--expires-in S] HOST:PORT USER_ID\n");
        return 2;
    }
    char host[256];
    const char *colon = strrchr(argv[i], ':');
    if (!colon || (size_t)(colon - argv[i]) >= sizeof host) return 2;
    memcpy(host, argv[i], (size_t)(colon - argv[i]));
    host[colon - argv[i]] = 0;
    int port = atoi(colon + 1);

    /* the value */
    rsess_doc *d = rsess_doc_new(NULL);
    rsess_val *session = build_session(d, atol(argv[i + 1]));
    rsess_buf value;
    rsess_buf_init(&value, NULL);
    rsess_err err;
    int rc;
    if (ko.store == RSESS_STORE_CACHE) {
        rsess_entry_opts eo = {0};
        eo.format = RSESS_FORMAT_AS71;
        eo.has_expires_in = 1;
        eo.expires_in = expires_in;
        rc = rsess_entry_write(session, &eo, &value, &err);
    } else {
        rc = rsess_write(session, &value, &err);
    }
    if (rc) {
        fprintf(stderr, "write_fixture: %s\n", err.text);
        return 1;
    }

    /* a new session id and its key */
    char cookie[RSESS_PUBLIC_ID_SIZE];
    rsess_sid_generate(cookie, RSESS_SID_RAILS_BYTES);
    rsess_buf key;
    rsess_buf_init(&key, NULL);
    rsess_session_key(cookie, strlen(cookie), &ko, &key, NULL);

    redisContext *c = redisConnect(host, port);
    if (!c || c->err) {
        fprintf(stderr, "write_fixture: cannot connect to %s:%d\n", host, port);
        return 1;
    }
    redisReply *r;
    if (ko.store == RSESS_STORE_CACHE) /* RedisCacheStore: SET ... PX ceil(ms) */
        r = command_following_moved(&c, "SET %b %b PX %lld", key.data, key.len, value.data, value.len,
                                    (long long)ceil(expires_in * 1000));
    else /* redis-store: SETEX with whole seconds (expire_after.to_i) */
        r = command_following_moved(&c, "SETEX %b %lld %b", key.data, key.len, (long long)expires_in, value.data,
                                    value.len);
    int status = r && r->type == REDIS_REPLY_STATUS ? 0 : 1;
    if (status) fprintf(stderr, "write_fixture: %s\n", r && r->str ? r->str : "no reply");
    else printf("%s %.*s\n", cookie, (int)key.len, key.data);
    freeReplyObject(r);
    redisFree(c);
    rsess_buf_free(&key);
    rsess_buf_free(&value);
    rsess_doc_free(d);
    return status;
}

#include <stdarg.h>
/* Runs a command; on a cluster's "MOVED slot host:port" reconnects there. */
static redisReply *command_following_moved(redisContext **c, const char *fmt, ...)
{
    for (int hop = 0; hop < 5; hop++) {
        va_list ap;
        va_start(ap, fmt);
        redisReply *r = redisvCommand(*c, fmt, ap);
        va_end(ap);
        if (!r || r->type != REDIS_REPLY_ERROR || strncmp(r->str, "MOVED ", 6) != 0) return r;
        const char *addr = strchr(r->str + 6, ' ');
        const char *colon = addr ? strrchr(addr, ':') : NULL;
        char host[256];
        if (!colon || (size_t)(colon - addr - 1) >= sizeof host) {
            freeReplyObject(r);
            return NULL;
        }
        memcpy(host, addr + 1, (size_t)(colon - addr - 1));
        host[colon - addr - 1] = 0;
        int port = atoi(colon + 1);
        freeReplyObject(r);
        redisContext *next = redisConnect(host, port);
        if (!next || next->err) return NULL;
        redisFree(*c);
        *c = next;
    }
    return NULL;
}
