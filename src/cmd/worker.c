/* `chatlings worker`: the background worker. Jobs and schedules arrive with the job-queue
 * issue; until then it starts, reports that it is waiting, and stops cleanly on SIGTERM. */
#include <signal.h>
#include <stdio.h>

#include "cmd/cmd.h"
#include "core/log.h"

int cmd_worker(int argc, char **argv, const config_t *cfg)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    log_info("startup", "chatlings worker (%s) waiting for jobs", cfg->env);
    int sig = 0;
    sigwait(&set, &sig);
    log_info("shutdown", "signal %d: worker stopped", sig);
    return 0;
}
