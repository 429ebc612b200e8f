-- honnin issuer schema, version 15: retention (issue 17, item 7).
--
-- store.Prune deletes, in batches, what each table no longer needs; each
-- batch picks its rows by age with a LIMIT subquery, and these indexes let
-- it find them without reading the table (a batch that finds nothing left
-- must not scan 750k audit rows to say so). The abandoned rule reads the
-- open authentications by their last change, the finished rule the ended
-- ones by when they ended.
CREATE INDEX audit_at ON audit (at);
CREATE INDEX sends_at ON sends (at);
CREATE INDEX outbox_done ON outbox (updated_at) WHERE state <> 'pending';
CREATE INDEX authentications_open_updated ON authentications (updated_at) WHERE status = 'C';
CREATE INDEX authentications_finished ON authentications (finished_at) WHERE status <> 'C';
CREATE INDEX IF NOT EXISTS portal_sessions_seen ON portal_sessions (seen_at);
CREATE INDEX IF NOT EXISTS portal_sessions_created ON portal_sessions (created_at);
CREATE INDEX IF NOT EXISTS portal_codes_expires ON portal_codes (expires_at);
CREATE INDEX IF NOT EXISTS portal_ip_attempts_at ON portal_ip_attempts (at);
