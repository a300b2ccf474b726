/* chatrooms: the player's side of GAME.md "Chatrooms".
 *   GET  /api/chatrooms                       rooms, open first, then the most recent closed ones
 *   GET  /api/chatrooms/:id                   the thread voiced by my chatlings, toned by my attitude
 *   POST /api/chatrooms/:id/read              count my reading once: glow, mood, maybe a runaway
 *   GET, PUT /api/user/chat-attitude          enthusiasm, criticism, humour (1..10)
 *   GET  /api/user/runaways                   my chatlings that ran away
 *   POST /api/user/runaways/:creature_id/recover   one attempt per chatling per UTC day
 * Who voices a room is decided the same way for the GET and the POST: my current chatling is
 * role A, and the other roles go to my present chatlings ranked by md5(room, me, creature), so
 * the cast is stable for a player, different between players, and moves little when the
 * collection grows. A GET only reads (the read replica); every effect happens in the POST's
 * one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/creature_json.h"
#include "api/handlers.h"
#include "core/clock.h"
#include "core/log.h"
#include "game/chatroom_rules.h"
#include "game/conversation.h"
#include "game/rng.h"
#include "store/achievements.h"
#include "store/effects.h"
#include "store/notify.h"
#include "store/pubsub.h"
#include "store/telemetry.h"

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define ROOM_COLS                                                                                      \
    "r.id, r.title, r.topic, r.youtube_video_id,"                                                      \
    " (r.is_active AND (r.closes_at IS NULL OR r.closes_at > now())), " ISO("r.created_at") ", "     \
    ISO("r.closes_at") ", r.generator"
#define ROOM_NCOLS 8

/* ---- shared pieces ---- */

/* A uniform draw in [0, 1) for a game rule. In development a request may fix it with the
 * X-Dev-Draw header (tests of the 10 % and 80/50/20 % edges); production ignores the header. */
static double draw(http_ctx_t *ctx)
{
    size_t len;
    const char *h = ctx->app->cfg->production ? NULL : http_req_header(ctx->req, "x-dev-draw", &len);
    if (h && len > 0 && len < 32) {
        char v[32], *end;
        memcpy(v, h, len);
        v[len] = '\0';
        double d = strtod(v, &end);
        if (*end == '\0' && d >= 0.0 && d < 1.0)
            return d;
    }
    return rng_unit(rng_thread());
}

/* Today's UTC date (by clock_now) and the seconds until tomorrow starts. */
static void utc_today(char day[11], long *to_midnight_s)
{
    int64_t now = clock_now();
    int64_t days = now / CLOCK_MS_PER_DAY;
    int y;
    unsigned m, d;
    clock_civil_from_days(days, &y, &m, &d);
    snprintf(day, 11, "%04d-%02u-%02u", y, m, d);
    if (to_midnight_s)
        *to_midnight_s = (long)(((days + 1) * CLOCK_MS_PER_DAY - now + 999) / 1000);
}

static void render_room(buf_t *b, PGresult *r, int row)
{
    buf_puts(b, "{\"id\":");
    buf_json_cstr(b, PQgetvalue(r, row, 0));
    buf_puts(b, ",\"title\":");
    buf_json_cstr(b, PQgetvalue(r, row, 1));
    buf_puts(b, ",\"topic\":");
    buf_json_cstr(b, PQgetisnull(r, row, 2) ? NULL : PQgetvalue(r, row, 2));
    buf_puts(b, ",\"youtube_video_id\":");
    buf_json_cstr(b, PQgetisnull(r, row, 3) ? NULL : PQgetvalue(r, row, 3));
    buf_printf(b, ",\"open\":%s,\"created_at\":", PQgetvalue(r, row, 4)[0] == 't' ? "true" : "false");
    api_json_time(b, r, row, 5);
    buf_puts(b, ",\"closes_at\":");
    api_json_time(b, r, row, 6);
    buf_puts(b, ",\"generator\":");
    buf_json_cstr(b, PQgetisnull(r, row, 7) ? "builtin" : PQgetvalue(r, row, 7));
}

/* The room id of path parameter 0; -1 after a 400. */
static int room_param(http_ctx_t *ctx, char id[37])
{
    if (http_req_param(ctx->req, 0, id, 37) || !api_is_uuid(id)) {
        http_res_error(ctx->res, 400, "bad_request", "the chatroom id must be a UUID");
        return -1;
    }
    return 0;
}

static const db_stmt_t STMT_ROOM = {"chatrooms_room", "SELECT " ROOM_COLS " FROM chatrooms r WHERE r.id = $1", 1};

