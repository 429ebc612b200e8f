-- honnin issuer schema, version 16 (PostgreSQL): the twin of
-- ../sqlite/0016_range_branding.sql, a brand per card range (the comments
-- are there).

ALTER TABLE card_ranges ADD COLUMN branding TEXT NOT NULL DEFAULT '';
ALTER TABLE authentications ADD COLUMN range_id BIGINT;
