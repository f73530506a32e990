/* Redis Cluster: hash slots (redis/redis src/cluster.c keyHashSlot,
 * src/crc16.c) and finding the master that serves a slot in the text of
 * CLUSTER NODES or CLUSTER SHARDS. Pure text processing, no network. */
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

static bool slot_in(tok range, unsigned slot)
{
    if (range.n && range.p[0] == '[') return false;
    const char *dash = memchr(range.p, '-', range.n);
    long a, b;
    if (!dash) return tok_num(range, &a) && (unsigned long)a == slot;
    tok lo = {range.p, (size_t)(dash - range.p)}, hi = {dash + 1, range.n - (size_t)(dash - range.p) - 1};
    return tok_num(lo, &a) && tok_num(hi, &b) && a <= (long)slot && (long)slot <= b;
}

/* "ip:port@cport,hostname" -> "ip:port" */
static int put_addr(tok addr, rsess_buf *out)
{
    size_t n = 0;
    while (n < addr.n && addr.p[n] != '@' && addr.p[n] != ',') n++;
    return rs_buf_put(out, addr.p, n);
}

static int locate_nodes(const char *text, size_t len, unsigned slot, rsess_buf *out, bool *seen_any)
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
        /* the slots: scan the rest of the line word by word */
        size_t pos = (size_t)(w[7].p + w[7].n - line);
        while (pos < ll) {
            tok r[1];
            int k = split_words(line + pos, ll - pos, r, 1);
            if (!k) break;
            if (slot_in(r[0], slot)) return put_addr(w[1], out) ? -1 : 1;
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

static int emit_node(const shard_node *nd, rsess_buf *out)
{
    const char *host = nd->endpoint[0] && strcmp(nd->endpoint, "?") ? nd->endpoint : nd->ip;
    long port = nd->port ? nd->port : nd->tls_port;
    return rs_buf_printf(out, "%s:%ld", host, port) ? -1 : 1;
}

static int locate_shards(const char *text, size_t len, unsigned slot, rsess_buf *out, bool *seen_any)
{
    enum { NONE, SLOTS, NODES } part = NONE;
    bool mine = false, have_lo = false;
    long lo = 0;
    shard_node nd;
    memset(&nd, 0, sizeof nd);
    bool in_node = false;
    tok key = {0};
    char kbuf[64], vbuf[256];
    size_t i = 0;
    while (i <= len) {
        const char *line = text + i;
        const char *nl = i < len ? memchr(line, '\n', len - i) : NULL;
        size_t ll = nl ? (size_t)(nl - line) : len - i;
        i += ll + 1;
        tok v = i <= len + 1 && ll ? clean_value(line, ll, vbuf, sizeof vbuf) : (tok){line, 0};
        bool end = i > len;
        if (!v.n && !end) continue;
        /* a new shard or the end: settle the node being read */
        if (end || tok_is(v, "slots")) {
            if (in_node && mine && nd.master && !nd.failed) return emit_node(&nd, out);
            in_node = false;
            if (end) break;
        }
        if (tok_is(v, "slots")) {
            *seen_any = true;
            part = SLOTS;
            mine = false;
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
            if (!have_lo) lo = num, have_lo = true;
            else {
                if (lo <= (long)slot && (long)slot <= num) mine = true;
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
                if (in_node && mine && nd.master && !nd.failed) return emit_node(&nd, out);
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

int rsess_cluster_locate(const char *text, size_t len, unsigned slot, rsess_buf *out, rsess_err *err)
{
    if (!out || (!text && len) || slot > 16383) return rs_fail(err, RSESS_ERR_ARG, 0, "bad arguments");
    bool seen = false;
    size_t start = out->len;
    int r = looks_like_shards(text, len) ? locate_shards(text, len, slot, out, &seen)
                                         : locate_nodes(text, len, slot, out, &seen);
    if (r < 0) {
        out->len = start;
        return rs_fail(err, RSESS_ERR_NOMEM, 0, NULL);
    }
    if (r == 1) {
        rs_ok(err);
        return 0;
    }
    if (!seen)
        return rs_fail(err, RSESS_ERR_FORMAT_UNKNOWN, 0,
                       "not CLUSTER NODES or CLUSTER SHARDS output: no node lines found");
    return rs_fail(err, RSESS_ERR_VALUE, 0, "no master serves slot %u", slot);
}
