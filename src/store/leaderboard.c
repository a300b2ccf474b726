/* leaderboard: every board is derived from PostgreSQL by one query (SCORES_SQL), used for one
 * player after a change and, a batch of players at a time, for the rebuild: live and rebuilt
 * boards cannot disagree because they are the same computation. Redis holds the result; the
 * writes that must not interleave with a rollover or a rebuild run as small Lua scripts.
 * See leaderboard.h for the keys. */
#include "store/leaderboard.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"

#define KEY_WEEK "leaderboard:{lb}:meta:week"
#define KEY_BUILT "leaderboard:{lb}:meta:built"
#define KEY_REBUILDING "leaderboard:{lb}:meta:rebuilding"
#define KEY_PENDING "leaderboard:{lb}:meta:archive_pending"
#define KEY_LOCK "leaderboard:{lb}:lock"
#define LOCK_TTL_S 900         /* refreshed at every batch: only a dead holder lets it lapse */
#define REBUILD_BATCH 5000     /* players per query and members per ZADD */
#define ARCHIVE_CHUNK 10000    /* members per ZREVRANGE while archiving */
#define CATCHUP_MAX 100000     /* players re-scored after a rollover (those active since Monday) */

const char *const LEADERBOARD_NAMES[LB_BOARDS] = {"achievements", "collection", "rarity", "team"};

/* [board][weekly] */
static const char *const LIVE_KEYS[LB_BOARDS][2] = {
    {"leaderboard:{lb}:global:alltime", "leaderboard:{lb}:global:weekly"},
    {"leaderboard:{lb}:collection:alltime", "leaderboard:{lb}:collection:weekly"},
    {"leaderboard:{lb}:rarity:alltime", "leaderboard:{lb}:rarity:weekly"},
    {"leaderboard:{lb}:team:alltime", "leaderboard:{lb}:team:weekly"},
};
static const char *const SHADOW_KEYS[LB_BOARDS][2] = {
    {"leaderboard:{lb}:rebuild:global:alltime", "leaderboard:{lb}:rebuild:global:weekly"},
    {"leaderboard:{lb}:rebuild:collection:alltime", "leaderboard:{lb}:rebuild:collection:weekly"},
    {"leaderboard:{lb}:rebuild:rarity:alltime", "leaderboard:{lb}:rebuild:rarity:weekly"},
    {"leaderboard:{lb}:rebuild:team:alltime", "leaderboard:{lb}:rebuild:team:weekly"},
};
static const char *const KEY_PART[LB_BOARDS] = {"global", "collection", "rarity", "team"};

int leaderboard_board_from_name(const char *name)
{
    for (int i = 0; i < LB_BOARDS; i++)
        if (name && !strcmp(name, LEADERBOARD_NAMES[i]))
            return i;
    return -1;
}

const char *leaderboard_key(int board, int weekly)
{
    return LIVE_KEYS[board][weekly ? 1 : 0];
}

