/* Ruby classes with meaning, read from their Marshal forms: Time (ruby/ruby
 * time.c time_mdump/time_mload), Date and DateTime (ruby/date date_core.c
 * d_lite_marshal_dump), BigDecimal (_dump "prec:text"), Rational, Complex,
 * Range and Set (compat dumpers), Exception, and ActiveSupport's
 * TimeWithZone and Duration; plus the session shapes Rails apps share. */
#include "internal.h"

#include <math.h>
#include <stdlib.h>

static bool name_is(const rsess_val *sym, const char *name)
{
    size_t n = strlen(name);
    return sym && rs_type(sym) == RSESS_SYMBOL && sym->u.s.len == n && memcmp(sym->u.s.p, name, n) == 0;
}

bool rsess_is_a(const rsess_val *v, const char *cls)
{
    if (!v || !cls) return 0;
    if (rs_x(v) && rs_x(v)->uclass) return name_is(rs_x(v)->uclass, cls);
    return name_is(rs_cls(v), cls);
}

static rsess_val *ivar(const rsess_val *v, const char *name) { return rsess_ivar_get(v, name, strlen(name)); }
static rsess_val *field(const rsess_val *v, const char *name) { return rsess_field_get(v, name, strlen(name)); }

/* --- Time ------------------------------------------------------------------- */
/* Days from 1970-01-01 to a proleptic Gregorian date (month 1..12). */
int64_t rs_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The proleptic Gregorian date of a day count from 1970-01-01 (inverse of
 * rs_days_from_civil; H. Hinnant's algorithm). */
void rs_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#define RS_TIME_MAX_YEAR 10000000000u

/* Integer or Rational (U:Rational [n, d]) as a fraction; false if neither. */
static bool as_fraction(const rsess_val *v, int64_t *num, int64_t *den)
{
    int64_t n, d = 1;
    if (rsess_int(v, &n)) {
        *num = n;
        *den = 1;
        return true;
    }
    rsess_val *rn, *rd;
    if (rsess_get_rational(v, &rn, &rd) && rsess_int(rn, &n) && rsess_int(rd, &d) && d > 0) {
        *num = n;
        *den = d;
        return true;
    }
    return false;
}

bool rsess_get_time(const rsess_val *v, rsess_time *t)
{
    if (!v || !t || rs_type(v) != RSESS_USERDEF || !name_is(rs_cls(v), "Time") || v->u.s.len < 8) return 0;
    const unsigned char *b = (const unsigned char *)v->u.s.p;
    uint32_t p = le32(b), s = le32(b + 4);
    memset(t, 0, sizeof *t);
    t->exact = 1;
    t->frac_den = 1;
    if (!(p & 0x80000000u)) { /* the pre-1.9 form: seconds and microseconds */
        t->sec = p;
        t->frac_num = s;
        t->frac_den = 1000000;
        t->nsec = s * 1000u;
    } else {
        int64_t year = ((p >> 14) & 0xffff) + 1900;
        int mon = (int)((p >> 10) & 0xf), mday = (int)((p >> 5) & 0x1f), hour = (int)(p & 0x1f);
        int min = (int)((s >> 26) & 0x3f), sec = (int)((s >> 20) & 0x3f);
        int64_t usec = s & 0xfffff;
        if (v->u.s.len > 8) { /* a year outside 1900..67435: w_long(k) + k bytes LE */
            const unsigned char *e = b + 8;
            int k = (signed char)e[0] - 5; /* w_long of a small count */
            if (k < 1 || k > 8 || (size_t)k + 9 > v->u.s.len) return 0;
            uint64_t ext = 0;
            for (int i = 0; i < k; i++) ext |= (uint64_t)e[1 + i] << (8 * i);
            /* seconds must fit in int64: years beyond 10^10 are no rsess_time */
            if (ext > RS_TIME_MAX_YEAR) return 0;
            if (year == 1900) year -= (int64_t)ext;
            else year += (int64_t)ext;
        }
        if (mon >= 12) mon = 11; /* time_mload maps out-of-range months; never written */
        t->sec = rs_days_from_civil(year, mon + 1, mday) * 86400 + hour * 3600 + min * 60 + sec;
        t->utc = (p >> 30) & 1;
        /* sub-microsecond part: nano_num/nano_den (preferred) or submicro BCD */
        int64_t nnum = 0, nden = 1;
        rsess_val *nn = ivar(v, "nano_num"), *nd = ivar(v, "nano_den");
        if (nn && nd) {
            int64_t a, c;
            if (!rsess_int(nn, &a) || !rsess_int(nd, &c) || c <= 0) return 0;
            nnum = a;
            nden = c;
        } else {
            size_t sl;
            const unsigned char *sm = (const unsigned char *)rsess_str(ivar(v, "submicro"), &sl);
            if (sm && sl >= 1) {
                int d100 = sm[0] >> 4, d10 = sm[0] & 15, d1 = sl >= 2 ? sm[1] >> 4 : 0;
                nnum = d100 * 100 + d10 * 10 + d1;
            }
        }
        /* fraction of the second = (usec*1000 + nnum/nden) / 1e9 */
        __int128 num = (__int128)usec * 1000 * nden + nnum, den = (__int128)nden * 1000000000;
        __int128 a = num < 0 ? -num : num, c = den;
        while (c) {
            __int128 r = a % c;
            a = c;
            c = r;
        }
        if (a > 1) num /= a, den /= a;
        if (den > INT64_MAX || num > INT64_MAX) return 0;
        t->frac_num = (int64_t)num;
        t->frac_den = (int64_t)den;
        t->nsec = (uint32_t)(num * 1000000000 / den);
        t->exact = (1000000000 % t->frac_den) == 0;
    }
    int64_t on, od;
    rsess_val *off = ivar(v, "offset");
    if (off && as_fraction(off, &on, &od)) t->utc_offset = (int32_t)(on / od);
    size_t zl;
    const char *z = rsess_str(ivar(v, "zone"), &zl);
    if (z) {
        t->zone = z;
        t->zone_len = zl;
    }
    return 1;
}

/* --- Date ------------------------------------------------------------------- */
#define CM_PERIOD 213447717LL /* date_core.c: (0xfffffff / 71149239) * 71149239 */

/* date_core.c c_jd_to_civil: Julian calendar before sg, Gregorian after. */
static void jd_to_civil(int64_t jd, double sg, int64_t *y, int *m, int *d)
{
    double a;
    if ((double)jd < sg) {
        a = (double)jd;
    } else {
        double x = floor(((double)jd - 1867216.25) / 36524.25);
        a = (double)jd + 1 + x - floor(x / 4.0);
    }
    double b = a + 1524, c = floor((b - 122.1) / 365.25), dd = floor(365.25 * c), e = floor((b - dd) / 30.6001);
    double dom = b - dd - floor(30.6001 * e);
    int mon;
    double year;
    if (e <= 13) {
        mon = (int)(e - 1);
        year = c - 4716;
    } else {
        mon = (int)(e - 13);
        year = c - 4715;
    }
    *y = (int64_t)year;
    *m = mon;
    *d = (int)dom;
}

bool rsess_get_date(const rsess_val *v, rsess_date *d)
{
    if (!v || !d || rs_type(v) != RSESS_USERMARSHAL) return 0;
    bool dt = name_is(rs_cls(v), "DateTime");
    if (!dt && !name_is(rs_cls(v), "Date")) return 0;
    const rsess_val *a = v->u.one;
    if (!a || rs_type(a) != RSESS_ARRAY || a->u.c.n != 6) return 0;
    int64_t nth, jd, df, of, sfn = 0, sfd = 1;
    if (!rsess_int(a->u.c.k[0], &nth) || !rsess_int(a->u.c.k[1], &jd) || !rsess_int(a->u.c.k[2], &df) ||
        !as_fraction(a->u.c.k[3], &sfn, &sfd) || !rsess_int(a->u.c.k[4], &of))
        return 0;
    const rsess_val *sg = a->u.c.k[5];
    memset(d, 0, sizeof *d);
    d->datetime = dt;
    d->start = rs_type(sg) == RSESS_FLOAT ? rs_fval(sg) : rs_type(sg) == RSESS_INT ? (double)rs_ival(sg) : 2299161.0;
    if (nth > 1000000 || nth < -1000000) return 0;
    jd += nth * CM_PERIOD;
    /* jd and df are UTC: the local day and time come from df + of */
    int64_t local = df + of;
    int64_t carry = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    local -= carry * 86400;
    d->jd = jd + carry;
    d->offset = (int32_t)of;
    d->hour = (int)(local / 3600);
    d->minute = (int)(local / 60 % 60);
    d->second = (int)(local % 60);
    d->nsec = (uint32_t)(sfn / sfd);
    jd_to_civil(d->jd, d->start, &d->year, &d->month, &d->day);
    return 1;
}

/* --- BigDecimal, Rational, Complex, Range, Set, Exception ------------------ */
const char *rsess_get_bigdecimal(const rsess_val *v, size_t *len)
{
    if (!v || rs_type(v) != RSESS_USERDEF || !name_is(rs_cls(v), "BigDecimal")) return NULL;
    const char *colon = memchr(v->u.s.p, ':', v->u.s.len);
    const char *s = colon ? colon + 1 : v->u.s.p;
    if (len) *len = v->u.s.len - (size_t)(s - v->u.s.p);
    return s;
}

static int pair_of(const rsess_val *v, const char *cls, rsess_val **a, rsess_val **b)
{
    if (!v || rs_type(v) != RSESS_USERMARSHAL || !name_is(rs_cls(v), cls)) return 0;
    const rsess_val *arr = v->u.one;
    if (!arr || rs_type(arr) != RSESS_ARRAY || arr->u.c.n != 2) return 0;
    if (a) *a = arr->u.c.k[0];
    if (b) *b = arr->u.c.k[1];
    return 1;
}

bool rsess_get_rational(const rsess_val *v, rsess_val **num, rsess_val **den) { return pair_of(v, "Rational", num, den); }
bool rsess_get_complex(const rsess_val *v, rsess_val **re, rsess_val **im) { return pair_of(v, "Complex", re, im); }

bool rsess_get_range(const rsess_val *v, rsess_val **begin, rsess_val **end, int *exclusive)
{
    if (!v || rs_type(v) != RSESS_OBJECT || !name_is(rs_cls(v), "Range")) return 0;
    rsess_val *b = field(v, "begin"), *e = field(v, "end"), *x = field(v, "excl");
    if (!b || !e || !x) return 0;
    if (begin) *begin = b;
    if (end) *end = e;
    if (exclusive) *exclusive = rs_type(x) == RSESS_TRUE;
    return 1;
}

rsess_val *rsess_get_set(const rsess_val *v)
{
    if (!v || rs_type(v) != RSESS_OBJECT || !name_is(rs_cls(v), "Set")) return NULL;
    rsess_val *h = field(v, "@hash");
    return h && rs_type(h) == RSESS_HASH ? h : NULL;
}

rsess_val *rsess_get_exception_message(const rsess_val *v)
{
    if (!v || rs_type(v) != RSESS_OBJECT) return NULL;
    return field(v, "mesg");
}

/* --- ActiveSupport ---------------------------------------------------------- */
bool rsess_get_time_with_zone(const rsess_val *v, rsess_time *utc, const char **zone_name, size_t *zone_len,
                             int32_t *offset)
{
    if (!v || rs_type(v) != RSESS_USERMARSHAL || !name_is(rs_cls(v), "ActiveSupport::TimeWithZone")) return 0;
    const rsess_val *a = v->u.one;
    if (!a || rs_type(a) != RSESS_ARRAY || a->u.c.n != 3) return 0;
    rsess_time u, local;
    size_t zl;
    const char *z = rsess_str(a->u.c.k[1], &zl);
    /* [utc, zone name, local wall clock as a UTC Time] */
    if (!rsess_get_time(a->u.c.k[0], &u) || !z || !rsess_get_time(a->u.c.k[2], &local)) return 0;
    if (utc) *utc = u;
    if (zone_name) *zone_name = z;
    if (zone_len) *zone_len = zl;
    if (offset) *offset = (int32_t)(local.sec - u.sec);
    return 1;
}

bool rsess_get_duration(const rsess_val *v, rsess_val **value, rsess_val **parts)
{
    if (!v || rs_type(v) != RSESS_OBJECT || !name_is(rs_cls(v), "ActiveSupport::Duration")) return 0;
    rsess_val *val = field(v, "@value"), *p = field(v, "@parts");
    if (!val) return 0;
    if (value) *value = val;
    if (parts) *parts = p;
    return 1;
}

/* --- sessions ------------------------------------------------------------------ */
const char *rsess_session_csrf_token(const rsess_val *session, size_t *len)
{
    return rsess_str(rsess_hash_get(session, "_csrf_token", 11), len);
}

bool rsess_session_warden(const rsess_val *session, const char *scope, rsess_val **ids, const char **salt,
                         size_t *salt_len)
{
    if (!scope) return 0;
    char key[256];
    int n = snprintf(key, sizeof key, "warden.user.%s.key", scope);
    if (n < 0 || (size_t)n >= sizeof key) return 0;
    rsess_val *w = rsess_hash_get(session, key, (size_t)n);
    rsess_val *i = rsess_arr_get(w, 0);
    if (rsess_type_of(i) != RSESS_ARRAY) return 0;
    if (ids) *ids = i;
    size_t sl = 0;
    const char *s = rsess_str(rsess_arr_get(w, 1), &sl);
    if (salt) *salt = s;
    if (salt_len) *salt_len = sl;
    return 1;
}

rsess_val *rsess_session_flashes(const rsess_val *session)
{
    rsess_val *f = rsess_hash_get(rsess_hash_get(session, "flash", 5), "flashes", 7);
    return rsess_type_of(f) == RSESS_HASH ? f : NULL;
}
