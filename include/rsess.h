/*
 * rsess: read and write Rails session data as Ruby writes it.
 *
 * One public header. Data flows one way:
 *   bytes -> rsess_read() -> rsess_doc (arena-owned graph of rsess_val)
 *         -> rsess_write() (Marshal bytes) | rsess_print() (Ruby, JSON, typed JSON)
 *         | accessors (rsess_str(), rsess_hash_get(), ...)
 *
 * Conventions
 * - Every function and type starts with rsess_ / RSESS_.
 * - Accessors are NULL-safe and type-checked: asking a non-string for its
 *   bytes returns NULL, so lookups chain without checks in between.
 * - Strings are (pointer, length) views and are never assumed NUL-terminated.
 * - Errors are reported through an optional rsess_err the caller owns; there
 *   is no global error state. One convention for return values: a function
 *   that can fail returns int, 0 on success or an RSESS_ERR_* code; a
 *   function that answers yes or no returns bool; constructors return a
 *   pointer, NULL on failure.
 * - Option structs begin with `size_t size` and have an _init() function
 *   that sets it and the defaults; size 0 (a zeroed struct) means the 1.0
 *   layout, so fields added later are read only from callers who know them.
 * - Allocator hooks (rsess_alloc) come all three or none: a partial set is
 *   refused (RSESS_ERR_ARG), so a caller's malloc never meets libc's free.
 * - Thread safety: distinct documents may be used from distinct threads
 *   freely. One document may be read (accessors, write, print) from many
 *   threads at once; building into it needs exclusive access.
 *
 * MIT licensed; see LICENSE.
 */
#ifndef RSESS_H
#define RSESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RSESS_VERSION_MAJOR 0
#define RSESS_VERSION_MINOR 1
#define RSESS_VERSION_PATCH 0
#define RSESS_VERSION_STRING "0.1.0"
/** The version as one number, MAJOR * 10000 + MINOR * 100 + PATCH, for
 *  #if checks; rsess_version_number() gives the library's at run time. */
#define RSESS_VERSION_NUMBER (RSESS_VERSION_MAJOR * 10000 + RSESS_VERSION_MINOR * 100 + RSESS_VERSION_PATCH)

#if defined(RSESS_BUILDING) && defined(__GNUC__)
#define RSESS_API __attribute__((visibility("default")))
#else
#define RSESS_API
#endif

/** The library's version string, e.g. "0.1.0" (equals RSESS_VERSION_STRING
 *  of the header the library was built with). */
RSESS_API const char *rsess_version(void);
/** The library's RSESS_VERSION_NUMBER: compare it with the header's to
 *  catch a program running against another version than it was built for. */
RSESS_API unsigned long rsess_version_number(void);

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/** Error codes. Grouped by kind; numbers are never reused or renumbered. */
typedef enum rsess_code {
    RSESS_OK = 0,
    /* resources and arguments */
    RSESS_ERR_NOMEM = 1,         /**< an allocation failed */
    RSESS_ERR_ARG = 2,           /**< a NULL or otherwise invalid argument */
    RSESS_ERR_NOT_FOUND = 3,     /**< rsess_lookup(): the key is not in the session */
    /* Marshal data */
    RSESS_ERR_TRUNCATED = 10,    /**< the data ends before the value does */
    RSESS_ERR_VERSION = 11,      /**< not Marshal 4.8 (bytes 04 08) */
    RSESS_ERR_TYPE = 12,         /**< unknown type byte */
    RSESS_ERR_LINK = 13,         /**< object link (@) out of range or forward */
    RSESS_ERR_SYMLINK = 14,      /**< symbol link (;) out of range */
    RSESS_ERR_FORMAT = 15,       /**< structurally invalid (bad ivar, bad long...) */
    RSESS_ERR_FLOAT = 16,        /**< float text that is not a number */
    RSESS_ERR_ENCODING = 17,     /**< an encoding ivar that Ruby would reject */
    RSESS_ERR_TRAILING = 18,     /**< bytes left after the value */
    /* limits */
    RSESS_ERR_DEPTH = 20,        /**< nesting deeper than limits.max_depth */
    RSESS_ERR_NODES = 21,        /**< more values than limits.max_nodes */
    RSESS_ERR_SIZE = 22,         /**< input larger than limits.max_input */
    RSESS_ERR_INFLATE = 23,      /**< inflated payload larger than limits.max_inflated */
    /* text input forms */
    RSESS_ERR_QUOTED = 30,       /**< malformed quoted string */
    RSESS_ERR_HEX = 31,          /**< malformed hex text */
    RSESS_ERR_BASE64 = 32,       /**< malformed base64 text */
    RSESS_ERR_JSON = 33,         /**< malformed JSON text */
    RSESS_ERR_TYPED = 34,        /**< JSON that is not valid typed JSON (docs/typed-json.md) */
    /* writing */
    RSESS_ERR_RANGE = 40,        /**< a length or count Marshal cannot hold */
    RSESS_ERR_STATE = 41,        /**< writer calls out of order (counts unmet) */
    RSESS_ERR_VALUE = 42,        /**< a value that cannot be written (bad node) */
    /* cache entries */
    RSESS_ERR_ENTRY = 50,        /**< malformed cache entry (header, version, shape) */
    RSESS_ERR_ZLIB = 51,         /**< compressed payload that does not inflate */
    RSESS_ERR_FORMAT_UNKNOWN = 52, /**< not Marshal data nor a known cache entry */
    RSESS_ERR_UNSUPPORTED = 53,  /**< a known format rsess does not read (MessagePack) */
    /* session cookies */
    RSESS_ERR_VERIFY = 60,       /**< the cookie does not verify (any MAC or tag failure: one reason) */
    RSESS_ERR_PURPOSE = 61,      /**< the _rails envelope's purpose is not cookie.<name> */
    RSESS_ERR_EXPIRED = 62,      /**< the _rails envelope's exp is not after `now` */
    RSESS_ERR_COOKIE = 63,       /**< not a cookie of a known form (parts, base64, envelope) */
    RSESS_ERR_CRYPTO = 64,       /**< libcrypto failed (not the cookie's fault) */
    RSESS_ERR_SERIALIZER = 65    /**< a payload the chosen serializer refuses (Marshal in a :json jar) */
} rsess_code;

/** Where and why something failed. `msg` is a static description of the
 *  code; `text` holds the specific message (e.g. "truncated string: 12 bytes
 *  declared, 3 left"); `offset` is the byte offset in the input where the
 *  problem was found (for writers: bytes written so far). */
/** The size of rsess_err.text, NUL included (part of the ABI). */
#define RSESS_ERR_TEXT_SIZE 160

typedef struct rsess_err {
    rsess_code code;
    size_t offset;
    const char *msg;
    char text[RSESS_ERR_TEXT_SIZE];
} rsess_err;

/** A static description of an error code ("truncated data", ...). */
RSESS_API const char *rsess_strerror(int code);

/* ------------------------------------------------------------------------ */
/* Allocation and growable buffers                                          */
/* ------------------------------------------------------------------------ */

/** Allocator hooks (zlib style). Any member may be NULL: the C library's
 *  malloc/realloc/free is used. Hooks are per document, per writer and per
 *  buffer, never process-wide. `old_size` is the size the block was
 *  allocated or last reallocated with. */
typedef struct rsess_alloc {
    void *(*malloc)(void *ctx, size_t size);
    void *(*realloc)(void *ctx, void *ptr, size_t old_size, size_t new_size);
    void (*free)(void *ctx, void *ptr, size_t size);
    void *ctx;
} rsess_alloc;

/** A growable byte buffer the caller owns; output functions append to it.
 *  Initialise with rsess_buf_init() (or zero it: the default allocator is
 *  used), release with rsess_buf_free(). `data` is not NUL-terminated unless
 *  a function says so; rsess_print() keeps a NUL after the text. */
typedef struct rsess_buf {
    unsigned char *data;
    size_t len;
    size_t cap;
    const rsess_alloc *alloc;
} rsess_buf;

RSESS_API void rsess_buf_init(rsess_buf *b, const rsess_alloc *alloc);
RSESS_API void rsess_buf_free(rsess_buf *b);
/** Empties the buffer and keeps its memory for the next use. */
RSESS_API void rsess_buf_reset(rsess_buf *b);
/** Appends n bytes; returns 0 or RSESS_ERR_NOMEM (the buffer is unchanged). */
RSESS_API int rsess_buf_append(rsess_buf *b, const void *p, size_t n);

/* ------------------------------------------------------------------------ */
/* Limits and read options                                                  */
/* ------------------------------------------------------------------------ */

#define RSESS_DEFAULT_MAX_DEPTH 512u
#define RSESS_DEFAULT_MAX_NODES (16u * 1024u * 1024u)
#define RSESS_DEFAULT_MAX_INPUT ((size_t)256 * 1024 * 1024)
#define RSESS_DEFAULT_MAX_INFLATED ((size_t)64 * 1024 * 1024)

/** Limits are on by default. A zero field means "the default"; SIZE_MAX
 *  means "no limit". max_depth counts nested containers (array, hash,
 *  object, ivars...), and the parser never recurses deeper than it. */
typedef struct rsess_limits {
    size_t max_depth;
    size_t max_nodes;
    size_t max_input;
    size_t max_inflated;
} rsess_limits;

/** Read flags. */
enum {
    /** Views point into the caller's input instead of the document's own
     *  copy of it: faster; the input must then outlive the document. */
    RSESS_READ_BORROW = 1u << 0,
    /** Stop after the value and report its size (rsess_doc_consumed())
     *  instead of failing with RSESS_ERR_TRAILING when bytes remain. */
    RSESS_READ_ALLOW_TRAILING = 1u << 1
};

typedef struct rsess_read_opts {
    size_t size;              /**< sizeof(rsess_read_opts) (rsess_read_opts_init sets it); 0: the 1.0 layout */
    unsigned flags;
    rsess_limits limits;
    const rsess_alloc *alloc; /**< NULL: the C library's allocator */
} rsess_read_opts;

/** Zeroes o and sets its size: the defaults (limits on, libc's allocator). */
RSESS_API void rsess_read_opts_init(rsess_read_opts *o);

