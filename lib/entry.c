/* ActiveSupport cache entries: the Rails 7.1+ Coder header, the 7.0
 * Marshal70WithFallback mark, the 6.1 Entry object; bounded inflate and
 * Rails-identical deflate. Sources: rails/rails activesupport/lib/
 * active_support/cache/coder.rb, serializer_with_fallback.rb, entry.rb. */
#include "entry.h"
#include "opts.h"

#include <math.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <zlib.h>

#define AS71_HEADER 15 /* 00 11, type, LE double, LE int32 */
#define COMPRESSED_FLAG 0x80

const char *rsess_format_name(rsess_format f)
{
    switch (f) {
    case RSESS_FORMAT_MARSHAL: return "marshal";
    case RSESS_FORMAT_AS71: return "activesupport-7.1";
    case RSESS_FORMAT_AS70: return "activesupport-7.0";
    case RSESS_FORMAT_AS61: return "activesupport-6.1";
    default: return "unknown";
    }
}

/* --- little-endian fields (Coder's PACKED_TEMPLATE "CEl<") ---------------- */
static double load_le_double(const unsigned char *p)
{
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--) u = u << 8 | p[i];
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static void store_le_double(unsigned char *p, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(u >> (8 * i));
}

static int32_t load_le_i32(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (int32_t)u;
}

static void store_le_i32(unsigned char *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(u >> (8 * i));
}

/* --- zlib ------------------------------------------------------------------- */
static void *z_alloc(void *opaque, unsigned items, unsigned size)
{
    const rsess_alloc *a = opaque;
    size_t n = (size_t)items * size;
    size_t *p = rs_malloc(a, n + sizeof(size_t) * 2);
    if (!p) return NULL;
    p[0] = n + sizeof(size_t) * 2;
    return p + 2;
}

static void z_free(void *opaque, void *ptr)
{
    if (!ptr) return;
    size_t *p = (size_t *)ptr - 2;
    rs_free(opaque, p, p[0]);
}

/* Inflates a zlib stream into out, never past cap bytes: a size claimed by
 * the data is never trusted, the output is simply cut off. */
int rs_inflate(const unsigned char *in, size_t len, size_t cap, const rsess_alloc *alloc, rsess_buf *out, size_t at,
               rsess_err *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    z.zalloc = z_alloc;
    z.zfree = z_free;
    z.opaque = (void *)alloc;
    if (inflateInit(&z) != Z_OK) return rs_fail(err, RSESS_ERR_NOMEM, at, "cannot start inflate");
    size_t start = out->len;
    int rc = 0, zr = Z_OK;
    z.next_in = (unsigned char *)in;
    while (zr != Z_STREAM_END) {
        size_t room_in = len - (size_t)(z.next_in - in);
        z.avail_in = room_in > UINT32_MAX ? UINT32_MAX : (unsigned)room_in;
        size_t produced = out->len - start;
        if (produced > cap) {
            rc = rs_fail(err, RSESS_ERR_INFLATE, at, "compressed payload inflates past the limit of %zu bytes", cap);
            break;
        }
        size_t chunk = cap + 1 - produced;
        if (chunk > 1u << 20) chunk = 1u << 20;
        if (rs_buf_reserve(out, chunk)) {
            rc = rs_fail(err, RSESS_ERR_NOMEM, at, "out of memory inflating");
            break;
        }
        z.next_out = out->data + out->len;
        z.avail_out = (unsigned)chunk;
        zr = inflate(&z, Z_NO_FLUSH);
        out->len += chunk - z.avail_out;
        if (zr == Z_MEM_ERROR) {
            rc = rs_fail(err, RSESS_ERR_NOMEM, at, "out of memory inflating");
            break;
        }
        if (zr == Z_NEED_DICT || zr == Z_DATA_ERROR || zr == Z_STREAM_ERROR) {
            rc = rs_fail(err, RSESS_ERR_ZLIB, at, "bad zlib data: %s", z.msg ? z.msg : "corrupt stream");
            break;
        }
        if (zr == Z_BUF_ERROR && z.avail_in == 0) {
            rc = rs_fail(err, RSESS_ERR_ZLIB, at, "bad zlib data: the stream ends early");
            break;
        }
    }
    if (!rc && out->len - start > cap)
        rc = rs_fail(err, RSESS_ERR_INFLATE, at, "compressed payload inflates past the limit of %zu bytes", cap);
    inflateEnd(&z);
    if (rc) out->len = start;
    return rc;
}

/* Zlib::Deflate.deflate(s): zlib format, default level, window and memory. */
static int deflate_default(const void *in, size_t len, const rsess_alloc *alloc, rsess_buf *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    z.zalloc = z_alloc;
    z.zfree = z_free;
    z.opaque = (void *)alloc;
    if (deflateInit(&z, Z_DEFAULT_COMPRESSION) != Z_OK) return RSESS_ERR_NOMEM;
    size_t bound = deflateBound(&z, (uLong)len);
    int rc = rs_buf_reserve(out, bound);
    if (!rc) {
        z.next_in = (unsigned char *)in;
        z.avail_in = (unsigned)len;
        z.next_out = out->data + out->len;
        z.avail_out = (unsigned)bound;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END) rc = RSESS_ERR_NOMEM;
        else out->len += bound - z.avail_out;
    }
    deflateEnd(&z);
    return rc;
}

