/* test_conversation: the built-in chatroom writer (20..40 lines, every sentiment, no line twice,
 * deterministic per seed, nothing the bad-word filter refuses), the LLM answer checker, and the
 * per-player voicing (names, the intensity ladder, exclamations, hedges and joke tags). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "game/conversation.h"
#include "game/username.h"

static void check_conversation(const conversation_t *c, const char *what)
{
    if (c->nlines < CONV_MIN_LINES || c->nlines > CONV_MAX_LINES)
        fail_msg("%s: %d lines", what, c->nlines);
    if (c->nroles < 3 || c->nroles > CONV_MAX_ROLES)
        fail_msg("%s: %d roles", what, c->nroles);
    int sentiments[SENTIMENT_COUNT] = {0}, roles[CONV_MAX_ROLES] = {0};
    for (int i = 0; i < c->nlines; i++) {
        const conv_line_t *l = &c->lines[i];
        if (l->role < 0 || l->role >= c->nroles)
            fail_msg("%s line %d: role %d", what, i, l->role);
        if ((int)l->sentiment < 0 || l->sentiment >= SENTIMENT_COUNT)
            fail_msg("%s line %d: sentiment %d", what, i, l->sentiment);
        sentiments[l->sentiment]++;
        roles[l->role]++;
        size_t n = strlen(l->text);
        if (n == 0 || n > CONV_TEXT_MAX_CHARS)
            fail_msg("%s line %d: %zu bytes", what, i, n);
        if (username_has_bad_word(l->text))
            fail_msg("%s line %d: bad word in \"%s\"", what, i, l->text);
        if (strchr(l->text, '{') && !strstr(l->text, "{A}") && !strstr(l->text, "{B}") &&
            !strstr(l->text, "{C}") && !strstr(l->text, "{D}"))
            fail_msg("%s line %d: unexpanded slot in \"%s\"", what, i, l->text);
        if (l->text[0] >= 'a' && l->text[0] <= 'z')
            fail_msg("%s line %d: starts in lower case: \"%s\"", what, i, l->text);
        /* a role never names itself */
        char self[4] = {'{', (char)('A' + l->role), '}', 0};
        if (strstr(l->text, self))
            fail_msg("%s line %d: %s talks to itself: \"%s\"", what, i, self, l->text);
        char key[CONV_LINE_MAX], other[CONV_LINE_MAX];
        conversation_line_key(l->text, key, sizeof key);
        for (int j = 0; j < i; j++) {
            conversation_line_key(c->lines[j].text, other, sizeof other);
            if (!strcmp(key, other))
                fail_msg("%s: line %d repeats line %d: \"%s\"", what, i, j, l->text);
        }
        if (i > 0 && l->role == c->lines[i - 1].role)
            fail_msg("%s line %d: the same speaker twice in a row", what, i);
    }
    for (int s = 0; s < SENTIMENT_COUNT; s++)
        if (!sentiments[s])
            fail_msg("%s: no %s line", what, SENTIMENT_NAMES[s]);
    for (int r = 0; r < c->nroles; r++)
        if (!roles[r])
            fail_msg("%s: role %c never speaks", what, 'A' + r);
    if (c->lines[0].role != 0 || c->lines[c->nlines - 1].role != 0)
        fail_msg("%s: the host (A) opens and closes", what);
}

static void test_generate_rules(void **state)
{
    (void)state;
    static conversation_t c;
    int min = 99, max = 0;
    for (int t = 0; t < CONV_TOPICS_COUNT; t++)
        for (uint64_t seed = 1; seed <= 60; seed++) {
            char what[96];
            snprintf(what, sizeof what, "%s / seed %llu", CONV_TOPICS[t].title, (unsigned long long)seed);
            assert_int_equal(conversation_generate(&CONV_TOPICS[t], seed * 7919 + (uint64_t)t, &c), 0);
            check_conversation(&c, what);
            min = c.nlines < min ? c.nlines : min;
            max = c.nlines > max ? c.nlines : max;
        }
    /* the whole range is used */
    assert_int_equal(min, CONV_MIN_LINES);
    assert_int_equal(max, CONV_MAX_LINES);
    conv_topic_t custom;
    conversation_topic_custom(&custom, "The best treehouse ever built", 0);
    for (uint64_t seed = 1; seed <= 200; seed++) {
        conversation_generate(&custom, seed, &c);
        check_conversation(&c, "custom topic");
    }
    conversation_topic_custom(&custom, "A featured video", 1);
    for (uint64_t seed = 1; seed <= 200; seed++) {
        conversation_generate(&custom, seed, &c);
        check_conversation(&c, "video topic");
    }
}

