-- honnin issuer schema, version 3 (SQLite): every way a cardholder proves
-- it is them is a credential (email, sms, app, token, password), with its
-- own consecutive-failure counter and lock; hardware tokens are imported
-- stock; app registrations are single-use; sends are counted per hashed
-- destination (SMS pumping cap).
--
-- Secrets are never stored in clear: TOTP seeds are sealed by issuer/vault
-- (AES-256-GCM, the aad binds a seed to its row), passwords are argon2id PHC
-- strings, registration passwords SHA-256 (they are random and high-entropy).

-- tokens: hardware TOTP tokens as imported from the vendor's seed file,
-- assigned or not. seed_enc is sealed with aad "token:" || serial.
CREATE TABLE tokens (
	id          INTEGER PRIMARY KEY,
	serial      TEXT    NOT NULL UNIQUE,
	seed_enc    BLOB    NOT NULL,
	digits      INTEGER NOT NULL DEFAULT 6,
	period      INTEGER NOT NULL DEFAULT 60,
	algorithm   TEXT    NOT NULL DEFAULT 'SHA1',
	imported_at INTEGER NOT NULL
);

CREATE TABLE credentials (
	id            INTEGER PRIMARY KEY,
	-- public_id is what the edge sees (the sealed cred, the key of its
	-- used-step record): 130 random bits in base32.
	public_id     TEXT    NOT NULL UNIQUE,
	cardholder_id INTEGER NOT NULL REFERENCES cardholders (id) ON DELETE CASCADE,
	kind          TEXT    NOT NULL CHECK (kind IN ('email', 'sms', 'app', 'token', 'password')),
	state         TEXT    NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'locked', 'revoked')),
	-- lock_reason says why the credential is locked or revoked: failures
	-- (too many wrong codes), cardholder, operator, lost (token), released
	-- (app given up), replaced (a new app, or an app/token superseding the
	-- password).
	lock_reason   TEXT    NOT NULL DEFAULT ''
		CHECK (lock_reason IN ('', 'failures', 'cardholder', 'operator', 'lost', 'released', 'replaced')),
	-- failures counts consecutive wrong codes across authentications; a
	-- success resets it, a lock and a timed unlock do not.
	failures      INTEGER NOT NULL DEFAULT 0,
	-- last_step and drift: the newest TOTP step accepted and its distance
	-- from the step of the clock (RFC 6238 section 6).
	last_step     INTEGER NOT NULL DEFAULT 0,
	drift         INTEGER NOT NULL DEFAULT 0,
	-- app: the vault-sealed seed (aad "cred:" || public_id) and its TOTP
	-- parameters. A token's are in tokens.
	seed_enc      BLOB,
	digits        INTEGER NOT NULL DEFAULT 0,
	period        INTEGER NOT NULL DEFAULT 0,
	algorithm     TEXT    NOT NULL DEFAULT '',
	token_id      INTEGER REFERENCES tokens (id),
	password_hash TEXT    NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	locked_at     INTEGER,
	last_used_at  INTEGER,
	CHECK ((kind = 'token') = (token_id IS NOT NULL)),
	CHECK (kind <> 'app' OR seed_enc IS NOT NULL),
	CHECK (kind <> 'password' OR password_hash <> '')
);

CREATE INDEX credentials_cardholder ON credentials (cardholder_id, kind);
-- One email and one sms credential per cardholder (its destination is the
-- cardholder's address), one app, one password; a token serves one
-- cardholder at a time. Revoked rows stay as history.
CREATE UNIQUE INDEX credentials_one_contact ON credentials (cardholder_id, kind)
	WHERE kind IN ('email', 'sms', 'app', 'password') AND state <> 'revoked';
CREATE UNIQUE INDEX credentials_one_token ON credentials (token_id)
	WHERE token_id IS NOT NULL AND state <> 'revoked';

-- app_registrations: the registration ID and password a cardholder types
-- into the authenticator app's enrolment page; valid until expires_at, used
-- once. voided_at: superseded by a newer registration or too many wrong
-- passwords.
CREATE TABLE app_registrations (
	id            TEXT    PRIMARY KEY,
	cardholder_id INTEGER NOT NULL REFERENCES cardholders (id) ON DELETE CASCADE,
	password_hash BLOB    NOT NULL,
	expires_at    INTEGER NOT NULL,
	used_at       INTEGER,
	voided_at     INTEGER,
	wrong_tries   INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL
);

CREATE INDEX app_registrations_cardholder ON app_registrations (cardholder_id);

-- sends: one row per code handed to mail or SMS, keyed by a hash of the
-- destination, for the rolling per-destination cap.
CREATE TABLE sends (
	id                INTEGER PRIMARY KEY,
	dest_hash         BLOB    NOT NULL,
	kind              TEXT    NOT NULL,
	authentication_id TEXT    REFERENCES authentications (id),
	at                INTEGER NOT NULL
);

CREATE INDEX sends_dest ON sends (dest_hash, at);

-- creds: JSON array of the public ids of the credentials offered.
ALTER TABLE authentications ADD COLUMN creds TEXT NOT NULL DEFAULT '[]';
-- resends: resends done (the start is not one).
ALTER TABLE authentications ADD COLUMN resends INTEGER NOT NULL DEFAULT 0;
-- failures_seen: wrong codes of this authentication already charged to
-- its credentials; reports carry the running total.
ALTER TABLE authentications ADD COLUMN failures_seen INTEGER NOT NULL DEFAULT 0;
-- secret_enc: vault-sealed {code, av} of the newest email/SMS code, so a
-- page reload re-mints the challenge without a new send; NULL once final.
ALTER TABLE authentications ADD COLUMN secret_enc BLOB;