/* ------------------------------------------------------------------------ */
/* Documents and values                                                     */
/* ------------------------------------------------------------------------ */

/** A document owns every value in it (one arena). */
typedef struct rsess_doc rsess_doc;
/** A value: a node of the document's graph. Marshal links (@) make the
 *  graph share nodes and even contain cycles: the same rsess_val may be
 *  reached by several paths. Never free a value; free the document.
 *  As in Ruby, nil, true, false, Integers in Ruby's fixnum range and
 *  flonum Floats (most finite doubles; not 0.0's negative, not the
 *  tiniest and hugest) are immediates, not nodes: the pointer holds the
 *  value (equal values are equal pointers), and it belongs to no document,
 *  so it may go into any. Treat every rsess_val * as opaque. */
typedef struct rsess_val rsess_val;

/** Value types; one per Marshal type (links are resolved to their target). */
typedef enum rsess_type {
    RSESS_NONE = 0,     /**< what rsess_type_of(NULL) returns */
    RSESS_NIL,          /**< 0 */
    RSESS_TRUE,         /**< T */
    RSESS_FALSE,        /**< F */
    RSESS_INT,          /**< i, or l that fits in int64_t */
    RSESS_BIGNUM,       /**< l beyond int64_t: sign + little-endian magnitude */
    RSESS_FLOAT,        /**< f */
    RSESS_STRING,       /**< " (with its encoding) */
    RSESS_SYMBOL,       /**< : (and ; links to it) */
    RSESS_REGEXP,       /**< / source + options */
    RSESS_ARRAY,        /**< [ */
    RSESS_HASH,         /**< { or } (see rsess_hash_default()) */
    RSESS_OBJECT,       /**< o: class + instance variables */
    RSESS_STRUCT,       /**< S: class + members */
    RSESS_USERDEF,      /**< u: class + _dump bytes */
    RSESS_USERMARSHAL,  /**< U: class + marshal_dump object */
    RSESS_DATA,         /**< d: class + _dump_data object */
    RSESS_CLASS,        /**< c: a class reference */
    RSESS_MODULE,       /**< m: a module reference */
    RSESS_OLDMODULE     /**< M: old-style module/class reference (read only in Ruby) */
} rsess_type;

/** String, symbol, regexp and _dump-data encodings. RSESS_ENC_OTHER means a
 *  named encoding (see rsess_encoding_name()). UTF-8 is 0, so zeroed option
 *  structs mean UTF-8, as Rails' strings usually are. */
typedef enum rsess_enc {
    RSESS_ENC_UTF8 = 0,   /**< E = true */
    RSESS_ENC_BINARY = 1, /**< ASCII-8BIT: no encoding ivar */
    RSESS_ENC_USASCII = 2,/**< E = false */
    RSESS_ENC_OTHER = 3   /**< encoding = "Name" */
} rsess_enc;

/**
 * Parses one Ruby Marshal 4.8 value.
 *
 * Returns a new document, or NULL with `err` filled (code, byte offset,
 * message). Every declared length and count is checked against the bytes
 * left before anything is allocated; limits apply (opts may be NULL for the
 * defaults). Unless RSESS_READ_BORROW is given, the document copies the
 * bytes its values show (strings, symbols, _dump data: not the input's
 * structure), and all string views point into those copies (they live as
 * long as the document); with it, they point into data, which must then
 * outlive the document. The arena grows with what the value needs
 * (rsess_doc_arena_unused() says how much of it no value took).
 */
RSESS_API rsess_doc *rsess_read(const void *data, size_t len, const rsess_read_opts *opts,
                                rsess_err *err);

/** Frees the document and every value in it. NULL-safe. */
RSESS_API void rsess_doc_free(rsess_doc *doc);
/** The root value (NULL for an empty built document). */
RSESS_API rsess_val *rsess_doc_root(const rsess_doc *doc);
/** Bytes of input the value took (with RSESS_READ_ALLOW_TRAILING). */
RSESS_API size_t rsess_doc_consumed(const rsess_doc *doc);
/** Bytes the document's arena holds (memory use, for benchmarks). */
RSESS_API size_t rsess_doc_arena_size(const rsess_doc *doc);
/** Of those, the bytes no value took: the unused ends of the arena's
 *  chunks (what its growth wastes; for benchmarks). */
RSESS_API size_t rsess_doc_arena_unused(const rsess_doc *doc);
/** How many nodes the document has made: every rsess_node_id() of its
 *  values is at most this, so an array of this many + 1 entries can mark
 *  the nodes a walk has seen (Marshal links make the value a graph). */
RSESS_API size_t rsess_doc_node_count(const rsess_doc *doc);

/* --- Accessors: all NULL-safe ------------------------------------------- */

RSESS_API rsess_type rsess_type_of(const rsess_val *v);
/** The node's identity: a number from 1 to rsess_doc_node_count() of its
 *  document, the same for every path that reaches the node (0 for NULL
 *  and for an immediate, which is no node). Two values are the same Ruby
 *  object exactly when their pointers are equal, and two nodes exactly
 *  when their ids are;
 *  a walk that keeps the ids on its current path sees a cycle (a = [a])
 *  where Ruby's p prints [...]. */
RSESS_API size_t rsess_node_id(const rsess_val *v);
/** true when a Marshal link ('@') in the bytes the document was read from
 *  points at this node: it is shared, or part of a cycle. Built
 *  documents and immediates: false (compare pointers instead). */
RSESS_API bool rsess_is_linked(const rsess_val *v);
/** A short name for a type: "nil", "string", "hash"... */
RSESS_API const char *rsess_type_name(rsess_type t);

/** true for Ruby's true, false for false or anything else. */
RSESS_API bool rsess_is_true(const rsess_val *v);
/** For RSESS_INT: stores the value and returns true; otherwise false. */
RSESS_API bool rsess_int(const rsess_val *v, int64_t *out);
/** For RSESS_FLOAT: the value; otherwise 0.0. */
RSESS_API double rsess_float(const rsess_val *v);
/** For RSESS_FLOAT: stores the value and returns true; otherwise false. */
RSESS_API bool rsess_float_get(const rsess_val *v, double *out);
/** For RSESS_BIGNUM (and RSESS_INT, as its magnitude is not stored: NULL):
 *  the little-endian magnitude bytes, their count in *len, the sign in
 *  *negative (1 if negative). */
RSESS_API const unsigned char *rsess_bignum(const rsess_val *v, size_t *len, int *negative);

/** For RSESS_STRING: the bytes (and their count in *len); NULL otherwise. */
RSESS_API const char *rsess_str(const rsess_val *v, size_t *len);
/** For RSESS_SYMBOL: the name bytes; NULL otherwise. */
RSESS_API const char *rsess_sym(const rsess_val *v, size_t *len);
/** The payload bytes of any byte-carrying value: string, symbol, regexp
 *  source, _dump data, class/module path. NULL for other types. */
RSESS_API const char *rsess_bytes(const rsess_val *v, size_t *len);
/** Encoding of a string, symbol, regexp or _dump payload (BINARY otherwise). */
RSESS_API rsess_enc rsess_encoding(const rsess_val *v);
/** The Ruby name of the encoding: "UTF-8", "US-ASCII", "ASCII-8BIT" or the
 *  named one ("Shift_JIS"...). The pointer lives as long as the document;
 *  *len receives the length (the name is not NUL-terminated for OTHER). */
RSESS_API const char *rsess_encoding_name(const rsess_val *v, size_t *len);
/** For RSESS_REGEXP: the options byte (1 IGNORECASE, 2 EXTENDED, 4 MULTILINE,
 *  16 FIXEDENCODING, 32 NOENCODING); 0 otherwise. */
RSESS_API int rsess_regexp_options(const rsess_val *v);

/** Number of items (array), pairs (hash), instance variables (object),
 *  members (struct) or bytes (byte-carrying values); 0 otherwise. */
RSESS_API size_t rsess_len(const rsess_val *v);
/** Array item i, or NULL. */
RSESS_API rsess_val *rsess_arr_get(const rsess_val *v, size_t i);
/** Hash pair i's key / value, or NULL. Pairs keep Marshal order. */
RSESS_API rsess_val *rsess_hash_key(const rsess_val *v, size_t i);
RSESS_API rsess_val *rsess_hash_val(const rsess_val *v, size_t i);
/** The value Ruby's Hash has for the first key that is a String or Symbol
 *  with exactly these bytes (any encoding): the value of the last pair whose
 *  key is eql? to that key as Marshal.load's Hash finds it (bytes that repeat
 *  a key: the later pair's value replaced the earlier one in Ruby; "a" UTF-8
 *  and "a" BINARY are one key, "\xC3\xA9" UTF-8 and BINARY two). NULL when
 *  no key matches, and when comparing repeated keys would cost more than 2^30
 *  bytes (hostile bytes). Linear: one pass to the key, one over the later
 *  keys (their types, lengths and first bytes; nothing allocated). */
RSESS_API rsess_val *rsess_hash_get(const rsess_val *v, const char *key, size_t keylen);
/** The hash's default value (Marshal '}'), or NULL when it has none. */
RSESS_API rsess_val *rsess_hash_default(const rsess_val *v);
/** true if the hash compares keys by identity (Marshal "C:Hash"). */
RSESS_API bool rsess_hash_identity(const rsess_val *v);

/** Object instance variables ('o') and struct members ('S'): count via
 *  rsess_len(), name (a Symbol value, e.g. "@name" or "x") and value. */
RSESS_API rsess_val *rsess_field_name(const rsess_val *v, size_t i);
RSESS_API rsess_val *rsess_field_val(const rsess_val *v, size_t i);
/** The value of the field named exactly so (a repeated name: its last value,
 *  as Marshal.load sets the ivars in order), or NULL. */
RSESS_API rsess_val *rsess_field_get(const rsess_val *v, const char *name, size_t namelen);

/** The class name (a Symbol value) of an object, struct, _dump, marshal_dump
 *  or _dump_data value; NULL otherwise. */
RSESS_API rsess_val *rsess_class_of(const rsess_val *v);
/** The object a marshal_dump ('U') or _dump_data ('d') value carries. */
RSESS_API rsess_val *rsess_dumped(const rsess_val *v);