static const db_stmt_t STMT_LINES = {
    "chatrooms_lines", "SELECT speaker, sentiment, body FROM chatroom_lines WHERE room_id = $1 ORDER BY n", 1};

/* The room's conversation: its stored lines, or (none stored: a room opened by hand) the
 * built-in generator seeded with the room id, which gives every reader the same thread. */
static int load_conversation(db_conn_t *db, const char *room_id, const char *title, int video,
                             conversation_t *c, PGresult **err)
{
    const char *params[] = {room_id};
    PGresult *r = db_exec(db, &STMT_LINES, params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        *err = r;
        return -1;
    }
    memset(c, 0, sizeof *c);
    int n = PQntuples(r);
    if (n > 0) {
        for (int i = 0; i < n && i < CONV_MAX_LINES; i++) {
            conv_line_t *l = &c->lines[i];
            l->role = PQgetvalue(r, i, 0)[0] - 'A';
            int s = conversation_sentiment_from_name(PQgetvalue(r, i, 1));
            l->sentiment = s < 0 ? SENTIMENT_NEUTRAL : (sentiment_t)s;
            snprintf(l->text, sizeof l->text, "%s", PQgetvalue(r, i, 2));
            if (l->role + 1 > c->nroles)
                c->nroles = l->role + 1;
        }
        c->nlines = n < CONV_MAX_LINES ? n : CONV_MAX_LINES;
        PQclear(r);
        return 0;
    }
    PQclear(r);
    const conv_topic_t *topic = conversation_topic_find(title);
    conv_topic_t custom;
    if (!topic) {
        conversation_topic_custom(&custom, title, video);
        topic = &custom;
    }
    conversation_generate(topic, conversation_seed(room_id), c);
    return 0;
}

/* My present chatlings that voice the room, current chatling first, then by md5 rank.
 * $1 me, $2 room, $3 how many. */
#define CAST_SQL                                                                                        \
    "SELECT c.id, c.name, c.short_name, b.name, c.rarity, c.colour_scheme, uc.glow, uc.mood, uc.unhappy_count" \
    " FROM user_collections uc JOIN users u ON u.id = uc.user_id"                                      \
    " JOIN creatures c ON c.id = uc.creature_id JOIN body_types b ON b.id = c.body_type_id"           \
    " WHERE uc.user_id = $1 AND uc.status = 'with_player'"                                             \
    " ORDER BY (uc.creature_id IS NOT DISTINCT FROM u.current_creature_id) DESC,"                     \
    "  md5($2::text || ':' || $1::text || ':' || uc.creature_id::text), uc.creature_id LIMIT $3::int"

static const db_stmt_t STMT_CAST = {"chatrooms_cast", CAST_SQL, 3};
static const db_stmt_t STMT_CAST_LOCK = {"chatrooms_cast_lock", CAST_SQL " FOR UPDATE OF uc", 3};

typedef struct cast {
    int n;                        /* chatlings chosen (<= roles) */
    picked_t who[CONV_MAX_ROLES];
    chatling_state_t state[CONV_MAX_ROLES];
    int owner[CONV_MAX_ROLES];    /* role -> index into who, or -1 */
} cast_t;

static int load_cast(db_conn_t *db, const db_stmt_t *st, const char *uid, const char *room, int nroles, cast_t *cast,
                     PGresult **err)
{
    char n_s[8];
    snprintf(n_s, sizeof n_s, "%d", nroles);
    const char *params[] = {uid, room, n_s};
    PGresult *r = db_exec(db, st, params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        *err = r;
        return -1;
    }
    memset(cast, 0, sizeof *cast);
    cast->n = PQntuples(r) < CONV_MAX_ROLES ? PQntuples(r) : CONV_MAX_ROLES;
    for (int i = 0; i < cast->n; i++) {
        const char *cols[6];
        for (int k = 0; k < 6; k++)
            cols[k] = PQgetvalue(r, i, k);
        creature_json_from_row(&cast->who[i], cols);
        cast->state[i].glow = atoi(PQgetvalue(r, i, 6));
        int mood = chatroom_mood_from_name(PQgetvalue(r, i, 7));
        cast->state[i].mood = mood < 0 ? MOOD_NEUTRAL : (mood_t)mood;
        cast->state[i].unhappy_count = atoi(PQgetvalue(r, i, 8));
    }
    PQclear(r);
    chatroom_role_owners(nroles, cast->n, cast->owner);
    return 0;
}

