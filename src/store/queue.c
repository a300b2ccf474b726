/* queue: Redis Streams job queue. Moves that must not half-happen (retry, dead letter,
 * promotion, dead-letter retry) are one MULTI/EXEC or one Lua script, so a crash between two
 * steps can never lose a job; the worst case is a job that runs twice, which handlers
 * tolerate by design. */
#include "store/queue.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/buf.h"

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void queue_new_id(char out[QUEUE_ID_LEN + 1])
{
    unsigned char raw[QUEUE_ID_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, QUEUE_ID_LEN + 1, raw, sizeof raw);
}

int64_t queue_backoff_ms(int attempt, uint32_t jitter)
{
    if (attempt < 1)
        attempt = 1;
    int64_t d = QUEUE_BACKOFF_BASE_MS;
    for (int i = 1; i < attempt && d < QUEUE_BACKOFF_MAX_MS; i++)
        d *= 4;
    if (d > QUEUE_BACKOFF_MAX_MS)
        d = QUEUE_BACKOFF_MAX_MS;
    /* jitter in [0, 20 %) of the delay */
    return d + (int64_t)((double)d * 0.2 * ((double)jitter / 4294967296.0));
}

void queue_job_free(queue_job_t *job)
{
    if (!job)
        return;
    free(job->payload);
    job->payload = NULL;
}

static void keys_of(const char *queue, char *stream, char *delayed, char *dead, size_t n)
{
    if (!queue)
        queue = QUEUE_DEFAULT;
    if (stream)
        snprintf(stream, n, "queue:{%s}", queue);
    if (delayed)
        snprintf(delayed, n, "queue:{%s}:delayed", queue);
    if (dead)
        snprintf(dead, n, "queue:{%s}:dead", queue);
}

static int is_error(const redisReply *rep)
{
    return !rep || rep->type == REDIS_REPLY_ERROR;
}

int queue_ensure(redis_t *r, const char *queue)
{
    char stream[160];
    keys_of(queue, stream, NULL, NULL, sizeof stream);
    /* "$" would skip entries added before the group existed; "0" hands them out too */
    redisReply *rep = redis_command(r, "XGROUP CREATE %s %s 0 MKSTREAM", stream, QUEUE_GROUP);
    int rc = -1;
    if (rep && rep->type == REDIS_REPLY_STATUS)
        rc = 0;
    else if (rep && rep->type == REDIS_REPLY_ERROR && !strncmp(rep->str, "BUSYGROUP", 9))
        rc = 0;
    redis_reply_free(rep);
    return rc;
}

/* ---- enqueue ---- */

static int valid_type(const char *type)
{
    size_t n = type ? strlen(type) : 0;
    return n > 0 && n < QUEUE_TYPE_MAX;
}

static int xadd_job(redis_t *r, const char *stream, const char *id, const char *type, const char *payload,
                    int attempt, int64_t enqueued_ms)
{
    char att[16], enq[24];
    snprintf(att, sizeof att, "%d", attempt);
    snprintf(enq, sizeof enq, "%lld", (long long)enqueued_ms);
    const char *argv[] = {"XADD", stream, "*", "id", id, "type", type, "payload", payload,
                          "attempt", att, "enqueued_at", enq};
    size_t lens[sizeof argv / sizeof argv[0]];
    for (size_t i = 0; i < sizeof argv / sizeof argv[0]; i++)
        lens[i] = strlen(argv[i]);
    redisReply *rep = redis_command_argv(r, (int)(sizeof argv / sizeof argv[0]), argv, lens);
    int rc = rep && rep->type == REDIS_REPLY_STRING ? 0 : -1;
    redis_reply_free(rep);
    return rc;
}

int queue_enqueue(redis_t *r, const char *queue, const char *type, const char *payload_json, char *id_out)
{
    const char *payload = payload_json ? payload_json : "{}";
    if (!valid_type(type) || strlen(payload) > QUEUE_PAYLOAD_MAX)
        return -1;
    char stream[160], id[QUEUE_ID_LEN + 1];
    keys_of(queue, stream, NULL, NULL, sizeof stream);
    queue_new_id(id);
    if (xadd_job(r, stream, id, type, payload, 1, wall_ms()))
        return -1;
    if (id_out)
        memcpy(id_out, id, sizeof id);
    return 0;
}

