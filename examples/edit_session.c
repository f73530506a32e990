/* edit_session: change a stored Rails session and print the new value.
 *
 *   edit_session SESSION [OTHER]
 *
 * SESSION and OTHER are Marshal values: raw bytes, or the quoted text
 * redis-cli --no-raw GET prints. The program does what a Rails action would
 * do to the session:
 *
 *   session["locale"] = "fr"
 *   session[:user_id] = 42
 *   session.delete("user_return_to")
 *   session["imported"] = OTHER      (a deep copy of the other value)
 *
 * and prints the result quoted, ready for redis-cli SET. The bytes are what
 * Ruby's Marshal.dump writes after the same edits. */
#include <rsess.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a file of raw Marshal or redis-cli quoted text into a document. */
static rsess_doc *load(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        perror(path);
        return NULL;
    }
    rsess_buf in, bytes;
    rsess_buf_init(&in, NULL);
    rsess_buf_init(&bytes, NULL);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) rsess_buf_append(&in, chunk, n);
    fclose(fp);
    rsess_err err;
    const rsess_buf *src = &in;
    if (in.len && in.data[0] == '"' && rsess_unquote((const char *)in.data, in.len, &bytes, &err) == 0) src = &bytes;
    rsess_doc *doc = rsess_read(src->data, src->len, NULL, &err);
    if (!doc) fprintf(stderr, "%s: %s at offset %zu\n", path, err.text, err.offset);
    rsess_buf_free(&in);
    rsess_buf_free(&bytes);
    return doc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: edit_session SESSION [OTHER]\n");
        return 2;
    }
    rsess_doc *doc = load(argv[1]);
    if (!doc) return 1;
    rsess_val *s = rsess_doc_root(doc);
    if (rsess_type_of(s) != RSESS_HASH) {
        fprintf(stderr, "%s: not a session (a Hash)\n", argv[1]);
        rsess_doc_free(doc);
        return 1;
    }

    /* values are made in the document they go into */
    int rc = rsess_hash_set_str(doc, s, "locale", 6, rsess_new_str(doc, "fr", 2, RSESS_ENC_UTF8));
    if (!rc) rc = rsess_hash_set_sym(doc, s, "user_id", 7, rsess_new_int(doc, 42));
    if (!rc) {
        rc = rsess_hash_delete(doc, s, "user_return_to", 14, RSESS_KEY_STRING);
        if (rc == RSESS_ERR_NOT_FOUND) rc = 0; /* nothing to delete */
    }
    if (!rc && argc == 3) {
        rsess_doc *other = load(argv[2]);
        if (!other) {
            rsess_doc_free(doc);
            return 1;
        }
        /* a value of another document is refused (RSESS_ERR_ARG): copy it */
        rsess_val *copy = rsess_copy(doc, rsess_doc_root(other));
        rsess_doc_free(other); /* the copy owns what it needs */
        rc = copy ? rsess_hash_set_str(doc, s, "imported", 8, copy) : RSESS_ERR_NOMEM;
    }

    rsess_buf out, quoted;
    rsess_buf_init(&out, NULL);
    rsess_buf_init(&quoted, NULL);
    rsess_err err;
    if (!rc) rc = rsess_write(s, &out, &err);
    if (!rc) rc = rsess_quote(out.data, out.len, &quoted);
    if (!rc) printf("%.*s\n", (int)quoted.len, (const char *)quoted.data);
    else fprintf(stderr, "edit_session: %s\n", rsess_strerror(rc));
    rsess_buf_free(&out);
    rsess_buf_free(&quoted);
    rsess_doc_free(doc);
    return rc ? 1 : 0;
}
