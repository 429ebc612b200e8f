-- honnin issuer schema, version 12: the keys of the authentication value
-- (issuer/authvalue; issue 14).
--
-- id is the key id the value carries in its byte [1]: 1 to 255. sealed is
-- the 32-byte key sealed by the issuer's vault (issuer/vault, additional
-- data "honnin/av-key:<id>"), never the key itself: the database alone
-- cannot mint or check a value. The highest id mints; every key checks, so
-- values made before a rotation (issuer av rotate) still verify.
-- retired_at is when a newer key took over (NULL for the current one).
CREATE TABLE av_keys (
	id         INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 255),
	sealed     BLOB    NOT NULL,
	created_at INTEGER NOT NULL,
	retired_at INTEGER
);