/* --- reading ----------------------------------------------------------------- */
static const rsess_alloc *alloc_of(const rsess_read_opts *opts) { return opts ? opts->alloc : NULL; }

static size_t inflate_cap(const rsess_read_opts *opts)
{
    return opts && opts->limits.max_inflated ? opts->limits.max_inflated : RSESS_DEFAULT_MAX_INFLATED;
}

/* Parses Marshal bytes into a document that owns a copy of them. Offsets
 * in errors are moved by `base` to point into the outer input when the
 * bytes were not inflated. */
static rsess_doc *read_marshal_keep(const unsigned char *p, size_t len, const rsess_read_opts *opts, size_t base,
                                    bool shift, unsigned keep, rsess_err *err)
{
    rsess_read_opts o = {0};
    if (opts) o = *opts;
    o.flags &= ~(unsigned)(RSESS_READ_BORROW | RSESS_READ_ALLOW_TRAILING) | keep;
    if (len >= 2 && p[0] == 0xcc && p[1] == 0x80) {
        rs_fail(err, RSESS_ERR_UNSUPPORTED, base, "MessagePack payload: Rails' :message_pack serializer is not supported");
        return NULL;
    }
    rsess_doc *doc = rsess_read(p, len, &o, err);
    if (!doc && err && shift) err->offset += base;
    return doc;
}

/* Inside a container the value must end where the container says. */
static rsess_doc *read_marshal(const unsigned char *p, size_t len, const rsess_read_opts *opts, size_t base,
                               bool shift, rsess_err *err)
{
    return read_marshal_keep(p, len, opts, base, shift, 0, err);
}

static bool is_sym_named(const rsess_val *s, const char *name)
{
    size_t n = strlen(name);
    return s && rs_type(s) == RSESS_SYMBOL && s->u.s.len == n && memcmp(s->u.s.p, name, n) == 0;
}

static const char *copy_into(rsess_doc *doc, const void *p, size_t len)
{
    char *d = rs_arena_alloc(&doc->arena, len ? len : 1);
    if (d && len) memcpy(d, p, len);
    return d;
}

static int set_version(rsess_doc *doc, rsess_entry_info *info, const rsess_val *v, size_t at, rsess_err *err)
{
    if (!v || rs_type(v) == RSESS_NIL) return 0;
    if (rs_type(v) != RSESS_STRING) return rs_fail(err, RSESS_ERR_ENTRY, at, "entry version is a %s, not a String", rsess_type_name((rsess_type)rs_type(v)));
    (void)doc;
    info->has_version = 1;
    info->version = v->u.s.p;
    info->version_len = v->u.s.len;
    return 0;
}

static bool number_of(const rsess_val *v, double *out)
{
    if (v && rs_type(v) == RSESS_FLOAT) return *out = rs_fval(v), true;
    if (v && rs_type(v) == RSESS_INT) return *out = (double)rs_ival(v), true;
    return false;
}

