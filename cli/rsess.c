/* rsess: the command line (contract: ../shared/CLI.md). A thin shell over
 * the public API in <rsess.h>. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: rsess COMMAND [OPTIONS] [FILE]\n"
    "\n"
    "Read and write Rails session data as Ruby writes it (Marshal 4.8).\n"
    "\n"
    "Commands:\n"
    "  decode [--in FORM] [--to ruby|json|typed] [--ruby-version 3.4|4.0] [--pretty]\n"
    "         [--lines] [FILE]\n"
    "      Print the value held in FILE (or stdin): Ruby Marshal, or a Rails 7.1+,\n"
    "      7.0 or 6.1 cache entry (unwrapped and inflated). --to ruby prints what\n"
    "      Ruby 3.4's p prints; --ruby-version 4.0 what Ruby 4.0's does. --lines: one\n"
    "      value a line, or a record \"KEY\" PTTL \"VALUE\" / KEY<TAB>VALUE whose key\n"
    "      is kept.\n"
    "  explain [--in FORM] [FILE]\n"
    "      An annotated listing of every byte: offset, bytes, meaning.\n"
    "  info [--in FORM] [--lines] [FILE]\n"
    "      One JSON object about the container: format, compression, expiry, version\n"
    "      (--lines: one per line; records keep their \"key\" and \"pttl\").\n"
    "  encode [--from typed|json] [--to raw|quoted|hex|base64]\n"
    "         [--entry 7.1|7.0|6.1 [--expires-at EPOCH | --expires-in SECONDS]\n"
    "          [--version STRING] [--compress-threshold BYTES | --no-compress]\n"
    "          [--created-at EPOCH]] [FILE]\n"
    "      Read one value (typed JSON by default) and write its Marshal bytes,\n"
    "      or an ActiveSupport cache entry around them (7.2, 8.0, 8.1: as 7.1).\n"
    "  id [--rack] [PUBLIC_ID]\n"
    "      Print PUBLIC_ID PRIVATE_ID: the given public id (or a new random one:\n"
    "      32 hex digits as Rails makes them, 64 with --rack) and Rack's private\n"
    "      id \"2::\" + SHA-256 hex of it.\n"
    "  key [--store cache|redis-store] [--namespace NS] [--legacy]\n"
    "      [--rails 8.1|7.0|6.1|none] PUBLIC_ID | --cookie-jar FILE [--cookie-name NAME]\n"
    "      The Redis key a Rails app keeps that session under; the id may come\n"
    "      from a curl cookie jar (curl -c FILE; default cookie: the *_session one).\n"
    "  slot [--in text|hex] KEY...\n"
    "      The Redis Cluster hash slot of each key (as CLUSTER KEYSLOT).\n"
    "  locate KEY [FILE] | locate --masters [FILE]\n"
    "      Read CLUSTER NODES or CLUSTER SHARDS output; print host:port of the\n"
    "      master serving KEY's slot (--masters: of every master, one a line).\n"
    "  records [--commands] [FILE]\n"
    "      With --commands: keys (redis-cli --scan) to an ECHO/PTTL/GET command\n"
    "      stream for one redis-cli --no-raw connection; without: its replies\n"
    "      paired back into records \"KEY\" PTTL \"VALUE\", one a line.\n"
    "  migrate --from redis-store|cache --to redis-store|cache [--entry 7.1|7.0|6.1]\n"
    "          [--from-namespace NS] [--to-namespace NS] [--expires-in SECONDS]\n"
    "          [--cluster-nodes FILE --out-dir DIR] [--delete-old] [--dry-run] [FILE]\n"
    "      Records to the other store's keys and values, as a RESP stream for\n"
    "      redis-cli --pipe (one per master in DIR with --cluster-nodes).\n"
    "  cookie decode|info [--secret-key-base-file F] [--secret-token-file F]\n"
    "      [--digest sha1|sha256] [--hmac-digest sha1|sha256|sha512]\n"
    "      [--cipher aes-256-gcm|aes-256-cbc] [--name COOKIE_NAME]\n"
    "      [--serializer auto|json|marshal|hybrid] [--now EPOCH] [--to ruby|json|typed] [FILE]\n"
    "      Verify and decrypt a Rails (2.3 to 8.x) or Rack session cookie and print\n"
    "      the session (decode) or one JSON object about it (info). Secrets come from\n"
    "      the files or RSESS_SECRET_KEY_BASE / RSESS_SECRET_TOKEN, never argv.\n"
    "      Exit 1 when the cookie is rejected (the reason on stderr).\n"
    "  cookie encode --format gcm|cbc|signed|rails3|rack [--from json|typed]\n"
    "      [--secret-key-base-file F | --secret-token-file F] [--digest ...]\n"
    "      [--hmac-digest ...] [--name NAME] [--expires-at EPOCH | --expires-in S]\n"
    "      [--serializer json|marshal] [FILE]\n"
    "      Write a cookie Rails reads back, URL-escaped as Rack sets it.\n"
    "\n"
    "Input forms (--in): auto (default: quoted if it starts with a double quote,\n"
    "else raw), quoted (as redis-cli --no-raw and Ruby's p print strings), raw,\n"
    "hex, base64.\n"
    "\n"
    "Limits (decode, info, explain, migrate), on by default; sizes take K, M, G:\n"
    "  --max-depth N          nesting of containers (default 512)\n"
    "  --max-nodes N          values in one document (default 16777216)\n"
    "  --max-input BYTES      bytes of one value (default 256M)\n"
    "  --max-inflated BYTES   a compressed payload inflated (default 64M)\n"
    "  --allow-trailing       ignore bytes after the value, as Marshal.load does\n"
    "                         (by default they are an error)\n"
    "\n"
    "Options: -h, --help  this text (rsess COMMAND --help: that command's);\n"
    "  --version  the version.\n"
    "Exit status: 0 success, 1 bad data, 2 usage error.\n";

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("rsess: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* "WHAT: DETAIL" becomes "WHAT at offset N: DETAIL" (unless the text
 * already names its offset, as the text-form errors do). */
