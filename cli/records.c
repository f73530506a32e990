/* Records: sessions with their keys, one a line, as redis-cli prints them.
 *   "KEY" PTTL "VALUE"   (what `rsess records` makes and `rsess migrate` reads)
 *   KEY<TAB>VALUE        (a key, raw or quoted, a tab, the value)
 * and the reply forms of redis-cli that are not a value ((nil), (error),
 * (integer), numbered multi-bulk lines), with what to do about them.
 *
 * `rsess records --commands` turns `redis-cli --scan` output into a command
 * stream for one redis-cli connection (ECHO, PTTL and GET per key: three
 * replies a key, one a line with --no-raw), and `rsess records` pairs those
 * replies back into records. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The index past the closing quote of the string that opens p, or 0. */
static size_t quoted_end(const char *p, size_t len)
{
    for (size_t i = 1; i < len; i++) {
        if (p[i] == '\\') i++;
        else if (p[i] == '"') return i + 1;
    }
    return 0;
}

/* An optional minus and digits, then one space: the PTTL of a record. */
static bool take_pttl(const char *p, size_t len, size_t *i, long long *out)
{
    size_t j = *i;
    bool neg = j < len && p[j] == '-';
    if (neg) j++;
    size_t d0 = j;
    long long v = 0;
    while (j < len && p[j] >= '0' && p[j] <= '9' && j - d0 < 18) v = v * 10 + (p[j++] - '0');
    if (j == d0 || j >= len || p[j] != ' ') return false;
    *out = neg ? -v : v;
    *i = j + 1;
    return true;
}

static bool word_byte(unsigned char c) { return c > 0x20 && c < 0x7f; }

void cli_record_split(const char *line, size_t len, cli_record *r)
{
    memset(r, 0, sizeof *r);
    r->value = line;
    r->value_len = len;
    size_t kend;
    if (len && line[0] == '"') {
        kend = quoted_end(line, len);
        if (!kend || kend >= len) return;
        r->key_quoted = true;
    } else {
        if (!len || line[0] == '(' || !word_byte((unsigned char)line[0])) return;
        kend = 0;
        while (kend < len && word_byte((unsigned char)line[kend])) kend++;
        if (kend >= len || line[kend - 1] == ')') return; /* "12) ..." is a multi-bulk line */
    }
    size_t i = kend + 1;
    if (line[kend] == '\t') {
        r->has_key = true;
    } else if (line[kend] == ' ' && take_pttl(line, len, &i, &r->pttl) && (r->key_quoted || (i < len && line[i] == '"'))) {
        r->has_key = r->has_pttl = true;
    } else {
        return;
    }
    r->key = line;
    r->key_len = kend;
    r->value = line + i;
    r->value_len = len - i;
}

int cli_record_key(const cli_record *r, rsess_buf *out, rsess_err *err)
{
    if (r->key_quoted) return rsess_unquote(r->key, r->key_len, out, err);
    if (rsess_buf_append(out, r->key, r->key_len)) {
        snprintf(err->text, sizeof err->text, "out of memory");
        return err->code = RSESS_ERR_NOMEM;
    }
    return 0;
}

static bool starts(const char *p, size_t len, const char *s)
{
    size_t n = strlen(s);
    return len >= n && memcmp(p, s, n) == 0;
}

