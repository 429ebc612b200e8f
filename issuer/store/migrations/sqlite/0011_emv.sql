-- honnin issuer schema, version 11: EMV 3-D Secure (issue 14). A card
-- scheme's Directory Server (DS) sends the issuer an AReq; the issuer
-- answers the ARes from the same authentication a merchant's API call
-- makes, and keeps here what the EMV side needs beyond it.
--
-- One row per AReq answered with an authentication. acs_trans_id is the id
-- the ARes gave; the browser's CReq and the RReq name the transaction by
-- it. The timers (first CReq within 30 s of the ARes; the challenge within
-- its lifetime) end the authentication and set challenge_cancel. The RReq
-- is built from the final authentication by the sender (rreq IS NULL and
-- the ARes was C), claimed by moving rreq_due_at (a lease), and marked
-- sent with the RRes's resultsStatus: never a second write path to keep in
-- step with the outcome, and never sent twice by two replicas.
CREATE TABLE emv_transactions (
	acs_trans_id        TEXT    PRIMARY KEY,
	authentication_id   TEXT    NOT NULL UNIQUE REFERENCES authentications (id),
	server_trans_id     TEXT    NOT NULL,
	ds_trans_id         TEXT    NOT NULL DEFAULT '',
	ds_reference_number TEXT    NOT NULL DEFAULT '',
	message_version     TEXT    NOT NULL,
	message_category    TEXT    NOT NULL,
	device_channel      TEXT    NOT NULL,
	notification_url    TEXT    NOT NULL DEFAULT '',
	-- ares_status is the ARes's transStatus; only C has a challenge.
	ares_status         TEXT    NOT NULL,
	ares_at             INTEGER NOT NULL,
	creq_at             INTEGER,
	window_size         TEXT    NOT NULL DEFAULT '',
	challenge_cancel    TEXT    NOT NULL DEFAULT '',
	rreq                TEXT,
	rreq_due_at         INTEGER,
	rreq_attempts       INTEGER NOT NULL DEFAULT 0,
	rreq_sent_at        INTEGER,
	results_status      TEXT    NOT NULL DEFAULT '',
	rreq_error          TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX emv_transactions_open ON emv_transactions (ares_at) WHERE ares_status = 'C' AND rreq IS NULL;
CREATE INDEX emv_transactions_rreq_due ON emv_transactions (rreq_due_at) WHERE rreq_due_at IS NOT NULL;

-- What the 3DS Method's page collected, per threeDSServerTransID, until
-- the AReq of that transaction reads it. The first one wins: a second post
-- for the same id changes nothing. Rows older than an hour are pruned.
CREATE TABLE emv_methods (
	server_trans_id TEXT    PRIMARY KEY,
	device          TEXT    NOT NULL,
	edge            TEXT    NOT NULL,
	received_at     INTEGER NOT NULL
);
CREATE INDEX emv_methods_received ON emv_methods (received_at);
