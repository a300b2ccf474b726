/* admin_creatures: the catalogue as admins edit it: search (including inactive and deleted
 * creatures), rename, rarity, activate or deactivate, re-roll traits, soft delete (showing the
 * players who own the creature first) and restore; and the body types (name, description,
 * trait profile). Each change is one transaction holding the row lock, with its audit row
 * (before and after), and drops the cached creature:{id}:metadata once committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/admin.h"
#include "api/api.h"
#include "api/creature_json.h"
#include "core/log.h"
#include "game/creatures.h"
#include "game/rng.h"
#include "game/traits.h"

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define Q_MAX 64
#define NAME_MAX_CHARS 48
#define SHORT_NAME_MAX_CHARS 24

/* The audit snapshot of a creature (the fields an admin can change), built by PostgreSQL. */
#define SNAPSHOT(c)                                                                                         \
    "jsonb_build_object('name', " c ".name, 'short_name', " c ".short_name, 'rarity', " c ".rarity,"      \
    " 'is_active', " c ".is_active, 'deleted_at', " ISO(c ".deleted_at") ")"

/* "creature:{id}" */
static void target_of(char *out, size_t n, const char *id)
{
    snprintf(out, n, "creature:%s", id);
}

/* ---- GET /api/admin/creatures ---- */

static const db_stmt_t STMT_LIST = {
    "admin_creatures_list",
    "SELECT c.id, c.seq, c.name, c.short_name, b.name, c.rarity, c.is_active, " ISO("c.deleted_at") ","
    " c.art_key IS NOT NULL,"
    " (SELECT count(*) FROM user_collections uc WHERE uc.creature_id = c.id),"
    " count(*) OVER ()"
    " FROM creatures c JOIN body_types b ON b.id = c.body_type_id"
    " WHERE ($1 = '' OR lower(c.name) LIKE '%' || $1 || '%' ESCAPE '\\' OR lower(c.short_name) LIKE '%' || $1 || '%' "
    "ESCAPE '\\' OR c.id::text = $1)"
    "   AND ($2 = '' OR c.rarity = $2)"
    "   AND ($3 = 0 OR c.body_type_id = $3::smallint)"
    "   AND CASE $4 WHEN 'active' THEN c.deleted_at IS NULL AND c.is_active"
    "               WHEN 'inactive' THEN c.deleted_at IS NULL AND NOT c.is_active"
    "               WHEN 'deleted' THEN c.deleted_at IS NOT NULL"
    "               ELSE true END"
    " ORDER BY c.seq LIMIT $5::int OFFSET $6::int",
    6};

/* q lower-cased with LIKE's wildcards escaped (q_like has room for 2 * Q_MAX + 1). */
static void like_escape(const char *q, char *out)
{
    size_t n = 0;
    for (; *q; q++) {
        char c = *q >= 'A' && *q <= 'Z' ? (char)(*q + 32) : *q;
        if (c == '%' || c == '_' || c == '\\')
            out[n++] = '\\';
        out[n++] = c;
    }
    out[n] = '\0';
}

