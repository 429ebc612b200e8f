-- honnin issuer schema, version 16: a credential's count of consecutive
-- wrong codes follows the edge's order, not the order reports arrive in
-- (issue 17).
--
-- credentials.success_seq is the card_seq of the newest challenge whose
-- success reset the credential's count (or, after an operator's unlock,
-- the card's newest challenge then): the edge refuses a try on a challenge
-- once a newer one of the card was started, so every wrong code of a
-- challenge at or before it came before that reset, whenever its report
-- arrives. 0: no success recorded since this column was added.
--
-- The index lets a late success sum the wrong codes of the card's
-- challenges after it.

ALTER TABLE credentials ADD COLUMN success_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX authentications_card_seq ON authentications (cardholder_id, card_seq);
