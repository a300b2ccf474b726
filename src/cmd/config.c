/* `chatlings config`: what the process would run with, secrets masked. */
#include "cmd/cmd.h"

int cmd_config(int argc, char **argv, const config_t *cfg)
{
    config_print(cfg, stdout);
    return 0;
}
