//go:build js && wasm && stockglue

package main

// The same edge behind github.com/syumai/workers' stock glue, which starts
// a fresh Go instance (and so a fresh edge: keys parsed again) for every
// request. Built only by `build-worker.sh stock` for make bench's
// comparison; never deployed.

import (
	"database/sql"
	"log/slog"
	"os"

	"github.com/honnin/honnin/edge/requestid"

	"github.com/syumai/workers"

	"github.com/honnin/honnin/edge/ledger/d1"
)

func main() {
	log := slog.New(requestid.NewLogHandler(slog.NewTextHandler(os.Stderr, nil)))
	slog.SetDefault(log)
	workers.Serve(&edge{openDB: func() (*sql.DB, error) { return d1.Open("DB") }, batch: d1.Batcher{Binding: "DB"}, log: log})
}
