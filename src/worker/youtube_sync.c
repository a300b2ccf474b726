/* youtube_sync: sweeping connected players and syncing one player's likes. Each API answer is
 * turned into one of a few steps (go on, stop quietly, connection broken, retry later, give
 * up) in step_of(), so the policy for every failure mode is in one place:
 *   401              refresh the access token once, then repeat the call
 *   invalid_grant    the connection is marked broken and the player notified (once)
 *   403 quota        yt:quota:blocked until the next UTC midnight; the job ends quietly
 *   5xx, network     JOB_RETRY (the queue's exponential backoff; dead letter after 5 tries)
 *   malformed JSON   JOB_FAIL: straight to the dead letters (retrying cannot fix it) */
#include "worker/youtube_sync.h"

#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/rewards.h"
#include "core/buf.h"
#include "core/log.h"
#include "game/rng.h"
#include "integrations/youtube.h"
#include "store/cache.h"
#include "store/collection.h"
#include "store/effects.h"
#include "store/notify.h"

#define QUOTA_KEY_TTL_S (2 * 86400)
#define ACCESS_TOKEN_SLACK_MS 60000   /* refresh a token this close to expiry rather than use it */
#define SWEEP_MAX 100000

typedef enum { STEP_OK, STEP_STOP, STEP_BROKEN, STEP_RETRY, STEP_FAIL } step_t;

typedef struct sync {
    job_ctx_t *jc;
    youtube_client_t client;
    char user_id[37];
    char refresh[1024];
    char access[2048];
    int refreshed;           /* the access token was refreshed during this job */
    int64_t connected_ms;
    int64_t watermark_ms;    /* likes older than this were handled by an earlier sync */
    int64_t newest_ms;       /* the newest like seen by this sync */
    int granted, skipped, pages;
    char err[300];
} sync_t;

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int is_uuid(const char *s)
{
    if (!s || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return 0;
        }
    }
    return 1;
}

/* Logs a failed statement and frees it; returns STEP_RETRY (the database is the problem). */
static step_t db_failed(sync_t *s, const char *what, PGresult *r)
{
    snprintf(s->err, sizeof s->err, "%s: %s", what, r ? PQresultErrorMessage(r) : "connection lost");
    s->err[strcspn(s->err, "\n")] = '\0';
    PQclear(r);
    return STEP_RETRY;
}

/* ---- quota ---- */

static const char QUOTA_LUA[] =
    "local used = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
    "if used + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return -1 end\n"
    "local v = redis.call('INCRBY', KEYS[1], ARGV[1])\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[3])\n"
    "return v\n";

/* Counts units against today's budget before a call: 1 taken, 0 budget spent, -1 Redis down. */
static int quota_take(redis_t *r, int units, long budget)
{
    char day[11];
    youtube_quota_day(wall_ms(), day);
    redisReply *rep = redis_command(r, "EVAL %s 1 yt:quota:%s %d %ld %d", QUOTA_LUA, day, units, budget,
                                    QUOTA_KEY_TTL_S);
    int rc = rep && rep->type == REDIS_REPLY_INTEGER ? (rep->integer < 0 ? 0 : 1) : -1;
    redis_reply_free(rep);
    return rc;
}

int youtube_quota_blocked(redis_t *r)
{
    redisReply *rep = redis_command(r, "EXISTS yt:quota:blocked");
    int blocked = rep && rep->type == REDIS_REPLY_INTEGER && rep->integer > 0;
    redis_reply_free(rep);
    return blocked;
}

static void quota_block(redis_t *r)
{
    int64_t now = wall_ms();
    char day[11];
    youtube_quota_day(now, day);
    redisReply *rep = redis_command(r, "SET yt:quota:blocked %s PXAT %lld", day, (long long)youtube_quota_reset_ms(now));
    redis_reply_free(rep);
    log_warn("youtube_quota", "YouTube answered quotaExceeded: syncs wait until the next UTC day");
}

/* ---- the connection row ---- */

static const db_stmt_t STMT_LOAD = {
    "yt_sync_load",
    "SELECT c.refresh_token_enc, c.access_token_enc,"
    "       (extract(epoch FROM c.access_token_expires_at) * 1000)::bigint,"
    "       (extract(epoch FROM c.connected_at) * 1000)::bigint,"
    "       (extract(epoch FROM c.likes_seen_until) * 1000)::bigint"
    " FROM youtube_connections c JOIN users u ON u.id = c.user_id"
    " WHERE c.user_id = $1 AND c.status = 'active' AND u.deleted_at IS NULL",
    1};

