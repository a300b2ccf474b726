/* team: GET and PUT /api/user/team. Five slots of owned, present chatlings; slot 1 is the
 * current chatling, read from users.current_creature_id at every GET (never copied), so that
 * choosing another current chatling anywhere moves slot 1 with it. Slots 2..5 live in
 * user_teams. A slot whose chatling has run away, left the collection, or become the current
 * chatling shows empty and scores nothing. The score is game/team.c's. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "core/clock.h"
#include "game/creatures.h"
#include "game/team.h"
#include "store/cache.h"
#include "store/leaderboard.h"

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Slots 1..5: slot, creature id, name, short name, rarity, status (NULL = not owned), rizz,
 * Σ of the 8 traits, "is the current chatling again", fielded_at. */
static const db_stmt_t STMT_TEAM = {
    "team_get",
    "WITH me AS (SELECT id, current_creature_id FROM users WHERE id = $1 AND deleted_at IS NULL),"
    " slots AS (SELECT 1::bigint AS slot, me.current_creature_id AS cid FROM me"
    "   UNION ALL SELECT x.ord + 1, x.cid FROM me JOIN user_teams t ON t.user_id = me.id,"
    "   unnest(t.creature_ids) WITH ORDINALITY x(cid, ord))"
    " SELECT s.slot, s.cid, c.name, c.short_name, c.rarity, uc.status, uc.rizz, tr.total,"
    "   (s.slot > 1 AND s.cid = me.current_creature_id),"
    "   (SELECT " ISO("updated_at") " FROM user_teams WHERE user_id = me.id)"
    " FROM slots s CROSS JOIN me"
    " LEFT JOIN user_collections uc ON uc.user_id = me.id AND uc.creature_id = s.cid"
    " LEFT JOIN creatures c ON c.id = s.cid"
    " LEFT JOIN LATERAL (SELECT sum(score)::int AS total FROM creature_traits WHERE creature_id = s.cid) tr ON true"
    " ORDER BY s.slot",
    1};

/* Renders the team of uid as the response body. 0, or -1 with the response set. */
static int render_team(http_ctx_t *ctx, db_conn_t *db, const char *uid)
{
    const char *params[] = {uid};
    PGresult *res = db_exec(db, &STMT_TEAM, params);
    if (api_check(ctx, res))
        return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        http_res_error(ctx->res, 401, "unauthorized", "sign in first");
        return -1;
    }
    team_member_t members[TEAM_SLOTS];
    int nmembers = 0, row = 0;
    buf_t slots, ids;
    buf_init(&slots, 64 * 1024);
    buf_init(&ids, 4096);
    char num[32];
    for (int slot = 1; slot <= TEAM_SLOTS; slot++) {
        int has = row < PQntuples(res) && atoi(PQgetvalue(res, row, 0)) == slot;
        int ok = has && !PQgetisnull(res, row, 1) && !PQgetisnull(res, row, 5) &&
                 !strcmp(PQgetvalue(res, row, 5), "with_player") && PQgetvalue(res, row, 8)[0] != 't' &&
                 !PQgetisnull(res, row, 7);
        buf_printf(&slots, "%s{\"slot\":%d,\"creature\":", slot > 1 ? "," : "", slot);
        if (ok) {
            team_member_t *m = &members[nmembers++];
            m->overall_tenths = team_overall_tenths(atoi(PQgetvalue(res, row, 7)));
            m->rarity = rarity_from_name(PQgetvalue(res, row, 4));
            m->rizz = atoi(PQgetvalue(res, row, 6));
            buf_puts(&slots, "{\"id\":");
            buf_json_cstr(&slots, PQgetvalue(res, row, 1));
            buf_puts(&slots, ",\"name\":");
            buf_json_cstr(&slots, PQgetvalue(res, row, 2));
            buf_puts(&slots, ",\"short_name\":");
            buf_json_cstr(&slots, PQgetvalue(res, row, 3));
            buf_puts(&slots, ",\"rarity\":");
            buf_json_cstr(&slots, PQgetvalue(res, row, 4));
            buf_printf(&slots, ",\"overall\":%d.%d,\"rizz\":%d}", m->overall_tenths / 10, m->overall_tenths % 10,
                       m->rizz);
            team_format_x100(team_member_score_x100(m), num, sizeof num);
            buf_printf(&slots, ",\"score\":%s}", num);
            buf_puts(&ids, ids.len ? "," : "");
            buf_json_cstr(&ids, PQgetvalue(res, row, 1));
        } else {
            buf_puts(&slots, "null,\"score\":0}");
        }
        if (has)
            row++;
    }
    buf_t *b = &ctx->res->body;
    team_format_x100(team_score_x100(members, nmembers), num, sizeof num);
    buf_puts(b, "{\"creature_ids\":[");
    buf_append(b, ids.data, ids.len);
    buf_puts(b, "],\"slots\":[");
    buf_append(b, slots.data, slots.len);
    buf_printf(b, "],\"score\":%s,\"fielded_at\":", num);
    api_json_time(b, res, 0, 9);
    buf_puts(b, "}");
    buf_free(&slots);
    buf_free(&ids);
    PQclear(res);
    return 0;
}