long queue_enqueue_many(redis_t *r, const char *queue, const char *type, const char *payload_json, long count)
{
    const char *payload = payload_json ? payload_json : "{}";
    if (!valid_type(type) || strlen(payload) > QUEUE_PAYLOAD_MAX)
        return -1;
    char stream[160];
    keys_of(queue, stream, NULL, NULL, sizeof stream);
    long added = 0;
    while (added < count) {
        long chunk = count - added < 500 ? count - added : 500, queued = 0;
        for (long i = 0; i < chunk; i++) {
            char id[QUEUE_ID_LEN + 1];
            queue_new_id(id);
            if (redis_append(r, "XADD %s * id %s type %s payload %s attempt 1 enqueued_at %lld", stream, id, type,
                             payload, (long long)wall_ms()))
                break;
            queued++;
        }
        long ok = 0;
        for (long i = 0; i < queued; i++) {
            redisReply *rep = redis_get_reply(r);
            if (!rep)
                break;
            ok += rep->type == REDIS_REPLY_STRING;
            redis_reply_free(rep);
        }
        added += ok;
        if (ok < chunk)
            break;
    }
    return added ? added : -1;
}

/* The delayed-set member: the job as a JSON object of strings (strings only, so that the Lua
 * side never turns a number into "1.7e+12"). */
static int delayed_member(buf_t *b, const char *id, const char *type, const char *payload, int attempt,
                          int64_t enqueued_ms, const char *error)
{
    buf_puts(b, "{\"id\":");
    buf_json_cstr(b, id);
    buf_puts(b, ",\"type\":");
    buf_json_cstr(b, type);
    buf_puts(b, ",\"payload\":");
    buf_json_cstr(b, payload);
    buf_printf(b, ",\"attempt\":\"%d\",\"enqueued_at\":\"%lld\"", attempt, (long long)enqueued_ms);
    if (error && *error) {
        buf_puts(b, ",\"last_error\":");
        buf_json_str(b, error, strnlen(error, 300));
    }
    buf_puts(b, "}");
    return b->overflow ? -1 : 0;
}

int queue_enqueue_at(redis_t *r, const char *queue, const char *type, const char *payload_json, int64_t due_ms,
                     char *id_out)
{
    const char *payload = payload_json ? payload_json : "{}";
    if (!valid_type(type) || strlen(payload) > QUEUE_PAYLOAD_MAX)
        return -1;
    char delayed[160], id[QUEUE_ID_LEN + 1], score[24];
    keys_of(queue, NULL, delayed, NULL, sizeof delayed);
    queue_new_id(id);
    buf_t m;
    buf_init(&m, 2 * QUEUE_PAYLOAD_MAX);
    int rc = -1;
    if (!delayed_member(&m, id, type, payload, 1, wall_ms(), NULL)) {
        snprintf(score, sizeof score, "%lld", (long long)due_ms);
        const char *argv[] = {"ZADD", delayed, score, m.data};
        size_t lens[] = {4, strlen(delayed), strlen(score), m.len};
        redisReply *rep = redis_command_argv(r, 4, argv, lens);
        rc = rep && rep->type == REDIS_REPLY_INTEGER ? 0 : -1;
        redis_reply_free(rep);
    }
    buf_free(&m);
    if (!rc && id_out)
        memcpy(id_out, id, sizeof id);
    return rc;
}

/* ---- reading ---- */

static void copy_str(char *dst, size_t n, const redisReply *v)
{
    size_t len = v && v->type == REDIS_REPLY_STRING ? v->len : 0;
    if (len >= n)
        len = n - 1;
    if (len)
        memcpy(dst, v->str, len);
    dst[len] = '\0';
}

/* One stream entry [id, [field, value, ...]] into job. -1 when it is not a job entry. */
static int parse_entry(const redisReply *e, queue_job_t *job)
{
    memset(job, 0, sizeof *job);
    if (!e || e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING)
        return -1;
    copy_str(job->stream_id, sizeof job->stream_id, e->element[0]);
    const redisReply *f = e->element[1];
    if (!f || f->type != REDIS_REPLY_ARRAY)
        return -1; /* deleted while pending */
    job->attempt = 1;
    for (size_t i = 0; i + 1 < f->elements; i += 2) {
        const redisReply *k = f->element[i], *v = f->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            continue;
        if (!strcmp(k->str, "id"))
            copy_str(job->id, sizeof job->id, v);
        else if (!strcmp(k->str, "type"))
            copy_str(job->type, sizeof job->type, v);
        else if (!strcmp(k->str, "attempt"))
            job->attempt = atoi(v->str);
        else if (!strcmp(k->str, "enqueued_at"))
            job->enqueued_ms = atoll(v->str);
        else if (!strcmp(k->str, "payload") && !job->payload) {
            job->payload = malloc(v->len + 1);
            if (job->payload) {
                memcpy(job->payload, v->str, v->len);
                job->payload[v->len] = '\0';
            }
        }
    }
    if (!job->payload)
        job->payload = strdup("{}");
    if (job->attempt < 1)
        job->attempt = 1;
    job->deliveries = 1;
    if (!job->payload) {
        return -1;
    }
    return 0;
}