/* Google may hand out a new refresh token with a refresh ($4, else NULL: keep the old one). */
static const db_stmt_t STMT_SAVE_ACCESS = {
    "yt_sync_save_access",
    "UPDATE youtube_connections SET access_token_enc = $2,"
    " access_token_expires_at = now() + make_interval(secs => $3::int),"
    " refresh_token_enc = coalesce($4, refresh_token_enc) WHERE user_id = $1",
    4};

/* Marks the connection broken once (the WHERE makes a repeat a no-op) and, in the same
 * transaction, tells the player. */
static const db_stmt_t STMT_BREAK = {
    "yt_sync_break",
    "UPDATE youtube_connections SET status = 'broken', broken_at = now(), last_error = $2,"
    " access_token_enc = NULL, access_token_expires_at = NULL"
    " WHERE user_id = $1 AND status = 'active' RETURNING user_id",
    2};

static const db_stmt_t STMT_FINISH = {
    "yt_sync_finish",
    "UPDATE youtube_connections SET last_checked_at = now(), last_error = NULL,"
    " likes_seen_until = CASE WHEN $2::bigint IS NULL THEN likes_seen_until"
    "   ELSE greatest(coalesce(likes_seen_until, connected_at), to_timestamp($2::bigint / 1000.0)) END"
    " WHERE user_id = $1 AND status = 'active'",
    2};

static const db_stmt_t STMT_CHECKED = {
    "yt_sync_checked", "UPDATE youtube_connections SET last_checked_at = now() WHERE user_id = $1", 1};

static step_t mark_broken(sync_t *s, const char *why)
{
    db_conn_t *db = job_db(s->jc);
    if (!db)
        return STEP_RETRY;
    if (db_command(db, "BEGIN"))
        return db_failed(s, "begin", NULL);
    const char *p[] = {s->user_id, why};
    PGresult *r = db_exec(db, &STMT_BREAK, p);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        db_command(db, "ROLLBACK");
        return db_failed(s, "marking the connection broken", r);
    }
    int changed = PQntuples(r) == 1;
    PQclear(r);
    if (changed) {
        PGresult *err = NULL;
        if (notify_create(db, s->user_id, "system", "YouTube disconnected",
                          "Google no longer lets Chatlings see your liked videos. Connect YouTube again to keep "
                          "collecting chatlings from the videos you like.",
                          "{\"kind\":\"youtube_broken\"}", &err)) {
            db_command(db, "ROLLBACK");
            return db_failed(s, "notifying the player", err);
        }
    }
    if (db_command(db, "COMMIT"))
        return db_failed(s, "commit", NULL);
    if (changed)
        log_warn("youtube_broken", "user %s: %s", s->user_id, why);
    return STEP_BROKEN;
}

/* What an API answer means for this job (and its side effects: block, break). */
static step_t step_of(sync_t *s, yt_status_t st, const char *err)
{
    switch (st) {
    case YT_OK:
        return STEP_OK;
    case YT_QUOTA:
        quota_block(s->jc->redis);
        return STEP_STOP;
    case YT_INVALID_GRANT:
        return mark_broken(s, "Google no longer accepts the authorisation (revoked or expired)");
    case YT_FORBIDDEN:
        return mark_broken(s, "YouTube refused access to the liked videos");
    case YT_NOT_FOUND:
        return STEP_STOP;
    case YT_CONFIG:
        log_error("youtube_config", "the token endpoint refuses our client: check CHATLINGS_YOUTUBE_CLIENT_ID/SECRET");
        /* fall through */
    case YT_UNAUTHORIZED:
    case YT_TRANSIENT:
        snprintf(s->err, sizeof s->err, "%s", err);
        return STEP_RETRY;
    case YT_BAD_RESPONSE:
        break;
    }
    snprintf(s->err, sizeof s->err, "%s", err);
    return STEP_FAIL;
}

