/* users: player accounts: sign-up after a provider sign-in, development sign-in, sign-out,
 * the profile (cached as user:{id}:profile), rename, account deletion and the data export.
 * Every sign-in issues a brand-new session token (no fixation), and every write to a user
 * drops the cached profile. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/handlers.h"
#include "core/log.h"
#include "api/creature_json.h"
#include "api/rewards.h"
#include "game/rng.h"
#include "game/username.h"
#include "store/cache.h"
#include "store/collection.h"
#include "store/effects.h"
#include "store/leaderboard.h"

/* A timestamptz column as the text api_json_time expects. */
#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* ---- shared pieces ---- */

static void profile_key(char *key, size_t n, const char *user_id)
{
    snprintf(key, n, "user:%s:profile", user_id);
}

static void invalidate_user(http_ctx_t *ctx, const char *user_id)
{
    char key[80];
    profile_key(key, sizeof key, user_id);
    cache_del(ctx->thread->redis, key);
}

/* Columns c0..c0+5: id, name, short_name, body type, rarity, colour scheme (all NULL when
 * the player has no creature there). */
#define CREATURE_COLS "c.id, c.name, c.short_name, b.name, c.rarity, c.colour_scheme"

static void render_creature(buf_t *b, PGresult *r, int row, int c0)
{
    if (PQgetisnull(r, row, c0)) {
        buf_puts(b, "null");
        return;
    }
    static const char *const keys[] = {"id", "name", "short_name", "body_type", "rarity", "colour_scheme"};
    for (int i = 0; i < 6; i++) {
        buf_printf(b, "%s\"%s\":", i ? "," : "{", keys[i]);
        buf_json_cstr(b, PQgetvalue(r, row, c0 + i));
    }
    buf_puts(b, "}");
}

/* Read from the primary, not the replica: the profile is re-read right after every write
 * (sign-up, rename), and a lagging replica would put the old data back into the cache for
 * the whole TTL. It is a primary-key lookup, cached, so the primary barely notices. */
static const db_stmt_t STMT_PROFILE = {
    "users_profile",
    "SELECT u.id, u.username, u.email, u.motes, u.is_admin, u.avatar_n, " ISO("u.created_at") ", " CREATURE_COLS
    " FROM users u LEFT JOIN creatures c ON c.id = u.current_creature_id"
    " LEFT JOIN body_types b ON b.id = c.body_type_id"
    " WHERE u.id = $1 AND u.deleted_at IS NULL",
    1};

/* Appends the profile object of user_id to out (from the cache, else the database, which
 * then fills the cache). 1 found, 0 no such user, -1 error (response set). */
static int profile_load(http_ctx_t *ctx, const char *user_id, buf_t *out)
{
    char key[80];
    profile_key(key, sizeof key, user_id);
    char *cached = NULL;
    size_t cached_len = 0;
    if (cache_get(ctx->thread->redis, key, &cached, &cached_len) == 1) {
        buf_append(out, cached, cached_len);
        free(cached);
        return 1;
    }
    db_conn_t *db = api_db(ctx);
    if (!db)
        return -1;
    const char *params[] = {user_id};
    PGresult *r = db_exec(db, &STMT_PROFILE, params);
    if (api_check(ctx, r))
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    buf_t obj;
    buf_init(&obj, 16 * 1024);
    buf_puts(&obj, "{\"id\":");
    buf_json_cstr(&obj, PQgetvalue(r, 0, 0));
    buf_puts(&obj, ",\"username\":");
    buf_json_cstr(&obj, PQgetvalue(r, 0, 1));
    buf_puts(&obj, ",\"email\":");
    buf_json_cstr(&obj, PQgetisnull(r, 0, 2) ? NULL : PQgetvalue(r, 0, 2));
    buf_printf(&obj, ",\"motes\":%ld,\"is_admin\":%s,\"current_creature\":", atol(PQgetvalue(r, 0, 3)),
               PQgetvalue(r, 0, 4)[0] == 't' ? "true" : "false");
    render_creature(&obj, r, 0, 7);
    buf_puts(&obj, ",\"avatar_n\":");
    buf_puts(&obj, PQgetisnull(r, 0, 5) ? "null" : PQgetvalue(r, 0, 5));
    buf_puts(&obj, ",\"created_at\":");
    api_json_time(&obj, r, 0, 6);
    buf_puts(&obj, "}");
    PQclear(r);
    int rc = 1;
    if (obj.overflow) {
        http_res_error(ctx->res, 500, "internal", "profile too large");
        rc = -1;
    } else {
        cache_set(ctx->thread->redis, key, obj.data, obj.len, CACHE_TTL_USER_PROFILE);
        buf_append(out, obj.data, obj.len);
    }
    buf_free(&obj);
    return rc;
}

