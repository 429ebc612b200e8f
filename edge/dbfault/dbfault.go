// Package dbfault tells a database that cannot serve now from a request
// or a bug, for the two engines the native processes run on (SQLite
// through modernc.org/sqlite and edge/sqlitedb, PostgreSQL through pgx):
// one rule for the issuer's store and the native edge's ledgers. Native
// only: the Workers edge's D1 has errors of its own.
package dbfault

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/honnin/honnin/edge/sqlitedb"
)

// Unavailable reports whether err says the database cannot serve right
// now — it is restarting or unreachable, out of connections, read-only, its
// disk is full, a writer waited out its turn — rather than that the
// request or the code is wrong. Nothing was done, so the same request may
// be sent again: the issuer's doors and the native edge answer such an
// error 503 with Retry-After (the merchant or the cardholder retries, a
// load balancer moves on) instead of 500, and a try the edge could not
// record is not counted. Measured with PostgreSQL restarted under load,
// every failed request was a refused or cut connection (57P01 included).
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, sqlitedb.ErrBusy) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_FULL,
			sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
			return true
		}
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case len(pe.Code) < 2:
			return false
		case pe.Code[:2] == "08", // connection exception
			pe.Code[:2] == "57", // operator intervention: shutdown, cannot connect now
			pe.Code[:2] == "53", // insufficient resources: too many connections, disk full
			pe.Code == "25006":  // read-only transaction: a standby
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe) || pgconn.SafeToRetry(err)
}
