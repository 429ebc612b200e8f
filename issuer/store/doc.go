// Package store is the issuer's database: cardholders, merchants,
// authentications, result reports, the credentials cardholders prove
// themselves with (email, SMS, authenticator app, hardware token, static
// password) with their failure counters and locks, the token stock, app
// registrations, the per-destination send log and the audit trail, over
// database/sql.
//
// Secrets are stored only sealed (issuer/vault: TOTP seeds, pending codes)
// or hashed (issuer/passhash: passwords); the store never sees a key.
//
// SQLite (modernc.org/sqlite, pure Go) is the embedded default. The SQL is
// kept to what PostgreSQL also runs (RETURNING, ON CONFLICT, ? placeholders
// rewritten by the dialect, integer times) so a second dialect needs its own
// migrations directory and a placeholder rewrite, not new queries.
//
// Every state change is one guarded statement, or a short transaction around
// one, so that the database and not the caller decides races: two resends of
// the same generation cannot both win, and an authentication reaches a final
// status once.
package store
