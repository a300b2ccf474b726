-- 0014_hot_updates: room on each page for the new version of a row, so that the updates players
-- make all day (a box claim's stamp, streak and motes; a duplicate find's count) are HOT: the
-- new version stays on its page and none of the table's indexes (six on users, one of them a
-- trigram GIN) is touched. With the default fillfactor of 100 a page filled by inserts has no
-- room, and a player's first update of it rewrote every index (measured on box claims: 6 % of
-- users updates HOT before, 94 % after, PostgreSQL CPU per claim -13 %). Only pages written
-- from now on keep the room; VACUUM FULL (or pg_repack) applies it to the old ones.
ALTER TABLE users SET (fillfactor = 80);
ALTER TABLE user_collections SET (fillfactor = 90);
