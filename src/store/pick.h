/* pick: a uniformly random active creature of one rarity, without walking the catalogue.
 * The randomness comes from the caller (game/rng, seeded from the OS), so this module stays
 * free of policy and a seeded test can replay a pick. */
#ifndef CHATLINGS_PICK_H
#define CHATLINGS_PICK_H
#include <libpq-fe.h>
#include <stdint.h>

#include "store/db.h"

#define PICK_MAX_DRAWS 512

typedef struct picked {
    char id[37];
    char name[64];
    char short_name[48];
    char body_type[24];
    char rarity[16];
    char colour_scheme[48];
} picked_t;

/* Rejection sampling: each of the n draws (uniform 32-bit values) names a catalogue seq in
 * [min(seq), max(seq)]; the first that is an active creature of `rarity` wins, so every such
 * creature is equally likely. Each draw is one probe of the seq index, and the statement stops
 * at the first hit. When all n miss (a rare rarity, or a thin catalogue) it counts the rarity's
 * active creatures and skips fallback/2^32 of them along the (rarity, seq) index instead.
 * n = 0 goes straight to that exact walk. Returns 1 (out filled), 0 (no active creature of
 * that rarity), -1 (*err: the failed result, NULL when the connection broke). */
int pick_creature(db_conn_t *db, const char *rarity, const uint32_t *draws, int n, uint32_t fallback, picked_t *out,
                  PGresult **err);

/* The probe step of pick_creature for a batch: one statement for up to PICK_MAX_BATCH items,
 * each with its own rarity and draws. Sets found (and out) for each item some probe hit;
 * the others go on with pick_creature(..., n = 0, ...), the walk. lead: nlead statements
 * without parameters sent ahead of it in the same round trip (BEGIN, say; NULL when none).
 * Returns how many were found, or -1 (*err as pick_creature, or a lead's error). */
#define PICK_MAX_BATCH 64
typedef struct pick_req {
    const char *rarity;
    const uint32_t *draws;
    int n;
    picked_t *out;
    int found;
} pick_req_t;
int pick_probe_many(db_conn_t *db, pick_req_t *reqs, int n, const db_stmt_t *const *lead, int nlead,
                    PGresult **err);

#endif