int leaderboard_has_decimals(int board)
{
    return board == LB_TEAM;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- weeks ---- */

typedef struct week {
    clock_week_t w;
    char name[16];   /* "2026-W48" */
    char start[32];  /* ISO text of Monday 00:00 UTC, for $1 */
    char end[32];    /* the next Monday, for $2 */
} week_t;

static void week_fill(week_t *wk, clock_week_t w)
{
    wk->w = w;
    clock_week_format(w, wk->name, sizeof wk->name);
    int64_t s = clock_week_start(w);
    clock_format_iso(s, wk->start, sizeof wk->start);
    clock_format_iso(s + CLOCK_MS_PER_WEEK, wk->end, sizeof wk->end);
}

static void week_now(week_t *wk)
{
    week_fill(wk, clock_week_of(clock_now()));
}

/* ---- the scores query ---- */

#define WEIGHT_SQL                                                                                                  \
    "CASE c.rarity WHEN 'Common' THEN 1 WHEN 'Uncommon' THEN 2 WHEN 'Rare' THEN 4 WHEN 'Epic' THEN 8"              \
    " WHEN 'Legendary' THEN 16 WHEN 'Mythical' THEN 32 ELSE 0 END"
#define MULT_TENTHS_SQL                                                                                             \
    "CASE c.rarity WHEN 'Uncommon' THEN 12 WHEN 'Rare' THEN 15 WHEN 'Epic' THEN 20 WHEN 'Legendary' THEN 30"       \
    " WHEN 'Mythical' THEN 50 ELSE 10 END"
#define IN_WEEK(col) col " >= $1::timestamptz AND " col " < $2::timestamptz"

/* One row per target player: id, points (all, week), unique creatures (all, week), Σ rarity
 * weight (all, week), team score in hundredths, team fielded this week.
 * - The week is [$1, $2): what was unlocked / first found in it counts for it.
 * - Every owned creature counts for the collection boards, runaways too (they were collected).
 * - The team is the current chatling plus user_teams.creature_ids, each counted once and only
 *   while with the player; overall = round-half-up(Σ 8 traits × 10 / 8) tenths, times the
 *   rarity multiplier in tenths = hundredths, + 2 × rizz = 200 × rizz hundredths. The same
 *   formula as game/team.c (GET /api/user/team); tests/integration check they agree.
 * - The weekly team board lists the teams fielded (PUT /api/user/team) this week, at their
 *   current score. */
#define SCORES_SQL(TARGET)                                                                                          \
    "WITH tgt AS (" TARGET "),"                                                                                     \
    " col AS (SELECT uc.user_id, count(*) AS n_all, count(*) FILTER (WHERE " IN_WEEK("uc.first_found_at") ") AS n_week," \
    "   sum(" WEIGHT_SQL ") AS w_all, sum(" WEIGHT_SQL ") FILTER (WHERE " IN_WEEK("uc.first_found_at") ") AS w_week"  \
    "   FROM tgt JOIN user_collections uc ON uc.user_id = tgt.id JOIN creatures c ON c.id = uc.creature_id"         \
    "   GROUP BY uc.user_id),"                                                                                      \
    " ach AS (SELECT ua.user_id, sum(a.points) AS p_all,"                                                           \
    "   sum(a.points) FILTER (WHERE " IN_WEEK("ua.unlocked_at") ") AS p_week"                                        \
    "   FROM tgt JOIN user_achievements ua ON ua.user_id = tgt.id AND ua.unlocked_at IS NOT NULL"                   \
    "   JOIN achievements a ON a.id = ua.achievement_id GROUP BY ua.user_id),"                                      \
    " slots AS (SELECT tgt.id AS user_id, s.cid FROM tgt LEFT JOIN user_teams t ON t.user_id = tgt.id"              \
    "   CROSS JOIN LATERAL (SELECT tgt.current_creature_id UNION SELECT x FROM unnest(t.creature_ids) x) s(cid)"    \
    "   WHERE s.cid IS NOT NULL),"                                                                                  \
    " team AS (SELECT sl.user_id, sum((tr.total * 10 + 4) / 8 * " MULT_TENTHS_SQL " + 200 * uc.rizz) AS x100"      \
    "   FROM slots sl JOIN user_collections uc ON uc.user_id = sl.user_id AND uc.creature_id = sl.cid"              \
    "   AND uc.status = 'with_player' JOIN creatures c ON c.id = sl.cid"                                            \
    "   CROSS JOIN LATERAL (SELECT sum(ct.score)::int AS total FROM creature_traits ct WHERE ct.creature_id = sl.cid) tr" \
    "   GROUP BY sl.user_id)"                                                                                       \
    " SELECT tgt.id, coalesce(ach.p_all, 0), coalesce(ach.p_week, 0), coalesce(col.n_all, 0), coalesce(col.n_week, 0)," \
    "   coalesce(col.w_all, 0), coalesce(col.w_week, 0), coalesce(team.x100, 0),"                                   \
    "   coalesce(" IN_WEEK("t.updated_at") ", false)"                                                                \
    " FROM tgt LEFT JOIN col ON col.user_id = tgt.id LEFT JOIN ach ON ach.user_id = tgt.id"                         \
    " LEFT JOIN team ON team.user_id = tgt.id LEFT JOIN user_teams t ON t.user_id = tgt.id ORDER BY tgt.id"

static const db_stmt_t STMT_SCORES_ONE = {
    "leaderboard_scores_one",
    SCORES_SQL("SELECT id, current_creature_id FROM users WHERE id = $3::uuid AND deleted_at IS NULL"
               " AND suspended_at IS NULL"),
    3};

static const db_stmt_t STMT_SCORES_MANY = {
    "leaderboard_scores_many",
    SCORES_SQL("SELECT id, current_creature_id FROM users WHERE id = ANY($3::uuid[]) AND deleted_at IS NULL"
               " AND suspended_at IS NULL"),
    3};

static const db_stmt_t STMT_SCORES_BATCH = {
    "leaderboard_scores_batch",
    SCORES_SQL("SELECT id, current_creature_id FROM users WHERE id > $3::uuid AND deleted_at IS NULL"
               " AND suspended_at IS NULL ORDER BY id LIMIT $4::int"),
    4};


static void scores_of_row(PGresult *res, int row, score_text_t out)
{
    const char *v[9];
    for (int c = 1; c < 9; c++)
        v[c] = PQgetvalue(res, row, c);
    snprintf(out[LB_ACHIEVEMENTS][0], 32, "%s", v[1]);
    snprintf(out[LB_ACHIEVEMENTS][1], 32, "%s", v[2]);
    snprintf(out[LB_COLLECTION][0], 32, "%s", v[3]);
    snprintf(out[LB_COLLECTION][1], 32, "%s", v[4]);
    snprintf(out[LB_RARITY][0], 32, "%s", v[5]);
    snprintf(out[LB_RARITY][1], 32, "%s", v[6]);
    long long x100 = atoll(v[7]);
    snprintf(out[LB_TEAM][0], 32, "%lld.%02lld", x100 / 100, x100 % 100);
    if (x100 == 0 || v[8][0] != 't')
        snprintf(out[LB_TEAM][1], 32, "0");
    else
        snprintf(out[LB_TEAM][1], 32, "%s", out[LB_TEAM][0]);
    if (x100 == 0)
        snprintf(out[LB_TEAM][0], 32, "0");
}

/* ---- one player's write ---- */

/* KEYS: 1 meta:week, 2 meta:rebuilding, 3..10 live boards, 11..18 shadow boards (board-major,
 * all-time then weekly). ARGV: 1 the writer's week, 2 member, 3..10 scores ("0" = remove).
 * Weekly boards are written only while they hold the writer's week: between Monday 00:00 and
 * the rollover the old week stays as it was (the rollover re-scores the new week itself). */
static const char WRITE_SCRIPT[] =
    "local week, member = ARGV[1], ARGV[2]\n"
    "local live_week = redis.call('GET', KEYS[1]) == week\n"
    "local rb = redis.call('GET', KEYS[2])\n"
    "for i = 1, 8 do\n"
    "  local score, weekly = ARGV[2 + i], (i % 2 == 0)\n"
    "  local keys = {}\n"
    "  if not weekly or live_week then keys[#keys + 1] = KEYS[2 + i] end\n"
    "  if rb and (not weekly or rb == week) then keys[#keys + 1] = KEYS[10 + i] end\n"
    "  for _, k in ipairs(keys) do\n"
    "    if score == '0' then redis.call('ZREM', k, member) else redis.call('ZADD', k, score, member) end\n"
    "  end\n"
    "end\n"
    "return 1\n";

/* 0 when Redis accepted the command, else -1 (logged under event). */
static int reply_ok(redisReply *rep, redis_t *r, const char *event)
{
    if (!rep) {
        log_warn(event, "redis unavailable: %s", redis_last_error(r));
        return -1;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        log_warn(event, "redis error: %s", rep->str);
        redis_reply_free(rep);
        return -1;
    }
    redis_reply_free(rep);
    return 0;
}

/* The EVAL that writes one player's 8 scores (argv holds LB_WRITE_ARGC entries). */
#define LB_WRITE_ARGC (5 + 2 * LB_BOARDS * 2 + 2 + LB_BOARDS * 2)
static void write_argv(const char **argv, const char *week, const char *member, score_text_t s)
{
    int n = 0;
    argv[n++] = "EVAL";
    argv[n++] = WRITE_SCRIPT;
    argv[n++] = "18";
    argv[n++] = KEY_WEEK;
    argv[n++] = KEY_REBUILDING;
    for (int b = 0; b < LB_BOARDS; b++)
        for (int w = 0; w < 2; w++)
            argv[n++] = LIVE_KEYS[b][w];
    for (int b = 0; b < LB_BOARDS; b++)
        for (int w = 0; w < 2; w++)
            argv[n++] = SHADOW_KEYS[b][w];
    argv[n++] = week;
    argv[n++] = member;
    for (int b = 0; b < LB_BOARDS; b++)
        for (int w = 0; w < 2; w++)
            argv[n++] = s[b][w];
}

static int write_player(redis_t *r, const char *week, const char *member, score_text_t s)
{
    const char *argv[LB_WRITE_ARGC];
    write_argv(argv, week, member, s);
    return reply_ok(redis_command_argv(r, LB_WRITE_ARGC, argv, NULL), r, "leaderboard_write");
}

static void zero_scores(score_text_t s)
{
    for (int b = 0; b < LB_BOARDS; b++)
        for (int w = 0; w < 2; w++)
            snprintf(s[b][w], sizeof s[b][w], "0");
}

/* Each of the n players' scores from res into out[0..n) (zeros for one not in it: deleted or
 * suspended, off every board). */
static void scores_of_result(PGresult *res, const char *const *user_ids, int n, score_text_t *out)
{
    int rows = PQntuples(res);
    for (int i = 0; i < n; i++) {
        zero_scores(out[i]);
        for (int k = 0; k < rows; k++)
            if (!strcasecmp(PQgetvalue(res, k, 0), user_ids[i]))
                scores_of_row(res, k, out[i]);
    }
}

static void log_unread(int n, const char *first, PGresult *res)
{
    log_warn("leaderboard_write", "%d player(s) from %s: scores not recomputed: %s", n, first,
             res ? PQresultErrorMessage(res) : "database unavailable");
}

/* One player's scores in week wk (a batch reads with leaderboard_read_call). 0, or -1 (logged). */
static int read_player(db_conn_t *conn, const week_t *wk, const char *user_id, score_text_t *out)
{
    const char *params[] = {wk->start, wk->end, user_id};
    PGresult *res = db_exec(conn, &STMT_SCORES_ONE, params);
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_unread(1, user_id, res);
        PQclear(res);
        return -1;
    }
    scores_of_result(res, &user_id, 1, out);
    PQclear(res);
    return 0;
}