/* The "username" member of the body, validated. NULL after setting the 400/415. The result
 * points into *doc, which the caller json_decref()s. */
static const char *body_username(http_ctx_t *ctx, json_t **doc)
{
    *doc = api_json_body(ctx);
    if (!*doc)
        return NULL;
    json_t *v = json_object_get(*doc, "username");
    if (!json_is_string(v)) {
        http_res_error(ctx->res, 400, "bad_request", "username is required (a string)");
        return NULL;
    }
    const char *name = json_string_value(v);
    username_result_t vr = strlen(name) == json_string_length(v) ? username_validate(name) : USERNAME_BAD_CHARS;
    if (vr != USERNAME_OK) {
        http_res_error(ctx->res, 400, "bad_request", username_message(vr));
        return NULL;
    }
    return name;
}

/* SQLSTATE 23505 (unique violation): the violated constraint's name, else NULL. */
static const char *unique_violation(PGresult *r)
{
    if (!r || PQresultStatus(r) != PGRES_FATAL_ERROR)
        return NULL;
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (!state || strcmp(state, "23505"))
        return NULL;
    const char *c = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
    return c ? c : "";
}

/* Ends whatever session came with the request and starts a new player session, setting the
 * cookie. A sign-in never keeps a token that existed before it (session fixation).
 * 0, or -1 with a 503 set. */
static int start_user_session(http_ctx_t *ctx, const char *user_id, session_t *out)
{
    app_thread_t *t = ctx->thread;
    memset(out, 0, sizeof *out);
    out->kind = SESSION_USER;
    snprintf(out->user_id, sizeof out->user_id, "%s", user_id);
    char token[SESSION_TOKEN_LEN + 1];
    if (session_create(t->redis, out, token)) {
        http_res_error(ctx->res, 503, "unavailable", "sessions are unavailable, try again shortly");
        http_res_header(ctx->res, "retry-after", "2");
        return -1;
    }
    if (t->has_session)
        session_destroy(t->redis, &t->session);
    api_set_session_cookie(ctx, token);
    memset(token, 0, sizeof token);
    return 0;
}

/* ---- creating a player (sign-up and development sign-in) ---- */

static const db_stmt_t STMT_INSERT_USER = {
    "users_insert",
    "INSERT INTO users (username, email, google_id, current_creature_id) VALUES ($1, $2, $3, $4) RETURNING id", 4};

static const db_stmt_t STMT_INSERT_OAUTH = {
    "users_insert_oauth", "INSERT INTO oauth_accounts (user_id, provider, subject, email) VALUES ($1, $2, $3, $4)", 4};

typedef enum { CREATE_OK = 0, CREATE_ERROR = -1, CREATE_NAME_TAKEN = -2, CREATE_IDENTITY_TAKEN = -3 } create_rc_t;

static create_rc_t rollback(db_conn_t *db, create_rc_t rc)
{
    db_command(db, "ROLLBACK");
    return rc;
}

