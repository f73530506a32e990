/* JSON text -> a tree of rs_jnode (from_json.c and from_typed.c build
 * documents from it).
 *
 * Iterative: the containers being read are kept on a heap-grown stack and
 * their finished children on a second one, so nesting depth is a memory
 * question (bounded by max_depth), never a C-stack one.
 *
 * Two dialects:
 * - strict (RFC 8259): valid UTF-8, the eight escapes and \uXXXX with
 *   surrogates in pairs, no comments;
 * - RS_JSON_RUBY: what Ruby's JSON.parse accepts (json 2.6, the parser of
 *   Debian's Ruby 3.1, ext/json/ext/parser/parser.rl): C and C++ style
 *   comments wherever white space may be (a // comment needs its newline),
 *   raw bytes >= 0x20 kept as they are (invalid UTF-8 too), a backslash
 *   before any other character standing for that character, and its
 *   surrogate rules (json_string_unescape): a lone low surrogate becomes its
 *   3-byte form; a high one takes whatever \uXXXX follows as its partner,
 *   becomes "?" (and swallows the next byte) when something else follows,
 *   and is an error when fewer than 6 bytes of the string are left.
 *
 * And flags for the session cookie's payloads (RS_JSON_COOKIE, cookie.c):
 * the strict grammar, but string bytes kept as they are, a lone surrogate
 * escape in its 3-byte form, integers of at most RS_JSON_MAX_DIGITS digits
 * and syntax errors reported as RSESS_ERR_FORMAT.
 *
 * Strings are (pointer, length): into the text when they have no escapes,
 * into the tree's arena otherwise, so "\u0000" is a byte like any other.
 * Numbers are kept as their text, so integers of any size stay exact. */
#include "internal.h"

#include <stdlib.h>

typedef struct jframe {
    rs_jnode *node;
    size_t base; /* first child's index in the value stack */
} jframe;

typedef struct jr {
    const unsigned char *s;
    size_t n, i;
    unsigned mode;
    size_t max_depth;
    size_t nodes_left;
    rs_arena *arena;
    const rsess_alloc *alloc;
    rsess_err *err;
    rs_jnode **vals;
    size_t nvals, capvals;
    jframe *frames;
    size_t nframes, capframes;
    int rc; /* the first error */
    int syntax_code; /* RSESS_ERR_JSON, or RSESS_ERR_FORMAT (RS_JSON_FORMAT_ERRORS) */
} jr;

static int syntax(jr *r, size_t at, const char *what)
{
    int code = r->rc = r->syntax_code;
    if (at >= r->n) return rs_fail(r->err, code, at, "bad JSON: %s (at the end of the text)", what);
    unsigned char c = r->s[at];
    if (c > 0x20 && c < 0x7f) return rs_fail(r->err, code, at, "bad JSON: %s (found '%c')", what, c);
    return rs_fail(r->err, code, at, "bad JSON: %s (found byte 0x%02x)", what, c);
}

static int nomem(jr *r) { return r->rc = rs_fail(r->err, RSESS_ERR_NOMEM, r->i, "out of memory"); }

/* White space; in Ruby's dialect comments too. */
static int skip_ws(jr *r)
{
    while (r->i < r->n) {
        unsigned char c = r->s[r->i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            r->i++;
            continue;
        }
        if (c != '/' || !(r->mode & RS_JSON_RUBY)) return 0;
        size_t start = r->i;
        if (r->i + 1 < r->n && r->s[r->i + 1] == '*') {
            size_t j = r->i + 2;
            while (j + 1 < r->n && !(r->s[j] == '*' && r->s[j + 1] == '/')) j++;
            if (j + 1 >= r->n) return syntax(r, r->n, "unterminated /* comment");
            r->i = j + 2;
        } else if (r->i + 1 < r->n && r->s[r->i + 1] == '/') {
            const void *nl = memchr(r->s + r->i, '\n', r->n - r->i);
            if (!nl) return syntax(r, r->n, "a // comment without its newline");
            r->i = (size_t)((const unsigned char *)nl - r->s) + 1;
        } else {
            return syntax(r, start, "expected a comment after '/'");
        }
    }
    return 0;
}