void leaderboard_player_changed(db_conn_t *conn, redis_t *r, const char *user_id)
{
    if (!conn || !r || !user_id)
        return;
    week_t wk;
    week_now(&wk);
    score_text_t s;
    if (read_player(conn, &wk, user_id, &s) == 0)
        write_player(r, wk.name, user_id, s);
}

int leaderboard_read_call(lb_read_call_t *lc, const char *const *user_ids, int n, db_call_t *call)
{
    if (n < 1 || n > LB_MAX_CHANGED)
        return -1;
    week_t wk;
    week_now(&wk);
    snprintf(lc->week, sizeof lc->week, "%s", wk.name);
    snprintf(lc->start, sizeof lc->start, "%s", wk.start);
    snprintf(lc->end, sizeof lc->end, "%s", wk.end);
    lc->user_ids = user_ids;
    lc->n = n;
    lc->params[0] = (db_param_t){.value = lc->start};
    lc->params[1] = (db_param_t){.value = lc->end};
    lc->params[2] = (db_param_t){.items = user_ids, .n = n};
    *call = (db_call_t){.stmt = &STMT_SCORES_MANY, .params = lc->params};
    return 0;
}

int leaderboard_read_take(PGresult *res, const lb_read_call_t *lc, lb_scores_t *out)
{
    out->n = 0;
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_unread(lc->n, lc->user_ids[0], res);
        return -1;
    }
    scores_of_result(res, lc->user_ids, lc->n, out->scores);
    snprintf(out->week, sizeof out->week, "%s", lc->week);
    for (int i = 0; i < lc->n; i++)
        snprintf(out->user_id[i], sizeof out->user_id[i], "%s", lc->user_ids[i]);
    out->n = lc->n;
    return 0;
}

