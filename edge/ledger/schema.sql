-- The edge's state per authentication. One row; every operation on it is a
-- single statement, because D1 (the Workers store) has no transactions.
CREATE TABLE IF NOT EXISTS edge_auth (
  id         TEXT PRIMARY KEY,
  -- newest resend generation seen; tokens of an older gen are refused
  gen        INTEGER NOT NULL DEFAULT 0,
  -- wrong codes so far, per authentication (a resend never resets it)
  attempts   INTEGER NOT NULL DEFAULT 0,
  -- jti of the one result token this authentication got; NULL until then
  result_jti TEXT,
  -- unix seconds of the last change, for pruning
  updated    INTEGER NOT NULL DEFAULT (unixepoch())
);
CREATE INDEX IF NOT EXISTS edge_auth_updated ON edge_auth(updated);
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
