/* cmd/migrate: `chatlings migrate [--dir DIR]` applies db/migrations to DATABASE_URL, and
 * cmd_connect_db, the one blocking connection the CLI subcommands (migrate, seed, admin) use.
 * Safe to run from every instance at start-up: migrate_run serialises on an advisory lock. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "store/migrate.h"

PGconn *cmd_connect_db(const config_t *cfg)
{
    /* Defaults first, the URL last: libpq keeps the last value of a repeated key, so a
     * connect_timeout or application_name in DATABASE_URL wins over ours. Without a default
     * timeout a blackholed host would hang the command for minutes. */
    char *perr = NULL;
    PQconninfoOption *parsed = PQconninfoParse(cfg->database_url, &perr);
    if (!parsed) {
        /* libpq's message quotes the URL, password and all: say less. */
        fprintf(stderr, "chatlings: DATABASE_URL is malformed (want postgresql://user:password@host:port/db)\n");
        PQfreemem(perr);
        return NULL;
    }
    PQconninfoFree(parsed);

    const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *vals[] = {"10", "chatlings-cli", cfg->database_url, NULL};
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (!conn) {
        fprintf(stderr, "chatlings: out of memory connecting to PostgreSQL\n");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        char masked[CONFIG_STR + 16];
        config_mask_url(cfg->database_url, masked, sizeof masked);
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(conn));
        size_t l = strlen(msg);
        while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
            msg[--l] = '\0';
        fprintf(stderr, "chatlings: cannot connect to PostgreSQL at %s: %s\n", masked, msg);
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: chatlings migrate [--dir DIR]\n"
            "  Applies DIR/NNNN_name.sql (default CHATLINGS_MIGRATIONS_DIR) in order, each in one\n"
            "  transaction, skipping those already recorded in schema_migrations.\n");
}

int cmd_migrate(int argc, char **argv, const config_t *cfg)
{
    const char *dir = cfg->migrations_dir;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "chatlings migrate: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!dir || !dir[0]) {
        fprintf(stderr, "chatlings migrate: no migrations directory (set CHATLINGS_MIGRATIONS_DIR)\n");
        return 1;
    }

    PGconn *conn = cmd_connect_db(cfg);
    if (!conn)
        return 1;
    char err[1024];
    int n = migrate_run(conn, dir, err, sizeof err);
    PQfinish(conn);
    if (n < 0) {
        fprintf(stderr, "chatlings migrate: %s\n", err);
        return 1;
    }
    printf("applied %d migrations\n", n);
    return 0;
}
