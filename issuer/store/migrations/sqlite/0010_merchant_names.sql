-- honnin issuer schema, version 10: the name a cardholder is shown for a
-- merchant comes from the merchant's registration, not from the request
-- (issue 12, scenario 7: a merchant key put "JCB Security: do NOT share;
-- call 0120…" into the challenge screen, the code mail and the SMS, and a
-- watch-listed merchant escaped the list by sending another name).
--
-- merchants.display_name is what cardholders see, set by the operator
-- (issuer merchant add -display-name, issuer merchant names); it starts as
-- the account name, which is what merchants sent until now.
-- merchant_origins.display_name, when not '', replaces it for checkouts
-- served from that origin (a merchant with several storefronts).
-- merchant_descriptors are further names the operator allows the merchant
-- to send per order as merchant_name; nothing else is ever shown.
ALTER TABLE merchants ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
UPDATE merchants SET display_name = name;
ALTER TABLE merchant_origins ADD COLUMN display_name TEXT NOT NULL DEFAULT '';

CREATE TABLE merchant_descriptors (
	merchant_id INTEGER NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
	descriptor  TEXT    NOT NULL,
	PRIMARY KEY (merchant_id, descriptor)
) WITHOUT ROWID;

-- The watch list is keyed by merchant: a name is whatever the merchant
-- sent, so a watched merchant only had to vary it. Each watched name
-- becomes the merchants it stood for: those registered under it and those
-- that sent it (matched case-insensitively, as before). A name that
-- matches no merchant stays in merchant_watchlist_names, which nothing
-- reads; issuer merchant watch list shows it for the operator to review.
ALTER TABLE merchant_watchlist RENAME TO merchant_watchlist_names;

CREATE TABLE merchant_watchlist (
	merchant_id INTEGER NOT NULL PRIMARY KEY REFERENCES merchants (id) ON DELETE CASCADE,
	note        TEXT    NOT NULL DEFAULT '',
	added_at    INTEGER NOT NULL
);

-- w.name is on the left of each comparison so its NOCASE collation is the
-- one used.
INSERT INTO merchant_watchlist (merchant_id, note, added_at)
SELECT m.id, group_concat('watched as "' || w.name || '"' || CASE WHEN w.note <> '' THEN ': ' || w.note ELSE '' END, '; '),
	MIN(w.added_at)
FROM merchant_watchlist_names w JOIN merchants m
	ON w.name = m.name
	OR EXISTS (SELECT 1 FROM authentications a WHERE a.merchant_id = m.id AND w.name = a.merchant_name)
GROUP BY m.id;

DELETE FROM merchant_watchlist_names WHERE EXISTS (
	SELECT 1 FROM merchants m
	WHERE merchant_watchlist_names.name = m.name
	OR EXISTS (SELECT 1 FROM authentications a WHERE a.merchant_id = m.id AND merchant_watchlist_names.name = a.merchant_name));
