/* Cache entries: fixtures made by Ruby (Rails' coder rules for 7.1/7.0,
 * real ActiveSupport 6.1), the redis-cli samples, hostile entries. */
#include "testutil.h"

#include <stdbool.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <zlib.h>

#define ENTRY_DIR "fixtures/entries"

typedef struct row {
    char name[300], format[300];
    int compressed;
    int has_exp, has_version, has_created, has_expires_in, no_compress;
    double exp, created, expires_in;
    char version[256];
    size_t version_len;
    size_t threshold;
} row;

static double hex_double(const char *h)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) sscanf(h + 2 * i, "%2hhx", &b[i]);
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--) u = u << 8 | b[i];
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static size_t rows_load(row **out)
{
    size_t len;
    char *text = (char *)read_file(ENTRY_DIR "/manifest.tsv", &len);
    size_t n = 0;
    row *rows = calloc(128, sizeof *rows);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#') continue;
        char f[8][300];
        int k = sscanf(line, "%299s %299s %299s %299s %299s %299s %299s %299s", f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
        ck_assert_int_eq(k, 8);
        row *r = &rows[n++];
        snprintf(r->name, sizeof r->name, "%.200s", f[0]);
        snprintf(r->format, sizeof r->format, "%s", f[1]);
        r->compressed = atoi(f[2]);
        if ((r->has_exp = strcmp(f[3], "-") != 0)) r->exp = hex_double(f[3]);
        if ((r->has_version = strcmp(f[4], "-") != 0) && strcmp(f[4], "=") != 0) {
            r->version_len = strlen(f[4]) / 2;
            for (size_t i = 0; i < r->version_len; i++) sscanf(f[4] + 2 * i, "%2hhx", (unsigned char *)&r->version[i]);
        }
        r->no_compress = !strcmp(f[5], "none");
        r->threshold = r->no_compress ? 0 : (size_t)atol(f[5]);
        if ((r->has_created = strcmp(f[6], "-") != 0)) r->created = hex_double(f[6]);
        if ((r->has_expires_in = strcmp(f[7], "-") != 0)) r->expires_in = hex_double(f[7]);
    }
    free(text);
    ck_assert_uint_gt(n, 40);
    *out = rows;
    return n;
}

static unsigned char *entry_file(const char *name, const char *suffix, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%.200s%s", ENTRY_DIR, name, suffix);
    return read_file(path, len);
}

static rsess_format format_of(const char *f)
{
    return !strcmp(f, "7.1") ? RSESS_FORMAT_AS71 : !strcmp(f, "7.0") ? RSESS_FORMAT_AS70 : RSESS_FORMAT_AS61;
}

START_TEST(entries_decode_to_rubys_value)
{
    row *rows;
    size_t n = rows_load(&rows);
    for (size_t i = 0; i < n; i++) {
        row *r = &rows[i];
        size_t len, vlen;
        unsigned char *data = entry_file(r->name, ".bin", &len), *want = entry_file(r->name, ".value.bin", &vlen);
        rsess_entry_info info;
        rsess_err err;
        rsess_doc *doc = rsess_entry_read(data, len, NULL, &info, &err);
        ck_assert_msg(doc != NULL, "%s: %s", r->name, err.text);
        ck_assert_msg(info.format == format_of(r->format), "%s: format %d", r->name, info.format);
        ck_assert_msg(info.compressed == r->compressed, "%s: compressed %d", r->name, info.compressed);
        ck_assert_msg(info.has_expires_at == r->has_exp, "%s: has expiry %d", r->name, info.has_expires_at);
        if (r->has_exp) ck_assert_msg(info.expires_at == r->exp, "%s: expiry %.17g vs %.17g", r->name, info.expires_at, r->exp);
        ck_assert_msg(info.has_version == r->has_version, "%s: has version", r->name);
        if (r->has_version)
            ck_assert_msg(info.version_len == r->version_len && memcmp(info.version, r->version, r->version_len) == 0,
                          "%s: version", r->name);
        if (r->has_created) ck_assert(info.has_created_at && info.created_at == r->created);
        rsess_buf out = {0};
        ck_assert_int_eq(rsess_write(rsess_doc_root(doc), &out, &err), 0);
        ck_assert_msg(out.len == vlen && memcmp(out.data, want, vlen) == 0, "%s: value differs from Ruby's", r->name);
        rsess_buf_free(&out);
        rsess_doc_free(doc);
        free(data);
        free(want);
    }
    free(rows);
}
END_TEST

