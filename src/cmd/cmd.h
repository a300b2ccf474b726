/* cmd: the subcommands of the chatlings binary. Each returns the process exit code.
 * argv[0] is the subcommand name; cfg is the loaded configuration. */
#ifndef CHATLINGS_CMD_H
#define CHATLINGS_CMD_H
#include "core/config.h"

int cmd_serve(int argc, char **argv, const config_t *cfg);
int cmd_worker(int argc, char **argv, const config_t *cfg);
int cmd_migrate(int argc, char **argv, const config_t *cfg);
int cmd_seed(int argc, char **argv, const config_t *cfg);
int cmd_config(int argc, char **argv, const config_t *cfg);
int cmd_routes(int argc, char **argv, const config_t *cfg);
int cmd_admin(int argc, char **argv, const config_t *cfg);
int cmd_backup(int argc, char **argv, const config_t *cfg);
int cmd_restore(int argc, char **argv, const config_t *cfg);
int cmd_wal_archive(int argc, char **argv, const config_t *cfg);
int cmd_wal_restore(int argc, char **argv, const config_t *cfg);
/* `chatlings admin rebuild-leaderboards | rollover-leaderboards` (cmd/leaderboards.c) */
int cmd_admin_leaderboards(int argc, char **argv, const config_t *cfg);
/* `chatlings admin open-rooms [--day YYYY-MM-DD]` (cmd/chatrooms.c) */
int cmd_admin_chatrooms(int argc, char **argv, const config_t *cfg);
int cmd_blob(int argc, char **argv, const config_t *cfg);
int cmd_artwork(int argc, char **argv, const config_t *cfg);

/* Opens a single blocking libpq connection for CLI commands (migrate, seed, admin).
 * Returns NULL after printing the reason to stderr. */
struct pg_conn;
#include <libpq-fe.h>
PGconn *cmd_connect_db(const config_t *cfg);

#endif
