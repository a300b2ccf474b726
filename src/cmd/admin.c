/* `chatlings admin`: operator commands run from a shell on a trusted host.
 *   grant-admin NAME / revoke-admin NAME   toggle users.is_admin (username ignoring case)
 *   rotate-token-key                      re-encrypt every *_enc token under the current key
 * Every change is written to audit_log with actor NULL (= the CLI) in the same transaction. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/secretbox.h"
#include "store/cache.h"
#include "store/redis.h"

#define ROTATE_BATCH "500"

static void usage(FILE *out)
{
    fprintf(out, "usage: chatlings admin grant-admin NAME | revoke-admin NAME | rotate-token-key\n"
                 "                      | rebuild-leaderboards | rollover-leaderboards | open-rooms\n"
                 "  grant-admin NAME    make the player NAME (any case) an administrator\n"
                 "  revoke-admin NAME   take administrator rights away from NAME\n"
                 "  rotate-token-key    re-encrypt stored third-party tokens under CHATLINGS_TOKEN_KEY;\n"
                 "                      CHATLINGS_TOKEN_KEY_OLD must hold the previous key\n"
                 "  rebuild-leaderboards   rebuild every Redis leaderboard from PostgreSQL\n"
                 "  rollover-leaderboards  close the week now if the clock has passed Monday 00:00 UTC\n"
                 "  open-rooms [--day YYYY-MM-DD]  open the day's chatrooms now (as the worker does daily)\n");
}

/* Runs a statement; 0 when it succeeded, else prints the error and returns -1. *out gets the
 * result when wanted (the caller PQclear()s it). */
static int run(PGconn *db, const char *sql, int n, const char *const *params, PGresult **out)
{
    PGresult *r = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fprintf(stderr, "chatlings admin: %s", PQerrorMessage(db));
        PQclear(r);
        return -1;
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return 0;
}

/* The cached profile shows is_admin: drop it so the change shows at once. Best effort: the
 * entry expires within CACHE_TTL_USER_PROFILE anyway. */
static void invalidate_profile(const config_t *cfg, const char *user_id)
{
    char err[256], key[80];
    redis_opts_t ro = {.url = cfg->redis_url,
                       .ca_file = cfg->redis_ca_file[0] ? cfg->redis_ca_file : NULL,
                       .connect_timeout_ms = 2000,
                       .command_timeout_ms = 2000};
    redis_t *r = redis_create(&ro, err, sizeof err);
    snprintf(key, sizeof key, "user:%s:profile", user_id);
    if (!r || cache_del(r, key))
        fprintf(stderr, "chatlings admin: warning: Redis unavailable, the cached profile expires within %d minutes\n",
                CACHE_TTL_USER_PROFILE / 60);
    if (r)
        redis_destroy(r);
}

static int set_admin(PGconn *db, const config_t *cfg, const char *name, int grant)
{
    PGresult *r = NULL;
    if (run(db, "BEGIN", 0, NULL, NULL))
        return 1;
    const char *p1[] = {name};
    if (run(db, "SELECT id, username, is_admin FROM users WHERE lower(username) = lower($1) FOR UPDATE", 1, p1, &r))
        goto rollback;
    if (PQntuples(r) == 0) {
        PQclear(r);
        run(db, "ROLLBACK", 0, NULL, NULL);
        fprintf(stderr, "chatlings admin: no player is named \"%s\"\n", name);
        return 1;
    }
    char id[40], username[128];
    snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 0));
    snprintf(username, sizeof username, "%s", PQgetvalue(r, 0, 1));
    int was = PQgetvalue(r, 0, 2)[0] == 't';
    PQclear(r);
    if (was == grant) {
        run(db, "ROLLBACK", 0, NULL, NULL);
        printf("%s %s an administrator already; nothing changed\n", username, grant ? "is" : "is not");
        return 0;
    }
    /* The audit row names the account by id only: a username is personal data and the audit
     * log outlives the account. */
    char target[48];
    snprintf(target, sizeof target, "user:%s", id);
    const char *p2[] = {id, grant ? "true" : "false", grant ? "grant_admin" : "revoke_admin", target,
                        grant ? "{\"is_admin\":false}" : "{\"is_admin\":true}",
                        grant ? "{\"is_admin\":true}" : "{\"is_admin\":false}"};
    if (run(db,
            "WITH u AS (UPDATE users SET is_admin = $2::boolean WHERE id = $1::uuid RETURNING id)"
            " INSERT INTO audit_log (actor_user_id, action, target, before, after)"
            " SELECT NULL, $3, $4, $5::jsonb, $6::jsonb FROM u",
            6, p2, NULL) ||
        run(db, "COMMIT", 0, NULL, NULL))
        goto rollback;
    invalidate_profile(cfg, id);
    printf("%s %s\n", username, grant ? "is now an administrator" : "is no longer an administrator");
    return 0;
