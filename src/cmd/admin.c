/* `chatlings admin`: operator commands. Placeholder dispatch; the accounts work fills it. */
#include <stdio.h>

#include "cmd/cmd.h"

int cmd_admin(int argc, char **argv, const config_t *cfg)
{
    fprintf(stderr, "usage: chatlings admin grant-admin NAME | revoke-admin NAME | rotate-token-key\n");
    return 2;
}