static void test_deterministic(void **state)
{
    (void)state;
    static conversation_t a, b;
    const conv_topic_t *t = conversation_topic_find("rainy DAYS");
    assert_non_null(t);
    assert_null(conversation_topic_find("no such topic"));
    conversation_generate(t, 42, &a);
    conversation_generate(t, 42, &b);
    assert_memory_equal(&a, &b, sizeof a);
    conversation_generate(t, 43, &b);
    assert_true(memcmp(&a, &b, sizeof a) != 0);
    /* the seed of a room id is stable and spreads */
    assert_true(conversation_seed("d3b07384-d9a0-4c9b-8a6e-1b2c3d4e5f60") ==
                conversation_seed("d3b07384-d9a0-4c9b-8a6e-1b2c3d4e5f60"));
    assert_true(conversation_seed("a") != conversation_seed("b"));
}

/* Different seeds read differently: over 50 rooms of one topic, most lines are new to the
 * player (greetings and short reactions do come back, as in any chat). */
static void test_varied(void **state)
{
    (void)state;
    static conversation_t c;
    static char keys[50 * CONV_MAX_LINES][CONV_LINE_MAX];
    int n = 0, dup = 0;
    for (uint64_t seed = 100; seed < 150; seed++) {
        conversation_generate(&CONV_TOPICS[3], seed, &c);
        for (int i = 0; i < c.nlines; i++) {
            char k[CONV_LINE_MAX];
            conversation_line_key(c.lines[i].text, k, sizeof k);
            int d = 0;
            for (int j = 0; j < n && !d; j++)
                d = !strcmp(keys[j], k);
            dup += d;
            snprintf(keys[n++], sizeof keys[0], "%s", k);
        }
    }
    if (dup * 5 > n * 2)
        fail_msg("%d of %d lines repeat across 50 rooms of one topic", dup, n);
}

static const char *GOOD_LINE = "{\"speaker\":\"%c\",\"sentiment\":\"%s\",\"text\":\"Line %d about {B} and [really] {X}x\"}";

static void make_json(char *out, size_t cap, int n, const char *replace_line3)
{
    size_t o = (size_t)snprintf(out, cap, "{\"lines\":[");
    for (int i = 0; i < n; i++) {
        if (i)
            o += (size_t)snprintf(out + o, cap - o, ",");
        if (i == 3 && replace_line3)
            o += (size_t)snprintf(out + o, cap - o, "%s", replace_line3);
        else
            o += (size_t)snprintf(out + o, cap - o, GOOD_LINE, "AB"[i % 2], SENTIMENT_NAMES[i % 3], i);
    }
    snprintf(out + o, cap - o, "]}");
}

