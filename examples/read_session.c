/* read_session: fetch a Rails session from Redis (standalone or Cluster) and
 * print it, the way a C service sharing login with a Rails app would.
 *
 *   read_session [--store cache|redis-store] [--namespace NS] HOST:PORT COOKIE_VALUE
 *
 * COOKIE_VALUE is the session cookie's value (the public session id). The
 * key is computed as the store computes it; on a Redis Cluster the node
 * serving the key's slot is asked directly (from CLUSTER SLOTS), and a MOVED
 * reply is followed if the cluster changed meanwhile. rsess has no network
 * code: the Redis side here is hiredis.
 *
 * Build: make examples (needs Debian's libhiredis-dev). */
#include <hiredis/hiredis.h>
#include <rsess.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static redisContext *connect_to(const char *host, int port)
{
    redisContext *c = redisConnect(host, port);
    if (!c || c->err) {
        fprintf(stderr, "read_session: cannot connect to %s:%d: %s\n", host, port, c ? c->errstr : "no memory");
        if (c) redisFree(c);
        return NULL;
    }
    return c;
}

/* "host:port" -> host (in buf) and port. */
static int split_addr(const char *addr, char *host, size_t cap, int *port)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || (size_t)(colon - addr) >= cap) return -1;
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = 0;
    *port = atoi(colon + 1);
    return *port > 0 ? 0 : -1;
}

/* On a cluster, CLUSTER SLOTS lists [start, end, [host, port, id], ...]
 * ranges: pick the master (first node) of the range holding the slot.
 * Returns 1 and fills host/port when found, 0 when not a cluster. */
static int node_for_slot(redisContext *c, unsigned slot, char *host, size_t cap, int *port)
{
    redisReply *r = redisCommand(c, "CLUSTER SLOTS");
    int found = 0;
    if (r && r->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < r->elements && !found; i++) {
            redisReply *range = r->element[i];
            if (range->type != REDIS_REPLY_ARRAY || range->elements < 3) continue;
            long long lo = range->element[0]->integer, hi = range->element[1]->integer;
            redisReply *master = range->element[2];
            if (slot < lo || slot > hi || master->type != REDIS_REPLY_ARRAY || master->elements < 2) continue;
            snprintf(host, cap, "%s", master->element[0]->str);
            *port = (int)master->element[1]->integer;
            found = 1;
        }
    }
    freeReplyObject(r);
    return found;
}

/* GET with MOVED following (at most a few hops). */
static redisReply *get_value(redisContext **c, const char *key, size_t keylen)
{
    for (int hop = 0; hop < 5; hop++) {
        redisReply *r = redisCommand(*c, "GET %b", key, keylen);
        if (!r || r->type != REDIS_REPLY_ERROR || strncmp(r->str, "MOVED ", 6) != 0) return r;
        /* "MOVED <slot> <host>:<port>" */
        char host[256];
        int port;
        const char *addr = strchr(r->str + 6, ' ');
        int ok = addr && split_addr(addr + 1, host, sizeof host, &port) == 0;
        freeReplyObject(r);
        if (!ok) return NULL;
        redisContext *next = connect_to(host, port);
        if (!next) return NULL;
        redisFree(*c);
        *c = next;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    rsess_key_opts ko = {0};
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (!strcmp(argv[i], "--store")) ko.store = !strcmp(argv[i + 1], "redis-store") ? RSESS_STORE_REDIS_STORE : RSESS_STORE_CACHE;
        else if (!strcmp(argv[i], "--namespace")) ko.ns = argv[i + 1], ko.nslen = strlen(argv[i + 1]);
        else break;
    }
    if (argc - i != 2) {
        fprintf(stderr, "usage: read_session [--store cache|redis-store] [--namespace NS] HOST:PORT COOKIE_VALUE\n");
        return 2;
    }
    char host[256];
    int port;
    if (split_addr(argv[i], host, sizeof host, &port)) {
        fprintf(stderr, "read_session: bad address %s\n", argv[i]);
        return 2;
    }
    const char *cookie = argv[i + 1];

    /* 1. the key: the store hashes the cookie's public id into Rack's private id */
    rsess_buf key;
    rsess_buf_init(&key, NULL);
    if (rsess_session_key(cookie, strlen(cookie), &ko, &key, NULL)) return 1;

    /* 2. the node: on a cluster, the master serving the key's slot */
    redisContext *c = connect_to(host, port);
    if (!c) return 1;
    unsigned slot = rsess_cluster_slot(key.data, key.len);
    char nhost[256];
    int nport;
    if (node_for_slot(c, slot, nhost, sizeof nhost, &nport) && (strcmp(nhost, host) || nport != port)) {
        redisContext *n = connect_to(nhost, nport);
        if (n) {
            redisFree(c);
            c = n;
        }
    }

    /* 3. the value, then the legacy public-id key the stores fall back to */
    redisReply *r = get_value(&c, (const char *)key.data, key.len);
    if (r && r->type == REDIS_REPLY_NIL) {
        freeReplyObject(r);
        rsess_key_opts legacy = ko;
        legacy.legacy = 1;
        key.len = 0;
        rsess_session_key(cookie, strlen(cookie), &legacy, &key, NULL);
        r = get_value(&c, (const char *)key.data, key.len);
    }
    int status = 1;
    if (!r || r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "read_session: %s\n", r ? r->str : "no reply");
    } else if (r->type == REDIS_REPLY_NIL) {
        fprintf(stderr, "read_session: no session under %.*s\n", (int)key.len, key.data);
    } else {
        /* 4. decode: any container Rails writes (7.1+, 7.0, 6.1 entry, bare Marshal) */
        rsess_entry_info info;
        rsess_err err;
        rsess_doc *doc = rsess_entry_read(r->str, r->len, NULL, &info, &err);
        if (!doc) {
            fprintf(stderr, "read_session: %s at offset %zu\n", err.text, err.offset);
        } else {
            rsess_fprint(stdout, rsess_doc_root(doc), RSESS_VIEW_RUBY, 0, NULL);
            fputc('\n', stdout);
            rsess_doc_free(doc);
            status = 0;
        }
    }
    freeReplyObject(r);
    redisFree(c);
    rsess_buf_free(&key);
    return status;
}