START_TEST(entries_written_like_rails)
{
    row *rows;
    size_t n = rows_load(&rows);
    for (size_t i = 0; i < n; i++) {
        row *r = &rows[i];
        size_t len, vlen;
        unsigned char *want = entry_file(r->name, ".bin", &len), *value = entry_file(r->name, ".value.bin", &vlen);
        rsess_doc *doc = rsess_read(value, vlen, NULL, NULL);
        ck_assert(doc != NULL);
        rsess_entry_opts o = {0};
        o.format = format_of(r->format);
        o.no_compress = r->no_compress;
        o.compress_threshold = r->threshold;
        if (r->has_version) {
            o.version = r->version;
            o.version_len = r->version_len;
            if (!strcmp(r->name, "as71_version_binary")) o.version_enc = RSESS_ENC_BINARY;
        }
        if (o.format == RSESS_FORMAT_AS61) {
            o.has_created_at = 1;
            o.created_at = r->created;
            o.has_expires_in = r->has_expires_in;
            o.expires_in = r->expires_in;
        } else {
            o.has_expires_at = r->has_exp;
            o.expires_at = r->exp;
        }
        rsess_buf out = {0};
        rsess_err err;
        ck_assert_msg(rsess_entry_write(rsess_doc_root(doc), &o, &out, &err) == 0, "%s: %s", r->name, err.text);
        ck_assert_msg(out.len == len && memcmp(out.data, want, len) == 0, "%s: written entry differs (%zu vs %zu bytes)",
                      r->name, out.len, len);
        rsess_buf_free(&out);
        rsess_doc_free(doc);
        free(want);
        free(value);
    }
    free(rows);
}
END_TEST

static rsess_doc *sample(const char *file, rsess_entry_info *info)
{
    size_t len;
    char path[256];
    snprintf(path, sizeof path, "../examples/data/%s", file);
    char *text = (char *)read_file(path, &len);
    rsess_buf bytes = {0};
    ck_assert_int_eq(rsess_unquote(text, len, &bytes, NULL), 0);
    rsess_err err;
    rsess_doc *doc = rsess_entry_read(bytes.data, bytes.len, NULL, info, &err);
    ck_assert_msg(doc != NULL, "%s: %s", file, err.text);
    rsess_buf_free(&bytes);
    free(text);
    return doc;
}

static void expect_ruby(rsess_doc *doc, const char *want)
{
    rsess_buf out = {0};
    ck_assert_int_eq(rsess_print(rsess_doc_root(doc), RSESS_VIEW_RUBY, 0, &out, NULL), 0);
    ck_assert_str_eq((const char *)out.data, want);
    rsess_buf_free(&out);
}

START_TEST(rails81_samples)
{
    rsess_entry_info info;
    rsess_doc *doc = sample("cache-entry-hello.txt", &info);
    ck_assert_int_eq(info.format, RSESS_FORMAT_AS71);
    ck_assert_int_eq(info.type, RSESS_ENTRY_OBJECT);
    ck_assert(!info.compressed && !info.has_version && info.has_expires_at);
    ck_assert(info.expires_at == 1769693054.4480495);
    expect_ruby(doc, "{\"message\" => \"hello\"}");
    rsess_doc_free(doc);
    doc = sample("cache-entry-world.txt", &info);
    expect_ruby(doc, "{\"message\" => \"world\"}");
    rsess_doc_free(doc);
    doc = sample("redis-store-value.txt", &info);
    ck_assert_int_eq(info.format, RSESS_FORMAT_MARSHAL);
    expect_ruby(doc, "{\"message\" => \"hello\"}");
    rsess_doc_free(doc);
}
END_TEST

static void expect_entry_error(const unsigned char *p, size_t n, int code)
{
    rsess_err err;
    unsigned char *copy = malloc(n ? n : 1);
    memcpy(copy, p, n);
    ck_assert_ptr_null(rsess_entry_read(copy, n, NULL, NULL, &err));
    ck_assert_msg((int)err.code == code, "code %d, want %d (%s)", err.code, code, err.text);
    free(copy);
}

