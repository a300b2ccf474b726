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

/* Opens a single blocking libpq connection for CLI commands (migrate, seed, admin).
 * Returns NULL after printing the reason to stderr. */
struct pg_conn;
#include <libpq-fe.h>
PGconn *cmd_connect_db(const config_t *cfg);

#endif
