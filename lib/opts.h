/* Option structs that can grow (opts.c): the caller's struct, whatever
 * its size, becomes the library's own copy. Not installed. */
#ifndef RSESS_OPTS_H
#define RSESS_OPTS_H

#include "internal.h"

/* true when hooks are NULL or all three are set. */
bool rs_alloc_ok(const rsess_alloc *a) RSESS_INTERNAL;
/* Copies *in (NULL: the defaults) into *out: the fields its size covers,
 * the rest zero (their defaults). RSESS_ERR_ARG for a size the library
 * does not know or a partial set of allocator hooks. */
int rs_read_opts(const rsess_read_opts *in, rsess_read_opts *out, rsess_err *err) RSESS_INTERNAL;
int rs_entry_opts(const rsess_entry_opts *in, rsess_entry_opts *out, rsess_err *err) RSESS_INTERNAL;
int rs_key_opts(const rsess_key_opts *in, rsess_key_opts *out, rsess_err *err) RSESS_INTERNAL;

#endif
