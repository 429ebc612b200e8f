-- honnin issuer schema, version 10 (PostgreSQL): the twin of
-- ../sqlite/0010_merchant_names.sql, the registered display names and the
-- watch list keyed by merchant (the comments are there).

ALTER TABLE merchants ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
UPDATE merchants SET display_name = name;
ALTER TABLE merchant_origins ADD COLUMN display_name TEXT NOT NULL DEFAULT '';

CREATE TABLE merchant_descriptors (
	merchant_id BIGINT NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
	descriptor  TEXT   NOT NULL,
	PRIMARY KEY (merchant_id, descriptor)
);

-- The old table keeps its rows that match no merchant; its primary key is
-- renamed with it so the new table can have the usual name for its own.
ALTER TABLE merchant_watchlist RENAME TO merchant_watchlist_names;
ALTER TABLE merchant_watchlist_names RENAME CONSTRAINT merchant_watchlist_pkey TO merchant_watchlist_names_pkey;

CREATE TABLE merchant_watchlist (
	merchant_id BIGINT NOT NULL PRIMARY KEY REFERENCES merchants (id) ON DELETE CASCADE,
	note        TEXT   NOT NULL DEFAULT '',
	added_at    BIGINT NOT NULL
);

-- w.name carries the nocase collation (0002), so each comparison with it
-- ignores case as the old look-up did.
INSERT INTO merchant_watchlist (merchant_id, note, added_at)
SELECT m.id, string_agg('watched as "' || w.name || '"' || CASE WHEN w.note <> '' THEN ': ' || w.note ELSE '' END, '; ' ORDER BY w.name),
	MIN(w.added_at)
FROM merchant_watchlist_names w JOIN merchants m
	ON w.name = m.name
	OR EXISTS (SELECT 1 FROM authentications a WHERE a.merchant_id = m.id AND w.name = a.merchant_name)
GROUP BY m.id;

DELETE FROM merchant_watchlist_names w WHERE EXISTS (
	SELECT 1 FROM merchants m
	WHERE w.name = m.name
	OR EXISTS (SELECT 1 FROM authentications a WHERE a.merchant_id = m.id AND w.name = a.merchant_name));