static create_rc_t conflict_kind(const char *constraint)
{
    return !strcmp(constraint, "idx_users_username_lower") ? CREATE_NAME_TAKEN : CREATE_IDENTITY_TAKEN;
}

/* Creates the player with its starter in one transaction. provider/subject (may be NULL)
 * record the sign-in identity; google_id is the provider's subject. id_out receives the new
 * id; the starter's summary (or null) is appended to starter. On CREATE_ERROR the response
 * is set; on the conflicts it is not. */
static create_rc_t create_player(http_ctx_t *ctx, db_conn_t *db, const char *username, const char *email,
                                 const char *provider, const char *subject, char id_out[37], buf_t *starter)
{
    if (db_command(db, "BEGIN")) {
        api_check(ctx, NULL);
        return CREATE_ERROR;
    }
    /* The starter: a uniformly random active Common (store/pick, shared with every reward). */
    picked_t pick;
    PGresult *err = NULL;
    int has_starter = rewards_pick_rarity(db, rng_thread(), RARITY_COMMON, &pick, &err);
    if (has_starter < 0) {
        api_check(ctx, err);
        return rollback(db, CREATE_ERROR);
    }
    if (!has_starter)
        log_warn("no_starter", "no active Common creature for a new player: is the catalogue seeded?");
    const char *creature_id = has_starter ? pick.id : NULL;

    const char *up[] = {username, email, subject, creature_id};
    PGresult *r = db_exec(db, &STMT_INSERT_USER, up);
    const char *constraint = unique_violation(r);
    if (constraint) {
        create_rc_t rc = conflict_kind(constraint);
        PQclear(r);
        return rollback(db, rc);
    }
    if (api_check(ctx, r))
        return rollback(db, CREATE_ERROR);
    snprintf(id_out, 37, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);

    if (provider) {
        const char *op[] = {id_out, provider, subject, email};
        r = db_exec(db, &STMT_INSERT_OAUTH, op);
        if (unique_violation(r)) {
            PQclear(r);
            return rollback(db, CREATE_IDENTITY_TAKEN);
        }
        if (api_check(ctx, r))
            return rollback(db, CREATE_ERROR);
        PQclear(r);
    }
    /* Like every find, the starter is announced, counted and checked for achievements. */
    effects_t fx;
    effects_init(&fx);
    if (has_starter) {
        grant_t g;
        if (collection_grant(db, id_out, creature_id, "starter", &g, &fx, &err) < 0) {
            api_check(ctx, err);
            return rollback(db, CREATE_ERROR);
        }
    }
    if (db_command(db, "COMMIT")) {
        api_check(ctx, NULL);
        return rollback(db, CREATE_ERROR);
    }
    effects_apply(db, ctx->thread->redis, id_out, &fx);
    if (has_starter)
        creature_json_summary(starter, &pick);
    else
        buf_puts(starter, "null");
    return CREATE_OK;
}

static void conflict_response(http_ctx_t *ctx, create_rc_t rc)
{
    if (rc == CREATE_NAME_TAKEN)
        http_res_error(ctx->res, 409, "conflict", "that username is taken");
    else
        http_res_error(ctx->res, 409, "conflict", "this sign-in already has a player: sign in again");
}

/* ---- GET /api/auth/status ---- */