/** Instance variables carried by Marshal's 'I' wrapper, other than the
 *  encoding (e.g. "@html_safe" on a SafeBuffer, "zone" on a Time). */
RSESS_API size_t rsess_ivar_count(const rsess_val *v);
RSESS_API rsess_val *rsess_ivar_name(const rsess_val *v, size_t i);
RSESS_API rsess_val *rsess_ivar_val(const rsess_val *v, size_t i);
/** The value of the ivar named exactly so (a repeated name: its last value,
 *  as Marshal.load sets them in order), or NULL. */
RSESS_API rsess_val *rsess_ivar_get(const rsess_val *v, const char *name, size_t namelen);
/** The user subclass ('C' wrapper) of a String/Array/Hash/Regexp, a Symbol
 *  value, or NULL for the plain built-in class. */
RSESS_API rsess_val *rsess_user_class(const rsess_val *v);
/** Modules the object was extended with ('e'), outermost first. */
RSESS_API size_t rsess_extended_count(const rsess_val *v);
RSESS_API rsess_val *rsess_extended_get(const rsess_val *v, size_t i);

/* --- Building ------------------------------------------------------------ */

/** A new, empty document to build values in (alloc may be NULL). */
RSESS_API rsess_doc *rsess_doc_new(const rsess_alloc *alloc);
/** Makes v (a value of this document, or NULL) the document's root.
 *  0, or RSESS_ERR_ARG for a NULL doc or a value of another document. */
RSESS_API int rsess_doc_set_root(rsess_doc *doc, rsess_val *v);

/* Constructors return NULL only when memory runs out. Values belong to the
 * document they were made in (or read into) and may only be linked into that
 * document: every call below that links values (pushes, setters, the
 * editing calls, rsess_doc_set_root) refuses a value or a target of another
 * document with RSESS_ERR_ARG (a constructor taking one returns NULL), and
 * never links it silently. Use rsess_copy() to bring a value across.
 * Like Ruby, the builder interns what Ruby interns: one Symbol per name,
 * one Float per flonum value, one encoding-name String per encoding. */
RSESS_API rsess_val *rsess_new_nil(rsess_doc *doc);
RSESS_API rsess_val *rsess_new_bool(rsess_doc *doc, int b);
RSESS_API rsess_val *rsess_new_int(rsess_doc *doc, int64_t i);
/** An Integer of any size from little-endian magnitude bytes and a sign. */
RSESS_API rsess_val *rsess_new_bignum(rsess_doc *doc, const void *mag, size_t len, int negative);
RSESS_API rsess_val *rsess_new_float(rsess_doc *doc, double d);
/** A Float from Marshal's float text ("1.5", "1e-05", "nan", "-inf"...).
 *  Ruby 1.8's form (the text, a NUL, mantissa bytes) is read as Ruby reads
 *  it and its bytes are kept, so rsess_write writes them back as they were.
 *  NULL for text Ruby's Marshal would not read as a number. */
RSESS_API rsess_val *rsess_new_float_text(rsess_doc *doc, const char *text, size_t len);
/** A String with bytes copied into the document, in encoding enc. */
RSESS_API rsess_val *rsess_new_str(rsess_doc *doc, const void *p, size_t len, rsess_enc enc);
/** A String in a named encoding ("Shift_JIS", "UTF-16LE"...). Names equal to
 *  UTF-8, US-ASCII, ASCII-8BIT or BINARY select those encodings. */
RSESS_API rsess_val *rsess_new_str_enc(rsess_doc *doc, const void *p, size_t len, const char *encname,
                                       size_t encname_len);
/** A Symbol (interned per document; UTF-8 when not ASCII-only). */
RSESS_API rsess_val *rsess_new_sym(rsess_doc *doc, const void *p, size_t len);
/** A Symbol with an explicit encoding (OTHER needs rsess_new_sym_enc_named). */
RSESS_API rsess_val *rsess_new_sym_enc(rsess_doc *doc, const void *p, size_t len, rsess_enc enc);
RSESS_API rsess_val *rsess_new_sym_enc_named(rsess_doc *doc, const void *p, size_t len,
                                             const char *encname, size_t encname_len);
RSESS_API rsess_val *rsess_new_regexp(rsess_doc *doc, const void *src, size_t len, int options,
                                      rsess_enc enc);
RSESS_API rsess_val *rsess_new_array(rsess_doc *doc);
RSESS_API rsess_val *rsess_new_hash(rsess_doc *doc);
/** A plain object ('o'), struct ('S') of the named class. */
RSESS_API rsess_val *rsess_new_object(rsess_doc *doc, const char *cls, size_t clslen);
RSESS_API rsess_val *rsess_new_struct(rsess_doc *doc, const char *cls, size_t clslen);
/** A _dump value ('u'): class and the bytes its _dump returned (encoding enc). */
RSESS_API rsess_val *rsess_new_userdef(rsess_doc *doc, const char *cls, size_t clslen, const void *data,
                                       size_t len, rsess_enc enc);
/** A marshal_dump ('U') or _dump_data ('d') value carrying `dumped` (which
 *  may be NULL and set later with rsess_set_dumped(), e.g. for a cycle). */
RSESS_API rsess_val *rsess_new_usermarshal(rsess_doc *doc, const char *cls, size_t clslen,
                                           rsess_val *dumped);
RSESS_API rsess_val *rsess_new_data(rsess_doc *doc, const char *cls, size_t clslen, rsess_val *dumped);
/** A class ('c'), module ('m') or old module ('M') reference by path. */
RSESS_API rsess_val *rsess_new_classref(rsess_doc *doc, rsess_type t, const char *path, size_t len);

/** An Integer from decimal text ("-123", any size): RSESS_INT when it fits
 *  int64_t, else RSESS_BIGNUM. NULL for text that is not an integer. */
RSESS_API rsess_val *rsess_new_int_text(rsess_doc *doc, const char *digits, size_t len);
/** Sets the object a marshal_dump or _dump_data value carries. */
RSESS_API int rsess_set_dumped(rsess_doc *doc, rsess_val *v, rsess_val *dumped);

/** Appends an item to an array. 0, RSESS_ERR_NOMEM or RSESS_ERR_ARG. */
RSESS_API int rsess_arr_push(rsess_doc *doc, rsess_val *arr, rsess_val *item);
/** Appends a pair to a hash (no check for an existing key: Marshal order is
 *  the caller's). */
RSESS_API int rsess_hash_push(rsess_doc *doc, rsess_val *hash, rsess_val *key, rsess_val *val);
/** Appends a String key in UTF-8 or US-ASCII as Ruby's Hash#[]= does: equal
 *  keys (same bytes and encoding) across the document's hashes are one
 *  interned String, so Marshal writes the later ones as links. In a document
 *  with a root (a parsed one) the keys it has are interned too, as
 *  rsess_hash_set_str() says. */
RSESS_API int rsess_hash_push_strkey(rsess_doc *doc, rsess_val *hash, const void *key, size_t keylen,
                                     rsess_enc enc, rsess_val *val);
RSESS_API int rsess_hash_set_default(rsess_doc *doc, rsess_val *hash, rsess_val *dflt);
RSESS_API int rsess_hash_set_identity(rsess_doc *doc, rsess_val *hash, int on);
/** Appends an instance variable to an object or a member to a struct. */
RSESS_API int rsess_field_push(rsess_doc *doc, rsess_val *obj, rsess_val *name_sym, rsess_val *val);
/** Appends an 'I' instance variable (name is a Symbol value). */
RSESS_API int rsess_ivar_push(rsess_doc *doc, rsess_val *v, rsess_val *name_sym, rsess_val *val);
/** Sets the 'C' user class (a Symbol value) of a String/Array/Hash/Regexp. */
RSESS_API int rsess_set_user_class(rsess_doc *doc, rsess_val *v, rsess_val *cls_sym);
/** Sets the encoding of a String, Regexp or _dump ('u') value by its Ruby
 *  name ("Windows-1251", "UTF-16LE"; UTF-8, US-ASCII, ASCII-8BIT and BINARY
 *  select those), so named encodings are not limited to Strings. Symbols
 *  are interned: use rsess_new_sym_enc_named(). Returns 0, RSESS_ERR_ARG
 *  (another type, NULL name) or RSESS_ERR_NOMEM. */
RSESS_API int rsess_set_encoding(rsess_doc *doc, rsess_val *v, const char *encname, size_t encname_len);
/** Appends an 'e' module (a Symbol value). */
RSESS_API int rsess_extend(rsess_doc *doc, rsess_val *v, rsess_val *mod_sym);

/* --- Editing a document in place (lib/edit.c) ----------------------------- */

/* A parsed document (rsess_read, rsess_entry_read) and a built one
 * (rsess_doc_new) are edited alike, then written with rsess_write(). Values
 * may be shared (Marshal links: the same node reached by several paths):
 * editing a shared hash or array changes it everywhere it is reached, as in
 * Ruby. Growing a container allocates a new child array in the document's
 * arena (the old one stays there until rsess_doc_free). Every call refuses
 * a hash, array, key or value of another document with RSESS_ERR_ARG. */

/** What kind of key a byte lookup matches. */
typedef enum rsess_key_kind {
    RSESS_KEY_ANY = 0,    /**< a String (any encoding) or a Symbol */
    RSESS_KEY_STRING = 1, /**< a String key "k" only (any encoding) */
    RSESS_KEY_SYMBOL = 2  /**< a Symbol key :k only */
} rsess_key_kind;

/** For the first key of that kind with exactly these bytes, the value Ruby's
 *  loaded Hash has (the last pair eql? to it, as rsess_hash_get() says), or
 *  NULL (also for a non-hash, and when the repeated keys cost too much to
 *  compare). rsess_hash_get() is the ANY form. */
RSESS_API rsess_val *rsess_hash_find(const rsess_val *hash, const char *key, size_t keylen, rsess_key_kind kind);
/** rsess_hash_find(hash, key, strlen(key), RSESS_KEY_ANY) for a NUL-terminated
 *  key (NULL key: NULL). */
RSESS_API rsess_val *rsess_hash_gets(const rsess_val *hash, const char *key);

