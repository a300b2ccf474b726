/* catalogue: the public creature catalogue and its reference data (body types, traits).
 * Creature details are cached in Redis as creature:{id}:metadata for an hour. */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "game/creatures.h"
#include "store/cache.h"

#define Q_MAX 64

/* "12,55,..." (trait scores in trait id order) -> traits[]; 0 when all 8 were present. */
static int parse_traits(const char *csv, int traits[TRAIT_COUNT])
{
    const char *p = csv;
    for (int n = 0; n < TRAIT_COUNT; n++) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0 || v > 100)
            return -1;
        traits[n] = (int)v;
        if (n == TRAIT_COUNT - 1)
            return *end == '\0' ? 0 : -1;
        if (*end != ',')
            return -1;
        p = end + 1;
    }
    return -1;
}

static void render_scores(buf_t *b, const int traits[TRAIT_COUNT])
{
    derived_scores_t d;
    creatures_derive(traits, &d);
    buf_puts(b, "\"traits\":{");
    for (int i = 0; i < TRAIT_COUNT; i++) {
        char name[32];
        size_t k = 0;
        for (; TRAIT_NAMES[i][k] && k < sizeof name - 1; k++)
            name[k] = (char)tolower((unsigned char)TRAIT_NAMES[i][k]);
        name[k] = '\0';
        buf_printf(b, "%s\"%s\":%d", i ? "," : "", name, traits[i]);
    }
    buf_printf(b, "},\"scores\":{\"ability\":%.1f,\"strength\":%.1f,\"affection\":%.1f,\"uniqueness\":%.1f,\"overall\":%.1f}",
               d.ability, d.strength, d.affection, d.uniqueness, d.overall);
}

static const db_stmt_t STMT_DETAILS = {
    "creature_details",
    "SELECT c.id, c.name, c.short_name, b.name, c.rarity, c.colour_scheme, c.vibe, c.is_active,"
    " (SELECT string_agg(t.score::text, ',' ORDER BY t.trait_id) FROM creature_traits t WHERE t.creature_id = c.id)"
    " FROM creatures c JOIN body_types b ON b.id = c.body_type_id"
    " WHERE c.id = $1 AND c.deleted_at IS NULL",
    1};

