-- honnin issuer schema, version 2 (PostgreSQL): the twin of
-- ../sqlite/0002_risk.sql, what the risk decision needs.

ALTER TABLE cardholders ADD COLUMN country TEXT NOT NULL DEFAULT '';
-- Flags are integers 0/1 as in SQLite (the store's queries set them with
-- 1 and with CASE ... THEN 1 ELSE 0).
ALTER TABLE cardholders ADD COLUMN share_device_data INTEGER NOT NULL DEFAULT 1
	CHECK (share_device_data IN (0, 1));
ALTER TABLE cardholders ADD COLUMN otp_locked INTEGER NOT NULL DEFAULT 0
	CHECK (otp_locked IN (0, 1));

ALTER TABLE authentications ADD COLUMN decision TEXT NOT NULL DEFAULT ''
	CHECK (decision IN ('', 'frictionless', 'challenge', 'deny'));
ALTER TABLE authentications ADD COLUMN risk_score BIGINT;
ALTER TABLE authentications ADD COLUMN risk_reasons TEXT NOT NULL DEFAULT '[]';
ALTER TABLE authentications ADD COLUMN signals TEXT NOT NULL DEFAULT '{}';
ALTER TABLE authentications ADD COLUMN device_hash BYTEA;
ALTER TABLE authentications ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE authentications ADD COLUMN ip_country TEXT NOT NULL DEFAULT '';
ALTER TABLE authentications ADD COLUMN decided_at BIGINT;

CREATE INDEX authentications_card_decided ON authentications (cardholder_id, decided_at)
	WHERE decided_at IS NOT NULL;
CREATE INDEX authentications_device_decided ON authentications (device_hash, decided_at)
	WHERE device_hash IS NOT NULL;
CREATE INDEX authentications_ip_decided ON authentications (ip, decided_at)
	WHERE ip <> '';

CREATE TABLE card_devices (
	cardholder_id BIGINT NOT NULL REFERENCES cardholders (id) ON DELETE CASCADE,
	device_hash   BYTEA  NOT NULL,
	first_success BIGINT NOT NULL,
	last_success  BIGINT NOT NULL,
	successes     BIGINT NOT NULL DEFAULT 1,
	PRIMARY KEY (cardholder_id, device_hash)
);

-- merchant_watchlist: names matched case-insensitively. SQLite's COLLATE
-- NOCASE is here a nondeterministic ICU collation at secondary strength
-- (case ignored, accents not), which equality, the primary key and
-- ON CONFLICT (name) all honour.
CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

CREATE TABLE merchant_watchlist (
	name     TEXT   NOT NULL PRIMARY KEY COLLATE nocase,
	note     TEXT   NOT NULL DEFAULT '',
	added_at BIGINT NOT NULL
);