/**
 * hash[key] = val, as Ruby's Hash#[]= does: the value of the first pair whose
 * key is eql? to key is replaced (the pair keeps its place and its old key
 * node), otherwise the pair (key, val) is appended with key as given.
 * Bytes that repeat a key (Marshal.load keeps the last pair's value): every
 * later pair whose key Marshal.load's Hash finds eql? to that pair's gets
 * val too, so the written bytes load as h[key] = val leaves Ruby's Hash.
 * The later pairs are kept rather than dropped: the pair count and indices
 * do not change under a caller walking the pairs, no key or value node
 * leaves the graph (a link elsewhere may reach it), and the rest of the
 * bytes are written back as they were.
 * eql? is Ruby's for the types that have a value: nil/true/false; Integers
 * (also Bignums) by value; Floats by value (0.0 eql? -0.0, NaN only itself);
 * Symbols and Strings by bytes, with the same encoding unless the bytes
 * are ASCII-only (so "k" in UTF-8 matches a US-ASCII "k"; UTF-16/32 never
 * match another encoding, an empty UTF-16 Symbol is not :""). Any other key (Array, Hash, object...) matches
 * only the same node. In a compare_by_identity hash, keys match when they
 * are the same Ruby object: the same node, or equal Symbols, Integers that
 * fit a Fixnum, flonum Floats, nil/true/false.
 * Returns 0, RSESS_ERR_ARG (NULL arguments, a non-hash, another document's
 * hash, key or val), RSESS_ERR_NOMEM or RSESS_ERR_NODES (repeated keys that
 * would cost more than 2^30 bytes to compare); the hash is then unchanged.
 */
RSESS_API int rsess_hash_set(rsess_doc *doc, rsess_val *hash, rsess_val *key, rsess_val *val);
/**
 * hash["key"] = val with a UTF-8 String key, as a Rails session writes it:
 * replaces the value of an eql? String key and its later repeats (as
 * rsess_hash_set()), or appends
 * a pair whose key is interned as Ruby interns String hash keys (an
 * fstring): when the document already has a plain String hash key with these
 * bytes in UTF-8 (or one made by rsess_hash_push_strkey), that node is used,
 * so rsess_write() links to it as Marshal.dump does. The keys are gathered
 * once, by a walk from the root, at the first call of this or
 * rsess_hash_push_strkey() once the document has a root; keys added later
 * with rsess_hash_push() are not seen. A compare_by_identity
 * hash gets a new String key every time (Ruby does not intern its keys).
 * Errors as rsess_hash_set() (key may be NULL only with keylen 0).
 */
RSESS_API int rsess_hash_set_str(rsess_doc *doc, rsess_val *hash, const char *key, size_t keylen, rsess_val *val);
/** hash[:key] = val: the Symbol (interned; UTF-8 when not ASCII-only)
 *  replaces (repeats included) or appends as in rsess_hash_set(). Errors as
 *  rsess_hash_set(). */
RSESS_API int rsess_hash_set_sym(rsess_doc *doc, rsess_val *hash, const char *key, size_t keylen, rsess_val *val);
/**
 * Removes the first pair whose key is of that kind with exactly these bytes
 * (any String encoding), as rsess_hash_find() finds it, and every later pair
 * whose key Marshal.load's Hash finds eql? to it (else Ruby would load the
 * key from the later pair); the other pairs keep their order. 0,
 * RSESS_ERR_NOT_FOUND when no key matches, RSESS_ERR_ARG (NULL doc or hash,
 * a non-hash, another document's hash), RSESS_ERR_NODES (repeated keys too
 * costly to compare, as rsess_hash_set(); nothing removed). Never allocates.
 */
RSESS_API int rsess_hash_delete(rsess_doc *doc, rsess_val *hash, const char *key, size_t keylen, rsess_key_kind kind);
/** arr[i] = item for 0 <= i < rsess_len(arr) (append with rsess_arr_push()).
 *  0, or RSESS_ERR_ARG (i out of range, a non-array, NULL item, another
 *  document's array or item). Never allocates. */
RSESS_API int rsess_arr_set(rsess_doc *doc, rsess_val *arr, size_t i, rsess_val *item);

/**
 * A deep copy of src (a value of any document, dst's own included) made in
 * dst, to be linked into dst with the calls above. The copy has src's shape
 * exactly: a node reached twice in src is one node in the copy, cycles stay
 * cycles, so rsess_write() of the copy gives the bytes rsess_write() of src
 * gives. Symbols are interned in dst (one Symbol per name, as the builder
 * does); all bytes are copied into dst's arena; flags (default, identity,
 * rsess_is_linked) are kept. No recursion: any depth copies in heap memory
 * proportional to the value. Returns NULL for a NULL dst or src, or when
 * memory runs out (what was allocated stays in dst's arena, as for every
 * constructor; nothing leaks).
 */
RSESS_API rsess_val *rsess_copy(rsess_doc *dst, const rsess_val *src);

/* --- Ruby classes with meaning ------------------------------------------- */

/** true if v is an instance (object, struct, _dump, marshal_dump, or a 'C' user
 *  subclass) of the class with exactly this name. */
RSESS_API bool rsess_is_a(const rsess_val *v, const char *cls);

/** A Ruby Time ('u:Time'): the instant and how Ruby would show it. */
typedef struct rsess_time {
    int64_t sec;          /**< seconds since 1970-01-01 00:00:00 UTC (floor) */
    uint32_t nsec;        /**< nanoseconds within the second (floor) */
    int exact;            /**< 0 when the time has a fraction finer than 1 ns */
    int64_t frac_num;     /**< the exact fraction of the second: frac_num/frac_den */
    int64_t frac_den;
    int utc;              /**< a UTC-mode Time */
    int32_t utc_offset;   /**< seconds east of UTC (0 for UTC) */
    const char *zone;     /**< the zone name ("UTC", "JST"...), NULL when nil */
    size_t zone_len;
} rsess_time;
/** Fills t for a Time value and returns true; false for anything else or a Time
 *  whose _dump bytes are malformed or whose year is beyond 10^10 either side
 *  (its seconds would not fit in int64). */
RSESS_API bool rsess_get_time(const rsess_val *v, rsess_time *t);

/** A Date or DateTime ('U:Date', 'U:DateTime'), in its local calendar. */
typedef struct rsess_date {
    int datetime;         /**< 1 for DateTime */
    int64_t jd;           /**< the local Julian Day Number */
    int64_t year;
    int month, day, hour, minute, second;
    uint32_t nsec;
    int32_t offset;       /**< seconds east of UTC */
    double start;         /**< the calendar reform day (Date::ITALY 2299161.0) */
} rsess_date;
RSESS_API bool rsess_get_date(const rsess_val *v, rsess_date *d);

/** A BigDecimal ('u:BigDecimal'): its BigDecimal#to_s text ("0.15e1",
 *  "NaN", "-Infinity"), the precision prefix dropped. NULL otherwise. */
RSESS_API const char *rsess_get_bigdecimal(const rsess_val *v, size_t *len);

/** Rational and Complex ('U' + [a, b]): the two parts. true on success. */
RSESS_API bool rsess_get_rational(const rsess_val *v, rsess_val **num, rsess_val **den);
RSESS_API bool rsess_get_complex(const rsess_val *v, rsess_val **real, rsess_val **imag);

/** A Range ('o:Range' with excl, begin, end). true on success. */
RSESS_API bool rsess_get_range(const rsess_val *v, rsess_val **begin, rsess_val **end, int *exclusive);

/** A Set ('o:Set' with @hash): the Hash whose keys are the elements. */
RSESS_API rsess_val *rsess_get_set(const rsess_val *v);

/** An Exception (an object with the mesg ivar): its message value. */
RSESS_API rsess_val *rsess_get_exception_message(const rsess_val *v);

/** ActiveSupport::TimeWithZone: the UTC instant, the zone name and the
 *  local offset. true on success. */
RSESS_API bool rsess_get_time_with_zone(const rsess_val *v, rsess_time *utc, const char **zone_name,
                                       size_t *zone_len, int32_t *offset);

/** ActiveSupport::Duration: @value (seconds, Integer or Float) and @parts
 *  (Hash of Symbol to number). true on success. */
RSESS_API bool rsess_get_duration(const rsess_val *v, rsess_val **value, rsess_val **parts);

/* --- Rails session helpers ------------------------------------------------ */

/** session["_csrf_token"] (the unmasked token the app stored), or NULL. */
RSESS_API const char *rsess_session_csrf_token(const rsess_val *session, size_t *len);
/** Warden/Devise: session["warden.user.<scope>.key"] = [[id...], salt].
 *  Fills the ids Array and the salt String; true when present. */
RSESS_API bool rsess_session_warden(const rsess_val *session, const char *scope, rsess_val **ids,
                                   const char **salt, size_t *salt_len);
/** The flash: session["flash"]["flashes"] (a Hash), or NULL. */
RSESS_API rsess_val *rsess_session_flashes(const rsess_val *session);

/* ------------------------------------------------------------------------ */
/* Writing Marshal                                                          */
/* ------------------------------------------------------------------------ */

/** Appends the Marshal 4.8 bytes of v (header 04 08 included) to out, the
 *  way Ruby's Marshal.dump writes the same object graph: the same node
 *  reached twice is written once and then linked; symbols are written once
 *  and then linked; Integers use 'i' in -2^30..2^30-1 and 'l' beyond; floats
 *  use Ruby's shortest text. On error out is left as it was. */
RSESS_API int rsess_write(const rsess_val *v, rsess_buf *out, rsess_err *err);

/** Streaming writer: Marshal bytes without building a tree. Errors are
 *  sticky: after the first one every call is a no-op, and
 *  rsess_writer_finish() reports it. Containers take a count and then
 *  exactly that many values (a hash: 2 per pair; an object: a symbol and a
 *  value per field); finish checks every count was met. Like Ruby, the
 *  writer links repeated flonum floats and (with RSESS_WRITER_INTERN_KEYS)
 *  repeated String hash keys. */
