/* dailybox: cooldown and streak arithmetic. */
#include "game/dailybox.h"

long long dailybox_seconds_left(long long last_claim_unix, long long now_unix)
{
    if (last_claim_unix < 0)
        return 0;
    long long left = last_claim_unix + DAILYBOX_COOLDOWN_S - now_unix;
    return left > 0 ? left : 0;
}

int dailybox_streak_next(int prev_streak, long prev_day, long today)
{
    if (prev_day >= 0 && prev_day == today)
        return prev_streak > 0 ? prev_streak : 1;
    if (prev_day >= 0 && prev_day == today - 1)
        return prev_streak + 1;
    return 1;
}
