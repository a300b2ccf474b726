-- 0004_collecting: the collecting game of GAME.md: daily mystery box, daily visitor, wild
-- encounters, the shop, achievement definitions (and what their progress is measured by),
-- and the per-player counters these need. Every player-owned row cascades with its user.

-- Per-player state of the daily loops, on users because each change goes with a motes change
-- on the same row (one conditional UPDATE claims the box and pays its motes atomically).
ALTER TABLE users
    ADD COLUMN box_last_claimed_at   timestamptz,            -- the 24 h cooldown runs from here
    ADD COLUMN box_streak            integer NOT NULL DEFAULT 0 CHECK (box_streak >= 0),
    ADD COLUMN box_streak_day        date,                   -- UTC day of the last daily claim
    ADD COLUMN box_ready_notified_at timestamptz,            -- "box ready" sent for the cycle ending after this
    ADD COLUMN login_streak          integer NOT NULL DEFAULT 0 CHECK (login_streak >= 0),
    ADD COLUMN last_login_day        date,                   -- UTC day of the last authenticated request
    ADD COLUMN avatar_reset_credits  integer NOT NULL DEFAULT 0 CHECK (avatar_reset_credits >= 0);

-- Every box opened (daily, or bought in the shop: 'extra' boxes do not touch the cooldown).
CREATE TABLE daily_box_claims (
    id          bigserial PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('daily','extra')),
    creature_id uuid NOT NULL REFERENCES creatures,
    rarity      text NOT NULL,
    motes       integer NOT NULL DEFAULT 0 CHECK (motes >= 0),
    claimed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_daily_box_claims_user ON daily_box_claims (user_id, claimed_at DESC);

-- The daily visitor roll, recorded win or lose: the key makes it once per player and UTC day
-- even if the Redis marker that normally short-cuts the check is lost.
CREATE TABLE daily_visitors (
    user_id     uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    day         date NOT NULL,
    visited     boolean NOT NULL,
    creature_id uuid REFERENCES creatures,
    rolled_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT daily_visitors_user_day UNIQUE (user_id, day),
    CHECK (visited = (creature_id IS NOT NULL))
);

-- Wild encounters: up to 3 slots per player and UTC day. The open one is the wild creature on
-- show; meeting it resolves the slot (won/lost); an open slot of an earlier day expires.
CREATE TABLE encounters (
    id                 bigserial PRIMARY KEY,
    user_id            uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    day                date NOT NULL,
    slot               smallint NOT NULL CHECK (slot BETWEEN 1 AND 3),
    wild_creature_id   uuid NOT NULL REFERENCES creatures,
    status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open','won','lost','expired')),
    refreshes          integer NOT NULL DEFAULT 0 CHECK (refreshes >= 0),
    player_creature_id uuid REFERENCES creatures,
    traits             smallint[],   -- trait ids (trait_categories.id) drawn for the meeting
    player_scores      smallint[],
    wild_scores        smallint[],
    created_at         timestamptz NOT NULL DEFAULT now(),
    resolved_at        timestamptz,
    UNIQUE (user_id, day, slot)
);
-- At most one wild creature on show per player (concurrent "current" reads create one).
CREATE UNIQUE INDEX idx_encounters_open ON encounters (user_id) WHERE status = 'open';
CREATE INDEX idx_encounters_won ON encounters (user_id) WHERE status = 'won';

-- Shop purchases (the motes themselves live on users; this is the record of what was bought).
CREATE TABLE purchases (
    id         bigserial PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    item_id    text NOT NULL,
    price      integer NOT NULL CHECK (price >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_purchases_user ON purchases (user_id, created_at);

-- The collection page sorts by first find within one player.
CREATE INDEX idx_collections_user_first_found ON user_collections (user_id, first_found_at, id);

-- What an achievement's progress is measured by (src/store/achievements.c computes each metric
-- from the rows it describes; 'manual' ones are unlocked by the code path that knows, e.g.
-- a runaway recovery), and the display order.
ALTER TABLE achievements
    ADD COLUMN metric text NOT NULL DEFAULT 'manual' CHECK (metric IN
        ('unique_creatures','own_epic','own_legendary','own_mythical','login_streak',
         'youtube_rewards','box_streak','encounter_wins','manual')),
    ADD COLUMN sort_order integer NOT NULL DEFAULT 1000;

INSERT INTO achievements (id, name, description, points, category, threshold, metric, sort_order) VALUES
    ('collect_1',      'First Friend',        'Collect your first chatling.',                    10, 'collection', 1,   'unique_creatures', 10),
    ('collect_10',     'Little Crowd',        'Collect 10 different chatlings.',                 25, 'collection', 10,  'unique_creatures', 11),
    ('collect_50',     'Big Family',          'Collect 50 different chatlings.',                 50, 'collection', 50,  'unique_creatures', 12),
    ('collect_100',    'Centurion',           'Collect 100 different chatlings.',               100, 'collection', 100, 'unique_creatures', 13),
    ('collect_500',    'Living Legend',       'Collect 500 different chatlings.',               250, 'collection', 500, 'unique_creatures', 14),
    ('own_epic',       'Epic Find',           'Own an Epic chatling.',                           25, 'rarity',     1,   'own_epic',         20),
    ('own_legendary',  'The Stuff of Legend', 'Own a Legendary chatling.',                       50, 'rarity',     1,   'own_legendary',    21),
    ('own_mythical',   'Myth Made Real',      'Own a Mythical chatling.',                       100, 'rarity',     1,   'own_mythical',     22),
    ('login_streak_3', 'Regular',             'Play on 3 days in a row.',                        10, 'streak',     3,   'login_streak',     30),
    ('login_streak_7', 'Devoted',             'Play on 7 days in a row.',                        25, 'streak',     7,   'login_streak',     31),
    ('login_streak_30','Unstoppable',         'Play on 30 days in a row.',                      100, 'streak',     30,  'login_streak',     32),
    ('youtube_1',      'Liked It',            'Get your first chatling from a liked video.',     10, 'youtube',    1,   'youtube_rewards',  40),
    ('youtube_10',     'Tastemaker',          'Get 10 chatlings from liked videos.',             25, 'youtube',    10,  'youtube_rewards',  41),
    ('youtube_100',    'Curator',             'Get 100 chatlings from liked videos.',           100, 'youtube',    100, 'youtube_rewards',  42),
    ('box_streak_7',   'Unboxing Week',       'Open the daily mystery box 7 days in a row.',     50, 'streak',     7,   'box_streak',       50),
    ('encounter_wins_10','Charmer',           'Win 10 encounters.',                              50, 'encounter',  10,  'encounter_wins',   60),
    ('recover_runaway','Welcome Home',        'Win back a chatling that ran away.',              25, 'care',       1,   'manual',           70)
ON CONFLICT (id) DO NOTHING;