START_TEST(hostile_entries)
{
    unsigned char h[64] = {0, 0x11, 1, 0, 0, 0, 0, 0, 0, 0xf0, 0xbf};
    /* version length 2^31-1 with a few bytes present */
    h[11] = 0xff, h[12] = 0xff, h[13] = 0xff, h[14] = 0x7f;
    memcpy(h + 15, "\x04\x08" "0", 3);
    expect_entry_error(h, 18, RSESS_ERR_TRUNCATED);
    /* version length -7 */
    h[11] = 0xf9, h[12] = 0xff, h[13] = 0xff, h[14] = 0xff;
    expect_entry_error(h, 18, RSESS_ERR_ENTRY);
    /* unknown type */
    h[2] = 5, h[11] = h[12] = h[13] = h[14] = 0xff;
    expect_entry_error(h, 18, RSESS_ERR_ENTRY);
    /* compressed flag over bytes that are not zlib */
    h[2] = 0x81;
    expect_entry_error(h, 18, RSESS_ERR_ZLIB);
    /* a cut header */
    expect_entry_error(h, 9, RSESS_ERR_TRUNCATED);
    /* neither Marshal nor an entry */
    expect_entry_error((const unsigned char *)"hello", 5, RSESS_ERR_FORMAT_UNKNOWN);
    /* a MessagePack payload inside a 7.1 entry */
    h[2] = 1;
    h[15] = 0xcc, h[16] = 0x80, h[17] = 0xc0;
    expect_entry_error(h, 18, RSESS_ERR_UNSUPPORTED);
    /* 7.0 array of the wrong shape */
    expect_entry_error((const unsigned char *)"\x00\x04\x08i\x06", 5, RSESS_ERR_ENTRY);
}
END_TEST

/* A 7.1 entry whose payload inflates to 300 MB is refused without
 * inflating past the limit (64 MiB by default; 1 MiB here as well). */
START_TEST(inflate_bomb_refused)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    ck_assert_int_eq(deflateInit(&z, 9), Z_OK);
    static unsigned char zeros[1 << 20];
    size_t cap = 1 << 20, n = 15;
    unsigned char *out = malloc(cap);
    memcpy(out, "\x00\x11\x81\x00\x00\x00\x00\x00\x00\xf0\xbf\xff\xff\xff\xff", 15);
    for (int i = 0; i < 300; i++) {
        z.next_in = zeros;
        z.avail_in = sizeof zeros;
        int flush = i == 299 ? Z_FINISH : Z_NO_FLUSH;
        do {
            if (cap - n < 65536) out = realloc(out, cap *= 2);
            z.next_out = out + n;
            z.avail_out = (unsigned)(cap - n);
            deflate(&z, flush);
            n = cap - z.avail_out;
        } while (z.avail_out == 0 || (flush == Z_FINISH && z.avail_in));
    }
    deflateEnd(&z);
    ck_assert_uint_lt(n, 2 << 20);
    counting_alloc c = {0};
    rsess_alloc hooks = counting_hooks(&c);
    rsess_read_opts opts = {0};
    opts.alloc = &hooks;
    rsess_err err;
    ck_assert_ptr_null(rsess_entry_read(out, n, &opts, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_INFLATE);
    ck_assert_int_eq(c.live, 0);
    opts.limits.max_inflated = 1 << 20;
    ck_assert_ptr_null(rsess_entry_read(out, n, &opts, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_INFLATE);
    free(out);
}
END_TEST

START_TEST(entry_prefixes_and_allocation_failures)
{
    row *rows;
    size_t n = rows_load(&rows);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        unsigned char *data = entry_file(rows[i].name, ".bin", &len);
        /* a 7.1 string payload has no end marker: its prefixes are strings */
        bool string71 = len > 2 && data[0] == 0 && data[1] == 0x11 && (data[2] & 0x7f) > 1 && !(data[2] & 0x80);
        size_t upto = string71 ? 15 : len;
        for (size_t k = 0; k < upto; k++) {
            unsigned char *copy = malloc(k ? k : 1);
            memcpy(copy, data, k);
            rsess_err err;
            rsess_doc *d = rsess_entry_read(copy, k, NULL, NULL, &err);
            ck_assert_msg(d == NULL, "%s: prefix %zu parsed", rows[i].name, k);
            ck_assert_msg(err.code == RSESS_ERR_TRUNCATED || err.code == RSESS_ERR_ZLIB || err.code == RSESS_ERR_ENTRY,
                          "%s: prefix %zu: %d %s", rows[i].name, k, err.code, err.text);
            free(copy);
        }
        for (long k = 1;; k++) {
            counting_alloc c = {0};
            c.fail_at = k;
            rsess_alloc h = counting_hooks(&c);
            rsess_read_opts opts = {0};
            opts.alloc = &h;
            rsess_err err;
            rsess_doc *d = rsess_entry_read(data, len, &opts, NULL, &err);
            ck_assert_int_eq(c.live, d ? c.live : 0);
            if (d) {
                rsess_doc_free(d);
                ck_assert_int_eq(c.live, 0);
                break;
            }
            ck_assert_msg(err.code == RSESS_ERR_NOMEM, "%s: alloc %ld: %d", rows[i].name, k, err.code);
        }
        free(data);
    }
    free(rows);
}
END_TEST