int leaderboard_append_scores(redis_t *r, lb_scores_t *s)
{
    if (!r || s->n < 1)
        return 0;
    /* one EVAL per player */
    int sent = 0;
    for (int i = 0; i < s->n; i++) {
        const char *argv[LB_WRITE_ARGC];
        write_argv(argv, s->week, s->user_id[i], s->scores[i]);
        if (redis_append_argv(r, LB_WRITE_ARGC, argv, NULL) == 0)
            sent++;
    }
    return sent;
}

void leaderboard_scores_replies(redis_t *r, int owed)
{
    for (int i = 0; i < owed; i++)
        if (reply_ok(redis_get_reply(r), r, "leaderboard_write") < 0)
            break; /* a failed pipeline owes no more replies */
}

void leaderboard_player_removed(redis_t *r, const char *user_id)
{
    if (!r || !user_id)
        return;
    score_text_t s;
    zero_scores(s);
    week_t wk;
    week_now(&wk);
    write_player(r, wk.name, user_id, s);
}

void leaderboard_live_week(redis_t *r, char *out, size_t outlen)
{
    redisReply *rep = r ? redis_command(r, "GET %s", KEY_WEEK) : NULL;
    clock_week_t w;
    if (rep && rep->type == REDIS_REPLY_STRING && clock_week_parse(rep->str, &w) == 0) {
        snprintf(out, outlen, "%s", rep->str);
    } else {
        clock_week_format(clock_week_of(clock_now()), out, outlen);
    }
    redis_reply_free(rep);
}

/* ---- the maintenance lock ---- */

/* 1 taken, 0 held by someone else, -1 Redis unavailable. */
static int lock_take(redis_t *r, char *token, size_t len)
{
    snprintf(token, len, "%d-%lld", (int)getpid(), (long long)clock_now());
    redisReply *rep = redis_command(r, "SET %s %s NX EX %d", KEY_LOCK, token, LOCK_TTL_S);
    if (!rep)
        return -1;
    int taken = rep->type == REDIS_REPLY_STATUS;
    redis_reply_free(rep);
    return taken;
}

static void lock_release(redis_t *r, const char *token)
{
    redisReply *rep = redis_command(
        r, "EVAL %s 1 %s %s",
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", KEY_LOCK,
        token);
    redis_reply_free(rep);
}

/* ---- rebuild ---- */

/* KEYS 1..8 live (board-major), 9..16 shadow, 17 meta:week, 18 meta:built, 19 meta:rebuilding;
 * ARGV 1 week, 2 build stamp. An empty shadow board means an empty board. */
