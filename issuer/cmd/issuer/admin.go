package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/honnin/honnin/edge/health"
)

// adminFlags configure the admin listener: liveness, readiness, metrics
// and, when asked for, profiling, on an address of their own that only operators
// and the orchestrator reach, never the merchants' and the edge's.
type adminFlags struct {
	addr  *string
	pprof *bool
}

func addAdminFlags(f *flags) adminFlags {
	return adminFlags{
		addr: f.String("admin-addr", env("HONNIN_ADMIN_ADDR", ""),
			"admin listener: GET /healthz (alive), GET /readyz (database writable, mail server greeting), GET /metrics (Prometheus); empty: none (env HONNIN_ADMIN_ADDR)"),
		pprof: f.Bool("pprof", env("HONNIN_PPROF", "false") == "true",
			"also serve net/http/pprof at /debug/pprof/ on the admin listener (env HONNIN_PPROF)"),
	}
}

// check finds what is wrong with the flags before anything starts.
func (a adminFlags) check() error {
	if *a.addr == "" && *a.pprof {
		return usageError{"-pprof needs -admin-addr: profiles are served on the admin listener only"}
	}
	return nil
}

// start serves the admin listener until ctx ends; stop drains it. The
// metrics are served here only, never on the public listener: they tell
// the load and the failures of the issuer to whoever reads them.
func (a adminFlags) start(ctx context.Context, checks []health.Check, metrics http.Handler, log *slog.Logger, stdout io.Writer) (stop func(), err error) {
	if *a.addr == "" {
		return func() {}, nil
	}
	mux := http.NewServeMux()
	mux.Handle("/healthz", health.Handler(checks...))
	mux.Handle("/readyz", health.Handler(checks...))
	mux.Handle("GET /metrics", metrics)
	if *a.pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	ln, err := net.Listen("tcp", *a.addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s for the admin listener: %w", *a.addr, err)
	}
	// A CPU profile or a trace runs for its seconds: no write timeout.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("issuer: admin listener stopped", "err", err)
		}
	}()
	fmt.Fprintf(stdout, "issuer: admin (healthz, readyz, metrics%s) on http://%s\n", map[bool]string{true: ", pprof"}[*a.pprof], ln.Addr())
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}, nil
}
