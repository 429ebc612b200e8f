-- TOTP replay protection (issue 3): the edge_cred table of edge/ledger/schema.sql.
-- 0001 stays as deployed; a test in edge/worker checks 0001 + 0002 build the schemas.
-- The newest TOTP step accepted per credential (app or hardware token), so a
-- code is never accepted twice, even across authentications (RFC 6238 §5.2):
-- a step at or below last_step is refused.
CREATE TABLE IF NOT EXISTS edge_cred (
  -- the credential's public id, as sealed in the challenge's codes
  cred      TEXT PRIMARY KEY,
  last_step INTEGER NOT NULL,
  -- unix seconds of the last change, for pruning
  updated   INTEGER NOT NULL DEFAULT (unixepoch())
);
CREATE INDEX IF NOT EXISTS edge_cred_updated ON edge_cred(updated);
