/* redis_cluster: Redis Cluster routing behind the redis_t API (see redis_cluster.h).
 * Each command goes to the master owning its key's slot over that master's own single-node
 * redis_t (so TLS, timeouts and backoff are redis.c's); MOVED/ASK are followed, and the slot
 * map is re-read after a MOVED or a failed node (failover). */
#include "store/redis_cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"

#define MAX_REDIRECTS 5
#define REFRESH_MIN_MS 100  /* a burst of failures re-reads the map once, not per command */
#define TRYAGAIN_SLEEP_MS 100

typedef struct node {
    char *host;
    int port;
    redis_t *conn;  /* created on first use */
} node_t;

typedef struct pcmd {
    char *cmd;
    int len;
    int slot;   /* routing slot after keyless commands inherited their neighbours' */
    int unit;   /* MULTI..EXEC block (or single command) it belongs to */
} pcmd_t;

struct redis_cluster {
    redis_t *tmpl;
    node_t *nodes;
    int nnodes, seeds;  /* the first `seeds` nodes came from the URL */
    int16_t slots[REDIS_CLUSTER_SLOTS];  /* node index, -1 unknown */
    int stale;
    long long refreshed_ms;
    int sub_node;  /* node holding the SUBSCRIBE connection, -1 none */
    /* pipeline: appended commands, then (after the first get_reply) their replies */
    pcmd_t *pipe;
    size_t npipe, cap;
    redisReply **replies;
    size_t nreplies, next;
    char err[256];
};

/* ---- pure helpers ----------------------------------------------------------------------- */