static void chatling_ref(buf_t *b, const picked_t *p)
{
    buf_puts(b, "{\"id\":");
    buf_json_cstr(b, p->id);
    buf_puts(b, ",\"name\":");
    buf_json_cstr(b, p->name);
    buf_puts(b, "}");
}

/* ---- GET /api/chatrooms ---- */

static const db_stmt_t STMT_LIST = {
    "chatrooms_list",
    "SELECT " ROOM_COLS ", " ISO("rd.read_at")
    " FROM chatrooms r LEFT JOIN chatroom_reads rd ON rd.room_id = r.id AND rd.user_id = $1"
    " ORDER BY (r.is_active AND (r.closes_at IS NULL OR r.closes_at > now())) DESC, r.created_at DESC, r.id"
    " LIMIT $2::int OFFSET $3::int",
    3};

static const db_stmt_t STMT_COUNT = {
    "chatrooms_count",
    "SELECT count(*), count(*) FILTER (WHERE is_active AND (closes_at IS NULL OR closes_at > now())) FROM chatrooms",
    0};

void api_chatrooms_list(http_ctx_t *ctx)
{
    long page, limit;
    if (api_query_int(ctx, "page", 1, 1, 100000, &page) || api_query_int(ctx, "limit", 20, 1, 100, &limit))
        return;
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    char lim[16], off[24];
    snprintf(lim, sizeof lim, "%ld", limit);
    snprintf(off, sizeof off, "%ld", (page - 1) * limit);
    const char *params[] = {api_user_id(ctx), lim, off};
    PGresult *r = db_exec(db, &STMT_LIST, params);
    if (api_check(ctx, r))
        return;
    PGresult *c = db_exec(db, &STMT_COUNT, NULL);
    if (api_check(ctx, c)) {
        PQclear(r);
        return;
    }
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"rooms\":[");
    for (int i = 0; i < PQntuples(r); i++) {
        if (i)
            buf_puts(b, ",");
        render_room(b, r, i);
        buf_puts(b, ",\"read_at\":");
        api_json_time(b, r, i, ROOM_NCOLS);
        buf_puts(b, "}");
    }
    buf_printf(b, "],\"page\":%ld,\"limit\":%ld,\"total\":%s,\"open\":%s}", page, limit, PQgetvalue(c, 0, 0),
               PQgetvalue(c, 0, 1));
    PQclear(r);
    PQclear(c);
}

/* ---- GET /api/chatrooms/:id ---- */

static const db_stmt_t STMT_ME = {
    "chatrooms_me",
    "SELECT coalesce(a.enthusiasm, 5), coalesce(a.criticism, 5), coalesce(a.humour, 5), " ISO("rd.read_at")
    " FROM (SELECT 1) one LEFT JOIN chat_attitudes a ON a.user_id = $1"
    " LEFT JOIN chatroom_reads rd ON rd.user_id = $1 AND rd.room_id = $2",
    2};

