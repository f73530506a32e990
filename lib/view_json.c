/* The plain JSON view: what a person or jq wants to see, lossy by design
 * (docs/json-mapping.md). Values JSON holds natively print as Ruby's
 * JSON.generate prints them; the rest map to documented shapes. Shared
 * values are printed again where they recur, within a budget; a cycle
 * prints null. */
#include "internal.h"

#include <stdio.h>

typedef struct jview {
    rsess_buf *out;
    uint8_t *active;
    size_t cap;
    size_t budget; /* values left to print */
    int code;
    size_t depth;
    bool pretty;
} jview;

static void jput(jview *j, const char *s) { if (!j->code && rs_buf_puts(j->out, s)) j->code = RSESS_ERR_NOMEM; }
static void jstr(jview *j, const char *s, size_t n)
{
    if (!j->code && rs_json_string(j->out, s, n)) j->code = RSESS_ERR_NOMEM;
}

static void jnl(jview *j)
{
    if (!j->pretty) return;
    jput(j, "\n");
    for (size_t i = 0; i < j->depth; i++) jput(j, "  ");
}

/* Bytes that are not UTF-8 become {"$binary": base64}. */
static void jbytes(jview *j, const char *s, size_t n)
{
    if (rs_utf8_valid(s, n)) {
        jstr(j, s, n);
        return;
    }
    jput(j, "{\"$binary\":\"");
    if (!j->code && rsess_base64(s, n, j->out)) j->code = RSESS_ERR_NOMEM;
    jput(j, "\"}");
}

static void jvalue(jview *j, const rsess_val *v);

/* Hash keys as Ruby's JSON.generate makes them: key.to_s. */
static void jkey(jview *j, const rsess_val *k)
{
    char tmp[RSESS_FLOAT_TEXT_MAX + 4];
    switch (k->type) {
    case RSESS_STRING: case RSESS_SYMBOL: jbytes(j, k->u.s.p, k->u.s.len); return;
    case RSESS_NIL: jput(j, "\"\""); return;
    case RSESS_TRUE: jput(j, "\"true\""); return;
    case RSESS_FALSE: jput(j, "\"false\""); return;
    case RSESS_INT:
        snprintf(tmp, sizeof tmp, "\"%lld\"", (long long)k->u.i);
        jput(j, tmp);
        return;
    case RSESS_FLOAT: {
        size_t n = rsess_float_ruby_text(k->u.f, tmp);
        jstr(j, tmp, n);
        return;
    }
    default: {
        rsess_buf b;
        rsess_buf_init(&b, j->out->alloc);
        if (rs_print_ruby(k, 0, &b, NULL)) j->code = RSESS_ERR_NOMEM;
        else jstr(j, (const char *)b.data, b.len);
        rsess_buf_free(&b);
    }
    }
}

static bool enter(jview *j, const rsess_val *v)
{
    if (v->id >= j->cap) {
        size_t ncap = j->cap ? j->cap : 64;
        while (ncap <= v->id) ncap *= 2;
        uint8_t *a = rs_realloc(j->out->alloc, j->active, j->cap, ncap);
        if (!a) {
            j->code = RSESS_ERR_NOMEM;
            return false;
        }
        memset(a + j->cap, 0, ncap - j->cap);
        j->active = a;
        j->cap = ncap;
    }
    if (j->active[v->id]) return false;
    j->active[v->id] = 1;
    return true;
}

static void jfields(jview *j, const rsess_val *cls, rsess_val **k, size_t n, bool first)
{
    for (size_t i = 0; i < n && !j->code; i++) {
        jput(j, first && i == 0 ? "" : ",");
        jnl(j);
        jkey(j, k[2 * i]);
        jput(j, j->pretty ? ": " : ":");
        jvalue(j, k[2 * i + 1]);
    }
    (void)cls;
}

static void jclass_open(jview *j, const rsess_val *cls)
{
    jput(j, "{");
    j->depth++;
    jnl(j);
    jput(j, j->pretty ? "\"$class\": " : "\"$class\":");
    if (cls) jstr(j, cls->u.s.p, cls->u.s.len);
    else jput(j, "null");
}

static void jclose(jview *j, const char *c)
{
    j->depth--;
    jnl(j);
    jput(j, c);
}