void api_creature_details(http_ctx_t *ctx)
{
    char id[40];
    if (http_req_param(ctx->req, 0, id, sizeof id) || !api_is_uuid(id)) {
        http_res_error(ctx->res, 400, "bad_request", "creature id must be a UUID");
        return;
    }
    for (char *p = id; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    char key[64];
    snprintf(key, sizeof key, "creature:%s:metadata", id);

    buf_t *out = &ctx->res->body;
    char *cached = NULL;
    size_t cached_len = 0;
    if (cache_get(ctx->thread->redis, key, &cached, &cached_len) == 1) {
        buf_puts(out, "{\"creature\":");
        buf_append(out, cached, cached_len);
        buf_puts(out, "}");
        free(cached);
        return;
    }

    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    const char *params[] = {id};
    PGresult *r = db_exec(db, &STMT_DETAILS, params);
    if (api_check(ctx, r))
        return;
    int traits[TRAIT_COUNT];
    if (PQntuples(r) == 0) {
        PQclear(r);
        http_res_error(ctx->res, 404, "not_found", "no creature with this id");
        return;
    }
    if (parse_traits(PQgetvalue(r, 0, 8), traits)) {
        PQclear(r);
        http_res_error(ctx->res, 500, "internal", "creature data is incomplete");
        return;
    }
    buf_t obj;
    buf_init(&obj, 64 * 1024);
    buf_puts(&obj, "{\"id\":");
    buf_json_cstr(&obj, PQgetvalue(r, 0, 0));
    buf_puts(&obj, ",\"name\":");
    buf_json_cstr(&obj, PQgetvalue(r, 0, 1));
    buf_puts(&obj, ",\"short_name\":");
    buf_json_cstr(&obj, PQgetvalue(r, 0, 2));
    buf_puts(&obj, ",\"body_type\":");
    buf_json_cstr(&obj, PQgetvalue(r, 0, 3));
    buf_puts(&obj, ",\"rarity\":");
    buf_json_cstr(&obj, PQgetvalue(r, 0, 4));
    buf_puts(&obj, ",\"colour_scheme\":");
    buf_json_cstr(&obj, PQgetvalue(r, 0, 5));
    buf_puts(&obj, ",\"vibe\":");
    buf_json_cstr(&obj, PQgetvalue(r, 0, 6));
    buf_printf(&obj, ",\"is_active\":%s,", PQgetvalue(r, 0, 7)[0] == 't' ? "true" : "false");
    render_scores(&obj, traits);
    buf_puts(&obj, "}");
    PQclear(r);

    if (!obj.overflow) {
        cache_set(ctx->thread->redis, key, obj.data, obj.len, CACHE_TTL_CREATURE);
        buf_puts(out, "{\"creature\":");
        buf_append(out, obj.data, obj.len);
        buf_puts(out, "}");
    } else {
        http_res_error(ctx->res, 500, "internal", "creature too large");
    }
    buf_free(&obj);
}

/* Escapes LIKE wildcards so that a search for "50%" matches literally. */
static void like_escape(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    for (; *in && o + 3 < outlen; in++) {
        if (*in == '%' || *in == '_' || *in == '\\')
            out[o++] = '\\';
        out[o++] = (char)tolower((unsigned char)*in);
    }
    out[o] = '\0';
}

/* The listing is one prepared statement per combination of filters present. A single
 * "($1 IS NULL OR ...)" statement gets a generic plan that cannot use the indexes and costs
 * 10x more; 8 exact statements keep every plan tight. The page and the total are separate
 * queries because a window count drags every matching row through the plan. */
enum { F_RARITY = 1, F_BODY_TYPE = 2, F_QUERY = 4, F_COMBOS = 8 };

typedef struct list_stmts {
    char names[2][F_COMBOS][32];
    char sql[2][F_COMBOS][768];
    db_stmt_t list[F_COMBOS], count[F_COMBOS];
} list_stmts_t;

static list_stmts_t LIST;
static pthread_once_t LIST_ONCE = PTHREAD_ONCE_INIT;

/* Filter parameters are numbered in order of appearance: $1.. for the present filters,
 * then limit and offset. */
static void list_stmts_build(void)
{
    for (int f = 0; f < F_COMBOS; f++) {
        char where[384];
        int n = 0, len = snprintf(where, sizeof where, " WHERE c.deleted_at IS NULL AND c.is_active");
        if (f & F_RARITY)
            len += snprintf(where + len, sizeof where - (size_t)len, " AND c.rarity = $%d", ++n);
        if (f & F_BODY_TYPE)
            len += snprintf(where + len, sizeof where - (size_t)len, " AND c.body_type_id = $%d::smallint", ++n);
        if (f & F_QUERY)
            snprintf(where + len, sizeof where - (size_t)len, " AND lower(c.name) LIKE '%%' || $%d || '%%'", ++n);
        snprintf(LIST.names[0][f], sizeof LIST.names[0][f], "creatures_list_%d", f);
        snprintf(LIST.sql[0][f], sizeof LIST.sql[0][f],
                 "SELECT c.id, c.name, c.short_name, b.name, c.rarity, c.colour_scheme,"
                 " (SELECT string_agg(t.score::text, ',' ORDER BY t.trait_id) FROM creature_traits t"
                 " WHERE t.creature_id = c.id)"
                 " FROM creatures c JOIN body_types b ON b.id = c.body_type_id%s"
                 " ORDER BY c.seq LIMIT $%d OFFSET $%d",
                 where, n + 1, n + 2);
        LIST.list[f] = (db_stmt_t){LIST.names[0][f], LIST.sql[0][f], n + 2};
        snprintf(LIST.names[1][f], sizeof LIST.names[1][f], "creatures_count_%d", f);
        snprintf(LIST.sql[1][f], sizeof LIST.sql[1][f], "SELECT count(*) FROM creatures c%s", where);
        LIST.count[f] = (db_stmt_t){LIST.names[1][f], LIST.sql[1][f], n};
    }
}

void api_creatures_list(http_ctx_t *ctx)
{
    char rarity[32], q[Q_MAX + 1], q_like[3 * Q_MAX + 1], bt_id[16], limit_s[24], offset_s[24];
    long page, limit;
    if (api_query_int(ctx, "page", 1, 1, 100000, &page) || api_query_int(ctx, "limit", 20, 1, 100, &limit))
        return;
    int has_rarity = http_req_query(ctx->req, "rarity", rarity, sizeof rarity);
    if (has_rarity < 0 || (has_rarity == 1 && rarity[0] && rarity_from_name(rarity) < 0)) {
        http_res_error(ctx->res, 400, "bad_request", "rarity must be one of Common, Uncommon, Rare, Epic, Legendary, Mythical");
        return;
    }
    int bt;
    if (api_query_body_type(ctx, &bt))
        return;
    int has_q = http_req_query(ctx->req, "q", q, sizeof q);
    if (has_q < 0) {
        http_res_error(ctx->res, 400, "bad_request", "q must be at most 64 characters");
        return;
    }
    like_escape(has_q == 1 ? q : "", q_like, sizeof q_like);
    snprintf(bt_id, sizeof bt_id, "%d", bt + 1);
    snprintf(limit_s, sizeof limit_s, "%ld", limit);
    snprintf(offset_s, sizeof offset_s, "%ld", (page - 1) * limit);
    int filters = 0, n = 0;
    const char *params[5];
    if (has_rarity == 1 && rarity[0]) {
        filters |= F_RARITY;
        params[n++] = rarity;
    }
    if (bt >= 0) {
        filters |= F_BODY_TYPE;
        params[n++] = bt_id;
    }
    if (q_like[0]) {
        filters |= F_QUERY;
        params[n++] = q_like;
    }
    params[n] = limit_s;
    params[n + 1] = offset_s;
    pthread_once(&LIST_ONCE, list_stmts_build);

    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    PGresult *r = db_exec(db, &LIST.list[filters], params);
    if (api_check(ctx, r))
        return;
    PGresult *c = db_exec(db, &LIST.count[filters], params);
    if (api_check(ctx, c)) {
        PQclear(r);
        return;
    }
    long total = atol(PQgetvalue(c, 0, 0));
    PQclear(c);
    int rows = PQntuples(r);
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"creatures\":[");
    for (int i = 0; i < rows; i++) {
        int traits[TRAIT_COUNT];
        buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        buf_json_cstr(b, PQgetvalue(r, i, 0));
        buf_puts(b, ",\"name\":");
        buf_json_cstr(b, PQgetvalue(r, i, 1));
        buf_puts(b, ",\"short_name\":");
        buf_json_cstr(b, PQgetvalue(r, i, 2));
        buf_puts(b, ",\"body_type\":");
        buf_json_cstr(b, PQgetvalue(r, i, 3));
        buf_puts(b, ",\"rarity\":");
        buf_json_cstr(b, PQgetvalue(r, i, 4));
        buf_puts(b, ",\"colour_scheme\":");
        buf_json_cstr(b, PQgetvalue(r, i, 5));
        if (parse_traits(PQgetvalue(r, i, 6), traits) == 0) {
            derived_scores_t d;
            creatures_derive(traits, &d);
            buf_printf(b, ",\"overall\":%.1f", d.overall);
        }
        buf_puts(b, "}");
    }
    buf_printf(b, "],\"page\":%ld,\"limit\":%ld,\"total\":%ld}", page, limit, total);
    PQclear(r);
}

