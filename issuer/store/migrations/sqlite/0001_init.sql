-- honnin issuer schema, version 1 (SQLite).
--
-- Times are INTEGER Unix milliseconds (UTC): the same type in PostgreSQL
-- (BIGINT), comparable in SQL without parsing. NULL means "not yet".
-- Card numbers are never stored: pan_hmac is HMAC-SHA256 under a key kept
-- outside the database, last4 is what may be shown.

CREATE TABLE cardholders (
	id               INTEGER PRIMARY KEY,
	pan_hmac         BLOB    NOT NULL UNIQUE,
	last4            TEXT    NOT NULL,
	email            TEXT    NOT NULL DEFAULT '',
	phone            TEXT    NOT NULL DEFAULT '',
	personal_message TEXT    NOT NULL DEFAULT '',
	preferred_method TEXT    NOT NULL DEFAULT 'email'
		CHECK (preferred_method IN ('email', 'sms', 'app', 'token')),
	locale           TEXT    NOT NULL DEFAULT 'ja',
	status           TEXT    NOT NULL DEFAULT 'active'
		CHECK (status IN ('active', 'locked', 'closed')),
	created_at       INTEGER NOT NULL
);

CREATE TABLE merchants (
	id           INTEGER PRIMARY KEY,
	name         TEXT    NOT NULL UNIQUE,
	-- SHA-256 of the API key: the key is 256 random bits, so a fast hash is
	-- enough and lets the key be looked up by its hash.
	api_key_hash BLOB    NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL
);

CREATE TABLE merchant_origins (
	merchant_id INTEGER NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
	origin      TEXT    NOT NULL,
	PRIMARY KEY (merchant_id, origin)
);

CREATE TABLE authentications (
	id              TEXT    PRIMARY KEY,
	merchant_id     INTEGER NOT NULL REFERENCES merchants (id),
	cardholder_id   INTEGER REFERENCES cardholders (id),
	order_ref       TEXT    NOT NULL DEFAULT '',
	amount          INTEGER NOT NULL CHECK (amount > 0),
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
	finished_at     INTEGER
);

CREATE INDEX authentications_merchant ON authentications (merchant_id, created_at);

-- One row per result report from the edge, keyed by the report's jti so a
-- retried report changes nothing.
CREATE TABLE results (
	jti               TEXT    PRIMARY KEY,
	authentication_id TEXT    NOT NULL REFERENCES authentications (id),
	status            TEXT    NOT NULL,
	reason            TEXT    NOT NULL DEFAULT '',
	gen               INTEGER NOT NULL,
	attempts          INTEGER NOT NULL DEFAULT 0,
	received_at       INTEGER NOT NULL
);

CREATE INDEX results_authentication ON results (authentication_id);

CREATE TABLE audit (
	id                INTEGER PRIMARY KEY,
	at                INTEGER NOT NULL,
	actor             TEXT    NOT NULL,
	action            TEXT    NOT NULL,
	authentication_id TEXT    REFERENCES authentications (id),
	-- detail is a small JSON object; never a code, a key or a card number.
	detail            TEXT    NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_authentication ON audit (authentication_id, id);