bool cli_reply_value(const char **pp, size_t *plen, char *msg, size_t cap)
{
    const char *p = *pp;
    size_t len = *plen, i = 0;
    /* "1) ..." / " 12) ...": one item of a multi-bulk reply (MGET) */
    while (i < len && p[i] == ' ') i++;
    size_t d = i;
    while (i < len && p[i] >= '0' && p[i] <= '9') i++;
    if (i > d && i + 1 < len && p[i] == ')' && p[i + 1] == ' ') {
        p += i + 2;
        len -= i + 2;
    }
    *pp = p;
    *plen = len;
    if (len == 5 && memcmp(p, "(nil)", 5) == 0) {
        snprintf(msg, cap, "(nil): no value under this key: it does not exist or has expired");
        return false;
    }
    if (starts(p, len, "(error) MOVED ") || starts(p, len, "(error) ASK ")) {
        /* "(error) MOVED <slot> <host:port>" */
        size_t sp = len;
        while (sp > 8 && p[sp - 1] != ' ') sp--;
        snprintf(msg, cap, "%.*s: the key's slot is served by %.*s: read it from that node (SCAN each master "
                 "on its own connection) or run redis-cli -c", (int)(len > 80 ? 80 : len), p,
                 (int)(len - sp > 60 ? 60 : len - sp), p + sp);
        return false;
    }
    if (starts(p, len, "(error) WRONGTYPE")) {
        snprintf(msg, cap, "(error) WRONGTYPE: this key holds a hash, list or set, not a session value "
                 "(narrow the SCAN --pattern)");
        return false;
    }
    if (starts(p, len, "(error) ")) {
        snprintf(msg, cap, "redis-cli printed an error, not a value: %.*s", (int)(len > 100 ? 100 : len), p);
        return false;
    }
    if (starts(p, len, "(integer) ")) {
        snprintf(msg, cap, "%.*s is an integer reply, not a value: GET (or MGET) prints values, "
                 "while TTL, PTTL, EXISTS and DEL print integers", (int)(len > 40 ? 40 : len), p);
        return false;
    }
    if (starts(p, len, "(empty array)") || starts(p, len, "(empty list or set)")) {
        snprintf(msg, cap, "%.*s: the command found nothing", (int)len, p);
        return false;
    }
    return true;
}

bool cli_looks_raw(const char *p, size_t len)
{
    for (size_t i = 0; i < len && i < 64; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
    }
    return false;
}

const char cli_raw_hint[] = "this looks like redis-cli --raw output, where a value can span lines: "
                            "use redis-cli --no-raw (one quoted value a line) with --lines";

/* --- rsess records ----------------------------------------------------------- */

/* One line from fp without its newline (and CR); false at the end. */
static bool next_line(FILE *fp, char **buf, size_t *cap, size_t *len)
{
    ssize_t n = getline(buf, cap, fp);
    if (n < 0) return false;
    size_t l = (size_t)n;
    if (l && (*buf)[l - 1] == '\n') l--;
    if (l && (*buf)[l - 1] == '\r') l--;
    *len = l;
    return true;
}

FILE *cli_open_input(const char *path)
{
    if (!path || !strcmp(path, "-")) return stdin;
    FILE *fp = fopen(path, "rb");
    if (!fp) cli_error("cannot open %s: %s", path, strerror(errno));
    return fp;
}

/* A key as `redis-cli --scan` prints it: raw, or quoted with --no-raw. */
static int scan_key(const char *line, size_t len, rsess_buf *key)
{
    rsess_err err = {0};
    if (len && line[0] == '"' && rsess_unquote(line, len, key, &err) == 0) return 0;
    key->len = 0;
    return rsess_buf_append(key, line, len);
}

static int records_commands(FILE *fp)
{
    char *line = NULL;
    size_t cap = 0, len;
    rsess_buf key, q;
    rsess_buf_init(&key, NULL);
    rsess_buf_init(&q, NULL);
    int status = EXIT_OK;
    while (!ferror(stdout) && next_line(fp, &line, &cap, &len)) {
        if (!len) continue;
        key.len = q.len = 0;
        if (scan_key(line, len, &key) || rsess_quote(key.data, key.len, &q)) {
            cli_error("out of memory");
            status = EXIT_DATA;
            break;
        }
        printf("ECHO %.*s\nPTTL %.*s\nGET %.*s\n", (int)q.len, q.data, (int)q.len, q.data, (int)q.len, q.data);
    }
    free(line);
    rsess_buf_free(&key);
    rsess_buf_free(&q);
    return status;
}

