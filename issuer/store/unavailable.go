package store

import "github.com/honnin/honnin/edge/dbfault"

// Unavailable reports whether err says the database cannot serve right now
// (edge/dbfault's rule, the edge's ledgers' too): the doors answer it 503
// with Retry-After instead of 500.
func Unavailable(err error) bool { return dbfault.Unavailable(err) }
