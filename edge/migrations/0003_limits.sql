-- The limits hold per credential and per card (issue 12). 0001 and 0002
-- stay as deployed; the native edge applies these files in the same order
-- (edge/migrations, PRAGMA user_version), so both runtimes share one schema.

-- edge_auth.try_id: the newest counted try; the other statements of that
-- try's batch act only while it is theirs. result_token and proof: the
-- authentication's one result, kept so that a lost answer is given again
-- to whoever shows the same proof (the challenge's jti and the right code,
-- hashed) or, for a start, the same session.
ALTER TABLE edge_auth ADD COLUMN try_id TEXT;
ALTER TABLE edge_auth ADD COLUMN result_token TEXT;
ALTER TABLE edge_auth ADD COLUMN proof TEXT;

-- edge_cred now holds every credential a challenge offers, not only TOTP
-- ones: failures counts the wrong codes compared for it since its last
-- success, across every authentication; epoch is the issuer's newest word
-- on it (a challenge sealed with an older epoch is refused).
ALTER TABLE edge_cred ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE edge_cred ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;

-- The newest challenge per card (an opaque id the issuer seals): a
-- challenge of an older seq is refused, one open challenge per card.
CREATE TABLE IF NOT EXISTS edge_card (
  card    TEXT PRIMARY KEY,
  seq     INTEGER NOT NULL,
  updated INTEGER NOT NULL DEFAULT (unixepoch())
);
CREATE INDEX IF NOT EXISTS edge_card_updated ON edge_card(updated);
