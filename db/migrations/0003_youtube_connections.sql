-- 0003_youtube_connections: a player's YouTube authorisation (read-only OAuth), one per player.
-- Tokens are never stored in clear: *_enc columns hold core/secretbox values
-- ("v1.<keyid>.<base64url>"), and `chatlings admin rotate-token-key` re-encrypts every text
-- column whose name ends in _enc, so new token columns anywhere should follow that naming.
-- The LIKE checks refuse a clear-text token written by mistake (a later format version relaxes
-- them in its own migration). Deleting the player deletes the connection (personal data).

CREATE TABLE youtube_connections (
    user_id                 uuid PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    channel_id              text,
    refresh_token_enc       text NOT NULL CHECK (refresh_token_enc LIKE 'v1.%'),
    access_token_enc        text CHECK (access_token_enc LIKE 'v1.%'),
    access_token_expires_at timestamptz,
    connected_at            timestamptz NOT NULL DEFAULT now(),
    last_checked_at         timestamptz,
    status                  text NOT NULL DEFAULT 'active' CHECK (status IN ('active','broken'))
);
-- The worker's sweep: active connections, least recently checked first.
CREATE INDEX idx_youtube_connections_due ON youtube_connections (last_checked_at NULLS FIRST)
    WHERE status = 'active';
