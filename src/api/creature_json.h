/* creature_json: how a creature is rendered in the player-side API (collection, rewards,
 * encounters): its summary, and its traits with the derived scores exactly as the catalogue
 * shows them (lower-case trait names; ability, strength, affection, uniqueness, overall). */
#ifndef CHATLINGS_CREATURE_JSON_H
#define CHATLINGS_CREATURE_JSON_H
#include "core/buf.h"
#include "game/creatures.h"
#include "store/pick.h"

/* {"id","name","short_name","body_type","rarity","colour_scheme"} */
void creature_json_summary(buf_t *b, const picked_t *c);
/* The same members without the braces, for objects that add their own. */
void creature_json_members(buf_t *b, const picked_t *c);
/* Fills a picked_t from 6 text columns of a result row starting at col (id, name, short_name,
 * body type name, rarity, colour scheme). */
void creature_json_from_row(picked_t *c, const char *const cols[6]);
/* "12,55,..." (8 scores in trait order, as string_agg(score::text, ',' ORDER BY trait_id)
 * gives them) -> traits[]; 0 when all 8 were present and within 0..100. */
int creature_json_parse_traits(const char *csv, int traits[TRAIT_COUNT]);
/* "traits":{"friendliness":..,...},"scores":{"ability":..,...,"overall":..} (members only) */
void creature_json_scores(buf_t *b, const int traits[TRAIT_COUNT]);
/* The trait's name in lower case ("friendliness"), as the API spells trait keys. */
const char *creature_json_trait_key(int trait);

#endif