void api_chatroom_thread(http_ctx_t *ctx)
{
    char room[37];
    if (room_param(ctx, room))
        return;
    const char *uid = api_user_id(ctx);
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    const char *p1[] = {room};
    PGresult *rr = db_exec(db, &STMT_ROOM, p1);
    if (api_check(ctx, rr))
        return;
    if (PQntuples(rr) == 0) {
        PQclear(rr);
        http_res_error(ctx->res, 404, "not_found", "no chatroom with this id");
        return;
    }
    conversation_t *conv = malloc(sizeof *conv);
    PGresult *err = NULL, *me = NULL;
    cast_t cast;
    if (!conv) {
        PQclear(rr);
        http_res_error(ctx->res, 500, "internal", "out of memory");
        return;
    }
    if (load_conversation(db, room, PQgetvalue(rr, 0, 1), !PQgetisnull(rr, 0, 3), conv, &err) ||
        load_cast(db, &STMT_CAST, uid, room, conv->nroles, &cast, &err)) {
        api_check(ctx, err);
        goto out;
    }
    const char *p2[] = {uid, room};
    me = db_exec(db, &STMT_ME, p2);
    if (api_check(ctx, me)) {
        me = NULL;
        goto out;
    }
    attitude_t att = {atoi(PQgetvalue(me, 0, 0)), atoi(PQgetvalue(me, 0, 1)), atoi(PQgetvalue(me, 0, 2))};
    const char *names[CONV_MAX_ROLES] = {0};
    for (int r = 0; r < CONV_MAX_ROLES; r++)
        names[r] = cast.owner[r] >= 0 ? cast.who[cast.owner[r]].short_name : NULL;

    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"room\":");
    render_room(b, rr, 0);
    buf_puts(b, ",\"read_at\":");
    api_json_time(b, me, 0, 3);
    buf_printf(b, "},\"attitude\":{\"enthusiasm\":%d,\"criticism\":%d,\"humour\":%d},\"speakers\":[", att.enthusiasm,
               att.criticism, att.humour);
    for (int r = 0; r < conv->nroles; r++) {
        buf_printf(b, "%s{\"role\":\"%c\",\"chatling\":", r ? "," : "", 'A' + r);
        if (cast.owner[r] >= 0)
            creature_json_summary(b, &cast.who[cast.owner[r]]);
        else
            buf_puts(b, "null");
        buf_puts(b, "}");
    }
    buf_puts(b, "],\"lines\":[");
    uint64_t seed = conversation_seed(room);
    buf_t text;
    buf_init(&text, 8192);
    for (int i = 0; i < conv->nlines; i++) {
        const conv_line_t *l = &conv->lines[i];
        buf_printf(b, "%s{\"n\":%d,\"speaker\":\"%c\",\"chatling\":", i ? "," : "", i + 1, 'A' + l->role);
        if (l->role < CONV_MAX_ROLES && cast.owner[l->role] >= 0)
            chatling_ref(b, &cast.who[cast.owner[l->role]]);
        else
            buf_puts(b, "null");
        buf_printf(b, ",\"sentiment\":\"%s\",\"text\":", SENTIMENT_NAMES[l->sentiment]);
        buf_reset(&text);
        conversation_voice(&text, l, i, &att, names, seed);
        buf_json_str(b, text.data ? text.data : "", text.len);
        buf_puts(b, "}");
    }
    buf_free(&text);
    buf_puts(b, "]}");
out:
    PQclear(me);
    PQclear(rr);
    free(conv);
}

/* ---- POST /api/chatrooms/:id/read ---- */

static const db_stmt_t STMT_READ_CLAIM = {
    "chatrooms_read_claim",
    "INSERT INTO chatroom_reads (user_id, room_id) SELECT $1, r.id FROM chatrooms r WHERE r.id = $2"
    " ON CONFLICT DO NOTHING RETURNING " ISO("read_at"),
    2};

static const db_stmt_t STMT_READ_DONE = {
    "chatrooms_read_done",
    "SELECT " ISO("read_at") ", effects::text FROM chatroom_reads WHERE user_id = $1 AND room_id = $2", 2};

static const db_stmt_t STMT_APPLY = {
    "chatrooms_apply",
    "UPDATE user_collections uc SET glow = t.glow, mood = t.mood, unhappy_count = t.unhappy_count,"
    " status = t.status, runaway_at = CASE WHEN t.status = 'runaway' THEN now() ELSE uc.runaway_at END"
    " FROM jsonb_to_recordset($2::jsonb) AS t(creature_id uuid, glow smallint, mood text, unhappy_count int, status text)"
    " WHERE uc.user_id = $1 AND uc.creature_id = t.creature_id AND uc.status = 'with_player'",
    2};

static const db_stmt_t STMT_READ_EFFECTS = {
    "chatrooms_read_effects", "UPDATE chatroom_reads SET effects = $3::jsonb WHERE user_id = $1 AND room_id = $2", 3};

typedef struct outcome {
    int lines, delta, before_glow, ran_away;
    char roles[CONV_MAX_ROLES + 1];
} outcome_t;

/* The read's answer and its record: one entry per chatling that spoke. */
static void render_effects(buf_t *b, const cast_t *cast, const outcome_t *o)
{
    buf_puts(b, "[");
    for (int i = 0; i < cast->n; i++) {
        if (i)
            buf_puts(b, ",");
        buf_puts(b, "{\"chatling\":");
        chatling_ref(b, &cast->who[i]);
        buf_puts(b, ",\"roles\":[");
        for (int k = 0; o[i].roles[k]; k++)
            buf_printf(b, "%s\"%c\"", k ? "," : "", o[i].roles[k]);
        buf_printf(b, "],\"lines\":%d,\"glow_change\":%d,\"glow\":%d,\"mood\":\"%s\",\"unhappy_count\":%d,"
                      "\"ran_away\":%s}",
                   o[i].lines, cast->state[i].glow - o[i].before_glow, cast->state[i].glow,
                   MOOD_NAMES[cast->state[i].mood], cast->state[i].unhappy_count, o[i].ran_away ? "true" : "false");
    }
    buf_puts(b, "]");
}