/* Entries of an array reply into jobs[] (malformed entries are acknowledged away: they can
 * never run and would otherwise come back forever). */
static int collect(redis_t *r, const char *stream, const redisReply *entries, queue_job_t *jobs, int max)
{
    int n = 0;
    for (size_t i = 0; entries && entries->type == REDIS_REPLY_ARRAY && i < entries->elements && n < max; i++) {
        if (parse_entry(entries->element[i], &jobs[n]) == 0 && jobs[n].type[0]) {
            n++;
            continue;
        }
        if (jobs[n].stream_id[0]) {
            redisReply *a = redis_command(r, "XACK %s %s %s", stream, QUEUE_GROUP, jobs[n].stream_id);
            redis_reply_free(a);
            a = redis_command(r, "XDEL %s %s", stream, jobs[n].stream_id);
            redis_reply_free(a);
        }
        queue_job_free(&jobs[n]);
    }
    return n;
}

int queue_read(redis_t *r, const queue_opts_t *o, queue_job_t *jobs, int max, int block_ms)
{
    char stream[160], count[16], block[16];
    keys_of(o->name, stream, NULL, NULL, sizeof stream);
    snprintf(count, sizeof count, "%d", max);
    snprintf(block, sizeof block, "%d", block_ms);
    for (int tries = 0; tries < 2; tries++) {
        redisReply *rep = block_ms > 0
                              ? redis_command(r, "XREADGROUP GROUP %s %s COUNT %s BLOCK %s STREAMS %s >",
                                              QUEUE_GROUP, o->consumer, count, block, stream)
                              : redis_command(r, "XREADGROUP GROUP %s %s COUNT %s STREAMS %s >", QUEUE_GROUP,
                                              o->consumer, count, stream);
        if (!rep)
            return -1;
        if (rep->type == REDIS_REPLY_ERROR) {
            /* the stream or its group vanished (Redis restarted empty, FLUSHALL): recreate */
            int nogroup = !strncmp(rep->str, "NOGROUP", 7);
            redis_reply_free(rep);
            if (nogroup && tries == 0 && queue_ensure(r, o->name) == 0)
                continue;
            return -1;
        }
        int n = 0;
        if (rep->type == REDIS_REPLY_ARRAY && rep->elements >= 1) {
            const redisReply *s = rep->element[0];
            if (s->type == REDIS_REPLY_ARRAY && s->elements == 2)
                n = collect(r, stream, s->element[1], jobs, max);
        }
        redis_reply_free(rep);
        return n;
    }
    return -1;
}

int queue_reclaim(redis_t *r, const queue_opts_t *o, queue_job_t *jobs, int max)
{
    char stream[160];
    keys_of(o->name, stream, NULL, NULL, sizeof stream);
    redisReply *rep = redis_command(r, "XAUTOCLAIM %s %s %s %ld 0-0 COUNT %d", stream, QUEUE_GROUP, o->consumer,
                                    o->reclaim_idle_ms, max);
    if (is_error(rep)) {
        redis_reply_free(rep);
        return -1;
    }
    int n = 0;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements >= 2)
        n = collect(r, stream, rep->element[1], jobs, max);
    redis_reply_free(rep);
    if (n == 0)
        return 0;
    /* how often each was delivered: a job that keeps killing its workers must stop somewhere */
    for (int i = 0; i < n; i++)
        redis_append(r, "XPENDING %s %s %s %s 1", stream, QUEUE_GROUP, jobs[i].stream_id, jobs[i].stream_id);
    for (int i = 0; i < n; i++) {
        redisReply *p = redis_get_reply(r);
        if (p && p->type == REDIS_REPLY_ARRAY && p->elements == 1 && p->element[0]->type == REDIS_REPLY_ARRAY &&
            p->element[0]->elements == 4 && p->element[0]->element[3]->type == REDIS_REPLY_INTEGER)
            jobs[i].deliveries = (int)p->element[0]->element[3]->integer;
        else
            jobs[i].deliveries = 2;
        redis_reply_free(p);
    }
    int kept = 0;
    int maxd = o->max_deliveries > 0 ? o->max_deliveries : QUEUE_DEFAULT_MAX_DELIVERIES;
    for (int i = 0; i < n; i++) {
        if (jobs[i].deliveries > maxd) {
            char why[96];
            snprintf(why, sizeof why, "delivered %d times without finishing (its workers died)", jobs[i].deliveries);
            queue_dead(r, o->name, &jobs[i], why);
            queue_job_free(&jobs[i]);
            continue;
        }
        if (kept != i)
            jobs[kept] = jobs[i];
        kept++;
    }
    return kept;
}

