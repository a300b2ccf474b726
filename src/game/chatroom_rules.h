/* chatroom_rules: what reading a chatroom does to the chatlings that voiced it (GAME.md
 * "Chatrooms"): glow per line, mood from glow, the unhappy count, the chance to run away, and
 * the odds of winning a runaway back. Pure: the random draw (a uniform number in [0, 1)) is
 * passed in, so the callers decide where randomness comes from and tests fix it. */
#ifndef CHATLINGS_CHATROOM_RULES_H
#define CHATLINGS_CHATROOM_RULES_H

#include "game/conversation.h"

#define GLOW_MIN (-10)
#define GLOW_MAX 10
#define MOOD_HAPPY_AT 3         /* glow >= 3: happy */
#define MOOD_UNHAPPY_AT (-3)    /* glow <= -3: unhappy */
#define RUNAWAY_AFTER_UNHAPPY 3 /* unhappy this many times: may run away */
#define RUNAWAY_PERCENT 10      /* per room read */
#define ATTITUDE_MIN 1
#define ATTITUDE_MAX 10

typedef enum { MOOD_HAPPY, MOOD_NEUTRAL, MOOD_UNHAPPY, MOOD_COUNT } mood_t;
/* "happy", "neutral", "unhappy" (the user_collections.mood values) */
extern const char *const MOOD_NAMES[MOOD_COUNT];
/* -1 when unknown. */
int chatroom_mood_from_name(const char *name);

/* +2 positive, +1 neutral, -1 negative. */
int chatroom_line_glow(sentiment_t s);

/* The mood a glow means. */
mood_t chatroom_mood_for_glow(int glow);

/* One chatling's state as stored. */
typedef struct chatling_state {
    int glow;
    mood_t mood;
    int unhappy_count;
} chatling_state_t;

/* Applies a reading's total glow change: glow clamped to -10..10, mood from glow, and
 * unhappy_count + 1 when the mood became unhappy (it was not unhappy before). Returns 1 when
 * the chatling became unhappy now. */
int chatroom_apply_reading(chatling_state_t *s, int glow_delta);

/* 1 when a chatling with this unhappy count runs away on this draw (10 % once it has been
 * unhappy 3 times). */
int chatroom_runs_away(int unhappy_count, double draw);

/* The chance, in percent, that recovery attempt number attempt (1-based) succeeds:
 * 80, 50, then 20 for the third and every later one. */
int chatroom_recovery_percent(int attempt);
/* 1 when attempt number attempt succeeds on this draw. */
int chatroom_recovery_succeeds(int attempt, double draw);

/* 1 when v is a valid attitude slider value (1..10). */
int chatroom_attitude_valid(long v);

/* Which of the player's chosen chatlings voices each role: role r -> owner[r] in 0..nchatlings-1
 * (roles share chatlings round-robin when the player has fewer chatlings than roles), or -1
 * for every role when the player has none. */
void chatroom_role_owners(int nroles, int nchatlings, int owner[CONV_MAX_ROLES]);

/* The total glow change per role of a conversation: delta[r] = sum of chatroom_line_glow over
 * role r's lines; lines[r] = how many lines role r says. */
void chatroom_role_glow(const conversation_t *c, int delta[CONV_MAX_ROLES], int lines[CONV_MAX_ROLES]);

#endif
