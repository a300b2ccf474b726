-- 0011_chatrooms: GAME.md "Chatrooms": the daily rooms the worker opens with their generated
-- conversation, the admins' list of featured topics and videos, each player's attitude, the
-- readings (effects once per room per player), runaway recovery attempts, and what the chat LLM
-- cost per day. Everything a player owns cascades with the user.

-- open_day + slot make opening a day's rooms idempotent (two workers, or a retry after a crash,
-- insert the same keys); hand-made rooms have no open_day (NULLs never conflict).
ALTER TABLE chatrooms
    ADD COLUMN open_day     date,
    ADD COLUMN slot         smallint CHECK (slot BETWEEN 0 AND 9),
    ADD COLUMN featured_by  uuid REFERENCES users ON DELETE SET NULL,  -- the admin who featured its topic or video
    ADD COLUMN generator    text CHECK (generator IN ('builtin','llm')),
    ADD COLUMN generated_at timestamptz,
    ADD CONSTRAINT chatrooms_day_slot UNIQUE (open_day, slot),
    ADD CONSTRAINT chatrooms_video_id CHECK (youtube_video_id IS NULL OR youtube_video_id ~ '^[A-Za-z0-9_-]{11}$');
-- The room list: open rooms first, then the most recently created.
CREATE INDEX idx_chatrooms_created ON chatrooms (created_at DESC, id);

-- The conversation of a room, as stored: role markup {A}..{D} and [adverb] markers are voiced per
-- player when shown (src/game/conversation.c). A room without lines is voiced by the built-in
-- generator seeded with the room id, so rooms made by hand work too.
CREATE TABLE chatroom_lines (
    room_id   uuid NOT NULL REFERENCES chatrooms ON DELETE CASCADE,
    n         smallint NOT NULL CHECK (n BETWEEN 1 AND 40),
    speaker   text NOT NULL CHECK (speaker IN ('A','B','C','D')),
    sentiment text NOT NULL CHECK (sentiment IN ('positive','neutral','negative')),
    body      text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 400),
    PRIMARY KEY (room_id, n)
);

-- Topics and videos admins featured; the worker uses each once, for the next day's rooms (or on
-- open_on), before falling back to the built-in topics.
CREATE TABLE chatroom_features (
    id               bigserial PRIMARY KEY,
    title            text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 120),
    topic            text NOT NULL DEFAULT '' CHECK (char_length(topic) <= 500),
    youtube_video_id text CHECK (youtube_video_id IS NULL OR youtube_video_id ~ '^[A-Za-z0-9_-]{11}$'),
    open_on          date,                                       -- NULL = the next day with a free slot
    created_by       uuid REFERENCES users ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    used_at          timestamptz,
    room_id          uuid REFERENCES chatrooms ON DELETE SET NULL
);
CREATE INDEX idx_chatroom_features_pending ON chatroom_features (open_on, created_at) WHERE used_at IS NULL;

-- The attitude sliders (GAME.md: enthusiasm, criticism, humour 1..10). No row = 5, 5, 5.
CREATE TABLE chat_attitudes (
    user_id    uuid PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    enthusiasm smallint NOT NULL CHECK (enthusiasm BETWEEN 1 AND 10),
    criticism  smallint NOT NULL CHECK (criticism BETWEEN 1 AND 10),
    humour     smallint NOT NULL CHECK (humour BETWEEN 1 AND 10),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One reading counts once: POST /read inserts here with ON CONFLICT DO NOTHING RETURNING, and
-- only the insert that returned a row applies the effects (in the same transaction).
CREATE TABLE chatroom_reads (
    user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    room_id uuid NOT NULL REFERENCES chatrooms ON DELETE CASCADE,
    read_at timestamptz NOT NULL DEFAULT now(),
    effects jsonb NOT NULL DEFAULT '[]',   -- what the reading did, per chatling
    PRIMARY KEY (user_id, room_id)
);
CREATE INDEX idx_chatroom_reads_room ON chatroom_reads (room_id);

-- Recovery attempts: one per chatling per UTC day (the unique key); the attempt number within
-- the current runaway decides the odds (80, 50, then 20 %).
CREATE TABLE runaway_recoveries (
    id           bigserial PRIMARY KEY,
    user_id      uuid NOT NULL,
    creature_id  uuid NOT NULL,
    day          date NOT NULL,
    attempt      integer NOT NULL CHECK (attempt >= 1),
    percent      smallint NOT NULL CHECK (percent BETWEEN 0 AND 100),
    success      boolean NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT runaway_recoveries_once_a_day UNIQUE (user_id, creature_id, day),
    FOREIGN KEY (user_id, creature_id) REFERENCES user_collections (user_id, creature_id) ON DELETE CASCADE
);

-- The chat LLM's spend per UTC day, from the usage each answer reports; the worker stops calling
-- once cost_microcents reaches the configured cap (1 cent = 1,000,000 microcents).
CREATE TABLE chat_llm_usage (
    day               date PRIMARY KEY,
    calls             integer NOT NULL DEFAULT 0,
    failures          integer NOT NULL DEFAULT 0,
    prompt_tokens     bigint NOT NULL DEFAULT 0,
    completion_tokens bigint NOT NULL DEFAULT 0,
    cost_microcents   bigint NOT NULL DEFAULT 0
);
