//go:build js && wasm && !stockglue

package main

import (
	"database/sql"
	"log/slog"
	"os"

	"github.com/honnin/honnin/edge/requestid"

	"github.com/honnin/honnin/edge/ledger/d1"
	"github.com/honnin/honnin/edge/worker"
)

func main() {
	log := slog.New(requestid.NewLogHandler(slog.NewTextHandler(os.Stderr, nil)))
	slog.SetDefault(log)
	e := &edge{openDB: func() (*sql.DB, error) { return d1.Open("DB") }, batch: d1.Batcher{Binding: "DB"}, log: log}
	if err := worker.Serve(worker.Handlers{HTTP: e, Scheduled: e.scheduled}); err != nil {
		log.Error("edgeworker: " + err.Error())
		os.Exit(1)
	}
}