rollback:
    run(db, "ROLLBACK", 0, NULL, NULL);
    return 1;
}

/* ---- rotate-token-key ---- */

typedef struct rotate_counts { long rotated, unreadable; } rotate_counts_t;

/* Re-encrypts one column in batches of ROTATE_BATCH rows, one transaction each, walking the
 * table in ctid order: values that cannot be opened are skipped (and counted) instead of
 * being selected again forever, and rows re-written by an earlier batch no longer match the
 * "not under the current key" filter. Rows are locked (FOR UPDATE) for their batch, so a
 * concurrent writer either waits or wrote a current-key value we then leave alone. */
static int rotate_column(PGconn *db, const secretbox_t *sb, const char *table, const char *column,
                         rotate_counts_t *counts)
{
    char *qt = PQescapeIdentifier(db, table, strlen(table));
    char *qc = PQescapeIdentifier(db, column, strlen(column));
    if (!qt || !qc) {
        PQfreemem(qt);
        PQfreemem(qc);
        return -1;
    }
    char select_sql[512], update_sql[512], pattern[32], last[64] = "(0,0)";
    snprintf(select_sql, sizeof select_sql,
             "SELECT ctid::text, %s FROM %s WHERE %s IS NOT NULL AND %s NOT LIKE $1 AND ctid > $2::tid"
             " ORDER BY ctid LIMIT " ROTATE_BATCH " FOR UPDATE",
             qc, qt, qc, qc);
    snprintf(update_sql, sizeof update_sql, "UPDATE %s SET %s = $1 WHERE ctid = $2::tid", qt, qc);
    snprintf(pattern, sizeof pattern, SECRETBOX_VERSION ".%s.%%", sb->current.id);
    PQfreemem(qt);
    PQfreemem(qc);

    for (;;) {
        PGresult *r = NULL;
        if (run(db, "BEGIN", 0, NULL, NULL))
            return -1;
        const char *sp[] = {pattern, last};
        if (run(db, select_sql, 2, sp, &r))
            goto fail;
        int rows = PQntuples(r);
        long rotated = 0, unreadable = 0;
        for (int i = 0; i < rows; i++) {
            const char *sealed = PQgetvalue(r, i, 1);
            size_t cap = strlen(sealed) + 1, len = 0;
            char *plain = malloc(cap);
            char *fresh = NULL;
            int ok = plain && secretbox_open(sb, sealed, plain, cap, &len) == 0;
            if (ok) {
                size_t n = secretbox_sealed_size(len);
                fresh = malloc(n);
                ok = fresh && secretbox_seal(sb, plain, len, fresh, n) == 0;
            }
            if (plain) {
                sodium_memzero(plain, cap);
                free(plain);
            }
            if (!ok) {
                free(fresh);
                unreadable++;
                continue;
            }
            const char *up[] = {fresh, PQgetvalue(r, i, 0)};
            int rc = run(db, update_sql, 2, up, NULL);
            free(fresh);
            if (rc) {
                PQclear(r);
                goto fail;
            }
            rotated++;
        }
        if (rows > 0)
            snprintf(last, sizeof last, "%s", PQgetvalue(r, rows - 1, 0));
        PQclear(r);
        if (run(db, "COMMIT", 0, NULL, NULL))
            goto fail;
        counts->rotated += rotated;
        counts->unreadable += unreadable;
        if (unreadable)
            fprintf(stderr, "chatlings admin: %ld value(s) in %s.%s open with neither key; left as they are\n",
                    unreadable, table, column);
        if (rows == 0)
            return 0;
    }
fail:
    run(db, "ROLLBACK", 0, NULL, NULL);
    return -1;
}