void api_team_get(http_ctx_t *ctx)
{
    db_conn_t *db = api_db_read(ctx);
    if (db)
        render_team(ctx, db, api_user_id(ctx));
}

static const db_stmt_t STMT_LOCK_MEMBERS = {
    "team_lock_members",
    "SELECT creature_id, status FROM user_collections WHERE user_id = $1 AND creature_id = ANY($2::uuid[])"
    " FOR UPDATE",
    2};
static const db_stmt_t STMT_SET_CURRENT = {
    "team_set_current",
    "UPDATE users SET current_creature_id = $2 WHERE id = $1 AND deleted_at IS NULL RETURNING id", 2};
static const db_stmt_t STMT_SAVE_TEAM = {
    "team_save",
    "INSERT INTO user_teams (user_id, creature_ids, updated_at) VALUES ($1, $2::uuid[], to_timestamp($3::bigint / 1000.0))"
    " ON CONFLICT (user_id) DO UPDATE SET creature_ids = EXCLUDED.creature_ids, updated_at = EXCLUDED.updated_at",
    3};

static void rollback(db_conn_t *db)
{
    db_command(db, "ROLLBACK");
}

void api_team_put(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    json_t *arr = json_object_get(doc, "creature_ids");
    if (!json_is_array(arr)) {
        json_decref(doc);
        http_res_error(ctx->res, 400, "bad_request", "creature_ids must be an array of 1 to 5 creature ids");
        return;
    }
    size_t n = json_array_size(arr);
    char ids[TEAM_SLOTS][37];
    const char *idp[TEAM_SLOTS];
    team_check_t shape = n == 0 ? TEAM_EMPTY : n > TEAM_SLOTS ? TEAM_TOO_MANY : TEAM_OK;
    for (size_t i = 0; shape == TEAM_OK && i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (!s || !api_is_uuid(s)) {
            json_decref(doc);
            http_res_error(ctx->res, 400, "bad_request", "creature_ids must hold creature ids (UUIDs)");
            return;
        }
        for (int k = 0; k < 37; k++)
            ids[i][k] = (char)tolower((unsigned char)s[k]);
        idp[i] = ids[i];
    }
    json_decref(doc);
    if (shape == TEAM_OK)
        shape = team_check_ids(idp, (int)n);
    if (shape != TEAM_OK) {
        http_res_error(ctx->res, 400, "bad_request", team_check_message(shape));
        return;
    }
    /* {id1,...} for ANY(), and {id2,...} for the stored slots 2..5 */
    char all[TEAM_SLOTS * 38 + 3], rest[TEAM_SLOTS * 38 + 3];
    size_t al = 0, rl = 0;
    all[al++] = '{';
    rest[rl++] = '{';
    for (size_t i = 0; i < n; i++) {
        al += (size_t)snprintf(all + al, sizeof all - al, "%s%s", i ? "," : "", ids[i]);
        if (i > 0)
            rl += (size_t)snprintf(rest + rl, sizeof rest - rl, "%s%s", i > 1 ? "," : "", ids[i]);
    }
    snprintf(all + al, sizeof all - al, "}");
    snprintf(rest + rl, sizeof rest - rl, "}");

    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    if (db_command(db, "BEGIN")) {
        api_check(ctx, NULL);
        return;
    }
    /* Locking the rows holds off a concurrent runaway or release until the team is saved. */
    const char *lp[] = {uid, all};
    PGresult *res = db_exec(db, &STMT_LOCK_MEMBERS, lp);
    if (api_check(ctx, res)) {
        rollback(db);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *status = NULL;
        for (int k = 0; k < PQntuples(res); k++)
            if (!strcmp(PQgetvalue(res, k, 0), ids[i]))
                status = PQgetvalue(res, k, 1);
        char msg[160];
        if (!status || strcmp(status, "with_player")) {
            snprintf(msg, sizeof msg, status ? "chatling %s has run away: win it back first"
                                             : "chatling %s is not in your collection", ids[i]);
            PQclear(res);
            rollback(db);
            http_res_error(ctx->res, 409, "conflict", msg);
            return;
        }
    }
    PQclear(res);
    const char *cp[] = {uid, ids[0]};
    res = db_exec(db, &STMT_SET_CURRENT, cp);
    if (api_check(ctx, res)) {
        rollback(db);
        return;
    }
    int found = PQntuples(res);
    PQclear(res);
    if (!found) {
        rollback(db);
        http_res_error(ctx->res, 401, "unauthorized", "sign in first");
        return;
    }
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)clock_now());
    const char *sp[] = {uid, rest, now};
    res = db_exec(db, &STMT_SAVE_TEAM, sp);
    if (api_check(ctx, res)) {
        rollback(db);
        return;
    }
    PQclear(res);
    if (db_command(db, "COMMIT")) {
        api_check(ctx, NULL);
        rollback(db);
        return;
    }
    /* the profile shows the current chatling */
    char key[80];
    snprintf(key, sizeof key, "user:%s:profile", uid);
    cache_del(ctx->thread->redis, key);
    leaderboard_player_changed(db, ctx->thread->redis, uid);
    render_team(ctx, db, uid);
}