static step_t refresh_access(sync_t *s)
{
    youtube_tokens_t t;
    char err[300] = "";
    yt_status_t st = youtube_refresh(&s->client, s->refresh, &t, err, sizeof err);
    job_touch(s->jc);
    if (st != YT_OK) {
        sodium_memzero(&t, sizeof t);
        return step_of(s, st, err);
    }
    s->refreshed = 1;
    snprintf(s->access, sizeof s->access, "%s", t.access_token);
    /* keep it for the next sync; failing to store it only costs a refresh next time */
    size_t need = secretbox_sealed_size(strlen(t.access_token));
    size_t rneed = secretbox_sealed_size(strlen(t.refresh_token));
    char *sealed = malloc(need), *rsealed = t.refresh_token[0] ? malloc(rneed) : NULL;
    db_conn_t *db = job_db(s->jc);
    if (sealed && db && !secretbox_seal(s->jc->keys, t.access_token, strlen(t.access_token), sealed, need) &&
        (!rsealed || !secretbox_seal(s->jc->keys, t.refresh_token, strlen(t.refresh_token), rsealed, rneed))) {
        char secs[16];
        snprintf(secs, sizeof secs, "%ld", t.expires_in);
        const char *p[] = {s->user_id, sealed, secs, rsealed};
        PGresult *r = db_exec(db, &STMT_SAVE_ACCESS, p);
        if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
            log_warn("youtube_sync", "user %s: could not store the new access token", s->user_id);
        PQclear(r);
        if (t.refresh_token[0])
            snprintf(s->refresh, sizeof s->refresh, "%s", t.refresh_token);
    }
    free(sealed);
    free(rsealed);
    sodium_memzero(&t, sizeof t);
    return STEP_OK;
}

/* One API call with quota accounting and one refresh on 401. kind 0: liked page, 1: videos. */
static step_t api_call(sync_t *s, int kind, const char *page_token, youtube_page_t *page, const char *const *ids,
                       int nids, youtube_video_t *videos, int *nvideos)
{
    for (;;) {
        int q = quota_take(s->jc->redis, YOUTUBE_LIST_COST, s->jc->cfg->youtube_daily_quota);
        if (q == 0)
            return STEP_STOP; /* today's budget is spent: the rest waits for tomorrow's sweeps */
        if (q < 0) {
            snprintf(s->err, sizeof s->err, "Redis unavailable for quota accounting");
            return STEP_RETRY;
        }
        char err[300] = "";
        yt_status_t st = kind == 0 ? youtube_liked_page(&s->client, s->access, page_token, page, err, sizeof err)
                                   : youtube_videos(&s->client, s->access, ids, nids, videos, nvideos, err, sizeof err);
        job_touch(s->jc);
        if (st == YT_UNAUTHORIZED && !s->refreshed) {
            step_t rs = refresh_access(s);
            if (rs != STEP_OK)
                return rs;
            continue;
        }
        return step_of(s, st, err);
    }
}

/* ---- picking the creature ---- */

static const db_stmt_t STMT_CREATOR = {
    "yt_sync_creator",
    "SELECT cc.creature_id FROM creator_chatlings cc JOIN creatures c ON c.id = cc.creature_id"
    " WHERE cc.channel_id = $1 AND c.is_active AND c.deleted_at IS NULL",
    1};

static const db_stmt_t STMT_PIN_GET = {
    "yt_sync_pin_get",
    "SELECT p.creature_id FROM youtube_video_pins p JOIN creatures c ON c.id = p.creature_id"
    " WHERE p.video_id = $1 AND p.expires_at > now() AND c.is_active AND c.deleted_at IS NULL",
    1};

/* A concurrent pin of the same video wins or loses here; the loser reads the winner's. */
static const db_stmt_t STMT_PIN_SET = {
    "yt_sync_pin_set",
    "INSERT INTO youtube_video_pins AS p (video_id, creature_id, pinned_at, expires_at)"
    " VALUES ($1, $2, now(), now() + interval '24 hours')"
    " ON CONFLICT (video_id) DO UPDATE SET creature_id = EXCLUDED.creature_id, pinned_at = EXCLUDED.pinned_at,"
    "   expires_at = EXCLUDED.expires_at"
    " WHERE p.expires_at <= now()"
    "    OR NOT EXISTS (SELECT 1 FROM creatures c WHERE c.id = p.creature_id AND c.is_active AND c.deleted_at IS NULL)"
    " RETURNING creature_id",
    2};

/* 1 with the id in out, 0 none (catalogue has no active creature), -1 database error. */
static int single_id(db_conn_t *db, const db_stmt_t *st, const char *const *p, char out[37], PGresult **err)
{
    PGresult *r = db_exec(db, st, p);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        *err = r;
        return -1;
    }
    int found = PQntuples(r) > 0;
    if (found)
        snprintf(out, 37, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return found;
}