void api_chatroom_read(http_ctx_t *ctx)
{
    char room[37];
    if (room_param(ctx, room))
        return;
    const char *uid = api_user_id(ctx);
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    const char *p1[] = {room};
    PGresult *rr = db_exec(db, &STMT_ROOM, p1);
    if (api_check(ctx, rr))
        return;
    if (PQntuples(rr) == 0) {
        PQclear(rr);
        http_res_error(ctx->res, 404, "not_found", "no chatroom with this id");
        return;
    }
    char title[512];
    snprintf(title, sizeof title, "%s", PQgetvalue(rr, 0, 1));
    int video = !PQgetisnull(rr, 0, 3);
    PQclear(rr);

    conversation_t *conv = malloc(sizeof *conv);
    if (!conv) {
        http_res_error(ctx->res, 500, "internal", "out of memory");
        return;
    }
    PGresult *err = NULL, *r = NULL;
    buf_t fx_json, upd;
    buf_init(&fx_json, 64 * 1024);
    buf_init(&upd, 64 * 1024);
    effects_t fx;
    effects_init(&fx);
    if (db_command(db, "BEGIN")) {
        api_check(ctx, NULL);
        goto out;
    }
    const char *p2[] = {uid, room};
    r = db_exec(db, &STMT_READ_CLAIM, p2);
    if (api_check(ctx, r))
        goto rollback;
    if (PQntuples(r) == 0) {
        /* read before: nothing happens again; answer with what the first reading did */
        PQclear(r);
        db_command(db, "ROLLBACK");
        r = db_exec(db, &STMT_READ_DONE, p2);
        if (api_check(ctx, r))
            goto out;
        buf_t *b = &ctx->res->body;
        buf_puts(b, "{\"counted\":false,\"read_at\":");
        if (PQntuples(r))
            api_json_time(b, r, 0, 0);
        else
            buf_puts(b, "null");
        buf_printf(b, ",\"chatlings\":%s}", PQntuples(r) ? PQgetvalue(r, 0, 1) : "[]");
        PQclear(r);
        goto out;
    }
    char read_at[32];
    snprintf(read_at, sizeof read_at, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);

    cast_t cast;
    if (load_conversation(db, room, title, video, conv, &err) ||
        load_cast(db, &STMT_CAST_LOCK, uid, room, conv->nroles, &cast, &err)) {
        api_check(ctx, err);
        goto rollback;
    }
    int delta[CONV_MAX_ROLES], lines[CONV_MAX_ROLES];
    chatroom_role_glow(conv, delta, lines);
    outcome_t o[CONV_MAX_ROLES];
    memset(o, 0, sizeof o);
    for (int role = 0; role < conv->nroles; role++) {
        int w = cast.owner[role];
        if (w < 0)
            continue;
        o[w].delta += delta[role];
        o[w].lines += lines[role];
        o[w].roles[strlen(o[w].roles)] = (char)('A' + role);
    }
    int runaways = 0;
    buf_puts(&upd, "[");
    for (int i = 0; i < cast.n; i++) {
        o[i].before_glow = cast.state[i].glow;
        chatroom_apply_reading(&cast.state[i], o[i].delta);
        o[i].ran_away = chatroom_runs_away(cast.state[i].unhappy_count, draw(ctx));
        runaways += o[i].ran_away;
        buf_printf(&upd, "%s{\"creature_id\":\"%s\",\"glow\":%d,\"mood\":\"%s\",\"unhappy_count\":%d,\"status\":\"%s\"}",
                   i ? "," : "", cast.who[i].id, cast.state[i].glow, MOOD_NAMES[cast.state[i].mood],
                   cast.state[i].unhappy_count, o[i].ran_away ? "runaway" : "with_player");
    }
    buf_puts(&upd, "]");
    if (cast.n) {
        const char *p3[] = {uid, upd.data};
        r = db_exec(db, &STMT_APPLY, p3);
        if (api_check(ctx, r))
            goto rollback;
        PQclear(r);
        fx.collection = 1;
    }
    render_effects(&fx_json, &cast, o);
    const char *p4[] = {uid, room, fx_json.data};
    r = db_exec(db, &STMT_READ_EFFECTS, p4);
    if (api_check(ctx, r))
        goto rollback;
    PQclear(r);
    for (int i = 0; i < cast.n; i++) {
        if (!o[i].ran_away)
            continue;
        char ntitle[160], data[200], props[200];
        snprintf(ntitle, sizeof ntitle, "%s ran away", cast.who[i].name);
        snprintf(data, sizeof data, "{\"creature_id\":\"%s\",\"room_id\":\"%s\"}", cast.who[i].id, room);
        snprintf(props, sizeof props, "{\"creature_id\":\"%s\",\"unhappy_count\":%d}", cast.who[i].id,
                 cast.state[i].unhappy_count);
        if (notify_create(db, uid, "runaway", ntitle, "Too many gloomy chats. You can try to win it back once a day.",
                          data, &err) ||
            telemetry_record(db, uid, "chatling_ran_away", props, &fx, &err)) {
            api_check(ctx, err);
            goto rollback;
        }
        fx.leaderboard = 1; /* team eligibility changed */
    }
    char props[160];
    snprintf(props, sizeof props, "{\"room_id\":\"%s\",\"chatlings\":%d,\"runaways\":%d}", room, cast.n, runaways);
    if (telemetry_record(db, uid, "chatroom_read", props, &fx, &err)) {
        api_check(ctx, err);
        goto rollback;
    }
    if (db_command(db, "COMMIT")) {
        api_check(ctx, NULL);
        goto rollback;
    }
    /* the runaway notifications reach open pages through the notifications trigger (0013) */
    effects_apply(db, ctx->thread->redis, uid, &fx);
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"counted\":true,\"read_at\":");
    buf_json_cstr(b, read_at);
    buf_puts(b, ",\"chatlings\":");
    buf_append(b, fx_json.data, fx_json.len);
    buf_puts(b, "}");
    goto out;
