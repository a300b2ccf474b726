/* collection: GET /api/user/collection (owned creatures with their derived scores, filtered,
 * sorted, paged: one query per page, total included), GET /api/user/stats (totals and the
 * rarity breakdown) and PUT /api/user/current-chatling. Both reads are cached as fields of
 * user:{id}:collection (store/collection_cache), which every write to the collection drops. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/creature_json.h"
#include "api/handlers.h"
#include "game/creatures.h"
#include "store/cache.h"
#include "store/collection_cache.h"
#include "store/effects.h"

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define RARITY_RANK "array_position(ARRAY['Common','Uncommon','Rare','Epic','Legendary','Mythical'], c.rarity)"
#define TRAITS_OF(id)                                                                                    \
    " LEFT JOIN LATERAL (SELECT string_agg(t.score::text, ',' ORDER BY t.trait_id) AS traits, sum(t.score) AS tsum" \
    " FROM creature_traits t WHERE t.creature_id = " id ") tr ON true"

/* ---- GET /api/user/collection ---- */

enum { SORT_FIRST_FOUND, SORT_RARITY, SORT_NAME, SORT_OVERALL, SORT_COUNT };
static const char *const SORT_NAMES[SORT_COUNT] = {"first_found", "rarity", "name", "overall"};
/* The natural direction of each sort when ?order= is absent: oldest find, rarest, A-Z, best. */
static const int SORT_DEFAULT_DESC[SORT_COUNT] = {0, 1, 0, 1};
static const char *const SORT_KEYS[SORT_COUNT] = {"first_found_at", "rrank", "lower(name)", "tsum"};

/* One statement per (sort, direction); filters are "$n IS NULL OR ..." because a collection is
 * small (it is read through the player's own rows), so one plan fits every filter. The page
 * and the total come from one statement: the CTE is read twice but computed once. Traits are
 * aggregated for the page's rows only, except when sorting by overall, which needs them all. */
typedef struct list_stmts {
    char names[SORT_COUNT][2][40];
    char sql[SORT_COUNT][2][2048];
    db_stmt_t stmt[SORT_COUNT][2];
} list_stmts_t;

static list_stmts_t LIST;
static pthread_once_t LIST_ONCE = PTHREAD_ONCE_INIT;

static void list_stmts_build(void)
{
    for (int s = 0; s < SORT_COUNT; s++)
        for (int d = 0; d < 2; d++) {
            int all = s == SORT_OVERALL;
            const char *dir = d ? "DESC" : "ASC";
            snprintf(LIST.names[s][d], sizeof LIST.names[s][d], "collection_list_%s_%s", SORT_NAMES[s],
                     d ? "desc" : "asc");
            snprintf(LIST.sql[s][d], sizeof LIST.sql[s][d],
                     "WITH f AS (SELECT uc.id AS row_id, c.id, c.name, c.short_name, b.name AS body_type, c.rarity,"
                     " c.colour_scheme, uc.found_count, uc.rizz, uc.glow, uc.mood, uc.status, uc.source,"
                     " uc.first_found_at, uc.last_found_at, " RARITY_RANK " AS rrank%s"
                     " FROM user_collections uc JOIN creatures c ON c.id = uc.creature_id"
                     " JOIN body_types b ON b.id = c.body_type_id%s"
                     " WHERE uc.user_id = $1 AND ($2::text IS NULL OR c.rarity = $2)"
                     " AND ($3::smallint IS NULL OR c.body_type_id = $3))"
                     " SELECT t.total, p.id, p.name, p.short_name, p.body_type, p.rarity, p.colour_scheme,"
                     " p.found_count, p.rizz, p.glow, p.mood, p.status, p.source, " ISO("p.first_found_at") ","
                     " " ISO("p.last_found_at") ", p.traits"
                     " FROM (SELECT count(*) AS total FROM f) t"
                     " LEFT JOIN LATERAL (SELECT g.*%s FROM (SELECT * FROM f ORDER BY %s %s, row_id %s"
                     " LIMIT $4 OFFSET $5) g%s) p ON true"
                     " ORDER BY %s %s, row_id %s",
                     all ? ", tr.traits, tr.tsum" : "", all ? TRAITS_OF("c.id") : "", all ? "" : ", tr.traits",
                     SORT_KEYS[s], dir, dir, all ? "" : TRAITS_OF("g.id"), SORT_KEYS[s], dir, dir);
            LIST.stmt[s][d] = (db_stmt_t){LIST.names[s][d], LIST.sql[s][d], 5};
        }
}

