/* seed: `chatlings seed [--creatures N] [--seed S]` writes the reference data (body types,
 * traits, base profiles) and the deterministic creature catalogue, all in one transaction.
 * Idempotent: re-running with the same N and S finds the catalogue in place and changes nothing. */
#include "cmd/cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "game/catalogue.h"
#include "game/creatures.h"

#define SEED_DEFAULT 20261127ULL
#define COPY_CHUNK (1 << 20) /* flush COPY data every 1 MiB: bounded memory for any N */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: chatlings seed [--creatures N] [--seed S]\n"
            "  --creatures N  catalogue size, 1..%d (default %d)\n"
            "  --seed S       generator seed, unsigned 64-bit (default %llu)\n",
            CATALOGUE_MAX_SIZE, CATALOGUE_DEFAULT_SIZE, (unsigned long long)SEED_DEFAULT);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9') /* strtoull would accept "-1" and " 5" */
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = (uint64_t)v;
    return 0;
}

/* Returns 0 to go on, 1 after --help, -1 on a usage error (message already printed). */
static int parse_args(int argc, char **argv, int *n, uint64_t *seed)
{
    *n = CATALOGUE_DEFAULT_SIZE;
    *seed = SEED_DEFAULT;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = NULL;
        int is_n;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            usage(stdout);
            return 1;
        }
        if (strncmp(arg, "--creatures", 11) == 0 && (arg[11] == '\0' || arg[11] == '='))
            is_n = 1;
        else if (strncmp(arg, "--seed", 6) == 0 && (arg[6] == '\0' || arg[6] == '='))
            is_n = 0;
        else {
            fprintf(stderr, "seed: unknown option '%s'\n", arg);
            usage(stderr);
            return -1;
        }
        val = strchr(arg, '=');
        if (val != NULL)
            val++;
        else if (i + 1 < argc)
            val = argv[++i];
        uint64_t v;
        if (parse_u64(val, &v) < 0 || (is_n && (v < 1 || v > CATALOGUE_MAX_SIZE))) {
            fprintf(stderr, "seed: bad value for %s: '%s'%s\n", is_n ? "--creatures" : "--seed", val ? val : "",
                    is_n ? " (want 1..200000)" : " (want an unsigned integer)");
            usage(stderr);
            return -1;
        }
        if (is_n)
            *n = (int)v;
        else
            *seed = v;
    }
    return 0;
}

/* ---- small libpq helpers -------------------------------------------------------------- */

static int exec_cmd(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? 0 : -1;
    if (rc < 0)
        fprintf(stderr, "seed: %s", PQerrorMessage(conn));
    PQclear(res);
    return rc;
}

/* Runs a parameterised statement; returns the result (caller PQclear()s) or NULL on error. */
static PGresult *exec_params(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fprintf(stderr, "seed: %s", PQerrorMessage(conn));
        PQclear(res);
        return NULL;
    }
    return res;
}

/* Inserts the reference rows that are missing. Existing rows are left alone: an operator may
 * have edited a body type in the admin portal, and a re-seed must not undo that. */
static int upsert_reference(PGconn *conn)
{
    char id[16], tid[16], score[16];
    for (int i = 0; i < BODY_TYPE_COUNT; i++) {
        snprintf(id, sizeof(id), "%d", i + 1);
        const char *p[3] = {id, BODY_TYPE_NAMES[i], BODY_TYPE_DESCRIPTIONS[i]};
        PGresult *r = exec_params(conn,
                                  "INSERT INTO body_types (id, name, description) VALUES ($1, $2, $3) "
                                  "ON CONFLICT (id) DO NOTHING",
                                  3, p);
        if (r == NULL)
            return -1;
        PQclear(r);
    }
    for (int t = 0; t < TRAIT_COUNT; t++) {
        snprintf(id, sizeof(id), "%d", t + 1);
        const char *p[3] = {id, TRAIT_NAMES[t], TRAIT_DESCRIPTIONS[t]};
        PGresult *r = exec_params(conn,
                                  "INSERT INTO trait_categories (id, name, description) VALUES ($1, $2, $3) "
                                  "ON CONFLICT (id) DO NOTHING",
                                  3, p);
        if (r == NULL)
            return -1;
        PQclear(r);
    }
    for (int i = 0; i < BODY_TYPE_COUNT; i++)
        for (int t = 0; t < TRAIT_COUNT; t++) {
            snprintf(id, sizeof(id), "%d", i + 1);
            snprintf(tid, sizeof(tid), "%d", t + 1);
            snprintf(score, sizeof(score), "%d", BODY_TYPE_PROFILE[i][t]);
            const char *p[3] = {id, tid, score};
            PGresult *r = exec_params(conn,
                                      "INSERT INTO body_type_traits (body_type_id, trait_id, base_score) VALUES ($1, $2, $3) "
                                      "ON CONFLICT (body_type_id, trait_id) DO NOTHING",
                                      3, p);
            if (r == NULL)
                return -1;
            PQclear(r);
        }
    return 0;
}

