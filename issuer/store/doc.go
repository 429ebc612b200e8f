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
// Two engines run the same queries: SQLite (modernc.org/sqlite, pure Go),
// the embedded default, and PostgreSQL (pgx), chosen by Open when given a
// postgres:// URL. The SQL is kept to what both run: RETURNING, ON
// CONFLICT, ? placeholders (numbered $n for PostgreSQL by the dialect),
// CASE instead of SQLite's two-argument MAX, ->> to read a JSON field,
// and integer times (Unix ms). Each engine has its own migrations
// (migrations/sqlite, migrations/postgres), twins by number and name.
//
// Flags (cardholders.share_device_data, otp_locked) are INTEGER 0/1 on both
// engines, not PostgreSQL BOOLEAN: the store writes them as numbers (flag)
// and computes them with CASE ... THEN 1 ELSE 0, which both engines run,
// and reads them into bool, which database/sql converts from 0/1.
//
// Concurrency: SQLite runs one writing transaction at a time (BEGIN
// IMMEDIATE); PostgreSQL runs them SERIALIZABLE and tx runs again one that
// PostgreSQL aborted for a conflict. Either way a transaction that reads
// and then writes (a counter, a cap) behaves as if alone. Closures given
// to tx may therefore run more than once and must set, not accumulate,
// what they report.
//
// Every state change is one guarded statement, or a short transaction around
// one, so that the database and not the caller decides races: two resends of
// the same generation cannot both win, and an authentication reaches a final
// status once.
package store
