package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"

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
			"admin listener: GET /healthz (alive), GET /readyz (database: takes a write; keys: the key in use signs and the published JWKS verifies it; smtp: the mail server greets), GET /metrics (Prometheus); empty: none (env HONNIN_ADMIN_ADDR)"),
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
	stop, bound, err := health.Serve(*a.addr, health.Admin(checks, metrics, *a.pprof), log)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "issuer: admin (healthz, readyz, metrics%s) on http://%s\n", map[bool]string{true: ", pprof"}[*a.pprof], bound)
	return stop, nil
}