static int rotate_token_key(PGconn *db, const config_t *cfg)
{
    if (!cfg->token_key_old[0]) {
        fprintf(stderr, "chatlings admin: rotate-token-key needs the new key in CHATLINGS_TOKEN_KEY and the previous\n"
                        "one in CHATLINGS_TOKEN_KEY_OLD (deploy both to every instance first, then run this)\n");
        return 2;
    }
    secretbox_t sb;
    char err[256];
    if (secretbox_init(&sb, cfg->token_key, cfg->token_key_old, err, sizeof err)) {
        fprintf(stderr, "chatlings admin: %s\n", err);
        return 2;
    }
    if (!strcmp(sb.current.id, sb.old.id)) {
        secretbox_wipe(&sb);
        fprintf(stderr, "chatlings admin: CHATLINGS_TOKEN_KEY and CHATLINGS_TOKEN_KEY_OLD are the same key\n");
        return 2;
    }
    /* Every text column named *_enc in our schema: new token columns are covered by naming. */
    PGresult *cols = NULL;
    if (run(db,
            "SELECT c.table_name, c.column_name FROM information_schema.columns c"
            " JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
            " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
            " AND c.column_name LIKE '%\\_enc' AND c.data_type = 'text' ORDER BY 1, 2",
            0, NULL, &cols)) {
        secretbox_wipe(&sb);
        return 1;
    }
    rotate_counts_t counts = {0, 0};
    int rc = 0;
    for (int i = 0; i < PQntuples(cols) && rc == 0; i++)
        if (rotate_column(db, &sb, PQgetvalue(cols, i, 0), PQgetvalue(cols, i, 1), &counts))
            rc = 1;
    PQclear(cols);
    if (rc == 0 && counts.rotated > 0) {
        char after[96];
        snprintf(after, sizeof after, "{\"key_id\":\"%s\",\"rotated\":%ld}", sb.current.id, counts.rotated);
        const char *p[] = {after};
        if (run(db,
                "INSERT INTO audit_log (actor_user_id, action, target, after)"
                " VALUES (NULL, 'rotate_token_key', 'token_key', $1::jsonb)",
                1, p, NULL))
            rc = 1;
    }
    printf("re-encrypted %ld token value(s) under key %s\n", counts.rotated, sb.current.id);
    secretbox_wipe(&sb);
    if (counts.unreadable) {
        fprintf(stderr, "chatlings admin: %ld value(s) could not be opened with either key\n", counts.unreadable);
        rc = 1;
    }
    return rc;
}

int cmd_admin(int argc, char **argv, const config_t *cfg)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "rebuild-leaderboards") || !strcmp(sub, "rollover-leaderboards"))
        return cmd_admin_leaderboards(argc - 1, argv + 1, cfg);
    if (!strcmp(sub, "open-rooms"))
        return cmd_admin_chatrooms(argc - 1, argv + 1, cfg);
    int grant = !strcmp(sub, "grant-admin"), revoke = !strcmp(sub, "revoke-admin");
    int rotate = !strcmp(sub, "rotate-token-key");
    if ((grant || revoke) && argc != 3) {
        fprintf(stderr, "chatlings admin: %s needs exactly one NAME\n", sub);
        return 2;
    }
    if ((!grant && !revoke && !rotate) || (rotate && argc != 2)) {
        usage(stderr);
        return 2;
    }
    PGconn *db = cmd_connect_db(cfg);
    if (!db)
        return 1;
    int rc = rotate ? rotate_token_key(db, cfg) : set_admin(db, cfg, argv[2], grant);
    PQfinish(db);
    return rc;
}