static void render_entry(buf_t *b, PGresult *r, int i)
{
    picked_t c;
    const char *cols[6];
    for (int k = 0; k < 6; k++)
        cols[k] = PQgetvalue(r, i, 1 + k);
    creature_json_from_row(&c, cols);
    buf_puts(b, "{");
    creature_json_members(b, &c);
    buf_printf(b, ",\"found_count\":%s,\"rizz\":%s,\"glow\":%s,\"mood\":", PQgetvalue(r, i, 7), PQgetvalue(r, i, 8),
               PQgetvalue(r, i, 9));
    buf_json_cstr(b, PQgetvalue(r, i, 10));
    buf_puts(b, ",\"status\":");
    buf_json_cstr(b, PQgetvalue(r, i, 11));
    buf_puts(b, ",\"source\":");
    buf_json_cstr(b, PQgetvalue(r, i, 12));
    buf_puts(b, ",\"first_found_at\":");
    api_json_time(b, r, i, 13);
    buf_puts(b, ",\"last_found_at\":");
    api_json_time(b, r, i, 14);
    int traits[TRAIT_COUNT];
    if (creature_json_parse_traits(PQgetvalue(r, i, 15), traits) == 0) {
        buf_puts(b, ",");
        creature_json_scores(b, traits);
    }
    buf_puts(b, "}");
}

/* Answers from the cache when it can; otherwise renders with the query and fills the cache. */
static void respond_cached(http_ctx_t *ctx, const char *uid, const char *field,
                           int (*build)(http_ctx_t *, const void *, buf_t *), const void *arg)
{
    redis_t *rds = ctx->thread->redis;
    int got = collection_cache_get(rds, uid, field, &ctx->res->body);
    if (got == 1)
        return;
    buf_t out;
    buf_init(&out, 8u << 20);
    if (build(ctx, arg, &out) == 0) {
        if (out.overflow) {
            http_res_error(ctx->res, 500, "internal", "the response is too large");
        } else {
            if (got == 0)
                collection_cache_put(rds, uid, field, out.data, out.len);
            buf_append(&ctx->res->body, out.data, out.len);
        }
    }
    buf_free(&out);
}

/* The parsed query of one collection request (filled by the handler, read by build_list). */
typedef struct list_query {
    char rarity[32];   /* "" = any */
    int body_type;     /* -1 = any, else 0-based */
    int sort, desc;
    long page, limit;
} list_query_t;

static int build_list(http_ctx_t *ctx, const void *arg, buf_t *b)
{
    const list_query_t *q = arg;
    db_conn_t *db = api_db(ctx); /* the primary: a read right after a write sees it */
    if (!db)
        return -1;
    char bt[16], limit[16], offset[24];
    snprintf(bt, sizeof bt, "%d", q->body_type + 1);
    snprintf(limit, sizeof limit, "%ld", q->limit);
    snprintf(offset, sizeof offset, "%ld", (q->page - 1) * q->limit);
    const char *params[] = {api_user_id(ctx), q->rarity[0] ? q->rarity : NULL, q->body_type >= 0 ? bt : NULL, limit,
                            offset};
    pthread_once(&LIST_ONCE, list_stmts_build);
    PGresult *r = db_exec(db, &LIST.stmt[q->sort][q->desc], params);
    if (api_check(ctx, r))
        return -1;
    buf_puts(b, "{\"collection\":[");
    int rows = PQntuples(r), n = 0;
    for (int i = 0; i < rows; i++) {
        if (PQgetisnull(r, i, 1))
            continue; /* the one row of an empty page carries only the total */
        if (n++)
            buf_puts(b, ",");
        render_entry(b, r, i);
    }
    buf_printf(b, "],\"page\":%ld,\"limit\":%ld,\"total\":%s,\"sort\":\"%s\",\"order\":\"%s\"}", q->page, q->limit,
               rows ? PQgetvalue(r, 0, 0) : "0", SORT_NAMES[q->sort], q->desc ? "desc" : "asc");
    PQclear(r);
    return 0;
}