typedef struct rsess_writer rsess_writer;
enum { RSESS_WRITER_INTERN_KEYS = 1u << 0 };
RSESS_API rsess_writer *rsess_writer_new(unsigned flags, const rsess_alloc *alloc);
RSESS_API void rsess_writer_nil(rsess_writer *w);
RSESS_API void rsess_writer_bool(rsess_writer *w, int b);
RSESS_API void rsess_writer_int(rsess_writer *w, int64_t i);
RSESS_API void rsess_writer_float(rsess_writer *w, double d);
RSESS_API void rsess_writer_str(rsess_writer *w, const void *p, size_t len, rsess_enc enc);
RSESS_API void rsess_writer_sym(rsess_writer *w, const void *p, size_t len);
RSESS_API void rsess_writer_array(rsess_writer *w, size_t n);
RSESS_API void rsess_writer_hash(rsess_writer *w, size_t npairs);
RSESS_API void rsess_writer_object(rsess_writer *w, const char *cls, size_t clslen, size_t nfields);
/** Writes a document's value (and everything it reaches) as one value of
 *  the stream, numbering its symbols and objects with the stream's, as one
 *  Marshal.dump would: e.g. a wrapper Array or Object around a session.
 *  Values may come from several documents: only the same node written
 *  again becomes a link. */
RSESS_API void rsess_writer_value(rsess_writer *w, const rsess_val *v);
/** Ends the stream: on success appends the bytes to out and returns 0;
 *  otherwise returns the first error (out untouched). */
RSESS_API int rsess_writer_finish(rsess_writer *w, rsess_buf *out, rsess_err *err);
/** The first error so far (RSESS_OK if none). */
RSESS_API int rsess_writer_error(const rsess_writer *w);
RSESS_API void rsess_writer_free(rsess_writer *w);

/* ------------------------------------------------------------------------ */
/* ActiveSupport cache entries (Rails' :cache_store over RedisCacheStore)    */
/* ------------------------------------------------------------------------ */

/** Containers a session value is found in. */
typedef enum rsess_format {
    RSESS_FORMAT_MARSHAL = 0, /**< a bare Marshal value (redis-store) */
    RSESS_FORMAT_AS71 = 1,    /**< Rails 7.1+ Coder: 00 11, type, LE expiry, LE version length */
    RSESS_FORMAT_AS70 = 2,    /**< Rails 7.0: 00/01 mark + Marshal [value, expires_at, version] */
    RSESS_FORMAT_AS61 = 3     /**< Rails 6.1: Marshal of an ActiveSupport::Cache::Entry object */
} rsess_format;

/** The 7.1 type byte (without the 0x80 compression flag). */
enum {
    RSESS_ENTRY_OBJECT = 1,  /**< payload: Marshal of the value */
    RSESS_ENTRY_UTF8 = 2,    /**< payload: the bytes of a UTF-8 String */
    RSESS_ENTRY_BINARY = 3,  /**< ... of a binary String */
    RSESS_ENTRY_USASCII = 4  /**< ... of a US-ASCII String */
};

/** What a container says about its value. Views (version) point into the
 *  document returned with it and live as long as that document. */
typedef struct rsess_entry_info {
    rsess_format format;
    int type;              /**< 7.1 type (RSESS_ENTRY_*); 0 for other formats */
    int compressed;        /**< the payload was zlib-deflated */
    int has_expires_at;
    double expires_at;     /**< epoch seconds (7.1/7.0 as stored; 6.1: created_at + expires_in) */
    int has_version;
    const char *version;   /**< version bytes (UTF-8 text as Rails compares it) */
    size_t version_len;
    int version_marshal;   /**< 7.1: the version was stored as Marshal data */
    size_t header_len;     /**< bytes before the payload */
    size_t stored_len;     /**< payload bytes as stored */
    size_t value_len;      /**< Marshal (or String) bytes of the value, inflated */
    int has_created_at;    /**< 6.1 only */
    double created_at;
    int has_expires_in;    /**< 6.1 only: @expires_in as stored */
    double expires_in;
} rsess_entry_info;

/**
 * Reads a session value in any container Rails writes, detected the way
 * Rails' Cache::Coder and SerializerWithFallback detect it: 00 11 (7.1+),
 * 04 08 (Marshal: a 6.1 Entry object is unwrapped, anything else is a bare
 * redis-store value), 00/01 (7.0). Compressed payloads are inflated in
 * bounded memory (limits.max_inflated); a larger one fails with
 * RSESS_ERR_INFLATE. The document's root is the value the application
 * stored. info may be NULL.
 */
RSESS_API rsess_doc *rsess_entry_read(const void *data, size_t len, const rsess_read_opts *opts,
                                      rsess_entry_info *info, rsess_err *err);

/** How to write an entry. Zero-initialise, then set what you need. */
typedef struct rsess_entry_opts {
    size_t size;              /**< sizeof(rsess_entry_opts) (rsess_entry_opts_init sets it); 0: the 1.0 layout */
    rsess_format format;      /**< AS71 (the default when MARSHAL/0), AS70 or AS61 */
    int has_expires_at;
    double expires_at;        /**< absolute expiry, epoch seconds */
    const char *version;      /**< NULL: no version; else its bytes */
    size_t version_len;
    rsess_enc version_enc;    /**< the version String's encoding (0: UTF-8; not OTHER) */
    size_t compress_threshold;/**< 0: Rails' default 1024 bytes */
    int no_compress;          /**< never compress (Rails' compress: false) */
    int has_expires_in;       /**< relative expiry in seconds: 7.x store now + it; */
    double expires_in;        /**< 6.1 stores it as @expires_in (beside @created_at) */
    int has_created_at;       /**< 6.1: @created_at (default: now) */
    double created_at;
} rsess_entry_opts;
/** Zeroes o and sets its size: a Rails 7.1 entry, no expiry, no version,
 *  Rails' compression threshold. */
RSESS_API void rsess_entry_opts_init(rsess_entry_opts *o);

/**
 * Appends an entry holding v to out, byte-identical to what Rails writes
 * for the same value and options: a plain String of UTF-8, binary or
 * US-ASCII encoding becomes a string-typed 7.1 entry; the payload is
 * deflated at zlib's default level when it is at least the threshold and
 * only if that makes it smaller. RSESS_FORMAT_MARSHAL gives 7.1.
 */
RSESS_API int rsess_entry_write(const rsess_val *v, const rsess_entry_opts *opts, rsess_buf *out,
                                rsess_err *err);

/**
 * The value of one top-level key of a session, without building the rest:
 * the session Hash's keys are read, the other values are skipped (their
 * symbols and object positions kept, so links from the wanted value to
 * earlier objects still resolve). Works on bare Marshal and on Rails 7.1+
 * entries (inflating them); other containers are decoded in full. The
 * document's root is the value; NULL with RSESS_ERR_NOT_FOUND when the key
 * is absent. Keys match String or Symbol keys with exactly these bytes; the
 * value is the one rsess_hash_find() gives on the decoded Hash (a key the
 * bytes repeat: the last eql? pair's, as Marshal.load keeps it), so the keys
 * after the match are read too, their values skipped unbuilt but for a
 * repeat's. RSESS_ERR_NODES when repeated keys cost more than 2^30 bytes
 * to compare.
 * The whole input is checked first, as rsess_read() checks it: an input
 * rsess_read() refuses is refused here with the same code and offset.
 */
RSESS_API rsess_doc *rsess_lookup(const void *data, size_t len, const char *key, size_t keylen,
                                  const rsess_read_opts *opts, rsess_err *err);
/** rsess_lookup() for one kind of key: RSESS_KEY_STRING finds session["k"]
 *  only, RSESS_KEY_SYMBOL session[:k] only, RSESS_KEY_ANY either (the first
 *  in Marshal order), with the value rsess_hash_find() gives on the decoded
 *  Hash. */
RSESS_API rsess_doc *rsess_lookup_find(const void *data, size_t len, const char *key, size_t keylen,
                                       rsess_key_kind kind, const rsess_read_opts *opts, rsess_err *err);

/**
 * A pull reader: walks Marshal bytes and builds only what is asked for.
 * A cursor stands before one value: rsess_cursor_type() tells its type (for
 * a link, RSESS_NONE: read it to see), rsess_cursor_read() builds it (the
 * value lives until rsess_cursor_free()), rsess_cursor_skip() steps over
 * it without building anything, rsess_cursor_enter() steps into an Array
 * or Hash (giving its count; a Hash's items are key, value, key, value...,
 * and a default value after them when it has one), rsess_cursor_leave()
 * skips what is left of the container and steps out. Links from built
 * values to skipped ones are resolved when met. After the root value (or
 * at the end of a container) the type is RSESS_NONE. The cursor copies the
 * input; limits apply as for rsess_read(). Errors are sticky.
 */
typedef struct rsess_cursor rsess_cursor;
RSESS_API rsess_cursor *rsess_cursor_new(const void *data, size_t len, const rsess_read_opts *opts, rsess_err *err);
RSESS_API rsess_type rsess_cursor_type(const rsess_cursor *c);
RSESS_API rsess_val *rsess_cursor_read(rsess_cursor *c, rsess_err *err);
RSESS_API int rsess_cursor_skip(rsess_cursor *c, rsess_err *err);
/** Steps into the Array or Hash before the cursor: 0 with its count in
 *  *count (an empty container is 0 and count 0), or an error (nothing is
 *  consumed when the value is not an Array or Hash: RSESS_ERR_STATE). */
RSESS_API int rsess_cursor_enter(rsess_cursor *c, size_t *count, rsess_err *err);
RSESS_API int rsess_cursor_leave(rsess_cursor *c, rsess_err *err);
RSESS_API void rsess_cursor_free(rsess_cursor *c);

/** A short name for a format: "marshal", "activesupport-7.1", ... */
RSESS_API const char *rsess_format_name(rsess_format f);

/* ------------------------------------------------------------------------ */
/* Session ids, Redis key names, Redis Cluster slots                        */
/* ------------------------------------------------------------------------ */

/** Random bytes in a public id: Rails' stores use 16 (32 hex digits,
 *  SecureRandom.hex(16)); plain Rack uses 32 (64 hex digits). */
#define RSESS_SID_RAILS_BYTES 16
#define RSESS_SID_RACK_BYTES 32
/** Buffer sizes, NUL included: the longest generated public id, and the
 *  private id "2::" + 64 hex digits. */