rollback:
    db_command(db, "ROLLBACK");
out:
    buf_free(&fx_json);
    buf_free(&upd);
    free(conv);
}

/* ---- GET, PUT /api/user/chat-attitude ---- */

static const db_stmt_t STMT_ATTITUDE = {
    "chatrooms_attitude",
    "SELECT coalesce(a.enthusiasm, 5), coalesce(a.criticism, 5), coalesce(a.humour, 5)"
    " FROM (SELECT 1) one LEFT JOIN chat_attitudes a ON a.user_id = $1",
    1};

static const db_stmt_t STMT_ATTITUDE_PUT = {
    "chatrooms_attitude_put",
    "INSERT INTO chat_attitudes AS a (user_id, enthusiasm, criticism, humour) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (user_id) DO UPDATE SET enthusiasm = excluded.enthusiasm, criticism = excluded.criticism,"
    " humour = excluded.humour, updated_at = now()"
    " RETURNING enthusiasm, criticism, humour",
    4};

static void render_attitude(buf_t *b, PGresult *r)
{
    buf_printf(b, "{\"enthusiasm\":%s,\"criticism\":%s,\"humour\":%s}", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
               PQgetvalue(r, 0, 2));
}

void api_chat_attitude_get(http_ctx_t *ctx)
{
    db_conn_t *db = api_db(ctx); /* read-your-writes right after a PUT */
    if (!db)
        return;
    const char *params[] = {api_user_id(ctx)};
    PGresult *r = db_exec(db, &STMT_ATTITUDE, params);
    if (api_check(ctx, r))
        return;
    render_attitude(&ctx->res->body, r);
    PQclear(r);
}

void api_chat_attitude_put(http_ctx_t *ctx)
{
    static const char *const KEYS[] = {"enthusiasm", "criticism", "humour"};
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    char vals[3][8];
    for (int i = 0; i < 3; i++) {
        json_t *v = json_object_get(doc, KEYS[i]);
        if (!json_is_integer(v) || !chatroom_attitude_valid((long)json_integer_value(v))) {
            char msg[96];
            snprintf(msg, sizeof msg, "%s must be a whole number from %d to %d", KEYS[i], ATTITUDE_MIN, ATTITUDE_MAX);
            json_decref(doc);
            http_res_error(ctx->res, 400, "bad_request", msg);
            return;
        }
        snprintf(vals[i], sizeof vals[i], "%lld", (long long)json_integer_value(v));
    }
    const char *key;
    json_t *value;
    json_object_foreach(doc, key, value)
    {
        (void)value;
        if (strcmp(key, KEYS[0]) && strcmp(key, KEYS[1]) && strcmp(key, KEYS[2])) {
            json_decref(doc);
            http_res_error(ctx->res, 400, "bad_request", "only enthusiasm, criticism and humour can be set");
            return;
        }
    }
    json_decref(doc);
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    const char *params[] = {api_user_id(ctx), vals[0], vals[1], vals[2]};
    PGresult *r = db_exec(db, &STMT_ATTITUDE_PUT, params);
    if (api_check(ctx, r))
        return;
    render_attitude(&ctx->res->body, r);
    PQclear(r);
}