uint16_t redis_cluster_crc16(const char *buf, size_t len)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)((unsigned char)buf[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = crc & 0x8000 ? (uint16_t)(crc << 1 ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

unsigned redis_cluster_key_slot(const char *key, size_t len)
{
    const char *open = memchr(key, '{', len);
    if (open) {
        size_t rest = len - (size_t)(open - key) - 1;
        const char *close = memchr(open + 1, '}', rest);
        if (close && close > open + 1)
            return redis_cluster_crc16(open + 1, (size_t)(close - open - 1)) & (REDIS_CLUSTER_SLOTS - 1);
    }
    return redis_cluster_crc16(key, len) & (REDIS_CLUSTER_SLOTS - 1);
}

typedef struct arg {
    const char *p;
    size_t len;
} arg_t;

/* Splits "*N\r\n$L\r\n...": the number of arguments (at most max stored), -1 malformed. */
static long split_command(const char *cmd, size_t len, arg_t *argv, long max)
{
    const char *p = cmd, *end = cmd + len;
    char *e;
    if (len < 4 || *p != '*')
        return -1;
    long n = strtol(p + 1, &e, 10);
    if (e + 2 > end || e[0] != '\r' || n < 0)
        return -1;
    p = e + 2;
    for (long i = 0; i < n; i++) {
        if (p >= end || *p != '$')
            return -1;
        long l = strtol(p + 1, &e, 10);
        if (l < 0 || e + 2 > end || e[0] != '\r' || (size_t)(end - (e + 2)) < (size_t)l + 2)
            return -1;
        if (i < max)
            argv[i] = (arg_t){e + 2, (size_t)l};
        p = e + 2 + l + 2;
    }
    return n;
}

static int is_cmd(const arg_t *a, const char *name)
{
    return a->len == strlen(name) && strncasecmp(a->p, name, a->len) == 0;
}

/* Whether the formatted command's name is name. */
static int cmd_is(const char *cmd, size_t len, const char *name)
{
    arg_t a;
    return split_command(cmd, len, &a, 1) >= 1 && is_cmd(&a, name);
}

static int is_any(const arg_t *a, const char *const *names)
{
    for (; *names; names++)
        if (is_cmd(a, *names))
            return 1;
    return 0;
}

#define MAX_ARGS 4096  /* key positions beyond this are not looked at (none of ours are) */

int redis_cluster_command_slot(const char *cmd, size_t len)
{
    static const char *const keyless[] = {
        "PING", "INFO", "MULTI", "EXEC", "DISCARD", "PUBLISH", "SUBSCRIBE", "PSUBSCRIBE", "UNSUBSCRIBE",
        "PUNSUBSCRIBE", "CLUSTER", "SCRIPT", "FUNCTION", "FLUSHALL", "FLUSHDB", "DBSIZE", "TIME", "ECHO",
        "CLIENT", "CONFIG", "COMMAND", "ASKING", "READONLY", "READWRITE", "AUTH", "SELECT", "HELLO",
        "WAIT", "SCAN", "KEYS", "RANDOMKEY", "QUIT", "MEMORY", "SLOWLOG", "LATENCY", NULL};
    static const char *const all_keys[] = {
        "DEL", "UNLINK", "EXISTS", "TOUCH", "MGET", "WATCH", "SINTER", "SUNION", "SDIFF", "PFCOUNT", NULL};
    static const char *const two_keys[] = {"RENAME", "RENAMENX", "SMOVE", "RPOPLPUSH", "LMOVE", "COPY", NULL};
    static const char *const numkeys_at2[] = {"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO", NULL};
    static const char *const dest_numkeys[] = {"ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE", NULL};
    long argc = split_command(cmd, len, NULL, 0);
    if (argc < 1)
        return -3;
    if (argc > MAX_ARGS)
        argc = MAX_ARGS;
    arg_t *argv = malloc((size_t)argc * sizeof *argv);
    if (!argv)
        return -3;
    split_command(cmd, len, argv, argc);
    int slot = -1;
    long first = 1, last = 1, step = 1;  /* key argument positions, inclusive */
    if (is_any(&argv[0], keyless)) {
        first = 1, last = 0;
    } else if (is_any(&argv[0], all_keys)) {
        last = argc - 1;
    } else if (is_cmd(&argv[0], "MSET") || is_cmd(&argv[0], "MSETNX")) {
        last = argc - 1, step = 2;
    } else if (is_any(&argv[0], two_keys)) {
        last = 2;
    } else if (is_any(&argv[0], numkeys_at2) || is_any(&argv[0], dest_numkeys)) {
        long nk = argc > 2 ? strtol(argv[2].p, NULL, 10) : 0;
        int dest = is_any(&argv[0], dest_numkeys);
        first = dest ? 1 : 3;
        last = 2 + nk;
        if (dest && nk > 0) {
            /* destination plus keys 3..2+nk */
            unsigned s = redis_cluster_key_slot(argv[1].p, argv[1].len);
            for (long i = 3; i <= last && i < argc; i++)
                if (redis_cluster_key_slot(argv[i].p, argv[i].len) != s) {
                    slot = -2;
                    goto out;
                }
            slot = (int)s;
            goto out;
        }
    } else if (is_cmd(&argv[0], "XREADGROUP") || is_cmd(&argv[0], "XREAD")) {
        first = 1, last = 0;
        for (long i = 1; i < argc; i++)
            if (is_cmd(&argv[i], "STREAMS")) {
                first = i + 1;
                last = i + (argc - i - 1) / 2;
                break;
            }
    } else if (is_cmd(&argv[0], "XGROUP") || is_cmd(&argv[0], "XINFO") || is_cmd(&argv[0], "OBJECT")) {
        first = last = 2;
    }
    for (long i = first; i <= last && i < argc; i += step) {
        int s = (int)redis_cluster_key_slot(argv[i].p, argv[i].len);
        if (slot >= 0 && s != slot) {
            slot = -2;
            break;
        }
        slot = s;
    }
out:
    free(argv);
    return slot;
}

int redis_cluster_parse_redirect(const char *err, int *slot, char *host, size_t hostlen, int *port)
{
    int kind;
    const char *p;
    if (!strncmp(err, "MOVED ", 6))
        kind = 1, p = err + 6;
    else if (!strncmp(err, "ASK ", 4))
        kind = 2, p = err + 4;
    else
        return 0;
    char *e;
    long s = strtol(p, &e, 10);
    if (e == p || *e != ' ' || s < 0 || s >= REDIS_CLUSTER_SLOTS)
        return 0;
    const char *hp = e + 1, *colon = strrchr(hp, ':');
    if (!colon)
        return 0;
    long pt = strtol(colon + 1, &e, 10);
    if (e == colon + 1 || pt < 1 || pt > 65535 || (*e && *e != ' '))
        return 0;
    size_t hl = (size_t)(colon - hp);
    if (hl >= 2 && hp[0] == '[' && hp[hl - 1] == ']')
        hp++, hl -= 2;
    if (hl >= hostlen)
        return 0;
    memcpy(host, hp, hl);
    host[hl] = '\0';
    *slot = (int)s;
    *port = (int)pt;
    return kind;
}

/* ---- nodes and the slot map ---------------------------------------------------------- */

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Index of host:port, added when new; -1 out of memory. */
static int node_index(redis_cluster_t *c, const char *host, int port)
{
    for (int i = 0; i < c->nnodes; i++)
        if (c->nodes[i].port == port && !strcmp(c->nodes[i].host, host))
            return i;
    node_t *n = realloc(c->nodes, (size_t)(c->nnodes + 1) * sizeof *n);
    if (!n)
        return -1;
    c->nodes = n;
    n[c->nnodes] = (node_t){strdup(host), port, NULL};
    if (!n[c->nnodes].host)
        return -1;
    return c->nnodes++;
}

static redis_t *node_conn(redis_cluster_t *c, int i)
{
    if (!c->nodes[i].conn)
        c->nodes[i].conn = redis_node_create(c->tmpl, c->nodes[i].host, c->nodes[i].port);
    return c->nodes[i].conn;
}

static redisReply *node_run(redis_cluster_t *c, int i, const char *cmd, size_t len)
{
    redis_t *conn = node_conn(c, i);
    if (!conn) {
        snprintf(c->err, sizeof c->err, "out of memory");
        return NULL;
    }
    redisReply *rep = redis_node_run(conn, cmd, len);
    if (!rep)
        snprintf(c->err, sizeof c->err, "%s:%d: %s", c->nodes[i].host, c->nodes[i].port, redis_last_error(conn));
    return rep;
}

/* Reads CLUSTER SLOTS from node i into the map: 0 or -1. */
static int load_slots(redis_cluster_t *c, int i)
{
    char *cmd = NULL;
    int len = redisFormatCommand(&cmd, "CLUSTER SLOTS");
    if (len < 0)
        return -1;
    redisReply *rep = node_run(c, i, cmd, (size_t)len);
    free(cmd);
    if (!rep)
        return -1;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements == 0) {
        snprintf(c->err, sizeof c->err, "CLUSTER SLOTS: %s", rep->type == REDIS_REPLY_ERROR ? rep->str : "empty map");
        redis_reply_free(rep);
        return -1;
    }
    int16_t map[REDIS_CLUSTER_SLOTS];
    for (int s = 0; s < REDIS_CLUSTER_SLOTS; s++)
        map[s] = -1;
    char asked[256];
    snprintf(asked, sizeof asked, "%s", c->nodes[i].host);  /* nodes may grow: copy */
    for (size_t k = 0; k < rep->elements; k++) {
        redisReply *e = rep->element[k];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 || e->element[0]->type != REDIS_REPLY_INTEGER ||
            e->element[1]->type != REDIS_REPLY_INTEGER || e->element[2]->type != REDIS_REPLY_ARRAY ||
            e->element[2]->elements < 2 || e->element[2]->element[0]->type != REDIS_REPLY_STRING ||
            e->element[2]->element[1]->type != REDIS_REPLY_INTEGER)
            continue;
        long long lo = e->element[0]->integer, hi = e->element[1]->integer;
        const char *host = e->element[2]->element[0]->str;
        /* "" or "?" means: the address we reached this node by */
        int m = node_index(c, host[0] && strcmp(host, "?") ? host : asked, (int)e->element[2]->element[1]->integer);
        if (m < 0)
            continue;
        for (long long s = lo < 0 ? 0 : lo; s <= hi && s < REDIS_CLUSTER_SLOTS; s++)
            map[s] = (int16_t)m;
    }
    redis_reply_free(rep);
    memcpy(c->slots, map, sizeof map);
    c->stale = 0;
    return 0;
}

/* Re-reads the map from the first node that answers (masters known, then the seeds). */
static int refresh(redis_cluster_t *c, int force)
{
    long long now = mono_ms();
    if (!force && now - c->refreshed_ms < REFRESH_MIN_MS)
        return c->stale ? -1 : 0;
    c->refreshed_ms = now;
    int n = c->nnodes;  /* load_slots may add nodes */
    for (int i = 0; i < n; i++)
        if (load_slots(c, i) == 0)
            return 0;
    c->stale = 1;
    return -1;
}

static int slot_owner(redis_cluster_t *c, int slot)
{
    if (c->stale)
        refresh(c, 0);
    if (slot >= 0)
        return c->slots[slot];
    for (int s = 0; s < REDIS_CLUSTER_SLOTS; s += 1024)  /* keyless: any master */
        if (c->slots[s] >= 0)
            return c->slots[s];
    return c->nnodes ? 0 : -1;
}

static redisReply *error_reply(const char *msg)
{
    redisReply *rep = calloc(1, sizeof *rep);
    if (!rep)
        return NULL;
    rep->type = REDIS_REPLY_ERROR;
    rep->str = strdup(msg);
    rep->len = rep->str ? strlen(rep->str) : 0;
    if (!rep->str) {
        free(rep);
        return NULL;
    }
    return rep;
}

static int is_retry_error(const redisReply *rep)
{
    return rep && rep->type == REDIS_REPLY_ERROR &&
           (!strncmp(rep->str, "TRYAGAIN", 8) || !strncmp(rep->str, "CLUSTERDOWN", 11));
}

/* One unit (a command, or a MULTI..EXEC block) of count commands on its slot's owner,
 * following redirections; out gets count replies (NULL where the node failed). */
static void run_unit(redis_cluster_t *c, pcmd_t *cmds, size_t count, int slot, redisReply **out)
{
    int node = slot_owner(c, slot), ask = 0;
    for (int attempt = 0;; attempt++) {
        for (size_t k = 0; k < count; k++)
            out[k] = NULL;
        if (node < 0) {
            snprintf(c->err, sizeof c->err, "cluster: no node serves slot %d", slot);
            return;
        }
        redis_t *conn = node_conn(c, node);
        int ok = conn != NULL;
        static const char asking[] = "*1\r\n$6\r\nASKING\r\n";
        for (size_t k = 0; ok && k < count; k++)
            ok = (!ask || redis_node_append(conn, asking, sizeof asking - 1) == 0) &&
                 redis_node_append(conn, cmds[k].cmd, (size_t)cmds[k].len) == 0;
        for (size_t k = 0; ok && k < count; k++) {
            if (ask)
                redis_reply_free(redis_get_reply(conn));
            out[k] = redis_get_reply(conn);
            ok = out[k] != NULL;
        }
        if (!ok && conn)
            snprintf(c->err, sizeof c->err, "%s:%d: %s", c->nodes[node].host, c->nodes[node].port,
                     redis_last_error(conn));
        /* the redirection, if any, of the first command that got one */
        int kind = 0, rslot, rport = 0, retry = 0;
        char rhost[256] = "";
        for (size_t k = 0; ok && k < count && !kind; k++) {
            if (out[k]->type == REDIS_REPLY_ERROR)
                kind = redis_cluster_parse_redirect(out[k]->str, &rslot, rhost, sizeof rhost, &rport);
            retry |= is_retry_error(out[k]);
        }
        if (attempt >= MAX_REDIRECTS || (ok && !kind && !retry))
            return;
        ask = 0;
        if (!ok) {
            /* failover or a dead node: re-read the map; retry only when the slot moved,
             * since a command sent to a live node may already have run */
            int before = node;
            refresh(c, 1);
            node = slot_owner(c, slot);
            if (node == before || node < 0)
                return;
            log_info("redis", "cluster: slot %d moved to %s:%d after a node failure", slot,
                     c->nodes[node].host, c->nodes[node].port);
        } else if (retry) {
            sleep_ms(TRYAGAIN_SLEEP_MS);
            refresh(c, 0);
            node = slot_owner(c, slot);
        } else {
            int m = node_index(c, rhost[0] ? rhost : c->nodes[node].host, rport);
            if (m < 0)
                return;
            if (kind == 1) {
                c->slots[rslot] = (int16_t)m;
                c->stale = 1;  /* a failover moves many slots: re-read the map next time */
            } else {
                ask = 1;
            }
            node = m;
        }
        for (size_t k = 0; k < count; k++)
            redis_reply_free(out[k]);
    }
}

/* ---- public ----------------------------------------------------------------------------- */

redis_cluster_t *redis_cluster_create(redis_t *tmpl, const char *seeds, char *err, size_t errlen)
{
    redis_cluster_t *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "redis: out of memory");
        return NULL;
    }
    c->tmpl = tmpl;
    c->sub_node = -1;
    c->stale = 1;
    for (int s = 0; s < REDIS_CLUSTER_SLOTS; s++)
        c->slots[s] = -1;
    const char *p = seeds;
    while (p && *p) {
        size_t n = strcspn(p, ",");
        char one[300];
        if (n == 0 || n >= sizeof one) {
            snprintf(err, errlen, "redis: bad cluster node list");
            goto fail;
        }
        memcpy(one, p, n);
        one[n] = '\0';
        char *colon = strrchr(one, ':'), *e;
        long port = colon ? strtol(colon + 1, &e, 10) : 6379;
        if (colon && (e == colon + 1 || *e || port < 1 || port > 65535)) {
            snprintf(err, errlen, "redis: bad port in cluster node list");
            goto fail;
        }
        if (colon)
            *colon = '\0';
        char *host = one;
        size_t hl = strlen(host);
        if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']')
            host[hl - 1] = '\0', host++;
        if (!*host || strchr(host, '/')) {
            snprintf(err, errlen, "redis: bad host in cluster node list");
            goto fail;
        }
        if (node_index(c, host, (int)port) < 0) {
            snprintf(err, errlen, "redis: out of memory");
            goto fail;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (!c->nnodes) {
        snprintf(err, errlen, "redis: cluster URL has no node");
        goto fail;
    }
    c->seeds = c->nnodes;
    return c;  /* like a single node, nothing is contacted until the first command */
fail:
    redis_cluster_destroy(c);
    return NULL;
}