/* Replies to ECHO, PTTL, GET, three lines a key, back into records. */
static int records_pair(FILE *fp)
{
    char *line = NULL;
    size_t cap = 0, len, lineno = 0, nread = 0;
    rsess_buf key, reply[3];
    rsess_buf_init(&key, NULL);
    size_t at[3] = {0};
    for (int k = 0; k < 3; k++) rsess_buf_init(&reply[k], NULL);
    int status = EXIT_OK;
    size_t records = 0, vanished = 0, failed = 0;
    while (!ferror(stdout) && next_line(fp, &line, &cap, &len)) {
        lineno++;
        /* redis-cli -c says where it followed a redirection; not a reply */
        if (starts(line, len, "-> Redirected to ")) continue;
        int k = (int)(nread++ % 3);
        reply[k].len = 0;
        at[k] = lineno;
        if (rsess_buf_append(&reply[k], line, len)) {
            cli_error("out of memory");
            status = EXIT_DATA;
            break;
        }
        if (k < 2) continue;
        const char *kp = (const char *)reply[0].data, *tp = (const char *)reply[1].data,
                   *vp = (const char *)reply[2].data;
        size_t kl = reply[0].len, tl = reply[1].len, vl = reply[2].len;
        char msg[256];
        if (!kl || kp[0] != '"' || quoted_end(kp, kl) != kl) {
            cli_error("line %zu: expected the ECHO reply (the key, quoted), got '%.*s': feed redis-cli the "
                      "output of 'rsess records --commands' and run it with --no-raw",
                      at[0], (int)(kl > 60 ? 60 : kl), kp ? kp : "");
            failed++;
            continue;
        }
        if (!cli_reply_value(&vp, &vl, msg, sizeof msg) || !starts(tp, tl, "(integer) ")) {
            if (starts(vp, vl, "(nil)") || starts(tp, tl, "(integer) -2")) {
                cli_error("line %zu: key %.*s vanished between SCAN and GET (expired or deleted): skipped", at[2],
                          (int)kl, kp);
                vanished++;
                continue;
            }
            if (!starts(tp, tl, "(integer) ")) {
                const char *t2 = tp;
                size_t l2 = tl;
                if (cli_reply_value(&t2, &l2, msg, sizeof msg))
                    snprintf(msg, sizeof msg, "expected the PTTL reply '(integer) N', got '%.*s'", (int)(tl > 60 ? 60 : tl),
                             tp);
                cli_error("line %zu: key %.*s: %s", at[1], (int)kl, kp, msg);
            } else {
                cli_error("line %zu: key %.*s: %s", at[2], (int)kl, kp, msg);
            }
            failed++;
            continue;
        }
        if (!vl || vp[0] != '"' || quoted_end(vp, vl) != vl) {
            cli_error("line %zu: key %.*s: the value is not quoted: %s", at[2], (int)kl, kp, cli_raw_hint);
            failed++;
            continue;
        }
        printf("%.*s %.*s %.*s\n", (int)kl, kp, (int)(tl - 10), tp + 10, (int)vl, vp);
        records++;
    }
    if (nread % 3) {
        cli_error("line %zu: the replies end inside a key's three (ECHO, PTTL, GET): was redis-cli cut short?",
                  lineno);
        failed++;
    }
    if (failed) status = EXIT_DATA;
    if (vanished || failed)
        cli_error("records: %zu written, %zu vanished, %zu failed", records, vanished, failed);
    free(line);
    rsess_buf_free(&key);
    for (int k = 0; k < 3; k++) rsess_buf_free(&reply[k]);
    return status;
}

int cmd_records(args *a)
{
    bool commands = false;
    for (a->i = 2; a->i < a->argc && !a->bad; a->i++) {
        if (!strcmp(a->argv[a->i], "--commands")) commands = true;
        else if (!take_file(a)) return usage_error("records: unknown option '%s'", a->argv[a->i]);
    }
    if (a->bad) return EXIT_USAGE;
    FILE *fp = cli_open_input(a->file);
    if (!fp) return EXIT_DATA;
    int status = commands ? records_commands(fp) : records_pair(fp);
    if (ferror(fp)) {
        cli_error("cannot read %s: %s", a->file ? a->file : "stdin", strerror(errno));
        status = EXIT_DATA;
    }
    if (fp != stdin) fclose(fp);
    if (!cli_stdout_ok()) status = EXIT_DATA;
    return status;
}