void api_admin_creatures_list(http_ctx_t *ctx)
{
    char q[Q_MAX + 1] = "", q_like[2 * Q_MAX + 1], rarity[32] = "", status[16] = "", bt_s[8], limit_s[16], off_s[24];
    long page, limit, bt;
    if (http_req_query(ctx->req, "q", q, sizeof q) < 0 || http_req_query(ctx->req, "rarity", rarity, sizeof rarity) < 0 ||
        http_req_query(ctx->req, "status", status, sizeof status) < 0) {
        http_res_error(ctx->res, 400, "bad_request", "q, rarity or status is malformed or too long");
        return;
    }
    if (rarity[0] && rarity_from_name(rarity) < 0) {
        http_res_error(ctx->res, 400, "bad_request", "rarity is not a known rarity");
        return;
    }
    if (status[0] && strcmp(status, "active") && strcmp(status, "inactive") && strcmp(status, "deleted") &&
        strcmp(status, "all")) {
        http_res_error(ctx->res, 400, "bad_request", "status must be active, inactive, deleted or all");
        return;
    }
    if (api_query_int(ctx, "body_type", 0, 0, BODY_TYPE_COUNT, &bt) ||
        api_query_int(ctx, "page", 1, 1, 100000, &page) || api_query_int(ctx, "limit", 25, 1, 100, &limit))
        return;
    like_escape(q, q_like);
    snprintf(bt_s, sizeof bt_s, "%ld", bt);
    snprintf(limit_s, sizeof limit_s, "%ld", limit);
    snprintf(off_s, sizeof off_s, "%ld", (page - 1) * limit);
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    const char *params[] = {q_like, rarity, bt_s, status, limit_s, off_s};
    PGresult *r = db_exec(db, &STMT_LIST, params);
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"creatures\":[");
    int n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        buf_printf(b, "%s{\"id\":", i ? "," : "");
        buf_json_cstr(b, PQgetvalue(r, i, 0));
        buf_printf(b, ",\"seq\":%s,\"name\":", PQgetvalue(r, i, 1));
        buf_json_cstr(b, PQgetvalue(r, i, 2));
        buf_puts(b, ",\"short_name\":");
        buf_json_cstr(b, PQgetvalue(r, i, 3));
        buf_puts(b, ",\"body_type\":");
        buf_json_cstr(b, PQgetvalue(r, i, 4));
        buf_puts(b, ",\"rarity\":");
        buf_json_cstr(b, PQgetvalue(r, i, 5));
        buf_printf(b, ",\"is_active\":%s,\"deleted_at\":", PQgetvalue(r, i, 6)[0] == 't' ? "true" : "false");
        api_json_time(b, r, i, 7);
        buf_printf(b, ",\"has_artwork\":%s,\"owners\":%s}", PQgetvalue(r, i, 8)[0] == 't' ? "true" : "false",
                   PQgetvalue(r, i, 9));
    }
    buf_printf(b, "],\"page\":%ld,\"limit\":%ld,\"total\":%s}", page, limit, n ? PQgetvalue(r, 0, 10) : "0");
    PQclear(r);
}

/* ---- GET /api/admin/creatures/:id ---- */

static const db_stmt_t STMT_GET = {
    "admin_creature_get",
    "SELECT c.id, c.seq, c.name, c.short_name, c.body_type_id, b.name, c.rarity, c.colour_scheme, c.vibe,"
    " c.is_active, " ISO("c.deleted_at") ", c.art_key, c.thumb_key, " ISO("c.created_at") ", " ISO("c.updated_at") ","
    " (SELECT string_agg(t.score::text, ',' ORDER BY t.trait_id) FROM creature_traits t WHERE t.creature_id = c.id),"
    " (SELECT count(*) FROM user_collections uc WHERE uc.creature_id = c.id),"
    " (SELECT coalesce(jsonb_agg(jsonb_build_object('channel_id', cc.channel_id, 'channel_title', cc.channel_title)"
    "   ORDER BY cc.channel_id), '[]'::jsonb) FROM creator_chatlings cc WHERE cc.creature_id = c.id)"
    " FROM creatures c JOIN body_types b ON b.id = c.body_type_id WHERE c.id = $1",
    1};

/* Renders the creature of STMT_GET's row 0. */
static void render_creature(buf_t *b, PGresult *r)
{
    static const char *const keys[] = {"id", "seq", "name", "short_name", "body_type_id", "body_type", "rarity",
                                       "colour_scheme", "vibe"};
    for (int k = 0; k < 9; k++) {
        buf_printf(b, "%s\"%s\":", k ? "," : "{", keys[k]);
        if (k == 1 || k == 4)
            buf_puts(b, PQgetvalue(r, 0, k));
        else
            buf_json_cstr(b, PQgetvalue(r, 0, k));
    }
    buf_printf(b, ",\"is_active\":%s,\"deleted_at\":", PQgetvalue(r, 0, 9)[0] == 't' ? "true" : "false");
    api_json_time(b, r, 0, 10);
    buf_puts(b, ",\"art_key\":");
    buf_json_cstr(b, PQgetisnull(r, 0, 11) ? NULL : PQgetvalue(r, 0, 11));
    buf_puts(b, ",\"thumb_key\":");
    buf_json_cstr(b, PQgetisnull(r, 0, 12) ? NULL : PQgetvalue(r, 0, 12));
    buf_puts(b, ",\"created_at\":");
    api_json_time(b, r, 0, 13);
    buf_puts(b, ",\"updated_at\":");
    api_json_time(b, r, 0, 14);
    int traits[TRAIT_COUNT];
    if (!PQgetisnull(r, 0, 15) && creature_json_parse_traits(PQgetvalue(r, 0, 15), traits) == 0) {
        buf_puts(b, ",");
        creature_json_scores(b, traits);
    }
    buf_printf(b, ",\"owners\":%s,\"creator_channels\":", PQgetvalue(r, 0, 16));
    admin_json_raw(b, r, 0, 17);
    buf_puts(b, "}");
}