/* 1 when the table holds exactly this catalogue, 0 when it is empty, 2 when it holds another
 * catalogue, -1 on error. Comparing size and both end ids suffices: ids derive from
 * (seed, index), so another seed changes the first id and another size the last. */
#define STR2(x) #x
#define STR(x) STR2(x)
#define CATALOGUE_MAX_SIZE_SQL STR(CATALOGUE_MAX_SIZE)

static int catalogue_state(PGconn *conn, const catalogue_t *cat, long *have)
{
    /* Generated rows have seq 1..CATALOGUE_MAX_SIZE; creatures an admin added later carry seq
     * values above that and do not make this a different catalogue. */
    int n = catalogue_size(cat), state;
    char nbuf[16];
    snprintf(nbuf, sizeof nbuf, "%d", n);
    const char *p[1] = {nbuf};
    PGresult *r = exec_params(conn,
                              "SELECT count(*) FILTER (WHERE seq BETWEEN 1 AND $1::int), "
                              "count(*) FILTER (WHERE seq > $1::int AND seq <= " CATALOGUE_MAX_SIZE_SQL "), "
                              "(SELECT id::text FROM creatures WHERE seq = 1), "
                              "(SELECT id::text FROM creatures WHERE seq = $1::int), count(*) FROM creatures",
                              1, p);
    if (r == NULL)
        return -1;
    long in_range = atol(PQgetvalue(r, 0, 0)), generated_beyond = atol(PQgetvalue(r, 0, 1));
    *have = atol(PQgetvalue(r, 0, 4));
    if (*have == 0)
        state = 0;
    else if (in_range == n && generated_beyond == 0 && strcmp(PQgetvalue(r, 0, 2), catalogue_get(cat, 0)->id) == 0 &&
             strcmp(PQgetvalue(r, 0, 3), catalogue_get(cat, n - 1)->id) == 0)
        state = 1;
    else
        state = 2;
    PQclear(r);
    return state;
}

/* TRUNCATE creatures CASCADE also empties every table that references creatures, directly or
 * through another table. That is only acceptable when all of them are already empty, so check
 * that whole closure first (creature_traits is part of the catalogue itself). 0 = safe. */
static int check_unreferenced(PGconn *conn)
{
    PGresult *r = exec_params(conn,
                              "WITH RECURSIVE refs(rel) AS ("
                              " SELECT conrelid FROM pg_constraint WHERE contype = 'f' AND confrelid = 'creatures'::regclass"
                              " UNION"
                              " SELECT c.conrelid FROM pg_constraint c JOIN refs ON c.confrelid = refs.rel WHERE c.contype = 'f')"
                              " SELECT rel::regclass::text FROM refs"
                              " WHERE rel NOT IN ('creatures'::regclass, 'creature_traits'::regclass) ORDER BY 1",
                              0, NULL);
    if (r == NULL)
        return -1;
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        const char *table = PQgetvalue(r, i, 0); /* regclass text is already quoted as needed */
        char sql[512];
        snprintf(sql, sizeof(sql), "SELECT EXISTS (SELECT 1 FROM %s)", table);
        PGresult *e = exec_params(conn, sql, 0, NULL);
        if (e == NULL) {
            rc = -1;
        } else if (strcmp(PQgetvalue(e, 0, 0), "t") == 0) {
            fprintf(stderr,
                    "seed: refusing to replace the catalogue: table %s has rows that depend on the current creatures "
                    "(re-run with the original --creatures/--seed, or use a fresh database)\n",
                    table);
            rc = -1;
        }
        PQclear(e);
    }
    PQclear(r);
    return rc;
}

/* ---- COPY ----------------------------------------------------------------------------- */

typedef struct copy_buf {
    PGconn *conn;
    char *data;
    size_t len;
    int failed;
} copy_buf_t;