static void jvalue(jview *j, const rsess_val *v)
{
    char tmp[RSESS_FLOAT_TEXT_MAX + 4];
    if (j->code) return;
    if (j->budget == 0) {
        j->code = RSESS_ERR_NODES;
        return;
    }
    j->budget--;
    if (j->depth > 4096) {
        j->code = RSESS_ERR_DEPTH;
        return;
    }
    switch (v->type) {
    case RSESS_NIL: jput(j, "null"); return;
    case RSESS_TRUE: jput(j, "true"); return;
    case RSESS_FALSE: jput(j, "false"); return;
    case RSESS_INT:
        snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.i);
        jput(j, tmp);
        return;
    case RSESS_BIGNUM:
        if (rs_bignum_decimal((const unsigned char *)v->u.s.p, v->u.s.len, v->flags & F_NEGATIVE, j->out))
            j->code = RSESS_ERR_NOMEM;
        return;
    case RSESS_FLOAT: {
        size_t n = rsess_float_ruby_text(v->u.f, tmp);
        tmp[n] = 0;
        if (tmp[n - 1] == 'N' || tmp[n - 1] == 'y') jstr(j, tmp, n); /* NaN, Infinity */
        else jput(j, tmp);
        return;
    }
    case RSESS_STRING: case RSESS_SYMBOL: jbytes(j, v->u.s.p, v->u.s.len); return;
    case RSESS_CLASS: case RSESS_MODULE: case RSESS_OLDMODULE: jbytes(j, v->u.s.p, v->u.s.len); return;
    case RSESS_REGEXP: {
        rsess_buf b;
        rsess_buf_init(&b, j->out->alloc);
        if (rs_print_ruby(v, 0, &b, NULL)) j->code = RSESS_ERR_NOMEM;
        else jstr(j, (const char *)b.data, b.len);
        rsess_buf_free(&b);
        return;
    }
    default: break;
    }
    if (!enter(j, v)) {
        if (!j->code) jput(j, "null"); /* a cycle */
        return;
    }
    switch (v->type) {
    case RSESS_ARRAY:
        jput(j, "[");
        j->depth++;
        for (size_t i = 0; i < v->u.c.n && !j->code; i++) {
            if (i) jput(j, ",");
            jnl(j);
            jvalue(j, v->u.c.k[i]);
        }
        if (v->u.c.n) jclose(j, "]");
        else j->depth--, jput(j, "]");
        break;
    case RSESS_HASH:
        jput(j, "{");
        j->depth++;
        jfields(j, NULL, v->u.c.k, v->u.c.n, true);
        if (v->u.c.n) jclose(j, "}");
        else j->depth--, jput(j, "}");
        break;
    case RSESS_OBJECT: case RSESS_STRUCT:
        jclass_open(j, v->cls);
        jfields(j, v->cls, v->u.c.k, v->u.c.n, false);
        jclose(j, "}");
        break;
    case RSESS_USERDEF:
        jclass_open(j, v->cls);
        jput(j, j->pretty ? ",\n" : ",");
        if (j->pretty) for (size_t i = 0; i < j->depth; i++) jput(j, "  ");
        jput(j, j->pretty ? "\"$dump\": " : "\"$dump\":");
        jbytes(j, v->u.s.p, v->u.s.len);
        jclose(j, "}");
        break;
    case RSESS_USERMARSHAL: case RSESS_DATA:
        jclass_open(j, v->cls);
        jput(j, j->pretty ? ",\n" : ",");
        if (j->pretty) for (size_t i = 0; i < j->depth; i++) jput(j, "  ");
        jput(j, j->pretty ? "\"$data\": " : "\"$data\":");
        jvalue(j, v->u.one);
        jclose(j, "}");
        break;
    default: j->code = RSESS_ERR_VALUE; break;
    }
    j->active[v->id] = 0;
}

int rs_print_json(const rsess_val *v, unsigned flags, rsess_buf *out, rsess_err *err)
{
    jview j = {0};
    j.out = out;
    j.pretty = flags & RSESS_PRINT_PRETTY;
    j.budget = 1000000; /* shared values fanning out are not expanded forever */
    size_t start = out->len;
    jvalue(&j, v);
    rs_free(out->alloc, j.active, j.cap);
    if (j.code) {
        out->len = start;
        return rs_fail(err, j.code, 0, j.code == RSESS_ERR_NODES ? "JSON output over 1000000 values (shared values fan out)" : NULL);
    }
    return 0;
}