void cli_report(const char *prefix, const rsess_err *err)
{
    const char *text = err->text[0] ? err->text : (err->msg ? err->msg : "error");
    const char *colon = strstr(text, ": ");
    fputs("rsess: ", stderr);
    if (prefix) fprintf(stderr, "%s: ", prefix);
    if (strstr(text, "offset ")) fprintf(stderr, "%s\n", text);
    else if (colon) fprintf(stderr, "%.*s at offset %zu%s\n", (int)(colon - text), text, err->offset, colon);
    else fprintf(stderr, "%s at offset %zu\n", text, err->offset);
}

bool cli_next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *line_len)
{
    if (*pos >= len) return false;
    const char *l = text + *pos, *nl = memchr(l, '\n', len - *pos);
    size_t n = nl ? (size_t)(nl - l) : len - *pos;
    *pos += n + (nl ? 1 : 0);
    if (n && l[n - 1] == '\r') n--;
    *line = l;
    *line_len = n;
    return true;
}

bool cli_stdout_ok(void)
{
    static bool said;
    int failed = fflush(stdout) != 0, e = errno;
    if (!failed && !ferror(stdout)) return true;
    if (!said) cli_error("cannot write the output: %s", failed ? strerror(e) : "a write to it failed");
    said = true;
    return false;
}

int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("rsess: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'rsess --help'.\n", stderr);
    return EXIT_USAGE;
}

/* --- arguments ------------------------------------------------------------ */
/* Matches "--name VALUE" or "--name=VALUE"; *val receives the value. */
bool opt_value(args *a, const char *name, const char **val)
{
    const char *arg = a->argv[a->i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0) return false;
    if (arg[n] == '=') {
        *val = arg + n + 1;
        return true;
    }
    if (arg[n] != 0) return false;
    if (a->i + 1 >= a->argc) {
        usage_error("%s needs a value", name);
        a->bad = 1;
        *val = NULL;
        return true;
    }
    *val = a->argv[++a->i];
    return true;
}

bool take_file(args *a)
{
    const char *arg = a->argv[a->i];
    if (arg[0] == '-' && arg[1] != 0) return false;
    if (a->file) {
        usage_error("more than one FILE: '%s' and '%s'", a->file, arg);
        a->bad = 1;
        return true;
    }
    a->file = arg;
    return true;
}

int pick(const char *val, const char *const *choices, const char *opt)
{
    for (int i = 0; choices[i]; i++)
        if (!strcmp(val, choices[i])) return i;
    usage_error("unknown %s '%s'", opt, val);
    return -1;
}

/* --- limits ---------------------------------------------------------------- */
static rsess_read_opts read_opts;

const rsess_read_opts *cli_read_opts(void) { return &read_opts; }

/* "123", "64K", "256M", "1G" */
static bool parse_size(const char *s, size_t *out)
{
    char *end;
    if (!s || *s < '0' || *s > '9') return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k') shift = 10, end++;
    else if (*end == 'M' || *end == 'm') shift = 20, end++;
    else if (*end == 'G' || *end == 'g') shift = 30, end++;
    if (*end || errno || v == 0 || v > (SIZE_MAX >> shift)) return false;
    *out = (size_t)v << shift;
    return true;
}

/* Takes the limit options out of argv (any command, any place); false
 * after a usage error. */
static bool take_limits(int *argc, char **argv)
{
    static const char *const names[] = {"--max-depth", "--max-nodes", "--max-input", "--max-inflated", NULL};
    size_t *fields[] = {&read_opts.limits.max_depth, &read_opts.limits.max_nodes, &read_opts.limits.max_input,
                        &read_opts.limits.max_inflated};
    int w = 2;
    for (int i = 2; i < *argc; i++) {
        if (!strcmp(argv[i], "--allow-trailing")) { /* bytes after the value are ignored, as Marshal.load does */
            read_opts.flags |= RSESS_READ_ALLOW_TRAILING;
            continue;
        }
        args a = {*argc, i, argv, NULL, 0};
        const char *val = NULL;
        int k = 0;
        for (; names[k]; k++)
            if (opt_value(&a, names[k], &val)) break;
        if (!names[k]) {
            argv[w++] = argv[i];
            continue;
        }
        if (a.bad) return false;
        if (!parse_size(val, fields[k])) {
            usage_error("%s needs a positive number%s", names[k], k >= 2 ? " of bytes (K, M, G allowed)" : "");
            return false;
        }
        i = a.i;
    }
    *argc = w;
    argv[w] = NULL;
    return true;
}

/* --- input ---------------------------------------------------------------- */
bool read_all(const char *path, rsess_buf *out)
{
    FILE *fp = stdin;
    if (path && strcmp(path, "-") != 0) {
        fp = fopen(path, "rb");
        if (!fp) {
            cli_error("cannot open %s: %s", path, strerror(errno));
            return false;
        }
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (rsess_buf_append(out, chunk, n)) {
            cli_error("out of memory reading input");
            if (fp != stdin) fclose(fp);
            return false;
        }
    }
    bool ok = !ferror(fp);
    if (!ok) cli_error("cannot read %s: %s", path ? path : "stdin", strerror(errno));
    if (fp != stdin) fclose(fp);
    return ok;
}

enum { IN_AUTO, IN_QUOTED, IN_RAW, IN_HEX, IN_BASE64 };
static const char *const in_forms[] = {"auto", "quoted", "raw", "hex", "base64", NULL};

/* Turns text in an input form into bytes. *raw tells whether the bytes
 * came as they are (a trailing newline is then tolerated). */
static int to_bytes(int form, const char *p, size_t len, rsess_buf *out, bool *raw, rsess_err *err)
{
    if (form == IN_AUTO) {
        size_t i = 0;
        while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')) i++;
        form = i < len && p[i] == '"' ? IN_QUOTED : IN_RAW;
    }
    *raw = form == IN_RAW;
    switch (form) {
    case IN_QUOTED: return rsess_unquote(p, len, out, err);
    case IN_HEX: return rsess_unhex(p, len, out, err);
    case IN_BASE64: return rsess_unbase64(p, len, out, err);
    default:
        if (rsess_buf_append(out, p, len)) {
            snprintf(err->text, sizeof err->text, "out of memory");
            return err->code = RSESS_ERR_NOMEM;
        }
        return 0;
    }
}