static const char PROMOTE_LUA[] =
    "local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))\n"
    "for _, m in ipairs(due) do\n"
    "  redis.call('ZREM', KEYS[1], m)\n"
    "  local ok, j = pcall(cjson.decode, m)\n"
    "  if ok and type(j) == 'table' and j.type and j.id then\n"
    "    local f = {'id', j.id, 'type', j.type, 'payload', j.payload or '{}', 'attempt', j.attempt or '1',\n"
    "               'enqueued_at', j.enqueued_at or '0'}\n"
    "    if j.last_error then table.insert(f, 'last_error'); table.insert(f, j.last_error) end\n"
    "    redis.call('XADD', KEYS[2], '*', unpack(f))\n"
    "  end\n"
    "end\n"
    "return #due\n";

int queue_promote(redis_t *r, const char *queue, int64_t now_ms, int max)
{
    char stream[160], delayed[160];
    keys_of(queue, stream, delayed, NULL, sizeof stream);
    redisReply *rep =
        redis_command(r, "EVAL %s 2 %s %s %lld %d", PROMOTE_LUA, delayed, stream, (long long)now_ms, max);
    int rc = rep && rep->type == REDIS_REPLY_INTEGER ? (int)rep->integer : -1;
    redis_reply_free(rep);
    return rc;
}

/* ---- finishing ---- */

int queue_ack(redis_t *r, const char *queue, const queue_job_t *job)
{
    char stream[160];
    keys_of(queue, stream, NULL, NULL, sizeof stream);
    /* two commands, one round trip; Redis runs them back to back */
    if (redis_append(r, "XACK %s %s %s", stream, QUEUE_GROUP, job->stream_id) ||
        redis_append(r, "XDEL %s %s", stream, job->stream_id))
        return -1;
    redisReply *a = redis_get_reply(r);
    redisReply *d = a ? redis_get_reply(r) : NULL;
    int rc = a && a->type == REDIS_REPLY_INTEGER && d && d->type == REDIS_REPLY_INTEGER ? 0 : -1;
    redis_reply_free(a);
    redis_reply_free(d);
    return rc;
}

int queue_ack_many(redis_t *r, const char *queue, const char *const *stream_ids, int n)
{
    if (n <= 0)
        return 0;
    char stream[160];
    keys_of(queue, stream, NULL, NULL, sizeof stream);
    const char **argv = malloc(sizeof *argv * (size_t)(n + 3));
    if (!argv)
        return -1;
    argv[0] = "XACK";
    argv[1] = stream;
    argv[2] = QUEUE_GROUP;
    for (int i = 0; i < n; i++)
        argv[3 + i] = stream_ids[i];
    redisReply *a = redis_command_argv(r, n + 3, argv, NULL);
    argv[0] = "XDEL";
    argv[1] = stream;
    for (int i = 0; i < n; i++)
        argv[2 + i] = stream_ids[i];
    redisReply *d = a ? redis_command_argv(r, n + 2, argv, NULL) : NULL;
    free(argv);
    int rc = a && a->type == REDIS_REPLY_INTEGER && d && d->type == REDIS_REPLY_INTEGER ? 0 : -1;
    redis_reply_free(a);
    redis_reply_free(d);
    return rc;
}