/* Answers with the creature as it is now (after a change, from the primary). */
static void respond_creature(http_ctx_t *ctx, db_conn_t *db, const char *id)
{
    PGresult *r = admin_fetch_one(ctx, db, &STMT_GET, id, "no such creature");
    if (!r)
        return;
    buf_t *b = &ctx->res->body;
    buf_reset(b);
    buf_puts(b, "{\"creature\":");
    render_creature(b, r);
    buf_puts(b, "}");
    PQclear(r);
}

void api_admin_creature_get(http_ctx_t *ctx)
{
    char id[37];
    if (admin_param_uuid(ctx, 0, id))
        return;
    db_conn_t *db = api_db_read(ctx);
    if (db)
        respond_creature(ctx, db, id);
}

/* ---- PATCH /api/admin/creatures/:id {name?, short_name?, rarity?, is_active?} ---- */

static const db_stmt_t STMT_LOCK = {
    "admin_creature_lock", "SELECT " SNAPSHOT("c") "::text, c.rarity FROM creatures c WHERE c.id = $1 FOR UPDATE", 1};

static const db_stmt_t STMT_UPDATE = {
    "admin_creature_update",
    "UPDATE creatures c SET name = coalesce($2, c.name), short_name = coalesce($3, c.short_name),"
    " rarity = coalesce($4, c.rarity), is_active = coalesce($5::boolean, c.is_active), updated_at = now()"
    " WHERE c.id = $1 RETURNING " SNAPSHOT("c") "::text",
    5};

void api_admin_creature_patch(http_ctx_t *ctx)
{
    char id[37], name[4 * NAME_MAX_CHARS + 1], short_name[4 * SHORT_NAME_MAX_CHARS + 1], rarity[32];
    if (admin_param_uuid(ctx, 0, id))
        return;
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    int has_name = admin_text_field(ctx, doc, "name", NAME_MAX_CHARS, 0, name, sizeof name);
    int has_short = has_name < 0 ? -1 : admin_text_field(ctx, doc, "short_name", SHORT_NAME_MAX_CHARS, 0, short_name,
                                                         sizeof short_name);
    int has_rarity = has_short < 0 ? -1 : admin_text_field(ctx, doc, "rarity", 16, 0, rarity, sizeof rarity);
    json_t *active = json_object_get(doc, "is_active");
    int bad = has_name < 0 || has_short < 0 || has_rarity < 0;
    if (!bad && has_rarity == 1 && rarity_from_name(rarity) < 0) {
        http_res_error(ctx->res, 400, "bad_request", "rarity must be Common, Uncommon, Rare, Epic, Legendary or Mythical");
        bad = 1;
    }
    if (!bad && active && !json_is_boolean(active)) {
        http_res_error(ctx->res, 400, "bad_request", "is_active must be true or false");
        bad = 1;
    }
    if (!bad && has_name != 1 && has_short != 1 && has_rarity != 1 && !active) {
        http_res_error(ctx->res, 400, "bad_request", "send at least one of name, short_name, rarity, is_active");
        bad = 1;
    }
    const char *active_s = active ? (json_is_true(active) ? "true" : "false") : NULL;
    /* the audit action says what kind of change it was, so the log can be filtered by it */
    int nfields = (has_name == 1 || has_short == 1) + (has_rarity == 1) + (active != NULL);
    const char *action = nfields > 1            ? "creature_update"
                         : has_rarity == 1      ? "creature_set_rarity"
                         : active               ? (json_is_true(active) ? "creature_activate" : "creature_deactivate")
                                                : "creature_rename";
    json_decref(doc);
    if (bad)
        return;
    db_conn_t *db = admin_begin(ctx);
    if (!db)
        return;
    char *before = admin_lock_before(ctx, db, &STMT_LOCK, id, "no such creature");
    if (!before)
        goto rollback;
    PGresult *r;
    const char *p2[] = {id, has_name == 1 ? name : NULL, has_short == 1 ? short_name : NULL,
                        has_rarity == 1 ? rarity : NULL, active_s};
    r = db_exec(db, &STMT_UPDATE, p2);
    if (admin_unique_violation(r)) {
        PQclear(r);
        free(before);
        http_res_error(ctx->res, 409, "conflict", "another creature already has that name");
        goto rollback;
    }
    if (api_check(ctx, r)) {
        free(before);
        goto rollback;
    }
    char target[64];
    target_of(target, sizeof target, id);
    int rc = admin_audit(ctx, db, action, target, before, PQgetvalue(r, 0, 0));
    PQclear(r);
    free(before);
    if (rc || admin_commit(ctx, db))
        goto rollback;
    admin_creature_cache_del(ctx, id);
    respond_creature(ctx, db, id);
    return;
rollback:
    admin_rollback(db);
}