/* Bytes -> the stored value, unwrapping any cache entry. Raw input often
 * ends in the newline redis-cli --raw and editors add: without it first,
 * then as it is. */
static rsess_doc *load_value(const unsigned char *p, size_t len, bool raw, rsess_entry_info *info,
                             rsess_err *err)
{
    const rsess_read_opts *opts = cli_read_opts();
    if (raw && len && p[len - 1] == '\n') {
        size_t cut = len >= 2 && p[len - 2] == '\r' ? 2 : 1;
        rsess_doc *doc = rsess_entry_read(p, len - cut, opts, info, err);
        if (doc) return doc;
        rsess_err first = *err;
        doc = rsess_entry_read(p, len, opts, info, err);
        if (!doc && err->code != RSESS_ERR_TRAILING) *err = first;
        return doc;
    }
    return rsess_entry_read(p, len, opts, info, err);
}

/* Options of the commands that take only --in and a FILE (info, explain).
 * Returns EXIT_OK, or EXIT_USAGE after saying why. */
static int parse_in_only(args *a, const char *cmd, int *form)
{
    const char *val;
    *form = IN_AUTO;
    for (a->i = 2; a->i < a->argc && !a->bad; a->i++) {
        if (opt_value(a, "--in", &val)) {
            if (val && (*form = pick(val, in_forms, "input form")) < 0) return EXIT_USAGE;
        } else if (!take_file(a)) {
            return usage_error("%s: unknown option '%s'", cmd, a->argv[a->i]);
        }
    }
    return a->bad ? EXIT_USAGE : EXIT_OK;
}

/* FILE (or stdin) in an input form -> bytes; false after reporting why. */
static bool read_bytes(const char *file, int form, rsess_buf *bytes, bool *raw)
{
    rsess_buf in;
    rsess_buf_init(&in, NULL);
    bool ok = read_all(file, &in);
    rsess_err err = {0};
    if (ok && to_bytes(form, in.data ? (const char *)in.data : "", in.len, bytes, raw, &err)) {
        cli_report(NULL, &err);
        ok = false;
    }
    rsess_buf_free(&in);
    return ok;
}

/* --- decode ------------------------------------------------------------- */
static const char *const views[] = {"ruby", "typed", "json", NULL};

static int decode_one(const char *text, size_t len, int form, int view, unsigned flags, rsess_buf *out,
                      rsess_err *err)
{
    rsess_buf bytes;
    rsess_buf_init(&bytes, NULL);
    bool raw;
    int rc = to_bytes(form, text, len, &bytes, &raw, err);
    if (!rc) {
        rsess_doc *doc = load_value(bytes.data, bytes.len, raw, NULL, err);
        if (!doc) rc = err->code ? err->code : RSESS_ERR_NOMEM;
        else rc = rsess_print(rsess_doc_root(doc), (rsess_view)view, flags, out, err);
        rsess_doc_free(doc);
    }
    rsess_buf_free(&bytes);
    return rc;
}

/* --lines: one input line. A line may carry its key (records.c); redis-cli
 * reply forms that are no value ((nil), (error), (integer)) fail with a
 * message saying what to do. On success *v / *vl is the value text and,
 * for a record, key holds the key's bytes. */
typedef struct line_in {
    cli_record r;
    rsess_buf key;
    const char *v;
    size_t vl;
    char msg[300];
} line_in;

static bool split_line(const char *line, size_t len, line_in *li)
{
    rsess_err err = {0};
    memset(&li->r, 0, sizeof li->r);
    li->key.len = 0;
    li->v = line;
    li->vl = len;
    if (!cli_reply_value(&li->v, &li->vl, li->msg, sizeof li->msg)) return false;
    cli_record_split(li->v, li->vl, &li->r);
    li->v = li->r.value;
    li->vl = li->r.value_len;
    if (!li->r.has_key) return true;
    if (cli_record_key(&li->r, &li->key, &err)) {
        snprintf(li->msg, sizeof li->msg, "the key is not a quoted string: %s", err.text);
        return false;
    }
    return cli_reply_value(&li->v, &li->vl, li->msg, sizeof li->msg);
}

/* "line N" or "line N, key \"...\"" for messages. */
static void line_prefix(const line_in *li, size_t lineno, char *buf, size_t cap)
{
    if (li->r.has_key) snprintf(buf, cap, "line %zu, key %.*s", lineno, (int)(li->r.key_len > 120 ? 120 : li->r.key_len), li->r.key);
    else snprintf(buf, cap, "line %zu", lineno);
}

/* A JSON string of UTF-8 text (the typed view prints a valid UTF-8 String
 * as a plain JSON string); false, printing nothing, for bytes that are
 * not UTF-8. */
static bool json_str_put(const char *p, size_t len)
{
    rsess_doc *d = rsess_doc_new(NULL);
    rsess_val *s = rsess_new_str(d, p, len, RSESS_ENC_UTF8);
    rsess_buf b;
    rsess_buf_init(&b, NULL);
    bool ok = s && !rsess_print(s, RSESS_VIEW_TYPED, 0, &b, NULL) && b.len && b.data[0] == '"';
    if (ok) fwrite(b.data, 1, b.len, stdout);
    rsess_buf_free(&b);
    rsess_doc_free(d);
    return ok;
}

/* The same, or null. */
static void json_str(const char *p, size_t len)
{
    if (!json_str_put(p, len)) fputs("null", stdout);
}

/* The JSON members a record adds in front of the value: "key" (a JSON
 * string; "key_quoted", the redis-cli form, when the key is not UTF-8) and
 * "pttl". */
static void print_key_members(const line_in *li, bool spaced)
{
    const char *sep = spaced ? ": " : ":", *comma = spaced ? ", " : ",";
    printf("{\"key\"%s", sep);
    if (!json_str_put((const char *)li->key.data, li->key.len)) {
        rsess_buf q;
        rsess_buf_init(&q, NULL);
        rsess_quote(li->key.data, li->key.len, &q);
        printf("null%s\"key_quoted\"%s", comma, sep);
        json_str(q.data ? (const char *)q.data : "", q.len);
        rsess_buf_free(&q);
    }
    if (li->r.has_pttl) printf("%s\"pttl\"%s%lld", comma, sep, li->r.pttl);
}

