-- honnin issuer schema, version 14: device recognition across merchant
-- sites, decisions that can be replayed, and the cardholder's "this was not
-- me" (issue 15).

-- ip_net is the address the velocity rule counts by: an IPv4 address whole,
-- an IPv6 address as its /64 (one household, one phone's prefix); '' when
-- unknown. asn is the edge's autonomous system number of the address (0:
-- unknown). fingerprint is the device.Fingerprint of the browser (JSON, ''
-- when the client sent no signals); it is remembered with the device when
-- the authentication succeeds. risk_facts is the risk.Facts the decision
-- read (JSON), so `issuer risk replay` can run another configuration over
-- the same facts. prepared_signals are the device signals Honnin.prepare
-- sent before the iframe was mounted (JSON, '' for none).
ALTER TABLE authentications ADD COLUMN ip_net TEXT NOT NULL DEFAULT '';
ALTER TABLE authentications ADD COLUMN asn INTEGER NOT NULL DEFAULT 0;
ALTER TABLE authentications ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE authentications ADD COLUMN risk_facts TEXT NOT NULL DEFAULT '';
ALTER TABLE authentications ADD COLUMN prepared_signals TEXT NOT NULL DEFAULT '';
CREATE INDEX authentications_ipnet_decided ON authentications (ip_net, decided_at)
	WHERE ip_net <> '';
CREATE INDEX authentications_merchant_decided ON authentications (merchant_id, decided_at)
	WHERE decided_at IS NOT NULL;

-- card_devices remembers, with each device a card succeeded from, what the
-- device looked like then: a device id presented with another browser
-- family, platform, country or network is not "known" (device.Consistent),
-- and a browser with no id is recognised by its fingerprint (device.Match).
ALTER TABLE card_devices ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE card_devices ADD COLUMN ip_country TEXT NOT NULL DEFAULT '';
ALTER TABLE card_devices ADD COLUMN asn INTEGER NOT NULL DEFAULT 0;

-- risk_denylist holds what a cardholder's fraud report named: the device
-- (kind 'device', value the keyed device hash in hex), the address ('address',
-- an ip_net) and the merchant ('merchant', its id). An entry stops counting
-- at expires_at; a second report renews it.
CREATE TABLE risk_denylist (
	kind              TEXT    NOT NULL CHECK (kind IN ('device', 'address', 'merchant')),
	value             TEXT    NOT NULL,
	authentication_id TEXT    NOT NULL,
	added_at          INTEGER NOT NULL,
	expires_at        INTEGER NOT NULL,
	PRIMARY KEY (kind, value)
) WITHOUT ROWID;

-- fraud_reports: the cardholder said "this was not me" of an
-- authentication, once. The card is challenged while a report is recent
-- (risk rule fraud_reported).
CREATE TABLE fraud_reports (
	authentication_id TEXT    PRIMARY KEY REFERENCES authentications (id) ON DELETE CASCADE,
	cardholder_id     INTEGER NOT NULL REFERENCES cardholders (id) ON DELETE CASCADE,
	reported_at       INTEGER NOT NULL
);
CREATE INDEX fraud_reports_card ON fraud_reports (cardholder_id, reported_at);