static void copy_flush(copy_buf_t *b)
{
    if (!b->failed && b->len > 0 && PQputCopyData(b->conn, b->data, (int)b->len) != 1) {
        fprintf(stderr, "seed: COPY: %s", PQerrorMessage(b->conn));
        b->failed = 1;
    }
    b->len = 0;
}

static void copy_room(copy_buf_t *b, size_t need)
{
    if (b->len + need > COPY_CHUNK)
        copy_flush(b);
}

static void copy_raw(copy_buf_t *b, const char *s, size_t n)
{
    copy_room(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

/* A text-format COPY field: backslash, tab, newline and CR would otherwise be read as
 * escapes or delimiters. Generated text never holds them; the escaping keeps COPY correct anyway. */
static void copy_field(copy_buf_t *b, const char *s, int last)
{
    copy_room(b, strlen(s) * 2 + 1);
    for (; *s; s++) {
        char c = *s;
        if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
            b->data[b->len++] = '\\';
            c = c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
        }
        b->data[b->len++] = c;
    }
    b->data[b->len++] = last ? '\n' : '\t';
}

static int copy_begin(PGconn *conn, const char *sql)
{
    PGresult *r = PQexec(conn, sql);
    int ok = PQresultStatus(r) == PGRES_COPY_IN;
    if (!ok)
        fprintf(stderr, "seed: %s", PQerrorMessage(conn));
    PQclear(r);
    return ok ? 0 : -1;
}

static int copy_end(copy_buf_t *b)
{
    copy_flush(b);
    int rc = b->failed ? -1 : 0;
    if (PQputCopyEnd(b->conn, b->failed ? "seed aborted" : NULL) != 1)
        rc = -1;
    PGresult *r;
    while ((r = PQgetResult(b->conn)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            if (rc == 0 || !b->failed)
                fprintf(stderr, "seed: COPY: %s", PQerrorMessage(b->conn));
            rc = -1;
        }
        PQclear(r);
    }
    return rc;
}

/* Per-row foreign-key checks dominate loading creature_traits (two lookups and a row lock per
 * row: ~10 s of ~13 s for 100,000 creatures). So, inside the same transaction, its foreign keys
 * are dropped before the load and re-added afterwards exactly as pg_get_constraintdef() gave them:
 * one validating join instead of 1.6 million lookups, and no other session ever sees the table
 * without its constraints. A role that may not ALTER the table keeps the slower per-row path.
 * Builds the ALTER statements that drop (into drop) and re-add (into add) the keys; 0 = none. */
static int trait_fk_sql(PGconn *conn, char *drop, char *add, size_t len)
{
    PGresult *defs = exec_params(conn,
                                 "SELECT quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint"
                                 " WHERE conrelid = 'creature_traits'::regclass AND contype = 'f' ORDER BY conname",
                                 0, NULL);
    if (defs == NULL)
        return -1;
    int n = PQntuples(defs);
    size_t dl = (size_t)snprintf(drop, len, "ALTER TABLE creature_traits");
    size_t al = (size_t)snprintf(add, len, "ALTER TABLE creature_traits");
    for (int i = 0; i < n && dl < len && al < len; i++) {
        dl += (size_t)snprintf(drop + dl, len - dl, "%s DROP CONSTRAINT %s", i ? "," : "", PQgetvalue(defs, i, 0));
        al += (size_t)snprintf(add + al, len - al, "%s ADD CONSTRAINT %s %s", i ? "," : "", PQgetvalue(defs, i, 0),
                               PQgetvalue(defs, i, 1));
    }
    PQclear(defs);
    return dl < len && al < len ? n : -1; /* too long to rebuild safely: keep them */
}

/* 1 when the keys were dropped (and add must be run after the load), 0 when they stay. */
static int drop_trait_fks(PGconn *conn, char *add, size_t len)
{
    char drop[2048];
    if (trait_fk_sql(conn, drop, add, len) <= 0 || exec_cmd(conn, "SAVEPOINT seed_fks") < 0)
        return 0;
    PGresult *r = PQexec(conn, drop);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "seed: note: keeping creature_traits foreign keys (%s); loading with per-row checks\n",
                PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
    PQclear(r);
    if (!ok)
        exec_cmd(conn, "ROLLBACK TO SAVEPOINT seed_fks");
    return ok;
}

static int copy_catalogue(PGconn *conn, const catalogue_t *cat)
{
    copy_buf_t b = {conn, malloc(COPY_CHUNK), 0, 0};
    char num[32], add_fks[2048];
    int n = catalogue_size(cat), dropped;
    if (b.data == NULL) {
        fprintf(stderr, "seed: out of memory\n");
        return -1;
    }
    if (copy_begin(conn, "COPY creatures (id, seq, name, short_name, body_type_id, rarity, colour_scheme, vibe) "
                         "FROM STDIN") < 0)
        goto fail;
    for (int i = 0; i < n; i++) {
        const catalogue_creature_t *c = catalogue_get(cat, i);
        copy_field(&b, c->id, 0);
        snprintf(num, sizeof(num), "%d", i + 1);
        copy_field(&b, num, 0);
        copy_field(&b, c->name, 0);
        copy_field(&b, c->short_name, 0);
        snprintf(num, sizeof(num), "%d", c->body_type + 1);
        copy_field(&b, num, 0);
        copy_field(&b, RARITY_NAMES[c->rarity], 0);
        copy_field(&b, c->colour_scheme, 0);
        copy_field(&b, c->vibe, 1);
    }
    if (copy_end(&b) < 0)
        goto fail;

    dropped = drop_trait_fks(conn, add_fks, sizeof(add_fks));
    if (copy_begin(conn, "COPY creature_traits (creature_id, trait_id, score) FROM STDIN") < 0)
        goto fail;
    for (int i = 0; i < n; i++) {
        const catalogue_creature_t *c = catalogue_get(cat, i);
        for (int t = 0; t < TRAIT_COUNT; t++) {
            int len = snprintf(num, sizeof(num), "\t%d\t%d\n", t + 1, c->traits[t]);
            copy_raw(&b, c->id, strlen(c->id)); /* ids are hex and dashes: nothing to escape */
            copy_raw(&b, num, (size_t)len);
        }
    }
    if (copy_end(&b) < 0 || (dropped && exec_cmd(conn, add_fks) < 0))
        goto fail;
    free(b.data);
    return 0;
fail:
    free(b.data);
    return -1;
}

/* ---- the command ---------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_seed(int argc, char **argv, const config_t *cfg)
{
    int n;
    uint64_t seed;
    int pr = parse_args(argc, argv, &n, &seed);
    if (pr != 0)
        return pr > 0 ? 0 : 2;

    double t0 = now_s();
    catalogue_t *cat = catalogue_generate(seed, n);
    if (cat == NULL) {
        fprintf(stderr, "seed: out of memory generating %d creatures\n", n);
        return 1;
    }
    PGconn *conn = cmd_connect_db(cfg);
    if (conn == NULL) {
        catalogue_free(cat);
        return 1;
    }

    int rc = 1, state = -1;
    long have = 0;
    /* The advisory lock makes two concurrent seeds queue instead of racing on the same rows;
     * a bulk COPY may legitimately outlast the connection's default statement_timeout. */
    if (exec_cmd(conn, "BEGIN") < 0)
        goto out;
    if (exec_cmd(conn, "SET LOCAL statement_timeout = 0") < 0 ||
        exec_cmd(conn, "SET LOCAL client_min_messages = warning") < 0 || /* no TRUNCATE cascade notices */
        exec_cmd(conn, "SELECT pg_advisory_xact_lock(hashtext('chatlings seed'))") < 0 ||
        upsert_reference(conn) < 0 || (state = catalogue_state(conn, cat, &have)) < 0)
        goto rollback;

    if (state == 1) {
        if (exec_cmd(conn, "COMMIT") < 0)
            goto out;
        printf("catalogue already seeded (%d creatures)\n", n);
        rc = 0;
        goto out;
    }
    if (state == 2) {
        if (check_unreferenced(conn) < 0 || exec_cmd(conn, "TRUNCATE creatures CASCADE") < 0)
            goto rollback;
        fprintf(stderr, "seed: replacing a different catalogue of %ld creatures\n", have);
    }
    if (copy_catalogue(conn, cat) < 0 || exec_cmd(conn, "COMMIT") < 0)
        goto rollback;
    /* fresh statistics, or the planner guesses a handful of rows and picks poor plans
     * until autovacuum gets round to the new tables */
    if (exec_cmd(conn, "ANALYZE body_types, trait_categories, body_type_traits, creatures, creature_traits") < 0)
        goto out;
    printf("seeded %d creatures in %.2fs\n", n, now_s() - t0);
    rc = 0;
    goto out;

rollback:
    if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
        PGresult *r = PQexec(conn, "ROLLBACK");
        PQclear(r);
    }
out:
    PQfinish(conn);
    catalogue_free(cat);
    return rc;
}
