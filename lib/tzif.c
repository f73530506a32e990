/* Time zone abbreviations from TZif files (RFC 8536), for TimeWithZone's
 * inspect ("CET", "JST"): Rails takes them from tzinfo, which reads the same
 * files. The file is read with the caller's allocator and parsed here; no
 * process-wide state (no TZ, no tzset). After the last transition the
 * footer's POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3") decides. */
#include "internal.h"

#include <stdio.h>

#define ZONEINFO_DIR "/usr/share/zoneinfo/"
#define TZIF_MAX (256 * 1024) /* the largest zone file is ~10 KB */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static int64_t be64(const unsigned char *p) { return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)); }

static bool copy_abbrev(const char *s, size_t n, char *out, size_t outsz)
{
    if (n == 0 || n >= outsz) return false;
    memcpy(out, s, n);
    out[n] = 0;
    return true;
}

/* --- the POSIX TZ footer ------------------------------------------------- */
typedef struct tzrule {
    char kind; /* 'M', 'J' (1..365, no Feb 29) or 'D' (0..365) */
    int m, w, d, day;
    int32_t time; /* seconds after local midnight (may be negative or > 24h) */
} tzrule;

typedef struct posix_tz {
    const char *std, *dst;
    size_t stdlen, dstlen;
    int32_t stdoff, dstoff; /* seconds east of UTC */
    tzrule start, end;
} posix_tz;

static bool parse_name(const char **p, const char *e, const char **name, size_t *len)
{
    const char *s = *p;
    if (s < e && *s == '<') {
        const char *q = memchr(s, '>', (size_t)(e - s));
        if (!q) return false;
        *name = s + 1, *len = (size_t)(q - s - 1), *p = q + 1;
        return *len > 0;
    }
    while (s < e && ((*s | 32) >= 'a' && (*s | 32) <= 'z')) s++;
    *name = *p, *len = (size_t)(s - *p), *p = s;
    return *len >= 3;
}

static bool parse_num(const char **p, const char *e, int *out, int max)
{
    const char *s = *p;
    int v = 0;
    while (s < e && *s >= '0' && *s <= '9' && v <= max) v = v * 10 + (*s++ - '0');
    if (s == *p || v > max) return false;
    *out = v, *p = s;
    return true;
}

/* [+-]hh[:mm[:ss]] as seconds */
static bool parse_hms(const char **p, const char *e, int32_t *out)
{
    int sign = 1, h = 0, m = 0, s = 0;
    if (*p < e && (**p == '+' || **p == '-')) sign = *(*p)++ == '-' ? -1 : 1;
    if (!parse_num(p, e, &h, 167)) return false;
    if (*p < e && **p == ':' && (++*p, !parse_num(p, e, &m, 59))) return false;
    if (*p < e && **p == ':' && (++*p, !parse_num(p, e, &s, 59))) return false;
    *out = sign * (h * 3600 + m * 60 + s);
    return true;
}

static bool parse_rule(const char **p, const char *e, tzrule *r)
{
    r->time = 7200;
    if (*p >= e) return false;
    if (**p == 'M') {
        ++*p;
        r->kind = 'M';
        if (!parse_num(p, e, &r->m, 12) || *p >= e || *(*p)++ != '.' || !parse_num(p, e, &r->w, 5) ||
            *p >= e || *(*p)++ != '.' || !parse_num(p, e, &r->d, 6) || r->m < 1 || r->w < 1)
            return false;
    } else {
        r->kind = **p == 'J' ? (++*p, 'J') : 'D';
        if (!parse_num(p, e, &r->day, 365)) return false;
    }
    if (*p < e && **p == '/') {
        ++*p;
        if (!parse_hms(p, e, &r->time)) return false;
    }
    return true;
}

static bool parse_posix(const char *s, size_t n, posix_tz *z)
{
    const char *p = s, *e = s + n;
    int32_t off;
    memset(z, 0, sizeof *z);
    if (!parse_name(&p, e, &z->std, &z->stdlen) || !parse_hms(&p, e, &off)) return false;
    z->stdoff = -off; /* POSIX offsets count west */
    if (p == e) return true;
    if (!parse_name(&p, e, &z->dst, &z->dstlen)) return false;
    z->dstoff = z->stdoff + 3600;
    if (p < e && *p != ',') {
        if (!parse_hms(&p, e, &off)) return false;
        z->dstoff = -off;
    }
    if (p >= e || *p++ != ',' || !parse_rule(&p, e, &z->start) || p >= e || *p++ != ',' ||
        !parse_rule(&p, e, &z->end))
        return false;
    return p == e;
}

