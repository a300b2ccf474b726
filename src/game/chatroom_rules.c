/* chatroom_rules: the numbers of GAME.md "Chatrooms" in one place. */
#include "game/chatroom_rules.h"

#include <string.h>

const char *const MOOD_NAMES[MOOD_COUNT] = {"happy", "neutral", "unhappy"};

int chatroom_mood_from_name(const char *name)
{
    for (int i = 0; name && i < MOOD_COUNT; i++)
        if (!strcmp(name, MOOD_NAMES[i]))
            return i;
    return -1;
}

int chatroom_line_glow(sentiment_t s)
{
    switch (s) {
    case SENTIMENT_POSITIVE: return 2;
    case SENTIMENT_NEUTRAL: return 1;
    case SENTIMENT_NEGATIVE: return -1;
    default: return 0;
    }
}

mood_t chatroom_mood_for_glow(int glow)
{
    if (glow >= MOOD_HAPPY_AT)
        return MOOD_HAPPY;
    if (glow <= MOOD_UNHAPPY_AT)
        return MOOD_UNHAPPY;
    return MOOD_NEUTRAL;
}

int chatroom_apply_reading(chatling_state_t *s, int glow_delta)
{
    long g = (long)s->glow + glow_delta;
    s->glow = (int)(g < GLOW_MIN ? GLOW_MIN : g > GLOW_MAX ? GLOW_MAX : g);
    mood_t was = s->mood;
    s->mood = chatroom_mood_for_glow(s->glow);
    if (s->mood == MOOD_UNHAPPY && was != MOOD_UNHAPPY) {
        s->unhappy_count++;
        return 1;
    }
    return 0;
}

int chatroom_runs_away(int unhappy_count, double draw)
{
    return unhappy_count >= RUNAWAY_AFTER_UNHAPPY && draw * 100.0 < RUNAWAY_PERCENT;
}

int chatroom_recovery_percent(int attempt)
{
    return attempt <= 1 ? 80 : attempt == 2 ? 50 : 20;
}

int chatroom_recovery_succeeds(int attempt, double draw)
{
    return draw * 100.0 < chatroom_recovery_percent(attempt);
}

int chatroom_attitude_valid(long v)
{
    return v >= ATTITUDE_MIN && v <= ATTITUDE_MAX;
}

void chatroom_role_owners(int nroles, int nchatlings, int owner[CONV_MAX_ROLES])
{
    for (int r = 0; r < CONV_MAX_ROLES; r++)
        owner[r] = r < nroles && nchatlings > 0 ? r % nchatlings : -1;
}

void chatroom_role_glow(const conversation_t *c, int delta[CONV_MAX_ROLES], int lines[CONV_MAX_ROLES])
{
    for (int r = 0; r < CONV_MAX_ROLES; r++)
        delta[r] = lines[r] = 0;
    for (int i = 0; i < c->nlines; i++) {
        int r = c->lines[i].role;
        if (r < 0 || r >= CONV_MAX_ROLES)
            continue;
        delta[r] += chatroom_line_glow(c->lines[i].sentiment);
        lines[r]++;
    }
}