static rsess_doc *read_as71(const unsigned char *p, size_t len, const rsess_read_opts *opts, rsess_entry_info *info,
                            rsess_err *err)
{
    if (len < AS71_HEADER) {
        rs_fail(err, RSESS_ERR_TRUNCATED, len, "truncated cache entry: %zu header bytes of 15", len);
        return NULL;
    }
    int type = p[2];
    int base = type & ~COMPRESSED_FLAG;
    if (base < RSESS_ENTRY_OBJECT || base > RSESS_ENTRY_USASCII) {
        rs_fail(err, RSESS_ERR_ENTRY, 2, "unknown cache entry type: 0x%02x", type);
        return NULL;
    }
    double expires_at = load_le_double(p + 3);
    int32_t vlen = load_le_i32(p + 11);
    if (vlen < -1) {
        rs_fail(err, RSESS_ERR_ENTRY, 11, "bad version length: %d", (int)vlen);
        return NULL;
    }
    size_t off = AS71_HEADER;
    if (vlen >= 0 && (size_t)vlen > len - off) {
        rs_fail(err, RSESS_ERR_TRUNCATED, 11, "truncated version: %d bytes declared, %zu left", (int)vlen, len - off);
        return NULL;
    }
    const unsigned char *version = p + off;
    if (vlen > 0) off += (size_t)vlen;
    info->format = RSESS_FORMAT_AS71;
    info->type = base;
    info->compressed = (type & COMPRESSED_FLAG) != 0;
    info->has_expires_at = !(expires_at < 0) && !isnan(expires_at);
    info->expires_at = info->has_expires_at ? expires_at : 0;
    info->header_len = off;
    info->stored_len = len - off;

    rsess_buf inflated;
    rsess_buf_init(&inflated, alloc_of(opts));
    const unsigned char *payload = p + off;
    size_t plen = len - off;
    if (info->compressed) {
        if (rs_inflate(payload, plen, inflate_cap(opts), alloc_of(opts), &inflated, off, err)) {
            rsess_buf_free(&inflated);
            return NULL;
        }
        payload = inflated.data ? inflated.data : (const unsigned char *)"";
        plen = inflated.len;
    }
    info->value_len = plen;
    rsess_doc *doc = NULL;
    if (base == RSESS_ENTRY_OBJECT) {
        doc = read_marshal(payload, plen, opts, off, !info->compressed, err);
    } else {
        doc = rs_doc_create(alloc_of(opts), plen + 128);
        rsess_val *s = doc ? rs_node(doc, RSESS_STRING) : NULL;
        if (s) {
            s->u.s.p = copy_into(doc, payload, plen);
            s->u.s.len = plen;
            s->enc = base == RSESS_ENTRY_UTF8 ? RSESS_ENC_UTF8 : base == RSESS_ENTRY_BINARY ? RSESS_ENC_BINARY : RSESS_ENC_USASCII;
            doc->root = s;
        } else {
            rsess_doc_free(doc);
            doc = NULL;
            rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
        }
    }
    rsess_buf_free(&inflated);
    if (!doc) return NULL;
    if (vlen >= 0) {
        /* A version that starts with 04 08 is Marshal data (Coder#dump_version). */
        info->has_version = 1;
        if (vlen >= 2 && version[0] == 4 && version[1] == 8) {
            rsess_err verr;
            rsess_doc *vd = read_marshal(version, (size_t)vlen, opts, AS71_HEADER, true, &verr);
            const rsess_val *vs = vd ? rsess_doc_root(vd) : NULL;
            if (!vs || rs_type(vs) != RSESS_STRING) {
                if (vd) rs_fail(err, RSESS_ERR_ENTRY, AS71_HEADER, "entry version: Marshal data that is not a String");
                else if (err) *err = verr;
                rsess_doc_free(vd);
                rsess_doc_free(doc);
                return NULL;
            }
            info->version_marshal = 1;
            info->version = copy_into(doc, vs->u.s.p, vs->u.s.len);
            info->version_len = vs->u.s.len;
            rsess_doc_free(vd);
        } else {
            info->version = copy_into(doc, version, (size_t)vlen);
            info->version_len = (size_t)vlen;
        }
        if (!info->version) {
            rsess_doc_free(doc);
            rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
            return NULL;
        }
    }
    return doc;
}

static rsess_doc *read_as70(const unsigned char *p, size_t len, const rsess_read_opts *opts, rsess_entry_info *info,
                            rsess_err *err)
{
    info->format = RSESS_FORMAT_AS70;
    info->compressed = p[0] == 1;
    info->header_len = 1;
    info->stored_len = len - 1;
    rsess_buf inflated;
    rsess_buf_init(&inflated, alloc_of(opts));
    const unsigned char *m = p + 1;
    size_t mlen = len - 1;
    if (info->compressed) {
        if (rs_inflate(m, mlen, inflate_cap(opts), alloc_of(opts), &inflated, 1, err)) {
            rsess_buf_free(&inflated);
            return NULL;
        }
        m = inflated.data ? inflated.data : (const unsigned char *)"";
        mlen = inflated.len;
    }
    info->value_len = mlen;
    rsess_doc *doc = read_marshal(m, mlen, opts, 1, !info->compressed, err);
    rsess_buf_free(&inflated);
    if (!doc) return NULL;
    const rsess_val *a = doc->root;
    /* Entry#pack: [value, expires_at, version] with trailing nils dropped
     * (so a nil value with no expiry and no version is []) */
    if (rs_type(a) != RSESS_ARRAY || a->u.c.n > 3) {
        rsess_doc_free(doc);
        rs_fail(err, RSESS_ERR_ENTRY, 1, "Rails 7.0 entry: expected [value, expires_at, version]");
        return NULL;
    }
    double exp;
    if (a->u.c.n >= 2 && number_of(a->u.c.k[1], &exp)) {
        info->has_expires_at = 1;
        info->expires_at = exp;
    } else if (a->u.c.n >= 2 && rs_type(a->u.c.k[1]) != RSESS_NIL) {
        rsess_doc_free(doc);
        rs_fail(err, RSESS_ERR_ENTRY, 1, "Rails 7.0 entry: expires_at is not a number");
        return NULL;
    }
    if (a->u.c.n == 3 && set_version(doc, info, a->u.c.k[2], 1, err)) {
        rsess_doc_free(doc);
        return NULL;
    }
    doc->root = a->u.c.n ? a->u.c.k[0] : rs_node(doc, RSESS_NIL);
    if (!doc->root) {
        rsess_doc_free(doc);
        rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
        return NULL;
    }
    return doc;
}

