/* clock: wall-clock time with a development-only offset, and ISO-week arithmetic done on
 * day numbers (no timegm/gmtime: no locale, no TZ, no thread-safety questions). */
#include "core/clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Written once by config_load before any other thread starts; read-only afterwards. */
static int64_t g_offset_s;

int64_t clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + g_offset_s * 1000;
}

void clock_set_offset_s(int64_t offset_s)
{
    g_offset_s = offset_s;
}

int64_t clock_offset_s(void)
{
    return g_offset_s;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms). */
int64_t clock_days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = floor_div(y, 400);
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void clock_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = floor_div(z, 146097);
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400) + (*m <= 2);
}

/* 0 = Monday .. 6 = Sunday; day 0 (1970-01-01) was a Thursday. */
static int weekday(int64_t days)
{
    return (int)(((days + 3) % 7 + 7) % 7);
}

clock_week_t clock_week_of(int64_t ms)
{
    int64_t days = floor_div(ms, CLOCK_MS_PER_DAY);
    /* The ISO year is the calendar year of this week's Thursday. */
    int64_t thursday = days - weekday(days) + 3;
    int y;
    unsigned m, d;
    clock_civil_from_days(thursday, &y, &m, &d);
    int64_t jan1 = clock_days_from_civil(y, 1, 1);
    clock_week_t w = {y, (int)((thursday - jan1) / 7) + 1};
    return w;
}

static int64_t week1_monday(int year)
{
    int64_t jan4 = clock_days_from_civil(year, 1, 4); /* always in week 1 */
    return jan4 - weekday(jan4);
}

int64_t clock_week_start(clock_week_t w)
{
    return (week1_monday(w.year) + 7 * (int64_t)(w.week - 1)) * CLOCK_MS_PER_DAY;
}

int clock_weeks_in_year(int year)
{
    /* December 28 is always in the year's last week. */
    return clock_week_of(clock_days_from_civil(year, 12, 28) * CLOCK_MS_PER_DAY).week;
}

void clock_week_format(clock_week_t w, char *out, size_t outlen)
{
    snprintf(out, outlen, "%04d-W%02d", w.year, w.week);
}

int clock_week_parse(const char *s, clock_week_t *out)
{
    if (!s || strlen(s) != 8 || s[4] != '-' || s[5] != 'W')
        return -1;
    for (int i = 0; i < 8; i++)
        if (i != 4 && i != 5 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int week = (s[6] - '0') * 10 + (s[7] - '0');
    if (year < 1970 || week < 1 || week > clock_weeks_in_year(year))
        return -1;
    out->year = year;
    out->week = week;
    return 0;
}

int clock_week_cmp(clock_week_t a, clock_week_t b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    return a.week < b.week ? -1 : a.week > b.week;
}

void clock_format_iso(int64_t ms, char *out, size_t outlen)
{
    int64_t days = floor_div(ms, CLOCK_MS_PER_DAY);
    int64_t rem = (ms - days * CLOCK_MS_PER_DAY) / 1000;
    int y;
    unsigned m, d;
    clock_civil_from_days(days, &y, &m, &d);
    snprintf(out, outlen, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, (int)(rem / 3600), (int)(rem / 60 % 60),
             (int)(rem % 60));
}
