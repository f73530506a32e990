/* A session cookie's value from a curl cookie jar (curl -c FILE): the
 * Netscape format, one cookie a line, seven tab-separated fields
 *   domain  include-subdomains  path  secure  expiry  name  value
 * with "#HttpOnly_" in front of the domain of HttpOnly cookies and other
 * lines starting with '#' as comments. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Field 5 (name) and 6 (value) of a cookie line; false for other lines. */
static bool cookie_fields(const char *line, size_t len, const char **name, size_t *nlen, const char **val,
                          size_t *vlen)
{
    if (!len || (line[0] == '#' && strncmp(line, "#HttpOnly_", 10) != 0)) return false;
    const char *f[7];
    size_t fl[7], n = 0, s = 0;
    for (size_t i = 0; i <= len && n < 7; i++) {
        if (i == len || line[i] == '\t') {
            f[n] = line + s;
            fl[n++] = i - s;
            s = i + 1;
        }
    }
    if (n != 7) return false;
    *name = f[5], *nlen = fl[5], *val = f[6], *vlen = fl[6];
    return true;
}

bool cli_cookie_jar_value(const char *path, const char *want, rsess_buf *out)
{
    rsess_buf jar;
    rsess_buf_init(&jar, NULL);
    if (!read_all(path, &jar)) {
        rsess_buf_free(&jar);
        return false;
    }
    const char *p = jar.data ? (const char *)jar.data : "";
    size_t start = 0, found = 0;
    rsess_buf names;
    rsess_buf_init(&names, NULL);
    const char *line;
    size_t len;
    while (cli_next_line(p, jar.len, &start, &line, &len)) {
        const char *name, *val;
        size_t nlen, vlen;
        if (!cookie_fields(line, len, &name, &nlen, &val, &vlen)) continue;
        rsess_buf_append(&names, " ", 1);
        rsess_buf_append(&names, name, nlen);
        /* without --cookie-name: the one cookie whose name ends in "_session" (Rails' _APP_session) */
        bool match = want ? nlen == strlen(want) && !memcmp(name, want, nlen)
                          : nlen >= 8 && !memcmp(name + nlen - 8, "_session", 8);
        if (!match) continue;
        if (found++ == 0) {
            out->len = 0;
            rsess_buf_append(out, val, vlen);
        }
    }
    bool ok = found == 1;
    if (!found && want) cli_error("%s: no cookie named %s (cookies:%.*s)", path, want, (int)names.len, names.data);
    else if (!found) cli_error("%s: no cookie named *_session: give --cookie-name (cookies:%.*s)", path, (int)names.len, names.data);
    else if (found > 1) cli_error("%s: %zu cookies match: give --cookie-name (cookies:%.*s)", path, found, (int)names.len, names.data);
    rsess_buf_free(&names);
    rsess_buf_free(&jar);
    return ok;
}
