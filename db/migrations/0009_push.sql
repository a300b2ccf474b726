-- 0009_push: Web Push. The browsers' subscriptions, each player's per-category choice, and an
-- outbox: every notification a player with a subscription should hear about is queued here by
-- a trigger, whichever code path created the notification, and the worker's push_deliver job
-- sends it (src/worker/push_deliver.c) and removes it.

-- One row per browser (PushSubscription): the endpoint is the push service's URL for it and is
-- unique; a browser that signs in as another player moves its subscription to that player.
CREATE TABLE push_subscriptions (
    id              bigserial PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    endpoint        text NOT NULL UNIQUE CHECK (char_length(endpoint) BETWEEN 10 AND 2048),
    p256dh          text NOT NULL CHECK (p256dh ~ '^[A-Za-z0-9_-]{86,88}=*$'),
    auth            text NOT NULL CHECK (auth ~ '^[A-Za-z0-9_-]{21,24}=*$'),
    user_agent      text CHECK (char_length(user_agent) <= 300),
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_success_at timestamptz,
    failures        integer NOT NULL DEFAULT 0 CHECK (failures >= 0)
);
CREATE INDEX idx_push_subscriptions_user ON push_subscriptions (user_id);

-- Which categories may ring a player's devices (the categories of notifications). No row: all.
CREATE TABLE push_preferences (
    user_id         uuid PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    creature_found  boolean NOT NULL DEFAULT true,
    achievement     boolean NOT NULL DEFAULT true,
    daily_box_ready boolean NOT NULL DEFAULT true,
    new_chatroom    boolean NOT NULL DEFAULT true,
    runaway         boolean NOT NULL DEFAULT true,
    system          boolean NOT NULL DEFAULT true,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Notifications waiting to be pushed. claimed_until lets several workers share the outbox
-- without a transaction held across HTTP calls: a claim that outlives its worker expires.
CREATE TABLE push_outbox (
    notification_id bigint PRIMARY KEY REFERENCES notifications ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    not_before      timestamptz NOT NULL DEFAULT now(),
    claimed_until   timestamptz,
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0)
);
CREATE INDEX idx_push_outbox_due ON push_outbox (not_before);

-- Cheap for the many players without a subscription: one index probe, nothing inserted.
CREATE FUNCTION push_outbox_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM push_subscriptions s WHERE s.user_id = NEW.user_id)
       AND coalesce((SELECT CASE NEW.category
                                WHEN 'creature_found' THEN p.creature_found
                                WHEN 'achievement' THEN p.achievement
                                WHEN 'daily_box_ready' THEN p.daily_box_ready
                                WHEN 'new_chatroom' THEN p.new_chatroom
                                WHEN 'runaway' THEN p.runaway
                                ELSE p.system END
                     FROM push_preferences p WHERE p.user_id = NEW.user_id), true)
    THEN
        INSERT INTO push_outbox (notification_id, user_id) VALUES (NEW.id, NEW.user_id)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER trg_notifications_push AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION push_outbox_enqueue();