static const char SWAP_SCRIPT[] =
    "for i = 1, 8 do\n"
    "  if redis.call('EXISTS', KEYS[8 + i]) == 1 then redis.call('RENAME', KEYS[8 + i], KEYS[i])\n"
    "  else redis.call('DEL', KEYS[i]) end\n"
    "end\n"
    "redis.call('SET', KEYS[17], ARGV[1])\n"
    "redis.call('SET', KEYS[18], ARGV[2])\n"
    "redis.call('DEL', KEYS[19])\n"
    "return 1\n";

static int swap_in(redis_t *r, const char *week)
{
    const char *argv[3 + 19 + 2];
    int n = 0;
    char stamp[32];
    clock_format_iso(clock_now(), stamp, sizeof stamp);
    argv[n++] = "EVAL";
    argv[n++] = SWAP_SCRIPT;
    argv[n++] = "19";
    for (int b = 0; b < LB_BOARDS; b++)
        for (int w = 0; w < 2; w++)
            argv[n++] = LIVE_KEYS[b][w];
    for (int b = 0; b < LB_BOARDS; b++)
        for (int w = 0; w < 2; w++)
            argv[n++] = SHADOW_KEYS[b][w];
    argv[n++] = KEY_WEEK;
    argv[n++] = KEY_BUILT;
    argv[n++] = KEY_REBUILDING;
    argv[n++] = week;
    argv[n++] = stamp;
    return reply_ok(redis_command_argv(r, n, argv, NULL), r, "leaderboard_rebuild");
}

/* One batch into the shadow keys: per board one ZADD NX of up to REBUILD_BATCH members. NX
 * because a writer that ran after this batch's snapshot already put a newer score there. */
static int write_batch(redis_t *r, PGresult *res, leaderboard_stats_t *st)
{
    int rows = PQntuples(res);
    score_text_t *scores = malloc((size_t)rows * sizeof *scores);
    const char **argv = malloc((size_t)(3 + 2 * rows) * sizeof *argv);
    int rc = 0;
    if (!scores || !argv) {
        log_error("leaderboard_rebuild", "out of memory");
        rc = -1;
        goto out;
    }
    for (int i = 0; i < rows; i++)
        scores_of_row(res, i, scores[i]);
    for (int b = 0; b < LB_BOARDS && rc == 0; b++)
        for (int w = 0; w < 2 && rc == 0; w++) {
            int n = 0;
            argv[n++] = "ZADD";
            argv[n++] = SHADOW_KEYS[b][w];
            argv[n++] = "NX";
            for (int i = 0; i < rows; i++) {
                if (!strcmp(scores[i][b][w], "0"))
                    continue;
                argv[n++] = scores[i][b][w];
                argv[n++] = PQgetvalue(res, i, 0);
            }
            if (n == 3)
                continue;
            st->members[b][w] += (n - 3) / 2;
            rc = reply_ok(redis_command_argv(r, n, argv, NULL), r, "leaderboard_rebuild");
        }
out:
    free(scores);
    free(argv);
    return rc;
}

static int rebuild_locked(db_conn_t *conn, redis_t *r, leaderboard_stats_t *st)
{
    week_t wk;
    week_now(&wk);
    /* Leftovers of a rebuild that died go first, then the flag that makes writers copy their
     * updates into the shadow keys: from here on nothing a writer does is lost. */
    redisReply *rep = redis_command(r, "DEL %s %s %s %s %s %s %s %s", SHADOW_KEYS[0][0], SHADOW_KEYS[0][1],
                                    SHADOW_KEYS[1][0], SHADOW_KEYS[1][1], SHADOW_KEYS[2][0], SHADOW_KEYS[2][1],
                                    SHADOW_KEYS[3][0], SHADOW_KEYS[3][1]);
    if (reply_ok(rep, r, "leaderboard_rebuild"))
        return -1;
    if (reply_ok(redis_command(r, "SET %s %s EX %d", KEY_REBUILDING, wk.name, LOCK_TTL_S), r, "leaderboard_rebuild"))
        return -1;
    char cursor[40] = "00000000-0000-0000-0000-000000000000", batch[16];
    snprintf(batch, sizeof batch, "%d", REBUILD_BATCH);
    for (;;) {
        const char *params[] = {wk.start, wk.end, cursor, batch};
        PGresult *res = db_exec(conn, &STMT_SCORES_BATCH, params);
        if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
            log_error("leaderboard_rebuild", "scores query failed: %s",
                      res ? PQresultErrorMessage(res) : "database unavailable");
            PQclear(res);
            return -1;
        }
        int rows = PQntuples(res);
        if (rows == 0) {
            PQclear(res);
            break;
        }
        st->players += rows;
        int rc = write_batch(r, res, st);
        snprintf(cursor, sizeof cursor, "%s", PQgetvalue(res, rows - 1, 0));
        PQclear(res);
        if (rc)
            return -1;
        redis_reply_free(redis_command(r, "EXPIRE %s %d", KEY_REBUILDING, LOCK_TTL_S));
        redis_reply_free(redis_command(r, "EXPIRE %s %d", KEY_LOCK, LOCK_TTL_S));
        if (rows < REBUILD_BATCH)
            break;
    }
    return swap_in(r, wk.name);
}