static void test_from_json(void **state)
{
    (void)state;
    static conversation_t c;
    static char json[32768];
    char err[128];
    make_json(json, sizeof json, 24, NULL);
    assert_int_equal(conversation_from_json(json, strlen(json), &c, err, sizeof err), 0);
    assert_int_equal(c.nlines, 24);
    assert_int_equal(c.nroles, 2);
    assert_int_equal(c.lines[1].role, 1);
    assert_int_equal(c.lines[2].sentiment, SENTIMENT_NEGATIVE);
    assert_string_equal(c.lines[0].text, "Line 0 about {B} and [really] Xx"); /* unknown markup dropped */

    make_json(json, sizeof json, 19, NULL);
    assert_int_equal(conversation_from_json(json, strlen(json), &c, err, sizeof err), -1);
    make_json(json, sizeof json, 41, NULL);
    assert_int_equal(conversation_from_json(json, strlen(json), &c, err, sizeof err), -1);
    const char *bad[] = {
        "{\"speaker\":\"E\",\"sentiment\":\"neutral\",\"text\":\"hello there\"}",
        "{\"speaker\":\"A\",\"sentiment\":\"angry\",\"text\":\"hello there\"}",
        "{\"speaker\":\"A\",\"sentiment\":\"neutral\",\"text\":\"\"}",
        "{\"speaker\":\"A\",\"sentiment\":\"neutral\"}",
        "{\"speaker\":\"A\",\"sentiment\":\"neutral\",\"text\":\"what the fuck\"}",
        /* line 0 again, with another name and adverb: still a repeat */
        "{\"speaker\":\"B\",\"sentiment\":\"neutral\",\"text\":\"line 0 about {C} and [very] Xx\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        make_json(json, sizeof json, 24, bad[i]);
        if (conversation_from_json(json, strlen(json), &c, err, sizeof err) != -1)
            fail_msg("accepted bad line %zu", i);
    }
    char long_text[400];
    memset(long_text, 'y', 281);
    long_text[281] = 0;
    char line[600];
    snprintf(line, sizeof line, "{\"speaker\":\"A\",\"sentiment\":\"neutral\",\"text\":\"%s\"}", long_text);
    make_json(json, sizeof json, 24, line);
    assert_int_equal(conversation_from_json(json, strlen(json), &c, err, sizeof err), -1);
    assert_int_equal(conversation_from_json("nope", 4, &c, err, sizeof err), -1);
    assert_int_equal(conversation_from_json("{\"lines\":3}", 11, &c, err, sizeof err), -1);
    /* one speaker only */
    size_t o = (size_t)snprintf(json, sizeof json, "[");
    for (int i = 0; i < 20; i++)
        o += (size_t)snprintf(json + o, sizeof json - o, "%s{\"speaker\":\"A\",\"sentiment\":\"neutral\",\"text\":\"n%d\"}",
                              i ? "," : "", i);
    snprintf(json + o, sizeof json - o, "]");
    assert_int_equal(conversation_from_json(json, strlen(json), &c, err, sizeof err), -1);
}

static void voice(const char *text, sentiment_t s, attitude_t a, int index, char *out, size_t cap)
{
    conv_line_t l = {.role = 0, .sentiment = s};
    snprintf(l.text, sizeof l.text, "%s", text);
    const char *names[CONV_MAX_ROLES] = {"Pip", "Mo", NULL, "Zu"};
    buf_t b;
    buf_init(&b, 4096);
    conversation_voice(&b, &l, index, &a, names, 99);
    snprintf(out, cap, "%s", b.data ? b.data : "");
    buf_free(&b);
}

