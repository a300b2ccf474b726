/* audit: the admin audit log (audit_log, migration 0002): who did what to which target, the
 * state before and after as JSON, when, and from which address. Every admin action writes one
 * row, in the same transaction as the change it records where there is one, so a change is
 * never without its row and a row never without its change. Rows outlive their actor's account
 * (actor set NULL on deletion); the CLI writes actor NULL too (cmd/admin.c). */
#ifndef CHATLINGS_AUDIT_H
#define CHATLINGS_AUDIT_H
#include "store/db.h"

#define AUDIT_ACTION_MAX 64

/* Writes one row. actor_user_id: the admin's id (NULL = the CLI or the system). action: a short
 * verb_noun ("creature_rename", "player_suspend"; [a-z0-9_.], at most AUDIT_ACTION_MAX).
 * target: "creature:{id}", "user:{id}", ... (NULL allowed). before_json / after_json: JSON texts
 * (NULL = SQL NULL). ip: the client's address as text; anything that is not an IPv4/IPv6
 * address is stored as NULL rather than failing the action.
 * 0, or -1 (logged) when the row could not be written: the caller rolls back. */
int audit_record(db_conn_t *conn, const char *actor_user_id, const char *action, const char *target,
                 const char *before_json, const char *after_json, const char *ip);

#endif