static int creature_for(db_conn_t *db, const char *video_id, const char *channel_id, char out[37], PGresult **err)
{
    if (channel_id && *channel_id) {
        const char *p[] = {channel_id};
        int rc = single_id(db, &STMT_CREATOR, p, out, err);
        if (rc)
            return rc;
    }
    const char *p[] = {video_id};
    int rc = single_id(db, &STMT_PIN_GET, p, out, err);
    if (rc)
        return rc;
    picked_t picked;
    rc = rewards_pick_box(db, rng_thread(), &picked, err);
    if (rc <= 0)
        return rc;
    const char *ps[] = {video_id, picked.id};
    rc = single_id(db, &STMT_PIN_SET, ps, out, err);
    if (rc)
        return rc;
    return single_id(db, &STMT_PIN_GET, p, out, err); /* someone else pinned it just now */
}

/* ---- rewarding ---- */

static const db_stmt_t STMT_EXISTING = {
    "yt_sync_existing", "SELECT video_id FROM youtube_likes WHERE user_id = $1 AND video_id = ANY($2::text[])", 2};

/* rewarded_at is set here, before the grant: the grant's achievement check counts it. */
static const db_stmt_t STMT_LIKE = {
    "yt_sync_like",
    "INSERT INTO youtube_likes (user_id, video_id, channel_id, title, creature_id, liked_at, rewarded_at)"
    " VALUES ($1, $2, nullif($3, ''), $4, $5, to_timestamp($6::bigint / 1000.0), now())"
    " ON CONFLICT (user_id, video_id) DO NOTHING RETURNING id",
    6};

typedef struct meta {
    char channel_id[YOUTUBE_ID_MAX];
    char title[YOUTUBE_TITLE_MAX];
} meta_t;

static step_t reward_one(sync_t *s, const youtube_like_t *like, const meta_t *m)
{
    db_conn_t *db = job_db(s->jc);
    if (!db) {
        snprintf(s->err, sizeof s->err, "database unavailable");
        return STEP_RETRY;
    }
    char creature[37];
    PGresult *err = NULL;
    int rc = creature_for(db, like->video_id, m->channel_id, creature, &err);
    if (rc < 0)
        return db_failed(s, "choosing the creature", err);
    if (rc == 0) {
        log_warn("youtube_sync", "no active creature to give for video %s", like->video_id);
        return STEP_OK;
    }
    if (db_command(db, "BEGIN"))
        return db_failed(s, "begin", NULL);
    char liked[24];
    snprintf(liked, sizeof liked, "%lld", (long long)like->liked_ms);
    const char *p[] = {s->user_id, like->video_id, m->channel_id, m->title, creature, liked};
    PGresult *r = db_exec(db, &STMT_LIKE, p);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        db_command(db, "ROLLBACK");
        return db_failed(s, "recording the like", r);
    }
    int fresh = PQntuples(r) == 1;
    PQclear(r);
    if (!fresh) {
        /* rewarded by an earlier run of this job (or a concurrent one): nothing to do */
        db_command(db, "ROLLBACK");
        s->skipped++;
        return STEP_OK;
    }
    effects_t fx;
    effects_init(&fx);
    grant_t g;
    rc = collection_grant(db, s->user_id, creature, "youtube", &g, &fx, &err);
    if (rc <= 0) {
        db_command(db, "ROLLBACK");
        if (rc < 0)
            return db_failed(s, "granting the creature", err);
        return STEP_OK; /* the creature went inactive since it was chosen: the next sync picks again */
    }
    if (db_command(db, "COMMIT"))
        return db_failed(s, "commit", NULL);
    effects_apply(db, s->jc->redis, s->user_id, &fx);
    s->granted++;
    return STEP_OK;
}

static void meta_key(char *key, size_t n, const char *video_id)
{
    snprintf(key, n, "youtube:video:%s:metadata", video_id);
}

/* The cached metadata of a video: 1 hit, 0 miss. */
static int meta_cached(redis_t *r, const char *video_id, meta_t *m)
{
    char key[128], *val = NULL;
    size_t len = 0;
    meta_key(key, sizeof key, video_id);
    if (cache_get(r, key, &val, &len) != 1)
        return 0;
    json_t *doc = json_loadb(val, len, 0, NULL);
    free(val);
    const char *t = json_string_value(json_object_get(doc, "title"));
    const char *c = json_string_value(json_object_get(doc, "channel_id"));
    int ok = t && c && strlen(t) < sizeof m->title && strlen(c) < sizeof m->channel_id;
    if (ok) {
        snprintf(m->title, sizeof m->title, "%s", t);
        snprintf(m->channel_id, sizeof m->channel_id, "%s", c);
    }
    json_decref(doc);
    return ok;
}

