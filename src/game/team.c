/* team: team score and the shape rules of a team request (GAME.md "Team"). */
#include "game/team.h"

#include <stdio.h>
#include <strings.h>

const int TEAM_MULTIPLIER_TENTHS[6] = {10, 12, 15, 20, 30, 50};

int team_overall_tenths(int trait_sum)
{
    /* mean = sum / 8; tenths = sum * 10 / 8 rounded half up (sums are never negative) */
    return (trait_sum * 10 + 4) / 8;
}

int64_t team_member_score_x100(const team_member_t *m)
{
    int mult = (m->rarity >= 0 && m->rarity < 6) ? TEAM_MULTIPLIER_TENTHS[m->rarity] : 10;
    /* tenths x tenths = hundredths; 2 x rizz = 200 x rizz hundredths */
    return (int64_t)m->overall_tenths * mult + 200 * (int64_t)m->rizz;
}

int64_t team_score_x100(const team_member_t *members, int n)
{
    int64_t total = 0;
    for (int i = 0; i < n && i < TEAM_SLOTS; i++)
        total += team_member_score_x100(&members[i]);
    return total;
}

void team_format_x100(int64_t x100, char *out, unsigned long outlen)
{
    const char *sign = x100 < 0 ? "-" : "";
    uint64_t v = x100 < 0 ? (uint64_t)0 - (uint64_t)x100 : (uint64_t)x100;
    snprintf(out, outlen, "%s%llu.%02llu", sign, (unsigned long long)(v / 100), (unsigned long long)(v % 100));
}

team_check_t team_check_ids(const char *const *ids, int n)
{
    if (n <= 0)
        return TEAM_EMPTY;
    if (n > TEAM_SLOTS)
        return TEAM_TOO_MANY;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (!strcasecmp(ids[i], ids[j]))
                return TEAM_DUPLICATE;
    return TEAM_OK;
}

const char *team_check_message(team_check_t c)
{
    switch (c) {
    case TEAM_OK: return "ok";
    case TEAM_EMPTY: return "creature_ids must list 1 to 5 of your chatlings (slot 1 is your current chatling)";
    case TEAM_TOO_MANY: return "a team has at most 5 chatlings";
    case TEAM_DUPLICATE: return "a chatling can hold only one slot";
    }
    return "invalid team";
}