static const db_stmt_t STMT_BODY_TYPES = {
    "body_types_list",
    "SELECT b.id, b.name, b.description,"
    " (SELECT string_agg(t.base_score::text, ',' ORDER BY t.trait_id) FROM body_type_traits t WHERE t.body_type_id = b.id)"
    " FROM body_types b ORDER BY b.id",
    0};

void api_body_types(http_ctx_t *ctx)
{
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    PGresult *r = db_exec(db, &STMT_BODY_TYPES, NULL);
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"body_types\":[");
    for (int i = 0; i < PQntuples(r); i++) {
        buf_printf(b, "%s{\"id\":%s,\"name\":", i ? "," : "", PQgetvalue(r, i, 0));
        buf_json_cstr(b, PQgetvalue(r, i, 1));
        buf_puts(b, ",\"description\":");
        buf_json_cstr(b, PQgetvalue(r, i, 2));
        int profile[TRAIT_COUNT];
        if (parse_traits(PQgetvalue(r, i, 3), profile) == 0) {
            buf_puts(b, ",\"profile\":{");
            for (int k = 0; k < TRAIT_COUNT; k++) {
                buf_printf(b, "%s\"", k ? "," : "");
                for (const char *p = TRAIT_NAMES[k]; *p; p++)
                    buf_printf(b, "%c", tolower((unsigned char)*p));
                buf_printf(b, "\":%d", profile[k]);
            }
            buf_puts(b, "}");
        }
        buf_puts(b, "}");
    }
    buf_puts(b, "]}");
    PQclear(r);
}

static const db_stmt_t STMT_TRAITS = {"traits_list", "SELECT id, name, description FROM trait_categories ORDER BY id", 0};

void api_traits(http_ctx_t *ctx)
{
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    PGresult *r = db_exec(db, &STMT_TRAITS, NULL);
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"traits\":[");
    for (int i = 0; i < PQntuples(r); i++) {
        buf_printf(b, "%s{\"id\":%s,\"name\":", i ? "," : "", PQgetvalue(r, i, 0));
        buf_json_cstr(b, PQgetvalue(r, i, 1));
        buf_puts(b, ",\"description\":");
        buf_json_cstr(b, PQgetvalue(r, i, 2));
        buf_puts(b, "}");
    }
    buf_puts(b, "]}");
    PQclear(r);
}