/* The benchmark's entries (bench/make_payloads.rb: the 7.1 header around
 * Ruby's Zlib.deflate of Ruby's Marshal.dump, compressed even where that is
 * larger) hold the payload beside them: written back, the value is Ruby's
 * Marshal bytes, which Ruby checked load back to the value. */
START_TEST(bench_entries_hold_their_payloads)
{
    const char *names[] = {"hello", "typical", "cart", "strings", "many_hashes", "records"};
    for (int i = 0; i < 6; i++) {
        char path[128];
        size_t len, elen;
        snprintf(path, sizeof path, "../bench/payloads/%s.bin", names[i]);
        unsigned char *data = read_file(path, &len);
        snprintf(path, sizeof path, "../bench/payloads/%s.e71", names[i]);
        unsigned char *entry = read_file(path, &elen);
        rsess_entry_info info;
        rsess_err err;
        rsess_doc *d = rsess_entry_read(entry, elen, NULL, &info, &err);
        ck_assert_msg(d, "%s: %s", path, err.text);
        ck_assert(info.format == RSESS_FORMAT_AS71 && info.compressed && info.type == RSESS_ENTRY_OBJECT);
        ck_assert(info.has_expires_at && info.expires_at == 1769693054.4480495 && !info.has_version);
        ck_assert_uint_eq(info.value_len, len);
        rsess_buf out = {0};
        ck_assert_int_eq(rsess_write(rsess_doc_root(d), &out, NULL), 0);
        ck_assert_msg(out.len == len && memcmp(out.data, data, len) == 0, "%s: not the payload's value", path);
        rsess_buf_free(&out);
        rsess_doc_free(d);
        free(entry);
        free(data);
    }
}
END_TEST

/* --- coverage (issue 18) ------------------------------------------------ */

