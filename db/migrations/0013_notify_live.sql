-- 0013_notify_live: every new notification, whichever code path (or operator) wrote it, wakes the
-- player's open pages. The trigger only names the player; each web instance LISTENs and nudges
-- its own sockets, and the page refetches the list, which stays the truth.
CREATE FUNCTION notifications_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('chatlings_notifications', NEW.user_id::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER notifications_announce AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION notifications_announce();
