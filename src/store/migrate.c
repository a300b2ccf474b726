/* migrate: applies db/migrations/NNNN_name.sql in name order, each file plus its
 * schema_migrations row in one transaction, under a session advisory lock so that two
 * instances starting together (or `migrate` run twice) never apply a file twice. */
#include "store/migrate.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Arbitrary but fixed: every chatlings migrator takes the same lock ("chatmig" in ASCII). */
#define MIGRATE_LOCK_KEY "27988016318048615"
#define MIGRATE_MAX_FILE (16 * 1024 * 1024) /* a migration larger than this is a mistake */
#define MIGRATE_MAX_FILES 10000
#define MIGRATE_MAX_NAME 128

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

int migrate_valid_name(const char *name)
{
    if (!name)
        return 0;
    size_t len = strlen(name);
    if (len > MIGRATE_MAX_NAME || len < 4)
        return 0;
    const char *p = name;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
        p++;
        digits++;
    }
    if (digits < 4 || *p != '_')
        return 0;
    p++;
    const char *word = p;
    while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
        p++;
    if (p == word)
        return 0;
    return strcmp(p, ".sql") == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void migrate_free_list(char **names, int n)
{
    if (!names)
        return;
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Lists the valid names of dir, sorted. A file that ends in .sql but is not a valid name is
 * reported in bad (when given) instead of being skipped silently: a misnamed migration
 * that never runs is worse than a loud error. Returns the count or -1. */
static int list_dir(const char *dir, char ***out, char *bad, size_t badlen)
{
    *out = NULL;
    if (bad && badlen)
        bad[0] = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char **names = NULL;
    int n = 0, cap = 0, rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        if (!migrate_valid_name(nm)) {
            size_t l = strlen(nm);
            if (bad && !bad[0] && nm[0] != '.' && l >= 4 && strcasecmp(nm + l - 4, ".sql") == 0)
                snprintf(bad, badlen, "%s", nm);
            continue;
        }
        if (n == cap) {
            if (cap >= MIGRATE_MAX_FILES) {
                errno = E2BIG;
                rc = -1;
                break;
            }
            int ncap = cap ? cap * 2 : 16;
            char **nn = realloc(names, (size_t)ncap * sizeof *nn);
            if (!nn) {
                rc = -1;
                break;
            }
            names = nn;
            cap = ncap;
        }
        if (!(names[n] = strdup(nm))) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc < 0) {
        migrate_free_list(names, n);
        return -1;
    }
    if (n > 1)
        qsort(names, (size_t)n, sizeof *names, cmp_names);
    *out = names;
    return n;
}

int migrate_list(const char *dir, char ***names)
{
    return list_dir(dir, names, NULL, 0);
}

/* The version is the digits before the first underscore ("0002" of "0002_players.sql"). */
static void version_of(const char *name, char *out, size_t outlen)
{
    size_t n = strcspn(name, "_");
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, name, n);
    out[n] = '\0';
}

/* Reads a whole file; rejects NUL bytes, which would silently cut the SQL short in PQexec. */
static char *read_file(const char *path, char *err, size_t errlen, const char *name)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, errlen, "%s: cannot open: %s", name, strerror(errno));
        return NULL;
    }
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len + 1 >= cap) {
            if (cap >= MIGRATE_MAX_FILE) {
                set_err(err, errlen, "%s: larger than %d bytes", name, MIGRATE_MAX_FILE);
                free(buf);
                fclose(f);
                return NULL;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
    }
    if (!buf) {
        set_err(err, errlen, "%s: out of memory", name);
        fclose(f);
        return NULL;
    }
    if (ferror(f)) {
        set_err(err, errlen, "%s: read error", name);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[len] = '\0';
    if (memchr(buf, '\0', len)) {
        set_err(err, errlen, "%s: contains a NUL byte", name);
        free(buf);
        return NULL;
    }
    return buf;
}

/* "message (line N)" from a failed result; the line helps find the statement in a long file. */
static void pg_err(char *err, size_t errlen, const char *name, const PGresult *res, PGconn *conn, const char *sql)
{
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char fallback[512];
    if (!msg) {
        snprintf(fallback, sizeof fallback, "%s", PQerrorMessage(conn));
        size_t l = strlen(fallback);
        while (l && (fallback[l - 1] == '\n' || fallback[l - 1] == ' '))
            fallback[--l] = '\0';
        msg = fallback[0] ? fallback : "unknown error";
    }
    const char *pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
    long line = 0;
    if (pos && sql) {
        /* The position counts characters (not bytes) from the start of the query string. */
        long want = strtol(pos, NULL, 10), chars = 0;
        line = 1;
        for (const unsigned char *p = (const unsigned char *)sql; *p && chars < want - 1; p++) {
            if ((*p & 0xC0) != 0x80)
                chars++;
            if (*p == '\n')
                line++;
        }
    }
    if (line > 0)
        set_err(err, errlen, "%s: %s (line %ld)", name, msg, line);
    else
        set_err(err, errlen, "%s: %s", name, msg);
}

/* Runs a statement that must succeed; on failure fills err prefixed with what. */
static int exec_ok(PGconn *conn, const char *sql, const char *what, char *err, size_t errlen)
{
    PGresult *r = PQexec(conn, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        pg_err(err, errlen, what, r, conn, NULL);
    PQclear(r);
    return ok ? 0 : -1;
}

/* Applies one file. 1 = applied, 0 = already there, -1 = failed (rolled back). */
static int apply_one(PGconn *conn, const char *dir, const char *name, char *err, size_t errlen)
{
    char version[32];
    version_of(name, version, sizeof version);
    const char *params[2] = {version, name};

    if (exec_ok(conn, "BEGIN", name, err, errlen) < 0)
        return -1;
    /* Checked inside the transaction, under the advisory lock: nobody else can apply it now. */
    PGresult *r = PQexecParams(conn, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, NULL, params, NULL, NULL, 0);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        pg_err(err, errlen, name, r, conn, NULL);
        PQclear(r);
        goto fail;
    }
    int present = PQntuples(r) > 0;
    PQclear(r);
    if (present) {
        if (exec_ok(conn, "COMMIT", name, err, errlen) < 0)
            goto fail;
        return 0;
    }

    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        set_err(err, errlen, "%s: path too long", name);
        goto fail;
    }
    char *sql = read_file(path, err, errlen, name);
    if (!sql)
        goto fail;
    /* PQexec (simple protocol) so a file may hold many statements. */
    r = PQexec(conn, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
        pg_err(err, errlen, name, r, conn, sql);
        PQclear(r);
        free(sql);
        goto fail;
    }
    PQclear(r);
    free(sql);
    /* A COMMIT or ROLLBACK inside the file would break the all-or-nothing promise. */
    if (PQtransactionStatus(conn) != PQTRANS_INTRANS) {
        set_err(err, errlen, "%s: must not contain BEGIN/COMMIT/ROLLBACK (each file already runs in one transaction)", name);
        goto fail;
    }
    r = PQexecParams(conn, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2, NULL, params, NULL, NULL, 0);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        pg_err(err, errlen, name, r, conn, NULL);
        PQclear(r);
        goto fail;
    }
    PQclear(r);
    if (exec_ok(conn, "COMMIT", name, err, errlen) < 0)
        goto fail;
    return 1;