/* ---- POST /api/admin/creatures/:id/reroll-traits ---- */

static const db_stmt_t STMT_LOCK_TRAITS = {
    "admin_creature_lock_traits",
    "SELECT c.rarity,"
    " (SELECT string_agg(t.score::text, ',' ORDER BY t.trait_id) FROM creature_traits t WHERE t.creature_id = c.id),"
    " (SELECT string_agg(p.base_score::text, ',' ORDER BY p.trait_id) FROM body_type_traits p"
    "   WHERE p.body_type_id = c.body_type_id)"
    " FROM creatures c WHERE c.id = $1 FOR UPDATE",
    1};

/* Upserts the 8 scores: a creature always has all 8 (GAME.md), even one that somehow lacked a row. */
static const db_stmt_t STMT_SET_TRAITS = {
    "admin_creature_set_traits",
    "WITH s AS (INSERT INTO creature_traits (creature_id, trait_id, score)"
    "   SELECT $1, t, v FROM unnest($2::smallint[], $3::smallint[]) AS x(t, v)"
    "   ON CONFLICT (creature_id, trait_id) DO UPDATE SET score = excluded.score RETURNING 1)"
    " UPDATE creatures SET updated_at = now() WHERE id = $1 AND (SELECT count(*) FROM s) = 8",
    3};

static void traits_json(char *out, size_t n, const int traits[TRAIT_COUNT])
{
    size_t len = (size_t)snprintf(out, n, "{\"traits\":{");
    for (int t = 0; t < TRAIT_COUNT && len < n; t++)
        len += (size_t)snprintf(out + len, n - len, "%s\"%s\":%d", t ? "," : "", creature_json_trait_key(t), traits[t]);
    if (len < n)
        snprintf(out + len, n - len, "}}");
}

