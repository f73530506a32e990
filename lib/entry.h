/* What entry.c tells the rest of the library about cache entries (the
 * Rails knowledge stays in entry.c). Not installed. */
#ifndef RSESS_ENTRY_H
#define RSESS_ENTRY_H

#include "internal.h"

/* One part of an entry, in byte order, for the annotated listing. */
enum {
    EP_FIELD,           /* a header field: text says what its bytes mean */
    EP_VERSION_BYTES,   /* the version, as text */
    EP_VERSION_MARSHAL, /* the version, stored as Marshal data */
    EP_PAYLOAD          /* the value: Marshal or String bytes, maybe deflated (the last part) */
};
enum { EC_MARSHAL = 0, EC_UTF8 = 2, EC_BINARY = 3, EC_USASCII = 4 }; /* what a payload holds */

typedef struct rs_entry_part {
    uint8_t kind, content;
    bool zlib;   /* EP_PAYLOAD: deflated */
    bool title;  /* EP_FIELD: names the container */
    size_t off, len;
    char text[112];
} rs_entry_part;

#define RS_ENTRY_PARTS_MAX 8

/* The parts of a Rails 7.1+ (00 11) or 7.0 (00/01) entry. Returns 0, or an
 * error (err filled, offsets into p) after the parts found before it. */
int rs_entry_layout(const unsigned char *p, size_t len, rs_entry_part *parts, size_t *n, rsess_err *err) RSESS_INTERNAL;

/* A Rails 6.1 entry (a Marshal'd Entry object) whose @value is deflated:
 * where those bytes are in data. false for anything else. */
bool rs_entry61_deflated(const unsigned char *data, size_t len, size_t *off, size_t *zlen) RSESS_INTERNAL;

#endif