static void pipe_reset(redis_cluster_t *c)
{
    for (size_t i = 0; i < c->npipe; i++)
        free(c->pipe[i].cmd);
    for (size_t i = c->next; i < c->nreplies; i++)
        redis_reply_free(c->replies[i]);
    free(c->replies);
    c->replies = NULL;
    c->npipe = c->nreplies = c->next = 0;
}

void redis_cluster_destroy(redis_cluster_t *c)
{
    if (!c)
        return;
    pipe_reset(c);
    free(c->pipe);
    for (int i = 0; i < c->nnodes; i++) {
        redis_destroy(c->nodes[i].conn);
        free(c->nodes[i].host);
    }
    free(c->nodes);
    free(c);
}

/* Sends the whole pipeline: units to their owners in order, replies kept for get_reply. */
static void pipe_flush(redis_cluster_t *c)
{
    size_t n = c->npipe;
    c->replies = calloc(n ? n : 1, sizeof *c->replies);
    if (!c->replies) {
        snprintf(c->err, sizeof c->err, "out of memory");
        return;
    }
    /* units: a MULTI..EXEC block is one, every other command its own */
    int unit = 0, in_multi = 0;
    for (size_t i = 0; i < n; i++) {
        int is_multi = cmd_is(c->pipe[i].cmd, (size_t)c->pipe[i].len, "MULTI");
        int is_exec = cmd_is(c->pipe[i].cmd, (size_t)c->pipe[i].len, "EXEC");
        if (is_multi && !in_multi)
            in_multi = 1, unit++;
        c->pipe[i].unit = unit;
        if (!in_multi)
            unit++;
        if (is_exec && in_multi)
            in_multi = 0, unit++;
    }
    /* a unit routes by its first keyed command; a keyless unit goes anywhere */
    for (size_t i = 0; i < n;) {
        size_t j = i;
        int slot = -1;
        while (j < n && c->pipe[j].unit == c->pipe[i].unit) {
            if (slot < 0 && c->pipe[j].slot >= 0)
                slot = c->pipe[j].slot;
            else if (c->pipe[j].slot >= 0 && c->pipe[j].slot != slot)
                log_warn("redis", "cluster: a MULTI block spans slots %d and %d (CROSSSLOT)", slot,
                         c->pipe[j].slot);
            j++;
        }
        run_unit(c, &c->pipe[i], j - i, slot, &c->replies[i]);
        i = j;
    }
    for (size_t i = 0; i < n; i++) {
        free(c->pipe[i].cmd);
        c->pipe[i].cmd = NULL;
    }
    c->nreplies = n;
    c->npipe = 0;
}