void api_auth_status(http_ctx_t *ctx)
{
    app_thread_t *t = ctx->thread;
    int signed_in = 0, pending = 0;
    const char *csrf = NULL;
    char *username = NULL;
    if (t->has_session) {
        csrf = t->session.csrf;
        pending = t->session.kind == SESSION_PENDING;
    }
    if (t->has_session && t->session.kind == SESSION_USER) {
        buf_t p;
        buf_init(&p, 16 * 1024);
        int found = profile_load(ctx, t->session.user_id, &p);
        if (found < 0) {
            buf_free(&p);
            return;
        }
        json_t *doc = found ? json_loadb(p.data, p.len, 0, NULL) : NULL;
        const char *name = json_string_value(json_object_get(doc, "username"));
        if (name) {
            username = strdup(name);
            signed_in = 1;
        } else {
            /* the account is gone but its session survived (deleted while Redis was away) */
            session_destroy(t->redis, &t->session);
            api_set_session_cookie(ctx, NULL);
            csrf = NULL;
        }
        json_decref(doc);
        buf_free(&p);
    }
    buf_t *b = &ctx->res->body;
    buf_printf(b, "{\"signed_in\":%s,\"pending\":%s,\"csrf_token\":", signed_in ? "true" : "false",
               pending ? "true" : "false");
    buf_json_cstr(b, csrf);
    buf_puts(b, ",\"username\":");
    buf_json_cstr(b, username);
    /* the PWA shows its development sign-in form only where POST /api/dev/login exists */
    buf_printf(b, ",\"dev_login\":%s}", ctx->app->cfg->production ? "false" : "true");
    free(username);
}

/* ---- POST /api/auth/signup ---- */

void api_auth_signup(http_ctx_t *ctx)
{
    app_thread_t *t = ctx->thread;
    const session_t *pend = &t->session; /* AUTH_PENDING: dispatch checked its kind */
    if (!pend->subject[0]) {
        http_res_error(ctx->res, 401, "unauthorized", "sign in with your provider first");
        return;
    }
    json_t *doc;
    const char *username = body_username(ctx, &doc);
    if (!username) {
        json_decref(doc);
        return;
    }
    db_conn_t *db = api_db(ctx);
    if (!db) {
        json_decref(doc);
        return;
    }
    char id[37];
    buf_t starter;
    buf_init(&starter, 16 * 1024);
    create_rc_t rc = create_player(ctx, db, username, pend->email[0] ? pend->email : NULL,
                                   pend->provider[0] ? pend->provider : "oidc", pend->subject, id, &starter);
    json_decref(doc);
    if (rc != CREATE_OK) {
        if (rc != CREATE_ERROR)
            conflict_response(ctx, rc);
        buf_free(&starter);
        return;
    }
    log_info("signup", "player %s created", id);
    session_t s;
    if (start_user_session(ctx, id, &s)) {
        buf_free(&starter);
        return;
    }
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"user\":");
    if (profile_load(ctx, id, b) != 1) {
        buf_free(&starter);
        if (ctx->res->status == 200)
            http_res_error(ctx->res, 500, "internal", "the new player could not be read back");
        return;
    }
    buf_puts(b, ",\"starter\":");
    buf_append(b, starter.data, starter.len);
    buf_puts(b, ",\"csrf_token\":");
    buf_json_cstr(b, s.csrf);
    buf_puts(b, "}");
    ctx->res->status = 201;
    buf_free(&starter);
}

/* ---- POST /api/dev/login ---- */

static const db_stmt_t STMT_FIND_BY_NAME = {
    "users_find_by_name",
    "SELECT id, suspended_at IS NOT NULL FROM users WHERE lower(username) = lower($1) AND deleted_at IS NULL", 1};

/* 1 found (id_out set; -2 when suspended), 0 none, -1 error (response set). */
static int find_by_name(http_ctx_t *ctx, db_conn_t *db, const char *username, char id_out[37])
{
    const char *params[] = {username};
    PGresult *r = db_exec(db, &STMT_FIND_BY_NAME, params);
    if (api_check(ctx, r))
        return -1;
    int rc = 0;
    if (PQntuples(r) == 1) {
        snprintf(id_out, 37, "%s", PQgetvalue(r, 0, 0));
        rc = PQgetvalue(r, 0, 1)[0] == 't' ? -2 : 1;
    }
    PQclear(r);
    return rc;
}