#define RSESS_PUBLIC_ID_SIZE (2 * RSESS_SID_RACK_BYTES + 1)
#define RSESS_PRIVATE_ID_LEN 67
#define RSESS_PRIVATE_ID_SIZE (RSESS_PRIVATE_ID_LEN + 1)

/** Writes a new public session id: nbytes (1..32) from libsodium's CSPRNG as
 *  2*nbytes lower-case hex digits and a NUL into out (RSESS_PUBLIC_ID_SIZE
 *  bytes is always enough). Returns 0, or RSESS_ERR_ARG / RSESS_ERR_NOMEM
 *  (libsodium could not start). Thread-safe. */
RSESS_API int rsess_sid_generate(char *out, size_t nbytes);

/** Rack::Session::SessionId#private_id: "2::" + lower-case hex SHA-256 of the
 *  public id's bytes, NUL-terminated, into out[RSESS_PRIVATE_ID_SIZE]. */
RSESS_API int rsess_private_id(const char *public_id, size_t len, char *out);

/** Compares two ids in time that depends only on their lengths: true if equal. */
RSESS_API bool rsess_id_equal(const char *a, size_t alen, const char *b, size_t blen);

/** Where the session lives. */
typedef enum rsess_store {
    RSESS_STORE_CACHE = 0,      /**< Rails :cache_store over RedisCacheStore */
    RSESS_STORE_REDIS_STORE = 1 /**< redis-store / redis-actionpack / redis-rack */
} rsess_store;

/** RedisCacheStore's rule for keys that are too long. */
typedef enum rsess_key_rule {
    RSESS_KEYS_RAILS81 = 0, /**< 8.1: over 250 bytes: first 212 (UTF-8 scrubbed) + ":hash:" + 32 hex of SHA-256 */
    RSESS_KEYS_RAILS70 = 1, /**< 7.0-8.0: over 1024 bytes: first 986 + ":hash:" + 32 hex of SHA-256 */
    RSESS_KEYS_RAILS61 = 2, /**< 6.1: over 1024 bytes: first 954 + ":sha2:" + 64 hex of SHA-256 */
    RSESS_KEYS_NONE = 3     /**< no limit */
} rsess_key_rule;

typedef struct rsess_key_opts {
    size_t size;      /**< sizeof(rsess_key_opts) (rsess_key_opts_init sets it); 0: the 1.0 layout */
    rsess_store store;
    const char *ns;   /**< namespace, or NULL: "NS:" is put in front */
    size_t nslen;
    int legacy;       /**< the pre-2019 key under the public id (the stores' fallback lookup) */
    rsess_key_rule rule; /**< cache store only (redis-store never shortens keys) */
} rsess_key_opts;
/** Zeroes o and sets its size: the cache store, no namespace, Rails 8.1 rule. */
RSESS_API void rsess_key_opts_init(rsess_key_opts *o);

/** Appends the Redis key a Rails app keeps the session under:
 *  cache store: NS:_session_id:2::<sha256 hex>, redis-store: NS:2::<hex>
 *  (legacy: the public id instead of the private one), shortened by the
 *  rule when too long. 0, RSESS_ERR_ARG or RSESS_ERR_NOMEM (out unchanged). */
RSESS_API int rsess_session_key(const char *public_id, size_t len, const rsess_key_opts *opts, rsess_buf *out,
                                rsess_err *err);

/** RedisCacheStore's key shortening on its own, for any cache key: 0,
 *  RSESS_ERR_ARG or RSESS_ERR_NOMEM (out unchanged). */
RSESS_API int rsess_cache_key_truncate(const char *key, size_t len, rsess_key_rule rule, rsess_buf *out);

/** The Redis Cluster hash slot (0..16383) of a key: CRC16/XMODEM of the key,
 *  or of the part inside the first {...} when that is not empty. */
RSESS_API unsigned rsess_cluster_slot(const void *key, size_t len);

/** Finds the master serving a slot in the text of CLUSTER NODES, or of
 *  CLUSTER SHARDS as redis-cli prints it (quoted or --raw); appends
 *  "host:port" to out. RSESS_ERR_FORMAT_UNKNOWN if the text is neither;
 *  RSESS_ERR_VALUE if no master serves the slot. Pure text: no network. */
RSESS_API int rsess_cluster_locate(const char *text, size_t len, unsigned slot, rsess_buf *out, rsess_err *err);

/** Which master serves each of the 16384 slots, read once from the text of
 *  CLUSTER NODES or CLUSTER SHARDS (as rsess_cluster_locate() reads it), for
 *  routing many keys: a lookup is an array index. Opaque; free with
 *  rsess_cluster_map_free(). */
typedef struct rsess_cluster_map rsess_cluster_map;

/** Parses the text into a new map in *out (alloc may be NULL: the C
 *  library's allocator). Healthy masters (not "fail", not "noaddr") are
 *  numbered 0.. in the order the text first names them; when two claim a
 *  slot, the first keeps it. Slots nobody serves stay unassigned (not an
 *  error). Returns 0, RSESS_ERR_FORMAT_UNKNOWN (no node lines at all),
 *  RSESS_ERR_NOMEM or RSESS_ERR_ARG; *out is NULL on failure. */
RSESS_API int rsess_cluster_map_parse(const char *text, size_t len, const rsess_alloc *alloc,
                                      rsess_cluster_map **out, rsess_err *err);
/** The number of masters in the map (0 for NULL). */
RSESS_API size_t rsess_cluster_map_masters(const rsess_cluster_map *m);
/** Master i's address "host:port" (not NUL-terminated; its length in *len),
 *  owned by the map; NULL when i is out of range. */
RSESS_API const char *rsess_cluster_map_master(const rsess_cluster_map *m, size_t i, size_t *len);
/** Stores the index of the master serving slot in *index and returns true;
 *  false when no master serves it (or slot > 16383, or m is NULL). */
RSESS_API bool rsess_cluster_map_find(const rsess_cluster_map *m, unsigned slot, size_t *index);
/** Frees the map. NULL-safe. */
RSESS_API void rsess_cluster_map_free(rsess_cluster_map *m);

/* ------------------------------------------------------------------------ */
/* Views: Ruby inspect, plain JSON, typed JSON                              */
/* ------------------------------------------------------------------------ */

typedef enum rsess_view {
    RSESS_VIEW_RUBY = 0, /**< what Ruby 3.4's `p` prints (4.0: RSESS_PRINT_RUBY40) */
    RSESS_VIEW_TYPED = 1,/**< lossless typed JSON (docs/typed-json.md) */
    RSESS_VIEW_JSON = 2  /**< plain JSON for people and jq (lossy) */
} rsess_view;

enum {
    RSESS_PRINT_PRETTY = 1u << 0, /**< indented output (JSON views) */
    /** Ruby view: print what Ruby 4.0's `p` prints where it differs from
     *  3.4's (a Set is `Set[1, "a"]` in 4.0, `#<Set: {1, "a"}>` in 3.4).
     *  Without it the Ruby view follows Ruby 3.4. */
    RSESS_PRINT_RUBY40 = 1u << 1
};

/** Appends the text of v in the given view to out (keeping a NUL after
 *  it, not counted in out->len). No trailing newline. */
RSESS_API int rsess_print(const rsess_val *v, rsess_view view, unsigned flags, rsess_buf *out,
                          rsess_err *err);
/** The same, to a stdio stream. */
RSESS_API int rsess_fprint(FILE *fp, const rsess_val *v, rsess_view view, unsigned flags,
                           rsess_err *err);

/** rsess_explain() flags. */
enum { RSESS_EXPLAIN_COLOR = 1u << 0 /**< ANSI colours (for a terminal) */ };

/**
 * Appends an annotated listing of every byte of a value to out: offset,
 * bytes and what they mean, nested by indentation: cache-entry headers
 * with their decoded fields (expiry as a UTC time, version, type,
 * compression), Marshal type bytes, lengths, strings and their encodings,
 * symbol and object table indices, and what each link points at.
 * Compressed payloads are inflated (within opts' limits) and listed too.
 * On bad data the listing so far stays in out and the error is returned.
 */
RSESS_API int rsess_explain(const void *data, size_t len, unsigned flags, const rsess_read_opts *opts,
                            rsess_buf *out, rsess_err *err);

/** Float text as Marshal writes it ("1e2", "0.0001", "-0", "nan", "inf").
 *  buf needs RSESS_FLOAT_TEXT_MAX bytes; returns the length (no NUL). */
#define RSESS_FLOAT_TEXT_MAX 32
RSESS_API size_t rsess_float_marshal_text(double d, char *buf);
/** Float text as Ruby's Float#to_s writes it ("100.0", "1.0e+16", "NaN"). */
RSESS_API size_t rsess_float_ruby_text(double d, char *buf);
/** Reads float text back as Marshal.load does: "nan", "inf", "-inf", or
 *  decimal text (an optional sign, digits with at most one '.' that digits
 *  follow, an optional exponent: "1.5", "-0", ".5", "1e-05"), rounded as
 *  Ruby's strtod rounds it (which drops fraction digits after the 60th
 *  significant one). The len bytes at text need no NUL. Out of range gives
 *  +-Infinity or +-0.0. Returns 0 and sets *out, or RSESS_ERR_FLOAT (offset
 *  0) for any other text ("5.", "0x10", " 1", ""), leaving *out alone. */
RSESS_API int rsess_float_parse(const char *text, size_t len, double *out, rsess_err *err);

/* ------------------------------------------------------------------------ */
/* Text input forms                                                         */
/* ------------------------------------------------------------------------ */

/** Decodes one double-quoted string as redis-cli (--no-raw) and Ruby's `p`
 *  print it: \\ \" \n \r \t \a \b \v \f \e \0 \s, \xHH, octal \NNN, \uXXXX,
 *  \u{X...} (UTF-8), \# and any other escaped char as itself. Leading white
 *  space is skipped; one trailing newline (or CRLF) after the closing quote
 *  is allowed, anything else is an error. Appends the bytes to out; on
 *  error out is unchanged and err->offset points into text. */