int leaderboard_rebuild(db_conn_t *conn, redis_t *r, leaderboard_stats_t *st)
{
    leaderboard_stats_t local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    double t0 = now_s();
    char token[64];
    int taken = lock_take(r, token, sizeof token);
    if (taken <= 0)
        return taken < 0 ? -1 : 1;
    int rc = rebuild_locked(conn, r, st);
    if (rc)
        redis_reply_free(redis_command(r, "DEL %s", KEY_REBUILDING));
    lock_release(r, token);
    st->seconds = now_s() - t0;
    if (rc == 0)
        log_info("leaderboard_rebuild", "rebuilt from %ld players in %.2fs", st->players, st->seconds);
    return rc;
}

int leaderboard_ensure(db_conn_t *conn, redis_t *r)
{
    redisReply *rep = redis_command(r, "EXISTS %s", KEY_BUILT);
    if (!rep || rep->type != REDIS_REPLY_INTEGER) {
        redis_reply_free(rep);
        return -1;
    }
    int built = rep->integer == 1;
    redis_reply_free(rep);
    if (built)
        return 0;
    log_warn("leaderboard_missing", "leaderboards missing from Redis: rebuilding from PostgreSQL");
    /* a finished week still in Redis is archived before the rebuild replaces the weekly boards */
    if (leaderboard_rollover(conn, r, NULL) < 0)
        return -1;
    int rc = leaderboard_rebuild(conn, r, NULL);
    return rc == 0 ? 1 : rc == 1 ? 2 : -1;
}

/* ---- rollover and archive ---- */

/* KEYS 1..4 weekly boards, 5..8 their archive keys, 9 meta:week, 10 meta:archive_pending;
 * ARGV 1 the week being closed, 2 the new week. Does nothing unless the boards still hold
 * ARGV[1] (another process may have rolled over already). */
static const char ROLLOVER_SCRIPT[] =
    "if redis.call('GET', KEYS[9]) ~= ARGV[1] then return 0 end\n"
    "for i = 1, 4 do\n"
    "  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('RENAME', KEYS[i], KEYS[4 + i]) end\n"
    "end\n"
    "redis.call('SADD', KEYS[10], ARGV[1])\n"
    "redis.call('SET', KEYS[9], ARGV[2])\n"
    "return 1\n";

static void archive_key(int board, const char *week, char *out, size_t len)
{
    snprintf(out, len, "leaderboard:{lb}:archive:%s:%s", KEY_PART[board], week);
}

static int pg_ok(PGresult *res, PGconn *pg, const char *what)
{
    ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
        PQclear(res);
        return 0;
    }
    log_error("leaderboard_archive", "%s: %s", what, PQerrorMessage(pg));
    PQclear(res);
    return -1;
}

/* Streams one renamed board into the COPY already open on pg, rank order. */
static int copy_board(PGconn *pg, redis_t *r, int board, const char *key, long *rows)
{
    char line[160];
    for (long start = 0;; start += ARCHIVE_CHUNK) {
        redisReply *rep = redis_command(r, "ZREVRANGE %s %ld %ld WITHSCORES", key, start, start + ARCHIVE_CHUNK - 1);
        if (!rep || rep->type != REDIS_REPLY_ARRAY) {
            log_error("leaderboard_archive", "reading %s: %s", key,
                      rep && rep->type == REDIS_REPLY_ERROR ? rep->str : redis_last_error(r));
            redis_reply_free(rep);
            return -1;
        }
        size_t n = rep->elements / 2;
        for (size_t i = 0; i < n; i++) {
            int len = snprintf(line, sizeof line, "%s\t%ld\t%s\t%s\n", LEADERBOARD_NAMES[board], start + (long)i + 1,
                               rep->element[2 * i]->str, rep->element[2 * i + 1]->str);
            if (len <= 0 || (size_t)len >= sizeof line || PQputCopyData(pg, line, len) != 1) {
                log_error("leaderboard_archive", "COPY: %s", PQerrorMessage(pg));
                redis_reply_free(rep);
                return -1;
            }
        }
        *rows += (long)n;
        redis_reply_free(rep);
        if (n < ARCHIVE_CHUNK)
            return 0;
    }
}

/* Copies the renamed boards of one finished week into leaderboard_archive (one transaction;
 * re-running it replaces that week), then drops them from Redis. The week gets its own
 * partition: the rows are streamed (COPY) into a temporary table, joined with users for the
 * usernames as they are now into a bare table, which ATTACH PARTITION then indexes in bulk.
 * Ranks are the boards' as they stood; a player deleted since simply has no row. */