void api_admin_creature_reroll(http_ctx_t *ctx)
{
    char id[37];
    if (admin_param_uuid(ctx, 0, id))
        return;
    db_conn_t *db = admin_begin(ctx);
    if (!db)
        return;
    PGresult *r = admin_fetch_one(ctx, db, &STMT_LOCK_TRAITS, id, "no such creature");
    if (!r)
        goto rollback;
    int old[TRAIT_COUNT] = {0}, base[TRAIT_COUNT], fresh[TRAIT_COUNT];
    int have_old = !PQgetisnull(r, 0, 1) && creature_json_parse_traits(PQgetvalue(r, 0, 1), old) == 0;
    int have_base = !PQgetisnull(r, 0, 2) && creature_json_parse_traits(PQgetvalue(r, 0, 2), base) == 0;
    int rarity = rarity_from_name(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!have_base) {
        log_error("admin_reroll", "request %s: body type profile of creature %s is incomplete", ctx->req->request_id, id);
        http_res_error(ctx->res, 500, "internal", "this creature's body type has no complete trait profile");
        goto rollback;
    }
    traits_roll(rng_thread(), base, rarity, fresh);
    char ids[64], scores[64];
    size_t li = 0, ls = 0;
    li += (size_t)snprintf(ids, sizeof ids, "{");
    ls += (size_t)snprintf(scores, sizeof scores, "{");
    for (int t = 0; t < TRAIT_COUNT; t++) {
        li += (size_t)snprintf(ids + li, sizeof ids - li, "%s%d", t ? "," : "", t + 1);
        ls += (size_t)snprintf(scores + ls, sizeof scores - ls, "%s%d", t ? "," : "", fresh[t]);
    }
    snprintf(ids + li, sizeof ids - li, "}");
    snprintf(scores + ls, sizeof scores - ls, "}");
    const char *p2[] = {id, ids, scores};
    r = db_exec(db, &STMT_SET_TRAITS, p2);
    if (api_check(ctx, r))
        goto rollback;
    PQclear(r);
    char before[256], after[256], target[64];
    traits_json(before, sizeof before, old);
    traits_json(after, sizeof after, fresh);
    target_of(target, sizeof target, id);
    if (admin_audit(ctx, db, "creature_reroll_traits", target, have_old ? before : NULL, after) ||
        admin_commit(ctx, db))
        goto rollback;
    admin_creature_cache_del(ctx, id);
    respond_creature(ctx, db, id);
    return;
rollback:
    admin_rollback(db);
}

/* ---- GET /api/admin/creatures/:id/affected: who a soft delete would touch ---- */

static const db_stmt_t STMT_AFFECTED = {
    "admin_creature_affected",
    "SELECT (SELECT count(*) FROM user_collections WHERE creature_id = $1),"
    " (SELECT count(*) FROM user_collections WHERE creature_id = $1 AND status = 'with_player'),"
    " (SELECT count(*) FROM users WHERE current_creature_id = $1 AND deleted_at IS NULL),"
    " (SELECT coalesce(jsonb_agg(channel_id ORDER BY channel_id), '[]'::jsonb) FROM creator_chatlings"
    "   WHERE creature_id = $1),"
    " (SELECT coalesce(jsonb_agg(jsonb_build_object('id', u.id, 'username', u.username, 'found_count',"
    "   uc.found_count, 'source', uc.source, 'current', u.current_creature_id IS NOT DISTINCT FROM uc.creature_id)"
    "   ORDER BY uc.first_found_at), '[]'::jsonb)"
    "   FROM (SELECT * FROM user_collections WHERE creature_id = $1 ORDER BY first_found_at LIMIT $2::int) uc"
    "   JOIN users u ON u.id = uc.user_id),"
    " EXISTS (SELECT 1 FROM creatures WHERE id = $1)",
    2};

void api_admin_creature_affected(http_ctx_t *ctx)
{
    char id[37], limit_s[16];
    long limit;
    if (admin_param_uuid(ctx, 0, id) || api_query_int(ctx, "limit", 50, 1, 500, &limit))
        return;
    snprintf(limit_s, sizeof limit_s, "%ld", limit);
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    const char *params[] = {id, limit_s};
    PGresult *r = db_exec(db, &STMT_AFFECTED, params);
    if (api_check(ctx, r))
        return;
    if (PQgetvalue(r, 0, 5)[0] != 't') {
        PQclear(r);
        http_res_error(ctx->res, 404, "not_found", "no such creature");
        return;
    }
    buf_t *b = &ctx->res->body;
    buf_printf(b, "{\"owners\":%s,\"with_player\":%s,\"current_chatling_of\":%s,\"creator_channels\":",
               PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2));
    admin_json_raw(b, r, 0, 3);
    buf_puts(b, ",\"players\":");
    admin_json_raw(b, r, 0, 4);
    buf_puts(b, "}");
    PQclear(r);
}

