-- honnin issuer schema, version 13 (PostgreSQL): an authentication may have
-- no amount. An EMV 3-D Secure non-payment authentication (messageCategory
-- 02: a card added to a wallet, an account checked) has no purchase: it is
-- stored with amount 0 and currency '' (edge/money NoPurchase), and shown
-- as "no payment (card check)". The merchant API still takes 1 or more.
ALTER TABLE authentications DROP CONSTRAINT authentications_amount_check;
ALTER TABLE authentications ADD CONSTRAINT authentications_amount_check
	CHECK (amount > 0 OR (amount = 0 AND currency = ''));