static void meta_store(redis_t *r, const youtube_video_t *v)
{
    buf_t b;
    buf_init(&b, 8192);
    buf_puts(&b, "{\"title\":");
    buf_json_cstr(&b, v->title);
    buf_puts(&b, ",\"channel_id\":");
    buf_json_cstr(&b, v->channel_id);
    buf_puts(&b, ",\"channel_title\":");
    buf_json_cstr(&b, v->channel_title);
    buf_puts(&b, "}");
    char key[128];
    meta_key(key, sizeof key, v->id);
    if (!b.overflow)
        cache_set(r, key, b.data, b.len, CACHE_TTL_YOUTUBE_VIDEO);
    buf_free(&b);
}

/* Rewards the new likes of one page. *reached_old is set when the page went below the
 * watermark (everything older was handled before). */
static step_t reward_page(sync_t *s, const youtube_page_t *page, int *reached_old)
{
    int idx[YOUTUBE_PAGE_MAX], n = 0;
    for (int i = 0; i < page->n; i++) {
        const youtube_like_t *l = &page->items[i];
        if (l->liked_ms < s->watermark_ms) {
            *reached_old = 1; /* LL is newest first: the rest of the list is older still */
            continue;
        }
        if (l->liked_ms > s->newest_ms)
            s->newest_ms = l->liked_ms;
        idx[n++] = i;
    }
    if (n == 0)
        return STEP_OK;
    db_conn_t *db = job_db(s->jc);
    if (!db) {
        snprintf(s->err, sizeof s->err, "database unavailable");
        return STEP_RETRY;
    }
    /* drop the ones already rewarded (ids are [A-Za-z0-9_-]: safe in an array literal) */
    buf_t arr;
    buf_init(&arr, 8192);
    buf_puts(&arr, "{");
    for (int k = 0; k < n; k++)
        buf_printf(&arr, "%s%s", k ? "," : "", page->items[idx[k]].video_id);
    buf_puts(&arr, "}");
    const char *p[] = {s->user_id, arr.data};
    PGresult *r = db_exec(db, &STMT_EXISTING, p);
    buf_free(&arr);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK)
        return db_failed(s, "reading earlier rewards", r);
    int keep = 0;
    for (int k = 0; k < n; k++) {
        int seen = 0;
        for (int row = 0; row < PQntuples(r) && !seen; row++)
            seen = !strcmp(PQgetvalue(r, row, 0), page->items[idx[k]].video_id);
        if (!seen)
            idx[keep++] = idx[k];
        else
            s->skipped++;
    }
    PQclear(r);
    n = keep;
    if (n == 0)
        return STEP_OK;

    /* metadata: the 24 h cache, else one videos.list call for all the misses */
    meta_t *metas = calloc((size_t)n, sizeof *metas);
    youtube_video_t *videos = calloc(YOUTUBE_PAGE_MAX, sizeof *videos);
    step_t st = STEP_OK;
    if (!metas || !videos) {
        snprintf(s->err, sizeof s->err, "out of memory");
        st = STEP_RETRY;
        goto out;
    }
    const char *missing[YOUTUBE_PAGE_MAX];
    int nmissing = 0, nvideos = 0;
    for (int k = 0; k < n; k++) {
        const youtube_like_t *l = &page->items[idx[k]];
        if (!meta_cached(s->jc->redis, l->video_id, &metas[k])) {
            /* until videos.list answers, what the playlist item said */
            snprintf(metas[k].title, sizeof metas[k].title, "%s", l->title);
            snprintf(metas[k].channel_id, sizeof metas[k].channel_id, "%s", l->channel_id);
            missing[nmissing++] = l->video_id;
        }
    }
    if (nmissing) {
        st = api_call(s, 1, NULL, NULL, missing, nmissing, videos, &nvideos);
        if (st == STEP_STOP || st == STEP_BROKEN || st == STEP_FAIL)
            goto out; /* quota gone / connection broken / malformed: no reward on half a picture */
        if (st == STEP_RETRY) {
            log_warn("youtube_sync", "user %s: videos.list failed (%s); using the playlist's data", s->user_id,
                     s->err);
            st = STEP_OK;
        }
        for (int v = 0; v < nvideos; v++) {
            meta_store(s->jc->redis, &videos[v]);
            for (int k = 0; k < n; k++) {
                if (strcmp(page->items[idx[k]].video_id, videos[v].id))
                    continue;
                snprintf(metas[k].title, sizeof metas[k].title, "%s", videos[v].title);
                if (videos[v].channel_id[0])
                    snprintf(metas[k].channel_id, sizeof metas[k].channel_id, "%s", videos[v].channel_id);
            }
        }
    }
    for (int k = 0; k < n && st == STEP_OK; k++)
        st = reward_one(s, &page->items[idx[k]], &metas[k]);
