-- honnin issuer schema, version 4 (PostgreSQL): the twin of
-- ../sqlite/0004_password_method.sql: the legacy static password becomes
-- a method a cardholder may prefer. SQLite rebuilds the table to change
-- the CHECK; PostgreSQL replaces the constraint in place.

ALTER TABLE cardholders
	DROP CONSTRAINT cardholders_preferred_method_check,
	ADD CONSTRAINT cardholders_preferred_method_check
		CHECK (preferred_method IN ('email', 'sms', 'app', 'token', 'password'));
