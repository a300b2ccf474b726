-- 0005_leaderboards: GAME.md "Team", "Idle game" and "Leaderboards": the player's team, the idle
-- game's wallet and businesses, and the archive of finished weekly leaderboards. The live boards
-- themselves are Redis sorted sets derived from these tables and the collection (see
-- src/store/leaderboard.c); nothing here is needed to rebuild them except user_teams.

-- Slots 2..5 of a player's team, in order. Slot 1 is users.current_creature_id, read at every
-- use rather than copied, so that choosing another current chatling anywhere moves slot 1 too.
-- updated_at is when the player last fielded the team (PUT /api/user/team): the weekly team
-- board lists the teams fielded in the current week, at their current score.
CREATE TABLE user_teams (
    user_id      uuid PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    creature_ids uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(creature_ids) <= 4),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
-- The rollover's catch-up of the new week's team board.
CREATE INDEX idx_user_teams_updated ON user_teams (updated_at);

-- The idle game's balance. Exact integers (bigint), changed only by the server: settling
-- earnings adds, and every purchase is a conditional UPDATE ... WHERE affection_points >= cost.
CREATE TABLE idle_wallets (
    user_id          uuid PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    affection_points bigint NOT NULL DEFAULT 50 CHECK (affection_points BETWEEN 0 AND 1000000000000000000),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- One business per (player, owned creature). last_collected_ms is the server clock
-- (clock_now(), epoch milliseconds) when the current cycle started; earnings are computed from it.
-- A creature that leaves the collection takes its business with it.
CREATE TABLE idle_businesses (
    user_id           uuid NOT NULL,
    creature_id       uuid NOT NULL,
    owned             integer NOT NULL DEFAULT 0 CHECK (owned >= 0),
    has_manager       boolean NOT NULL DEFAULT false,
    last_collected_ms bigint NOT NULL,
    PRIMARY KEY (user_id, creature_id),
    FOREIGN KEY (user_id, creature_id) REFERENCES user_collections (user_id, creature_id) ON DELETE CASCADE
);

-- Finished weeks of every weekly board, as they stood at the rollover (Monday 00:00 UTC).
-- Public data only is served from here (rank, username, score). One partition per week
-- (leaderboard_archive_2026_w48, made by the rollover): a week of a million players is loaded
-- into a bare table and indexed in bulk, then attached, which is several times faster than
-- a million index insertions, and dropping an old week is one statement.
CREATE TABLE leaderboard_archive (
    board    text NOT NULL CHECK (board IN ('achievements','collection','rarity','team')),
    week     text NOT NULL CHECK (week ~ '^[0-9]{4}-W[0-9]{2}$'),
    rank     integer NOT NULL CHECK (rank >= 1),
    user_id  uuid NOT NULL,
    username text NOT NULL,
    score    numeric(20,2) NOT NULL,
    PRIMARY KEY (week, board, rank)
) PARTITION BY LIST (week);
-- A signed-in reader's own row of an archived week; user_id first so that forgetting a player
-- finds their rows in each week without scanning it.
CREATE INDEX idx_leaderboard_archive_user ON leaderboard_archive (user_id, board, week);

-- Deleting a player deletes their archived rows (the username is personal data); the others
-- keep their ranks. A trigger rather than a foreign key: attaching a week's partition would
-- re-check a million references, and every row comes from a join with users anyway.
CREATE FUNCTION leaderboard_archive_forget_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM leaderboard_archive WHERE user_id = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER users_forget_leaderboard_archive AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION leaderboard_archive_forget_user();
