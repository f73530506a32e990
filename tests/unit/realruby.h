/* Shared by test_ruby34.c and test_rubyspec.c: what real Ruby 3.4 / 4.0 made
 * of the fixtures (tests/fixtures/ruby-wasm/ruby.json) and rsess's side. */
#ifndef RSESS_REALRUBY_H
#define RSESS_REALRUBY_H

#include <jansson.h>
#include <rsess.h>
#include <stdbool.h>
#include <stddef.h>

/* ruby.json's "files" object (file -> {"3.4": {...}, "4.0": {...}}). */
json_t *ruby_results(void);
/* A string field of one Ruby's record ("load", "p", "dump"); a 4.0 record
 * holds only what differs from 3.4, so missing 4.0 fields are 3.4's. */
/* (Texts may hold NUL bytes: Regexp#inspect keeps them; *len, if not NULL,
 * gets the length.) */
const char *ruby_field(json_t *rec, const char *ver, const char *key, size_t *len);
bool ruby_flag(json_t *rec, const char *ver, const char *key);
/* rsess_print() text (malloc'd), or NULL with the reason in why. */
char *view_text(const rsess_val *v, rsess_view view, unsigned flags, size_t *len, char *why, size_t whylen);
/* decode -> typed JSON -> rsess_from_typed_json -> encode == data. */
bool typed_roundtrip(const unsigned char *data, size_t len, char *why, size_t whylen);

/* Why a ruby/spec byte string ("NNN-..." or "rubyspec/NNN-...") waits for
 * the new reader, or NULL (test_rubyspec.c). */

#endif
