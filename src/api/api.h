/* api: small helpers every handler uses, so that handlers read as plain steps:
 * validate, query, render. */
#ifndef CHATLINGS_API_H
#define CHATLINGS_API_H
#include <jansson.h>
#include <libpq-fe.h>

#include "api/app.h"
#include "core/buf.h"

/* The primary database connection for this request, acquired on first use and released
 * after the handler returns. NULL means PostgreSQL is unavailable: a 503 is already set. */
db_conn_t *api_db(http_ctx_t *ctx);
/* The same, but a failure leaves the response alone (the caller answers). */
db_conn_t *api_db_try(http_ctx_t *ctx);
/* The same for read-only queries (the replica when configured). */
db_conn_t *api_db_read(http_ctx_t *ctx);

/* Checks a query result. Returns 0 when it succeeded; otherwise sets 503 (connection lost)
 * or 500 (SQL error, logged with the request id, never shown), frees res and returns -1. */
int api_check(http_ctx_t *ctx, PGresult *res);

/* 1 if s is a canonical UUID (8-4-4-4-12 hex digits). */
int api_is_uuid(const char *s);

/* Reads an integer query parameter within [min, max]; absent = def.
 * Returns 0, or -1 after setting a 400 naming the parameter. */
int api_query_int(http_ctx_t *ctx, const char *name, long def, long min, long max, long *out);

/* Reads the optional query parameter body_type as the name of a body type as it stands in the
 * database (admins may rename them), case-insensitively. *index_out = body_types.id - 1, or
 * -1 when the parameter is absent. 0, or -1 after setting 400 (unknown) or 503. */
int api_query_body_type(http_ctx_t *ctx, int *index_out);

/* The signed-in player's session, or NULL (anonymous or only a pending sign-in). */
const session_t *api_session(http_ctx_t *ctx);
/* The signed-in player's id; only valid in AUTH_SESSION / AUTH_ADMIN handlers. */
const char *api_user_id(http_ctx_t *ctx);

/* Parses the request body as a JSON object. NULL after setting 415 (not application/json)
 * or 400 (malformed, or not an object). Caller json_decref()s. */
json_t *api_json_body(http_ctx_t *ctx);

/* Sets (or, with token NULL, clears) the session cookie: __Host-chatlings, HttpOnly,
 * SameSite=Lax, Path=/, 7 days, Secure. */
void api_set_session_cookie(http_ctx_t *ctx, const char *token);

/* Renders a PostgreSQL timestamptz text value as ISO-8601 UTC ("2026-11-27T02:08:00Z")
 * JSON string into b (null for SQL NULL / empty). The SQL should select
 * to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'). */
void api_json_time(buf_t *b, PGresult *r, int row, int col);

#endif
