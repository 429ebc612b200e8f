-- honnin:foreign-keys-off
-- honnin issuer schema, version 13 (SQLite): an authentication may have no
-- amount. An EMV 3-D Secure non-payment authentication (messageCategory
-- 02: a card added to a wallet, an account checked) has no purchase: it is
-- stored with amount 0 and currency '' (edge/money NoPurchase), and shown
-- as "no payment (card check)". The merchant API still takes 1 or more.
--
-- SQLite cannot change a CHECK constraint in place, so authentications is
-- rebuilt (https://sqlite.org/lang_altertable.html §7), as 0004 rebuilt
-- cardholders: the first line makes the runner apply it with foreign keys
-- off (results, audit, sends and emv_transactions reference it) and check
-- them before it commits.

CREATE TABLE authentications_v13 (
	id              TEXT    PRIMARY KEY,
	merchant_id     INTEGER NOT NULL REFERENCES merchants (id),
	cardholder_id   INTEGER REFERENCES cardholders (id),
	order_ref       TEXT    NOT NULL DEFAULT '',
	amount          INTEGER NOT NULL CHECK (amount > 0 OR (amount = 0 AND currency = '')),
	currency        TEXT    NOT NULL,
	merchant_name   TEXT    NOT NULL,
	merchant_origin TEXT    NOT NULL,
	status          TEXT    NOT NULL CHECK (status IN ('C', 'Y', 'N', 'U', 'A', 'R')),
	reason          TEXT    NOT NULL DEFAULT '',
	method          TEXT    NOT NULL DEFAULT '',
	-- gen counts the codes sent: each start or resend takes the next one.
	gen             INTEGER NOT NULL DEFAULT 0,
	-- SHA-256 of the authentication value sealed into the newest challenge.
	av_hash         BLOB,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	started_at      INTEGER,
	-- last_sent_at is when the newest code was handed to the mail server;
	-- the resend cooldown counts from it. NULL after a failed send.
	last_sent_at    INTEGER,
	finished_at     INTEGER,
	decision        TEXT    NOT NULL DEFAULT ''
		CHECK (decision IN ('', 'frictionless', 'challenge', 'deny')),
	risk_score      INTEGER,
	risk_reasons    TEXT    NOT NULL DEFAULT '[]',
	signals         TEXT    NOT NULL DEFAULT '{}',
	device_hash     BLOB,
	ip              TEXT    NOT NULL DEFAULT '',
	ip_country      TEXT    NOT NULL DEFAULT '',
	decided_at      INTEGER,
	creds           TEXT    NOT NULL DEFAULT '[]',
	resends         INTEGER NOT NULL DEFAULT 0,
	failures_seen   INTEGER NOT NULL DEFAULT 0,
	secret_enc      BLOB,
	card_seq        INTEGER NOT NULL DEFAULT 0,
	gen_at          INTEGER,
	start_tat       INTEGER NOT NULL DEFAULT 0,
	result_token    TEXT    NOT NULL DEFAULT ''
);

INSERT INTO authentications_v13 (id, merchant_id, cardholder_id, order_ref, amount, currency, merchant_name,
	merchant_origin, status, reason, method, gen, av_hash, created_at, updated_at, started_at, last_sent_at,
	finished_at, decision, risk_score, risk_reasons, signals, device_hash, ip, ip_country, decided_at, creds,
	resends, failures_seen, secret_enc, card_seq, gen_at, start_tat, result_token)
SELECT id, merchant_id, cardholder_id, order_ref, amount, currency, merchant_name,
	merchant_origin, status, reason, method, gen, av_hash, created_at, updated_at, started_at, last_sent_at,
	finished_at, decision, risk_score, risk_reasons, signals, device_hash, ip, ip_country, decided_at, creds,
	resends, failures_seen, secret_enc, card_seq, gen_at, start_tat, result_token
FROM authentications;

DROP TABLE authentications;
ALTER TABLE authentications_v13 RENAME TO authentications;

CREATE INDEX authentications_merchant ON authentications (merchant_id, created_at);
CREATE INDEX authentications_card_decided ON authentications (cardholder_id, decided_at)
	WHERE decided_at IS NOT NULL;
CREATE INDEX authentications_device_decided ON authentications (device_hash, decided_at)
	WHERE device_hash IS NOT NULL;
CREATE INDEX authentications_ip_decided ON authentications (ip, decided_at)
	WHERE ip <> '';
CREATE INDEX authentications_card_created ON authentications (cardholder_id, created_at);
