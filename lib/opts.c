/* Option structs that can grow after 1.0 without breaking callers: each
 * begins with its size, as the caller's program knows it. A zeroed struct
 * (size 0) is the 1.0 layout. The library reads only the fields that size
 * covers, and refuses a larger struct than it knows. */
#include "opts.h"

/* The 1.0 layouts: fixed now, never to change. */
#define READ_OPTS_1_0 sizeof(rsess_read_opts)
#define ENTRY_OPTS_1_0 sizeof(rsess_entry_opts)
#define KEY_OPTS_1_0 sizeof(rsess_key_opts)

void rsess_read_opts_init(rsess_read_opts *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
}

void rsess_entry_opts_init(rsess_entry_opts *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
}

void rsess_key_opts_init(rsess_key_opts *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
}

bool rs_alloc_ok(const rsess_alloc *a)
{
    if (!a) return true;
    int set = (a->malloc != NULL) + (a->realloc != NULL) + (a->free != NULL);
    return set == 0 || set == 3;
}

/* The caller's struct of `size` bytes (0: the 1.0 layout) into out. */
static int copy_opts(const void *in, size_t size, size_t v1, size_t known, void *out, rsess_err *err,
                     const char *what)
{
    memset(out, 0, known);
    if (!in) return 0;
    if (size == 0) size = v1;
    if (size < sizeof(size_t) || size > known)
        return rs_fail(err, RSESS_ERR_ARG, 0, "%s of %zu bytes: this library knows %zu", what, size, known);
    memcpy(out, in, size);
    *(size_t *)out = known;
    return 0;
}

int rs_read_opts(const rsess_read_opts *in, rsess_read_opts *out, rsess_err *err)
{
    int rc = copy_opts(in, in ? in->size : 0, READ_OPTS_1_0, sizeof *out, out, err, "rsess_read_opts");
    if (rc) return rc;
    if (!rs_alloc_ok(out->alloc))
        return rs_fail(err, RSESS_ERR_ARG, 0, "allocator hooks: malloc, realloc and free, all three or none");
    return 0;
}

int rs_entry_opts(const rsess_entry_opts *in, rsess_entry_opts *out, rsess_err *err)
{
    return copy_opts(in, in ? in->size : 0, ENTRY_OPTS_1_0, sizeof *out, out, err, "rsess_entry_opts");
}

int rs_key_opts(const rsess_key_opts *in, rsess_key_opts *out, rsess_err *err)
{
    return copy_opts(in, in ? in->size : 0, KEY_OPTS_1_0, sizeof *out, out, err, "rsess_key_opts");
}
