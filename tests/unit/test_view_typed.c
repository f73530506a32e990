/* The typed JSON view (lib/view_typed.c): its shapes. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(typed_json_shapes)
{
    struct { const char *name, *want; } cases[] = {
        {"session_redis_store", "{\"hash\":[[{\"str\":\"message\",\"enc\":\"US-ASCII\"},\"hello\"]]}"},
        {"object_link", "[{\"str\":\"shared\",\"id\":0},{\"link\":0}]"},
        {"cycle_array", "{\"array\":[1,{\"link\":0}],\"id\":0}"},
        {"float_repeated", "[{\"float\":\"1.5\",\"id\":0},{\"link\":0},{\"float\":\"2.5\"},{\"link\":0},{\"float\":\"-0\"},{\"float\":\"-0\"}]"},
        {"int_2p100", "{\"int\":\"1267650600228229401496703205376\"}"},
        {"string_binary", "{\"str\":{\"hex\":\"00ff80616263\"},\"enc\":\"ASCII-8BIT\"}"},
        {"symbol_link", "[{\"sym\":\"a\"},{\"sym\":\"a\"},{\"sym\":\"b\"},{\"sym\":\"a\"}]"},
        {"struct", "{\"struct\":\"Point\",\"fields\":[[\"x\",1],[\"y\",2]]}"},
        {"hash_identity", "{\"hash\":[[\"a\",1]],\"identity\":true}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = print_fixture(cases[i].name, RSESS_VIEW_TYPED);
        ck_assert_msg(strcmp(got, cases[i].want) == 0, "%s:\n  got  %s\n  want %s", cases[i].name, got, cases[i].want);
        free(got);
    }
}
END_TEST

Suite *view_typed_suite(void)
{
    Suite *s = suite_create("view_typed");
    TCase *t = tcase_create("views");
    tcase_add_test(t, typed_json_shapes);
    suite_add_tcase(s, t);
    return s;
}
