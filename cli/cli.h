/* Shared declarations of the rsess command-line tool (uses only <rsess.h>). */
#ifndef RSESS_CLI_H
#define RSESS_CLI_H

#include <rsess.h>

#include <stdbool.h>

/* Exit statuses (../shared/CLI.md). */
enum { EXIT_OK = 0, EXIT_DATA = 1, EXIT_USAGE = 2 };

/* Prints "rsess: " + message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints an rsess_err as "rsess: WHAT at offset N: DETAIL". prefix may be
 * NULL or e.g. "line 3". */
void cli_report(const char *prefix, const rsess_err *err);

/* Flushes stdout: true if every write to it went through, else false
 * after saying why (once a run: main checks again at the end). */
bool cli_stdout_ok(void);

/* Prints "rsess: " + message and "Try 'rsess --help'." to stderr; returns
 * EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The next line of text from *pos on (its \n or \r\n dropped), *pos moved
 * past it; false at the end. */
bool cli_next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *line_len);

/* A command's arguments as the option parsers walk them. */
typedef struct args {
    int argc, i;
    char **argv;
    const char *file;
    int bad;
} args;
/* Matches "--name VALUE" or "--name=VALUE" at argv[i]; *val receives the
 * value (NULL with a->bad set when it is missing). */
bool opt_value(args *a, const char *name, const char **val);
/* Takes argv[i] as the one FILE operand if it is not an option. */
bool take_file(args *a);
/* The index of val in the NULL-terminated choices, or -1 after a usage
 * error naming opt. */
int pick(const char *val, const char *const *choices, const char *opt);
/* The whole of FILE (or stdin for NULL or "-") appended to out; false
 * after saying why. */
bool read_all(const char *path, rsess_buf *out);

/* records.c: a line that may carry its key ("KEY" PTTL "VALUE" or
 * KEY<TAB>VALUE). Without a key, value is the whole line. Views point into
 * the line. */
typedef struct cli_record {
    bool has_key, has_pttl, key_quoted;
    const char *key;   /* the key's text (quoted or raw) */
    size_t key_len;
    long long pttl;    /* milliseconds, -1 none, -2 no such key */
    const char *value; /* the value's text, in its input form */
    size_t value_len;
} cli_record;
void cli_record_split(const char *line, size_t len, cli_record *r);
/* The key's bytes appended to out. */
int cli_record_key(const cli_record *r, rsess_buf *out, rsess_err *err);
/* true if the text is a value (a leading "N) " of a multi-bulk line is
 * stripped from *p / *len); false for the redis-cli reply forms that are no
 * value, with a message saying what to do in msg. */
bool cli_reply_value(const char **p, size_t *len, char *msg, size_t cap);
/* Whether text holds control bytes, as redis-cli --raw values do. */
bool cli_looks_raw(const char *p, size_t len);
extern const char cli_raw_hint[];
/* fopen for reading, stdin for NULL or "-"; NULL after saying why. */
FILE *cli_open_input(const char *path);

/* rsess.c: the read options of --max-depth, --max-nodes, --max-input and
 * --max-inflated (zero: the library's defaults). */
const rsess_read_opts *cli_read_opts(void);

/* rsess.c: --entry VALUE (7.1, 7.0, 6.1; 7.2, 8.0 and 8.1 are 7.1) into a
 * format and the key rule of that Rails version; false after a usage error. */
bool cli_entry_format(const char *val, rsess_format *fmt, rsess_key_rule *rule);

/* cookie_jar.c: the value of cookie NAME (NULL: the one named *_session) in
 * a curl cookie jar into out (NUL not added); false after saying why. */
bool cli_cookie_jar_value(const char *path, const char *name, rsess_buf *out);

/* The commands in their own files. */
int cmd_records(args *a);
int cmd_migrate(args *a);

/* cookie.c: rsess cookie decode|info|encode (argv as main() got it). */
int cli_cookie(int argc, char **argv);

#endif
