-- honnin:foreign-keys-off
-- honnin issuer schema, version 4 (SQLite): the legacy static password
-- (seed 003) becomes a method a cardholder may use.
--
-- SQLite cannot change a CHECK constraint in place, so cardholders is
-- rebuilt (the procedure of https://sqlite.org/lang_altertable.html §7).
-- The first line makes the migration runner apply it with foreign keys off
-- (dropping the old table must not cascade into credentials, devices or
-- authentications) and run PRAGMA foreign_key_check before it commits.

CREATE TABLE cardholders_v4 (
	id               INTEGER PRIMARY KEY,
	pan_hmac         BLOB    NOT NULL UNIQUE,
	last4            TEXT    NOT NULL,
	email            TEXT    NOT NULL DEFAULT '',
	phone            TEXT    NOT NULL DEFAULT '',
	personal_message TEXT    NOT NULL DEFAULT '',
	preferred_method TEXT    NOT NULL DEFAULT 'email'
		CHECK (preferred_method IN ('email', 'sms', 'app', 'token', 'password')),
	locale           TEXT    NOT NULL DEFAULT 'ja',
	status           TEXT    NOT NULL DEFAULT 'active'
		CHECK (status IN ('active', 'locked', 'closed')),
	created_at       INTEGER NOT NULL,
	country           TEXT    NOT NULL DEFAULT '',
	share_device_data INTEGER NOT NULL DEFAULT 1,
	otp_locked        INTEGER NOT NULL DEFAULT 0
);

INSERT INTO cardholders_v4 (id, pan_hmac, last4, email, phone, personal_message, preferred_method, locale,
	status, created_at, country, share_device_data, otp_locked)
SELECT id, pan_hmac, last4, email, phone, personal_message, preferred_method, locale,
	status, created_at, country, share_device_data, otp_locked
FROM cardholders;

DROP TABLE cardholders;
ALTER TABLE cardholders_v4 RENAME TO cardholders;