/* ---- DELETE /api/admin/creatures/:id (soft) and POST .../restore ---- */

static const db_stmt_t STMT_SOFT_DELETE = {
    "admin_creature_soft_delete",
    "UPDATE creatures c SET deleted_at = now(), updated_at = now() WHERE c.id = $1 AND c.deleted_at IS NULL"
    " RETURNING " SNAPSHOT("c") "::text,"
    " (SELECT count(*) FROM user_collections WHERE creature_id = $1)",
    1};

static const db_stmt_t STMT_RESTORE = {
    "admin_creature_restore",
    "UPDATE creatures c SET deleted_at = NULL, updated_at = now() WHERE c.id = $1 AND c.deleted_at IS NOT NULL"
    " RETURNING " SNAPSHOT("c") "::text",
    1};

static void delete_or_restore(http_ctx_t *ctx, int restore)
{
    char id[37];
    if (admin_param_uuid(ctx, 0, id))
        return;
    db_conn_t *db = admin_begin(ctx);
    if (!db)
        return;
    char *before = admin_lock_before(ctx, db, &STMT_LOCK, id, "no such creature");
    if (!before)
        goto rollback;
    const char *p1[] = {id};
    PGresult *r = db_exec(db, restore ? &STMT_RESTORE : &STMT_SOFT_DELETE, p1);
    if (api_check(ctx, r)) {
        free(before);
        goto rollback;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        free(before);
        http_res_error(ctx->res, 409, "conflict", restore ? "this creature is not deleted" : "this creature is already deleted");
        goto rollback;
    }
    char target[64], *after = NULL;
    target_of(target, sizeof target, id);
    if (!restore) {
        /* the snapshot after a delete also says how many players kept it in their collection */
        size_t n = strlen(PQgetvalue(r, 0, 0)) + 64;
        after = malloc(n);
        if (after)
            snprintf(after, n, "%.*s, \"owners\": %s}", (int)strlen(PQgetvalue(r, 0, 0)) - 1, PQgetvalue(r, 0, 0),
                     PQgetvalue(r, 0, 1));
    }
    int rc = admin_audit(ctx, db, restore ? "creature_restore" : "creature_delete", target, before,
                         after ? after : PQgetvalue(r, 0, 0));
    free(after);
    free(before);
    PQclear(r);
    if (rc || admin_commit(ctx, db))
        goto rollback;
    admin_creature_cache_del(ctx, id);
    respond_creature(ctx, db, id);
    return;
rollback:
    admin_rollback(db);
}

void api_admin_creature_delete(http_ctx_t *ctx)
{
    delete_or_restore(ctx, 0);
}

void api_admin_creature_restore(http_ctx_t *ctx)
{
    delete_or_restore(ctx, 1);
}

/* ---- body types ---- */

static const db_stmt_t STMT_BODY_TYPES = {
    "admin_body_types",
    "SELECT b.id, b.name, b.description,"
    " (SELECT string_agg(t.base_score::text, ',' ORDER BY t.trait_id) FROM body_type_traits t WHERE t.body_type_id = b.id),"
    " (SELECT count(*) FROM creatures c WHERE c.body_type_id = b.id AND c.deleted_at IS NULL)"
    " FROM body_types b WHERE $1 = 0 OR b.id = $1::smallint ORDER BY b.id",
    1};

