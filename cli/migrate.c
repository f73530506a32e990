/* rsess migrate: sessions from one store's key and value form to the
 * other's (redis-store: NS:2::<hex> with bare Marshal; :cache_store over
 * RedisCacheStore: NS:_session_id:2::<hex> with a cache entry), as a RESP
 * command stream for `redis-cli --pipe`, one stream per master with
 * --cluster-nodes. Input: records "KEY" PTTL "VALUE", one a line. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { STORE_REDIS_STORE, STORE_CACHE };
static const char *const store_names[] = {"redis-store", "cache", NULL};
static const char session_prefix[] = "_session_id:";

typedef struct migrate_opts {
    int from, to;
    rsess_format entry;
    rsess_key_rule rule;
    const char *from_ns, *to_ns; /* NULL: keep / find in the key */
    bool has_expires_in;
    double expires_in;
    const char *nodes_file, *out_dir;
    bool dry_run, delete_old;
} migrate_opts;

/* One output stream: a master's (or the standalone server's) file. */
typedef struct stream {
    char *name;      /* "host:port" or "redis" */
    char *path, *tmp;
    FILE *fp;
    size_t sets, dels;
} stream;

typedef struct migrate_state {
    const migrate_opts *o;
    double now;
    rsess_cluster_map *map;
    stream *streams, *del_streams; /* one per master (or one) */
    size_t nstreams;
    size_t records, converted, failed, expired, skipped_del;
    size_t by_format[4];
    rsess_buf oldkey, newkey, value, out, ns;
} migrate_state;

/* --- keys ------------------------------------------------------------------- */

static bool contains(const char *p, size_t n, const char *s)
{
    size_t l = strlen(s);
    for (size_t i = 0; i + l <= n; i++)
        if (memcmp(p + i, s, l) == 0) return true;
    return false;
}

static bool is_private_id(const char *p, size_t n)
{
    if (n != RSESS_PRIVATE_ID_LEN || memcmp(p, "2::", 3) != 0) return false;
    for (size_t i = 3; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) return false;
    return true;
}

/* Finds the namespace and the id in an old key. With --from-namespace the
 * key must start with "NS:"; without, the namespace is what comes before
 * the store's marker (cache: "_session_id:"; redis-store: the id after the
 * last colon). */
static bool split_key(const migrate_state *st, const char *k, size_t n, size_t *ns_len, const char **id,
                      size_t *id_len, char *why, size_t cap)
{
    const migrate_opts *o = st->o;
    size_t rest = 0; /* where the part after "NS:" starts */
    if (o->from_ns) {
        size_t l = strlen(o->from_ns);
        if (l) {
            if (n <= l || memcmp(k, o->from_ns, l) != 0 || k[l] != ':') {
                snprintf(why, cap, "the key does not start with the namespace '%s:' (--from-namespace)", o->from_ns);
                return false;
            }
            rest = l + 1;
        }
        *ns_len = l;
    }
    const char *p = k + rest;
    size_t m = n - rest;
    if (o->from == STORE_CACHE) {
        const size_t pl = sizeof session_prefix - 1;
        if (!o->from_ns) { /* the first "_session_id:" at the start or after a colon */
            const char *hit = NULL;
            for (size_t i = 0; i + pl <= m; i++)
                if ((i == 0 || p[i - 1] == ':') && memcmp(p + i, session_prefix, pl) == 0) {
                    hit = p + i;
                    break;
                }
            if (!hit) {
                snprintf(why, cap, "not a :cache_store session key (no '%s'): --from redis-store?", session_prefix);
                return false;
            }
            *ns_len = hit == p ? 0 : (size_t)(hit - p) - 1;
            m -= (size_t)(hit - p);
            p = hit;
        }
        if (m <= pl || memcmp(p, session_prefix, pl) != 0) {
            snprintf(why, cap, "not a :cache_store session key ('NS:%sID' expected)", session_prefix);
            return false;
        }
        p += pl;
        m -= pl;
        if (m > 6 && (contains(p, m, ":hash:") || contains(p, m, ":sha2:"))) {
            snprintf(why, cap, "a key RedisCacheStore shortened (':hash:'/':sha2:'): the session id is not in it");
            return false;
        }
    } else if (!o->from_ns) {
        /* NS:2::<hex>, or a legacy NS:<public id>: the id follows the last colon
         * (a private id's own "2::" aside) */
        if (m >= RSESS_PRIVATE_ID_LEN && is_private_id(p + m - RSESS_PRIVATE_ID_LEN, RSESS_PRIVATE_ID_LEN) &&
            (m == RSESS_PRIVATE_ID_LEN || p[m - RSESS_PRIVATE_ID_LEN - 1] == ':')) {
            *ns_len = m == RSESS_PRIVATE_ID_LEN ? 0 : m - RSESS_PRIVATE_ID_LEN - 1;
            p += m - RSESS_PRIVATE_ID_LEN;
            m = RSESS_PRIVATE_ID_LEN;
        } else {
            const char *colon = NULL;
            for (size_t i = 0; i < m; i++)
                if (p[i] == ':') colon = p + i;
            *ns_len = colon ? (size_t)(colon - p) : 0;
            if (colon) {
                m -= (size_t)(colon + 1 - p);
                p = colon + 1;
            }
        }
    }
    if (!m) {
        snprintf(why, cap, "the key has no session id");
        return false;
    }
    *id = p;
    *id_len = m;
    return true;
}

