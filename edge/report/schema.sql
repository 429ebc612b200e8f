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
