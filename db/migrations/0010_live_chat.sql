-- 0010_live_chat: live chat in chatrooms. A message is stored before it is broadcast, so the
-- history (GET /api/chatrooms/:id/messages) is the truth and pub/sub only carries news.
CREATE TABLE chat_messages (
    id          bigserial PRIMARY KEY,
    room_id     uuid NOT NULL REFERENCES chatrooms ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    creature_id uuid REFERENCES creatures ON DELETE SET NULL,  -- the speaker's chatling at the time
    body        text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 500),
    created_at  timestamptz NOT NULL DEFAULT now(),
    hidden_at   timestamptz,                                   -- hidden by a moderator
    hidden_by   uuid REFERENCES users ON DELETE SET NULL
);
CREATE INDEX idx_chat_messages_room ON chat_messages (room_id, id DESC);
CREATE INDEX idx_chat_messages_user ON chat_messages (user_id);

CREATE TABLE chat_reports (
    message_id  bigint NOT NULL REFERENCES chat_messages ON DELETE CASCADE,
    reporter_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    reason      text NOT NULL DEFAULT '' CHECK (char_length(reason) <= 500),
    created_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    PRIMARY KEY (message_id, reporter_id)
);
CREATE INDEX idx_chat_reports_open ON chat_reports (created_at) WHERE resolved_at IS NULL;

CREATE TABLE chat_mutes (
    user_id     uuid PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    muted_until timestamptz,                                    -- NULL = until lifted
    muted_by    uuid REFERENCES users ON DELETE SET NULL,
    reason      text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
