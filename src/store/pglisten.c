/* pglisten: LISTEN on a dedicated connection (a pooled one would be closed as "readable while
 * idle" by the pool, and NOTIFY needs a session that stays put). Notifications sent while the
 * connection is down are lost; pages also refetch when their socket reconnects. */
#include "store/pglisten.h"

#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

static struct {
    pthread_t tid;
    char conninfo[1024];
    char channel[64];
    pglisten_fn fn;
    void *arg;
    atomic_int stop;
    int started;
} L;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static PGconn *connect_and_listen(void)
{
    PGconn *c = PQconnectdb(L.conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        PQfinish(c);
        return NULL;
    }
    char sql[96];
    snprintf(sql, sizeof sql, "LISTEN %s", L.channel);
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        PQfinish(c);
        return NULL;
    }
    return c;
}

static void *listen_main(void *unused)
{
    (void)unused;
    int backoff = 0;
    while (!atomic_load(&L.stop)) {
        PGconn *c = connect_and_listen();
        if (!c) {
            backoff = backoff ? (backoff * 2 > 2000 ? 2000 : backoff * 2) : 50;
            sleep_ms(backoff);
            continue;
        }
        backoff = 0;
        log_info("pglisten", "listening on %s", L.channel);
        while (!atomic_load(&L.stop)) {
            struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};
            int rc = poll(&p, 1, 500);
            if (rc < 0 || (rc > 0 && !PQconsumeInput(c)))
                break;
            PGnotify *n;
            while ((n = PQnotifies(c)) != NULL) {
                L.fn(n->extra, L.arg);
                PQfreemem(n);
            }
            if (PQstatus(c) != CONNECTION_OK)
                break;
        }
        PQfinish(c);
        if (!atomic_load(&L.stop))
            log_warn("pglisten", "connection lost; listening again");
    }
    return NULL;
}

int pglisten_start(const char *conninfo, const char *channel, pglisten_fn fn, void *arg)
{
    snprintf(L.conninfo, sizeof L.conninfo, "%s", conninfo);
    snprintf(L.channel, sizeof L.channel, "%s", channel);
    L.fn = fn;
    L.arg = arg;
    atomic_store(&L.stop, 0);
    if (pthread_create(&L.tid, NULL, listen_main, NULL))
        return -1;
    L.started = 1;
    return 0;
}

void pglisten_stop(void)
{
    if (!L.started)
        return;
    atomic_store(&L.stop, 1);
    pthread_join(L.tid, NULL);
    L.started = 0;
}
