/* shop: GET /api/shop/items and POST /api/shop/purchase. A purchase is one transaction: the
 * conditional debit (UPDATE ... WHERE motes >= price RETURNING) can never drive motes below
 * zero and lets exactly one of several concurrent purchases through when only one is
 * affordable; the item's effect follows in the same transaction, so a failed effect refunds
 * by rolling back.
 * Effects: avatar_reset adds a credit (users.avatar_reset_credits) that the avatar change
 * consumes; extra_box opens a box at once without touching the daily box's 24 h timer (and
 * pays no daily +5 motes, which belong to the daily box); encounter_refresh replaces today's
 * wild creature (409, nothing charged, when today's encounters are all used). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/creature_json.h"
#include "api/encounters.h"
#include "api/handlers.h"
#include "api/rewards.h"
#include "game/shop.h"
#include "store/telemetry.h"

static const db_stmt_t STMT_BALANCE = {
    "shop_balance", "SELECT motes, avatar_reset_credits FROM users WHERE id = $1 AND deleted_at IS NULL", 1};

void api_shop_items(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    db_conn_t *db = api_db(ctx); /* the balance right after a purchase */
    if (!db)
        return;
    const char *params[] = {uid};
    PGresult *r = db_exec(db, &STMT_BALANCE, params);
    if (api_check(ctx, r))
        return;
    if (PQntuples(r) == 0) {
        PQclear(r);
        http_res_error(ctx->res, 401, "unauthorized", "sign in first");
        return;
    }
    long motes = atol(PQgetvalue(r, 0, 0));
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"items\":[");
    for (int i = 0; i < SHOP_ITEM_COUNT; i++) {
        const shop_item_t *it = &SHOP_ITEMS[i];
        buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        buf_json_cstr(b, it->key);
        buf_puts(b, ",\"name\":");
        buf_json_cstr(b, it->name);
        buf_puts(b, ",\"description\":");
        buf_json_cstr(b, it->description);
        buf_printf(b, ",\"price\":%d,\"affordable\":%s}", it->price, motes >= it->price ? "true" : "false");
    }
    buf_printf(b, "],\"motes\":%ld,\"avatar_reset_credits\":%s}", motes, PQgetvalue(r, 0, 1));
    PQclear(r);
}

static const db_stmt_t STMT_DEBIT = {
    "shop_debit",
    "UPDATE users SET motes = motes - $2::int, avatar_reset_credits = avatar_reset_credits + $3::int"
    " WHERE id = $1 AND deleted_at IS NULL AND motes >= $2::int RETURNING motes, avatar_reset_credits",
    3};

static const db_stmt_t STMT_RECORD = {
    "shop_record", "INSERT INTO purchases (user_id, item_id, price) VALUES ($1, $2, $3::int)", 3};

void api_shop_purchase(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    const shop_item_t *item = shop_find(json_string_value(json_object_get(doc, "item_id")));
    json_decref(doc);
    if (!item) {
        http_res_error(ctx->res, 400, "bad_request", "item_id must be one of avatar_reset, extra_box, encounter_refresh");
        return;
    }
    char day[11], price[16], props[128];
    rewards_today(day);
    snprintf(price, sizeof price, "%d", item->price);
    snprintf(props, sizeof props, "{\"item_id\":\"%s\",\"price\":%d}", item->key, item->price);
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    if (db_command(db, "BEGIN")) {
        api_check(ctx, NULL);
        return;
    }
    PGresult *err = NULL;
    const char *dp[] = {uid, price, item->id == SHOP_AVATAR_RESET ? "1" : "0"};
    PGresult *r = db_exec(db, &STMT_DEBIT, dp);
    if (api_check(ctx, r))
        goto rollback;
    if (PQntuples(r) == 0) {
        PQclear(r);
        char msg[96];
        snprintf(msg, sizeof msg, "not enough motes: %s costs %d", item->name, item->price);
        http_res_error(ctx->res, 409, "conflict", msg);
        goto rollback;
    }
    long motes = atol(PQgetvalue(r, 0, 0));
    long credits = atol(PQgetvalue(r, 0, 1));
    PQclear(r);

    effects_t fx;
    effects_init(&fx);
    fx.motes = 1;
    picked_t pick;
    grant_t g;
    int slot = 0, rc = 1;
    if (item->id == SHOP_EXTRA_BOX)
        rc = rewards_open_box(db, rng_thread(), uid, "extra", 0, 0, &pick, &g, &fx, &err);
    else if (item->id == SHOP_ENCOUNTER_REFRESH)
        rc = encounters_refresh(db, rng_thread(), uid, day, &pick, &slot, &err);
    if (rc < 0) {
        api_check(ctx, err);
        goto rollback;
    }
    if (rc == 0) {
        if (item->id == SHOP_ENCOUNTER_REFRESH)
            http_res_error(ctx->res, 409, "conflict", "today's encounters are all used: nothing to refresh");
        else
            http_res_error(ctx->res, 503, "unavailable", "there are no creatures to give right now");
        goto rollback;
    }
    const char *rp[] = {uid, item->key, price};
    r = db_exec(db, &STMT_RECORD, rp);
    if (api_check(ctx, r))
        goto rollback;
    PQclear(r);
    if (telemetry_record(db, uid, "shop_purchase", props, &fx, &err)) {
        api_check(ctx, err);
        goto rollback;
    }
    if (db_command(db, "COMMIT")) {
        api_check(ctx, NULL);
        goto rollback;
    }
    effects_apply(db, ctx->thread->redis, uid, &fx);

    buf_t *b = &ctx->res->body;
    if (item->id == SHOP_EXTRA_BOX)
        for (int i = 0; i < g.unlocked.n; i++)
            motes += g.unlocked.items[i].points;
    buf_puts(b, "{\"item_id\":");
    buf_json_cstr(b, item->key);
    buf_printf(b, ",\"price\":%d,\"motes\":%ld,\"avatar_reset_credits\":%ld", item->price, motes, credits);
    if (item->id == SHOP_EXTRA_BOX) {
        buf_puts(b, ",\"box\":{");
        rewards_render_grant(b, &pick, &g);
        buf_puts(b, ",\"achievements\":");
        rewards_render_unlocks(b, &g.unlocked, NULL);
        buf_puts(b, "}");
    } else if (item->id == SHOP_ENCOUNTER_REFRESH) {
        buf_printf(b, ",\"encounter\":{\"slot\":%d,\"wild\":", slot);
        creature_json_summary(b, &pick);
        buf_puts(b, "}");
    }
    buf_puts(b, "}");
    return;
rollback:
    db_command(db, "ROLLBACK");
}
