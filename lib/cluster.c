/* Redis Cluster: hash slots (redis/redis src/cluster.c keyHashSlot,
 * src/crc16.c) and the map of which master serves each slot, read from
 * the text of CLUSTER NODES or CLUSTER SHARDS. Pure text, no network. */
#include "internal.h"

#include <stdlib.h>

/* CRC-16/XMODEM: polynomial 0x1021, initial 0, no reflection. */
static uint16_t crc16(const unsigned char *p, size_t len)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int b = 0; b < 8; b++) crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

unsigned rsess_cluster_slot(const void *key, size_t len)
{
    const unsigned char *k = key;
    if (!k) return 0;
    /* the first '{', then the first '}' after it; an empty {} hashes the whole key */
    const unsigned char *open = memchr(k, '{', len);
    if (open) {
        size_t s = (size_t)(open - k) + 1;
        const unsigned char *close = memchr(k + s, '}', len - s);
        if (close && close != k + s) return crc16(k + s, (size_t)(close - (k + s))) & 0x3fff;
    }
    return crc16(k, len) & 0x3fff;
}

/* --- text tokens ------------------------------------------------------------ */
typedef struct tok {
    const char *p;
    size_t n;
} tok;

static bool tok_is(tok t, const char *s) { return t.n == strlen(s) && memcmp(t.p, s, t.n) == 0; }

static bool tok_num(tok t, long *out)
{
    if (!t.n || t.n > 18) return false;
    long v = 0;
    for (size_t i = 0; i < t.n; i++) {
        if (t.p[i] < '0' || t.p[i] > '9') return false;
        v = v * 10 + (t.p[i] - '0');
    }
    *out = v;
    return true;
}

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* --- CLUSTER NODES ----------------------------------------------------------
 * <id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch>
 * <link-state> <slot>...; slots are "N", "A-B" or "[...]" (migrating). */
static int split_words(const char *line, size_t len, tok *w, int max)
{
    int n = 0;
    size_t i = 0;
    while (i < len && n < max) {
        while (i < len && is_ws(line[i])) i++;
        if (i >= len) break;
        size_t s = i;
        while (i < len && !is_ws(line[i])) i++;
        w[n].p = line + s;
        w[n].n = i - s;
        n++;
    }
    return n;
}

static bool has_flag(tok flags, const char *f)
{
    size_t fl = strlen(f), i = 0;
    while (i < flags.n) {
        size_t s = i;
        while (i < flags.n && flags.p[i] != ',') i++;
        if (i - s == fl && memcmp(flags.p + s, f, fl) == 0) return true;
        i++;
    }
    return false;
}

/* --- the slot map ------------------------------------------------------------ */
#define NSLOTS 16384
#define NO_NODE 0xffffu

struct rsess_cluster_map {
    rsess_alloc alloc;
    uint16_t slot[NSLOTS]; /* master index, NO_NODE when none */
    size_t nmasters;
    size_t *addr_at;       /* nmasters + 1 offsets into addrs */
    size_t addr_cap;
    rsess_buf addrs;       /* "host:port" texts, back to back */
};

/* The index of a master by address, added when new; -1 when out of memory. */
static long map_master(rsess_cluster_map *m, const char *p, size_t n)
{
    for (size_t i = 0; i < m->nmasters; i++)
        if (m->addr_at[i + 1] - m->addr_at[i] == n && memcmp(m->addrs.data + m->addr_at[i], p, n) == 0)
            return (long)i;
    if (m->nmasters + 1 >= NO_NODE) return -1;
    if (m->nmasters + 2 > m->addr_cap) {
        size_t ncap = m->addr_cap ? m->addr_cap * 2 : 8;
        size_t *na = rs_realloc(&m->alloc, m->addr_at, m->addr_cap * sizeof *na, ncap * sizeof *na);
        if (!na) return -1;
        m->addr_at = na;
        m->addr_cap = ncap;
    }
    if (rs_buf_put(&m->addrs, p, n)) return -1;
    m->addr_at[0] = 0;
    m->addr_at[++m->nmasters] = m->addrs.len;
    return (long)m->nmasters - 1;
}

/* The first master named for a slot keeps it (as the old locate did). */
static void map_assign(rsess_cluster_map *m, long node, long lo, long hi)
{
    if (lo < 0) lo = 0;
    if (hi > NSLOTS - 1) hi = NSLOTS - 1;
    for (long s = lo; s <= hi; s++)
        if (m->slot[s] == NO_NODE) m->slot[s] = (uint16_t)node;
}

/* "N" or "A-B" (a "[...]" migration note assigns nothing). */
static bool slot_range(tok range, long *lo, long *hi)
{
    if (range.n && range.p[0] == '[') return false;
    const char *dash = memchr(range.p, '-', range.n);
    if (!dash) return tok_num(range, lo) && (*hi = *lo, true);
    tok a = {range.p, (size_t)(dash - range.p)}, b = {dash + 1, range.n - (size_t)(dash - range.p) - 1};
    return tok_num(a, lo) && tok_num(b, hi) && *lo <= *hi;
}

