-- honnin issuer schema, version 16: a brand per card range (issue 16: an
-- issuer that runs several brands names, on a denied or locked card's
-- screen, the brand of the card's range).
--
-- card_ranges.branding is the range's brand as JSON (contract.Issuer:
-- name, phone, portal_url, logo as a data: URL, color, accent), '' for
-- none: the issuer's default then shows. authentications.range_id is the
-- range the card was found in when the authentication was created (NULL:
-- no ranges, or none held it); the start looks the brand up through it,
-- since the card number itself is not kept. It is no foreign key: a
-- removed range leaves its authentications with the default brand.

ALTER TABLE card_ranges ADD COLUMN branding TEXT NOT NULL DEFAULT '';
ALTER TABLE authentications ADD COLUMN range_id INTEGER;