void api_dev_login(http_ctx_t *ctx)
{
    if (ctx->app->cfg->production) {
        /* the very answer an unknown route gets: production does not admit it exists */
        http_res_error(ctx->res, 404, "not_found", "no such resource");
        return;
    }
    json_t *doc;
    const char *username = body_username(ctx, &doc);
    if (!username) {
        json_decref(doc);
        return;
    }
    db_conn_t *db = api_db(ctx);
    if (!db) {
        json_decref(doc);
        return;
    }
    char id[37];
    int created = 0;
    int found = find_by_name(ctx, db, username, id);
    if (found == 0) {
        buf_t starter;
        buf_init(&starter, 16 * 1024);
        create_rc_t rc = create_player(ctx, db, username, NULL, NULL, NULL, id, &starter);
        buf_free(&starter);
        if (rc == CREATE_OK)
            created = 1;
        else if (rc == CREATE_NAME_TAKEN) /* a concurrent sign-in created it first: use it */
            found = find_by_name(ctx, db, username, id);
        else {
            if (rc != CREATE_ERROR)
                conflict_response(ctx, rc);
            json_decref(doc);
            return;
        }
    }
    json_decref(doc);
    if (found < 0 && found != -2)
        return;
    if (found == -2) {
        http_res_error(ctx->res, 403, "forbidden", "this account is suspended");
        return;
    }
    if (!created && found != 1) {
        http_res_error(ctx->res, 409, "conflict", "that username is taken");
        return;
    }
    session_t s;
    if (start_user_session(ctx, id, &s))
        return;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"user\":");
    if (profile_load(ctx, id, b) != 1) {
        if (ctx->res->status == 200)
            http_res_error(ctx->res, 500, "internal", "the player could not be read back");
        return;
    }
    buf_puts(b, ",\"csrf_token\":");
    buf_json_cstr(b, s.csrf);
    buf_printf(b, ",\"created\":%s}", created ? "true" : "false");
}

/* ---- POST /api/auth/logout ---- */

void api_auth_logout(http_ctx_t *ctx)
{
    if (session_destroy(ctx->thread->redis, &ctx->thread->session)) {
        http_res_error(ctx->res, 503, "unavailable", "sessions are unavailable, try again shortly");
        http_res_header(ctx->res, "retry-after", "2");
        return;
    }
    api_set_session_cookie(ctx, NULL);
    ctx->res->status = 204;
    ctx->res->content_type = NULL;
}

/* ---- GET, PATCH, DELETE /api/user/me ---- */

/* The session outlived its account (deleted elsewhere): end it and answer as signed out. */
static void account_gone(http_ctx_t *ctx)
{
    session_destroy(ctx->thread->redis, &ctx->thread->session);
    api_set_session_cookie(ctx, NULL);
    http_res_error(ctx->res, 401, "unauthorized", "sign in first");
}

/* {"user":<profile>,"csrf_token":"..."}: the token comes from the session, never the cache. */
static void respond_profile(http_ctx_t *ctx, const char *user_id)
{
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"user\":");
    int found = profile_load(ctx, user_id, b);
    if (found < 0)
        return;
    if (found == 0) {
        account_gone(ctx);
        return;
    }
    buf_puts(b, ",\"csrf_token\":");
    buf_json_cstr(b, ctx->thread->session.csrf);
    buf_puts(b, "}");
}

void api_user_me(http_ctx_t *ctx)
{
    respond_profile(ctx, api_user_id(ctx));
}

static const db_stmt_t STMT_RENAME = {
    "users_rename", "UPDATE users SET username = $2 WHERE id = $1 AND deleted_at IS NULL RETURNING id", 2};

void api_user_rename(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    json_t *doc;
    const char *username = body_username(ctx, &doc);
    if (!username) {
        json_decref(doc);
        return;
    }
    db_conn_t *db = api_db(ctx);
    if (!db) {
        json_decref(doc);
        return;
    }
    const char *params[] = {uid, username};
    PGresult *r = db_exec(db, &STMT_RENAME, params);
    json_decref(doc);
    if (unique_violation(r)) {
        PQclear(r);
        http_res_error(ctx->res, 409, "conflict", "that username is taken");
        return;
    }
    if (api_check(ctx, r))
        return;
    int n = PQntuples(r);
    PQclear(r);
    invalidate_user(ctx, uid);
    if (n == 0) {
        account_gone(ctx);
        return;
    }
    respond_profile(ctx, uid);
}