int redis_cluster_append(redis_cluster_t *c, char *cmd, int len)
{
    c->err[0] = '\0';
    if (len < 0) {
        snprintf(c->err, sizeof c->err, len == -1 ? "bad command format" : "out of memory");
        return -1;
    }
    if (c->nreplies)  /* replies of an earlier pipeline still unread: drop them */
        pipe_reset(c);
    if (c->npipe == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        pcmd_t *p = realloc(c->pipe, cap * sizeof *p);
        if (!p) {
            free(cmd);
            snprintf(c->err, sizeof c->err, "out of memory");
            return -1;
        }
        c->pipe = p;
        c->cap = cap;
    }
    c->pipe[c->npipe++] = (pcmd_t){cmd, len, redis_cluster_command_slot(cmd, (size_t)len), 0};
    return 0;
}

redisReply *redis_cluster_get_reply(redis_cluster_t *c)
{
    if (c->npipe)
        pipe_flush(c);
    if (c->next >= c->nreplies) {
        if (!c->err[0])
            snprintf(c->err, sizeof c->err, "no reply pending");
        pipe_reset(c);
        return NULL;
    }
    redisReply *rep = c->replies[c->next++];
    if (c->next == c->nreplies) {
        free(c->replies);
        c->replies = NULL;
        c->nreplies = c->next = 0;
    }
    return rep;
}

