/* chatrooms: opening the day's rooms. Each (day, slot) is claimed by the room's own unique key,
 * so the conversation is written first (an LLM call can take seconds and must not hold a
 * transaction open) and then stored with the room in one transaction; a run that loses the
 * race to another worker simply drops what it wrote. */
#include "worker/chatrooms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "game/conversation.h"
#include "integrations/chat_llm.h"

#define MICROCENTS_PER_CENT 1000000LL

static const db_stmt_t STMT_CLOSE_EXPIRED = {
    "chatrooms_close_expired",
    "UPDATE chatrooms SET is_active = false WHERE is_active AND closes_at IS NOT NULL AND closes_at <= now()", 0};

static const db_stmt_t STMT_SLOT_TAKEN = {
    "chatrooms_slot_taken", "SELECT 1 FROM chatrooms WHERE open_day = $1::date AND slot = $2::smallint", 2};

/* Features for this day first, then undated ones, oldest first; earlier dates that were
 * missed (the worker was down) still run. */
static const db_stmt_t STMT_NEXT_FEATURE = {
    "chatrooms_next_feature",
    "SELECT id, title, topic, youtube_video_id, created_by FROM chatroom_features"
    " WHERE used_at IS NULL AND (open_on IS NULL OR open_on <= $1::date)"
    " ORDER BY open_on NULLS LAST, created_at, id LIMIT 1",
    1};

static const db_stmt_t STMT_INSERT_ROOM = {
    "chatrooms_insert_room",
    "WITH c AS (SELECT ($4::date + make_interval(hours => $8::int)) AT TIME ZONE 'UTC' AS closes)"
    " INSERT INTO chatrooms (title, topic, youtube_video_id, open_day, slot, featured_by, generator, generated_at,"
    "                        is_active, closes_at)"
    " SELECT $1, nullif($2, ''), $3, $4::date, $5::smallint, $6::uuid, $7, now(), c.closes > now(),"
    "        CASE WHEN c.closes > now() THEN c.closes END FROM c"
    " ON CONFLICT (open_day, slot) DO NOTHING RETURNING id",
    8};

static const db_stmt_t STMT_USE_FEATURE = {
    "chatrooms_use_feature",
    "UPDATE chatroom_features SET used_at = now(), room_id = $2 WHERE id = $1::bigint AND used_at IS NULL RETURNING id",
    2};

static const db_stmt_t STMT_INSERT_LINES = {
    "chatrooms_insert_lines",
    "INSERT INTO chatroom_lines (room_id, n, speaker, sentiment, body)"
    " SELECT $1, t.n, t.speaker, t.sentiment, t.body"
    " FROM jsonb_to_recordset($2::jsonb) AS t(n smallint, speaker text, sentiment text, body text)",
    2};

static const db_stmt_t STMT_LLM_SPENT = {
    "chatrooms_llm_spent", "SELECT coalesce((SELECT cost_microcents FROM chat_llm_usage WHERE day = $1::date), 0)", 1};

static const db_stmt_t STMT_LLM_RECORD = {
    "chatrooms_llm_record",
    "INSERT INTO chat_llm_usage AS u (day, calls, failures, prompt_tokens, completion_tokens, cost_microcents)"
    " VALUES ($1::date, 1, $2::int, $3::bigint, $4::bigint, $5::bigint)"
    " ON CONFLICT (day) DO UPDATE SET calls = u.calls + 1, failures = u.failures + excluded.failures,"
    "  prompt_tokens = u.prompt_tokens + excluded.prompt_tokens,"
    "  completion_tokens = u.completion_tokens + excluded.completion_tokens,"
    "  cost_microcents = u.cost_microcents + excluded.cost_microcents",
    5};

/* Runs a statement that must succeed; logs and returns NULL otherwise. */
static PGresult *run(db_conn_t *db, const db_stmt_t *st, const char *const *params, ExecStatusType want)
{
    PGresult *r = db_exec(db, st, params);
    if (!r || PQresultStatus(r) != want) {
        log_error("chatrooms", "%s: %s", st->name, r ? PQresultErrorMessage(r) : "connection lost");
        PQclear(r);
        return NULL;
    }
    return r;
}

static void format_day(int64_t day, char out[11])
{
    int y;
    unsigned m, d;
    clock_civil_from_days(day, &y, &m, &d);
    snprintf(out, 11, "%04d-%02u-%02u", y, m, d);
}

typedef struct feature {
    int have;
    char id[24];
    char title[512];
    char topic[2048];
    char video[16];
    char by[40];
} feature_t;

/* Asks the LLM when one is configured and the day's spend is under the cap. 1 written by the
 * LLM, 0 use the built-in generator, -1 database error. */