void api_collection_list(http_ctx_t *ctx)
{
    list_query_t q = {.body_type = -1};
    if (api_query_int(ctx, "page", 1, 1, 100000, &q.page) || api_query_int(ctx, "limit", 50, 1, 500, &q.limit))
        return;
    char v[32];
    int got = http_req_query(ctx->req, "rarity", v, sizeof v);
    if (got < 0 || (got == 1 && v[0] && rarity_from_name(v) < 0)) {
        http_res_error(ctx->res, 400, "bad_request", "rarity must be one of Common, Uncommon, Rare, Epic, Legendary, Mythical");
        return;
    }
    if (got == 1)
        snprintf(q.rarity, sizeof q.rarity, "%s", v);
    int bt;
    if (api_query_body_type(ctx, &bt))
        return;
    if (bt >= 0)
        q.body_type = bt;
    got = http_req_query(ctx->req, "sort", v, sizeof v);
    q.sort = got == 1 && v[0] ? -1 : SORT_FIRST_FOUND;
    for (int s = 0; s < SORT_COUNT && q.sort < 0; s++)
        if (!strcmp(v, SORT_NAMES[s]))
            q.sort = s;
    if (got < 0 || q.sort < 0) {
        http_res_error(ctx->res, 400, "bad_request", "sort must be one of first_found, rarity, name, overall");
        return;
    }
    q.desc = SORT_DEFAULT_DESC[q.sort];
    got = http_req_query(ctx->req, "order", v, sizeof v);
    if (got < 0 || (got == 1 && v[0] && strcmp(v, "asc") && strcmp(v, "desc"))) {
        http_res_error(ctx->res, 400, "bad_request", "order must be asc or desc");
        return;
    }
    if (got == 1 && v[0])
        q.desc = !strcmp(v, "desc");
    char field[128];
    snprintf(field, sizeof field, "list|%s|%d|%d|%d|%ld|%ld", q.rarity, q.body_type, q.sort, q.desc, q.page, q.limit);
    respond_cached(ctx, api_user_id(ctx), field, build_list, &q);
}

/* ---- GET /api/user/stats ---- */

static const db_stmt_t STMT_STATS = {
    "collection_stats",
    "SELECT c.rarity, uc.source, GROUPING(c.rarity, uc.source), count(*), coalesce(sum(uc.found_count), 0),"
    " count(*) FILTER (WHERE uc.status = 'with_player')"
    " FROM user_collections uc JOIN creatures c ON c.id = uc.creature_id WHERE uc.user_id = $1"
    " GROUP BY GROUPING SETS ((c.rarity), (uc.source), ())",
    1};

/* Active catalogue size per rarity: shared by every player, so cached once (1 h, like the
 * catalogue's own metadata) rather than counted per stats request. */
static const db_stmt_t STMT_CATALOGUE_COUNTS = {
    "collection_catalogue_counts",
    "SELECT string_agg(n::text, ',' ORDER BY k) FROM ("
    " SELECT k, (SELECT count(*) FROM creatures WHERE rarity = r AND deleted_at IS NULL AND is_active) AS n"
    " FROM unnest(ARRAY['Common','Uncommon','Rare','Epic','Legendary','Mythical']) WITH ORDINALITY u(r, k)) x",
    0};

static int catalogue_counts(http_ctx_t *ctx, db_conn_t *db, long counts[RARITY_COUNT])
{
    static const char KEY[] = "catalogue:rarity_counts";
    char *cached = NULL;
    size_t len = 0;
    char text[256] = "";
    if (cache_get(ctx->thread->redis, KEY, &cached, &len) == 1) {
        snprintf(text, sizeof text, "%s", cached);
        free(cached);
    } else {
        PGresult *r = db_exec(db, &STMT_CATALOGUE_COUNTS, NULL);
        if (api_check(ctx, r))
            return -1;
        snprintf(text, sizeof text, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        cache_set(ctx->thread->redis, KEY, text, strlen(text), CACHE_TTL_CREATURE);
    }
    const char *p = text;
    for (int i = 0; i < RARITY_COUNT; i++) {
        char *end;
        counts[i] = strtol(p, &end, 10);
        p = *end == ',' ? end + 1 : end;
    }
    return 0;
}

static int build_stats(http_ctx_t *ctx, const void *arg, buf_t *b)
{
    db_conn_t *db = api_db(ctx);
    if (!db)
        return -1;
    long catalogue[RARITY_COUNT], owned[RARITY_COUNT] = {0}, found[RARITY_COUNT] = {0};
    if (catalogue_counts(ctx, db, catalogue))
        return -1;
    const char *params[] = {api_user_id(ctx)};
    PGresult *r = db_exec(db, &STMT_STATS, params);
    if (api_check(ctx, r))
        return -1;
    long unique = 0, total_found = 0, with_player = 0;
    buf_t sources;
    buf_init(&sources, 4096);
    int nsources = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        int grouping = atoi(PQgetvalue(r, i, 2)); /* bit 1: rarity rolled up, bit 0: source rolled up */
        long n = atol(PQgetvalue(r, i, 3)), f = atol(PQgetvalue(r, i, 4));
        if (grouping == 3) {
            unique = n;
            total_found = f;
            with_player = atol(PQgetvalue(r, i, 5));
        } else if (grouping == 1) {
            int k = rarity_from_name(PQgetvalue(r, i, 0));
            if (k >= 0) {
                owned[k] = n;
                found[k] = f;
            }
        } else if (grouping == 2) {
            buf_puts(&sources, nsources++ ? "," : "");
            buf_json_cstr(&sources, PQgetvalue(r, i, 1));
            buf_printf(&sources, ":%ld", n);
        }
    }
    PQclear(r);
    long catalogue_total = 0;
    for (int i = 0; i < RARITY_COUNT; i++)
        catalogue_total += catalogue[i];
    buf_printf(b, "{\"unique\":%ld,\"total_found\":%ld,\"with_player\":%ld,\"runaway\":%ld,\"by_rarity\":[", unique,
               total_found, with_player, unique - with_player);
    for (int i = 0; i < RARITY_COUNT; i++)
        buf_printf(b, "%s{\"rarity\":\"%s\",\"owned\":%ld,\"found\":%ld,\"catalogue\":%ld}", i ? "," : "",
                   RARITY_NAMES[i], owned[i], found[i], catalogue[i]);
    buf_puts(b, "],\"by_source\":{");
    if (sources.len)
        buf_append(b, sources.data, sources.len);
    buf_printf(b, "},\"catalogue_total\":%ld,\"completion\":%.1f}", catalogue_total,
               catalogue_total ? 100.0 * (double)unique / (double)catalogue_total : 0.0);
    buf_free(&sources);
    return 0;
}

