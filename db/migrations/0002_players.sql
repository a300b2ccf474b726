-- 0002_players: the player side of GAME.md: accounts, collections, YouTube rewards, chatrooms,
-- achievements, notifications, telemetry and the admin audit log. Later features add columns
-- and tables in new migrations; this file never changes once applied anywhere.
-- Deleting a user cascades to everything personal; the audit log keeps its rows (actor set NULL).

CREATE TABLE users (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username            text NOT NULL CHECK (char_length(username) BETWEEN 1 AND 64),
    email               text,
    google_id           text,
    is_admin            boolean NOT NULL DEFAULT false,
    motes               integer NOT NULL DEFAULT 100 CHECK (motes >= 0),  -- purchases can never overdraw
    current_creature_id uuid REFERENCES creatures ON DELETE SET NULL,
    avatar_n            smallint CHECK (avatar_n BETWEEN 0 AND 9),        -- one of the 9 drawn candidates
    created_at          timestamptz NOT NULL DEFAULT now(),
    last_seen_at        timestamptz,
    suspended_at        timestamptz,
    deleted_at          timestamptz
);

-- Usernames are unique regardless of case ("Bob" and "bob" are the same player name).
CREATE UNIQUE INDEX idx_users_username_lower ON users (lower(username));
-- The seed's lookup indexes, by name. google_id is the OIDC subject: one account per Google
-- identity (unique; NULLs are distinct, so accounts without Google sign-in are not affected).
CREATE INDEX idx_users_email ON users (email);
CREATE UNIQUE INDEX idx_users_google_id ON users (google_id);

-- Sign-in identities (Google today, other OIDC providers or YouTube later).
CREATE TABLE oauth_accounts (
    id         bigserial PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    provider   text NOT NULL,
    subject    text NOT NULL,
    email      text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, subject)
);
CREATE INDEX idx_oauth_accounts_user_id ON oauth_accounts (user_id);

-- One row per (player, creature): finding it again raises found_count, never adds a row.
CREATE TABLE user_collections (
    id             bigserial PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    creature_id    uuid NOT NULL REFERENCES creatures,   -- creatures are soft-deleted, never removed under a player
    first_found_at timestamptz NOT NULL DEFAULT now(),
    last_found_at  timestamptz NOT NULL DEFAULT now(),
    found_count    integer NOT NULL DEFAULT 1 CHECK (found_count >= 1),
    -- rizz = min(found_count, 10), computed by PostgreSQL so no code path can get it wrong.
    rizz           smallint GENERATED ALWAYS AS (LEAST(found_count, 10)::smallint) STORED
                   CHECK (rizz BETWEEN 0 AND 10),
    glow           smallint NOT NULL DEFAULT 0 CHECK (glow BETWEEN -10 AND 10),
    mood           text NOT NULL DEFAULT 'neutral' CHECK (mood IN ('happy','neutral','unhappy')),
    unhappy_count  integer NOT NULL DEFAULT 0 CHECK (unhappy_count >= 0),
    status         text NOT NULL DEFAULT 'with_player' CHECK (status IN ('with_player','runaway')),
    runaway_at     timestamptz,
    source         text NOT NULL
                   CHECK (source IN ('starter','daily_box','visitor','encounter','youtube','event','admin')),
    UNIQUE (user_id, creature_id)
);
-- The seed's names. (user_id is also the leading column of the unique key; kept for the seed's contract.)
CREATE INDEX idx_collections_user_id ON user_collections (user_id);
CREATE INDEX idx_collections_creature_id ON user_collections (creature_id);

-- Liked videos seen by the worker; the unique key makes each (player, video) reward once.
CREATE TABLE youtube_likes (
    id          bigserial PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    video_id    text NOT NULL,
    channel_id  text,
    title       text,                 -- untrusted text from YouTube: escape on output
    creature_id uuid REFERENCES creatures,
    liked_at    timestamptz,
    rewarded_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, video_id)
);
CREATE INDEX idx_youtube_user_id ON youtube_likes (user_id);
CREATE INDEX idx_youtube_video_id ON youtube_likes (video_id);

CREATE TABLE chatrooms (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title            text NOT NULL,
    topic            text,
    youtube_video_id text,
    is_active        boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    closes_at        timestamptz,
    CHECK (closes_at IS NULL OR closes_at > created_at)
);
CREATE INDEX idx_chatroom_active ON chatrooms (is_active, created_at);

-- Achievement definitions, keyed by a stable slug the code refers to ('collect_10', ...).
CREATE TABLE achievements (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9_]+$'),
    name        text NOT NULL,
    description text NOT NULL,
    points      integer NOT NULL DEFAULT 0 CHECK (points >= 0),
    category    text NOT NULL,
    threshold   integer NOT NULL DEFAULT 1 CHECK (threshold >= 0)
);

CREATE TABLE user_achievements (
    user_id        uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    achievement_id text NOT NULL REFERENCES achievements ON DELETE CASCADE ON UPDATE CASCADE,
    progress       integer NOT NULL DEFAULT 0 CHECK (progress >= 0),
    unlocked_at    timestamptz,       -- NULL until unlocked; set once (idempotent unlock)
    PRIMARY KEY (user_id, achievement_id)
);

CREATE TABLE notifications (
    id         bigserial PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    category   text NOT NULL CHECK (category IN
                   ('creature_found','achievement','daily_box_ready','new_chatroom','runaway','system')),
    title      text NOT NULL,
    body       text NOT NULL DEFAULT '',
    data       jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz
);
-- The newest-first list, and the unread count (small: only unread rows are indexed).
CREATE INDEX idx_notifications_user_created ON notifications (user_id, created_at DESC);
CREATE INDEX idx_notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- Custom events ("creature_collected", "achievement_unlocked", ...) for the dashboard and the
-- App Insights exporter. Tied to the user so that deleting the account removes them too.
CREATE TABLE telemetry_events (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
    user_id    uuid REFERENCES users ON DELETE CASCADE,
    properties jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_telemetry_name_created ON telemetry_events (name, created_at);
CREATE INDEX idx_telemetry_user_id ON telemetry_events (user_id);

-- Every admin action. Survives the actor's account deletion (actor becomes NULL).
CREATE TABLE audit_log (
    id            bigserial PRIMARY KEY,
    actor_user_id uuid REFERENCES users ON DELETE SET NULL,
    action        text NOT NULL,
    target        text,
    before        jsonb,
    after         jsonb,
    ip            inet,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_audit_log_created ON audit_log (created_at DESC);
CREATE INDEX idx_audit_log_actor ON audit_log (actor_user_id);
