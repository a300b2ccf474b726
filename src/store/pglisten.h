/* pglisten: one thread with its own PostgreSQL connection that LISTENs on a channel and hands
 * each payload to a callback. Used to wake open pages when a notification row is inserted
 * (the 0013 trigger): every instance listens, so each reaches its own sockets. */
#ifndef CHATLINGS_PGLISTEN_H
#define CHATLINGS_PGLISTEN_H

typedef void (*pglisten_fn)(const char *payload, void *arg);

/* Starts listening on channel (a plain identifier). Reconnects by itself, spaced like the
 * pool's connects. 0, or -1 when the thread cannot start. */
int pglisten_start(const char *conninfo, const char *channel, pglisten_fn fn, void *arg);
void pglisten_stop(void);

#endif