fail:
    if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
        PGresult *rb = PQexec(conn, "ROLLBACK");
        PQclear(rb);
    }
    return -1;
}

int migrate_run(PGconn *conn, const char *dir, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        set_err(err, errlen, "migrate: no database connection");
        return -1;
    }
    if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
        set_err(err, errlen, "migrate: connection is inside a transaction");
        return -1;
    }

    char bad[MIGRATE_MAX_NAME + 128];
    char **names = NULL;
    int n = list_dir(dir, &names, bad, sizeof bad);
    if (n < 0) {
        set_err(err, errlen, "%s: cannot list migrations: %s", dir, strerror(errno));
        return -1;
    }
    if (bad[0]) {
        set_err(err, errlen, "%s: not a valid migration name (want NNNN_name.sql, lower case)", bad);
        migrate_free_list(names, n);
        return -1;
    }
    /* Two files with one version would make the second look applied: refuse. */
    for (int i = 1; i < n; i++) {
        char a[32], b[32];
        version_of(names[i - 1], a, sizeof a);
        version_of(names[i], b, sizeof b);
        if (strcmp(a, b) == 0) {
            set_err(err, errlen, "%s: version %s is also used by %s", names[i], b, names[i - 1]);
            migrate_free_list(names, n);
            return -1;
        }
    }

    /* "relation already exists, skipping" and friends are noise for a migrator; warnings stay.
     * The caller's setting is put back afterwards (the notice processor's arg can't be saved). */
    char old_cmm[32] = "";
    PGresult *sr = PQexec(conn, "SHOW client_min_messages");
    if (sr && PQresultStatus(sr) == PGRES_TUPLES_OK && PQntuples(sr) == 1)
        snprintf(old_cmm, sizeof old_cmm, "%s", PQgetvalue(sr, 0, 0));
    PQclear(sr);
    if (old_cmm[0]) {
        sr = PQexec(conn, "SET client_min_messages = warning");
        PQclear(sr);
    }
    int applied = 0, rc = 0;
    /* Session-level lock: held across the per-file transactions, waits for a concurrent migrator. */
    if (exec_ok(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", "migrate: advisory lock", err, errlen) < 0) {
        rc = -1;
        goto out;
    }
    if (exec_ok(conn,
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY,"
                " name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())",
                "schema_migrations", err, errlen) < 0) {
        rc = -1;
        goto unlock;
    }
    for (int i = 0; i < n; i++) {
        int r = apply_one(conn, dir, names[i], err, errlen);
        if (r < 0) {
            rc = -1;
            break;
        }
        applied += r;
    }
unlock:
    if (PQstatus(conn) == CONNECTION_OK) {
        PGresult *r = PQexec(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")");
        PQclear(r);
    }
out:
    if (old_cmm[0] && PQstatus(conn) == CONNECTION_OK) {
        const char *p[1] = {old_cmm};
        sr = PQexecParams(conn, "SELECT set_config('client_min_messages', $1, false)", 1, NULL, p, NULL, NULL, 0);
        PQclear(sr);
    }
    migrate_free_list(names, n);
    return rc < 0 ? -1 : applied;
}