static void render_body_types(http_ctx_t *ctx, db_conn_t *db, int only_id)
{
    char id_s[8];
    snprintf(id_s, sizeof id_s, "%d", only_id);
    const char *params[] = {id_s};
    PGresult *r = db_exec(db, &STMT_BODY_TYPES, params);
    if (api_check(ctx, r))
        return;
    if (only_id && PQntuples(r) != 1) {
        PQclear(r);
        http_res_error(ctx->res, 404, "not_found", "no such body type");
        return;
    }
    buf_t *b = &ctx->res->body;
    buf_reset(b);
    buf_puts(b, only_id ? "{\"body_type\":" : "{\"body_types\":[");
    for (int i = 0; i < PQntuples(r); i++) {
        buf_printf(b, "%s{\"id\":%s,\"name\":", i ? "," : "", PQgetvalue(r, i, 0));
        buf_json_cstr(b, PQgetvalue(r, i, 1));
        buf_puts(b, ",\"description\":");
        buf_json_cstr(b, PQgetvalue(r, i, 2));
        int profile[TRAIT_COUNT];
        buf_puts(b, ",\"profile\":");
        if (!PQgetisnull(r, i, 3) && creature_json_parse_traits(PQgetvalue(r, i, 3), profile) == 0) {
            for (int t = 0; t < TRAIT_COUNT; t++)
                buf_printf(b, "%s\"%s\":%d", t ? "," : "{", creature_json_trait_key(t), profile[t]);
            buf_puts(b, "}");
        } else {
            buf_puts(b, "null");
        }
        buf_printf(b, ",\"creatures\":%s}", PQgetvalue(r, i, 4));
    }
    buf_puts(b, only_id ? "}" : "]}");
    PQclear(r);
}

void api_admin_body_types(http_ctx_t *ctx)
{
    db_conn_t *db = api_db_read(ctx);
    if (db)
        render_body_types(ctx, db, 0);
}

#define BT_SNAPSHOT                                                                                         \
    "jsonb_build_object('name', b.name, 'description', b.description, 'profile',"                           \
    " (SELECT jsonb_object_agg(lower(tc.name), t.base_score) FROM body_type_traits t"                       \
    "   JOIN trait_categories tc ON tc.id = t.trait_id WHERE t.body_type_id = b.id))::text"

static const db_stmt_t STMT_BT_LOCK = {
    "admin_body_type_lock", "SELECT " BT_SNAPSHOT " FROM body_types b WHERE b.id = $1::smallint FOR UPDATE", 1};
static const db_stmt_t STMT_BT_UPDATE = {
    "admin_body_type_update",
    "UPDATE body_types SET name = coalesce($2, name), description = coalesce($3, description)"
    " WHERE id = $1::smallint",
    3};
static const db_stmt_t STMT_BT_PROFILE = {
    "admin_body_type_profile",
    "INSERT INTO body_type_traits (body_type_id, trait_id, base_score)"
    " SELECT $1::smallint, t, v FROM unnest($2::smallint[], $3::smallint[]) AS x(t, v)"
    " ON CONFLICT (body_type_id, trait_id) DO UPDATE SET base_score = excluded.base_score",
    3};
static const db_stmt_t STMT_BT_AFTER = {
    "admin_body_type_after", "SELECT " BT_SNAPSHOT " FROM body_types b WHERE b.id = $1::smallint", 1};
static const db_stmt_t STMT_BT_CREATURES = {
    "admin_body_type_creatures", "SELECT id FROM creatures WHERE body_type_id = $1::smallint", 1};

/* The body type's name is part of every creature:{id}:metadata of that type: drop them all,
 * pipelined in batches (best effort, like every invalidation: the TTL bounds staleness). */
static void drop_creature_caches(http_ctx_t *ctx, db_conn_t *db, const char *bt)
{
    const char *params[] = {bt};
    PGresult *r = db_exec(db, &STMT_BT_CREATURES, params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return;
    }
    redis_t *rd = ctx->thread->redis;
    int n = PQntuples(r), pending = 0, failed = 0;
    for (int i = 0; i < n && !failed; i++) {
        if (redis_append(rd, "DEL creature:%s:metadata", PQgetvalue(r, i, 0))) {
            failed = 1;
            break;
        }
        if (++pending == 500 || i == n - 1) {
            for (; pending > 0; pending--) {
                redisReply *rep = redis_get_reply(rd);
                if (!rep)
                    failed = 1;
                redis_reply_free(rep);
                if (failed)
                    break;
            }
        }
    }
    if (failed)
        log_warn("admin_cache", "request %s: creature caches of body type %s not all dropped", ctx->req->request_id, bt);
    PQclear(r);
}