/* Runs the appended commands between MULTI and EXEC; 0 when EXEC ran them all. */
static int exec_replies(redis_t *r, int queued)
{
    int rc = 0;
    for (int i = 0; i < queued + 1; i++) { /* MULTI's OK and each QUEUED */
        redisReply *q = redis_get_reply(r);
        if (is_error(q))
            rc = -1;
        redis_reply_free(q);
        if (!q)
            return -1;
    }
    redisReply *ex = redis_get_reply(r);
    if (!ex || ex->type != REDIS_REPLY_ARRAY || (int)ex->elements != queued)
        rc = -1;
    for (size_t i = 0; ex && ex->type == REDIS_REPLY_ARRAY && i < ex->elements; i++)
        if (ex->element[i]->type == REDIS_REPLY_ERROR)
            rc = -1;
    redis_reply_free(ex);
    return rc;
}

int queue_retry(redis_t *r, const char *queue, const queue_job_t *job, int64_t due_ms, const char *error)
{
    char stream[160], delayed[160];
    keys_of(queue, stream, delayed, NULL, sizeof stream);
    buf_t m;
    buf_init(&m, 2 * QUEUE_PAYLOAD_MAX + 1024);
    int rc = -1;
    if (delayed_member(&m, job->id, job->type, job->payload ? job->payload : "{}", job->attempt + 1,
                       job->enqueued_ms, error))
        goto out;
    if (redis_append(r, "MULTI") || redis_append(r, "ZADD %s %lld %b", delayed, (long long)due_ms, m.data, m.len) ||
        redis_append(r, "XACK %s %s %s", stream, QUEUE_GROUP, job->stream_id) ||
        redis_append(r, "XDEL %s %s", stream, job->stream_id) || redis_append(r, "EXEC"))
        goto out;
    rc = exec_replies(r, 3);
out:
    buf_free(&m);
    return rc;
}

int queue_dead(redis_t *r, const char *queue, const queue_job_t *job, const char *error)
{
    char stream[160], dead[160], att[16], enq[24], now[24];
    keys_of(queue, stream, NULL, dead, sizeof stream);
    snprintf(att, sizeof att, "%d", job->attempt);
    snprintf(enq, sizeof enq, "%lld", (long long)job->enqueued_ms);
    snprintf(now, sizeof now, "%lld", (long long)wall_ms());
    const char *err = error ? error : "";
    const char *payload = job->payload ? job->payload : "{}";
    if (redis_append(r, "MULTI") ||
        redis_append(r,
                     "XADD %s MAXLEN ~ %d * id %s type %s payload %b attempt %s enqueued_at %s failed_at %s "
                     "error %b",
                     dead, QUEUE_DEAD_MAX, job->id[0] ? job->id : "-", job->type[0] ? job->type : "-", payload,
                     strlen(payload), att, enq, now, err, strnlen(err, 500)) ||
        redis_append(r, "XACK %s %s %s", stream, QUEUE_GROUP, job->stream_id) ||
        redis_append(r, "XDEL %s %s", stream, job->stream_id) || redis_append(r, "EXEC"))
        return -1;
    return exec_replies(r, 3);
}

int queue_release(redis_t *r, const char *queue, const queue_job_t *job)
{
    char stream[160], att[16], enq[24];
    keys_of(queue, stream, NULL, NULL, sizeof stream);
    snprintf(att, sizeof att, "%d", job->attempt);
    snprintf(enq, sizeof enq, "%lld", (long long)job->enqueued_ms);
    const char *payload = job->payload ? job->payload : "{}";
    if (redis_append(r, "MULTI") ||
        redis_append(r, "XADD %s * id %s type %s payload %b attempt %s enqueued_at %s", stream, job->id, job->type,
                     payload, strlen(payload), att, enq) ||
        redis_append(r, "XACK %s %s %s", stream, QUEUE_GROUP, job->stream_id) ||
        redis_append(r, "XDEL %s %s", stream, job->stream_id) || redis_append(r, "EXEC"))
        return -1;
    return exec_replies(r, 3);
}

int queue_touch(redis_t *r, const queue_opts_t *o, const queue_job_t *job)
{
    char stream[160];
    keys_of(o->name, stream, NULL, NULL, sizeof stream);
    /* XCLAIM to ourselves with min-idle 0 resets the idle clock; JUSTID leaves the delivery
     * count alone */
    redisReply *rep =
        redis_command(r, "XCLAIM %s %s %s 0 %s JUSTID", stream, QUEUE_GROUP, o->consumer, job->stream_id);
    int rc = rep && rep->type == REDIS_REPLY_ARRAY ? 0 : -1;
    redis_reply_free(rep);
    return rc;
}

