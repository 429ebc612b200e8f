-- honnin issuer schema, version 14 (PostgreSQL): the twin of
-- ../sqlite/0014_devices.sql (the comments are there).
ALTER TABLE authentications ADD COLUMN ip_net TEXT NOT NULL DEFAULT '';
ALTER TABLE authentications ADD COLUMN asn BIGINT NOT NULL DEFAULT 0;
ALTER TABLE authentications ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE authentications ADD COLUMN risk_facts TEXT NOT NULL DEFAULT '';
ALTER TABLE authentications ADD COLUMN prepared_signals TEXT NOT NULL DEFAULT '';
CREATE INDEX authentications_ipnet_decided ON authentications (ip_net, decided_at)
	WHERE ip_net <> '';
CREATE INDEX authentications_merchant_decided ON authentications (merchant_id, decided_at)
	WHERE decided_at IS NOT NULL;

ALTER TABLE card_devices ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE card_devices ADD COLUMN ip_country TEXT NOT NULL DEFAULT '';
ALTER TABLE card_devices ADD COLUMN asn BIGINT NOT NULL DEFAULT 0;

CREATE TABLE risk_denylist (
	kind              TEXT   NOT NULL CHECK (kind IN ('device', 'address', 'merchant')),
	value             TEXT   NOT NULL,
	authentication_id TEXT   NOT NULL,
	added_at          BIGINT NOT NULL,
	expires_at        BIGINT NOT NULL,
	PRIMARY KEY (kind, value)
);

CREATE TABLE fraud_reports (
	authentication_id TEXT   PRIMARY KEY REFERENCES authentications (id) ON DELETE CASCADE,
	cardholder_id     BIGINT NOT NULL REFERENCES cardholders (id) ON DELETE CASCADE,
	reported_at       BIGINT NOT NULL
);
CREATE INDEX fraud_reports_card ON fraud_reports (cardholder_id, reported_at);
