-- The edge's D1 schema: edge/ledger/schema.sql and edge/report/schema.sql,
-- in that order (a test in edge/worker keeps them the same).
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
-- Outcomes waiting to reach the issuer. A row is written before the
-- cardholder sees the result and deleted once the issuer has it, so what is
-- here is exactly what the issuer may not know yet.
CREATE TABLE IF NOT EXISTS edge_report (
  jti        TEXT PRIMARY KEY,           -- the result token's jti; the issuer dedupes on it
  body       TEXT NOT NULL,              -- the JSON posted to /internal/v1/results
  tries      INTEGER NOT NULL DEFAULT 0, -- failed deliveries so far
  due        INTEGER NOT NULL,           -- unix ms when it may be tried (again)
  dead       INTEGER NOT NULL DEFAULT 0, -- 1: the issuer refused it for good; kept for an operator
  last_error TEXT NOT NULL DEFAULT '',
  created    INTEGER NOT NULL            -- unix ms
);
CREATE INDEX IF NOT EXISTS edge_report_due ON edge_report(dead, due);
