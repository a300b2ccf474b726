-- 0012_admin: what the admin portal needs beyond 0002's audit_log and users.suspended_at:
-- the reason for a suspension, and indexes for the portal's searches and dashboard figures.

-- Shown to admins (and in the audit row); never to other players.
ALTER TABLE users ADD COLUMN suspended_reason text CHECK (char_length(suspended_reason) <= 500);

-- Player search: substring of the username (WHERE lower(username) LIKE '%...%').
CREATE INDEX idx_users_username_trgm ON users USING gin (lower(username) gin_trgm_ops);
-- Dashboard: active players in the last 24 hours / 7 days.
CREATE INDEX idx_users_last_seen ON users (last_seen_at) WHERE deleted_at IS NULL;
-- Dashboard: finds per source in the last 24 hours / 7 days.
CREATE INDEX idx_collections_first_found ON user_collections (first_found_at);
-- Audit log filters: an action prefix ("creature_"), newest first; and one target's history.
CREATE INDEX idx_audit_log_action ON audit_log (action text_pattern_ops, id DESC);
CREATE INDEX idx_audit_log_target ON audit_log (target, id DESC);
