/* notify: creating in-app notifications (the list and mark-read are api/notifications.c).
 * Categories are those of the notifications table: creature_found, achievement,
 * daily_box_ready, new_chatroom, runaway, system. Finds and achievements are notified inside
 * their own statements (store/collection.c, store/achievements.c); this is for the rest. */
#ifndef CHATLINGS_NOTIFY_H
#define CHATLINGS_NOTIFY_H
#include <libpq-fe.h>

#include "store/db.h"

/* Inserts one notification (data_json a JSON object, or NULL for {}). 0, or -1 with *err the
 * failed result (NULL when the connection broke). */
int notify_create(db_conn_t *db, const char *user_id, const char *category, const char *title, const char *body,
                  const char *data_json, PGresult **err);

/* "Your daily box is ready again" for one player, at most once per box cycle (a cycle is one
 * claim's 24 h cooldown): 1 sent now, 0 not due or already sent for this cycle, -1 error.
 * Safe to call any number of times, from any number of workers at once. */
int notify_box_ready(db_conn_t *db, const char *user_id, PGresult **err);

/* The same for up to `max` players whose box became ready (for the worker's schedule; rows
 * locked by another sweeper are skipped). Returns how many were notified, or -1. */
int notify_box_ready_sweep(db_conn_t *db, int max, PGresult **err);

#endif
