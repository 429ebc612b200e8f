-- The edge's ledger and report queue on PostgreSQL: the schema that
-- edge/migrations 0001-0003 build on SQLite and D1, column for column
-- (a test compares them), in one file because PostgreSQL started here.
-- SQLite's INTEGER is 64 bits: BIGINT. unixepoch(): whole seconds of now().
CREATE TABLE edge_auth (
  id           TEXT PRIMARY KEY,
  gen          BIGINT NOT NULL DEFAULT 0,
  attempts     BIGINT NOT NULL DEFAULT 0,
  result_jti   TEXT,
  updated      BIGINT NOT NULL DEFAULT CAST(FLOOR(EXTRACT(EPOCH FROM now())) AS BIGINT),
  try_id       TEXT,
  result_token TEXT,
  proof        TEXT
);
CREATE INDEX edge_auth_updated ON edge_auth(updated);

CREATE TABLE edge_report (
  jti        TEXT PRIMARY KEY,
  body       TEXT NOT NULL,
  tries      BIGINT NOT NULL DEFAULT 0,
  due        BIGINT NOT NULL,
  dead       BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  created    BIGINT NOT NULL
);
CREATE INDEX edge_report_due ON edge_report(dead, due);

CREATE TABLE edge_cred (
  cred      TEXT PRIMARY KEY,
  last_step BIGINT NOT NULL,
  updated   BIGINT NOT NULL DEFAULT CAST(FLOOR(EXTRACT(EPOCH FROM now())) AS BIGINT),
  failures  BIGINT NOT NULL DEFAULT 0,
  epoch     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX edge_cred_updated ON edge_cred(updated);

CREATE TABLE edge_card (
  card    TEXT PRIMARY KEY,
  seq     BIGINT NOT NULL,
  updated BIGINT NOT NULL DEFAULT CAST(FLOOR(EXTRACT(EPOCH FROM now())) AS BIGINT)
);
CREATE INDEX edge_card_updated ON edge_card(updated);
