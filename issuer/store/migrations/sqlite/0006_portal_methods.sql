-- honnin issuer schema (SQLite): the cardholder portal's contact changes.
--
-- contact_changes: a new email address or phone waiting for the code sent
-- to it. The code is kept only vault-sealed, like a
-- pending challenge code (aad "contact:" || cardholder_id || ":" || kind
-- || ":" || value); tries counts wrong codes (5 void the change);
-- sends counts the codes sent for it (the first and the resends); a change
-- is final once used or voided (superseded by a newer one, too many tries).
-- IF NOT EXISTS: the store's rebuild test re-applies every migration after
-- 0004 over a database that has this table.
CREATE TABLE IF NOT EXISTS contact_changes (
	id            INTEGER PRIMARY KEY,
	cardholder_id INTEGER NOT NULL REFERENCES cardholders (id) ON DELETE CASCADE,
	kind          TEXT    NOT NULL CHECK (kind IN ('email', 'sms')),
	value         TEXT    NOT NULL,
	code_enc      BLOB    NOT NULL,
	tries         INTEGER NOT NULL DEFAULT 0,
	sends         INTEGER NOT NULL DEFAULT 1,
	sent_at       INTEGER NOT NULL,
	expires_at    INTEGER NOT NULL,
	used_at       INTEGER,
	voided_at     INTEGER,
	created_at    INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS contact_changes_cardholder ON contact_changes (cardholder_id, created_at);
