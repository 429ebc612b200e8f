// Package d1 opens the edge's Cloudflare D1 database (a binding of the
// worker) as a database/sql handle for edge/ledger and edge/report, whose
// single-statement SQL runs on D1 unchanged. D1 has no transactions; those
// packages need none.
package d1