/* The new key of an old one: the same private id (a legacy public id is
 * turned into its private id) under the target store's prefix. */
static bool new_key(migrate_state *st, const char *k, size_t n, char *why, size_t cap)
{
    size_t ns_len = 0, id_len;
    const char *id;
    if (!split_key(st, k, n, &ns_len, &id, &id_len, why, cap)) return false;
    char priv[RSESS_PRIVATE_ID_SIZE];
    if (id_len >= 3 && !memcmp(id, "2::", 3) && !is_private_id(id, id_len)) {
        snprintf(why, cap, "'2::' is not followed by the 64 hex digits of a private id");
        return false;
    }
    if (!is_private_id(id, id_len)) { /* the pre-2019 key under the public id */
        rsess_private_id(id, id_len, priv);
        id = priv;
        id_len = RSESS_PRIVATE_ID_LEN;
    }
    const char *ns = st->o->to_ns ? st->o->to_ns : (st->o->from_ns ? st->o->from_ns : k);
    size_t nl = st->o->to_ns || st->o->from_ns ? strlen(ns) : ns_len;
    rsess_buf *key = &st->ns;
    key->len = 0;
    int rc = 0;
    if (nl) rc |= rsess_buf_append(key, ns, nl) | rsess_buf_append(key, ":", 1);
    if (st->o->to == STORE_CACHE) rc |= rsess_buf_append(key, session_prefix, sizeof session_prefix - 1);
    rc |= rsess_buf_append(key, id, id_len);
    st->newkey.len = 0;
    if (!rc && st->o->to == STORE_CACHE)
        rc = rsess_cache_key_truncate((const char *)key->data, key->len, st->o->rule, &st->newkey);
    else if (!rc)
        rc = rsess_buf_append(&st->newkey, key->data, key->len);
    if (rc) snprintf(why, cap, "out of memory");
    return rc == 0;
}

/* --- values ----------------------------------------------------------------- */