void api_user_stats(http_ctx_t *ctx)
{
    respond_cached(ctx, api_user_id(ctx), "stats", build_stats, NULL);
}

/* ---- PUT /api/user/current-chatling ---- */

static const db_stmt_t STMT_SET_CURRENT = {
    "collection_set_current",
    "UPDATE users u SET current_creature_id = uc.creature_id FROM user_collections uc"
    " WHERE u.id = $1 AND u.deleted_at IS NULL AND uc.user_id = u.id AND uc.creature_id = $2"
    "   AND uc.status = 'with_player'"
    " RETURNING uc.creature_id",
    2};

static const db_stmt_t STMT_CURRENT = {
    "collection_current",
    "SELECT uc.status, c.id, c.name, c.short_name, b.name, c.rarity, c.colour_scheme"
    " FROM user_collections uc JOIN creatures c ON c.id = uc.creature_id JOIN body_types b ON b.id = c.body_type_id"
    " WHERE uc.user_id = $1 AND uc.creature_id = $2",
    2};

void api_current_chatling(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    const char *cid = json_string_value(json_object_get(doc, "creature_id"));
    char creature_id[37];
    if (!cid || strlen(cid) != 36 || !api_is_uuid(cid)) {
        json_decref(doc);
        http_res_error(ctx->res, 400, "bad_request", "creature_id must be the UUID of one of your chatlings");
        return;
    }
    for (int i = 0; i < 37; i++)
        creature_id[i] = (char)(cid[i] >= 'A' && cid[i] <= 'F' ? cid[i] + 32 : cid[i]);
    json_decref(doc);
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    const char *params[] = {uid, creature_id};
    PGresult *r = db_exec(db, &STMT_SET_CURRENT, params);
    if (api_check(ctx, r))
        return;
    int changed = PQntuples(r) == 1;
    PQclear(r);
    if (changed) {
        effects_t fx;
        effects_init(&fx);
        fx.profile = 1;
        fx.leaderboard = 1; /* slot 1 of the team is the current chatling */
        effects_apply(db, ctx->thread->redis, uid, &fx);
    }
    r = db_exec(db, &STMT_CURRENT, params);
    if (api_check(ctx, r))
        return;
    if (PQntuples(r) == 0) {
        PQclear(r);
        http_res_error(ctx->res, 403, "forbidden", "you can only choose a chatling you own");
        return;
    }
    if (!changed) {
        PQclear(r);
        http_res_error(ctx->res, 409, "conflict", "that chatling has run away; win it back first");
        return;
    }
    picked_t c;
    const char *cols[6];
    for (int i = 0; i < 6; i++)
        cols[i] = PQgetvalue(r, 0, 1 + i);
    creature_json_from_row(&c, cols);
    PQclear(r);
    buf_puts(&ctx->res->body, "{\"current_creature\":");
    creature_json_summary(&ctx->res->body, &c);
    buf_puts(&ctx->res->body, "}");
}
