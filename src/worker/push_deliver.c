/* push_deliver: the outbox drain. Entries are claimed with a lease (claimed_until) in one short
 * statement, sent without holding a transaction, then deleted or rescheduled: several workers
 * can drain at once, and an entry whose worker died is taken again when its lease ends.
 * Delivery is at least once; the notification's tag ("chatlings-n<id>") makes a browser replace
 * a repeated message instead of showing it twice. */
#include "worker/push_deliver.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "integrations/webpush.h"

#define PUSH_TTL_S 86400

static const db_stmt_t STMT_CLAIM = {
    "push_claim",
    "WITH c AS (SELECT notification_id FROM push_outbox"
    "           WHERE not_before <= now() AND (claimed_until IS NULL OR claimed_until < now())"
    "           ORDER BY not_before, notification_id LIMIT $1 FOR UPDATE SKIP LOCKED)"
    " UPDATE push_outbox o SET claimed_until = now() + interval '2 minutes', attempts = o.attempts + 1"
    " FROM c, notifications n WHERE o.notification_id = c.notification_id AND n.id = o.notification_id"
    " RETURNING o.notification_id, o.user_id, o.attempts, n.category, n.title, n.body, n.data::text",
    1};

static const db_stmt_t STMT_SUBS = {
    "push_subs", "SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE user_id = $1 ORDER BY id", 1};

static const db_stmt_t STMT_DONE = {"push_done", "DELETE FROM push_outbox WHERE notification_id = $1", 1};

/* Back off 30 s, 2 min, 8 min, ... */
static const db_stmt_t STMT_LATER = {
    "push_later",
    "UPDATE push_outbox SET claimed_until = NULL,"
    " not_before = now() + make_interval(secs => 30 * power(4, least(attempts - 1, 6)))"
    " WHERE notification_id = $1",
    1};

static const db_stmt_t STMT_SUB_OK = {
    "push_sub_ok", "UPDATE push_subscriptions SET last_success_at = now(), failures = 0 WHERE id = $1", 1};
static const db_stmt_t STMT_SUB_GONE = {"push_sub_gone", "DELETE FROM push_subscriptions WHERE id = $1", 1};
/* a subscription that keeps being refused is dropped after 20 refusals in a row */
static const db_stmt_t STMT_SUB_FAIL = {
    "push_sub_fail",
    "WITH u AS (UPDATE push_subscriptions SET failures = failures + 1 WHERE id = $1 RETURNING id, failures)"
    " DELETE FROM push_subscriptions s USING u WHERE s.id = u.id AND u.failures >= 20",
    1};

/* A same-origin path for the notification's data, so a tap opens the right screen. */
static void link_of(const char *category, json_t *data, char *out, size_t outlen)
{
    const char *url = json_string_value(json_object_get(data, "url"));
    const char *creature = json_string_value(json_object_get(data, "creature_id"));
    json_t *room = json_object_get(data, "chatroom_id");
    if (url && url[0] == '/' && url[1] != '/')
        snprintf(out, outlen, "%s", url);
    else if (creature)
        snprintf(out, outlen, "/creature/%s", creature);
    else if (json_is_string(room))
        snprintf(out, outlen, "/chat/%s", json_string_value(room));
    else if (json_is_integer(room))
        snprintf(out, outlen, "/chat/%lld", (long long)json_integer_value(room));
    else if (!strcmp(category, "achievement"))
        snprintf(out, outlen, "/achievements");
    else if (!strcmp(category, "daily_box_ready"))
        snprintf(out, outlen, "/box");
    else if (!strcmp(category, "new_chatroom"))
        snprintf(out, outlen, "/chat");
    else if (!strcmp(category, "runaway"))
        snprintf(out, outlen, "/runaways");
    else
        snprintf(out, outlen, "/notifications");
    /* only URL-safe characters travel on */
    for (char *p = out; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/-_.", *p))) {
            snprintf(out, outlen, "/notifications");
            return;
        }
}

/* {"title","body","url","tag","category","id"}: what the service worker shows. */
static void payload_of(PGresult *r, int i, buf_t *out)
{
    const char *category = PQgetvalue(r, i, 3);
    json_t *data = json_loads(PQgetvalue(r, i, 6), 0, NULL);
    char url[256];
    link_of(category, data, url, sizeof url);
    json_decref(data);
    buf_puts(out, "{\"title\":");
    buf_json_cstr(out, PQgetvalue(r, i, 4));
    buf_puts(out, ",\"body\":");
    /* a push message is small: long bodies are cut (on a character boundary) */
    const char *body = PQgetvalue(r, i, 5);
    size_t n = strlen(body);
    if (n > 1000) {
        n = 1000;
        while (n > 0 && ((unsigned char)body[n] & 0xC0) == 0x80)
            n--;
    }
    buf_json_str(out, body, n);
    buf_puts(out, ",\"url\":");
    buf_json_cstr(out, url);
    buf_printf(out, ",\"tag\":\"chatlings-n%s\",\"category\":", PQgetvalue(r, i, 0));
    buf_json_cstr(out, category);
    buf_printf(out, ",\"id\":%s}", PQgetvalue(r, i, 0));
}