out:
    free(metas);
    free(videos);
    return st;
}

static step_t run_sync(sync_t *s)
{
    db_conn_t *db = job_db(s->jc);
    if (!db) {
        snprintf(s->err, sizeof s->err, "database unavailable");
        return STEP_RETRY;
    }
    const char *p[] = {s->user_id};
    PGresult *r = db_exec(db, &STMT_LOAD, p);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK)
        return db_failed(s, "loading the connection", r);
    if (PQntuples(r) == 0) {
        PQclear(r);
        return STEP_STOP; /* disconnected, broken or deleted since the job was queued */
    }
    size_t len = 0;
    int ok = !secretbox_open(s->jc->keys, PQgetvalue(r, 0, 0), s->refresh, sizeof s->refresh, &len);
    int64_t expires = PQgetisnull(r, 0, 2) ? 0 : atoll(PQgetvalue(r, 0, 2));
    s->access[0] = '\0';
    /* a stored access token is used while it has a minute left; otherwise refresh first */
    if (ok && !PQgetisnull(r, 0, 1) && expires > wall_ms() + ACCESS_TOKEN_SLACK_MS &&
        secretbox_open(s->jc->keys, PQgetvalue(r, 0, 1), s->access, sizeof s->access, &len))
        s->access[0] = '\0';
    s->connected_ms = atoll(PQgetvalue(r, 0, 3));
    int64_t seen = PQgetisnull(r, 0, 4) ? 0 : atoll(PQgetvalue(r, 0, 4));
    PQclear(r);
    if (!ok)
        return mark_broken(s, "the stored authorisation cannot be read (token key changed?)");
    /* only videos liked after connecting count; and what an earlier sync saw is done */
    s->watermark_ms = seen > s->connected_ms ? seen : s->connected_ms;
    s->newest_ms = s->watermark_ms;
    if (!s->access[0]) {
        step_t st = refresh_access(s);
        if (st != STEP_OK)
            return st;
    }

    youtube_page_t *page = malloc(sizeof *page);
    if (!page) {
        snprintf(s->err, sizeof s->err, "out of memory");
        return STEP_RETRY;
    }
    char token[256] = "";
    int complete = 0;
    step_t st = STEP_OK;
    for (s->pages = 0; s->pages < YOUTUBE_SYNC_MAX_PAGES; s->pages++) {
        /* STEP_STOP here: quota, or 404 (no liked-videos playlist: no channel yet) */
        st = api_call(s, 0, token, page, NULL, 0, NULL, NULL);
        if (st != STEP_OK)
            break;
        int reached_old = 0;
        st = reward_page(s, page, &reached_old);
        if (st != STEP_OK)
            break;
        if (reached_old || !page->next_page_token[0]) {
            complete = 1;
            break;
        }
        snprintf(token, sizeof token, "%s", page->next_page_token);
    }
    free(page);
    if (st == STEP_BROKEN)
        return st;
    /* the watermark moves only when this sync read everything down to the old one; after a
     * partial run the unique key skips what was already rewarded */
    char newest[24];
    snprintf(newest, sizeof newest, "%lld", (long long)s->newest_ms);
    const char *pf[] = {s->user_id, complete && st == STEP_OK ? newest : NULL};
    db = job_db(s->jc);
    r = db ? db_exec(db, st == STEP_OK || st == STEP_STOP ? &STMT_FINISH : &STMT_CHECKED,
                     st == STEP_OK || st == STEP_STOP ? pf : p)
           : NULL;
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        if (st == STEP_OK || st == STEP_STOP)
            return db_failed(s, "recording the sync", r);
        PQclear(r);
        return st;
    }
    PQclear(r);
    return st;
}