/* A Marshal value: a 6.1 Entry object is unwrapped, anything else is the
 * value itself (redis-store, or Rails 7.1's Marshal71WithFallback). */
static rsess_doc *read_marshal_or_61(const unsigned char *p, size_t len, const rsess_read_opts *opts,
                                     rsess_entry_info *info, rsess_err *err)
{
    /* a bare value may be followed by bytes Marshal.load ignores, if asked */
    rsess_doc *doc = read_marshal_keep(p, len, opts, 0, true, RSESS_READ_ALLOW_TRAILING, err);
    if (!doc) return NULL;
    const rsess_val *o = doc->root;
    info->format = RSESS_FORMAT_MARSHAL;
    info->stored_len = info->value_len = len;
    if (rs_type(o) != RSESS_OBJECT || !is_sym_named(o->cls, "ActiveSupport::Cache::Entry")) return doc;
    info->format = RSESS_FORMAT_AS61;
    const rsess_val *value = rsess_field_get(o, "@value", 6);
    const rsess_val *compressed = rsess_field_get(o, "@compressed", 11);
    if (!value) {
        rsess_doc_free(doc);
        rs_fail(err, RSESS_ERR_ENTRY, 2, "Rails 6.1 entry without @value");
        return NULL;
    }
    double created = 0, expires_in = 0;
    info->has_created_at = number_of(rsess_field_get(o, "@created_at", 11), &created);
    info->created_at = created;
    info->has_expires_in = number_of(rsess_field_get(o, "@expires_in", 11), &expires_in);
    info->expires_in = expires_in;
    if (info->has_expires_in) {
        info->has_expires_at = 1;
        info->expires_at = created + expires_in;
    }
    if (set_version(doc, info, rsess_field_get(o, "@version", 8), 2, err)) {
        rsess_doc_free(doc);
        return NULL;
    }
    if (!compressed || rs_type(compressed) == RSESS_NIL || rs_type(compressed) == RSESS_FALSE) {
        doc->root = (rsess_val *)value;
        return doc;
    }
    if (rs_type(value) != RSESS_STRING) {
        rsess_doc_free(doc);
        rs_fail(err, RSESS_ERR_ENTRY, 2, "Rails 6.1 compressed entry whose @value is not a String");
        return NULL;
    }
    info->compressed = 1;
    info->stored_len = value->u.s.len;
    rsess_buf inflated;
    rsess_buf_init(&inflated, alloc_of(opts));
    rsess_doc *inner = NULL;
    if (!rs_inflate((const unsigned char *)value->u.s.p, value->u.s.len, inflate_cap(opts), alloc_of(opts),
                         &inflated, 2, err)) {
        info->value_len = inflated.len;
        inner = read_marshal(inflated.data ? inflated.data : (const unsigned char *)"", inflated.len, opts, 0, false, err);
    }
    rsess_buf_free(&inflated);
    if (inner && info->has_version) { /* keep the version alive with the new document */
        info->version = copy_into(inner, info->version, info->version_len);
        if (!info->version) {
            rsess_doc_free(inner);
            inner = NULL;
            rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
        }
    }
    rsess_doc_free(doc);
    return inner;
}

rsess_doc *rsess_entry_read(const void *data, size_t len, const rsess_read_opts *opts, rsess_entry_info *info,
                            rsess_err *err)
{
    rsess_entry_info scratch;
    if (!info) info = &scratch;
    memset(info, 0, sizeof *info);
    rs_ok(err);
    rsess_read_opts o;
    if (rs_read_opts(opts, &o, err)) return NULL;
    opts = &o;
    const unsigned char *p = data;
    if (!p && len) {
        rs_fail(err, RSESS_ERR_ARG, 0, "no input");
        return NULL;
    }
    size_t max_input = opts && opts->limits.max_input ? opts->limits.max_input : RSESS_DEFAULT_MAX_INPUT;
    if (len > max_input) {
        rs_fail(err, RSESS_ERR_SIZE, 0, "input of %zu bytes is over the limit of %zu", len, max_input);
        return NULL;
    }
    if (len == 0) {
        rs_fail(err, RSESS_ERR_TRUNCATED, 0, "truncated data: empty input");
        return NULL;
    }
    if (len >= 2 && p[0] == 0 && p[1] == 0x11) return read_as71(p, len, opts, info, err);
    if (len >= 2 && p[0] == 4 && p[1] == 8) return read_marshal_or_61(p, len, opts, info, err);
    if (p[0] == 0 || p[0] == 1) return read_as70(p, len, opts, info, err);
    if (len == 1 && p[0] == 4) {
        rs_fail(err, RSESS_ERR_TRUNCATED, 1, "truncated data: no Marshal version");
        return NULL;
    }
    rs_fail(err, RSESS_ERR_FORMAT_UNKNOWN, 0,
            "not a Rails session value: starts with %02x (Marshal starts 04 08, a cache entry 00 11, 00 or 01)", p[0]);
    return NULL;
}

