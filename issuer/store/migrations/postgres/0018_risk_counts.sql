-- honnin issuer schema, version 18 (PostgreSQL): the twin of
-- ../sqlite/0018_risk_counts.sql (the comments are there). On PostgreSQL
-- the same indexes let the counts be index-only scans.
DROP INDEX authentications_ip_decided;
DROP INDEX authentications_ipnet_decided;
CREATE INDEX authentications_ipnet_decided ON authentications (ip_net, decided_at, id)
	WHERE ip_net <> '';
DROP INDEX authentications_device_decided;
CREATE INDEX authentications_device_decided ON authentications (device_hash, decided_at, id)
	WHERE device_hash IS NOT NULL;
DROP INDEX authentications_merchant_decided;
CREATE INDEX authentications_merchant_failed ON authentications (merchant_id, decided_at, id, status)
	WHERE status IN ('N', 'R') AND decided_at IS NOT NULL;
CREATE INDEX authentications_card_open ON authentications (cardholder_id)
	WHERE status = 'C' AND gen > 0;