static rs_jnode *new_node(jr *r, int type, size_t off)
{
    if (r->nodes_left == 0) {
        r->rc = rs_fail(r->err, RSESS_ERR_NODES, off, "more JSON values than the limit");
        return NULL;
    }
    r->nodes_left--;
    rs_jnode *n = rs_arena_alloc(r->arena, sizeof *n);
    if (!n) return nomem(r), NULL;
    memset(n, 0, sizeof *n);
    n->type = (uint8_t)type;
    n->off = off;
    return n;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 32;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* The code unit of four hex digits; U+FFFD (never a surrogate) when one
 * is not a hex digit, as json's unescape_unicode gives it: a look-ahead
 * past the escape the scan checked, or Ruby's dialect reading escapes
 * from where a dropped byte left it. */
static unsigned hex4(const unsigned char *p)
{
    int a = hexval(p[0]), b = hexval(p[1]), c = hexval(p[2]), d = hexval(p[3]);
    if ((a | b | c | d) < 0) return 0xfffd;
    return (unsigned)a << 12 | (unsigned)b << 8 | (unsigned)c << 4 | (unsigned)d;
}

static size_t put_utf8(unsigned char *o, unsigned cp)
{
    if (cp < 0x80) return o[0] = (unsigned char)cp, 1;
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xc0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xe0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (unsigned char)(0xf0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Finds the closing quote of the string starting at r->i (a '"'), checking
 * the grammar of its content; sets *esc when it holds a backslash. */
static int scan_string(jr *r, size_t *end, bool *esc)
{
    size_t j = r->i + 1;
    bool ruby = r->mode & RS_JSON_RUBY;
    *esc = false;
    for (;;) {
        if (j >= r->n) return syntax(r, r->n, "unterminated string");
        unsigned char c = r->s[j];
        if (c == '"') break;
        if (c < 0x20) return syntax(r, j, "a control character in a string (write it as \\u00XX)");
        if (c == '\\') {
            *esc = true;
            if (j + 1 >= r->n) return syntax(r, r->n, "unterminated string");
            unsigned char e = r->s[j + 1];
            if (e == 'u') {
                for (int k = 2; k < 6; k++)
                    if (j + k >= r->n || hexval(r->s[j + k]) < 0) return syntax(r, j, "\\u needs four hex digits");
                j += 6;
                continue;
            }
            if (e < 0x20) return syntax(r, j + 1, "a control character after a backslash");
            if (!ruby && !strchr("\"\\/bfnrt", e)) return syntax(r, j, "an unknown escape");
            j += 2;
            continue;
        }
        if (c >= 0x80 && !ruby && !(r->mode & RS_JSON_RAW_BYTES)) {
            /* strict: one whole valid UTF-8 sequence */
            size_t k = j + 1;
            while (k < r->n && k < j + 4 && (r->s[k] & 0xc0) == 0x80) k++;
            if (!rs_utf8_valid((const char *)r->s + j, k - j)) return syntax(r, j, "invalid UTF-8 in a string");
            j = k;
            continue;
        }
        j++;
    }
    *end = j;
    return 0;
}

/* Decodes the content s[a..b) (escapes present) into o; returns the length
 * or (size_t)-1 with the error set. Ruby's json_string_unescape rules in
 * Ruby's dialect, RFC 8259's otherwise. */
static size_t unescape(jr *r, size_t a, size_t b, unsigned char *o)
{
    const unsigned char *s = r->s;
    bool ruby = r->mode & RS_JSON_RUBY, lone = r->mode & RS_JSON_LONE_SURROGATES;
    size_t p = a, pe = a, n = 0;
    while (pe < b) {
        if (s[pe] != '\\') {
            pe++;
            continue;
        }
        memcpy(o + n, s + p, pe - p);
        n += pe - p;
        size_t at = pe;
        unsigned char e = s[++pe], buf[4];
        const unsigned char *u = buf;
        size_t ulen = 1;
        switch (e) {
        case 'n': buf[0] = '\n'; break;
        case 'r': buf[0] = '\r'; break;
        case 't': buf[0] = '\t'; break;
        case 'b': buf[0] = '\b'; break;
        case 'f': buf[0] = '\f'; break;
        case '"': buf[0] = '"'; break;
        case '\\': buf[0] = '\\'; break;
        case 'u': {
            /* four digits up to the closing quote at b (json's parser.rl:
             * "pe > stringEnd - 4"); the scan checked them, but Ruby's
             * dialect can drop a byte after a lone high surrogate, and the
             * escapes after it are then read from where it is */
            if (pe + 4 > b) {
                syntax(r, at, "incomplete unicode character escape sequence");
                return (size_t)-1;
            }
            unsigned ch = hex4(s + pe + 1);
            pe += 4; /* the last hex digit */
            if ((ch & 0xfc00) == 0xd800) {
                if (lone && !ruby) {
                    /* a pair when its low half follows, else the lone one */
                    if (pe + 6 < b && s[pe + 1] == '\\' && s[pe + 2] == 'u' &&
                        (hex4(s + pe + 3) & 0xfc00) == 0xdc00) {
                        ch = 0x10000 + ((ch & 0x3ff) << 10) + (hex4(s + pe + 3) & 0x3ff);
                        pe += 6;
                    }
                } else if (!ruby) {
                    if (pe + 6 >= b || s[pe + 1] != '\\' || s[pe + 2] != 'u' ||
                        (hex4(s + pe + 3) & 0xfc00) != 0xdc00) {
                        syntax(r, at, "a high surrogate without its low surrogate");
                        return (size_t)-1;
                    }
                    ch = 0x10000 + ((ch & 0x3ff) << 10) + (hex4(s + pe + 3) & 0x3ff);
                    pe += 6;
                } else {
                    pe++;
                    if (pe + 6 > b) {
                        syntax(r, at, "incomplete surrogate pair");
                        return (size_t)-1;
                    }
                    if (s[pe] == '\\' && s[pe + 1] == 'u') {
                        unsigned sur = hex4(s + pe + 2);
                        ch = ((ch & 0x3f) << 10) | ((((ch >> 6) & 0xf) + 1) << 16) | (sur & 0x3ff);
                        pe += 5;
                    } else {
                        buf[0] = '?'; /* and the byte at pe is dropped */
                        break;
                    }
                }
            } else if ((ch & 0xfc00) == 0xdc00 && !ruby && !lone) {
                syntax(r, at, "a low surrogate without its high surrogate");
                return (size_t)-1;
            }
            ulen = put_utf8(buf, ch);
            break;
        }
        default:
            /* '/' (and, in Ruby's dialect, any other character): the
             * backslash is dropped, the character kept */
            p = pe;
            continue;
        }
        memcpy(o + n, u, ulen);
        n += ulen;
        p = ++pe;
    }
    memcpy(o + n, s + p, pe - p);
    return n + (pe - p);
}

static rs_jnode *string_node(jr *r)
{
    size_t end = 0;
    bool esc;
    if (scan_string(r, &end, &esc)) return NULL;
    rs_jnode *nd = new_node(r, RS_J_STR, r->i);
    if (!nd) return NULL;
    size_t a = r->i + 1;
    if (!esc) {
        nd->p = (const char *)r->s + a;
        nd->len = end - a;
    } else {
        /* escapes only shrink the text (\uXXXX: 6 bytes -> at most 3;
         * a pair, 12 -> 4; "?" for 7) */
        unsigned char *o = rs_arena_alloc(r->arena, end - a + 1);
        if (!o) return nomem(r), NULL;
        size_t len = unescape(r, a, end, o);
        if (len == (size_t)-1) return NULL;
        nd->p = (const char *)o;
        nd->len = len;
    }
    r->i = end + 1;
    return nd;
}

static rs_jnode *number_node(jr *r)
{
    size_t j = r->i;
    const unsigned char *s = r->s;
    bool integral = true;
    if (j < r->n && s[j] == '-') j++;
    if (j >= r->n || s[j] < '0' || s[j] > '9') return syntax(r, j, "a digit expected"), NULL;
    if (s[j] == '0') j++;
    else
        while (j < r->n && s[j] >= '0' && s[j] <= '9') j++;
    if (j < r->n && s[j] == '.') {
        integral = false;
        if (++j >= r->n || s[j] < '0' || s[j] > '9') return syntax(r, j, "a digit expected after '.'"), NULL;
        while (j < r->n && s[j] >= '0' && s[j] <= '9') j++;
    }
    if (j < r->n && (s[j] == 'e' || s[j] == 'E')) {
        integral = false;
        j++;
        if (j < r->n && (s[j] == '+' || s[j] == '-')) j++;
        if (j >= r->n || s[j] < '0' || s[j] > '9') return syntax(r, j, "a digit expected in the exponent"), NULL;
        while (j < r->n && s[j] >= '0' && s[j] <= '9') j++;
    }
    if (integral && (r->mode & RS_JSON_DIGIT_LIMIT) && j - r->i > RS_JSON_MAX_DIGITS)
        return r->rc = rs_fail(r->err, RSESS_ERR_RANGE, r->i, "integer of more than %d digits",
                               RS_JSON_MAX_DIGITS),
               NULL;
    rs_jnode *nd = new_node(r, integral ? RS_J_INT : RS_J_FLOAT, r->i);
    if (!nd) return NULL;
    nd->p = (const char *)s + r->i;
    nd->len = j - r->i;
    r->i = j;
    return nd;
}

static rs_jnode *literal_node(jr *r)
{
    static const struct {
        const char *word;
        int type;
    } lits[] = {{"null", RS_J_NULL}, {"true", RS_J_TRUE}, {"false", RS_J_FALSE}};
    for (size_t k = 0; k < 3; k++) {
        size_t wl = strlen(lits[k].word);
        if (r->n - r->i >= wl && !memcmp(r->s + r->i, lits[k].word, wl)) {
            rs_jnode *nd = new_node(r, lits[k].type, r->i);
            if (!nd) return NULL;
            r->i += wl;
            return nd;
        }
    }
    return syntax(r, r->i, "a value expected"), NULL;
}

static int push_val(jr *r, rs_jnode *v)
{
    if (rs_vec_room(r->alloc, (void **)&r->vals, r->nvals, &r->capvals, sizeof *r->vals, 64)) return nomem(r);
    r->vals[r->nvals++] = v;
    return 0;
}

static int open_container(jr *r, int type)
{
    if (r->nframes >= r->max_depth)
        return r->rc = rs_fail(r->err, RSESS_ERR_DEPTH, r->i, "JSON nested too deep: nesting of %zu is deeper than %zu",
                       r->nframes + 1, r->max_depth);
    rs_jnode *nd = new_node(r, type, r->i);
    if (!nd) return r->rc;
    if (rs_vec_room(r->alloc, (void **)&r->frames, r->nframes, &r->capframes, sizeof *r->frames, 16)) return nomem(r);
    r->frames[r->nframes++] = (jframe){nd, r->nvals};
    r->i++;
    return 0;
}

/* Pops the top container, its children moved into the arena. */
static rs_jnode *close_container(jr *r)
{
    jframe f = r->frames[--r->nframes];
    size_t k = r->nvals - f.base;
    if (k) {
        f.node->kids = rs_arena_alloc(r->arena, k * sizeof *f.node->kids);
        if (!f.node->kids) return nomem(r), NULL;
        memcpy(f.node->kids, r->vals + f.base, k * sizeof *f.node->kids);
    }
    f.node->n = f.node->type == RS_J_OBJ ? k / 2 : k;
    r->nvals = f.base;
    r->i++;
    return f.node;
}

/* An object key and its ':' (r->i at the key's quote). */
static int key_colon(jr *r)
{
    if (r->i >= r->n || r->s[r->i] != '"') return syntax(r, r->i, "an object key (a string) expected");
    rs_jnode *k = string_node(r);
    if (!k || push_val(r, k) || skip_ws(r)) return -1;
    if (r->i >= r->n || r->s[r->i] != ':') return syntax(r, r->i, "':' expected after an object key");
    r->i++;
    return skip_ws(r);
}

static int parse(jr *r, rs_jnode **root)
{
    if (skip_ws(r)) return -1;
    for (;;) {
        /* a value */
        rs_jnode *v = NULL;
        if (r->i >= r->n) return syntax(r, r->i, "a value expected");
        unsigned char c = r->s[r->i];
        if (c == '[' || c == '{') {
            if (open_container(r, c == '[' ? RS_J_ARR : RS_J_OBJ) || skip_ws(r)) return -1;
            if (r->i < r->n && r->s[r->i] == (c == '[' ? ']' : '}')) {
                if (!(v = close_container(r))) return -1;
            } else {
                if (c == '{' && key_colon(r)) return -1;
                continue;
            }
        } else if (c == '"') {
            v = string_node(r);
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            v = number_node(r);
        } else {
            v = literal_node(r);
        }
        /* after a value: close containers, or a separator and the next one */
        for (;;) {
            if (!v || skip_ws(r)) return -1;
            if (r->nframes == 0) {
                if (r->i < r->n) return syntax(r, r->i, "the end of the text expected after the value");
                *root = v;
                return 0;
            }
            if (push_val(r, v)) return -1;
            bool arr = r->frames[r->nframes - 1].node->type == RS_J_ARR;
            if (r->i < r->n && r->s[r->i] == ',') {
                r->i++;
                if (skip_ws(r) || (!arr && key_colon(r))) return -1;
                break;
            }
            if (r->i < r->n && r->s[r->i] == (arr ? ']' : '}')) {
                v = close_container(r);
                continue;
            }
            return syntax(r, r->i, arr ? "',' or ']' expected" : "',' or '}' expected");
        }
    }
}

int rs_json_parse(const char *text, size_t len, unsigned mode, const rsess_json_opts *o, rs_jtree *out,
                  rsess_err *err)
{
    memset(out, 0, sizeof *out);
    out->arena.alloc = o->alloc;
    if (len > o->max_input)
        return rs_fail(err, RSESS_ERR_SIZE, 0, "JSON text of %zu bytes is larger than the limit of %zu", len,
                       o->max_input);
    jr r = {.s = (const unsigned char *)(text ? text : ""), .n = text ? len : 0, .mode = mode,
            .max_depth = o->max_nesting, .nodes_left = o->max_nodes, .arena = &out->arena, .alloc = o->alloc,
            .err = err, .syntax_code = (mode & RS_JSON_FORMAT_ERRORS) ? RSESS_ERR_FORMAT : RSESS_ERR_JSON};
    int rc = parse(&r, &out->root);
    rs_free(o->alloc, r.vals, r.capvals * sizeof *r.vals);
    rs_free(o->alloc, r.frames, r.capframes * sizeof *r.frames);
    if (rc) {
        rs_arena_free(&out->arena);
        out->root = NULL;
        return r.rc ? r.rc : RSESS_ERR_JSON;
    }
    return 0;
}

void rs_jtree_free(rs_jtree *t)
{
    if (t) rs_arena_free(&t->arena);
}

const rs_jnode *rs_jobj_get(const rs_jnode *obj, const char *key)
{
    if (!obj || obj->type != RS_J_OBJ) return NULL;
    size_t kl = strlen(key);
    for (size_t i = obj->n; i-- > 0;) { /* the last of equal keys, as JSON.parse keeps */
        const rs_jnode *k = obj->kids[2 * i];
        if (k->len == kl && !memcmp(k->p, key, kl)) return obj->kids[2 * i + 1];
    }
    return NULL;
}

int rs_jnum_float(const rs_jnode *n, const rsess_alloc *alloc, double *out)
{
    char stackb[64];
    char *b = n->len < sizeof stackb ? stackb : rs_malloc(alloc, n->len + 1);
    if (!b) return RSESS_ERR_NOMEM;
    memcpy(b, n->p, n->len);
    b[n->len] = 0;
    *out = strtod(b, NULL); /* correctly rounded; out of range: +-inf or 0, as Ruby */
    if (b != stackb) rs_free(alloc, b, n->len + 1);
    return 0;
}

void rsess_json_opts_init(rsess_json_opts *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
}

int rs_json_opts_take(const rsess_json_opts *in, size_t dflt_nesting, rsess_json_opts *o, rsess_err *err)
{
    rsess_json_opts_init(o);
    if (in) {
        if (in->size == 0 || in->size > sizeof *o)
            return rs_fail(err, RSESS_ERR_ARG, 0, "rsess_json_opts: size %zu is not one this library knows "
                           "(use rsess_json_opts_init)", in->size);
        memcpy(o, in, in->size); /* only the fields the caller's struct has */
    }
    if (o->max_nesting == 0) o->max_nesting = dflt_nesting;
    if (o->max_nodes == 0) o->max_nodes = RSESS_DEFAULT_MAX_NODES;
    if (o->max_input == 0) o->max_input = RSESS_DEFAULT_MAX_INPUT;
    return 0;
}
