-- honnin issuer schema, version 15 (PostgreSQL): the twin of
-- ../sqlite/0015_retention.sql (the comments are there).
CREATE INDEX audit_at ON audit (at);
CREATE INDEX sends_at ON sends (at);
CREATE INDEX outbox_done ON outbox (updated_at) WHERE state <> 'pending';
CREATE INDEX authentications_open_updated ON authentications (updated_at) WHERE status = 'C';
CREATE INDEX authentications_finished ON authentications (finished_at) WHERE status <> 'C';
CREATE INDEX IF NOT EXISTS portal_sessions_seen ON portal_sessions (seen_at);
CREATE INDEX IF NOT EXISTS portal_sessions_created ON portal_sessions (created_at);
CREATE INDEX IF NOT EXISTS portal_codes_expires ON portal_codes (expires_at);
CREATE INDEX IF NOT EXISTS portal_ip_attempts_at ON portal_ip_attempts (at);
