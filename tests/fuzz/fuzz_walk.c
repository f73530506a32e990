/* libFuzzer target, differential: the readers of Marshal bytes are one
 * walker, so they must agree on every input. rsess_read, rsess_explain, a
 * cursor walk to the end (entering every container) and rsess_lookup
 * succeed or fail together, with the same error code and byte offset.
 * Any disagreement aborts (a crash for the fuzzer, a failure for replay). */
#include <rsess.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void disagree(const char *who, int want, size_t want_off, int got, size_t got_off)
{
    fprintf(stderr, "fuzz_walk: %s: code %d at %zu, rsess_read: code %d at %zu\n", who, got, got_off, want, want_off);
    abort();
}

/* Enters, skips or reads every value in turn, to the end; returns the
 * first error. */
static int cursor_walk(rsess_cursor *c, rsess_err *err, unsigned step)
{
    size_t depth = 0;
    for (;; step++) {
        rsess_type t = rsess_cursor_type(c);
        int rc;
        if ((t == RSESS_ARRAY || t == RSESS_HASH) && step % 3 != 2) {
            size_t n;
            if ((rc = rsess_cursor_enter(c, &n, err))) return rc;
            depth++;
            continue;
        }
        rc = step % 3 == 1 ? rsess_cursor_skip(c, err) : rsess_cursor_read(c, err) ? 0 : (int)err->code;
        if (rc == RSESS_ERR_STATE) { /* no value here: the container (or the input) ends */
            if (!depth) return 0;
            if ((rc = rsess_cursor_leave(c, err))) return rc;
            depth--;
        } else if (rc) {
            return rc;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || data[0] != 4 || data[1] != 8) return 0; /* explain lists other containers */
    rsess_read_opts opts = {0};
    opts.limits.max_nodes = 200000;
    rsess_err e_read, e_x, e_c, e_l;
    rsess_doc *doc = rsess_read(data, size, &opts, &e_read);
    int want = doc ? 0 : e_read.code;
    size_t off = doc ? 0 : e_read.offset;
    bool hash = doc && rsess_type_of(rsess_doc_root(doc)) == RSESS_HASH;
    rsess_doc_free(doc);

    rsess_buf out = {0};
    int got = rsess_explain(data, size, 0, &opts, &out, &e_x);
    rsess_buf_free(&out);
    if (got != want || (got && e_x.offset != off)) disagree("rsess_explain", want, off, got, e_x.offset);

    for (unsigned pattern = 0; pattern < 3; pattern++) {
        rsess_cursor *c = rsess_cursor_new(data, size, &opts, &e_c);
        if (!c) abort(); /* 04 08 and a size within the limit: always made */
        got = cursor_walk(c, &e_c, pattern);
        rsess_cursor_free(c);
        if (got != want || (got && e_c.offset != off)) disagree("cursor walk", want, off, got, e_c.offset);
    }

    rsess_doc *l = rsess_lookup(data, size, "a", 1, &opts, &e_l);
    got = l ? 0 : e_l.code;
    rsess_doc_free(l);
    if (want) {
        if (got != want || e_l.offset != off) disagree("rsess_lookup", want, off, got, e_l.offset);
    } else if (got != 0 && got != RSESS_ERR_NOT_FOUND && got < RSESS_ERR_ENTRY && (hash || got != RSESS_ERR_VALUE)) {
        /* valid bytes: found, not found, not a Hash, or (a 6.1 entry, which a lookup unwraps) a bad entry */
        disagree("rsess_lookup", want, off, got, e_l.offset);
    }
    return 0;
}