static int try_llm(db_conn_t *db, const config_t *cfg, const char *day, const char *title, const char *topic,
                   conversation_t *conv, chatrooms_open_stats_t *st)
{
    if (!cfg || !cfg->chat_llm_base_url[0])
        return 0;
    const char *p1[] = {day};
    PGresult *r = run(db, &STMT_LLM_SPENT, p1, PGRES_TUPLES_OK);
    if (!r)
        return -1;
    long long spent = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (spent >= (long long)cfg->chat_llm_daily_cost_cap_cents * MICROCENTS_PER_CENT) {
        st->llm_capped++;
        return 0;
    }
    chat_llm_opts_t o = {.base_url = cfg->chat_llm_base_url,
                         .model = cfg->chat_llm_model,
                         .api_key = cfg->chat_llm_api_key,
                         .timeout_ms = cfg->chat_llm_timeout_ms};
    buf_t content;
    buf_init(&content, 256 * 1024);
    chat_llm_usage_t usage;
    char err[256] = "";
    int ok = chat_llm_generate(&o, title, topic, &content, &usage, err, sizeof err) == 0 &&
             conversation_from_json(content.data, content.len, conv, err, sizeof err) == 0;
    buf_free(&content);
    /* every call is paid for, answers we refuse included: tokens x price per million */
    long long tokens = (long long)usage.prompt_tokens + usage.completion_tokens;
    long long cost = tokens * cfg->chat_llm_price_per_mtok_cents;
    char failed[4], pt[24], ct[24], cs[24];
    snprintf(failed, sizeof failed, "%d", !ok);
    snprintf(pt, sizeof pt, "%ld", usage.prompt_tokens);
    snprintf(ct, sizeof ct, "%ld", usage.completion_tokens);
    snprintf(cs, sizeof cs, "%lld", cost);
    const char *p2[] = {day, failed, pt, ct, cs};
    r = run(db, &STMT_LLM_RECORD, p2, PGRES_COMMAND_OK);
    if (!r)
        return -1;
    PQclear(r);
    if (!ok) {
        st->llm_failed++;
        log_warn("chatrooms", "the chat LLM could not write \"%s\" (%s): using the built-in generator", title, err);
        return 0;
    }
    st->llm++;
    return 1;
}

/* The lines as the JSON array STMT_INSERT_LINES reads. */
static void lines_json(const conversation_t *c, buf_t *b)
{
    buf_puts(b, "[");
    for (int i = 0; i < c->nlines; i++) {
        buf_printf(b, "%s{\"n\":%d,\"speaker\":\"%c\",\"sentiment\":\"%s\",\"body\":", i ? "," : "", i + 1,
                   'A' + c->lines[i].role, SENTIMENT_NAMES[c->lines[i].sentiment]);
        buf_json_cstr(b, c->lines[i].text);
        buf_puts(b, "}");
    }
    buf_puts(b, "]");
}

/* Stores the room of (day, slot). 1 opened, 0 taken by another run, 2 the feature was taken
 * (try the slot again), -1 database error. */