/* The value in the target store's form into st->out; the TTL in *px (-1: none). */
static bool new_value(migrate_state *st, const unsigned char *p, size_t n, long long pttl, long long *px, char *why,
                      size_t cap)
{
    rsess_entry_info info;
    rsess_err err = {0};
    rsess_doc *doc = rsess_entry_read(p, n, cli_read_opts(), &info, &err);
    if (!doc) {
        snprintf(why, cap, "the value does not decode: %s (at byte %zu)", err.text[0] ? err.text : rsess_strerror(err.code),
                 err.offset);
        return false;
    }
    bool bare = info.format == RSESS_FORMAT_MARSHAL;
    if (st->o->from == STORE_REDIS_STORE && !bare) {
        snprintf(why, cap, "the value is an %s cache entry, not a redis-store value: --from cache?",
                 rsess_format_name(info.format));
        rsess_doc_free(doc);
        return false;
    }
    if (st->o->from == STORE_CACHE && bare) {
        snprintf(why, cap, "the value is bare Marshal, not a cache entry: --from redis-store?");
        rsess_doc_free(doc);
        return false;
    }
    st->by_format[info.format & 3]++;
    double ttl_s = st->o->has_expires_in ? st->o->expires_in : pttl >= 0 ? (double)pttl / 1000.0 : -1.0;
    *px = ttl_s < 0 ? -1 : (long long)ceil(ttl_s * 1000.0 - 1e-6);
    st->out.len = 0;
    int rc;
    if (st->o->to == STORE_REDIS_STORE) {
        /* a bare value stays byte for byte as it was */
        rc = bare ? rsess_buf_append(&st->out, p, n) : rsess_write(rsess_doc_root(doc), &st->out, &err);
    } else {
        rsess_entry_opts eo = {0};
        eo.format = st->o->entry;
        if (ttl_s >= 0 && eo.format == RSESS_FORMAT_AS61) {
            eo.has_created_at = 1;
            eo.created_at = st->now;
            eo.has_expires_in = 1;
            eo.expires_in = ttl_s;
        } else if (ttl_s >= 0) {
            eo.has_expires_at = 1;
            eo.expires_at = st->now + ttl_s;
        } else if (eo.format == RSESS_FORMAT_AS61) {
            eo.has_created_at = 1;
            eo.created_at = st->now;
        }
        rc = rsess_entry_write(rsess_doc_root(doc), &eo, &st->out, &err);
    }
    rsess_doc_free(doc);
    if (rc) snprintf(why, cap, "cannot write the new value: %s", err.text[0] ? err.text : rsess_strerror(rc));
    return rc == 0;
}

/* --- RESP streams ------------------------------------------------------------ */

static void resp_arg(FILE *fp, const void *p, size_t n)
{
    fprintf(fp, "$%zu\r\n", n);
    fwrite(p, 1, n, fp);
    fputs("\r\n", fp);
}

static void resp_set(FILE *fp, const rsess_buf *key, const rsess_buf *val, long long px)
{
    char ms[24];
    int ml = snprintf(ms, sizeof ms, "%lld", px);
    fputs(px >= 0 ? "*5\r\n" : "*3\r\n", fp);
    resp_arg(fp, "SET", 3);
    resp_arg(fp, key->data, key->len);
    resp_arg(fp, val->data, val->len);
    if (px >= 0) {
        resp_arg(fp, "PX", 2);
        resp_arg(fp, ms, (size_t)ml);
    }
}

static void resp_del(FILE *fp, const rsess_buf *key)
{
    fputs("*2\r\n", fp);
    resp_arg(fp, "DEL", 3);
    resp_arg(fp, key->data, key->len);
}

static char *path_join(const char *dir, const char *sub, const char *name, const char *ext)
{
    size_t n = strlen(dir) + strlen(sub) + strlen(name) + strlen(ext) + 4;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s%s%s", dir, sub, name, ext);
    return p;
}

static bool make_dir(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST) return true;
    cli_error("cannot make directory %s: %s", path, strerror(errno));
    return false;
}

static bool open_stream(stream *s, const char *dir, const char *sub, const char *name, size_t nlen)
{
    memset(s, 0, sizeof *s);
    s->name = strndup(name, nlen);
    if (!s->name) return false;
    if (!dir) return true;
    s->path = path_join(dir, sub, s->name, ".resp");
    s->tmp = path_join(dir, sub, s->name, ".resp.tmp");
    if (!s->path || !s->tmp) return false;
    s->fp = fopen(s->tmp, "wb");
    if (!s->fp) {
        cli_error("cannot write %s: %s", s->tmp, strerror(errno));
        return false;
    }
    return true;
}

/* Closes a stream; renames it into place when all went well, else removes it. */
static bool close_stream(stream *s, bool keep)
{
    bool ok = true;
    if (s->fp) {
        bool failed = ferror(s->fp) != 0; /* a write that failed before the last flush */
        if (fclose(s->fp) != 0 || failed) {
            cli_error("cannot write %s: %s", s->tmp, failed ? "a write failed" : strerror(errno));
            ok = false;
        }
        if (ok && keep && rename(s->tmp, s->path) != 0) {
            cli_error("cannot rename %s to %s: %s", s->tmp, s->path, strerror(errno));
            ok = false;
        }
        if (!ok || !keep) remove(s->tmp);
    }
    free(s->name);
    free(s->path);
    free(s->tmp);
    return ok;
}

/* The temporary files an interrupt removes (SIGINT, SIGTERM, SIGHUP): a
 * run cut short leaves no stream behind, complete-looking or not. The
 * handler only reads what open_streams set up before installing it. */
