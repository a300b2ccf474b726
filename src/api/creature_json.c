/* creature_json: the player-side creature renderers. */
#include "api/creature_json.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const TRAIT_KEYS[TRAIT_COUNT] = {
    "friendliness", "playfulness", "creativity", "empathy", "energy", "confidence", "humor", "curiosity",
};

const char *creature_json_trait_key(int trait)
{
    return trait >= 0 && trait < TRAIT_COUNT ? TRAIT_KEYS[trait] : "unknown";
}

void creature_json_members(buf_t *b, const picked_t *c)
{
    buf_puts(b, "\"id\":");
    buf_json_cstr(b, c->id);
    buf_puts(b, ",\"name\":");
    buf_json_cstr(b, c->name);
    buf_puts(b, ",\"short_name\":");
    buf_json_cstr(b, c->short_name);
    buf_puts(b, ",\"body_type\":");
    buf_json_cstr(b, c->body_type);
    buf_puts(b, ",\"rarity\":");
    buf_json_cstr(b, c->rarity);
    buf_puts(b, ",\"colour_scheme\":");
    buf_json_cstr(b, c->colour_scheme);
}

void creature_json_summary(buf_t *b, const picked_t *c)
{
    buf_puts(b, "{");
    creature_json_members(b, c);
    buf_puts(b, "}");
}

void creature_json_from_row(picked_t *c, const char *const cols[6])
{
    snprintf(c->id, sizeof c->id, "%s", cols[0]);
    snprintf(c->name, sizeof c->name, "%s", cols[1]);
    snprintf(c->short_name, sizeof c->short_name, "%s", cols[2]);
    snprintf(c->body_type, sizeof c->body_type, "%s", cols[3]);
    snprintf(c->rarity, sizeof c->rarity, "%s", cols[4]);
    snprintf(c->colour_scheme, sizeof c->colour_scheme, "%s", cols[5]);
}

int creature_json_parse_traits(const char *csv, int traits[TRAIT_COUNT])
{
    const char *p = csv;
    if (!p)
        return -1;
    for (int n = 0; n < TRAIT_COUNT; n++) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0 || v > 100)
            return -1;
        traits[n] = (int)v;
        if (n == TRAIT_COUNT - 1)
            return *end == '\0' ? 0 : -1;
        if (*end != ',')
            return -1;
        p = end + 1;
    }
    return -1;
}

void creature_json_scores(buf_t *b, const int traits[TRAIT_COUNT])
{
    derived_scores_t d;
    creatures_derive(traits, &d);
    buf_puts(b, "\"traits\":{");
    for (int i = 0; i < TRAIT_COUNT; i++)
        buf_printf(b, "%s\"%s\":%d", i ? "," : "", TRAIT_KEYS[i], traits[i]);
    buf_printf(b, "},\"scores\":{\"ability\":%.1f,\"strength\":%.1f,\"affection\":%.1f,\"uniqueness\":%.1f,\"overall\":%.1f}",
               d.ability, d.strength, d.affection, d.uniqueness, d.overall);
}