static int store_room(db_conn_t *db, const char *day, int slot, const char *title, const char *topic,
                      const feature_t *f, const char *generator, const conversation_t *conv)
{
    char slot_s[8], hours[8];
    snprintf(slot_s, sizeof slot_s, "%d", slot);
    snprintf(hours, sizeof hours, "%d", CHATROOM_OPEN_HOURS);
    if (db_command(db, "BEGIN"))
        return -1;
    const char *p1[] = {title, topic, f->have && f->video[0] ? f->video : NULL, day, slot_s,
                        f->have && f->by[0] ? f->by : NULL, generator, hours};
    PGresult *r = run(db, &STMT_INSERT_ROOM, p1, PGRES_TUPLES_OK);
    if (!r)
        goto fail;
    if (PQntuples(r) == 0) {
        PQclear(r);
        db_command(db, "ROLLBACK");
        return 0;
    }
    char room[40];
    snprintf(room, sizeof room, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (f->have) {
        const char *p2[] = {f->id, room};
        r = run(db, &STMT_USE_FEATURE, p2, PGRES_TUPLES_OK);
        if (!r)
            goto fail;
        int took = PQntuples(r);
        PQclear(r);
        if (!took) {
            db_command(db, "ROLLBACK");
            return 2;
        }
    }
    buf_t lines;
    buf_init(&lines, 512 * 1024);
    lines_json(conv, &lines);
    const char *p3[] = {room, lines.data};
    r = lines.overflow ? NULL : run(db, &STMT_INSERT_LINES, p3, PGRES_COMMAND_OK);
    buf_free(&lines);
    if (!r)
        goto fail;
    PQclear(r);
    if (db_command(db, "COMMIT"))
        goto fail;
    log_info("chatrooms", "opened \"%s\" for %s (slot %d, %s, %d lines)", title, day, slot, generator, conv->nlines);
    return 1;
fail:
    db_command(db, "ROLLBACK");
    return -1;
}

int chatrooms_open_day(db_conn_t *conn, int64_t day, int64_t now_ms, const config_t *cfg, chatrooms_open_stats_t *st)
{
    (void)now_ms; /* the database's clock decides open and closed; now_ms chose the day */
    chatrooms_open_stats_t local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    char day_s[11];
    format_day(day, day_s);

    PGresult *r = run(conn, &STMT_CLOSE_EXPIRED, NULL, PGRES_COMMAND_OK);
    if (!r)
        return -1;
    st->closed = atoi(PQcmdTuples(r));
    PQclear(r);

    static conversation_t conv_zero;
    conversation_t *conv = malloc(sizeof *conv);
    if (!conv)
        return -1;
    int rc = 0;
    for (int slot = 0; slot < CHATROOMS_PER_DAY && rc == 0; slot++) {
        for (int tries = 0; tries < 3; tries++) {
            char slot_s[8];
            snprintf(slot_s, sizeof slot_s, "%d", slot);
            const char *p1[] = {day_s, slot_s};
            if (!(r = run(conn, &STMT_SLOT_TAKEN, p1, PGRES_TUPLES_OK))) {
                rc = -1;
                break;
            }
            int taken = PQntuples(r) > 0;
            PQclear(r);
            if (taken) {
                st->existing++;
                break;
            }
            feature_t f;
            memset(&f, 0, sizeof f);
            const char *p2[] = {day_s};
            if (!(r = run(conn, &STMT_NEXT_FEATURE, p2, PGRES_TUPLES_OK))) {
                rc = -1;
                break;
            }
            if (PQntuples(r) == 1) {
                f.have = 1;
                snprintf(f.id, sizeof f.id, "%s", PQgetvalue(r, 0, 0));
                snprintf(f.title, sizeof f.title, "%s", PQgetvalue(r, 0, 1));
                snprintf(f.topic, sizeof f.topic, "%s", PQgetvalue(r, 0, 2));
                snprintf(f.video, sizeof f.video, "%s", PQgetvalue(r, 0, 3));
                snprintf(f.by, sizeof f.by, "%s", PQgetvalue(r, 0, 4));
            }
            PQclear(r);

            /* the topic: the feature, else the built-in list walked a slot at a time, day by day */
            conv_topic_t custom;
            const conv_topic_t *topic;
            if (f.have) {
                conversation_topic_custom(&custom, f.title, f.video[0] != 0);
                topic = &custom;
            } else {
                int64_t k = (day * CHATROOMS_PER_DAY + slot) % CONV_TOPICS_COUNT;
                topic = &CONV_TOPICS[k < 0 ? k + CONV_TOPICS_COUNT : k];
            }
            const char *blurb = f.have ? f.topic : topic->blurb;

            *conv = conv_zero;
            int llm = try_llm(conn, cfg, day_s, topic->title, blurb, conv, st);
            if (llm < 0) {
                rc = -1;
                break;
            }
            if (!llm) {
                char seed_text[160];
                snprintf(seed_text, sizeof seed_text, "%s:%d:%s", day_s, slot, topic->title);
                conversation_generate(topic, conversation_seed(seed_text), conv);
            }
            int stored = store_room(conn, day_s, slot, topic->title, blurb, &f, llm ? "llm" : "builtin", conv);
            if (stored < 0) {
                rc = -1;
            } else if (stored == 1) {
                st->opened++;
                st->featured += f.have;
            } else if (stored == 0) {
                st->existing++;
            } else {
                continue; /* another run used that feature meanwhile: pick again */
            }
            break;
        }
    }
    free(conv);
    return rc;
}

int chatrooms_open_daily(db_conn_t *conn, int64_t now_ms, const config_t *cfg, chatrooms_open_stats_t *st)
{
    int64_t day = now_ms / CLOCK_MS_PER_DAY;
    return chatrooms_open_day(conn, day, now_ms, cfg, st);
}

job_status_t chatrooms_job_open_daily(job_ctx_t *jc)
{
    db_conn_t *db = job_db(jc);
    if (!db)
        return job_error(jc, JOB_RETRY, "database unavailable");
    chatrooms_open_stats_t st;
    if (chatrooms_open_daily(db, clock_now(), jc->cfg, &st))
        return job_error(jc, JOB_RETRY, "opening the day's chatrooms failed (see the log)");
    if (st.opened || st.closed)
        log_info("chatrooms", "opened %d rooms (%d featured, %d by the LLM, %d LLM failures, %d over the cap), "
                              "%d already open, closed %d",
                 st.opened, st.featured, st.llm, st.llm_failed, st.llm_capped, st.existing, st.closed);
    return JOB_OK;
}
