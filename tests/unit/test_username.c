/* username: the name rules (length, alphabet) and the bad-word filter, including the
 * leetspeak folding and the innocent words it must leave alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "game/username.h"

static void test_length(void **state)
{
    assert_int_equal(username_validate(NULL), USERNAME_EMPTY);
    assert_int_equal(username_validate(""), USERNAME_EMPTY);
    assert_int_equal(username_validate("ab"), USERNAME_TOO_SHORT);
    assert_int_equal(username_validate("abc"), USERNAME_OK);
    assert_int_equal(username_validate("abcdefghijklmnopqrst"), USERNAME_OK); /* 20 */
    assert_int_equal(username_validate("abcdefghijklmnopqrstu"), USERNAME_TOO_LONG);
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(username_validate(big), USERNAME_TOO_LONG);
}

static void test_alphabet(void **state)
{
    assert_int_equal(username_validate("Player_One_42"), USERNAME_OK);
    assert_int_equal(username_validate("___"), USERNAME_OK);
    const char *bad[] = {"two words", "dash-name", "dot.name", "tab\tname", "émile", "nameé", "emoji\xf0\x9f\x98\x80",
                         "<script>", "a'b--", "semi;colon", " lead", "trail "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(username_validate(bad[i]), USERNAME_BAD_CHARS);
}

static void test_bad_words(void **state)
{
    const char *bad[] = {"fuck",        "FuckYou",    "xXfUcKXx", "f_u_c_k",  "fvck_nope_but_fuck",
                         "b1tch",       "BITCH",      "sh1thead", "5lut",     "wh0re",
                         "n1gger",      "a55hole",    "ret4rd",   "motherfucker", "big_d1ckhead"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_true(username_has_bad_word(bad[i]));
        if (strlen(bad[i]) <= USERNAME_MAX)
            assert_int_equal(username_validate(bad[i]), USERNAME_BAD_WORD);
    }
}

static void test_innocent_words(void **state)
{
    /* substrings of short rude words, place names and everyday words */
    const char *ok[] = {"Scunthorpe", "ScunthorpeFan", "classic_bass", "peacock", "title_holder", "grapevine",
                        "therapist",  "Yoshitaka",     "Dickens",      "cocktail", "assassin",      "shiitake",
                        "Penistone",  "Niggardly",     "fire_retardant", "saltwater", "Slutsky", "Sussex",
                        "Matsushita", "Hancock",       "analytics"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (username_has_bad_word(ok[i]))
            fail_msg("false positive: %s", ok[i]);
        if (strlen(ok[i]) <= USERNAME_MAX && username_validate(ok[i]) != USERNAME_OK)
            fail_msg("refused: %s", ok[i]);
    }
    /* masking one innocent word does not hide a bad word next to it */
    assert_true(username_has_bad_word("scunthorpe_cunt"));
    assert_true(username_has_bad_word("niggard_nigga"));
}

static void test_chat_text(void **state)
{
    assert_false(username_has_bad_word(NULL));
    assert_false(username_has_bad_word(""));
    assert_false(username_has_bad_word("hello there, what a lovely day in Scunthorpe!"));
    assert_true(username_has_bad_word("well, F*** that... no wait: FUCK that"));
    assert_true(username_has_bad_word("what a b!tch... I mean b1tch"));
    assert_true(username_has_bad_word("$lut"));
    /* word boundaries survive in chat: spaces are not removed */
    assert_false(username_has_bad_word("this hit the spot"));
    /* longer than the on-stack buffer */
    size_t n = 10000;
    char *big = malloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\0';
    assert_false(username_has_bad_word(big));
    memcpy(big + n - 4, "fUcK", 4);
    assert_true(username_has_bad_word(big));
    free(big);
    /* non-ASCII text passes through without harm */
    assert_false(username_has_bad_word("h\xc3\xa9llo w\xc3\xb6rld \xf0\x9f\x98\x80"));
}

static void test_messages(void **state)
{
    assert_string_equal(username_message(USERNAME_OK), "");
    for (int r = USERNAME_EMPTY; r >= USERNAME_BAD_WORD; r--)
        assert_true(strlen(username_message((username_result_t)r)) > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_length),        cmocka_unit_test(test_alphabet), cmocka_unit_test(test_bad_words),
        cmocka_unit_test(test_innocent_words), cmocka_unit_test(test_chat_text), cmocka_unit_test(test_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
