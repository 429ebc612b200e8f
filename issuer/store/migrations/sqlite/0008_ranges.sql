-- honnin issuer schema, version 8: the card-number ranges this issuer
-- serves (issue 6, seed 002: "some ranges marked not eligible").
--
-- A range is the cards whose first length(start_digits) digits lie between
-- start_digits and end_digits (a BIN prefix is a range whose two ends are
-- equal). Both ends have the same 6 to 11 digits, so comparing them as text
-- is comparing them as numbers. With no rows every card is served as
-- before; with rows, a card in no range is not this issuer's (status U) and
-- a card in a range with eligible = 0 is not enrolled in authentication
-- (status N). The most specific range wins: the longest prefix, then the
-- narrowest span, then the newest.

CREATE TABLE card_ranges (
	id           INTEGER PRIMARY KEY,
	start_digits TEXT    NOT NULL,
	end_digits   TEXT    NOT NULL,
	brand        TEXT    NOT NULL DEFAULT '',
	eligible     INTEGER NOT NULL DEFAULT 1,
	note         TEXT    NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	CHECK (length(start_digits) BETWEEN 6 AND 11),
	CHECK (length(end_digits) = length(start_digits)),
	CHECK (start_digits <= end_digits),
	UNIQUE (start_digits, end_digits)
);