job_status_t youtube_job_sync(job_ctx_t *jc)
{
    const char *user_id = json_string_value(json_object_get(jc->payload, "user_id"));
    if (!is_uuid(user_id))
        return job_error(jc, JOB_FAIL, "payload needs a user_id (a UUID)");
    if (!youtube_configured(jc->cfg))
        return JOB_OK;
    sync_t *s = calloc(1, sizeof *s);
    if (!s)
        return job_error(jc, JOB_RETRY, "out of memory");
    s->jc = jc;
    youtube_client_from_config(jc->cfg, &s->client);
    snprintf(s->user_id, sizeof s->user_id, "%s", user_id);
    step_t st = youtube_quota_blocked(jc->redis) ? STEP_STOP : run_sync(s);
    redisReply *rep = redis_command(jc->redis, "DEL yt:queued:%s", s->user_id);
    redis_reply_free(rep);
    job_status_t rc = JOB_OK;
    if (st == STEP_RETRY)
        rc = job_error(jc, JOB_RETRY, "%s", s->err);
    else if (st == STEP_FAIL)
        rc = job_error(jc, JOB_FAIL, "%s", s->err);
    if (s->granted || st != STEP_OK)
        log_info("youtube_sync", "user %s: %d new rewards, %d already rewarded, %d pages (%s)", s->user_id,
                 s->granted, s->skipped, s->pages,
                 st == STEP_OK ? "ok" : st == STEP_STOP ? "stopped" : st == STEP_BROKEN ? "broken"
                                     : st == STEP_RETRY ? "retry" : "failed");
    sodium_memzero(s, sizeof *s);
    free(s);
    return rc;
}

/* ---- the sweep ---- */

static const db_stmt_t STMT_DUE = {
    "yt_sweep_due",
    "SELECT c.user_id FROM youtube_connections c JOIN users u ON u.id = c.user_id"
    " WHERE c.status = 'active' AND u.deleted_at IS NULL AND u.suspended_at IS NULL"
    "   AND u.last_seen_at > now() - interval '" YOUTUBE_ACTIVE_WINDOW "'"
    " ORDER BY c.last_checked_at NULLS FIRST LIMIT $1",
    1};

job_status_t youtube_job_sweep(job_ctx_t *jc)
{
    if (!youtube_configured(jc->cfg) || youtube_quota_blocked(jc->redis))
        return JOB_OK;
    int64_t now = wall_ms();
    char day[11];
    youtube_quota_day(now, day);
    redisReply *rep = redis_command(jc->redis, "GET yt:quota:%s", day);
    if (!rep || rep->type == REDIS_REPLY_ERROR) {
        redis_reply_free(rep);
        return job_error(jc, JOB_RETRY, "Redis unavailable");
    }
    long used = rep->type == REDIS_REPLY_STRING ? atol(rep->str) : 0;
    redis_reply_free(rep);
    /* each sync costs at least one unit: spread what is left over the day's remaining sweeps */
    long budget = youtube_round_budget(jc->cfg->youtube_daily_quota - used, now, YOUTUBE_SWEEP_INTERVAL_MS);
    if (budget > SWEEP_MAX)
        budget = SWEEP_MAX;
    if (budget <= 0)
        return JOB_OK;
    db_conn_t *db = job_db(jc);
    if (!db)
        return job_error(jc, JOB_RETRY, "database unavailable");
    char lim[24];
    snprintf(lim, sizeof lim, "%ld", budget);
    const char *p[] = {lim};
    PGresult *r = db_exec(db, &STMT_DUE, p);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        job_error(jc, JOB_RETRY, "selecting players: %s", r ? PQresultErrorMessage(r) : "connection lost");
        PQclear(r);
        return JOB_RETRY;
    }
    int rows = PQntuples(r), queued = 0, already = 0;
    for (int base = 0; base < rows; base += 500) {
        int end = base + 500 < rows ? base + 500 : rows, appended = 0;
        /* a sync still queued from an earlier round is not queued again */
        for (int i = base; i < end; i++)
            appended += redis_append(jc->redis, "SET yt:queued:%s 1 NX EX %d", PQgetvalue(r, i, 0),
                                     YOUTUBE_QUEUED_TTL_S) == 0;
        int fresh[500];
        for (int i = 0; i < appended; i++) {
            redisReply *x = redis_get_reply(jc->redis);
            fresh[i] = x && x->type == REDIS_REPLY_STATUS;
            redis_reply_free(x);
        }
        for (int i = 0; i < appended; i++) {
            if (!fresh[i]) {
                already++;
                continue;
            }
            char payload[80];
            snprintf(payload, sizeof payload, "{\"user_id\":\"%s\"}", PQgetvalue(r, base + i, 0));
            if (queue_enqueue(jc->redis, jc->queue->name, "youtube_sync", payload, NULL) == 0)
                queued++;
        }
        job_touch(jc);
    }
    PQclear(r);
    log_info("youtube_sweep", "%d syncs queued (%d still queued from before, budget %ld, %ld units used today)",
             queued, already, budget, used);
    return JOB_OK;
}