/* Everything personal hangs off users with ON DELETE CASCADE (collections, identities, likes,
 * YouTube connection, achievements, notifications, telemetry); the audit log keeps its rows
 * with the actor set NULL. Sessions end first: if Redis cannot be reached nothing is deleted,
 * because a surviving session of a deleted account would still pass AUTH_SESSION. */
static const db_stmt_t STMT_DELETE = {"users_delete", "DELETE FROM users WHERE id = $1", 1};

void api_user_delete(http_ctx_t *ctx)
{
    app_thread_t *t = ctx->thread;
    char uid[37];
    snprintf(uid, sizeof uid, "%s", api_user_id(ctx));
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    if (session_destroy_user(t->redis, uid)) {
        http_res_error(ctx->res, 503, "unavailable", "sessions are unavailable, try again shortly");
        http_res_header(ctx->res, "retry-after", "2");
        return;
    }
    const char *params[] = {uid};
    PGresult *r = db_exec(db, &STMT_DELETE, params);
    if (api_check(ctx, r))
        return;
    PQclear(r);
    /* again: closes the window for a sign-in that raced the deletion */
    session_destroy_user(t->redis, uid);
    char key[80];
    invalidate_user(ctx, uid);
    snprintf(key, sizeof key, "user:%s:collection", uid);
    cache_del(t->redis, key);
    leaderboard_player_removed(t->redis, uid); /* else other players' ranks count a ghost */
    api_set_session_cookie(ctx, NULL);
    log_info("account_deleted", "player %s deleted their account", uid);
    buf_puts(&ctx->res->body, "{\"deleted\":true}");
}

/* ---- GET /api/user/export ---- */

/* Each export section is one query whose column aliases are the JSON keys; the type string
 * says how to render each column: s string, n number, b boolean, t time, j JSON (jsonb text
 * from PostgreSQL, already valid JSON). */
typedef struct export_section {
    const char *name;
    db_stmt_t stmt;
    const char *types;
    int single; /* an object (or null) rather than an array */
} export_section_t;

