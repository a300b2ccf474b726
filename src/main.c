/* chatlings: one binary, several roles (DESIGN.md "One binary, several roles"). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/config.h"
#include "core/log.h"
#include "integrations/keyvault.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv, const config_t *cfg);
    const char *help;
} COMMANDS[] = {
    {"serve", cmd_serve, "run the web app (public API, admin and ops listeners)"},
    {"worker", cmd_worker, "run the background worker (jobs and schedules)"},
    {"migrate", cmd_migrate, "apply db/migrations in order, each in one transaction"},
    {"seed", cmd_seed, "seed the deterministic catalogue [--creatures N] [--seed S]"},
    {"config", cmd_config, "print the effective configuration, secrets masked"},
    {"routes", cmd_routes, "print the route table (method, path, auth level, rate class) as JSON lines"},
    {"admin", cmd_admin, "operator commands: grant-admin NAME, revoke-admin NAME, rotate-token-key"},
    {"backup", cmd_backup, "back up the database into blob storage [--base] [--retention-days 35] | --list"},
    {"restore", cmd_restore, "restore: --to TIME --target-dir DIR (point in time) | --logical --database URL"},
    {"wal-archive", cmd_wal_archive, "PostgreSQL archive_command: wal-archive %p %f"},
    {"wal-restore", cmd_wal_restore, "PostgreSQL restore_command: wal-restore %f %p"},
    {"blob", cmd_blob, "blob storage: lifecycle, put, get, head, list, delete, set-tier, sas"},
    {"artwork", cmd_artwork, "creature artwork: render-thumbs [--limit N], svg ID, avatar USER_ID N"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: chatlings COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(out, "  %-11s %s\n", COMMANDS[i].name, COMMANDS[i].help);
    fprintf(out, "\nConfiguration comes from the environment (see README.md); `chatlings config` shows it.\n");
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "chatlings: libsodium failed to initialise\n");
        return 1;
    }
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) {
        if (strcmp(argv[1], COMMANDS[i].name))
            continue;
        config_t cfg;
        char err[512];
        /* Key Vault fills the environment first, so its secrets pass the same validation */
        if (keyvault_load_env(err, sizeof err)) {
            fprintf(stderr, "chatlings: configuration error: %s\n", err);
            return 78;
        }
        if (config_load(&cfg, err, sizeof err)) {
            fprintf(stderr, "chatlings: configuration error: %s\n", err);
            return 78; /* EX_CONFIG */
        }
        log_init(COMMANDS[i].name, cfg.log_level);
        return COMMANDS[i].run(argc - 1, argv + 1, &cfg);
    }
    fprintf(stderr, "chatlings: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 2;
}