/* "ip:port@cport,hostname" -> "ip:port" */
static size_t addr_len(tok addr)
{
    size_t n = 0;
    while (n < addr.n && addr.p[n] != '@' && addr.p[n] != ',') n++;
    return n;
}

static int parse_nodes(const char *text, size_t len, rsess_cluster_map *m, bool *seen_any)
{
    size_t i = 0;
    while (i < len) {
        const char *line = text + i;
        const char *nl = memchr(line, '\n', len - i);
        size_t ll = nl ? (size_t)(nl - line) : len - i;
        i += ll + 1;
        tok w[8];
        int n = split_words(line, ll, w, 8);
        if (n < 8 || !memchr(w[1].p, ':', w[1].n)) continue;
        *seen_any = true;
        if (!has_flag(w[2], "master") || has_flag(w[2], "fail") || has_flag(w[2], "noaddr")) continue;
        long node = map_master(m, w[1].p, addr_len(w[1]));
        if (node < 0) return -1;
        /* the slots: the rest of the line, word by word */
        size_t pos = (size_t)(w[7].p + w[7].n - line);
        while (pos < ll) {
            tok r[1];
            if (!split_words(line + pos, ll - pos, r, 1)) break;
            long lo, hi;
            if (slot_range(r[0], &lo, &hi)) map_assign(m, node, lo, hi);
            pos = (size_t)(r[0].p + r[0].n - line);
        }
    }
    return 0;
}

/* --- CLUSTER SHARDS as redis-cli prints it ----------------------------------
 * Each line holds at most one value, after "N) " markers: "slots",
 * "(integer) 0" or 0, "nodes", then "key" / value pairs per node. */
static tok clean_value(const char *line, size_t len, char *scratch, size_t cap)
{
    size_t i = 0;
    for (;;) { /* leading "12) " markers, nested */
        while (i < len && is_ws(line[i])) i++;
        size_t s = i;
        while (i < len && line[i] >= '0' && line[i] <= '9') i++;
        if (i > s && i < len && line[i] == ')') {
            i++;
            continue;
        }
        i = s;
        break;
    }
    tok t = {line + i, len - i};
    while (t.n && is_ws(t.p[t.n - 1])) t.n--;
    if (t.n >= 10 && memcmp(t.p, "(integer) ", 10) == 0) t.p += 10, t.n -= 10;
    if (t.n >= 2 && t.p[0] == '"' && t.p[t.n - 1] == '"') {
        rsess_buf b = {0};
        tok r = {t.p + 1, t.n - 2};
        if (rsess_unquote(t.p, t.n, &b, NULL) == 0 && b.len < cap) {
            if (b.len) memcpy(scratch, b.data, b.len);
            r.p = scratch;
            r.n = b.len;
        }
        rsess_buf_free(&b);
        return r;
    }
    return t;
}

typedef struct shard_node {
    char ip[256], endpoint[256], hostname[256];
    long port, tls_port;
    bool master, failed;
} shard_node;

static void copy_tok(char *dst, size_t cap, tok t)
{
    size_t n = t.n < cap - 1 ? t.n : cap - 1;
    memcpy(dst, t.p, n);
    dst[n] = 0;
}

/* A shard's slot ranges, gathered before its nodes are known. */
typedef struct shard_slots {
    uint8_t bits[NSLOTS / 8];
    bool any;
} shard_slots;

/* A node of a shard is read: a healthy master gets the shard's slots. */
static int settle_node(const shard_node *nd, const shard_slots *ss, rsess_cluster_map *m)
{
    if (!nd->master || nd->failed) return 0;
    const char *host = nd->endpoint[0] && strcmp(nd->endpoint, "?") ? nd->endpoint : nd->ip;
    char addr[300];
    int n = snprintf(addr, sizeof addr, "%s:%ld", host, nd->port ? nd->port : nd->tls_port);
    long node = map_master(m, addr, (size_t)n);
    if (node < 0) return -1;
    if (ss->any)
        for (long s = 0; s < NSLOTS; s++)
            if (ss->bits[s >> 3] & (1u << (s & 7))) map_assign(m, node, s, s);
    return 0;
}

