/* pick: a uniformly random active creature of one rarity, without walking the catalogue.
 * The randomness comes from the caller (game/rng, seeded from the OS), so this module stays
 * free of policy and a seeded test can replay a pick. */
#ifndef CHATLINGS_PICK_H
#define CHATLINGS_PICK_H
#include <libpq-fe.h>
#include <stdint.h>

#include "core/buf.h"
#include "store/db.h"

#define PICK_MAX_DRAWS 512
/* the room pick_draws_literal needs: "{", then up to 10 digits and a "," or "}" per draw */
#define PICK_DRAWS_LITERAL_MAX (PICK_MAX_DRAWS * 11 + 3)

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

/* The pick as SQL, for a statement that picks and writes in one go (the daily box). In a
 * FROM list that has PICK_BOUNDS_SQL as B: PICK_PROBES_SQL is a subquery giving the creatures
 * row of the first of the DRAWS (a bigint[] expression) that is an active creature of RARITY,
 * PICK_WALK_SQL the exact walk's row for FALLBACK (a bigint in [0, 2^32)); as
 * LATERAL (PICK_PROBES_SQL UNION ALL PICK_WALK_SQL LIMIT 1) the walk runs only when every probe
 * missed, and there is no row only when the rarity has no active creature.
 * PICK_COLUMNS_SQL(C) lists the picked_t fields of such a row C, in order. */
#define PICK_BOUNDS_SQL "(SELECT min(seq) AS lo, max(seq) AS hi FROM creatures)"
#define PICK_PROBES_SQL(B, RARITY, DRAWS)                                                                       \
    "(SELECT c.* FROM unnest(" DRAWS ") d(u),"                                                                  \
    " LATERAL (SELECT * FROM creatures c WHERE c.seq = " B ".lo + ((d.u * (" B ".hi - " B ".lo + 1)::bigint) >> 32)::int" \
    "          AND c.rarity = " RARITY " AND c.deleted_at IS NULL AND c.is_active) c LIMIT 1)"
#define PICK_WALK_SQL(RARITY, FALLBACK)                                                                         \
    "(SELECT c.* FROM creatures c WHERE c.rarity = " RARITY " AND c.deleted_at IS NULL AND c.is_active"        \
    " ORDER BY c.seq OFFSET (SELECT (count(*) * " FALLBACK ") >> 32 FROM creatures"                             \
    "                        WHERE rarity = " RARITY " AND deleted_at IS NULL AND is_active) LIMIT 1)"
#define PICK_COLUMNS_SQL(C)                                                                                     \
    C ".id, " C ".name, " C ".short_name, (SELECT name FROM body_types WHERE id = " C ".body_type_id), " C      \
    ".rarity, " C ".colour_scheme"
#define PICK_COLUMN_COUNT 6
/* The PICK_COLUMNS_SQL of row `row` of r, starting at column `col`, into out. */
void pick_take(PGresult *r, int row, int col, picked_t *out);
/* "{1,2,3}": n draws as an array literal, appended to b */
void pick_draws_literal(buf_t *b, const uint32_t *draws, int n);

/* The probe step of pick_creature for a batch: one statement for up to PICK_MAX_BATCH items,
 * each with its own rarity and draws. Sets found (and out) for each item some probe hit;
 * the others go on with pick_creature(..., n = 0, ...), the walk. Returns how many were
 * found, or -1 (*err as pick_creature). */
#define PICK_MAX_BATCH 64
typedef struct pick_req {
    const char *rarity;
    const uint32_t *draws;
    int n;
    picked_t *out;
    int found;
} pick_req_t;
int pick_probe_many(db_conn_t *db, pick_req_t *reqs, int n, PGresult **err);

#endif