/* The entry readers' and writers' refusals, with codes and offsets. */
START_TEST(entry_refusals)
{
    rsess_err err;
    ck_assert_ptr_null(rsess_entry_read(NULL, 3, NULL, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_ARG);
    rsess_read_opts o;
    rsess_read_opts_init(&o);
    o.limits.max_input = 2;
    ck_assert_ptr_null(rsess_entry_read("\x04\x08T", 3, &o, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_SIZE);
    ck_assert_ptr_null(rsess_lookup("\x04\x08{\x00", 4, "k", 1, &o, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_SIZE);
    ck_assert_ptr_null(rsess_lookup(NULL, 4, "k", 1, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_ARG);
    ck_assert_ptr_null(rsess_lookup("\x04\x08{\x00", 4, NULL, 1, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_ARG);
    ck_assert_ptr_null(rsess_lookup("\x04\x08[\x00", 4, "k", 1, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_VALUE);
    ck_assert_ptr_null(rsess_lookup("\x07", 1, "k", 1, NULL, &err));
    ck_assert_int_eq(err.code, RSESS_ERR_FORMAT_UNKNOWN);
    ck_assert_uint_eq(err.offset, 0);

    ck_assert_str_eq(rsess_format_name(RSESS_FORMAT_AS61), "activesupport-6.1");
    ck_assert_str_eq(rsess_format_name((rsess_format)9), "unknown");

    rsess_doc *doc = rsess_doc_new(NULL);
    rsess_val *v = rsess_new_int(doc, 1);
    rsess_buf out;
    rsess_buf_init(&out, NULL);
    ck_assert_int_eq(rsess_entry_write(NULL, NULL, &out, &err), RSESS_ERR_ARG);
    ck_assert_int_eq(rsess_entry_write(v, NULL, NULL, &err), RSESS_ERR_ARG);
    rsess_entry_opts eo;
    rsess_entry_opts_init(&eo);
    eo.format = (rsess_format)9;
    rsess_buf_append(&out, "ab", 2);
    ck_assert_int_eq(rsess_entry_write(v, &eo, &out, &err), RSESS_ERR_ARG);
    ck_assert_uint_eq(out.len, 2); /* nothing appended */
    eo.format = RSESS_FORMAT_AS71;
    eo.size = sizeof eo + 1;
    ck_assert_int_eq(rsess_entry_write(v, &eo, &out, &err), RSESS_ERR_ARG);
    ck_assert_uint_eq(out.len, 2);
    rsess_buf_free(&out);
    rsess_doc_free(doc);
}
END_TEST

/* A relative expiry is stored as now + expires_in (Entry#initialize:
 * expires_in.to_f + Time.now.to_f), and 6.1's @created_at defaults to now. */
START_TEST(entry_times_from_now)
{
    rsess_doc *doc = rsess_doc_new(NULL);
    rsess_val *v = rsess_new_str(doc, "x", 1, RSESS_ENC_UTF8);
    rsess_format formats[] = {RSESS_FORMAT_AS71, RSESS_FORMAT_AS70, RSESS_FORMAT_AS61};
    for (int i = 0; i < 3; i++) {
        rsess_entry_opts eo;
        rsess_entry_opts_init(&eo);
        eo.format = formats[i];
        eo.has_expires_in = 1;
        eo.expires_in = 300;
        rsess_buf out;
        rsess_buf_init(&out, NULL);
        rsess_err err;
        /* the library's clock (gettimeofday): time() may run apart from it */
        struct timeval tv;
        gettimeofday(&tv, NULL);
        double before = (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
        ck_assert_int_eq(rsess_entry_write(v, &eo, &out, &err), 0);
        gettimeofday(&tv, NULL);
        double after = (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
        rsess_entry_info info;
        rsess_doc *back = rsess_entry_read(out.data, out.len, NULL, &info, &err);
        ck_assert_msg(back != NULL, "%s", err.text);
        ck_assert_int_eq(info.format, formats[i]);
        ck_assert(info.has_expires_at);
        ck_assert_msg(info.expires_at >= before + 300 && info.expires_at <= after + 300, "format %d: expires %f",
                      formats[i], info.expires_at);
        if (formats[i] == RSESS_FORMAT_AS61) {
            ck_assert(info.has_created_at && info.created_at >= before && info.created_at <= after);
            ck_assert(info.has_expires_in && info.expires_in == 300);
        }
        rsess_doc_free(back);
        rsess_buf_free(&out);
    }
    rsess_doc_free(doc);
}
END_TEST

/* rsess_lookup gives, for every key of every session-like fixture, what the
 * full decode gives (Ruby text and typed JSON), and NOT_FOUND otherwise. */
static size_t lookup_all_keys(const unsigned char *data, size_t len, const char *name)
{
    rsess_doc *full = rsess_entry_read(data, len, NULL, NULL, NULL);
    if (!full) return 0;
    rsess_val *h = rsess_doc_root(full);
    size_t checked = 0;
    if (rsess_type_of(h) == RSESS_HASH) {
        for (size_t i = 0; i < rsess_len(h); i++) {
            size_t kl;
            const char *k = rsess_bytes(rsess_hash_key(h, i), &kl);
            if (!k || rsess_hash_get(h, k, kl) != rsess_hash_val(h, i)) continue; /* not a String/Symbol, or a repeat */
            rsess_err err;
            rsess_doc *one = rsess_lookup(data, len, k, kl, NULL, &err);
            ck_assert_msg(one, "%s: key %.*s: %s", name, (int)kl, k, err.text);
            for (int view = 0; view < 2; view++) {
                char *a = show_value(rsess_hash_val(h, i), (rsess_view)view), *b = show_value(rsess_doc_root(one), (rsess_view)view);
                ck_assert_msg(!strcmp(a, b), "%s: key %.*s:\n  lookup %s\n  full   %s", name, (int)kl, k, b, a);
                free(a);
                free(b);
            }
            rsess_doc_free(one);
            checked++;
        }
        rsess_err err;
        ck_assert_ptr_null(rsess_lookup(data, len, "no such key", 11, NULL, &err));
        ck_assert_int_eq(err.code, RSESS_ERR_NOT_FOUND);
    }
    rsess_doc_free(full);
    return checked;
}

START_TEST(lookup_matches_full_decode)
{
    size_t count, checked = 0;
    char **names = fixture_names(&count);
    for (size_t i = 0; i < count; i++) {
        size_t len;
        unsigned char *data = read_fixture(names[i], &len);
        checked += lookup_all_keys(data, len, names[i]);
        free(data);
    }
    free_names(names);
    row *rows;
    size_t n = rows_load(&rows);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        unsigned char *data = entry_file(rows[i].name, ".bin", &len);
        checked += lookup_all_keys(data, len, rows[i].name);
        free(data);
    }
    free(rows);
    const char *extra[] = {"../bench/payloads/typical.bin", "../bench/payloads/cart.bin", "fixtures/types/session_rails.bin"};
    for (int i = 0; i < 3; i++) {
        size_t len;
        unsigned char *data = read_file(extra[i], &len);
        checked += lookup_all_keys(data, len, extra[i]);
        free(data);
    }
    ck_assert_uint_gt(checked, 60);
}
END_TEST

/* A value that links to an object written before it, in a skipped value. */
START_TEST(lookup_resolves_links_into_skipped_values)
{
    /* {"a" => s, "b" => [s, s]} with s one String: "b"'s items link to it */
    rsess_doc *d = rsess_doc_new(NULL);
    rsess_val *h = rsess_new_hash(d), *s = rsess_new_str(d, "shared", 6, RSESS_ENC_UTF8), *a = rsess_new_array(d);
    rsess_arr_push(d, a, s);
    rsess_arr_push(d, a, s);
    rsess_hash_push_strkey(d, h, "a", 1, RSESS_ENC_UTF8, s);
    rsess_hash_push_strkey(d, h, "b", 1, RSESS_ENC_UTF8, a);
    rsess_buf m = {0};
    ck_assert_int_eq(rsess_write(h, &m, NULL), 0);
    rsess_err err;
    rsess_doc *one = rsess_lookup(m.data, m.len, "b", 1, NULL, &err);
    ck_assert_msg(one, "%s", err.text);
    rsess_val *v = rsess_doc_root(one);
    size_t n;
    ck_assert(rsess_len(v) == 2 && !memcmp(rsess_str(rsess_arr_get(v, 1), &n), "shared", 6));
    ck_assert_ptr_eq(rsess_arr_get(v, 0), rsess_arr_get(v, 1));
    rsess_doc_free(one);
    rsess_buf_free(&m);
    rsess_doc_free(d);
}
END_TEST

Suite *entry_suite(void)
{
    Suite *s = suite_create("entry");
    TCase *t = tcase_create("entry");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, entries_decode_to_rubys_value);
    tcase_add_test(t, entries_written_like_rails);
    tcase_add_test(t, rails81_samples);
    tcase_add_test(t, hostile_entries);
    tcase_add_test(t, inflate_bomb_refused);
    tcase_add_test(t, entry_prefixes_and_allocation_failures);
    tcase_add_test(t, bench_entries_hold_their_payloads);
    tcase_add_test(t, entry_refusals);
    tcase_add_test(t, entry_times_from_now);
    suite_add_tcase(s, t);
    TCase *l = tcase_create("lookup");
    tcase_set_timeout(l, 60);
    tcase_add_test(l, lookup_matches_full_decode);
    tcase_add_test(l, lookup_resolves_links_into_skipped_values);
    suite_add_tcase(s, l);
    return s;
}