RSESS_API int rsess_unquote(const char *text, size_t len, rsess_buf *out, rsess_err *err);
/** Appends the redis-cli quoted form of bytes ("\x04\b{..."): 0, or
 *  RSESS_ERR_NOMEM with out unchanged. */
RSESS_API int rsess_quote(const void *p, size_t len, rsess_buf *out);
/** Hex and base64 text to bytes; white space is ignored. */
RSESS_API int rsess_unhex(const char *text, size_t len, rsess_buf *out, rsess_err *err);
RSESS_API int rsess_unbase64(const char *text, size_t len, rsess_buf *out, rsess_err *err);
/** Bytes to lower-case hex / standard padded base64. */
RSESS_API int rsess_hex(const void *p, size_t len, rsess_buf *out);
RSESS_API int rsess_base64(const void *p, size_t len, rsess_buf *out);

/* ------------------------------------------------------------------------ */
/* Session cookies (Rails 2.3 to 8.x, Rack <= 2.2)                           */
/* ------------------------------------------------------------------------ */

/* Read, verify and write the session cookies of every Rails generation:
 * AES-GCM (5.2+), AES-256-CBC + HMAC (4.0-5.1), signed (cookies.signed),
 * Rails 2.3/3.x signed sessions and Rack's own cookie store, with Rails'
 * _rails envelope (purpose, expiry) and the :marshal, :json and :hybrid
 * serializers. Keys are derived once (rsess_cookie_keys_new: PBKDF2, about a
 * millisecond) and reused for every cookie. The crypto is OpenSSL's
 * libcrypto, as in Rails; MACs and tags are compared in constant time and
 * every MAC or tag failure gives the one code RSESS_ERR_VERIFY.
 * A Redis-backed store (:cache_store, redis-store) keeps only the plain
 * 32-hex public session id in its cookie, neither signed nor encrypted:
 * map it with rsess_session_key(); rsess_cookie_read() reports it as
 * RSESS_COOKIE_SESSION_ID. */

/** Cookie generations. */
typedef enum rsess_cookie_format {
    RSESS_COOKIE_NONE = 0,
    RSESS_COOKIE_GCM = 1,           /**< "rails-gcm": b64(C)--b64(IV12)--b64(TAG16), 5.2+ */
    RSESS_COOKIE_CBC = 2,           /**< "rails-cbc-hmac": AES-256-CBC + HMAC, 4.0-5.1 */
    RSESS_COOKIE_SIGNED = 3,        /**< "rails-signed": cookies.signed, key from "signed cookie" */
    RSESS_COOKIE_RAILS3 = 4,        /**< "rails3-signed": HMAC keyed by the raw secret_token */
    RSESS_COOKIE_RACK = 5,          /**< "rack-signed": Rack::Session::Cookie (rack <= 2.2) */
    RSESS_COOKIE_RACK_UNSIGNED = 6, /**< "rack-unsigned": Rack's store without a secret */
    RSESS_COOKIE_SESSION_ID = 7     /**< "session-id": a plain public id (Redis-backed stores) */
} rsess_cookie_format;

/** Digests: PBKDF2's (kdf) and the HMACs'. Masks are (1u << digest). */
typedef enum rsess_digest {
    RSESS_DIGEST_NONE = 0,
    RSESS_DIGEST_SHA1 = 1,
    RSESS_DIGEST_SHA256 = 2,
    RSESS_DIGEST_SHA512 = 3
} rsess_digest;

/** Ciphers (Rails' encrypted_cookie_cipher; CBC for the 4.0-5.1 cookies). */
typedef enum rsess_cipher {
    RSESS_CIPHER_NONE = 0,
    RSESS_CIPHER_AES_256_GCM = 1,
    RSESS_CIPHER_AES_192_GCM = 2,
    RSESS_CIPHER_AES_128_GCM = 3,
    RSESS_CIPHER_AES_256_CBC = 4
} rsess_cipher;

/** Serializers (Rails' cookies_serializer; Rack's coders). */
typedef enum rsess_serializer {
    RSESS_SERIALIZER_AUTO = 0,     /**< reading: Marshal (04 08), JSON or MessagePack (refused) by the bytes */
    RSESS_SERIALIZER_JSON = 1,     /**< :json: a Marshal payload is refused (RSESS_ERR_SERIALIZER) */
    RSESS_SERIALIZER_MARSHAL = 2,  /**< :marshal (Rails reads JSON too, as MarshalWithJsonFallback) */
    RSESS_SERIALIZER_HYBRID = 3,   /**< :hybrid: JSON, or Marshal for not yet migrated cookies */
    RSESS_SERIALIZER_ZIP_JSON = 4, /**< Rack's Base64::ZipJSON: zlib-deflated JSON (reported by info) */
    RSESS_SERIALIZER_MESSAGE_PACK = 5 /**< 7.1's :message_pack (cc 80): detected, not read */
} rsess_serializer;

/** Short names: "rails-gcm", "SHA256", "aes-256-gcm", "json"; "" for NONE. */
RSESS_API const char *rsess_cookie_format_name(rsess_cookie_format f);
RSESS_API const char *rsess_digest_name(rsess_digest d);
RSESS_API const char *rsess_cipher_name(rsess_cipher c);
RSESS_API const char *rsess_serializer_name(rsess_serializer s);

/** One application's secrets. Initialise with rsess_cookie_opts_init(). */
typedef struct rsess_cookie_opts {
    size_t size;                 /**< sizeof(rsess_cookie_opts), set by the init function */
    const char *secret_key_base; /**< Rails 4.0+: keys are derived from it (NULL: none) */
    size_t secret_key_base_len;
    const char *secret_token;    /**< a raw HMAC key: Rails 2.3/3.x secret_token, Rack's :secret */
    size_t secret_token_len;
    unsigned kdf_digests;        /**< PBKDF2 digests to derive with: mask of (1u << RSESS_DIGEST_*);
                                      default SHA1|SHA256 (6.1 and 7.0+); tried SHA256 first */
    unsigned iterations;         /**< PBKDF2 iterations; default 1000 (every Rails cookie) */
    const char *gcm_salt;        /**< NULL: "authenticated encrypted cookie" */
    const char *cbc_salt;        /**< NULL: "encrypted cookie" */
    const char *cbc_sign_salt;   /**< NULL: "signed encrypted cookie" */
    const char *signed_salt;     /**< NULL: "signed cookie" */
    const rsess_alloc *alloc;    /**< for the keys object (NULL: malloc) */
} rsess_cookie_opts;

/** Zeroes o and sets size and the defaults. */
RSESS_API void rsess_cookie_opts_init(rsess_cookie_opts *o);

/** Derived keys: immutable once made, so one object may serve many threads. */
typedef struct rsess_cookie_keys rsess_cookie_keys;

/**
 * Derives every key of one set of secrets up front (PBKDF2 for each salt
 * and kdf digest: about 1 ms; never per cookie) into a new keys object in
 * *out. The secrets are not kept, except secret_token, which is itself the
 * HMAC key; everything is wiped by rsess_cookie_keys_free(). At least one
 * secret is required. Errors: RSESS_ERR_ARG (no secret, bad options),
 * RSESS_ERR_NOMEM, RSESS_ERR_CRYPTO.
 */
RSESS_API int rsess_cookie_keys_new(const rsess_cookie_opts *o, rsess_cookie_keys **out, rsess_err *err);
/** Adds a rotation (older secrets, as Rails' cookies.rotate): reading tries
 *  the primary set, then each rotation in the order added; writing uses the
 *  primary. rsess_cookie_info.rotation says which set verified. */
RSESS_API int rsess_cookie_keys_add(rsess_cookie_keys *keys, const rsess_cookie_opts *o, rsess_err *err);
/** Wipes and frees the keys. NULL-safe. */
RSESS_API void rsess_cookie_keys_free(rsess_cookie_keys *keys);

/** rsess_cookie_read_opts.flags. */
enum {
    /** Accept any purpose (no cookie name to check against). Either this
     *  or a name is required. */
    RSESS_COOKIE_ANY_PURPOSE = 1u << 0,
    /** Do not check the envelope's exp (then `now` may be 0). */
    RSESS_COOKIE_IGNORE_EXPIRY = 1u << 1,
    /** Inspection only: decode a signed (or Rack unsigned) cookie's payload
     *  even when no key verifies it; info.verified is then false. Never
     *  trust what it returns. Encrypted cookies still need their key. */
    RSESS_COOKIE_UNVERIFIED = 1u << 2
};

#define RSESS_COOKIE_DEFAULT_MAX_LEN ((size_t)64 * 1024)

/** How to read one cookie. Initialise with rsess_cookie_read_opts_init(). */
typedef struct rsess_cookie_read_opts {
    size_t size;                 /**< sizeof(rsess_cookie_read_opts), set by the init function */
    const char *name;            /**< the cookie's name: purpose "cookie.<name>" is accepted, and the
                                      value is picked from a "name=value" pair or a Cookie header */
    size_t name_len;
    unsigned flags;              /**< RSESS_COOKIE_* */
    double now;                  /**< the caller's clock, epoch seconds: an envelope whose exp is not
                                      after it is RSESS_ERR_EXPIRED (required unless IGNORE_EXPIRY) */
    rsess_serializer serializer; /**< AUTO (default), JSON, MARSHAL or HYBRID */
    unsigned formats;            /**< formats to accept: mask of (1u << RSESS_COOKIE_*); 0: all */
    unsigned kdf_digests;        /**< mask of kdf digests to try; 0: every digest the keys have */
    unsigned hmac_digests;       /**< mask of HMAC digests to accept; 0: all */
    unsigned ciphers;            /**< mask of (1u << RSESS_CIPHER_*) to try; 0: all */
    size_t max_len;              /**< longest cookie text accepted; 0: RSESS_COOKIE_DEFAULT_MAX_LEN */
    const rsess_read_opts *read; /**< limits and allocator for the payload and scratch (NULL: defaults) */
} rsess_cookie_read_opts;

RSESS_API void rsess_cookie_read_opts_init(rsess_cookie_read_opts *o);

#define RSESS_COOKIE_PURPOSE_MAX 256