static bool leap_year(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* The day (from 1970-01-01) a rule falls on in year y. */
static int64_t rule_day(const tzrule *r, int64_t y)
{
    int64_t jan1 = rs_days_from_civil(y, 1, 1);
    if (r->kind == 'J') return jan1 + r->day - 1 + (leap_year(y) && r->day >= 60);
    if (r->kind == 'D') return jan1 + r->day;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int len = mdays[r->m - 1] + (r->m == 2 && leap_year(y));
    int64_t first = rs_days_from_civil(y, r->m, 1);
    int wday1 = (int)(((first % 7) + 11) % 7); /* 1970-01-01 was a Thursday (4) */
    int day = 1 + (r->d - wday1 + 7) % 7 + (r->w - 1) * 7;
    while (day > len) day -= 7;
    return first + day - 1;
}

static bool posix_abbrev(const posix_tz *z, int64_t t, char *out, size_t outsz)
{
    if (!z->dst) return copy_abbrev(z->std, z->stdlen, out, outsz);
    int64_t y;
    int m, d;
    rs_civil_from_days((t + z->stdoff) / 86400 - ((t + z->stdoff) % 86400 < 0), &y, &m, &d);
    /* start is given in standard time, end in daylight time */
    int64_t start = rule_day(&z->start, y) * 86400 + z->start.time - z->stdoff;
    int64_t end = rule_day(&z->end, y) * 86400 + z->end.time - z->dstoff;
    bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return dst ? copy_abbrev(z->dst, z->dstlen, out, outsz) : copy_abbrev(z->std, z->stdlen, out, outsz);
}

/* --- TZif ------------------------------------------------------------------ */
typedef struct tzhead {
    uint32_t isut, isstd, leap, time, type, chars;
} tzhead;

static bool read_head(const unsigned char *p, size_t len, size_t at, tzhead *h)
{
    if (at > len || len - at < 44 || memcmp(p + at, "TZif", 4) != 0) return false;
    const unsigned char *c = p + at + 20;
    *h = (tzhead){be32(c), be32(c + 4), be32(c + 8), be32(c + 12), be32(c + 16), be32(c + 20)};
    /* every count is checked against the bytes there are before use */
    return h->type >= 1 && h->type <= 256 && h->time <= len && h->chars <= len && h->leap <= len &&
           h->isut <= len && h->isstd <= len;
}

static uint64_t block_size(const tzhead *h, unsigned tsize)
{
    return (uint64_t)h->time * (tsize + 1) + (uint64_t)h->type * 6 + h->chars + (uint64_t)h->leap * (tsize + 4) +
           h->isstd + h->isut;
}

bool rs_tzif_abbrev(const unsigned char *p, size_t len, int64_t t, char *out, size_t outsz)
{
    tzhead h;
    if (!p || !read_head(p, len, 0, &h)) return false;
    size_t at = 44;
    unsigned tsize = 4;
    if (p[4] >= '2') { /* skip the 32-bit block: the 64-bit one follows */
        uint64_t skip = block_size(&h, 4);
        if (skip > len - at || !read_head(p, len, at + (size_t)skip, &h)) return false;
        at += (size_t)skip + 44;
        tsize = 8;
    }
    uint64_t need = block_size(&h, tsize);
    if (need > len - at) return false;
    const unsigned char *times = p + at, *idx = times + (size_t)h.time * tsize, *types = idx + h.time,
                        *chars = types + (size_t)h.type * 6;
    size_t footer = at + (size_t)need;

    size_t type = 0; /* before the first transition: type 0 (RFC 8536 3.2) */
    size_t lo = 0, hi = h.time; /* the last transition at or before t */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t tt = tsize == 8 ? be64(times + mid * 8) : (int64_t)(int32_t)be32(times + mid * 4);
        if (tt <= t) lo = mid + 1;
        else hi = mid;
    }
    if (lo == h.time && tsize == 8 && footer < len && p[footer] == '\n') { /* past the table: the TZ rule */
        const unsigned char *nl = memchr(p + footer + 1, '\n', len - footer - 1);
        posix_tz z;
        if (nl && nl > p + footer + 1 && parse_posix((const char *)p + footer + 1, (size_t)(nl - p - footer - 1), &z))
            return posix_abbrev(&z, t, out, outsz);
    }
    if (lo > 0) type = idx[lo - 1];
    if (type >= h.type) return false;
    size_t di = types[type * 6 + 5];
    if (di >= h.chars) return false;
    const char *s = (const char *)chars + di;
    const char *nul = memchr(s, 0, h.chars - di);
    return nul && copy_abbrev(s, (size_t)(nul - s), out, outsz);
}

/* An IANA name that is a plain relative path: letters, digits, "_+-", and
 * "/" between parts (no "..", nothing absolute). */
static bool safe_zone_name(const char *s, size_t n)
{
    if (n == 0 || n > 64 || s[0] == '/' || s[n - 1] == '/') return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '+' || c == '-' || (c == '/' && s[i + 1] != '/');
        if (!ok) return false;
    }
    return true;
}

int rs_zone_abbrev(const char *zone, size_t len, int64_t t, const rsess_alloc *a, char *out, size_t outsz)
{
    const char *iana = rs_rails_zone_iana(zone, len);
    size_t n = iana ? strlen(iana) : len;
    if (!iana) iana = zone;
    if (!safe_zone_name(iana, n)) return RSESS_ERR_NOT_FOUND;
    char path[sizeof ZONEINFO_DIR + 64];
    memcpy(path, ZONEINFO_DIR, sizeof ZONEINFO_DIR - 1);
    memcpy(path + sizeof ZONEINFO_DIR - 1, iana, n);
    path[sizeof ZONEINFO_DIR - 1 + n] = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return RSESS_ERR_NOT_FOUND;
    rsess_buf b;
    rsess_buf_init(&b, a);
    unsigned char chunk[4096];
    size_t got;
    int rc = 0;
    while (!rc && (got = fread(chunk, 1, sizeof chunk, fp)) > 0)
        rc = b.len + got > TZIF_MAX ? RSESS_ERR_NOT_FOUND : rsess_buf_append(&b, chunk, got);
    if (!rc && (ferror(fp) || !rs_tzif_abbrev(b.data, b.len, t, out, outsz))) rc = RSESS_ERR_NOT_FOUND;
    fclose(fp);
    rsess_buf_free(&b);
    return rc;
}