/* --- writing ------------------------------------------------------------------ */
static double now_epoch(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Coder#type_for_string: value.instance_of?(String) with a supported encoding. */
/* Coder#type_for_string: value.instance_of?(String), which a String
 * extended with modules (or holding ivars) still is; a subclass is not. */
static int string_type(const rsess_val *v)
{
    if (rs_type(v) != RSESS_STRING || (rs_x(v) && rs_x(v)->uclass)) return 0;
    switch (rs_enc_of(v)) {
    case RSESS_ENC_UTF8: return RSESS_ENTRY_UTF8;
    case RSESS_ENC_BINARY: return RSESS_ENTRY_BINARY;
    case RSESS_ENC_USASCII: return RSESS_ENTRY_USASCII;
    default: return 0;
    }
}

/* try_compress: deflate only at or above the threshold, keep only if smaller. */
static int maybe_deflate(const rsess_entry_opts *o, const void *p, size_t len, size_t measure, rsess_buf *dst,
                         bool *used)
{
    *used = false;
    size_t threshold = o->compress_threshold ? o->compress_threshold : 1024;
    if (o->no_compress || measure < threshold) return 0;
    int rc = deflate_default(p, len, dst->alloc, dst);
    if (rc) return rc;
    *used = dst->len < measure;
    return 0;
}

static int write_as71(const rsess_val *v, const rsess_entry_opts *o, rsess_buf *out, rsess_err *err)
{
    int type = string_type(v);
    rsess_buf payload, packed, version;
    rsess_buf_init(&payload, out->alloc);
    rsess_buf_init(&packed, out->alloc);
    rsess_buf_init(&version, out->alloc);
    int rc = 0;
    if (type) {
        rc = rs_buf_put(&payload, v->u.s.p, v->u.s.len);
    } else {
        type = RSESS_ENTRY_OBJECT;
        rc = rsess_write(v, &payload, err);
    }
    bool compressed = false;
    if (!rc) rc = maybe_deflate(o, payload.data, payload.len, payload.len, &packed, &compressed);
    if (!rc && o->version) {
        /* dump_version: raw UTF-8 bytes unless not UTF-8 or they look like Marshal */
        if (o->version_enc != RSESS_ENC_UTF8 || (o->version_len >= 2 && o->version[0] == 4 && o->version[1] == 8)) {
            rsess_writer *w = rsess_writer_new(0, out->alloc);
            if (!w) rc = RSESS_ERR_NOMEM;
            else {
                rsess_writer_str(w, o->version, o->version_len, o->version_enc);
                rc = rsess_writer_finish(w, &version, err);
                rsess_writer_free(w);
            }
        } else {
            rc = rs_buf_put(&version, o->version, o->version_len);
        }
        if (!rc && version.len > INT32_MAX) rc = RSESS_ERR_RANGE;
    }
    if (!rc) {
        unsigned char h[AS71_HEADER] = {0, 0x11};
        h[2] = (unsigned char)(type | (compressed ? COMPRESSED_FLAG : 0));
        store_le_double(h + 3, o->has_expires_at ? o->expires_at : -1.0);
        store_le_i32(h + 11, o->version ? (int32_t)version.len : -1);
        const rsess_buf *body = compressed ? &packed : &payload;
        rc = rs_buf_put(out, h, sizeof h);
        if (!rc) rc = rs_buf_put(out, version.data, version.len);
        if (!rc) rc = rs_buf_put(out, body->data, body->len);
    }
    rsess_buf_free(&payload);
    rsess_buf_free(&packed);
    rsess_buf_free(&version);
    return rc;
}

/* Rails 7.0 Entry#pack: Marshal of [value, expires_at, version] with the
 * trailing nils dropped, one dump (symbols and links numbered across the
 * wrapper and the value, as Ruby numbers them). */
static int write_pack70(const rsess_val *v, const double *expires_at, const char *version, size_t vlen,
                        rsess_enc venc, rsess_buf *out, rsess_err *err)
{
    rsess_writer *w = rsess_writer_new(0, out->alloc);
    if (!w) return rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
    size_t n = version ? 3 : expires_at ? 2 : rs_type(v) == RSESS_NIL ? 0 : 1;
    rsess_writer_array(w, n);
    if (n) rsess_writer_value(w, v);
    if (n >= 2) {
        if (expires_at) rsess_writer_float(w, *expires_at);
        else rsess_writer_nil(w);
    }
    if (n == 3) rsess_writer_str(w, version, vlen, venc);
    int rc = rsess_writer_finish(w, out, err);
    rsess_writer_free(w);
    return rc;
}

/* Rails 6.1: Marshal of an ActiveSupport::Cache::Entry object whose @value
 * is v, or the binary String `deflated` when v is NULL (then @compressed). */
static int write_entry61(const rsess_val *v, const void *deflated, size_t dlen, const char *version, size_t vlen,
                         rsess_enc venc, double created_at, const double *expires_in, rsess_buf *out, rsess_err *err)
{
    static const char cls[] = "ActiveSupport::Cache::Entry";
    rsess_writer *w = rsess_writer_new(0, out->alloc);
    if (!w) return rs_fail(err, RSESS_ERR_NOMEM, 0, "out of memory");
    rsess_writer_object(w, cls, sizeof cls - 1, v ? 4 : 5);
    rsess_writer_sym(w, "@value", 6);
    if (v) rsess_writer_value(w, v);
    else rsess_writer_str(w, deflated, dlen, RSESS_ENC_BINARY);
    rsess_writer_sym(w, "@version", 8);
    if (version) rsess_writer_str(w, version, vlen, venc);
    else rsess_writer_nil(w);
    rsess_writer_sym(w, "@created_at", 11);
    rsess_writer_float(w, created_at);
    rsess_writer_sym(w, "@expires_in", 11);
    if (expires_in) rsess_writer_float(w, *expires_in);
    else rsess_writer_nil(w);
    if (!v) {
        rsess_writer_sym(w, "@compressed", 11);
        rsess_writer_bool(w, true);
    }
    int rc = rsess_writer_finish(w, out, err);
    rsess_writer_free(w);
    return rc;
}

static int write_as70(const rsess_val *v, const rsess_entry_opts *o, rsess_buf *out, rsess_err *err)
{
    rsess_buf dumped, packed;
    rsess_buf_init(&dumped, out->alloc);
    rsess_buf_init(&packed, out->alloc);
    int rc = write_pack70(v, o->has_expires_at ? &o->expires_at : NULL, o->version, o->version_len, o->version_enc,
                          &dumped, err);
    bool compressed = false;
    if (!rc) rc = maybe_deflate(o, dumped.data, dumped.len, dumped.len, &packed, &compressed);
    if (!rc) rc = rs_buf_putc(out, compressed ? 1 : 0);
    if (!rc) rc = compressed ? rs_buf_put(out, packed.data, packed.len) : rs_buf_put(out, dumped.data, dumped.len);
    rsess_buf_free(&dumped);
    rsess_buf_free(&packed);
    return rc;
}

/* Rails 6.1 Entry#compress!: sizes nil/true/false/Numeric as 0, a String by
 * its bytes, anything else by its Marshal size; deflates Marshal.dump. */
static int write_as61(const rsess_val *v, const rsess_entry_opts *o, rsess_buf *out, rsess_err *err)
{
    double created = o->has_created_at ? o->created_at : now_epoch();
    bool expires = o->has_expires_in || o->has_expires_at;
    double expires_in = o->has_expires_in ? o->expires_in : o->has_expires_at ? o->expires_at - created : 0;
    rsess_buf dumped, packed;
    rsess_buf_init(&dumped, out->alloc);
    rsess_buf_init(&packed, out->alloc);
    int rc = rsess_write(v, &dumped, err);
    size_t measure = dumped.len;
    /* `when nil, true, false, Numeric`: BigDecimal, Rational and Complex are Numeric */
    if (rs_type(v) == RSESS_NIL || rs_type(v) == RSESS_TRUE || rs_type(v) == RSESS_FALSE || rs_type(v) == RSESS_INT ||
        rs_type(v) == RSESS_BIGNUM || rs_type(v) == RSESS_FLOAT || rsess_is_a(v, "BigDecimal") || rsess_is_a(v, "Rational") ||
        rsess_is_a(v, "Complex"))
        measure = 0;
    else if (rs_type(v) == RSESS_STRING)
        measure = v->u.s.len;
    bool compressed = false;
    if (!rc) rc = maybe_deflate(o, dumped.data, dumped.len, measure, &packed, &compressed);
    if (!rc)
        rc = write_entry61(compressed ? NULL : v, packed.data, packed.len, o->version, o->version_len, o->version_enc,
                           created, expires ? &expires_in : NULL, out, err);
    rsess_buf_free(&dumped);
    rsess_buf_free(&packed);
    return rc;
}

int rsess_entry_write(const rsess_val *v, const rsess_entry_opts *opts, rsess_buf *out, rsess_err *err)
{
    if (!v || !out) return rs_fail(err, RSESS_ERR_ARG, 0, "no value or no output buffer");
    rsess_entry_opts eo;
    int orc = rs_entry_opts(opts, &eo, err);
    if (orc) return orc;
    opts = &eo;
    size_t start = out->len;
    rs_ok(err);
    rsess_entry_opts o = *opts;
    if (o.format != RSESS_FORMAT_AS61 && o.has_expires_in && !o.has_expires_at) {
        o.has_expires_at = 1; /* Entry: expires_in.to_f + Time.now.to_f */
        o.expires_at = o.expires_in + now_epoch();
    }
    opts = &o;
    int rc;
    switch (opts->format) {
    case RSESS_FORMAT_MARSHAL: case RSESS_FORMAT_AS71: rc = write_as71(v, opts, out, err); break;
    case RSESS_FORMAT_AS70: rc = write_as70(v, opts, out, err); break;
    case RSESS_FORMAT_AS61: rc = write_as61(v, opts, out, err); break;
    default: rc = RSESS_ERR_ARG; break;
    }
    if (rc) {
        out->len = start;
        if (!err || err->code == RSESS_OK) rs_fail(err, rc, 0, NULL);
        return rc;
    }
    return 0;
}

/* --- one key -------------------------------------------------------------------- */
rsess_doc *rsess_lookup(const void *data, size_t len, const char *key, size_t keylen, const rsess_read_opts *opts,
                        rsess_err *err)
{
    return rsess_lookup_find(data, len, key, keylen, RSESS_KEY_ANY, opts, err);
}

rsess_doc *rsess_lookup_find(const void *data, size_t len, const char *key, size_t keylen, rsess_key_kind kind,
                             const rsess_read_opts *opts, rsess_err *err)
{
    const unsigned char *p = data;
    rsess_read_opts o;
    if (rs_read_opts(opts, &o, err)) return NULL;
    opts = &o;
    if ((!p && len) || (!key && keylen)) {
        rs_fail(err, RSESS_ERR_ARG, 0, "bad arguments");
        return NULL;
    }
    size_t max_input = opts && opts->limits.max_input ? opts->limits.max_input : RSESS_DEFAULT_MAX_INPUT;
    if (len > max_input) {
        rs_fail(err, RSESS_ERR_SIZE, 0, "input of %zu bytes is over the limit of %zu", len, max_input);
        return NULL;
    }
    if (len >= 2 && p[0] == 4 && p[1] == 8) {
        /* a 6.1 Entry object is not a Hash: decode it in full */
        static const char entry_cls[] = "o: ActiveSupport::Cache::Entry";
        if (len < 2 + sizeof entry_cls - 1 || memcmp(p + 2, entry_cls, sizeof entry_cls - 1) != 0)
            return rs_lookup_marshal(p, len, key, keylen, kind, opts, err);
    }
    if (len >= AS71_HEADER && p[0] == 0 && p[1] == 0x11 && (p[2] & 0x7f) == RSESS_ENTRY_OBJECT) {
        int32_t vlen = load_le_i32(p + 11);
        size_t off = AS71_HEADER + (vlen > 0 ? (size_t)vlen : 0);
        if (vlen >= -1 && off <= len) {
            if (!(p[2] & COMPRESSED_FLAG)) return rs_lookup_marshal(p + off, len - off, key, keylen, kind, opts, err);
            rsess_buf inflated;
            rsess_buf_init(&inflated, alloc_of(opts));
            rsess_doc *doc = NULL;
            if (!rs_inflate(p + off, len - off, inflate_cap(opts), alloc_of(opts), &inflated, off, err))
                doc = rs_lookup_marshal(inflated.data, inflated.len, key, keylen, kind, opts, err);
            rsess_buf_free(&inflated);
            return doc;
        }
    }
    /* 7.0 and 6.1 entries, string entries: the whole value, then the key */
    rsess_doc *doc = rsess_entry_read(data, len, opts, NULL, err);
    if (!doc) return NULL;
    rsess_val *v = rsess_hash_find(doc->root, key, keylen, kind);
    if (!v) {
        bool is_hash = rsess_type_of(doc->root) == RSESS_HASH;
        rsess_doc_free(doc);
        rs_fail(err, is_hash ? RSESS_ERR_NOT_FOUND : RSESS_ERR_VALUE, 0, is_hash ? "no key \"%.*s\" in the session" : "not a Hash: no key \"%.*s\"",
                (int)(keylen > 60 ? 60 : keylen), key);
        return NULL;
    }
    doc->root = v;
    return doc;
}

/* --- the layout, for rsess_explain ------------------------------------------ */
static void utc_text(double t, char *buf, size_t size)
{
    double fl = floor(t);
    struct tm tm;
    time_t sec = fl > -1e15 && fl < 1e15 ? (time_t)fl : 0; /* years beyond any calendar: no date */
    if (!(fl > -1e15 && fl < 1e15) || !gmtime_r(&sec, &tm)) {
        snprintf(buf, size, "?");
        return;
    }
    snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d.%03d UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)((t - fl) * 1000));
}

