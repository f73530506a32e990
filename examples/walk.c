/* walk: decode a session value and walk it, printing one line per value.
 *
 *   walk FILE          (what redis-cli --no-raw GET printed, or raw bytes)
 *
 * Shows the accessors: types, strings with their encodings, hashes in
 * Marshal order, shared values (Marshal links) met again. */
#include <rsess.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void walk(const rsess_val *v, int depth, const char *label)
{
    printf("%*s%s", depth * 2, "", label);
    size_t n;
    const char *s;
    int64_t i;
    switch (rsess_type_of(v)) {
    case RSESS_STRING:
        s = rsess_str(v, &n);
        printf("String (%s) \"%.*s\"\n", rsess_encoding_name(v, NULL), (int)n, s);
        return;
    case RSESS_SYMBOL:
        s = rsess_sym(v, &n);
        printf("Symbol :%.*s\n", (int)n, s);
        return;
    case RSESS_INT:
        rsess_int(v, &i);
        printf("Integer %lld\n", (long long)i);
        return;
    case RSESS_ARRAY:
        printf("Array of %zu\n", rsess_len(v));
        for (size_t k = 0; k < rsess_len(v); k++) walk(rsess_arr_get(v, k), depth + 1, "- ");
        return;
    case RSESS_HASH:
        printf("Hash of %zu\n", rsess_len(v));
        for (size_t k = 0; k < rsess_len(v); k++) {
            walk(rsess_hash_key(v, k), depth + 1, "key: ");
            walk(rsess_hash_val(v, k), depth + 2, "value: ");
        }
        return;
    default: {
        /* anything else: its Ruby text */
        rsess_buf b = {0};
        rsess_print(v, RSESS_VIEW_RUBY, 0, &b, NULL);
        printf("%s %.*s\n", rsess_type_name(rsess_type_of(v)), (int)b.len, (const char *)b.data);
        rsess_buf_free(&b);
    }
    }
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
    walk(rsess_doc_root(doc), 0, "");
    rsess_doc_free(doc);
    rsess_buf_free(&in);
    return 0;
}
