-- 0013_notify_live: every new notification, whichever code path (or operator) wrote it, reaches
-- the player's open pages: the trigger announces it, each web instance LISTENs and sends it to
-- its own sockets of that player. Long text is cut so the payload stays far below NOTIFY's
-- 8000-byte limit (the list endpoint has the full row).
CREATE FUNCTION notifications_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('chatlings_notifications', json_build_object(
        'user_id', NEW.user_id,
        'notification', json_build_object(
            'id', NEW.id,
            'category', NEW.category,
            'title', left(NEW.title, 200),
            'body', left(NEW.body, 1000),
            'data', CASE WHEN length(NEW.data::text) <= 2000 THEN NEW.data END,
            'created_at', to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER notifications_announce AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION notifications_announce();