redisReply *redis_cluster_run(redis_cluster_t *c, char *cmd, int len)
{
    if (c->npipe || c->nreplies) {  /* as with one node: earlier appends run, replies dropped */
        if (c->npipe)
            pipe_flush(c);
        pipe_reset(c);
    }
    c->err[0] = '\0';
    if (len < 0) {
        snprintf(c->err, sizeof c->err, len == -1 ? "bad command format" : "out of memory");
        return NULL;
    }
    int slot = redis_cluster_command_slot(cmd, (size_t)len);
    if (slot == -2) {
        free(cmd);
        return error_reply("CROSSSLOT Keys in request don't hash to the same slot (refused by the client)");
    }
    pcmd_t one = {cmd, len, slot, 0};
    redisReply *rep = NULL;
    int subscribe = cmd_is(cmd, (size_t)len, "SUBSCRIBE") || cmd_is(cmd, (size_t)len, "PSUBSCRIBE");
    if (slot < 0 && subscribe) {
        /* a subscriber stays on one node: PUBLISH reaches every node of the cluster */
        int start = slot_owner(c, -1);
        for (int k = 0; k < c->nnodes && !rep; k++) {
            int i = (start + k) % c->nnodes;
            if ((rep = node_run(c, i, cmd, (size_t)len)))
                c->sub_node = i;
        }
        if (!rep)
            refresh(c, 0);
    } else if (slot < 0) {
        /* keyless (PING, INFO, PUBLISH): any master; the next one when a node fails */
        int start = slot_owner(c, -1);
        for (int k = 0; k < c->nnodes && !rep && start >= 0; k++)
            rep = node_run(c, (start + k) % c->nnodes, cmd, (size_t)len);
        if (!rep)
            refresh(c, 0);
    } else {
        run_unit(c, &one, 1, slot, &rep);
    }
    free(cmd);
    return rep;
}