static const char DEAD_RETRY_LUA[] =
    "local e = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])\n"
    "if #e == 0 then return 0 end\n"
    "local f, t = e[1][2], {}\n"
    "for i = 1, #f, 2 do t[f[i]] = f[i + 1] end\n"
    "if not t.type or t.type == '-' then return 0 end\n"
    "redis.call('XADD', KEYS[2], '*', 'id', t.id or '-', 'type', t.type, 'payload', t.payload or '{}',\n"
    "           'attempt', '1', 'enqueued_at', t.enqueued_at or '0')\n"
    "redis.call('XDEL', KEYS[1], ARGV[1])\n"
    "return 1\n";

int queue_dead_retry(redis_t *r, const char *queue, const char *dead_id)
{
    char stream[160], dead[160];
    keys_of(queue, stream, NULL, dead, sizeof stream);
    redisReply *rep = redis_command(r, "EVAL %s 2 %s %s %s", DEAD_RETRY_LUA, dead, stream, dead_id);
    int rc = rep && rep->type == REDIS_REPLY_INTEGER ? (int)rep->integer : -1;
    redis_reply_free(rep);
    return rc;
}

int queue_stats(redis_t *r, const char *queue, queue_stats_t *out)
{
    char stream[160], delayed[160], dead[160];
    keys_of(queue, stream, delayed, dead, sizeof stream);
    memset(out, 0, sizeof *out);
    if (redis_append(r, "XLEN %s", stream) || redis_append(r, "XPENDING %s %s", stream, QUEUE_GROUP) ||
        redis_append(r, "ZCARD %s", delayed) || redis_append(r, "XLEN %s", dead))
        return -1;
    int rc = 0;
    for (int i = 0; i < 4; i++) {
        redisReply *rep = redis_get_reply(r);
        if (!rep)
            return -1;
        long long v = 0;
        if (rep->type == REDIS_REPLY_INTEGER)
            v = rep->integer;
        else if (rep->type == REDIS_REPLY_ARRAY && rep->elements >= 1 && rep->element[0]->type == REDIS_REPLY_INTEGER)
            v = rep->element[0]->integer;
        else if (!(i == 1 && rep->type == REDIS_REPLY_ERROR)) /* no group yet: nothing pending */
            rc = -1;
        redis_reply_free(rep);
        long long *slot[] = {&out->ready, &out->pending, &out->delayed, &out->dead};
        *slot[i] = v;
    }
    return rc;
}

long long queue_delayed_due(redis_t *r, const char *queue, int64_t until_ms)
{
    char delayed[160];
    keys_of(queue, NULL, delayed, NULL, sizeof delayed);
    redisReply *rep = redis_command(r, "ZCOUNT %s -inf %lld", delayed, (long long)until_ms);
    long long n = rep && rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;
    redis_reply_free(rep);
    return n;
}

int queue_prune_consumers(redis_t *r, const char *queue, long long idle_ms)
{
    char stream[160];
    keys_of(queue, stream, NULL, NULL, sizeof stream);
    redisReply *rep = redis_command(r, "XINFO CONSUMERS %s %s", stream, QUEUE_GROUP);
    if (is_error(rep)) {
        redis_reply_free(rep);
        return -1;
    }
    int removed = 0;
    for (size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
        const redisReply *c = rep->element[i];
        const char *name = NULL;
        long long pending = -1, idle = -1;
        for (size_t k = 0; c->type == REDIS_REPLY_ARRAY && k + 1 < c->elements; k += 2) {
            const redisReply *key = c->element[k], *v = c->element[k + 1];
            if (key->type != REDIS_REPLY_STRING)
                continue;
            if (!strcmp(key->str, "name") && v->type == REDIS_REPLY_STRING)
                name = v->str;
            else if (!strcmp(key->str, "pending") && v->type == REDIS_REPLY_INTEGER)
                pending = v->integer;
            else if (!strcmp(key->str, "idle") && v->type == REDIS_REPLY_INTEGER)
                idle = v->integer;
        }
        if (name && pending == 0 && idle >= idle_ms) {
            redisReply *d = redis_command(r, "XGROUP DELCONSUMER %s %s %s", stream, QUEUE_GROUP, name);
            if (d && d->type == REDIS_REPLY_INTEGER)
                removed++;
            redis_reply_free(d);
        }
    }
    redis_reply_free(rep);
    return removed;
}
