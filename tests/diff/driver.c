/* The rsess side of `make diff` (tests/diff/diff.rb): reads one request a
 * line from stdin, answers one line each on stdout, so that tens of
 * thousands of values cost one process. Fields are tab-separated; bytes
 * travel as hex. Uses only the public API.
 *
 *   T <marshal>         typed round trip: "OK <marshal>" of print typed -> read typed -> write
 *   J <marshal>         the JSON view: "OK <hex of the text>"
 *   R <marshal>         the Ruby view: "OK <hex of the text>"
 *   P <json text>       rsess_from_json -> write: "OK <marshal>" or "ERR <code>"
 *   E <fmt> <expires_at|-> <version|-> <threshold|-> <created_at|-> <expires_in|-> <marshal>
 *                       rsess_entry_write of the value: "OK <entry>" (fmt 71, 70, 61)
 *   D <entry>           rsess_entry_read -> write: "OK <marshal>"
 * Any failure: "ERR <code> <message as hex>".
 */
#include <rsess.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unhex(const char *s, rsess_buf *out)
{
    rsess_err err;
    return rsess_unhex(s, strlen(s), out, &err);
}

static void answer_bytes(const rsess_buf *b)
{
    rsess_buf h;
    rsess_buf_init(&h, NULL);
    rsess_hex(b->data, b->len, &h);
    printf("OK %.*s\n", (int)h.len, h.data ? (const char *)h.data : "");
    rsess_buf_free(&h);
}

static void answer_err(const rsess_err *e)
{
    rsess_buf h;
    rsess_buf_init(&h, NULL);
    rsess_hex(e->text, strlen(e->text), &h);
    printf("ERR %d %.*s\n", e->code, (int)h.len, h.data ? (const char *)h.data : "");
    rsess_buf_free(&h);
}

static char *field(char **p)
{
    char *s = *p, *t = s ? strchr(s, '\t') : NULL;
    if (t) *t++ = 0;
    *p = t;
    return s ? s : "";
}

static void request(char *line)
{
    char *rest = line;
    char *cmd = field(&rest);
    rsess_err err = {0};
    rsess_buf in, out;
    rsess_buf_init(&in, NULL);
    rsess_buf_init(&out, NULL);
    rsess_doc *doc = NULL;
    int rc = 0;
    if (!strcmp(cmd, "E")) {
        char *fmt = field(&rest), *exp = field(&rest), *ver = field(&rest), *thr = field(&rest), *cre = field(&rest),
             *ein = field(&rest);
        rsess_buf version;
        rsess_buf_init(&version, NULL);
        rsess_entry_opts o = {0};
        o.format = !strcmp(fmt, "70") ? RSESS_FORMAT_AS70 : !strcmp(fmt, "61") ? RSESS_FORMAT_AS61 : RSESS_FORMAT_AS71;
        if (strcmp(exp, "-")) o.has_expires_at = 1, o.expires_at = strtod(exp, NULL);
        if (strcmp(ver, "-")) {
            unhex(ver, &version);
            o.version = version.data ? (const char *)version.data : "";
            o.version_len = version.len;
        }
        if (strcmp(thr, "-")) o.compress_threshold = (size_t)strtoull(thr, NULL, 10);
        else o.no_compress = 1;
        if (strcmp(cre, "-")) o.has_created_at = 1, o.created_at = strtod(cre, NULL);
        if (strcmp(ein, "-")) o.has_expires_in = 1, o.expires_in = strtod(ein, NULL);
        unhex(field(&rest), &in);
        doc = rsess_read(in.data, in.len, NULL, &err);
        rc = doc ? rsess_entry_write(rsess_doc_root(doc), &o, &out, &err) : (int)err.code;
        rsess_buf_free(&version);
    } else if (!strcmp(cmd, "P")) {
        unhex(field(&rest), &in);
        rc = rsess_from_json(in.data ? (const char *)in.data : "", in.len, NULL, &doc, &err);
        if (!rc) rc = rsess_write(rsess_doc_root(doc), &out, &err);
    } else if (!strcmp(cmd, "D")) {
        unhex(field(&rest), &in);
        doc = rsess_entry_read(in.data, in.len, NULL, NULL, &err);
        rc = doc ? rsess_write(rsess_doc_root(doc), &out, &err) : (int)err.code;
    } else {
        unhex(field(&rest), &in);
        doc = rsess_read(in.data, in.len, NULL, &err);
        if (!doc) rc = err.code;
        else if (!strcmp(cmd, "J")) rc = rsess_print(rsess_doc_root(doc), RSESS_VIEW_JSON, 0, &out, &err);
        else if (!strcmp(cmd, "R")) rc = rsess_print(rsess_doc_root(doc), RSESS_VIEW_RUBY, 0, &out, &err);
        else {
            rsess_buf typed;
            rsess_buf_init(&typed, NULL);
            rc = rsess_print(rsess_doc_root(doc), RSESS_VIEW_TYPED, 0, &typed, &err);
            rsess_doc *back = NULL;
            if (!rc) rc = rsess_from_typed_json((const char *)typed.data, typed.len, NULL, &back, &err);
            if (!rc) rc = rsess_write(rsess_doc_root(back), &out, &err);
            rsess_doc_free(back);
            rsess_buf_free(&typed);
        }
    }
    if (rc) {
        if (!err.code) err.code = rc;
        answer_err(&err);
    } else {
        answer_bytes(&out);
    }
    rsess_doc_free(doc);
    rsess_buf_free(&in);
    rsess_buf_free(&out);
}

int main(void)
{
    size_t cap = 1 << 16;
    char *line = malloc(cap);
    if (!line) return 2;
    size_t n = 0;
    int c;
    while ((c = getchar()) != EOF) {
        if (c != '\n') {
            if (n + 1 >= cap) {
                char *nl = realloc(line, cap *= 2);
                if (!nl) return 2;
                line = nl;
            }
            line[n++] = (char)c;
            continue;
        }
        line[n] = 0;
        request(line);
        n = 0;
    }
    free(line);
    return 0;
}
