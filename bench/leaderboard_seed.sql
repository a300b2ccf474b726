-- leaderboard_seed.sql: bulk players for the leaderboard bench (bench/leaderboard.sh).
--   psql -v players=1000000 -f bench/leaderboard_seed.sql
-- Each player lb_<n> owns one creature (first found four weeks ago, so it counts all-time only)
-- and has 1..3 achievements unlocked this week: the weekly points board
-- (leaderboard:global:weekly) then holds every one of them. Players have no current chatling,
-- so the team boards stay small. Idempotent: players that exist already are skipped.
\set ON_ERROR_STOP 1
SET synchronous_commit = off;
SET statement_timeout = 0;
BEGIN;
CREATE TEMP TABLE lb_new ON COMMIT DROP AS
  SELECT gen_random_uuid() AS id, 'lb_' || g AS username, g
  FROM generate_series(1, :players) g
  WHERE NOT EXISTS (SELECT 1 FROM users u WHERE lower(u.username) = 'lb_' || g);
INSERT INTO users (id, username, created_at) SELECT id, username, now() - interval '30 days' FROM lb_new;
-- one creature each, spread over the catalogue
WITH cat AS (SELECT id, row_number() OVER (ORDER BY seq) - 1 AS k, count(*) OVER () AS n FROM creatures)
INSERT INTO user_collections (user_id, creature_id, source, first_found_at, last_found_at)
  SELECT p.id, cat.id, 'event', now() - interval '28 days', now() - interval '28 days'
  FROM lb_new p JOIN cat ON cat.k = (p.g::bigint * 7919) % cat.n;
-- 1..3 achievements unlocked since this week's Monday 00:00 UTC
WITH a AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS n FROM achievements),
     monday AS (SELECT date_trunc('week', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS t)
INSERT INTO user_achievements (user_id, achievement_id, progress, unlocked_at)
  SELECT p.id, a.id, 1, monday.t + make_interval(secs => (p.g % 3600))
  FROM lb_new p CROSS JOIN generate_series(0, 2) s JOIN a ON a.k = (p.g * 31 + s * 7) % a.n
  CROSS JOIN monday
  WHERE s <= p.g % 3
  ON CONFLICT DO NOTHING;
COMMIT;
ANALYZE users;
ANALYZE user_collections;
ANALYZE user_achievements;
SELECT count(*) AS bench_players FROM users WHERE username LIKE 'lb\_%';
