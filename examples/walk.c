/* walk: decode a session value and walk it, printing one line per value.
 *
 *   walk FILE          (what redis-cli --no-raw GET printed, or raw bytes)
 *
 * Shows the accessors: types, strings with their encodings, hashes in
 * Marshal order, and node identity: Marshal links make the value a graph,
 * so a value met again is named by its id, and a value that contains
 * itself (a = [a]) is shown as Ruby's p shows it, [...] or {...}. The walk
 * keeps its own stack, so deep values cost memory, not C stack. */
#include <rsess.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct item {
    const rsess_val *v;
    size_t depth;
    const char *label;
    size_t next;   /* children shown so far */
    int entered;
} item;

typedef struct walker {
    item *stack;
    size_t n, cap;
    unsigned char *on_path; /* by rsess_node_id(): 1 while the node is being shown */
    unsigned char *seen;    /* shown before */
} walker;

static void push(walker *w, const rsess_val *v, size_t depth, const char *label)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 64;
        w->stack = realloc(w->stack, w->cap * sizeof *w->stack);
        if (!w->stack) exit(1);
    }
    w->stack[w->n++] = (item){v, depth, label, 0, 0};
}

/* The first time a value is met: one line; containers get their children
 * pushed one at a time. */
static int show(walker *w, item *it)
{
    const rsess_val *v = it->v;
    size_t id = rsess_node_id(v), n;
    const char *s;
    int64_t i;
    printf("%*s%s", (int)it->depth * 2, "", it->label);
    rsess_type t = rsess_type_of(v);
    if ((t == RSESS_ARRAY || t == RSESS_HASH) && w->on_path[id]) {
        printf("%s  (itself: node %zu)\n", t == RSESS_ARRAY ? "[...]" : "{...}", id);
        return 0;
    }
    if (rsess_is_linked(v) && w->seen[id] && (t == RSESS_ARRAY || t == RSESS_HASH || t == RSESS_STRING)) {
        printf("%s shown before (node %zu)\n", rsess_type_name(t), id);
        return 0;
    }
    w->seen[id] = 1;
    switch (t) {
    case RSESS_STRING:
        s = rsess_str(v, &n);
        printf("String (%s) \"%.*s\"\n", rsess_encoding_name(v, NULL), (int)n, s);
        return 0;
    case RSESS_SYMBOL:
        s = rsess_sym(v, &n);
        printf("Symbol :%.*s\n", (int)n, s);
        return 0;
    case RSESS_INT:
        rsess_int(v, &i);
        printf("Integer %lld\n", (long long)i);
        return 0;
    case RSESS_ARRAY: case RSESS_HASH:
        printf("%s of %zu%s\n", t == RSESS_ARRAY ? "Array" : "Hash", rsess_len(v),
               rsess_is_linked(v) ? " (shared)" : "");
        w->on_path[id] = 1;
        return 1;
    default: {
        /* anything else: its Ruby text */
        rsess_buf b = {0};
        rsess_print(v, RSESS_VIEW_RUBY, 0, &b, NULL);
        printf("%s %.*s\n", rsess_type_name(t), (int)b.len, (const char *)b.data);
        rsess_buf_free(&b);
        return 0;
    }
    }
}

static void walk(const rsess_doc *doc)
{
    walker w = {0};
    size_t nodes = rsess_doc_node_count(doc) + 1;
    w.on_path = calloc(nodes, 1);
    w.seen = calloc(nodes, 1);
    if (!w.on_path || !w.seen) exit(1);
    push(&w, rsess_doc_root(doc), 0, "");
    while (w.n) {
        item *it = &w.stack[w.n - 1];
        if (!it->entered) {
            it->entered = 1;
            if (!show(&w, it)) {
                w.n--;
                continue;
            }
        }
        const rsess_val *v = it->v;
        size_t k = it->next++, depth = it->depth;
        if (rsess_type_of(v) == RSESS_ARRAY && k < rsess_len(v)) {
            push(&w, rsess_arr_get(v, k), depth + 1, "- ");
        } else if (rsess_type_of(v) == RSESS_HASH && k < 2 * rsess_len(v)) {
            push(&w, k % 2 ? rsess_hash_val(v, k / 2) : rsess_hash_key(v, k / 2), depth + 1 + k % 2,
                 k % 2 ? "value: " : "key: ");
        } else { /* done with it */
            w.on_path[rsess_node_id(v)] = 0;
            w.n--;
        }
    }
    free(w.stack);
    free(w.on_path);
    free(w.seen);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: walk FILE\n");
        return 2;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (!fp) return perror(argv[1]), 1;
    rsess_buf in = {0}, bytes = {0};
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0) rsess_buf_append(&in, chunk, got);
    fclose(fp);
    rsess_err err;
    /* redis-cli's quoted form, else the raw bytes */
    if (in.len && in.data[0] == '"' && rsess_unquote((const char *)in.data, in.len, &bytes, &err) == 0) {
        rsess_buf_free(&in);
        in = bytes;
    }
    rsess_entry_info info;
    rsess_doc *doc = rsess_entry_read(in.data, in.len, NULL, &info, &err);
    if (!doc) {
        fprintf(stderr, "walk: %s at offset %zu\n", err.text, err.offset);
        return 1;
    }
    printf("container: %s\n", rsess_format_name(info.format));
    walk(doc);
    /* and the whole value as Ruby's p prints it */
    rsess_buf text = {0};
    if (rsess_print(rsess_doc_root(doc), RSESS_VIEW_RUBY, 0, &text, NULL) == 0)
        printf("p: %.*s\n", (int)text.len, (const char *)text.data);
    rsess_buf_free(&text);
    rsess_doc_free(doc);
    rsess_buf_free(&in);
    return 0;
}