/* ---- GET /api/user/runaways ---- */

/* Attempts count within the current runaway (since runaway_at): a chatling that comes home and
 * runs away again starts over at 80 %. */
#define ATTEMPTS_SQL                                                                               \
    "(SELECT count(*) FROM runaway_recoveries rr WHERE rr.user_id = uc.user_id"                    \
    " AND rr.creature_id = uc.creature_id AND rr.attempted_at >= coalesce(uc.runaway_at, '-infinity'))"

static const db_stmt_t STMT_RUNAWAYS = {
    "chatrooms_runaways",
    "SELECT c.id, c.name, c.short_name, b.name, c.rarity, c.colour_scheme, " ISO("uc.runaway_at") ", "
    ATTEMPTS_SQL ","
    " EXISTS (SELECT 1 FROM runaway_recoveries rr WHERE rr.user_id = uc.user_id"
    "         AND rr.creature_id = uc.creature_id AND rr.day = $2::date)"
    " FROM user_collections uc JOIN creatures c ON c.id = uc.creature_id JOIN body_types b ON b.id = c.body_type_id"
    " WHERE uc.user_id = $1 AND uc.status = 'runaway'"
    " ORDER BY uc.runaway_at DESC NULLS LAST, c.id",
    2};

static void iso_tomorrow(char out[24])
{
    int64_t days = clock_now() / CLOCK_MS_PER_DAY + 1;
    clock_format_iso(days * CLOCK_MS_PER_DAY, out, 24);
}

void api_runaways_list(http_ctx_t *ctx)
{
    char day[11], tomorrow[24];
    utc_today(day, NULL);
    iso_tomorrow(tomorrow);
    db_conn_t *db = api_db(ctx); /* right after an attempt the page reads this */
    if (!db)
        return;
    const char *params[] = {api_user_id(ctx), day};
    PGresult *r = db_exec(db, &STMT_RUNAWAYS, params);
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"runaways\":[");
    for (int i = 0; i < PQntuples(r); i++) {
        const char *cols[6];
        for (int k = 0; k < 6; k++)
            cols[k] = PQgetvalue(r, i, k);
        picked_t p;
        creature_json_from_row(&p, cols);
        int attempts = atoi(PQgetvalue(r, i, 7));
        int tried = PQgetvalue(r, i, 8)[0] == 't';
        buf_puts(b, i ? ",{\"chatling\":" : "{\"chatling\":");
        creature_json_summary(b, &p);
        buf_puts(b, ",\"ran_away_at\":");
        api_json_time(b, r, i, 6);
        buf_printf(b, ",\"attempts\":%d,\"next_attempt\":{\"number\":%d,\"percent\":%d},\"can_attempt_today\":%s,"
                      "\"next_attempt_at\":",
                   attempts, attempts + 1, chatroom_recovery_percent(attempts + 1), tried ? "false" : "true");
        buf_json_cstr(b, tried ? tomorrow : NULL);
        buf_puts(b, "}");
    }
    buf_puts(b, "]}");
    PQclear(r);
}

/* ---- POST /api/user/runaways/:creature_id/recover ---- */

static const db_stmt_t STMT_RUNAWAY_LOCK = {
    "chatrooms_runaway_lock",
    "SELECT uc.status, " ATTEMPTS_SQL ", c.id, c.name, c.short_name, b.name, c.rarity, c.colour_scheme"
    " FROM user_collections uc JOIN creatures c ON c.id = uc.creature_id JOIN body_types b ON b.id = c.body_type_id"
    " WHERE uc.user_id = $1 AND uc.creature_id = $2 FOR UPDATE OF uc",
    2};

static const db_stmt_t STMT_ATTEMPT = {
    "chatrooms_recovery_attempt",
    "INSERT INTO runaway_recoveries (user_id, creature_id, day, attempt, percent, success)"
    " VALUES ($1, $2, $3::date, $4::int, $5::smallint, $6::boolean)"
    " ON CONFLICT ON CONSTRAINT runaway_recoveries_once_a_day DO NOTHING RETURNING id",
    6};

static const db_stmt_t STMT_RECOVER = {
    "chatrooms_recover",
    "UPDATE user_collections SET status = 'with_player', unhappy_count = 0, glow = 0, mood = 'neutral',"
    " runaway_at = NULL WHERE user_id = $1 AND creature_id = $2 AND status = 'runaway'",
    2};

