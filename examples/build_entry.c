/* build_entry: build a session in C and write it as a Rails 7.1+ cache
 * entry under its key, ready for `redis-cli -x SET`.
 *
 *   build_entry        prints the cookie value, the key, then the entry as
 *                      redis-cli's quoted form (last line)
 *
 * The bytes are what Rails' :cache_store would write for the same session
 * (string keys interned and linked as Ruby does, a 90-minute expiry). */
#include <rsess.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    rsess_doc *d = rsess_doc_new(NULL);
    rsess_val *s = rsess_new_hash(d);
    /* session[:user_id] = 42 -- a Symbol key becomes a US-ASCII String */
    rsess_hash_push_strkey(d, s, "user_id", 7, RSESS_ENC_USASCII, rsess_new_int(d, 42));
    /* session["cart"] = [{"sku" => "A-1", "qty" => 2}, {"sku" => "B-7", "qty" => 1}] */
    rsess_val *cart = rsess_new_array(d);
    const char *skus[] = {"A-1", "B-7"};
    for (int i = 0; i < 2; i++) {
        rsess_val *item = rsess_new_hash(d);
        rsess_hash_push_strkey(d, item, "sku", 3, RSESS_ENC_UTF8, rsess_new_str(d, skus[i], 3, RSESS_ENC_UTF8));
        rsess_hash_push_strkey(d, item, "qty", 3, RSESS_ENC_UTF8, rsess_new_int(d, 2 - i));
        rsess_arr_push(d, cart, item);
    }
    rsess_hash_push_strkey(d, s, "cart", 4, RSESS_ENC_UTF8, cart);

    rsess_entry_opts eo = {0};
    eo.format = RSESS_FORMAT_AS71;
    eo.has_expires_in = 1;
    eo.expires_in = 90 * 60;
    rsess_buf entry = {0}, key = {0}, quoted = {0};
    rsess_err err;
    if (rsess_entry_write(s, &eo, &entry, &err)) {
        fprintf(stderr, "build_entry: %s\n", err.text);
        return 1;
    }
    char cookie[RSESS_PUBLIC_ID_SIZE];
    rsess_sid_generate(cookie, RSESS_SID_RAILS_BYTES);
    rsess_key_opts ko = {0};
    ko.ns = "myapp";
    ko.nslen = 5;
    rsess_session_key(cookie, strlen(cookie), &ko, &key, NULL);
    rsess_quote(entry.data, entry.len, &quoted);
    printf("cookie: %s\nkey: %.*s\n%.*s\n", cookie, (int)key.len, key.data, (int)quoted.len, quoted.data);
    rsess_buf_free(&entry);
    rsess_buf_free(&key);
    rsess_buf_free(&quoted);
    rsess_doc_free(d);
    return 0;
}
