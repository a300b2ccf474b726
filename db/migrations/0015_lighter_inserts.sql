-- 0015_lighter_inserts: less work on every find and every notification, the rows a daily box
-- claim writes for each player.
--
-- 1. idx_collections_user_first_found (user_id, first_found_at, id) goes. Every reader of a
--    player's collection reads all of it (the collection list counts it, then sorts one page of
--    it; the idle game numbers every row), which idx_collections_user_id (the seed's) and the
--    unique (user_id, creature_id) find as well, and sorting a player's few hundred rows is
--    cheap; what the index cost was one more random page written per find (it was the largest
--    index of the table in the bench database: 95 MB of 1.4 M rows).
DROP INDEX IF EXISTS idx_collections_user_first_found;

-- 2. The two AFTER INSERT triggers of notifications (0009 push outbox, 0013 live announce) run
--    once per statement over its new rows instead of once per row: a batch of box claims
--    inserts its notifications in one statement. Same effects, in id order.
CREATE FUNCTION notifications_announce_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('chatlings_notifications', json_build_object(
        'user_id', n.user_id,
        'notification', json_build_object(
            'id', n.id,
            'category', n.category,
            'title', left(n.title, 200),
            'body', left(n.body, 1000),
            'data', CASE WHEN length(n.data::text) <= 2000 THEN n.data END,
            'created_at', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))::text)
    FROM (SELECT * FROM new_rows ORDER BY id) n;
    RETURN NULL;
END;
$$;

CREATE FUNCTION push_outbox_enqueue_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO push_outbox (notification_id, user_id)
    SELECT n.id, n.user_id FROM new_rows n
    WHERE EXISTS (SELECT 1 FROM push_subscriptions s WHERE s.user_id = n.user_id)
      AND coalesce((SELECT CASE n.category
                                WHEN 'creature_found' THEN p.creature_found
                                WHEN 'achievement' THEN p.achievement
                                WHEN 'daily_box_ready' THEN p.daily_box_ready
                                WHEN 'new_chatroom' THEN p.new_chatroom
                                WHEN 'runaway' THEN p.runaway
                                ELSE p.system END
                    FROM push_preferences p WHERE p.user_id = n.user_id), true)
    ORDER BY n.id
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;

DROP TRIGGER notifications_announce ON notifications;
DROP TRIGGER trg_notifications_push ON notifications;
DROP FUNCTION notifications_announce();
DROP FUNCTION push_outbox_enqueue();
CREATE TRIGGER trg_notifications_push AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION push_outbox_enqueue_rows();
CREATE TRIGGER notifications_announce AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notifications_announce_rows();
