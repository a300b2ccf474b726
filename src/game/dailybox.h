/* dailybox: the daily mystery box rules of GAME.md: one box per rolling 24 hours, +5 motes, a
 * box-weighted rarity (game/odds), and a streak of UTC days with a box for the "7 days in a row"
 * achievement. Pure; the atomic claim itself is one conditional UPDATE in api/dailybox.c. */
#ifndef CHATLINGS_DAILYBOX_H
#define CHATLINGS_DAILYBOX_H

#define DAILYBOX_COOLDOWN_S (24 * 3600)
#define DAILYBOX_MOTES 5

/* Seconds until the next claim is allowed (0 = ready). last_claim < 0 means never claimed. */
long long dailybox_seconds_left(long long last_claim_unix, long long now_unix);

/* The streak after a claim on day `today` (days since the epoch, UTC), given the streak and the
 * day of the previous claim (prev_day < 0: none): consecutive days add one, the same day keeps
 * it, a gap starts again at 1. The SQL of the claim implements the same rule. */
int dailybox_streak_next(int prev_streak, long prev_day, long today);

#endif
