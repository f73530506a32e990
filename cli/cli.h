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

/* typed_json.c: typed JSON text -> a document (NULL with err filled). */
rsess_doc *cli_typed_json_read(const char *text, size_t len, rsess_err *err);

/* json_in.c: plain JSON -> a document, as Ruby's JSON.parse builds it. */
rsess_doc *cli_json_read(const char *text, size_t len, rsess_err *err);

/* cookie.c: rsess cookie decode|info|encode (argv as main() got it). */
int cli_cookie(int argc, char **argv);

#endif