/** What a cookie was. Filled as far as reading got, also on failure. */
typedef struct rsess_cookie_info {
    rsess_cookie_format format;
    rsess_cipher cipher;          /**< NONE for signed formats */
    rsess_digest kdf_digest;      /**< the PBKDF2 digest of the keys that verified (NONE: no KDF) */
    rsess_digest hmac_digest;     /**< the MAC's digest (NONE for GCM) */
    rsess_serializer serializer;  /**< what the payload was: JSON, MARSHAL, ZIP_JSON or MESSAGE_PACK */
    bool verified;                /**< a key verified the cookie */
    unsigned rotation;            /**< which key set verified: 0 the primary, then rsess_cookie_keys_add order */
    bool envelope;                /**< the payload came in a _rails envelope */
    bool has_purpose;             /**< the envelope's "pur" was not null */
    char purpose[RSESS_COOKIE_PURPOSE_MAX]; /**< NUL-terminated, cut to fit (purpose_len is the whole) */
    size_t purpose_len;
    bool has_expires_at;          /**< the envelope's "exp" was not null */
    double expires_at;            /**< epoch seconds */
    size_t payload_len;           /**< bytes of the serialized session */
} rsess_cookie_info;

/**
 * Verifies, decrypts and decodes one cookie into a new document (*out, the
 * session as Rails returns it: a Hash for a session). text is a bare value,
 * "name=value", or a Cookie header ("Cookie:" optional, pairs split on ';');
 * with a name, the first pair of that name is taken. %XX escapes are
 * decoded, never '+'. Keys are tried in Rails' order (primary set, then
 * rotations; AES-256 first, SHA256 before SHA1). keys may be NULL only with
 * RSESS_COOKIE_UNVERIFIED. info may be NULL. The payload is read as Rails
 * reads it: Marshal as Marshal.load (bytes after the value ignored), JSON as
 * JSON.parse (max_nesting 100); the envelope's exp must be an ISO 8601 time
 * with a zone (Z or +HH:MM), as Rails writes it. The document owns copies of
 * everything; decrypted plaintext is wiped before returning. Errors: RSESS_ERR_VERIFY (no
 * key verifies: one reason for every MAC and tag failure, bad padding
 * included), RSESS_ERR_PURPOSE, RSESS_ERR_EXPIRED, RSESS_ERR_COOKIE
 * (malformed: parts, base64, envelope, a plain session id),
 * RSESS_ERR_SERIALIZER, RSESS_ERR_UNSUPPORTED (MessagePack), RSESS_ERR_SIZE
 * (longer than max_len), the payload readers' codes, RSESS_ERR_ARG (neither
 * a name nor ANY_PURPOSE; no clock), RSESS_ERR_NOMEM, RSESS_ERR_CRYPTO.
 */
RSESS_API int rsess_cookie_read(const rsess_cookie_keys *keys, const char *text, size_t len,
                                const rsess_cookie_read_opts *o, rsess_doc **out, rsess_cookie_info *info,
                                rsess_err *err);

/**
 * Picks one cookie's value from text (as rsess_cookie_read() does) and
 * appends it, %XX-decoded, to out. name may be NULL (the whole text, or the
 * only pair of a Cookie header). RSESS_ERR_NOT_FOUND when no pair has the name.
 */
RSESS_API int rsess_cookie_value(const char *text, size_t len, const char *name, size_t name_len, rsess_buf *out,
                                 rsess_err *err);

/** rsess_cookie_write_opts.flags. */
enum {
    /** Append the value as it is, without Rack's URL escaping. */
    RSESS_COOKIE_WRITE_RAW = 1u << 0,
    /** Write the _rails envelope even with no name and no expiry (pur null). */
    RSESS_COOKIE_WRITE_ENVELOPE = 1u << 1
};

/** How to write a cookie. Initialise with rsess_cookie_write_opts_init(). */
typedef struct rsess_cookie_write_opts {
    size_t size;                 /**< sizeof(rsess_cookie_write_opts), set by the init function */
    rsess_cookie_format format;  /**< GCM (default), CBC, SIGNED, RAILS3 or RACK */
    const char *name;            /**< the cookie name: envelope purpose "cookie.<name>" (as 6.0+) */
    size_t name_len;
    bool has_expires_at;         /**< an envelope "exp" (milliseconds kept, as iso8601(3)) */
    double expires_at;
    rsess_serializer serializer; /**< JSON (the default for Rails formats) or MARSHAL (Rack, Rails 3) */
    rsess_digest kdf_digest;     /**< the primary keys' PBKDF2 digest to use; NONE: the first derived
                                      (SHA256 when both) */
    rsess_digest hmac_digest;    /**< signed, CBC, Rails 3 and Rack MACs; NONE: SHA1 (Rails' default) */
    rsess_cipher cipher;         /**< GCM: AES_256_GCM (default), AES_192_GCM or AES_128_GCM */
    unsigned flags;              /**< RSESS_COOKIE_WRITE_* */
} rsess_cookie_write_opts;

RSESS_API void rsess_cookie_write_opts_init(rsess_cookie_write_opts *o);

/**
 * Appends the cookie value for session v to out, URL-escaped as Rack sets
 * it (URI.encode_www_form_component) unless RSESS_COOKIE_WRITE_RAW, so
 * that Rails (or Rack) reads v back. JSON is written as ActiveSupport::JSON
 * writes it (<, >, & and U+2028/9 escaped) from the plain JSON view
 * (rsess_print RSESS_VIEW_JSON: symbols become strings...); Marshal bytes as
 * rsess_write() writes them. IVs come fresh from the CSPRNG. Rails 3 and
 * Rack cookies have no envelope: a name or expiry is RSESS_ERR_ARG there.
 * On error out is left as it was. Errors: RSESS_ERR_ARG, RSESS_ERR_NOMEM,
 * RSESS_ERR_CRYPTO, the writers' and printers' codes.
 */
RSESS_API int rsess_cookie_write(const rsess_cookie_keys *keys, const rsess_val *v,
                                 const rsess_cookie_write_opts *o, rsess_buf *out, rsess_err *err);

/* JSON input: plain JSON as Ruby's JSON.parse reads it, and typed JSON      */
/* ------------------------------------------------------------------------ */

/** rsess_from_json() / rsess_from_typed_json() flags. */
enum {
    /** rsess_from_json(): read RFC 8259 JSON only: no comments, valid UTF-8,
     *  only the eight escapes and \uXXXX with surrogates in pairs (instead
     *  of what Ruby's JSON.parse also accepts). Typed JSON is always read so. */
    RSESS_JSON_STRICT = 1u << 0
};

/** Nesting limits of the JSON readers (arrays and objects, counted as
 *  Ruby's JSON.parse counts them). */
#define RSESS_JSON_DEFAULT_MAX_NESTING 100u
#define RSESS_TYPED_DEFAULT_MAX_NESTING 2048u

/** JSON reading options. Initialise with rsess_json_opts_init(). */
typedef struct rsess_json_opts {
    size_t size;              /**< sizeof(rsess_json_opts), set by rsess_json_opts_init() */
    unsigned flags;           /**< RSESS_JSON_* */
    /** Deepest nesting accepted: 0 means the reader's default
     *  (RSESS_JSON_DEFAULT_MAX_NESTING, Ruby's max_nesting, for plain JSON;
     *  RSESS_TYPED_DEFAULT_MAX_NESTING for typed JSON); SIZE_MAX: no limit
     *  (the readers never recurse: depth costs heap memory only). */
    size_t max_nesting;
    /** Most JSON values (0: RSESS_DEFAULT_MAX_NODES; SIZE_MAX: no limit):
     *  RSESS_ERR_NODES beyond. */
    size_t max_nodes;
    /** Longest text (0: RSESS_DEFAULT_MAX_INPUT; SIZE_MAX: no limit):
     *  RSESS_ERR_SIZE beyond. */
    size_t max_input;
    const rsess_alloc *alloc; /**< the document's allocator (and the reader's); NULL: malloc */
} rsess_json_opts;

/** Zeroes *o, sets its size and the defaults. */
RSESS_API void rsess_json_opts_init(rsess_json_opts *o);

/**
 * Builds the value Ruby's JSON.parse(text) returns (json 2.6, Ruby 3.1),
 * so that rsess_write() of the root gives Marshal.dump(JSON.parse(text))
 * byte for byte: strings UTF-8 (their bytes as they are: invalid UTF-8 and
 * escaped NULs included, in keys too), object keys interned as Hash#[]= interns them (equal
 * keys in different hashes are one String, written once and then linked),
 * a repeated key keeps its first place and its last value, integers of any
 * size, other numbers Float (1e400 is Infinity, 1e-400 is 0.0). Accepted as
 * Ruby accepts them: any value at the top, C and C++ style comments where
 * white space may be, a backslash before an unknown character standing for that
 * character, lone surrogates in their 3-byte forms. Refused as Ruby refuses
 * them: NaN and Infinity literals, trailing commas, control characters in
 * strings, nesting deeper than max_nesting (RSESS_ERR_DEPTH, Ruby's
 * JSON::NestingError). Other syntax errors: RSESS_ERR_JSON with the byte
 * offset. On success *out is a new document the caller frees with
 * rsess_doc_free(); on failure *out is NULL. opts may be NULL (defaults);
 * a size of 0 or larger than the library knows is RSESS_ERR_ARG.
 */
RSESS_API int rsess_from_json(const char *text, size_t len, const rsess_json_opts *opts, rsess_doc **out,
                              rsess_err *err);

/**
 * Builds the value written in typed JSON (docs/typed-json.md), the inverse
 * of rsess_print(..., RSESS_VIEW_TYPED, ...): for any value Ruby wrote,
 * printing it typed and reading that back gives a document whose
 * rsess_write() bytes are Ruby's Marshal bytes. The text is RFC 8259 JSON
 * (RSESS_ERR_JSON otherwise); what it says must be typed JSON
 * (RSESS_ERR_TYPED otherwise: a tagged object without a type key, a link to
 * an id not defined before it, bad hex...), with the offset of the value at
 * fault. *out and opts as for rsess_from_json().
 */
RSESS_API int rsess_from_typed_json(const char *text, size_t len, const rsess_json_opts *opts, rsess_doc **out,
                                    rsess_err *err);

#ifdef __cplusplus
}
#endif
#endif /* RSESS_H */
