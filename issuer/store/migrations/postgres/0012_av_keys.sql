-- honnin issuer schema, version 12 (PostgreSQL): the twin of
-- ../sqlite/0012_av_keys.sql, the vault-sealed keys of the authentication
-- value (the comments are there).
CREATE TABLE av_keys (
	id         INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 255),
	sealed     BYTEA   NOT NULL,
	created_at BIGINT  NOT NULL,
	retired_at BIGINT
);
