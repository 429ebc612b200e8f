//go:build js && wasm && workerfault

// Command faultworker is a worker that fails on purpose, for the tests of
// edge/worker in real workerd (TestWorkerdFaults): the workerfault build
// tag keeps it out of every other build, and nothing ships it. Its routes:
//
//	GET  /instance  this Go instance's id (random, drawn at start)
//	POST /echo      the length of the body it got
//	GET  /panic     panics in the handler (worker recovers: JSON 500)
//	GET  /crash     panics in another goroutine, which ends the instance
//	GET  /head      the request's head as Go got it (JSON), with two
//	                cookies and a value holding a newline in the response
//	GET  /d1        execs and a query through edge/ledger/d1 (the D1
//	                binding DB): each value's Go type, rows affected
//	GET  /d1/bad    a statement D1 refuses: the driver's error, as a 500
//	GET  /d1/batch  edge/ledger/d1's Batcher: a batch's rows as Go got
//	                them, then a batch whose last statement fails, and
//	                whether its first statement's write survived (it must
//	                not: a batch is one transaction)
//	GET  /fetch     edge/fetch to ?url= with a ?timeout=: the answer, or
//	                the error (a timeout aborts the runtime's fetch)
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/honnin/honnin/edge/fetch"
	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/ledger/d1"
	"github.com/honnin/honnin/edge/worker"
)

func main() {
	id := rand.Text()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /instance", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, id)
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, n)
	})
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) {
		panic("faultworker: panic in a handler")
	})
	mux.HandleFunc("GET /crash", func(w http.ResponseWriter, r *http.Request) {
		go func() { panic("faultworker: panic outside any handler") }()
		<-r.Context().Done() // never: the instance ends first
	})
	mux.HandleFunc("GET /head", func(w http.ResponseWriter, r *http.Request) {
		c, _ := worker.ConnFrom(r.Context())
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Set("X-Newline", "a\nb")
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"method": r.Method, "host": r.Host, "uri": r.RequestURI, "ip": c.IP,
			"test": r.Header.Values("X-Test"), "accept": r.Header.Get("Accept"),
		})
	})
	db := sync.OnceValues(func() (*sql.DB, error) { return d1.Open("DB") })
	mux.HandleFunc("GET /d1", func(w http.ResponseWriter, r *http.Request) {
		out, err := d1Values(r.Context(), db)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("GET /d1/bad", func(w http.ResponseWriter, r *http.Request) {
		d, err := db()
		if err == nil {
			_, err = d.ExecContext(r.Context(), "SELEC nonsense FROM ?1", 1)
		}
		if err == nil {
			fmt.Fprint(w, "D1 took a bad statement")
			return
		}
		http.Error(w, err.Error(), http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /d1/batch", func(w http.ResponseWriter, r *http.Request) {
		out, err := d1Batch(r.Context(), d1.Batcher{Binding: "DB"})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("GET /fetch", func(w http.ResponseWriter, r *http.Request) {
		timeout, err := time.ParseDuration(r.URL.Query().Get("timeout"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, r.URL.Query().Get("url"), nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req.Header.Set("X-Test", "faultworker")
		resp, err := fetch.Do(&http.Client{Timeout: timeout}, req, 5)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "%d %q %q", resp.Status, resp.RetryAfter, resp.Body)
	})
	if err := worker.Serve(worker.Handlers{HTTP: mux}); err != nil {
		slog.Error("faultworker: " + err.Error())
		os.Exit(1)
	}
}

// d1Values runs a query whose values are one of each kind D1 answers, and
// an insert, and says what Go got: "type value" per column.
func d1Values(ctx context.Context, db func() (*sql.DB, error)) (map[string]any, error) {
	d, err := db()
	if err != nil {
		return nil, err
	}
	if _, err := d.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE IF NOT EXISTS u (x INTEGER)"); err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	res, err := d.ExecContext(ctx, "INSERT INTO t (v) VALUES (?1)", "é\n\"")
	if err != nil {
		return nil, fmt.Errorf("insert: %w", err)
	}
	n, _ := res.RowsAffected()
	id, _ := res.LastInsertId()
	rows, err := d.QueryContext(ctx, "SELECT ?1 AS n, v AS s, NULL AS z, 2.5 AS f, ?2 AS ms FROM t WHERE id = ?3", 7, int64(1795000000123), id)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if !rows.Next() {
		return nil, fmt.Errorf("query: no row (%v)", rows.Err())
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	out := map[string]any{"affected": n, "id_positive": id > 0}
	for i, c := range cols {
		out[c] = fmt.Sprintf("%T %v", vals[i], vals[i])
	}
	return out, rows.Close()
}

// d1Batch runs a batch whose later statement reads what the earlier one
// wrote (as the ledger's do), reports each value's Go type, then runs a
// batch that fails in its last statement and reports whether the first
// one's insert is there (it must not be).
func d1Batch(ctx context.Context, b ledger.Batcher) (map[string]any, error) {
	tag := rand.Text()
	res, err := b.Batch(ctx,
		ledger.Stmt{SQL: "CREATE TABLE IF NOT EXISTS bt (k TEXT PRIMARY KEY, n INTEGER, s TEXT)"},
		ledger.Stmt{SQL: "INSERT INTO bt (k, n, s) VALUES (?1, ?2, ?3) RETURNING n", Args: []any{tag, int64(1795000000123), "é\n\""}},
		ledger.Stmt{SQL: "SELECT n + 1 AS next, s, NULL AS z, 2.5 AS f FROM bt WHERE k = ?1", Args: []any{tag}},
	)
	if err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	out := map[string]any{"statements": len(res)}
	if len(res[1]) != 1 || len(res[2]) != 1 {
		return nil, fmt.Errorf("batch rows: %v", res)
	}
	for c, v := range res[2][0] {
		out[c] = fmt.Sprintf("%T %v", v, v)
	}
	out["returning"] = fmt.Sprintf("%T %v", res[1][0]["n"], res[1][0]["n"])
	bad := rand.Text()
	_, err = b.Batch(ctx,
		ledger.Stmt{SQL: "INSERT INTO bt (k, n) VALUES (?1, 1)", Args: []any{bad}},
		ledger.Stmt{SQL: "INSERT INTO bt (k, n) VALUES (?1, 2)", Args: []any{bad}}, // primary key taken
	)
	out["failed_batch_error"] = err != nil
	left, err := b.Batch(ctx, ledger.Stmt{SQL: "SELECT COUNT(*) AS c FROM bt WHERE k = ?1", Args: []any{bad}})
	if err != nil {
		return nil, err
	}
	out["failed_batch_rows_left"] = left[0][0].Int("c")
	return out, nil
}