/* ---- development: bulk connected players for the bench ---- */

int youtube_bench_setup(const config_t *cfg, long n)
{
    if (n < 1 || n > 1000000) {
        fprintf(stderr, "youtube-bench-setup: N must be 1..1000000\n");
        return 2;
    }
    secretbox_t keys;
    char err[256];
    if (secretbox_init(&keys, cfg->token_key, NULL, err, sizeof err)) {
        fprintf(stderr, "youtube-bench-setup: %s\n", err);
        return 78;
    }
    PGconn *pg = PQconnectdb(cfg->database_url);
    int rc = 1;
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "youtube-bench-setup: %s", PQerrorMessage(pg));
        goto out;
    }
    char nbuf[24];
    snprintf(nbuf, sizeof nbuf, "%ld", n);
    const char *p1[] = {nbuf};
    PGresult *r = PQexecParams(pg,
                               "INSERT INTO users (username, last_seen_at) SELECT 'ytbench_' || g, now()"
                               " FROM generate_series(1, $1::int) g ON CONFLICT DO NOTHING",
                               1, NULL, p1, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "youtube-bench-setup: users: %s", PQresultErrorMessage(r));
        PQclear(r);
        goto out;
    }
    PQclear(r);
    /* a repeated run measures the same work: the previous run's rewards are taken back */
    r = PQexec(pg, "UPDATE users SET last_seen_at = now() WHERE username LIKE 'ytbench\\_%';"
                   "DELETE FROM youtube_likes WHERE user_id IN (SELECT id FROM users WHERE username LIKE 'ytbench\\_%');"
                   "DELETE FROM user_collections WHERE user_id IN (SELECT id FROM users WHERE username LIKE 'ytbench\\_%')");
    PQclear(r);
    for (long base = 1; base <= n; base += 1000) {
        long end = base + 1000 <= n + 1 ? base + 1000 : n + 1;
        buf_t names, toks;
        buf_init(&names, 1 << 20);
        buf_init(&toks, 1 << 22);
        buf_puts(&names, "{");
        buf_puts(&toks, "{");
        for (long i = base; i < end; i++) {
            char plain[64], sealed[256];
            snprintf(plain, sizeof plain, "rt-bench-%ld", i);
            if (secretbox_seal(&keys, plain, strlen(plain), sealed, sizeof sealed))
                break;
            buf_printf(&names, "%sytbench_%ld", i > base ? "," : "", i);
            buf_printf(&toks, "%s%s", i > base ? "," : "", sealed);
        }
        buf_puts(&names, "}");
        buf_puts(&toks, "}");
        const char *p2[] = {names.data, toks.data};
        r = PQexecParams(pg,
                         "INSERT INTO youtube_connections (user_id, refresh_token_enc, connected_at)"
                         " SELECT u.id, t.enc, now() - interval '1 hour'"
                         " FROM unnest($1::text[], $2::text[]) AS t(name, enc) JOIN users u ON u.username = t.name"
                         " ON CONFLICT (user_id) DO UPDATE SET refresh_token_enc = EXCLUDED.refresh_token_enc,"
                         "   access_token_enc = NULL, access_token_expires_at = NULL, status = 'active',"
                         "   connected_at = EXCLUDED.connected_at, likes_seen_until = NULL, last_checked_at = NULL",
                         2, NULL, p2, NULL, NULL, 0);
        buf_free(&names);
        buf_free(&toks);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            fprintf(stderr, "youtube-bench-setup: connections: %s", PQresultErrorMessage(r));
            PQclear(r);
            goto out;
        }
        PQclear(r);
    }
    printf("{\"players\":%ld}\n", n);
    rc = 0;
out:
    PQfinish(pg);
    secretbox_wipe(&keys);
    return rc;
}
