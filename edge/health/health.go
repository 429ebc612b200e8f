// Package health answers whether a process is alive and whether it can
// serve: /healthz (the process answers) and /readyz (every dependency a
// request needs answers: the database takes a write, the mail server
// greets). A load balancer or an orchestrator takes a process that is
// not ready out of rotation instead of letting it fail requests with
// 500 — a database that turned read-only, a mail server that went away.
package health

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Check is one dependency: Run returns nil when it can serve.
type Check struct {
	Name string
	Run  func(context.Context) error
}

// Timeout bounds each check: a dependency that does not answer in time
// is not ready.
const Timeout = 2 * time.Second

// Report is /readyz's body: "ready" or "not ready", and each check's
// "ok" or what failed.
type Report struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// Handler serves GET /healthz and GET /readyz.
func Handler(checks ...Check) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		write(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		rep := Run(r.Context(), checks...)
		code := http.StatusOK
		if rep.Status != "ready" {
			code = http.StatusServiceUnavailable
		}
		write(w, code, rep)
	})
	return mux
}

// Run runs the checks at once, each within Timeout.
func Run(ctx context.Context, checks ...Check) Report {
	rep := Report{Status: "ready", Checks: make(map[string]string, len(checks))}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range checks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, Timeout)
			defer cancel()
			res := "ok"
			if err := c.Run(ctx); err != nil {
				res = err.Error()
			}
			mu.Lock()
			rep.Checks[c.Name] = res
			if res != "ok" {
				rep.Status = "not ready"
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	return rep
}

func write(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