static void test_voice(void **state)
{
    (void)state;
    char out[512];
    attitude_t mid = ATTITUDE_DEFAULT;
    voice("Good point, {B}. Ask {C} and {D}.", SENTIMENT_NEUTRAL, mid, 0, out, sizeof out);
    assert_string_equal(out, "Good point, Mo. Ask friend and Zu.");
    voice("I [really] love it.", SENTIMENT_POSITIVE, mid, 0, out, sizeof out);
    assert_string_equal(out, "I really love it.");
    /* enthusiasm moves positive lines up the ladder and adds an exclamation */
    voice("I [really] love it.", SENTIMENT_POSITIVE, (attitude_t){10, 5, 1}, 1, out, sizeof out);
    assert_non_null(strstr(out, "I incredibly love it!"));
    voice("I [really] love it!", SENTIMENT_POSITIVE, (attitude_t){1, 5, 1}, 1, out, sizeof out);
    assert_string_equal(out, "I fairly love it.");
    /* criticism moves negative lines; a capitalised adverb stays capitalised */
    voice("Nope. [Very] dull.", SENTIMENT_NEGATIVE, (attitude_t){5, 1, 1}, 2, out, sizeof out);
    assert_non_null(strstr(out, "Pretty dull."));
    voice("Nope. [Very] dull.", SENTIMENT_NEGATIVE, (attitude_t){5, 10, 1}, 2, out, sizeof out);
    assert_non_null(strstr(out, "Incredibly dull."));
    /* unknown bracketed words pass through without brackets */
    voice("A [bright] idea.", SENTIMENT_NEUTRAL, mid, 0, out, sizeof out);
    assert_string_equal(out, "A bright idea.");
    /* blunt and hedging openers on negative lines, over several line numbers */
    int blunt = 0, hedged = 0, tags = 0, plain_tags = 0;
    for (int i = 0; i < 30; i++) {
        voice("Puddles are [very] dull.", SENTIMENT_NEGATIVE, (attitude_t){5, 10, 5}, i, out, sizeof out);
        blunt += strstr(out, "puddles are") != NULL && strncmp(out, "Puddles", 7) != 0;
        voice("Puddles are [very] dull.", SENTIMENT_NEGATIVE, (attitude_t){5, 1, 5}, i, out, sizeof out);
        hedged += strstr(out, "but puddles") != NULL || strstr(out, "Gently: puddles") != NULL;
        voice("Puddles are [very] lovely.", SENTIMENT_POSITIVE, (attitude_t){5, 5, 10}, i, out, sizeof out);
        tags += strcmp(out, "Puddles are very lovely.") != 0;
        voice("Puddles are [very] lovely.", SENTIMENT_POSITIVE, (attitude_t){5, 5, 3}, i, out, sizeof out);
        plain_tags += strcmp(out, "Puddles are very lovely.") != 0;
    }
    assert_true(blunt >= 10);
    assert_true(hedged >= 10);
    assert_true(tags >= 5 && tags < 30);
    assert_int_equal(plain_tags, 0);
    /* "I" is never lower-cased after an opener */
    for (int i = 0; i < 30; i++) {
        voice("I find it [very] dull.", SENTIMENT_NEGATIVE, (attitude_t){5, 10, 5}, i, out, sizeof out);
        assert_null(strstr(out, " i find"));
    }
    /* voicing is deterministic */
    char again[512];
    voice("Puddles are [very] lovely.", SENTIMENT_POSITIVE, (attitude_t){9, 5, 9}, 4, out, sizeof out);
    voice("Puddles are [very] lovely.", SENTIMENT_POSITIVE, (attitude_t){9, 5, 9}, 4, again, sizeof again);
    assert_string_equal(out, again);
}

/* A voiced thread never shows the same line twice, whatever the attitude. */
static void test_voiced_thread_unique(void **state)
{
    (void)state;
    static conversation_t c;
    const char *names[CONV_MAX_ROLES] = {"Pip", "Pip", "Pip", "Pip"}; /* one chatling voicing every role */
    attitude_t atts[] = {{1, 1, 1}, {10, 10, 10}, {5, 5, 5}, {10, 1, 7}};
    for (uint64_t seed = 1; seed < 80; seed++) {
        conversation_generate(&CONV_TOPICS[seed % CONV_TOPICS_COUNT], seed, &c);
        for (size_t a = 0; a < sizeof atts / sizeof atts[0]; a++) {
            static char lines[CONV_MAX_LINES][CONV_LINE_MAX + 128];
            for (int i = 0; i < c.nlines; i++) {
                buf_t b;
                buf_init(&b, 4096);
                conversation_voice(&b, &c.lines[i], i, &atts[a], names, seed);
                snprintf(lines[i], sizeof lines[i], "%s", b.data);
                buf_free(&b);
                for (int j = 0; j < i; j++)
                    if (!strcmp(lines[i], lines[j]))
                        fail_msg("seed %llu attitude %zu: \"%s\" twice", (unsigned long long)seed, a, lines[i]);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_rules),   cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_varied),           cmocka_unit_test(test_from_json),
        cmocka_unit_test(test_voice),            cmocka_unit_test(test_voiced_thread_unique),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
