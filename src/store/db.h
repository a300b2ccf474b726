/* db: the PostgreSQL connection pool (seed settings: max 20, min 5, idle 30 s, connect 2 s)
 * and prepared-statement execution. Thread-safe: any thread may acquire and release.
 * Owner: the process creates one pool per database URL and destroys it at shutdown. */
#ifndef CHATLINGS_DB_H
#define CHATLINGS_DB_H
#include <libpq-fe.h>
#include <stddef.h>

typedef struct db_pool db_pool_t;
typedef struct db_conn db_conn_t;

typedef struct db_pool_opts {
    int max;                  /* most connections open at once */
    int min;                  /* connections kept open even when idle */
    int idle_timeout_ms;      /* idle connections above min are closed after this */
    int connect_timeout_ms;   /* connect, and also the longest wait for a free connection */
    int statement_timeout_ms; /* SET statement_timeout on each new connection */
} db_pool_opts_t;

/* A statement prepared once per connection, the first time it runs there.
 * Declare them `static const db_stmt_t` next to the code that uses them;
 * name must be unique across the program. */
typedef struct db_stmt {
    const char *name;
    const char *sql;
    int nparams;
} db_stmt_t;

/* Creates the pool and opens opts->min connections in the background (does not fail
 * when PostgreSQL is down: the pool fills when it comes back). Returns NULL only on OOM. */
db_pool_t *db_pool_create(const char *conninfo, const db_pool_opts_t *opts);
void db_pool_destroy(db_pool_t *pool);

/* A connection, or NULL when none could be had within connect_timeout_ms
 * (PostgreSQL down or pool exhausted): the caller answers 503. */
db_conn_t *db_acquire(db_pool_t *pool);
/* Returns the connection; a connection whose last use failed at the connection level
 * (PQstatus not OK, or left inside a transaction) is closed and replaced. */
void db_release(db_pool_t *pool, db_conn_t *conn);

PGconn *db_pgconn(db_conn_t *conn);

/* Runs a prepared statement (preparing it on this connection if needed).
 * params are text values (NULL = SQL NULL). Returns the PGresult (caller PQclear()s),
 * or NULL when the connection failed. Check PQresultStatus for SQL errors. */
PGresult *db_exec(db_conn_t *conn, const db_stmt_t *stmt, const char *const *params);

/* A PostgreSQL array literal of n text elements ("{\"a\",NULL}"), each element quoted with
 * its backslashes and double quotes escaped (NULL items are SQL NULLs): the value of one
 * text[]/uuid[] parameter, so that a batch of rows travels as one statement. 0, or -1 when
 * the buffer's limit was reached. */
struct buf;
int db_array_literal(struct buf *b, const char *const *items, int n);

/* One parameter of db_exec_arrays: a text value (NULL = SQL NULL) or, when items is set, the
 * array literal of its n items. */
typedef struct db_param {
    const char *value;
    const char *const *items;
    int n;
} db_param_t;
/* db_exec with stmt->nparams such parameters: a batch's columns travel as arrays. NULL also
 * when a literal could not be built (out of memory). */
PGresult *db_exec_arrays(db_conn_t *conn, const db_stmt_t *stmt, const db_param_t *params);

/* One statement of a pipeline: its parameters as for db_exec_arrays (NULL when it has none);
 * result is set by db_pipeline. */
typedef struct db_call {
    const db_stmt_t *stmt;
    const db_param_t *params;
    PGresult *result;
} db_call_t;
/* Sends n statements in one round trip (libpq pipeline mode) and collects each one's result
 * into calls[i].result (caller PQclear()s them). PostgreSQL runs them in order, and once one
 * fails it skips the rest (their status is PGRES_PIPELINE_ABORTED): inside a transaction that
 * ends with COMMIT, the COMMIT then never runs. 0 when every statement succeeded; -1 when one
 * failed (the first failure's result holds its error) or the connection did (then every
 * result is NULL, as db_exec's, and the connection is retired on release).
 * Each statement is prepared (if it is not yet) before the pipeline runs: it must be valid
 * before any of the pipeline has run (no table it creates). */
#define DB_MAX_PIPELINE 8
int db_pipeline(db_conn_t *conn, db_call_t *calls, int n);
/* When the caller is done with a pipeline's results: PQclear()s them all, except that the first
 * failed one goes to *err (for api_check) when *err is still NULL. */
void db_pipeline_done(db_call_t *calls, int n, PGresult **err);

/* The batch item a result row belongs to: column col holds its 1-based ordinality (WITH
 * ORDINALITY over the batch's arrays); returns the 0-based index, or -1 when not below n. */
int db_row_index(const PGresult *r, int row, int col, int n);

/* Plain command without parameters (BEGIN, COMMIT, ROLLBACK). 0 on success, -1 on error. */
int db_command(db_conn_t *conn, const char *sql);

/* Live numbers for /metrics and tests. */
typedef struct db_pool_stats { int open, idle, in_use, waiting; long acquire_timeouts; } db_pool_stats_t;
void db_pool_stats(db_pool_t *pool, db_pool_stats_t *out);
/* The last connect error ("" if none yet), for /readyz details and logs; never a password. */
void db_pool_last_error(db_pool_t *pool, char *buf, size_t len);

#endif