void api_admin_body_type_patch(http_ctx_t *ctx)
{
    char bt[8];
    if (http_req_param(ctx->req, 0, bt, sizeof bt)) {
        http_res_error(ctx->res, 400, "bad_request", "the body type id must be a number");
        return;
    }
    char *end;
    long id = strtol(bt, &end, 10);
    if (*end || end == bt || id < 1 || id > 32767) {
        http_res_error(ctx->res, 400, "bad_request", "the body type id must be a number");
        return;
    }
    snprintf(bt, sizeof bt, "%ld", id);
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    char name[4 * 32 + 1], desc[4 * 500 + 1];
    int has_name = admin_text_field(ctx, doc, "name", 32, 0, name, sizeof name);
    int has_desc = has_name < 0 ? -1 : admin_text_field(ctx, doc, "description", 500, 0, desc, sizeof desc);
    json_t *profile = json_object_get(doc, "profile");
    int scores[TRAIT_COUNT], bad = has_name < 0 || has_desc < 0;
    if (!bad && profile) {
        /* {"friendliness": 0..100, ...}: all 8 traits, nothing else */
        bad = !json_is_object(profile) || json_object_size(profile) != TRAIT_COUNT;
        for (int t = 0; t < TRAIT_COUNT && !bad; t++) {
            json_t *v = json_object_get(profile, creature_json_trait_key(t));
            bad = !json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100;
            if (!bad)
                scores[t] = (int)json_integer_value(v);
        }
        if (bad)
            http_res_error(ctx->res, 400, "bad_request",
                           "profile must give each of the 8 traits (lower-case names) a whole number from 0 to 100");
    }
    if (!bad && has_name != 1 && has_desc != 1 && !profile) {
        http_res_error(ctx->res, 400, "bad_request", "send at least one of name, description, profile");
        bad = 1;
    }
    json_decref(doc);
    if (bad)
        return;
    db_conn_t *db = admin_begin(ctx);
    if (!db)
        return;
    char *before = admin_lock_before(ctx, db, &STMT_BT_LOCK, bt, "no such body type");
    if (!before)
        goto rollback;
    const char *p1[] = {bt};
    PGresult *r;
    const char *p2[] = {bt, has_name == 1 ? name : NULL, has_desc == 1 ? desc : NULL};
    r = db_exec(db, &STMT_BT_UPDATE, p2);
    if (admin_unique_violation(r)) {
        PQclear(r);
        free(before);
        http_res_error(ctx->res, 409, "conflict", "another body type already has that name");
        goto rollback;
    }
    if (api_check(ctx, r)) {
        free(before);
        goto rollback;
    }
    PQclear(r);
    if (profile) {
        char ids[64], vals[64];
        size_t li = (size_t)snprintf(ids, sizeof ids, "{"), lv = (size_t)snprintf(vals, sizeof vals, "{");
        for (int t = 0; t < TRAIT_COUNT; t++) {
            li += (size_t)snprintf(ids + li, sizeof ids - li, "%s%d", t ? "," : "", t + 1);
            lv += (size_t)snprintf(vals + lv, sizeof vals - lv, "%s%d", t ? "," : "", scores[t]);
        }
        snprintf(ids + li, sizeof ids - li, "}");
        snprintf(vals + lv, sizeof vals - lv, "}");
        const char *p3[] = {bt, ids, vals};
        r = db_exec(db, &STMT_BT_PROFILE, p3);
        if (api_check(ctx, r)) {
            free(before);
            goto rollback;
        }
        PQclear(r);
    }
    r = db_exec(db, &STMT_BT_AFTER, p1);
    if (api_check(ctx, r)) {
        free(before);
        goto rollback;
    }
    char target[32];
    snprintf(target, sizeof target, "body_type:%s", bt);
    int rc = admin_audit(ctx, db, "body_type_update", target, before, PQgetvalue(r, 0, 0));
    PQclear(r);
    free(before);
    if (rc || admin_commit(ctx, db))
        goto rollback;
    if (has_name == 1)
        drop_creature_caches(ctx, db, bt);
    render_body_types(ctx, db, (int)id);
    return;
rollback:
    admin_rollback(db);
}
