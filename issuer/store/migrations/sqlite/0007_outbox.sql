-- honnin issuer schema, version 7: the outbox (issue 6).
--
-- Notices (a credential locked, an app registration password) are written
-- here when their event happens and delivered by the issuer's outbox loop
-- with retries and backoff, ending sent or failed. Code mails and SMS stay
-- synchronous (the challenge screen says sent or failed), but a failed one
-- is recorded here too, payload NULL: there is nothing to retry, the
-- cardholder resends from the screen.
--
-- kind is notice:<dispatch notice kind> or code:email / code:sms.
-- payload is the vault-sealed notice (aad "outbox:" || ref): an app
-- password must not sit in the database in clear. It is cleared once sent.
-- dest is the masked destination, for the operator's listing. next_at is
-- when a pending row is next due; a deliverer claims a row by moving it
-- ahead (a lease), so a crashed one's row comes due again.

CREATE TABLE outbox (
	id                INTEGER PRIMARY KEY,
	ref               TEXT    NOT NULL UNIQUE,
	kind              TEXT    NOT NULL,
	dest              TEXT    NOT NULL DEFAULT '',
	payload           BLOB,
	state             TEXT    NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'sent', 'failed')),
	attempts          INTEGER NOT NULL DEFAULT 0,
	last_error        TEXT    NOT NULL DEFAULT '',
	next_at           INTEGER NOT NULL,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	CHECK (state <> 'pending' OR payload IS NOT NULL)
);

CREATE INDEX outbox_due ON outbox (state, next_at);
