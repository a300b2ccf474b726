/* avatar: a player picks one of 9 procedurally drawn candidates (GAME.md "Avatars"). The first
 * pick is free; changing it later spends an Avatar reset bought in the shop, in the same
 * conditional UPDATE, so a credit can never be spent twice or go negative. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "game/artwork.h"
#include "store/cache.h"

static const db_stmt_t STMT_AVATAR_STATE = {
    "avatar_state", "SELECT avatar_n, avatar_reset_credits FROM users WHERE id = $1", 1};

void api_avatar_candidates(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    const char *params[] = {uid};
    PGresult *r = db_exec(db, &STMT_AVATAR_STATE, params);
    if (api_check(ctx, r))
        return;
    if (PQntuples(r) != 1) {
        PQclear(r);
        http_res_error(ctx->res, 404, "not_found", "no such player");
        return;
    }
    buf_t *b = &ctx->res->body;
    int chosen = !PQgetisnull(r, 0, 0);
    buf_printf(b, "{\"current\":%s,\"reset_credits\":%s,\"next_change_free\":%s,\"candidates\":[",
               chosen ? PQgetvalue(r, 0, 0) : "null", PQgetvalue(r, 0, 1), chosen ? "false" : "true");
    for (int n = 0; n < ARTWORK_AVATAR_CANDIDATES; n++)
        buf_printf(b, "%s{\"n\":%d,\"url\":\"/avatars/%s/%d\"}", n ? "," : "", n, uid, n);
    buf_puts(b, "]}");
    PQclear(r);
}

static const db_stmt_t STMT_AVATAR_SET = {
    "avatar_set",
    "UPDATE users SET avatar_n = $2::smallint,"
    " avatar_reset_credits = avatar_reset_credits"
    "   - CASE WHEN avatar_n IS NULL OR avatar_n = $2::smallint THEN 0 ELSE 1 END"
    " WHERE id = $1 AND (avatar_n IS NULL OR avatar_n = $2::smallint OR avatar_reset_credits > 0)"
    " RETURNING avatar_n, avatar_reset_credits",
    2};

void api_avatar_set(http_ctx_t *ctx)
{
    json_t *body = api_json_body(ctx);
    if (!body)
        return;
    json_t *nv = json_object_get(body, "n");
    json_int_t n = json_is_integer(nv) ? json_integer_value(nv) : -1;
    json_decref(body);
    if (n < 0 || n >= ARTWORK_AVATAR_CANDIDATES) {
        http_res_error(ctx->res, 400, "bad_request", "n must be an integer from 0 to 8");
        return;
    }
    const char *uid = api_user_id(ctx);
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    char n_text[8];
    snprintf(n_text, sizeof n_text, "%d", (int)n);
    const char *params[] = {uid, n_text};
    PGresult *r = db_exec(db, &STMT_AVATAR_SET, params);
    if (api_check(ctx, r))
        return;
    if (PQntuples(r) != 1) {
        PQclear(r);
        http_res_error(ctx->res, 409, "conflict", "changing your avatar needs an Avatar reset from the shop");
        return;
    }
    char key[80];
    snprintf(key, sizeof key, "user:%s:profile", uid);
    cache_del(ctx->thread->redis, key);
    buf_printf(&ctx->res->body, "{\"avatar_n\":%s,\"reset_credits\":%s,\"url\":\"/avatars/%s/%s\"}", PQgetvalue(r, 0, 0),
               PQgetvalue(r, 0, 1), uid, PQgetvalue(r, 0, 0));
    PQclear(r);
}
