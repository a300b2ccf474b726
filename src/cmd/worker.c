/* `chatlings worker`: the background worker (src/worker/worker.c): job consumers on the Redis
 * Streams queue and the scheduler. What used to run here in a loop is now scheduled jobs of
 * src/worker/jobs.c: leaderboard_ensure (every minute: rebuild the boards when Redis lost them)
 * and leaderboard_rollover (every 2 s: roll the weekly boards over once clock_now() passes
 * Monday 00:00 UTC), run once across however many workers there are. */
#include "cmd/cmd.h"
#include "worker/worker.h"

int cmd_worker(int argc, char **argv, const config_t *cfg)
{
    return worker_main(argc, argv, cfg);
}