void api_runaway_recover(http_ctx_t *ctx)
{
    char cid[37];
    if (http_req_param(ctx->req, 0, cid, sizeof cid) || !api_is_uuid(cid)) {
        http_res_error(ctx->res, 400, "bad_request", "creature_id must be a UUID");
        return;
    }
    const char *uid = api_user_id(ctx);
    char day[11], tomorrow[24];
    long to_midnight;
    utc_today(day, &to_midnight);
    iso_tomorrow(tomorrow);
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    if (db_command(db, "BEGIN")) {
        api_check(ctx, NULL);
        return;
    }
    effects_t fx;
    effects_init(&fx);
    PGresult *err = NULL;
    const char *p1[] = {uid, cid};
    PGresult *r = db_exec(db, &STMT_RUNAWAY_LOCK, p1);
    if (api_check(ctx, r))
        goto rollback;
    if (PQntuples(r) == 0) {
        PQclear(r);
        http_res_error(ctx->res, 404, "not_found", "you have no chatling with this id");
        goto rollback;
    }
    if (strcmp(PQgetvalue(r, 0, 0), "runaway")) {
        PQclear(r);
        http_res_error(ctx->res, 409, "conflict", "this chatling has not run away");
        goto rollback;
    }
    int attempt = atoi(PQgetvalue(r, 0, 1)) + 1;
    const char *cols[6];
    for (int k = 0; k < 6; k++)
        cols[k] = PQgetvalue(r, 0, 2 + k);
    picked_t who;
    creature_json_from_row(&who, cols);
    PQclear(r);

    int percent = chatroom_recovery_percent(attempt);
    int success = chatroom_recovery_succeeds(attempt, draw(ctx));
    char attempt_s[12], percent_s[8];
    snprintf(attempt_s, sizeof attempt_s, "%d", attempt);
    snprintf(percent_s, sizeof percent_s, "%d", percent);
    const char *p2[] = {uid, cid, day, attempt_s, percent_s, success ? "true" : "false"};
    r = db_exec(db, &STMT_ATTEMPT, p2);
    if (api_check(ctx, r))
        goto rollback;
    int fresh = PQntuples(r);
    PQclear(r);
    if (!fresh) {
        char retry[24];
        snprintf(retry, sizeof retry, "%ld", to_midnight);
        http_res_header(ctx->res, "retry-after", retry);
        char msg[160];
        snprintf(msg, sizeof msg, "one attempt per chatling per day: try again after %s", tomorrow);
        http_res_error(ctx->res, 409, "conflict", msg);
        goto rollback;
    }
    ach_unlocks_t got = {0};
    char props[200];
    snprintf(props, sizeof props, "{\"creature_id\":\"%s\",\"attempt\":%d,\"percent\":%d,\"success\":%s}", cid, attempt,
             percent, success ? "true" : "false");
    if (telemetry_record(db, uid, "runaway_recovery", props, &fx, &err)) {
        api_check(ctx, err);
        goto rollback;
    }
    if (success) {
        r = db_exec(db, &STMT_RECOVER, p1);
        if (api_check(ctx, r))
            goto rollback;
        PQclear(r);
        if (achievements_check(db, uid, 0, "recover_runaway", &got, &fx, &err) < 0) {
            api_check(ctx, err);
            goto rollback;
        }
        fx.collection = 1;
        fx.leaderboard = 1; /* back on the team boards */
    }
    if (db_command(db, "COMMIT")) {
        api_check(ctx, NULL);
        goto rollback;
    }
    effects_apply(db, ctx->thread->redis, uid, &fx);
    buf_t *b = &ctx->res->body;
    buf_printf(b, "{\"recovered\":%s,\"attempt\":%d,\"percent\":%d,\"chatling\":", success ? "true" : "false", attempt,
               percent);
    creature_json_summary(b, &who);
    buf_printf(b, ",\"status\":\"%s\",\"next_attempt\":", success ? "with_player" : "runaway");
    if (success)
        buf_puts(b, "null");
    else
        buf_printf(b, "{\"number\":%d,\"percent\":%d,\"at\":\"%s\"}", attempt + 1, chatroom_recovery_percent(attempt + 1),
                   tomorrow);
    buf_puts(b, ",\"achievements\":[");
    for (int i = 0; i < got.n; i++) {
        buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        buf_json_cstr(b, got.items[i].id);
        buf_puts(b, ",\"name\":");
        buf_json_cstr(b, got.items[i].name);
        buf_printf(b, ",\"points\":%d}", got.items[i].points);
    }
    buf_puts(b, "]}");
    return;
rollback:
    db_command(db, "ROLLBACK");
}
