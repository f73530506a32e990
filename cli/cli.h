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

#endif