static int archive_week(db_conn_t *conn, redis_t *r, const char *week, long *archived)
{
    PGconn *pg = db_pgconn(conn);
    char keys[LB_BOARDS][96], part[64], sql[512];
    for (int b = 0; b < LB_BOARDS; b++)
        archive_key(b, week, keys[b], sizeof keys[b]);
    /* "2026-W48" passed clock_week_parse: digits, '-' and 'W' only, so the name needs no quoting */
    snprintf(part, sizeof part, "leaderboard_archive_%.4s_w%.2s", week, week + 6);
    long rows = 0;
    if (pg_ok(PQexec(pg, "BEGIN"), pg, "BEGIN") ||
        pg_ok(PQexec(pg, "SET LOCAL statement_timeout = 0"), pg, "settings") ||
        pg_ok(PQexec(pg, "SET LOCAL work_mem = '128MB'"), pg, "settings") ||
        pg_ok(PQexec(pg, "SET LOCAL maintenance_work_mem = '256MB'"), pg, "settings") ||
        pg_ok(PQexec(pg, "CREATE TEMP TABLE lb_stage (board text, rank integer, user_id uuid, score numeric)"
                         " ON COMMIT DROP"),
              pg, "stage"))
        goto fail;
    PGresult *res = PQexec(pg, "COPY lb_stage (board, rank, user_id, score) FROM STDIN");
    int copying = res && PQresultStatus(res) == PGRES_COPY_IN;
    PQclear(res);
    if (!copying) {
        log_error("leaderboard_archive", "COPY: %s", PQerrorMessage(pg));
        goto fail;
    }
    int rc = 0;
    for (int b = 0; b < LB_BOARDS && rc == 0; b++)
        rc = copy_board(pg, r, b, keys[b], &rows);
    if (PQputCopyEnd(pg, rc ? "archive aborted" : NULL) != 1)
        rc = -1;
    while ((res = PQgetResult(pg)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0) {
            log_error("leaderboard_archive", "COPY: %s", PQerrorMessage(pg));
            rc = -1;
        }
        PQclear(res);
    }
    if (rc)
        goto fail;
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", part);
    if (pg_ok(PQexec(pg, "SET LOCAL client_min_messages = warning"), pg, "settings") ||
        pg_ok(PQexec(pg, sql), pg, "drop"))
        goto fail;
    snprintf(sql, sizeof sql,
             "CREATE TABLE %s (LIKE leaderboard_archive INCLUDING DEFAULTS INCLUDING CONSTRAINTS,"
             " CHECK (week = '%s'))",
             part, week); /* the CHECK lets ATTACH skip its scan */
    if (pg_ok(PQexec(pg, sql), pg, "create"))
        goto fail;
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (board, week, rank, user_id, username, score)"
             " SELECT s.board, '%s', s.rank, s.user_id, u.username, round(s.score, 2)"
             " FROM lb_stage s JOIN users u ON u.id = s.user_id",
             part, week);
    if (pg_ok(PQexec(pg, sql), pg, "insert"))
        goto fail;
    snprintf(sql, sizeof sql, "ALTER TABLE leaderboard_archive ATTACH PARTITION %s FOR VALUES IN ('%s')", part, week);
    if (pg_ok(PQexec(pg, sql), pg, "attach") || pg_ok(PQexec(pg, "COMMIT"), pg, "COMMIT"))
        goto fail;
    /* safely in PostgreSQL: now the Redis copies can go (UNLINK frees them off the main thread) */
    redisReply *rep = redis_command(r, "UNLINK %s %s %s %s", keys[0], keys[1], keys[2], keys[3]);
    redis_reply_free(rep);
    redis_reply_free(redis_command(r, "SREM %s %s", KEY_PENDING, week));
    *archived += rows;
    log_info("leaderboard_archive", "week %s archived: %ld rows", week, rows);
    return 0;
fail:
    PQclear(PQexec(pg, "ROLLBACK"));
    return -1;
}

/* Players with anything in the new week so far (found, unlocked or fielded a team since
 * Monday 00:00): their weekly scores were held back until the rollover; write them now. */
static const db_stmt_t STMT_ACTIVE_SINCE = {
    "leaderboard_active_since",
    "SELECT user_id FROM user_collections WHERE " IN_WEEK("first_found_at") " UNION"
    " SELECT user_id FROM user_achievements WHERE " IN_WEEK("unlocked_at") " UNION"
    " SELECT user_id FROM user_teams WHERE " IN_WEEK("updated_at") " LIMIT 100000",
    2};

