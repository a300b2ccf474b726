/* clock: the game's one source of wall-clock time, and ISO-week arithmetic.
 * Every rule that depends on the date (weekly leaderboards, idle-game earnings) reads
 * clock_now(), so a development server can be moved forward in time with
 * CHATLINGS_CLOCK_OFFSET_S (config_load refuses that setting in production). */
#ifndef CHATLINGS_CLOCK_H
#define CHATLINGS_CLOCK_H
#include <stddef.h>
#include <stdint.h>

#define CLOCK_MS_PER_DAY 86400000LL
#define CLOCK_MS_PER_WEEK (7 * CLOCK_MS_PER_DAY)

/* Milliseconds since 1970-01-01T00:00:00Z, plus the configured offset. */
int64_t clock_now(void);

/* Set once at start-up (config_load) before any thread reads the clock. */
void clock_set_offset_s(int64_t offset_s);
int64_t clock_offset_s(void);

/* An ISO-8601 week: weeks start on Monday 00:00 UTC; week 1 holds the year's first Thursday. */
typedef struct clock_week {
    int year;  /* ISO week-numbering year (may differ from the calendar year at the edges) */
    int week;  /* 1..53 */
} clock_week_t;

/* The week containing the instant ms (epoch milliseconds, UTC). */
clock_week_t clock_week_of(int64_t ms);
/* Epoch milliseconds of Monday 00:00:00 UTC opening week w (w must be valid). */
int64_t clock_week_start(clock_week_t w);
/* 52 or 53. */
int clock_weeks_in_year(int year);
/* "2026-W48" into out (at least 9 bytes). */
void clock_week_format(clock_week_t w, char *out, size_t outlen);
/* Parses exactly "YYYY-Www" (year 1970..9999, week 01..52/53 as that year has). 0 or -1. */
int clock_week_parse(const char *s, clock_week_t *out);
/* <0, 0, >0 like strcmp. */
int clock_week_cmp(clock_week_t a, clock_week_t b);

/* Days since 1970-01-01 for a proleptic Gregorian date, and back. */
int64_t clock_days_from_civil(int y, unsigned m, unsigned d);
void clock_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);

/* ISO-8601 UTC text "2026-11-27T02:08:00Z" of epoch milliseconds (out >= 21 bytes). */
void clock_format_iso(int64_t ms, char *out, size_t outlen);

#endif