static char **volatile tmp_paths;
static volatile sig_atomic_t tmp_count;

static void remove_tmp_and_die(int sig)
{
    for (sig_atomic_t i = 0; i < tmp_count; i++)
        if (tmp_paths[i]) unlink(tmp_paths[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

static bool watch_tmp_files(migrate_state *st)
{
    char **paths = calloc(2 * st->nstreams, sizeof *paths);
    if (!paths) return false;
    for (size_t i = 0; i < st->nstreams; i++) {
        paths[2 * i] = st->streams[i].tmp;
        paths[2 * i + 1] = st->del_streams[i].tmp;
    }
    tmp_paths = paths;
    tmp_count = (sig_atomic_t)(2 * st->nstreams);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = remove_tmp_and_die;
    sigemptyset(&sa.sa_mask);
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < 3; i++) sigaddset(&sa.sa_mask, sigs[i]);
    for (size_t i = 0; i < 3; i++) {
        struct sigaction was;
        /* a signal the caller ignores (nohup, an sh background job's SIGINT) stays ignored */
        if (sigaction(sigs[i], NULL, &was) == 0 && was.sa_handler != SIG_IGN) sigaction(sigs[i], &sa, NULL);
    }
    return true;
}

/* Before the streams are closed (renamed into place or removed). */
static void unwatch_tmp_files(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < 3; i++) {
        struct sigaction now;
        if (sigaction(sigs[i], NULL, &now) == 0 && now.sa_handler == remove_tmp_and_die) signal(sigs[i], SIG_DFL);
    }
    tmp_count = 0;
    free(tmp_paths);
    tmp_paths = NULL;
}

static bool open_streams(migrate_state *st)
{
    const migrate_opts *o = st->o;
    const char *dir = o->dry_run ? NULL : o->out_dir;
    if (dir && !make_dir(dir)) return false;
    if (dir && o->delete_old) {
        char *del = path_join(dir, "", "delete", "");
        bool made = del && make_dir(del);
        free(del);
        if (!made) return false;
    }
    st->nstreams = st->map ? rsess_cluster_map_masters(st->map) : 1;
    st->streams = calloc(st->nstreams, sizeof *st->streams);
    st->del_streams = calloc(st->nstreams, sizeof *st->del_streams);
    if (!st->streams || !st->del_streams) return false;
    for (size_t i = 0; i < st->nstreams; i++) {
        size_t n = 5;
        const char *name = st->map ? rsess_cluster_map_master(st->map, i, &n) : "redis";
        if (!open_stream(&st->streams[i], dir, "", name, n)) return false;
        if (o->delete_old && !open_stream(&st->del_streams[i], dir, "delete/", name, n)) return false;
        if (!dir) st->streams[i].fp = o->dry_run ? NULL : stdout;
    }
    return !dir || watch_tmp_files(st);
}

/* The stream a key goes to; NULL (with why) when no master serves its slot. */
static stream *route(migrate_state *st, stream *set, const rsess_buf *key, char *why, size_t cap)
{
    if (!st->map) return &set[0];
    size_t i;
    unsigned slot = rsess_cluster_slot(key->data, key->len);
    if (!rsess_cluster_map_find(st->map, slot, &i)) {
        snprintf(why, cap, "no master serves slot %u in the --cluster-nodes text", slot);
        return NULL;
    }
    return &set[i];
}

/* --- records ------------------------------------------------------------------- */

static void fail(migrate_state *st, size_t lineno, const char *key, size_t klen, const char *why)
{
    if (key) cli_error("line %zu: %.*s: %s: skipped", lineno, (int)(klen > 200 ? 200 : klen), key, why);
    else cli_error("line %zu: %s: skipped", lineno, why);
    st->failed++;
}

static void migrate_line(migrate_state *st, const char *line, size_t len, size_t lineno)
{
    char why[300];
    cli_record r;
    cli_record_split(line, len, &r);
    st->records++;
    if (!r.has_key || !r.has_pttl) {
        const char *v = line;
        size_t vl = len;
        if (!cli_reply_value(&v, &vl, why, sizeof why)) return fail(st, lineno, NULL, 0, why);
        return fail(st, lineno, NULL, 0,
                    "not a record 'KEY PTTL VALUE' (key and value quoted as redis-cli --no-raw prints them): "
                    "make records with rsess records");
    }
    const char *v = r.value;
    size_t vl = r.value_len;
    if (!cli_reply_value(&v, &vl, why, sizeof why)) return fail(st, lineno, r.key, r.key_len, why);
    rsess_err err = {0};
    st->oldkey.len = st->value.len = 0;
    if (cli_record_key(&r, &st->oldkey, &err)) return fail(st, lineno, r.key, r.key_len, "the key is not a quoted string");
    if (!vl || v[0] != '"') return fail(st, lineno, r.key, r.key_len, "the value is not quoted (redis-cli --no-raw)");
    if (rsess_unquote(v, vl, &st->value, &err)) {
        snprintf(why, sizeof why, "the value is not a quoted string: %s", err.text);
        return fail(st, lineno, r.key, r.key_len, why);
    }
    if (r.pttl == 0 || r.pttl < -1) {
        cli_error("line %zu: %.*s: expired (PTTL %lld): skipped", lineno, (int)r.key_len, r.key, r.pttl);
        st->expired++;
        return;
    }
    if (!new_key(st, st->oldkey.data ? (const char *)st->oldkey.data : "", st->oldkey.len, why, sizeof why))
        return fail(st, lineno, r.key, r.key_len, why);
    long long px;
    if (!new_value(st, st->value.data, st->value.len, r.pttl, &px, why, sizeof why))
        return fail(st, lineno, r.key, r.key_len, why);
    stream *s = route(st, st->streams, &st->newkey, why, sizeof why);
    if (!s) return fail(st, lineno, r.key, r.key_len, why);
    stream *d = NULL;
    bool same = st->oldkey.len == st->newkey.len && !memcmp(st->oldkey.data, st->newkey.data, st->newkey.len);
    if (st->o->delete_old && !same && !(d = route(st, st->del_streams, &st->oldkey, why, sizeof why)))
        return fail(st, lineno, r.key, r.key_len, why);
    if (s->fp) resp_set(s->fp, &st->newkey, &st->out, px);
    s->sets++;
    if (d) {
        if (d->fp) resp_del(d->fp, &st->oldkey);
        d->dels++;
    } else if (st->o->delete_old) {
        st->skipped_del++; /* the old key is the new key: never deleted */
    }
    st->converted++;
}

static void report(const migrate_state *st, FILE *fp)
{
    fprintf(fp, "records: %zu\nconverted: %zu\nfailed: %zu\nexpired: %zu\n", st->records, st->converted, st->failed,
            st->expired);
    fputs("source formats:\n", fp);
    for (int f = 0; f < 4; f++)
        if (st->by_format[f]) fprintf(fp, "  %s: %zu\n", rsess_format_name((rsess_format)f), st->by_format[f]);
    fputs("target nodes:\n", fp);
    for (size_t i = 0; i < st->nstreams; i++) {
        const stream *s = &st->streams[i];
        fprintf(fp, "  %s: %zu SET", s->name, s->sets);
        if (st->o->delete_old) fprintf(fp, ", %zu DEL", st->del_streams[i].dels);
        if (s->path && !st->o->dry_run) fprintf(fp, " -> %s", s->path);
        fputc('\n', fp);
    }
    if (st->skipped_del) fprintf(fp, "old keys kept (equal to their new key): %zu\n", st->skipped_del);
}

/* --- options ------------------------------------------------------------------- */

static int parse_opts(args *a, migrate_opts *o)
{
    const char *val;
    bool have_from = false, have_to = false;
    int k;
    memset(o, 0, sizeof *o);
    o->entry = RSESS_FORMAT_AS71;
    o->rule = RSESS_KEYS_RAILS70;
    for (a->i = 2; a->i < a->argc && !a->bad; a->i++) {
        if (opt_value(a, "--from", &val)) {
            if (val && (k = pick(val, store_names, "store")) < 0) return EXIT_USAGE;
            if (val) o->from = k, have_from = true;
        } else if (opt_value(a, "--to", &val)) {
            if (val && (k = pick(val, store_names, "store")) < 0) return EXIT_USAGE;
            if (val) o->to = k, have_to = true;
        } else if (opt_value(a, "--entry", &val)) {
            if (val && !cli_entry_format(val, &o->entry, &o->rule)) return EXIT_USAGE;
        } else if (opt_value(a, "--from-namespace", &val)) {
            o->from_ns = val;
        } else if (opt_value(a, "--to-namespace", &val)) {
            o->to_ns = val;
        } else if (opt_value(a, "--expires-in", &val)) {
            char *end;
            if (val && (!*val || (o->expires_in = strtod(val, &end), *end) || !(o->expires_in > 0) ||
                        o->expires_in > 1e12))
                return usage_error("migrate: --expires-in needs a positive number of seconds");
            o->has_expires_in = true;
        } else if (opt_value(a, "--cluster-nodes", &val)) {
            o->nodes_file = val;
        } else if (opt_value(a, "--out-dir", &val)) {
            o->out_dir = val;
        } else if (!strcmp(a->argv[a->i], "--dry-run")) {
            o->dry_run = true;
        } else if (!strcmp(a->argv[a->i], "--delete-old")) {
            o->delete_old = true;
        } else if (!take_file(a)) {
            return usage_error("migrate: unknown option '%s'", a->argv[a->i]);
        }
    }
    if (a->bad) return EXIT_USAGE;
    if (!have_from || !have_to) return usage_error("migrate: --from and --to are needed (redis-store or cache)");
    if (o->nodes_file && !o->out_dir && !o->dry_run)
        return usage_error("migrate: --cluster-nodes writes one stream per master: give --out-dir DIR");
    if (o->delete_old && !o->out_dir && !o->dry_run)
        return usage_error("migrate: --delete-old writes a separate DEL stream: give --out-dir DIR");
    return EXIT_OK;
}

int cmd_migrate(args *a)
{
    migrate_opts o;
    if (parse_opts(a, &o)) return EXIT_USAGE;
    migrate_state st;
    memset(&st, 0, sizeof st);
    st.o = &o;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    st.now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    rsess_buf *bufs[] = {&st.oldkey, &st.newkey, &st.value, &st.out, &st.ns};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) rsess_buf_init(bufs[i], NULL);
    int status = EXIT_DATA;
    bool ok = true;
    FILE *in = NULL;
    if (o.nodes_file) {
        rsess_buf text;
        rsess_buf_init(&text, NULL);
        rsess_err err = {0};
        ok = read_all(o.nodes_file, &text);
        if (ok && rsess_cluster_map_parse(text.data ? (const char *)text.data : "", text.len, NULL, &st.map, &err)) {
            cli_error("%s: %s", o.nodes_file, err.text);
            ok = false;
        }
        rsess_buf_free(&text);
    }
    if (ok && !(ok = open_streams(&st))) cli_error("cannot set up the output streams");
    if (ok && !(in = cli_open_input(a->file))) ok = false;
    if (ok) {
        char *line = NULL;
        size_t cap = 0, lineno = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, in)) >= 0 && !ferror(stdout)) {
            size_t len = (size_t)n;
            lineno++;
            if (len && line[len - 1] == '\n') len--;
            if (len && line[len - 1] == '\r') len--;
            if (len) migrate_line(&st, line, len, lineno);
        }
        free(line);
        if (ferror(in)) {
            cli_error("cannot read %s: %s", a->file ? a->file : "stdin", strerror(errno));
            ok = false;
        }
        if (in != stdin) fclose(in);
    }
    if (ok && !o.out_dir && !o.dry_run && !cli_stdout_ok()) ok = false;
    for (size_t i = 0; st.streams && i < st.nstreams; i++) {
        if (st.streams[i].fp == stdout) st.streams[i].fp = NULL;
    }
    unwatch_tmp_files();
    if (ok && o.dry_run) report(&st, stdout);
    else if (ok && o.out_dir) report(&st, stderr);
    for (size_t i = 0; st.streams && i < st.nstreams; i++) {
        ok &= close_stream(&st.streams[i], ok);
        if (st.del_streams) ok &= close_stream(&st.del_streams[i], ok);
    }
    if (ok && !o.dry_run && !o.out_dir && (st.failed || st.expired))
        cli_error("migrate: %zu converted, %zu failed, %zu expired", st.converted, st.failed, st.expired);
    if (ok && !st.failed) status = EXIT_OK;
    free(st.streams);
    free(st.del_streams);
    rsess_cluster_map_free(st.map);
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) rsess_buf_free(bufs[i]);
    return status;
}