static void catch_up(db_conn_t *conn, redis_t *r, const week_t *wk)
{
    const char *params[] = {wk->start, wk->end};
    PGresult *res = db_exec(conn, &STMT_ACTIVE_SINCE, params);
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_warn("leaderboard_rollover", "catch-up query failed: %s", res ? PQresultErrorMessage(res) : "no database");
        PQclear(res);
        return;
    }
    int n = PQntuples(res);
    if (n >= CATCHUP_MAX)
        log_warn("leaderboard_rollover", "more than %d players active since Monday: the rest appear at their next change",
                 CATCHUP_MAX);
    for (int i = 0; i < n; i++)
        leaderboard_player_changed(conn, r, PQgetvalue(res, i, 0));
    PQclear(res);
}

int leaderboard_rollover(db_conn_t *conn, redis_t *r, leaderboard_rollover_stats_t *st)
{
    leaderboard_rollover_stats_t local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    double t0 = now_s();
    week_t cur;
    week_now(&cur);
    redisReply *rep = redis_command(r, "GET %s", KEY_WEEK);
    if (!rep)
        return -1;
    clock_week_t held;
    char old[16] = "";
    int due = rep->type == REDIS_REPLY_STRING && clock_week_parse(rep->str, &held) == 0 &&
              clock_week_cmp(held, cur.w) < 0; /* never backwards: a slower clock elsewhere waits */
    if (due)
        snprintf(old, sizeof old, "%s", rep->str);
    redis_reply_free(rep);
    rep = redis_command(r, "SCARD %s", KEY_PENDING);
    int pending = rep && rep->type == REDIS_REPLY_INTEGER && rep->integer > 0;
    redis_reply_free(rep);
    if (!due && !pending)
        return 0;

    char token[64];
    int taken = lock_take(r, token, sizeof token);
    if (taken <= 0)
        return taken < 0 ? -1 : 2;
    int rc = 0, rolled = 0;
    if (due) {
        char akeys[LB_BOARDS][96];
        const char *argv[3 + 10 + 2];
        int n = 0;
        argv[n++] = "EVAL";
        argv[n++] = ROLLOVER_SCRIPT;
        argv[n++] = "10";
        for (int b = 0; b < LB_BOARDS; b++)
            argv[n++] = LIVE_KEYS[b][1];
        for (int b = 0; b < LB_BOARDS; b++) {
            archive_key(b, old, akeys[b], sizeof akeys[b]);
            argv[n++] = akeys[b];
        }
        argv[n++] = KEY_WEEK;
        argv[n++] = KEY_PENDING;
        argv[n++] = old;
        argv[n++] = cur.name;
        rep = redis_command_argv(r, n, argv, NULL);
        if (!rep || rep->type != REDIS_REPLY_INTEGER) {
            reply_ok(rep, r, "leaderboard_rollover");
            rc = -1;
        } else {
            rolled = rep->integer == 1;
            redis_reply_free(rep);
        }
        st->rename_ms = (now_s() - t0) * 1000;
        if (rolled) {
            /* cached top-100s of the closed week would now be read against the new live board */
            char ck[2 * LB_BOARDS][96];
            const char *del[1 + 2 * LB_BOARDS] = {"DEL"};
            for (int b = 0; b < LB_BOARDS; b++) {
                snprintf(ck[2 * b], sizeof ck[0], "leaderboard:{lb}:cache:%s:week", LEADERBOARD_NAMES[b]);
                snprintf(ck[2 * b + 1], sizeof ck[0], "leaderboard:{lb}:cache:%s:week:%s", LEADERBOARD_NAMES[b], old);
                del[1 + 2 * b] = ck[2 * b];
                del[2 + 2 * b] = ck[2 * b + 1];
            }
            redis_reply_free(redis_command_argv(r, 1 + 2 * LB_BOARDS, del, NULL));
            snprintf(st->week, sizeof st->week, "%s", old);
            log_info("leaderboard_rollover", "week %s closed, boards now hold %s", old, cur.name);
            catch_up(conn, r, &cur);
        }
    }
    if (rc == 0) {
        double t1 = now_s();
        rep = redis_command(r, "SMEMBERS %s", KEY_PENDING);
        if (rep && rep->type == REDIS_REPLY_ARRAY) {
            for (size_t i = 0; i < rep->elements && rc == 0; i++) {
                clock_week_t w;
                if (rep->element[i]->type != REDIS_REPLY_STRING || clock_week_parse(rep->element[i]->str, &w)) {
                    redis_reply_free(redis_command(r, "SREM %s %s", KEY_PENDING, rep->element[i]->str));
                    continue;
                }
                rc = archive_week(conn, r, rep->element[i]->str, &st->archived);
            }
        } else {
            rc = -1;
        }
        redis_reply_free(rep);
        st->archive_ms = (now_s() - t1) * 1000;
    }
    lock_release(r, token);
    st->total_ms = (now_s() - t0) * 1000;
    if (rc == 0 && rolled)
        log_info("leaderboard_rollover", "week %s: %ld rows archived in %.0f ms (rename %.1f ms)", st->week,
                 st->archived, st->total_ms, st->rename_ms);
    return rc < 0 ? -1 : rolled ? 1 : 0;
}
