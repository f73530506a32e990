/* The tree builder: walker tokens -> document nodes (marshal_read.c).
 *
 * A plain build (rsess_read) sees every token of the value. A lazy build
 * (the cursor and the lookup) sees only the values it is asked for: links
 * from them to objects that were skipped get a placeholder node, and
 * rs_build_resolve() walks those objects again where they start (the
 * walker recorded where) and fills the placeholders in place. No
 * recursion: placeholders wait in a list. */
#ifndef RSESS_BUILD_H
#define RSESS_BUILD_H

#include "walk.h"

/* The embedded node table: a plain build's 512 entries hold a cart-sized
 * session's objects without a heap table; a lazy build, which clears
 * what it uses, starts with the first 128. */
#define RS_BUILD_OBJS0 512
#define RS_BUILD_OBJS0_LAZY 128

typedef struct rs_build {
    rsess_doc *doc;
    rsess_val **objs; /* node per object index (NULL: not built) */
    uint32_t objcap;
    rsess_val *root;  /* the value completed in a frame without a node */
    bool lazy;
    rs_walker *w; /* the reading walker: its progress sizes the arena's growth, and it takes the placed leaves' errors (or NULL) */
    size_t root_slots;  /* the root container's slots (0: none yet) */
    size_t root_used;   /* the arena's use when it opened */
    bool copy;        /* the values' bytes are copied into the arena at the end (rs_build_keep) */
    struct rs_keep { const char **slot; size_t n; } *keep; /* copying: where bytes of the input are shown */
    size_t nkeep, keepcap, keepbytes;
    struct rs_keep keep0[64]; /* the first ones: a session notes without allocating */
    size_t skip_frame;/* lazy: tokens are ignored until this frame ends (0: none) */
    rsess_val *skip_node;
    uint32_t *pend;   /* lazy: object indices with placeholders */
    size_t npend, pendcap;
    size_t walked; /* lazy: bytes the first walk checked (resolving stays within them) */
    /* skip_frame, skip_node, walked: set (rs_build_init) and read by lazy builds only */
    rsess_val *objs0[RS_BUILD_OBJS0];
} rs_build;

void rs_build_init(rs_build *b, rsess_doc *doc, bool lazy) RSESS_INTERNAL;
void rs_build_free(rs_build *b) RSESS_INTERNAL;
/* Applies one token of a lazy build. 0 or an error code (err filled via w). */
int rs_build_tok_lazy(rs_build *b, rs_walker *w, const rs_tok *t) RSESS_INTERNAL;
/* Builds every object a placeholder waits for (lazy builds). */
int rs_build_resolve(rs_build *b, rs_walker *w) RSESS_INTERNAL;

#endif
