-- honnin issuer schema, version 18: the risk engine's capped counts read
-- their index alone (issue 17).
--
-- The device, address and merchant counts (store.RiskHistory) leave out
-- the authentication being decided (id <> ?). With id outside the index,
-- each of the up to 1,000 entries a count reads cost a seek into the table
-- to fetch id; under load those seeks were a third of the issuer's CPU per
-- start. With id in the index, a count walks the index and nothing else.
--
-- The merchant count only wants failures (status N or R): its index holds
-- only those, so a merchant with thousands of successes in the window is
-- not read row by row to find its few failures. A row enters it when its
-- outcome becomes N or R; status is in it too, so the filter needs no
-- table row either.
--
-- authentications_card_open holds the card's open challenges, the rows a
-- first challenge supersedes (store.supersede): without it the UPDATE read
-- every authentication of the card on SQLite, and PostgreSQL's planner,
-- before autovacuum had counted the table, walked the partial index of
-- every open authentication of every card (1.6 ms a start, and the
-- SIRead locks that made SERIALIZABLE starts retry).
--
-- authentications_ip_decided is dropped: nothing has read it since version
-- 14 counted by ip_net, and every decision paid to keep it.
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
