-- 0006_jobs: what the background worker keeps in PostgreSQL: the last run of each recurring
-- job, and the YouTube rewards' lookup tables (creator chatlings mapped by admins, and the
-- creature pinned to a video for 24 h). The job queue itself lives in Redis Streams (see
-- src/store/queue.h); nothing here is needed to run a job twice safely: that is what the
-- UNIQUE keys of youtube_likes and user_collections are for.

-- One row per schedule (src/worker/scheduler.c). last_run_ms is compared-and-set, so two
-- workers can never both record the same run; last_run_at is the same instant for humans.
CREATE TABLE job_schedules (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9_.]{1,48}$'),
    last_run_ms bigint,
    last_run_at timestamptz,
    runs        bigint NOT NULL DEFAULT 0 CHECK (runs >= 0)
);

-- A YouTube channel's own chatling: everyone who likes one of its videos gets this creature.
-- Set by an admin; creatures are soft-deleted, never removed, so the reference stays valid.
CREATE TABLE creator_chatlings (
    channel_id    text PRIMARY KEY CHECK (char_length(channel_id) BETWEEN 1 AND 64),
    creature_id   uuid NOT NULL REFERENCES creatures,
    channel_title text,                                   -- untrusted text from YouTube
    created_by    uuid REFERENCES users ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_creator_chatlings_creature ON creator_chatlings (creature_id);

-- The creature pinned to a video for 24 h: everyone liking the same video that day gets the
-- same one. A pin past expires_at is replaced by the next like (and removed by the cleanup job).
CREATE TABLE youtube_video_pins (
    video_id    text PRIMARY KEY CHECK (char_length(video_id) BETWEEN 1 AND 64),
    creature_id uuid NOT NULL REFERENCES creatures,
    pinned_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    CHECK (expires_at > pinned_at)
);
CREATE INDEX idx_youtube_video_pins_expires ON youtube_video_pins (expires_at);

-- The sync's bookkeeping on the connection: the newest like already handled (the next sync
-- stops paging there), and why a connection broke (shown to the player, never a token).
ALTER TABLE youtube_connections
    ADD COLUMN likes_seen_until timestamptz,
    ADD COLUMN broken_at        timestamptz,
    ADD COLUMN last_error       text CHECK (char_length(last_error) <= 200);

-- GET /api/youtube/likes pages one player's rewards newest first by id.
CREATE INDEX idx_youtube_likes_user_page ON youtube_likes (user_id, id DESC);