static int exec1(db_conn_t *db, const db_stmt_t *st, const char *arg, char *err, size_t errlen)
{
    const char *params[] = {arg};
    PGresult *r = db_exec(db, st, params);
    if (!r || (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)) {
        snprintf(err, errlen, "%s: %s", st->name, r ? PQresultErrorMessage(r) : "connection lost");
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}

/* Sends one outbox entry to every subscription of its player. 1: retry later, 0: done,
 * -1: database error. */
static int deliver_one(db_conn_t *db, const config_t *cfg, const webpush_vapid_t *v, PGresult *claim, int i,
                       push_stats_t *st, char *err, size_t errlen)
{
    const char *uid = PQgetvalue(claim, i, 1);
    const char *params[] = {uid};
    PGresult *subs = db_exec(db, &STMT_SUBS, params);
    if (!subs || PQresultStatus(subs) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "push_subs: %s", subs ? PQresultErrorMessage(subs) : "connection lost");
        PQclear(subs);
        return -1;
    }
    buf_t payload;
    buf_init(&payload, WEBPUSH_MAX_PLAINTEXT);
    payload_of(claim, i, &payload);
    int retry = 0, rc = 0;
    for (int s = 0; s < PQntuples(subs) && rc == 0; s++) {
        webpush_sub_t sub = {PQgetvalue(subs, s, 1), PQgetvalue(subs, s, 2), PQgetvalue(subs, s, 3)};
        const char *sid = PQgetvalue(subs, s, 0);
        char why[256] = "";
        long status = 0;
        webpush_result_t res;
        if (payload.overflow)
            res = WEBPUSH_REJECTED;
        else if (!webpush_endpoint_allowed(cfg, sub.endpoint, why, sizeof why))
            res = WEBPUSH_GONE; /* stored before a stricter CHATLINGS_PUSH_HOSTS: never again */
        else
            res = webpush_send(v, &sub, payload.data, payload.len, PUSH_TTL_S, &status, why, sizeof why);
        switch (res) {
        case WEBPUSH_SENT:
            st->sent++;
            rc = exec1(db, &STMT_SUB_OK, sid, err, errlen);
            break;
        case WEBPUSH_GONE:
            st->gone++;
            log_info("webpush", "subscription %s dropped: %s", sid, why);
            rc = exec1(db, &STMT_SUB_GONE, sid, err, errlen);
            break;
        case WEBPUSH_RETRY:
            retry = 1;
            log_warn("webpush", "subscription %s: %s (will retry)", sid, why);
            break;
        case WEBPUSH_REJECTED:
            st->failed++;
            log_warn("webpush", "subscription %s: %s", sid, why);
            rc = exec1(db, &STMT_SUB_FAIL, sid, err, errlen);
            break;
        }
    }
    buf_free(&payload);
    PQclear(subs);
    if (rc)
        return -1;
    return retry && atoi(PQgetvalue(claim, i, 2)) < PUSH_MAX_ATTEMPTS ? 1 : 0;
}

int push_deliver_pending(db_conn_t *db, const config_t *cfg, int max, push_stats_t *st, char *err, size_t errlen)
{
    const webpush_vapid_t *v = webpush_vapid_get(cfg, err, errlen);
    if (!v)
        return -1;
    char limit[16];
    snprintf(limit, sizeof limit, "%d", max > 0 ? max : PUSH_DELIVER_BATCH);
    const char *params[] = {limit};
    PGresult *claim = db_exec(db, &STMT_CLAIM, params);
    if (!claim || PQresultStatus(claim) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "push_claim: %s", claim ? PQresultErrorMessage(claim) : "connection lost");
        PQclear(claim);
        return -1;
    }
    int n = PQntuples(claim), rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        int r = deliver_one(db, cfg, v, claim, i, st, err, errlen);
        const char *nid = PQgetvalue(claim, i, 0);
        if (r < 0)
            rc = -1; /* the lease runs out and another run takes the rest */
        else if (r == 1) {
            st->retried++;
            rc = exec1(db, &STMT_LATER, nid, err, errlen);
        } else
            rc = exec1(db, &STMT_DONE, nid, err, errlen);
        st->messages++;
    }
    PQclear(claim);
    return rc < 0 ? -1 : n;
}

job_status_t push_job_deliver(job_ctx_t *jc)
{
    db_conn_t *db = job_db(jc);
    if (!db)
        return job_error(jc, JOB_RETRY, "database unavailable");
    push_stats_t st = {0};
    for (int batch = 0; batch < 20; batch++) {
        char err[300] = "";
        int n = push_deliver_pending(db, jc->cfg, PUSH_DELIVER_BATCH, &st, err, sizeof err);
        if (n < 0)
            return job_error(jc, JOB_RETRY, "push delivery: %s", err);
        if (n < PUSH_DELIVER_BATCH)
            break;
        job_touch(jc);
    }
    if (st.messages)
        log_info("webpush", "push_deliver: %ld messages, %ld sent, %ld subscriptions gone, %ld retried, %ld refused",
                 st.messages, st.sent, st.gone, st.retried, st.failed);
    return JOB_OK;
}