int redis_cluster_read_push(redis_cluster_t *c, int timeout_ms, redisReply **out)
{
    *out = NULL;
    if (c->sub_node < 0 || !c->nodes[c->sub_node].conn) {
        snprintf(c->err, sizeof c->err, "not subscribed");
        return -1;
    }
    redis_t *conn = c->nodes[c->sub_node].conn;
    int rc = redis_read_push(conn, timeout_ms, out);
    if (rc < 0) {
        snprintf(c->err, sizeof c->err, "%s", redis_last_error(conn));
        c->sub_node = -1;
        c->stale = 1;
    }
    return rc;
}

int redis_cluster_is_connected(const redis_cluster_t *c)
{
    for (int i = 0; i < c->nnodes; i++)
        if (c->nodes[i].conn && redis_is_connected(c->nodes[i].conn))
            return 1;
    return 0;
}

void redis_cluster_stats(const redis_cluster_t *c, redis_stats_t *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < c->nnodes; i++) {
        if (!c->nodes[i].conn)
            continue;
        redis_stats_t s;
        redis_stats(c->nodes[i].conn, &s);
        out->connect_attempts += s.connect_attempts;
        out->connects += s.connects;
        out->failures += s.failures;
        out->skipped += s.skipped;
        if (s.attempt > out->attempt)
            out->attempt = s.attempt;
        if (s.retry_in_ms > out->retry_in_ms)
            out->retry_in_ms = s.retry_in_ms;
    }
}

const char *redis_cluster_last_error(const redis_cluster_t *c)
{
    return c->err;
}

int redis_cluster_masters(const redis_cluster_t *c)
{
    int seen = 0;
    char *mark = calloc((size_t)c->nnodes + 1, 1);
    if (!mark)
        return -1;
    for (int s = 0; s < REDIS_CLUSTER_SLOTS; s++)
        if (c->slots[s] >= 0 && !mark[c->slots[s]])
            mark[c->slots[s]] = 1, seen++;
    free(mark);
    return seen;
}
