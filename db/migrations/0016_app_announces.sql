-- 0016_app_announces: a transaction may say that the application announces its notifications
-- itself, after COMMIT (Redis pub/sub, store/effects.c), instead of the trigger of 0013/0015.
--
-- Why: NOTIFY serialises commits. PostgreSQL takes a cluster-wide lock in PreCommit_Notify and
-- holds it until the commit is flushed, so of the transactions that notify only one commits at
-- a time, and every listening backend (one per web instance) is woken for each. Measured on
-- the daily box (2 cores, 16 connections, two instances listening): 1,370-1,390 claims/s with
-- the NOTIFY in the claim's transaction, 1,800-1,900 without.
--
-- The busy paths (the daily box: its find and its unlocks) set chatlings.app_announces = 'on'
-- for their transaction and publish the rows their statements return; every other writer, an
-- operator's INSERT included, still reaches open pages through the trigger. One function makes
-- the announcement for both, so the two cannot drift apart.
CREATE FUNCTION notification_announcement(id bigint, category text, title text, body text, data jsonb,
                                          created_at timestamptz) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', id,
        'category', category,
        'title', left(title, 200),
        'body', left(body, 1000),
        'data', CASE WHEN length(data::text) <= 2000 THEN data END,
        'created_at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
$$;

CREATE OR REPLACE FUNCTION notifications_announce_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('chatlings.app_announces', true) = 'on' THEN
        RETURN NULL; -- the application publishes this transaction's rows after COMMIT
    END IF;
    PERFORM pg_notify('chatlings_notifications', json_build_object(
        'user_id', n.user_id,
        'notification', notification_announcement(n.id, n.category, n.title, n.body, n.data, n.created_at))::text)
    FROM new_rows n ORDER BY n.id;
    RETURN NULL;
END;
$$;
