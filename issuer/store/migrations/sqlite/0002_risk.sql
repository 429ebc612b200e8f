-- honnin issuer schema, version 2 (SQLite): what the risk decision needs.
--
-- Per authentication: the decision, its score and reason codes, and the
-- signals the engine used (nothing else the browser or the edge sent).
-- Device ids are stored only as a keyed HMAC (device_hash), never as sent.

ALTER TABLE cardholders ADD COLUMN country TEXT NOT NULL DEFAULT '';
-- share_device_data is the cardholder's consent to send (pseudonymised)
-- device data to the third-party risk service; 0 = opted out.
ALTER TABLE cardholders ADD COLUMN share_device_data INTEGER NOT NULL DEFAULT 1;
-- otp_locked: the one-time-code credential is locked (too many wrong codes,
-- or by the cardholder); the risk engine denies rather than challenges.
ALTER TABLE cardholders ADD COLUMN otp_locked INTEGER NOT NULL DEFAULT 0;

ALTER TABLE authentications ADD COLUMN decision TEXT NOT NULL DEFAULT ''
	CHECK (decision IN ('', 'frictionless', 'challenge', 'deny'));
ALTER TABLE authentications ADD COLUMN risk_score INTEGER;
-- risk_reasons: the fired rules' codes with their points, JSON
-- [{"code":..,"points":..}]; shown to merchants only as coarse categories.
ALTER TABLE authentications ADD COLUMN risk_reasons TEXT NOT NULL DEFAULT '[]';
-- signals: the signals the decision used, JSON.
ALTER TABLE authentications ADD COLUMN signals TEXT NOT NULL DEFAULT '{}';
ALTER TABLE authentications ADD COLUMN device_hash BLOB;
ALTER TABLE authentications ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE authentications ADD COLUMN ip_country TEXT NOT NULL DEFAULT '';
ALTER TABLE authentications ADD COLUMN decided_at INTEGER;

-- The history queries of a decision: per card, per device, per IP, each
-- over a recent window of decided_at.
CREATE INDEX authentications_card_decided ON authentications (cardholder_id, decided_at)
	WHERE decided_at IS NOT NULL;
CREATE INDEX authentications_device_decided ON authentications (device_hash, decided_at)
	WHERE device_hash IS NOT NULL;
CREATE INDEX authentications_ip_decided ON authentications (ip, decided_at)
	WHERE ip <> '';

-- card_devices: a device that has completed a successful (Y) authentication
-- for a card. "Seen before with a success" is one primary-key lookup.
CREATE TABLE card_devices (
	cardholder_id INTEGER NOT NULL REFERENCES cardholders (id) ON DELETE CASCADE,
	device_hash   BLOB    NOT NULL,
	first_success INTEGER NOT NULL,
	last_success  INTEGER NOT NULL,
	successes     INTEGER NOT NULL DEFAULT 1,
	PRIMARY KEY (cardholder_id, device_hash)
) WITHOUT ROWID;

-- merchant_watchlist: merchant names (as sent in authentications) under
-- suspicion; matched case-insensitively.
CREATE TABLE merchant_watchlist (
	name     TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,
	note     TEXT    NOT NULL DEFAULT '',
	added_at INTEGER NOT NULL
);