static const export_section_t EXPORT[] = {
    {"oauth_accounts",
     {"users_export_oauth",
      "SELECT provider, subject, email, " ISO("created_at") " AS created_at FROM oauth_accounts WHERE user_id = $1"
      " ORDER BY id",
      1},
     "ssst", 0},
    {"collection",
     {"users_export_collection",
      "SELECT uc.creature_id, c.name AS creature_name, c.rarity, uc.source, uc.found_count, uc.rizz, uc.glow, uc.mood,"
      " uc.unhappy_count, uc.status, " ISO("uc.first_found_at") " AS first_found_at, " ISO("uc.last_found_at")
      " AS last_found_at, " ISO("uc.runaway_at") " AS runaway_at"
      " FROM user_collections uc JOIN creatures c ON c.id = uc.creature_id WHERE uc.user_id = $1 ORDER BY uc.id",
      1},
     "ssssnnnsnsttt", 0},
    {"achievements",
     {"users_export_achievements",
      "SELECT ua.achievement_id, a.name, ua.progress, " ISO("ua.unlocked_at") " AS unlocked_at"
      " FROM user_achievements ua JOIN achievements a ON a.id = ua.achievement_id WHERE ua.user_id = $1"
      " ORDER BY ua.achievement_id",
      1},
     "ssnt", 0},
    {"notifications",
     {"users_export_notifications",
      "SELECT id, category, title, body, data, " ISO("created_at") " AS created_at, " ISO("read_at") " AS read_at"
      " FROM notifications WHERE user_id = $1 ORDER BY id",
      1},
     "nsssjtt", 0},
    {"youtube_likes",
     {"users_export_youtube_likes",
      "SELECT video_id, channel_id, title, creature_id, " ISO("liked_at") " AS liked_at, " ISO("rewarded_at")
      " AS rewarded_at, " ISO("created_at") " AS created_at FROM youtube_likes WHERE user_id = $1 ORDER BY id",
      1},
     "ssssttt", 0},
    /* the connection, not its tokens: credentials are not the player's data to take away */
    {"youtube_connection",
     {"users_export_youtube_connection",
      "SELECT channel_id, status, " ISO("connected_at") " AS connected_at, " ISO("last_checked_at")
      " AS last_checked_at FROM youtube_connections WHERE user_id = $1",
      1},
     "sstt", 1},
    {"daily_boxes",
     {"users_export_boxes",
      "SELECT kind, creature_id, rarity, motes, " ISO("claimed_at") " AS claimed_at FROM daily_box_claims"
      " WHERE user_id = $1 ORDER BY id",
      1},
     "sssnt", 0},
    {"daily_visitors",
     {"users_export_visitors",
      "SELECT day::text AS day, visited, creature_id, " ISO("rolled_at") " AS rolled_at FROM daily_visitors"
      " WHERE user_id = $1 ORDER BY day",
      1},
     "sbst", 0},
    {"encounters",
     {"users_export_encounters",
      "SELECT day::text AS day, slot, wild_creature_id, status, refreshes, player_creature_id, to_jsonb(traits) AS traits,"
      " to_jsonb(player_scores) AS player_scores, to_jsonb(wild_scores) AS wild_scores, " ISO("created_at")
      " AS created_at, " ISO("resolved_at") " AS resolved_at FROM encounters WHERE user_id = $1 ORDER BY id",
      1},
     "snssnsjjjtt", 0},
    {"purchases",
     {"users_export_purchases",
      "SELECT item_id, price, " ISO("created_at") " AS created_at FROM purchases WHERE user_id = $1 ORDER BY id", 1},
     "snt", 0},
    {"team",
     {"users_export_team",
      "SELECT to_jsonb(creature_ids) AS creature_ids, " ISO("updated_at") " AS updated_at FROM user_teams"
      " WHERE user_id = $1",
      1},
     "jt", 1},
    {"idle_wallet",
     {"users_export_idle_wallet",
      "SELECT affection_points, " ISO("updated_at") " AS updated_at FROM idle_wallets WHERE user_id = $1", 1},
     "nt", 1},
    {"idle_businesses",
     {"users_export_idle_businesses",
      "SELECT creature_id, owned, has_manager, last_collected_ms FROM idle_businesses WHERE user_id = $1"
      " ORDER BY creature_id",
      1},
     "snbn", 0},
    {"runaway_recoveries",
     {"users_export_runaways",
      "SELECT creature_id, day::text AS day, attempt, percent, success, " ISO("attempted_at") " AS attempted_at"
      " FROM runaway_recoveries WHERE user_id = $1 ORDER BY id",
      1},
     "ssnnbt", 0},
    {"leaderboard_history",
     {"users_export_leaderboards",
      "SELECT board, week, rank, score FROM leaderboard_archive WHERE user_id = $1 ORDER BY week, board", 1},
     "ssnn", 0},
    {"chat_messages",
     {"users_export_chat_messages",
      "SELECT room_id, creature_id, body, " ISO("created_at") " AS created_at, " ISO("hidden_at") " AS hidden_at"
      " FROM chat_messages WHERE user_id = $1 ORDER BY id",
      1},
     "ssstt", 0},
    {"chat_reads",
     {"users_export_chat_reads",
      "SELECT room_id, " ISO("read_at") " AS read_at, effects FROM chatroom_reads WHERE user_id = $1 ORDER BY read_at",
      1},
     "stj", 0},
    {"chat_attitude",
     {"users_export_chat_attitude",
      "SELECT enthusiasm, criticism, humour, " ISO("updated_at") " AS updated_at FROM chat_attitudes WHERE user_id = $1",
      1},
     "nnnt", 1},
    /* a mute is about the player; who muted them is the moderators' business */
    {"chat_mute",
     {"users_export_chat_mute",
      "SELECT " ISO("muted_until") " AS muted_until, reason, " ISO("created_at") " AS created_at FROM chat_mutes"
      " WHERE user_id = $1",
      1},
     "tst", 1},
    /* where notifications go, not the browser's keys (credentials, like the tokens) */
    {"push_subscriptions",
     {"users_export_push_subscriptions",
      "SELECT endpoint, user_agent, " ISO("created_at") " AS created_at, " ISO("last_success_at")
      " AS last_success_at FROM push_subscriptions WHERE user_id = $1 ORDER BY id",
      1},
     "sstt", 0},
    {"push_preferences",
     {"users_export_push_preferences",
      "SELECT creature_found, achievement, daily_box_ready, new_chatroom, runaway, system, " ISO("updated_at")
      " AS updated_at FROM push_preferences WHERE user_id = $1",
      1},
     "bbbbbbt", 1},
    {"telemetry_events",
     {"users_export_telemetry",
      "SELECT name, properties, " ISO("created_at") " AS created_at FROM telemetry_events WHERE user_id = $1"
      " ORDER BY id",
      1},
     "sjt", 0},
};

