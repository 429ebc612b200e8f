package health

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// Admin is an admin listener's handler, the same for every process:
// GET /healthz and /readyz (the checks), GET /metrics, and with pprof the
// net/http/pprof endpoints under /debug/pprof/. It is served on an address
// of its own that only operators and the orchestrator reach: metrics and
// profiles tell the load and the failures of the process to whoever reads
// them.
func Admin(checks []Check, metrics http.Handler, withPprof bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/healthz", Handler(checks...))
	mux.Handle("/readyz", Handler(checks...))
	mux.Handle("GET /metrics", metrics)
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// Serve listens on addr and serves h until stop is called (which drains
// it for up to 5 s). A port that cannot be taken is an error at once, not
// a log line later. addr is the address bound (a :0 resolved).
func Serve(addr string, h http.Handler, log *slog.Logger) (stop func(), bound string, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("cannot listen on %s for the admin listener: %w", addr, err)
	}
	// A CPU profile or a trace runs for its seconds: no write timeout.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin listener stopped", "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, ln.Addr().String(), nil
}