/* The key in front of a Ruby view line: quoted as redis-cli does, a tab. */
static void print_ruby_key(const line_in *li)
{
    rsess_buf q;
    rsess_buf_init(&q, NULL);
    rsess_quote(li->key.data, li->key.len, &q);
    fwrite(q.data, 1, q.len, stdout);
    fputc('\t', stdout);
    rsess_buf_free(&q);
}

/* Says why a --lines value failed, with a hint for --raw output. */
static void line_failed(const line_in *li, size_t lineno, const rsess_err *err)
{
    char prefix[200];
    line_prefix(li, lineno, prefix, sizeof prefix);
    if (!err) cli_error("%s: %s", prefix, li->msg);
    else cli_report(prefix, err);
    if (err && cli_looks_raw(li->v, li->vl)) cli_error("%s: %s", prefix, cli_raw_hint);
}

static int decode_lines(const rsess_buf *in, int form, int view, unsigned flags)
{
    int status = EXIT_OK;
    size_t start = 0, lineno = 0;
    rsess_buf out;
    rsess_buf_init(&out, NULL);
    line_in li;
    rsess_buf_init(&li.key, NULL);
    const char *line;
    size_t len;
    while (!ferror(stdout) && cli_next_line((const char *)in->data, in->len, &start, &line, &len)) {
        lineno++;
        out.len = 0;
        rsess_err err = {0};
        bool ok = split_line(line, len, &li);
        if (!ok && li.vl == 5 && !memcmp(li.v, "(nil)", 5)) {
            /* a missing key is Ruby's nil (what redis.get returns): said, not a failure */
            line_failed(&li, lineno, NULL);
            if (li.r.has_key && view != 0) {
                print_key_members(&li, false);
                fputs(",\"value\":null}\n", stdout);
            } else {
                if (li.r.has_key) print_ruby_key(&li);
                fputs(view == 0 ? "nil\n" : "null\n", stdout);
            }
            continue;
        }
        if (!ok) line_failed(&li, lineno, NULL);
        else if (decode_one(li.v, li.vl, form, view, flags & ~RSESS_PRINT_PRETTY, &out, &err)) {
            line_failed(&li, lineno, &err);
            ok = false;
        }
        if (!ok) {
            fputs(view == 0 ? "\n" : "null\n", stdout);
            status = EXIT_DATA;
            continue;
        }
        if (li.r.has_key && view == 0) {
            print_ruby_key(&li);
        } else if (li.r.has_key) {
            print_key_members(&li, false);
            fputs(",\"value\":", stdout);
        }
        fwrite(out.data, 1, out.len, stdout);
        if (li.r.has_key && view != 0) fputc('}', stdout);
        fputc('\n', stdout);
    }
    rsess_buf_free(&li.key);
    rsess_buf_free(&out);
    return status;
}

/* A whole input that is one of redis-cli's non-value replies: say so. */
static bool single_reply_ok(const rsess_buf *in)
{
    const char *p = in->data ? (const char *)in->data : "";
    size_t len = in->len;
    while (len && (p[len - 1] == '\n' || p[len - 1] == '\r')) len--;
    char msg[300];
    if (len && (p[0] == '(' || (p[0] >= '0' && p[0] <= '9')) && !memchr(p, '\n', len) &&
        !cli_reply_value(&p, &len, msg, sizeof msg)) {
        cli_error("%s", msg);
        return false;
    }
    return true;
}

static int cmd_decode(args *a)
{
    int form = IN_AUTO, view = 0;
    unsigned flags = 0;
    bool lines = false;
    const char *val;
    for (a->i = 2; a->i < a->argc && !a->bad; a->i++) {
        if (opt_value(a, "--in", &val)) {
            if (val && (form = pick(val, in_forms, "input form")) < 0) return EXIT_USAGE;
        } else if (opt_value(a, "--to", &val)) {
            if (val && (view = pick(val, views, "output form")) < 0) return EXIT_USAGE;
        } else if (!strcmp(a->argv[a->i], "--lines")) {
            lines = true;
        } else if (!strcmp(a->argv[a->i], "--pretty")) {
            flags |= RSESS_PRINT_PRETTY;
        } else if (opt_value(a, "--ruby-version", &val)) { /* whose `p` the Ruby view follows */
            if (val && strcmp(val, "3.4") && strcmp(val, "4.0"))
                return usage_error("decode: --ruby-version must be 3.4 or 4.0, not '%s'", val);
            if (val && !strcmp(val, "4.0")) flags |= RSESS_PRINT_RUBY40;
            else flags &= ~(unsigned)RSESS_PRINT_RUBY40;
        } else if (!take_file(a)) {
            return usage_error("decode: unknown option '%s'", a->argv[a->i]);
        }
    }
    if (a->bad) return EXIT_USAGE;
    rsess_buf in;
    rsess_buf_init(&in, NULL);
    if (!read_all(a->file, &in)) {
        rsess_buf_free(&in);
        return EXIT_DATA;
    }
    int status;
    if (lines) {
        status = decode_lines(&in, form, view, flags);
    } else if (!single_reply_ok(&in)) {
        status = EXIT_DATA;
    } else {
        rsess_buf out;
        rsess_buf_init(&out, NULL);
        rsess_err err = {0};
        if (decode_one((const char *)in.data, in.len, form, view, flags, &out, &err)) {
            cli_report(NULL, &err);
            status = EXIT_DATA;
        } else {
            fwrite(out.data, 1, out.len, stdout);
            fputc('\n', stdout);
            status = EXIT_OK;
        }
        rsess_buf_free(&out);
    }
    rsess_buf_free(&in);
    return status;
}

/* --- info --------------------------------------------------------------- */
static void json_num(double d)
{
    char buf[RSESS_FLOAT_TEXT_MAX];
    size_t n = rsess_float_ruby_text(d, buf);
    fwrite(buf, 1, n, stdout);
}