static int parse_shards(const char *text, size_t len, rsess_cluster_map *m, bool *seen_any)
{
    enum { NONE, SLOTS, NODES } part = NONE;
    bool have_lo = false, in_node = false;
    long lo = 0;
    shard_node nd;
    memset(&nd, 0, sizeof nd);
    shard_slots ss;
    memset(&ss, 0, sizeof ss);
    tok key = {0};
    char kbuf[64], vbuf[256];
    size_t i = 0;
    while (i <= len) {
        const char *line = text + i;
        const char *nl = i < len ? memchr(line, '\n', len - i) : NULL;
        size_t ll = nl ? (size_t)(nl - line) : len - i;
        i += ll + 1;
        tok v = ll ? clean_value(line, ll, vbuf, sizeof vbuf) : (tok){line, 0};
        bool end = i > len;
        if (!v.n && !end) continue;
        /* a new shard or the end: settle the node being read */
        if (end || tok_is(v, "slots")) {
            if (in_node && settle_node(&nd, &ss, m)) return -1;
            in_node = false;
            if (end) break;
        }
        if (tok_is(v, "slots")) {
            *seen_any = true;
            part = SLOTS;
            memset(&ss, 0, sizeof ss);
            have_lo = false;
            continue;
        }
        if (part == SLOTS && tok_is(v, "nodes")) {
            part = NODES;
            key.n = 0;
            continue;
        }
        long num;
        if (part == SLOTS && tok_num(v, &num)) {
            if (!have_lo) {
                lo = num;
                have_lo = true;
            } else {
                for (long s = lo < 0 ? 0 : lo; s <= num && s < NSLOTS; s++) ss.bits[s >> 3] |= (uint8_t)(1u << (s & 7));
                ss.any = true;
                have_lo = false;
            }
            continue;
        }
        if (part != NODES) continue;
        if (!key.n) {
            copy_tok(kbuf, sizeof kbuf, v);
            key.p = kbuf;
            key.n = strlen(kbuf);
            if (tok_is(key, "id")) {
                if (in_node && settle_node(&nd, &ss, m)) return -1;
                memset(&nd, 0, sizeof nd);
                in_node = true;
            }
            continue;
        }
        if (tok_is(key, "ip")) copy_tok(nd.ip, sizeof nd.ip, v);
        else if (tok_is(key, "endpoint")) copy_tok(nd.endpoint, sizeof nd.endpoint, v);
        else if (tok_is(key, "port")) tok_num(v, &nd.port);
        else if (tok_is(key, "tls-port")) tok_num(v, &nd.tls_port);
        else if (tok_is(key, "role")) nd.master = tok_is(v, "master");
        else if (tok_is(key, "health")) nd.failed = tok_is(v, "fail");
        key.n = 0;
    }
    return 0;
}

static bool looks_like_shards(const char *text, size_t len)
{
    for (size_t i = 0; i + 5 <= len; i++)
        if (memcmp(text + i, "slots", 5) == 0) {
            size_t j = i + 5;
            if (j == len || text[j] == '"' || text[j] == '\n' || text[j] == '\r') return true;
        }
    return false;
}

int rsess_cluster_map_parse(const char *text, size_t len, const rsess_alloc *alloc, rsess_cluster_map **out,
                            rsess_err *err)
{
    if (out) *out = NULL;
    if (!out || (!text && len)) return rs_fail(err, RSESS_ERR_ARG, 0, "bad arguments");
    rsess_alloc a = {0};
    if (alloc) a = *alloc;
    rsess_cluster_map *m = rs_malloc(&a, sizeof *m);
    if (!m) return rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
    memset(m, 0, sizeof *m);
    m->alloc = a;
    rsess_buf_init(&m->addrs, &m->alloc);
    for (size_t s = 0; s < NSLOTS; s++) m->slot[s] = NO_NODE;
    bool seen = false;
    int r = looks_like_shards(text, len) ? parse_shards(text, len, m, &seen) : parse_nodes(text, len, m, &seen);
    if (r < 0) {
        rsess_cluster_map_free(m);
        return rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
    }
    if (!seen) {
        rsess_cluster_map_free(m);
        return rs_fail(err, RSESS_ERR_FORMAT_UNKNOWN, 0,
                       "not CLUSTER NODES or CLUSTER SHARDS output: no node lines found");
    }
    *out = m;
    rs_ok(err);
    return 0;
}

void rsess_cluster_map_free(rsess_cluster_map *m)
{
    if (!m) return;
    rsess_alloc a = m->alloc;
    rsess_buf_free(&m->addrs);
    rs_free(&a, m->addr_at, m->addr_cap * sizeof *m->addr_at);
    rs_free(&a, m, sizeof *m);
}

size_t rsess_cluster_map_masters(const rsess_cluster_map *m) { return m ? m->nmasters : 0; }

const char *rsess_cluster_map_master(const rsess_cluster_map *m, size_t i, size_t *len)
{
    if (!m || i >= m->nmasters) {
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = m->addr_at[i + 1] - m->addr_at[i];
    return (const char *)m->addrs.data + m->addr_at[i];
}

bool rsess_cluster_map_find(const rsess_cluster_map *m, unsigned slot, size_t *index)
{
    if (!m || slot >= NSLOTS || m->slot[slot] == NO_NODE) return false;
    if (index) *index = m->slot[slot];
    return true;
}

int rsess_cluster_locate(const char *text, size_t len, unsigned slot, rsess_buf *out, rsess_err *err)
{
    if (!out || (!text && len) || slot > 16383) return rs_fail(err, RSESS_ERR_ARG, 0, "bad arguments");
    rsess_cluster_map *m;
    int rc = rsess_cluster_map_parse(text, len, out->alloc, &m, err);
    if (rc) return rc;
    size_t node, n;
    if (!rsess_cluster_map_find(m, slot, &node)) {
        rsess_cluster_map_free(m);
        return rs_fail(err, RSESS_ERR_VALUE, 0, "no master serves slot %u", slot);
    }
    const char *addr = rsess_cluster_map_master(m, node, &n);
    rc = rs_buf_put(out, addr, n);
    rsess_cluster_map_free(m);
    if (rc) return rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
    rs_ok(err);
    return 0;
}
