/* youtube_sync: the worker's side of YouTube likes (GAME.md "Collecting" 5).
 *   youtube_sweep  (every 15 min) enqueues one youtube_sync per player whose connection is
 *                  active and who was seen in the last 24 h, least recently checked first, as
 *                  many as today's quota budget allows this round.
 *   youtube_sync   {"user_id"} reads the player's liked-videos playlist (newest first) down to
 *                  what the last sync saw, and rewards every video liked after connecting, once
 *                  per (player, video): the channel's creator chatling when an admin mapped
 *                  the channel, else the creature pinned to the video for 24 h (rarity-weighted
 *                  like the daily box). The youtube_likes row and the grant share one
 *                  transaction, and youtube_likes is UNIQUE (user_id, video_id), so a sync that
 *                  runs twice (crash, reclaim, duplicate enqueue) rewards nothing twice.
 *
 * Redis keys: yt:quota:{YYYY-MM-DD} units used that UTC day (expires after 2 days; counted
 * before each call, so concurrent workers never overspend), yt:quota:blocked (set after a
 * quotaExceeded answer until the next UTC midnight), yt:queued:{user} (a sync is queued; the
 * sweep does not queue another), youtube:video:{id}:metadata (24 h cache of videos.list). */
#ifndef CHATLINGS_YOUTUBE_SYNC_H
#define CHATLINGS_YOUTUBE_SYNC_H
#include "core/config.h"
#include "worker/worker.h"

#define YOUTUBE_SWEEP_INTERVAL_MS (15 * 60 * 1000LL)
#define YOUTUBE_SYNC_MAX_PAGES 4          /* 200 likes per sync at most; the rest next time */
#define YOUTUBE_QUEUED_TTL_S (15 * 60)
#define YOUTUBE_ACTIVE_WINDOW "24 hours"  /* players seen within this are swept */

job_status_t youtube_job_sweep(job_ctx_t *jc);
job_status_t youtube_job_sync(job_ctx_t *jc);

/* 1 when the daily quota is exhausted (yt:quota:blocked), 0 otherwise or when Redis is down. */
int youtube_quota_blocked(redis_t *r);

/* Development: creates n players "ytbench_<i>" seen now, each connected with the refresh token
 * "rt-bench-<i>" that tests/integration/fake-google.mjs accepts. Exit code. */
int youtube_bench_setup(const config_t *cfg, long n);

#endif
