-- honnin issuer schema, version 9: the limits hold per credential and per
-- card, and every outcome is kept (issue 12).
--
-- credentials.epoch counts the changes of a credential's state (lock,
-- unlock, revocation). A challenge seals each credential's epoch; the edge
-- refuses to compare codes for a credential in a challenge sealed before
-- its newest epoch, which edge_pushes carries to the edge. It starts at 1:
-- the edge reads 0 as "never told".
--
-- cardholders.challenge_seq orders a card's challenges and
-- authentications.card_seq is the one an authentication got: the edge keeps
-- the newest per card, so a card has one open challenge at a time.
--
-- authentications.gen_at is when the newest generation was issued (a
-- reload re-mints it until it expires); start_tat is the starts' rate limit
-- (GCRA: the theoretical arrival time of the next start, unix ms);
-- result_token is the result the edge minted, for the merchant's GET.
--
-- edge_pushes is the queue of credential states the issuer owes the edge,
-- written in the same transaction as the change and delivered with retries.

ALTER TABLE credentials ADD COLUMN epoch INTEGER NOT NULL DEFAULT 1;
ALTER TABLE cardholders ADD COLUMN challenge_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE authentications ADD COLUMN card_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE authentications ADD COLUMN gen_at INTEGER;
ALTER TABLE authentications ADD COLUMN start_tat INTEGER NOT NULL DEFAULT 0;
ALTER TABLE authentications ADD COLUMN result_token TEXT NOT NULL DEFAULT '';

CREATE TABLE edge_pushes (
	id         INTEGER PRIMARY KEY,
	cred       TEXT    NOT NULL,
	epoch      INTEGER NOT NULL,
	failures   INTEGER NOT NULL,
	tries      INTEGER NOT NULL DEFAULT 0,
	last_error TEXT    NOT NULL DEFAULT '',
	due_at     INTEGER NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE INDEX edge_pushes_due ON edge_pushes (due_at);
