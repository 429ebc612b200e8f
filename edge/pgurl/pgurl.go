// Package pgurl is the one rule, for the issuer and the native edge, of
// what names a PostgreSQL database rather than a SQLite file, and how its
// URL is shown in logs and errors without its password. Standard library
// only.
package pgurl

import (
	"net/url"
	"strings"
)

// Is reports whether dsn is a PostgreSQL URL (postgres:// or
// postgresql://); anything else is the path of a SQLite file.
func Is(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Redact returns dsn fit for logs and error messages: a URL with its
// password (user:pass@, or ?password=) hidden; a SQLite path as it is.
func Redact(dsn string) string {
	if !Is(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable URL)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