/* The Ruby class of a value, as `value.class` would say. */
static void class_name(const rsess_val *v, rsess_buf *out)
{
    static const char *const names[] = {"", "NilClass", "TrueClass", "FalseClass", "Integer", "Integer", "Float",
                                        "String", "Symbol", "Regexp", "Array", "Hash", "", "", "", "", "",
                                        "Class", "Module", "Module"};
    rsess_type t = rsess_type_of(v);
    size_t n;
    const char *s;
    if ((s = rsess_sym(rsess_user_class(v), &n)) || (s = rsess_sym(rsess_class_of(v), &n))) {
        rsess_buf_append(out, s, n);
    } else {
        rsess_buf_append(out, names[t], strlen(names[t]));
    }
}

static void iso8601(double t, char *buf, size_t size)
{
    double fl = floor(t);
    time_t secs = fl > -1e15 && fl < 1e15 ? (time_t)fl : 0;
    int ms = (int)((t - fl) * 1000.0);
    if (ms > 999) ms = 999;
    struct tm tm;
    if (!(fl > -1e15 && fl < 1e15) || !gmtime_r(&secs, &tm)) {
        snprintf(buf, size, "?");
        return;
    }
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

/* The info object of one value; with a record's key in front (li may be NULL). */
static void print_info(const rsess_doc *doc, const rsess_entry_info *info, size_t nbytes, const line_in *li)
{
    static const char *const types[] = {"", "object", "string-utf8", "string-binary", "string-us-ascii"};
    if (li && li->r.has_key) {
        print_key_members(li, true);
        fputs(", ", stdout);
    } else {
        fputc('{', stdout);
    }
    printf("\"format\": \"%s\", \"compressed\": %s, \"expires_at\": ", rsess_format_name(info->format),
           info->compressed ? "true" : "false");
    if (info->has_expires_at) {
        char iso[64];
        json_num(info->expires_at);
        iso8601(info->expires_at, iso, sizeof iso);
        printf(", \"expires_at_iso8601\": \"%s\"", iso);
    } else {
        fputs("null", stdout);
    }
    fputs(", \"version\": ", stdout);
    if (info->has_version) json_str(info->version, info->version_len);
    else fputs("null", stdout);
    if (info->version_marshal) fputs(", \"version_marshal\": true", stdout);
    if (info->format == RSESS_FORMAT_AS71) printf(", \"type\": \"%s\"", types[info->type]);
    if (info->has_created_at) {
        fputs(", \"created_at\": ", stdout);
        json_num(info->created_at);
    }
    if (info->has_expires_in) {
        fputs(", \"expires_in\": ", stdout);
        json_num(info->expires_in);
    }
    rsess_buf cls;
    rsess_buf_init(&cls, NULL);
    class_name(rsess_doc_root(doc), &cls);
    printf(", \"class\": ");
    json_str(cls.data ? (const char *)cls.data : "", cls.len);
    printf(", \"bytes\": %zu, \"header_bytes\": %zu, \"payload_bytes\": %zu, \"value_bytes\": %zu}\n", nbytes,
           info->header_len, info->stored_len, info->value_len);
    rsess_buf_free(&cls);
}

/* info --lines: one object per line ("key" first for records), null for a
 * line that fails. */
static int info_lines(const rsess_buf *in, int form)
{
    int status = EXIT_OK;
    size_t start = 0, lineno = 0;
    line_in li;
    rsess_buf_init(&li.key, NULL);
    rsess_buf bytes;
    rsess_buf_init(&bytes, NULL);
    const char *line;
    size_t len;
    while (!ferror(stdout) && cli_next_line((const char *)in->data, in->len, &start, &line, &len)) {
        lineno++;
        rsess_err err = {0};
        rsess_entry_info info;
        rsess_doc *doc = NULL;
        bool raw;
        bytes.len = 0;
        if (!split_line(line, len, &li)) {
            line_failed(&li, lineno, NULL);
        } else if (to_bytes(form, li.v, li.vl, &bytes, &raw, &err) ||
                   !(doc = load_value(bytes.data, bytes.len, raw, &info, &err))) {
            line_failed(&li, lineno, &err);
        }
        if (!doc) {
            fputs("null\n", stdout);
            status = EXIT_DATA;
            continue;
        }
        print_info(doc, &info, bytes.len, &li);
        rsess_doc_free(doc);
    }
    rsess_buf_free(&bytes);
    rsess_buf_free(&li.key);
    return status;
}

static int cmd_info(args *a)
{
    int form = IN_AUTO;
    bool lines = false;
    const char *val;
    for (a->i = 2; a->i < a->argc && !a->bad; a->i++) {
        if (opt_value(a, "--in", &val)) {
            if (val && (form = pick(val, in_forms, "input form")) < 0) return EXIT_USAGE;
        } else if (!strcmp(a->argv[a->i], "--lines")) {
            lines = true;
        } else if (!take_file(a)) {
            return usage_error("info: unknown option '%s'", a->argv[a->i]);
        }
    }
    if (a->bad) return EXIT_USAGE;
    rsess_buf in, bytes;
    rsess_buf_init(&in, NULL);
    rsess_buf_init(&bytes, NULL);
    int status = EXIT_DATA;
    rsess_err err = {0};
    rsess_entry_info info;
    bool raw;
    if (!read_all(a->file, &in)) goto done;
    if (lines) {
        status = info_lines(&in, form);
        goto done;
    }
    if (!single_reply_ok(&in)) goto done;
    if (to_bytes(form, in.data ? (const char *)in.data : "", in.len, &bytes, &raw, &err)) {
        cli_report(NULL, &err);
        goto done;
    }
    rsess_doc *doc = load_value(bytes.data, bytes.len, raw, &info, &err);
    if (!doc) {
        cli_report(NULL, &err);
        goto done;
    }
    print_info(doc, &info, bytes.len, NULL);
    rsess_doc_free(doc);
    status = EXIT_OK;
done:
    rsess_buf_free(&in);
    rsess_buf_free(&bytes);
    return status;
}

/* --- encode --------------------------------------------------------------- */
enum { OUT_RAW, OUT_QUOTED, OUT_HEX, OUT_BASE64 };
static const char *const out_forms[] = {"raw", "quoted", "hex", "base64", NULL};
static const char *const from_forms[] = {"typed", "json", NULL};

static int write_form(int form, const rsess_buf *bytes)
{
    rsess_buf text;
    rsess_buf_init(&text, NULL);
    int rc = 0;
    switch (form) {
    case OUT_RAW: fwrite(bytes->data, 1, bytes->len, stdout); break;
    case OUT_QUOTED: rc = rsess_quote(bytes->data, bytes->len, &text); break;
    case OUT_HEX: rc = rsess_hex(bytes->data, bytes->len, &text); break;
    case OUT_BASE64: rc = rsess_base64(bytes->data, bytes->len, &text); break;
    }
    if (form != OUT_RAW && !rc) {
        fwrite(text.data, 1, text.len, stdout);
        fputc('\n', stdout);
    }
    rsess_buf_free(&text);
    if (rc) cli_error("out of memory");
    return rc ? EXIT_DATA : EXIT_OK;
}

static bool parse_number(const char *s, double *out)
{
    char *end;
    if (!s || !*s) return false;
    *out = strtod(s, &end);
    return *end == 0 && isfinite(*out);
}

/* Rails 7.2, 8.0 and 8.1 write the 7.1 format; 8.1 shortens keys past 250 bytes. */
static const char *const entry_formats[] = {"7.1", "7.0", "6.1", "7.2", "8.0", "8.1", NULL};

bool cli_entry_format(const char *val, rsess_format *fmt, rsess_key_rule *rule)
{
    static const rsess_format fmts[] = {RSESS_FORMAT_AS71, RSESS_FORMAT_AS70, RSESS_FORMAT_AS61,
                                        RSESS_FORMAT_AS71, RSESS_FORMAT_AS71, RSESS_FORMAT_AS71};
    static const rsess_key_rule rules[] = {RSESS_KEYS_RAILS70, RSESS_KEYS_RAILS70, RSESS_KEYS_RAILS61,
                                           RSESS_KEYS_RAILS70, RSESS_KEYS_RAILS70, RSESS_KEYS_RAILS81};
    int k = 0;
    while (entry_formats[k] && strcmp(val, entry_formats[k])) k++;
    if (!entry_formats[k]) {
        usage_error("unknown entry format '%s': 7.1, 7.0 or 6.1 (7.2, 8.0 and 8.1 write 7.1)", val);
        return false;
    }
    *fmt = fmts[k];
    if (rule) *rule = rules[k];
    return true;
}

static int cmd_encode(args *a)
{
    int from = 0, to = OUT_RAW;
    bool entry = false;
    rsess_entry_opts eo = {0};
    const char *val;
    for (a->i = 2; a->i < a->argc && !a->bad; a->i++) {
        if (opt_value(a, "--from", &val)) {
            if (val && (from = pick(val, from_forms, "input form")) < 0) return EXIT_USAGE;
        } else if (opt_value(a, "--to", &val)) {
            if (val && (to = pick(val, out_forms, "output form")) < 0) return EXIT_USAGE;
        } else if (opt_value(a, "--entry", &val)) {
            if (val && !cli_entry_format(val, &eo.format, NULL)) return EXIT_USAGE;
            entry = true;
        } else if (opt_value(a, "--expires-at", &val)) {
            if (val && !parse_number(val, &eo.expires_at)) return usage_error("--expires-at needs epoch seconds");
            eo.has_expires_at = 1;
        } else if (opt_value(a, "--expires-in", &val)) {
            if (val && (!parse_number(val, &eo.expires_in) || eo.expires_in < 0))
                return usage_error("--expires-in needs a number of seconds");
            eo.has_expires_in = 1;
        } else if (opt_value(a, "--created-at", &val)) {
            if (val && !parse_number(val, &eo.created_at)) return usage_error("--created-at needs epoch seconds");
            eo.has_created_at = 1;
        } else if (opt_value(a, "--version", &val)) {
            eo.version = val;
            eo.version_len = val ? strlen(val) : 0;
        } else if (opt_value(a, "--compress-threshold", &val)) {
            double t;
            if (val && (!parse_number(val, &t) || t < 1 || t != floor(t)))
                return usage_error("--compress-threshold needs a whole number of bytes");
            eo.compress_threshold = val ? (size_t)t : 0;
        } else if (!strcmp(a->argv[a->i], "--no-compress")) {
            eo.no_compress = 1;
        } else if (!take_file(a)) {
            return usage_error("encode: unknown option '%s'", a->argv[a->i]);
        }
    }
    if (a->bad) return EXIT_USAGE;
    if (!entry && (eo.has_expires_at || eo.has_expires_in || eo.version || eo.compress_threshold ||
                      eo.no_compress || eo.has_created_at))
        return usage_error("encode: --expires-at, --expires-in, --version and compression options need --entry");
    if (eo.has_expires_at && eo.has_expires_in) return usage_error("encode: give --expires-at or --expires-in, not both");
    if (eo.no_compress && eo.compress_threshold) return usage_error("encode: --no-compress or --compress-threshold, not both");
    rsess_buf in, bytes;
    rsess_buf_init(&in, NULL);
    rsess_buf_init(&bytes, NULL);
    int status = EXIT_DATA;
    rsess_err err = {0};
    if (read_all(a->file, &in)) {
        const char *text = in.data ? (const char *)in.data : "";
        rsess_doc *doc = NULL;
        int rc = from == 1 ? rsess_from_json(text, in.len, NULL, &doc, &err)
                           : rsess_from_typed_json(text, in.len, NULL, &doc, &err);
        if (rc) cli_report(NULL, &err);
        else if (!entry ? rsess_write(rsess_doc_root(doc), &bytes, &err)
                           : rsess_entry_write(rsess_doc_root(doc), &eo, &bytes, &err))
            cli_error("cannot encode: %s", err.text);
        else status = write_form(to, &bytes);
        rsess_doc_free(doc);
    }
    rsess_buf_free(&in);
    rsess_buf_free(&bytes);
    return status;
}

/* --- explain ------------------------------------------------------------- */
static int cmd_explain(args *a)
{
    int form;
    if (parse_in_only(a, "explain", &form)) return EXIT_USAGE;
    rsess_buf bytes, out;
    rsess_buf_init(&bytes, NULL);
    rsess_buf_init(&out, NULL);
    int status = EXIT_DATA;
    bool raw;
    if (read_bytes(a->file, form, &bytes, &raw)) {
        size_t n = bytes.len;
        /* the newline redis-cli --raw adds is not part of the value */
        if (raw && n && bytes.data[n - 1] == '\n') {
            rsess_doc *probe = rsess_entry_read(bytes.data, n - 1, cli_read_opts(), NULL, NULL);
            if (probe) n--;
            rsess_doc_free(probe);
        }
        const char *nc = getenv("NO_COLOR");
        unsigned flags = isatty(STDOUT_FILENO) && !(nc && *nc) ? RSESS_EXPLAIN_COLOR : 0;
        rsess_err err = {0};
        int rc = rsess_explain(bytes.data, n, flags, cli_read_opts(), &out, &err);
        fwrite(out.data, 1, out.len, stdout);
        if (rc) cli_report(NULL, &err);
        else status = EXIT_OK;
    }
    rsess_buf_free(&bytes);
    rsess_buf_free(&out);
    return status;
}

/* --- ids, keys, slots ---------------------------------------------------- */
static int cmd_id(args *a)
{
    size_t nbytes = RSESS_SID_RAILS_BYTES;
    for (a->i = 2; a->i < a->argc && !a->bad; a->i++) {
        if (!strcmp(a->argv[a->i], "--rack")) nbytes = RSESS_SID_RACK_BYTES;
        else if (!take_file(a)) return usage_error("id: unknown option '%s'", a->argv[a->i]);
    }
    if (a->bad) return EXIT_USAGE;
    char pub[RSESS_PUBLIC_ID_SIZE], priv[RSESS_PRIVATE_ID_SIZE];
    const char *id = a->file; /* the positional argument is the public id */
    if (!id) {
        if (rsess_sid_generate(pub, nbytes)) {
            cli_error("cannot read random bytes (libsodium)");
            return EXIT_DATA;
        }
        id = pub;
    }
    rsess_private_id(id, strlen(id), priv);
    printf("%s %s\n", id, priv);
    return EXIT_OK;
}

static const char *const stores[] = {"cache", "redis-store", NULL};
static const char *const rails_rules[] = {"8.1", "7.0", "6.1", "none", NULL};

/* Rails' session ids are 32 hex digits (Rack's own 64): anything else is
 * more likely a whole cookie, a cookie-store cookie or a typo. */
static void warn_session_id(const char *id, size_t n)
{
    size_t hex = 0;
    while (hex < n && ((id[hex] >= '0' && id[hex] <= '9') || (id[hex] >= 'a' && id[hex] <= 'f'))) hex++;
    if (hex == n && (n == 32 || n == 64)) return;
    if (memchr(id, '-', n) && n > 2 && strstr(id, "--"))
        cli_error("warning: '%.*s' looks like a cookie-store cookie (data--digest), which holds the session "
                  "itself, not an id: see rsess cookie decode", (int)(n > 40 ? 40 : n), id);
    else
        cli_error("warning: '%.*s' is not 32 hex digits, as Rails' session ids are: is it the session "
                  "cookie's value?", (int)(n > 80 ? 80 : n), id);
}

static int cmd_key(args *a)
{
    rsess_key_opts o = {0};
    const char *val, *jar = NULL, *cookie_name = NULL;
    int k;
    for (a->i = 2; a->i < a->argc && !a->bad; a->i++) {
        if (opt_value(a, "--store", &val)) {
            if (val && (k = pick(val, stores, "store")) < 0) return EXIT_USAGE;
            if (val) o.store = k ? RSESS_STORE_REDIS_STORE : RSESS_STORE_CACHE;
        } else if (opt_value(a, "--namespace", &val)) {
            o.ns = val;
            o.nslen = val ? strlen(val) : 0;
        } else if (opt_value(a, "--rails", &val)) {
            if (val && (k = pick(val, rails_rules, "Rails key rule")) < 0) return EXIT_USAGE;
            if (val) o.rule = (rsess_key_rule)k;
        } else if (!strcmp(a->argv[a->i], "--legacy")) {
            o.legacy = 1;
        } else if (opt_value(a, "--cookie-jar", &jar)) {
        } else if (opt_value(a, "--cookie-name", &cookie_name)) {
        } else if (!take_file(a)) {
            return usage_error("key: unknown option '%s'", a->argv[a->i]);
        }
    }
    if (a->bad) return EXIT_USAGE;
    if (jar && a->file) return usage_error("key: give a PUBLIC_ID or --cookie-jar, not both");
    if (cookie_name && !jar) return usage_error("key: --cookie-name names a cookie of --cookie-jar FILE");
    if (!a->file && !jar) return usage_error("key: a PUBLIC_ID (the session cookie's value) is needed");
    rsess_buf id, out;
    rsess_buf_init(&id, NULL);
    rsess_buf_init(&out, NULL);
    if (jar && !cli_cookie_jar_value(jar, cookie_name, &id)) {
        rsess_buf_free(&id);
        return EXIT_DATA;
    }
    if (!jar) rsess_buf_append(&id, a->file, strlen(a->file));
    warn_session_id((const char *)id.data, id.len);
    rsess_err err;
    int rc = rsess_session_key(id.data ? (const char *)id.data : "", id.len, &o, &out, &err);
    rsess_buf_free(&id);
    if (!rc) {
        fwrite(out.data, 1, out.len, stdout);
        fputc('\n', stdout);
    } else {
        cli_error("%s", err.text);
    }
    rsess_buf_free(&out);
    return rc ? EXIT_DATA : EXIT_OK;
}

static int cmd_slot(args *a)
{
    bool hex = false;
    const char *val;
    int first = 0;
    static const char *const forms[] = {"text", "hex", NULL};
    for (a->i = 2; a->i < a->argc; a->i++) {
        if (!first && opt_value(a, "--in", &val)) {
            if (a->bad) return EXIT_USAGE;
            int k = pick(val, forms, "key form");
            if (k < 0) return EXIT_USAGE;
            hex = k == 1;
        } else if (!first && !strcmp(a->argv[a->i], "--")) {
            first = a->i + 1;
            break;
        } else {
            first = a->i;
            break;
        }
    }
    if (!first || first >= a->argc) return usage_error("slot: at least one KEY is needed");
    int status = EXIT_OK;
    for (int i = first; i < a->argc; i++) {
        const char *key = a->argv[i];
        if (!hex) {
            printf("%u\n", rsess_cluster_slot(key, strlen(key)));
            continue;
        }
        rsess_buf b;
        rsess_buf_init(&b, NULL);
        rsess_err err;
        if (rsess_unhex(key, strlen(key), &b, &err)) {
            cli_report(key, &err);
            status = EXIT_DATA;
        } else {
            printf("%u\n", rsess_cluster_slot(b.data, b.len));
        }
        rsess_buf_free(&b);
    }
    return status;
}

/* locate --masters: every healthy master, one host:port a line (to SCAN each). */
static int locate_masters(const char *file)
{
    rsess_buf in;
    rsess_buf_init(&in, NULL);
    int status = EXIT_DATA;
    rsess_cluster_map *m = NULL;
    rsess_err err;
    if (read_all(file, &in)) {
        if (rsess_cluster_map_parse(in.data ? (const char *)in.data : "", in.len, NULL, &m, &err)) {
            cli_error("%s", err.text);
        } else {
            for (size_t i = 0; i < rsess_cluster_map_masters(m); i++) {
                size_t n;
                const char *addr = rsess_cluster_map_master(m, i, &n);
                printf("%.*s\n", (int)n, addr);
            }
            status = EXIT_OK;
        }
    }
    rsess_cluster_map_free(m);
    rsess_buf_free(&in);
    return status;
}

static int cmd_locate(args *a)
{
    const char *key = NULL;
    bool masters = false;
    for (a->i = 2; a->i < a->argc && !a->bad; a->i++) {
        const char *arg = a->argv[a->i];
        if (!strcmp(arg, "--masters")) {
            masters = true;
        } else if (!masters && !key && (arg[0] != '-' || arg[1] == 0 || !strcmp(arg, "--"))) {
            if (!strcmp(arg, "--") && a->i + 1 < a->argc) arg = a->argv[++a->i];
            key = arg;
        } else if (!take_file(a)) {
            return usage_error("locate: unknown option '%s'", arg);
        }
    }
    if (a->bad) return EXIT_USAGE;
    if (masters && key) {
        if (a->file) return usage_error("locate --masters takes no KEY");
        a->file = key;
    }
    if (masters) return locate_masters(a->file);
    if (!key) return usage_error("locate: a KEY is needed");
    rsess_buf in, out;
    rsess_buf_init(&in, NULL);
    rsess_buf_init(&out, NULL);
    int status = EXIT_DATA;
    rsess_err err;
    if (read_all(a->file, &in)) {
        unsigned slot = rsess_cluster_slot(key, strlen(key));
        if (rsess_cluster_locate(in.data ? (const char *)in.data : "", in.len, slot, &out, &err)) {
            cli_error("%s", err.text);
        } else {
            fwrite(out.data, 1, out.len, stdout);
            fputc('\n', stdout);
            status = EXIT_OK;
        }
    }
    rsess_buf_free(&in);
    rsess_buf_free(&out);
    return status;
}

/* --- main ----------------------------------------------------------------- */
/* rsess COMMAND --help: that command's entry of the usage text, then the
 * sections every command shares. */
static int command_help(const char *cmd)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\n  %s", cmd);
    const char *p = strstr(usage_text, pat);
    size_t n = strlen(cmd);
    while (p && p[3 + n] != ' ' && p[3 + n] != '\n') p = strstr(p + 1, pat);
    if (!p) {
        fputs(usage_text, stdout);
        return EXIT_OK;
    }
    const char *end = p + 1;
    do { /* the entry's lines: its own, then the ones indented deeper */
        end = strchr(end, '\n') + 1;
    } while (!strncmp(end, "      ", 6) || !strncmp(end, "   ", 3));
    printf("usage: rsess %.*s", (int)(end - (p + 3)), p + 3);
    const char *common = strstr(usage_text, "\nInput forms");
    if (common) printf("%s", common);
    return EXIT_OK;
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help") && argc > 2) return command_help(argv[2]);
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("rsess %s\n", rsess_version());
        return EXIT_OK;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return command_help(cmd);
    }
    if (!take_limits(&argc, argv)) return EXIT_USAGE;
    args a = {argc, 2, argv, NULL, 0};
    if (!strcmp(cmd, "decode")) return cmd_decode(&a);
    if (!strcmp(cmd, "encode")) return cmd_encode(&a);
    if (!strcmp(cmd, "info")) return cmd_info(&a);
    if (!strcmp(cmd, "id")) return cmd_id(&a);
    if (!strcmp(cmd, "explain")) return cmd_explain(&a);
    if (!strcmp(cmd, "key")) return cmd_key(&a);
    if (!strcmp(cmd, "slot")) return cmd_slot(&a);
    if (!strcmp(cmd, "locate")) return cmd_locate(&a);
    if (!strcmp(cmd, "records")) return cmd_records(&a);
    if (!strcmp(cmd, "migrate")) return cmd_migrate(&a);
    if (!strcmp(cmd, "cookie")) return cli_cookie(argc, argv);
    return usage_error("unknown command '%s'", cmd);
}

#ifdef RSESS_CLI_NO_MAIN /* tests/fuzz/fuzz_migrate.c links the CLI with its own main */
#define main rsess_cli_main
#endif
/* A reader that goes away (rsess ... | head -1) ends rsess quietly through
 * SIGPIPE's default action, even when the parent ignored it; any other
 * write error is said once and is exit status 1 (README, rsess.1). */
int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_DFL);
    int status = run(argc, argv);
    if (!cli_stdout_ok() && status == EXIT_OK) status = EXIT_DATA;
    return status;
}