static void render_row(buf_t *b, PGresult *r, int row, const char *types)
{
    int cols = PQnfields(r);
    for (int c = 0; c < cols && types[c]; c++) {
        buf_puts(b, c ? "," : "{");
        buf_json_cstr(b, PQfname(r, c));
        buf_puts(b, ":");
        if (PQgetisnull(r, row, c)) {
            buf_puts(b, "null");
            continue;
        }
        const char *v = PQgetvalue(r, row, c);
        switch (types[c]) {
        case 'n': buf_puts(b, v); break;
        case 'b': buf_puts(b, v[0] == 't' ? "true" : "false"); break;
        case 'j': buf_puts(b, v); break;
        case 't': api_json_time(b, r, row, c); break;
        default: buf_json_cstr(b, v); break;
        }
    }
    buf_puts(b, "}");
}

void api_user_export(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    buf_t *b = &ctx->res->body;
    /* read-your-writes: the export is rare, so it reads the primary */
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    buf_puts(b, "{\"exported_at\":");
    buf_json_cstr(b, now);
    buf_puts(b, ",\"profile\":");
    int found = profile_load(ctx, uid, b);
    if (found < 0)
        return;
    if (found == 0) {
        account_gone(ctx);
        return;
    }
    const char *params[] = {uid};
    for (size_t s = 0; s < sizeof EXPORT / sizeof EXPORT[0]; s++) {
        PGresult *r = db_exec(db, &EXPORT[s].stmt, params);
        if (api_check(ctx, r))
            return;
        buf_printf(b, ",\"%s\":", EXPORT[s].name);
        int rows = PQntuples(r);
        if (EXPORT[s].single) {
            if (rows)
                render_row(b, r, 0, EXPORT[s].types);
            else
                buf_puts(b, "null");
        } else {
            buf_puts(b, "[");
            for (int i = 0; i < rows; i++) {
                if (i)
                    buf_puts(b, ",");
                render_row(b, r, i, EXPORT[s].types);
            }
            buf_puts(b, "]");
        }
        PQclear(r);
    }
    buf_puts(b, "}");
    if (b->overflow) {
        http_res_error(ctx->res, 500, "internal", "the export is too large; contact support");
        return;
    }
    http_res_header(ctx->res, "content-disposition", "attachment; filename=\"chatlings-export.json\"");
}
