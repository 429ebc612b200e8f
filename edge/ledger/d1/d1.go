// Package d1 is the edge's Cloudflare D1 database (a binding of the worker):
// a database/sql handle for edge/report's queue statements, and a
// ledger.Batcher for edge/ledger, whose batches D1 runs as one transaction
// (D1Database.batch; D1 has no interactive transactions). The SQL is the
// native edge's, unchanged.
package d1
