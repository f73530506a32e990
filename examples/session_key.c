/* session_key: from the session cookie's value to the Redis key, the way
 * Rails' stores compute it.
 *
 *   session_key NAMESPACE COOKIE_VALUE
 *
 * Prints the private id (Rack's "2::" + SHA-256 of the cookie value), the
 * redis-store key, and the :cache_store key (RedisCacheStore, Rails 8.1
 * key-length rule). */
#include <rsess.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: session_key NAMESPACE COOKIE_VALUE\n");
        return 2;
    }
    const char *ns = argv[1], *cookie = argv[2];
    char priv[RSESS_PRIVATE_ID_SIZE];
    rsess_private_id(cookie, strlen(cookie), priv);
    printf("private id: %s\n", priv);

    rsess_key_opts o = {0};
    o.ns = ns;
    o.nslen = strlen(ns);
    rsess_buf key = {0};
    o.store = RSESS_STORE_REDIS_STORE;
    rsess_session_key(cookie, strlen(cookie), &o, &key, NULL);
    printf("redis-store key: %.*s (slot %u)\n", (int)key.len, key.data, rsess_cluster_slot(key.data, key.len));
    key.len = 0;
    o.store = RSESS_STORE_CACHE;
    o.rule = RSESS_KEYS_RAILS81;
    rsess_session_key(cookie, strlen(cookie), &o, &key, NULL);
    printf("cache_store key (slot %u):\n%.*s\n", rsess_cluster_slot(key.data, key.len), (int)key.len, key.data);
    rsess_buf_free(&key);
    return 0;
}
