-- honnin issuer schema, version 5 (SQLite): the cardholder portal.
--
-- Per card: the portal password (argon2id PHC string, separate from the
-- 3-D Secure static password credential; '' = no portal access yet),
-- whether the personal message is still the provisional one enrolment set
-- (the portal nags until the cardholder replaces it), and when the
-- cardholder stopped the service for the card (NULL: running; a stopped
-- card is answered as not enrolled).
--
-- The tables and indexes are created IF NOT EXISTS so that this file can
-- run again after 0004's rebuild of cardholders (which drops these
-- columns), as the rebuild test does.

ALTER TABLE cardholders ADD COLUMN portal_password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE cardholders ADD COLUMN message_provisional INTEGER NOT NULL DEFAULT 1;
ALTER TABLE cardholders ADD COLUMN service_stopped_at INTEGER;

-- people: one person signs in once for several cards ("combined login").
-- A card belongs to at most one person; a card signed in on its own gets a
-- person of its own at its first sign-in.
CREATE TABLE IF NOT EXISTS people (
	id         INTEGER PRIMARY KEY,
	created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS person_cards (
	cardholder_id INTEGER PRIMARY KEY REFERENCES cardholders (id) ON DELETE CASCADE,
	person_id     INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	linked_at     INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS person_cards_person ON person_cards (person_id);

-- portal_sessions: only the SHA-256 of the cookie value is stored, so a
-- copy of the table signs nobody in. cardholder_id is the card being
-- managed; flash is a catalogue key shown once on the next page.
CREATE TABLE IF NOT EXISTS portal_sessions (
	id_hash       BLOB    PRIMARY KEY,
	person_id     INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	cardholder_id INTEGER NOT NULL REFERENCES cardholders (id) ON DELETE CASCADE,
	locale        TEXT    NOT NULL DEFAULT 'ja',
	csrf          TEXT    NOT NULL,
	flash         TEXT    NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	seen_at       INTEGER NOT NULL
);

-- portal_codes: the one-time codes of the portal (sign-in, linking a
-- card), keyed by the SHA-256 of a random handle the browser holds; the
-- code itself is vault-sealed (aad "portal-code:" || hex(id_hash)).
-- person_id is the person a link code adds the card to (NULL for sign-in).
CREATE TABLE IF NOT EXISTS portal_codes (
	id_hash       BLOB    PRIMARY KEY,
	cardholder_id INTEGER NOT NULL REFERENCES cardholders (id) ON DELETE CASCADE,
	purpose       TEXT    NOT NULL CHECK (purpose IN ('signin', 'link')),
	person_id     INTEGER REFERENCES people (id) ON DELETE CASCADE,
	code_enc      BLOB    NOT NULL,
	tries         INTEGER NOT NULL DEFAULT 0,
	expires_at    INTEGER NOT NULL,
	used_at       INTEGER,
	created_at    INTEGER NOT NULL
);

-- portal_throttle: wrong portal passwords per card, keyed by the card
-- number's HMAC whether or not the card is enrolled, so a lock says nothing
-- about enrolment.
CREATE TABLE IF NOT EXISTS portal_throttle (
	pan_hmac     BLOB    PRIMARY KEY,
	failures     INTEGER NOT NULL DEFAULT 0,
	locked_until INTEGER NOT NULL DEFAULT 0
);

-- portal_ip_attempts: sign-in attempts per client address, for the
-- rolling per-address limit.
CREATE TABLE IF NOT EXISTS portal_ip_attempts (
	ip TEXT    NOT NULL,
	at INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS portal_ip_attempts_ip ON portal_ip_attempts (ip, at);

-- The portal's history page: a card's authentications, newest first.
CREATE INDEX IF NOT EXISTS authentications_card_created ON authentications (cardholder_id, created_at);