static rs_entry_part *part(rs_entry_part *parts, size_t *n, int kind, size_t off, size_t len)
{
    rs_entry_part *e = &parts[(*n)++];
    memset(e, 0, sizeof *e);
    e->kind = (uint8_t)kind;
    e->off = off;
    e->len = len;
    return e;
}

/* Rails 7.1 Cache::Coder: 00 11, a type byte (0x80: deflated), expires_at
 * as a little-endian double (negative: never), the version's length as a
 * little-endian int32 (-1: none), the version, the payload. Rails 7.0:
 * a 00/01 compression mark and Marshal of [value, expires_at, version]. */
int rs_entry_layout(const unsigned char *p, size_t len, rs_entry_part *parts, size_t *n, rsess_err *err)
{
    *n = 0;
    if (len >= 2 && p[0] == 0 && p[1] == 0x11) {
        rs_entry_part *e = part(parts, n, EP_FIELD, 0, 2);
        e->title = true;
        snprintf(e->text, sizeof e->text, "ActiveSupport cache entry, Rails 7.1+ format");
        if (len < AS71_HEADER)
            return rs_fail(err, RSESS_ERR_TRUNCATED, len, "truncated cache entry header: %d bytes needed, %zu left",
                           AS71_HEADER, len);
        static const char *const types[] = {"?", "a Marshal-serialized object", "a UTF-8 String", "a binary String",
                                            "a US-ASCII String"};
        int type = p[2], base = type & ~COMPRESSED_FLAG;
        if (base < 1 || base > 4) return rs_fail(err, RSESS_ERR_ENTRY, 2, "unknown cache entry type: 0x%02x", type);
        e = part(parts, n, EP_FIELD, 2, 1);
        snprintf(e->text, sizeof e->text, "type 0x%02x: %s%s", type, types[base],
                 type & COMPRESSED_FLAG ? ", zlib-compressed" : ", not compressed");
        double exp;
        uint64_t u = 0;
        for (int i = 7; i >= 0; i--) u = u << 8 | p[3 + i];
        memcpy(&exp, &u, 8);
        char num[RSESS_FLOAT_TEXT_MAX + 1], when[64];
        num[rsess_float_ruby_text(exp, num)] = 0;
        e = part(parts, n, EP_FIELD, 3, 8);
        if (exp < 0) {
            snprintf(e->text, sizeof e->text, "expires_at %s: never expires", num);
        } else {
            utc_text(exp, when, sizeof when);
            snprintf(e->text, sizeof e->text, "expires_at %s = %s", num, when);
        }
        int32_t vlen = (int32_t)((uint32_t)p[11] | (uint32_t)p[12] << 8 | (uint32_t)p[13] << 16 | (uint32_t)p[14] << 24);
        e = part(parts, n, EP_FIELD, 11, 4);
        if (vlen == -1) snprintf(e->text, sizeof e->text, "version length -1: no version");
        else snprintf(e->text, sizeof e->text, "version length %d", (int)vlen);
        if (vlen < -1) return rs_fail(err, RSESS_ERR_ENTRY, 11, "bad version length: %d", (int)vlen);
        size_t off = AS71_HEADER;
        if (vlen > 0) {
            if ((size_t)vlen > len - off)
                return rs_fail(err, RSESS_ERR_TRUNCATED, off, "truncated version: %d bytes needed, %zu left", (int)vlen,
                               len - off);
            bool marshal = vlen >= 2 && p[off] == 4 && p[off + 1] == 8;
            part(parts, n, marshal ? EP_VERSION_MARSHAL : EP_VERSION_BYTES, off, (size_t)vlen);
            off += (size_t)vlen;
        }
        e = part(parts, n, EP_PAYLOAD, off, len - off);
        e->zlib = (type & COMPRESSED_FLAG) != 0;
        e->content = (uint8_t)(base == 1 ? EC_MARSHAL : base);
        snprintf(e->text, sizeof e->text, "%s", e->zlib ? "inflated payload" : types[base] + 2);
        return 0;
    }
    if (len >= 1 && (p[0] == 0 || p[0] == 1)) {
        rs_entry_part *e = part(parts, n, EP_FIELD, 0, 1);
        e->title = true;
        snprintf(e->text, sizeof e->text, "ActiveSupport cache entry, Rails 7.0 format%s, Marshal of [value, expires_at, version]",
                 p[0] ? ": zlib-compressed" : ": not compressed");
        e = part(parts, n, EP_PAYLOAD, 1, len - 1);
        e->zlib = p[0] != 0;
        e->content = EC_MARSHAL;
        snprintf(e->text, sizeof e->text, "inflated Marshal");
        return 0;
    }
    return rs_fail(err, RSESS_ERR_FORMAT_UNKNOWN, 0, "not a Rails cache entry");
}

bool rs_entry61_deflated(const unsigned char *data, size_t len, size_t *off, size_t *zlen)
{
    rsess_read_opts borrow = {0};
    borrow.flags = RSESS_READ_BORROW; /* views into data: their offsets are offsets in the input */
    rsess_doc *outer = rsess_read(data, len, &borrow, NULL);
    const rsess_val *o = outer ? rsess_doc_root(outer) : NULL;
    size_t zn = 0;
    const char *z = NULL;
    if (o && rs_type(o) == RSESS_OBJECT && is_sym_named(o->cls, "ActiveSupport::Cache::Entry") &&
        rsess_is_true(rsess_field_get(o, "@compressed", 11)))
        z = rsess_str(rsess_field_get(o, "@value", 6), &zn);
    if (z) {
        *off = (size_t)((const unsigned char *)z - data);
        *zlen = zn;
    }
    rsess_doc_free(outer);
    return z != NULL;
}
