// Command edge runs the edge verifier natively: the edge of edge/server
// (the challenge API, the challenge page and client files, the health
// check) over one SQLite file (or a PostgreSQL database that several edges
// share: -db postgres://...), and the background reporter that tells the
// issuer each outcome (edge/report). On Cloudflare Workers the same edge
// runs under a different main (edge/cmd/edgeworker).
//
//	edge -addr 127.0.0.1:8787 -keys .dev/keys -db .dev/edge.db -issuer http://127.0.0.1:8081 -dist web/dist
//
// Every flag can also be set in the environment (HONNIN_EDGE_ADDR, ...).
//
// The operator's view of the outcomes still owed to the issuer:
//
//	edge reports list    -db .dev/edge.db
//	edge reports requeue -db .dev/edge.db [-all | jti ...]
//
// and the ledger's retention, which the edge also runs every -prune-every:
//
//	edge prune -db .dev/edge.db [-ledger-days 7] [-dry-run]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/clientip"
	"github.com/honnin/honnin/edge/health"
	"github.com/honnin/honnin/edge/requestid"
	"github.com/honnin/honnin/edge/server"
	"github.com/honnin/honnin/web"
)

func main() {
	// Every line logged with a request's context names the request.
	log := slog.New(requestid.NewLogHandler(slog.NewTextHandler(os.Stderr, nil)))
	slog.SetDefault(log)
	if len(os.Args) > 1 && os.Args[1] == "reports" {
		os.Exit(reportsCommand(os.Args[2:], os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "prune" {
		os.Exit(pruneCommand(os.Args[2:], os.Stdout, os.Stderr))
	}
	if err := run(log); err != nil {
		log.Error("edge: " + err.Error())
		os.Exit(1)
	}
}

type config struct {
	addr, keys, db, issuer, dist string
	// clockOffset shifts this process's clock: for the end-to-end tests
	// that prove an edge whose clock is off loses no outcome.
	clockOffset time.Duration
	// pruneEvery and ledgerDays: the ledger's retention (prune.go).
	pruneEvery time.Duration
	ledgerDays int
	// Who the client is behind a proxy: see edge/clientip.
	trustedProxies, ipHeader, countryHeader string
	// The admin listener (admin.go).
	adminAddr string
	pprof     bool
}

func flags() config {
	var c config
	flag.StringVar(&c.addr, "addr", env("HONNIN_EDGE_ADDR", "127.0.0.1:8787"), "listen address (loopback unless you mean otherwise)")
	flag.StringVar(&c.keys, "keys", env("HONNIN_EDGE_KEYS", ".dev/keys"), "folder with edge-sign.jwk, edge-seal.jwk and issuer.jwks")
	flag.StringVar(&c.db, "db", env("HONNIN_EDGE_DB", ".dev/edge.db"), "SQLite file for the ledger and the report queue, or a postgres:// URL of a database several edges share")
	flag.StringVar(&c.issuer, "issuer", env("HONNIN_EDGE_ISSUER", "http://127.0.0.1:8081"), "issuer base URL (internal API)")
	flag.StringVar(&c.dist, "dist", env("HONNIN_EDGE_DIST", "web/dist"), "client build output (make build)")
	flag.StringVar(&c.trustedProxies, "trusted-proxies", env("HONNIN_EDGE_TRUSTED_PROXIES", ""),
		"comma-separated CIDRs of proxies whose client headers are believed; empty trusts none")
	flag.StringVar(&c.ipHeader, "client-ip-header", env("HONNIN_EDGE_CLIENT_IP_HEADER", ""),
		"header a trusted proxy puts the client's IP in (X-Forwarded-For, CF-Connecting-IP)")
	flag.StringVar(&c.countryHeader, "country-header", env("HONNIN_EDGE_COUNTRY_HEADER", ""),
		"header a trusted proxy puts the client's country in (CF-IPCountry)")
	flag.DurationVar(&c.clockOffset, "clock-offset", 0, "shift the edge's clock (tests only: an edge whose clock is off)")
	flag.DurationVar(&c.pruneEvery, "prune-every", time.Hour, "prune the ledger (as edge prune) at start and this often; 0: never")
	flag.IntVar(&c.ledgerDays, "ledger-days", defaultLedgerDays, "keep ledger rows this many days after their last change (at least 1)")
	flag.StringVar(&c.adminAddr, "admin-addr", env("HONNIN_EDGE_ADMIN_ADDR", ""),
		"admin listener: GET /healthz (alive), GET /readyz (ledger: the ledger takes a write; keys: the keys in use sign, open seals and verify the issuer's tokens), GET /metrics (Prometheus); empty: none")
	flag.BoolVar(&c.pprof, "pprof", env("HONNIN_EDGE_PPROF", "false") == "true",
		"also serve net/http/pprof at /debug/pprof/ on the admin listener")
	flag.Parse()
	return c
}

// keySetter is what reloadKeysOnHangup puts reloaded keys into:
// server.Edge.
type keySetter interface {
	SetKeys(challenge.EdgeKeys) error
}

// reloadKeysOnHangup reloads the key folder dir into edge on each SIGHUP,
// so a rotated edge-sign.jwk, edge-seal.jwk or issuer.jwks is used without
// a restart. A folder that fails to load is logged and the keys in use
// stay.
func reloadKeysOnHangup(ctx context.Context, hup <-chan os.Signal, dir string, edge keySetter, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		keys, err := challenge.LoadEdgeKeys(dir)
		if err == nil {
			err = edge.SetKeys(keys)
		}
		if err != nil {
			log.Error("edge: SIGHUP: keys not reloaded; the keys in use stay", "dir", dir, "err", err)
			continue
		}
		log.Info("edge: SIGHUP: keys reloaded", "dir", dir, "kid", keys.Sign.KID)
	}
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// issuerConns is how many idle connections to the issuer the edge keeps.
// net/http's default keeps 2 per host: under 16 concurrent starts the
// edge opened (and the issuer accepted, and both closed) a connection for
// most calls, measured in the load driver's profiles.
const issuerConns = 64

// issuerHTTP is the client of the edge's calls to the issuer: net/http's
// defaults but for the idle connections it keeps.
func issuerHTTP() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = issuerConns, issuerConns
	return &http.Client{Transport: t}
}

func run(log *slog.Logger) error {
	cfg := flags()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if cfg.pruneEvery < 0 || cfg.ledgerDays < 1 {
		return fmt.Errorf("-prune-every must not be negative and -ledger-days must be at least 1")
	}
	if cfg.pprof && cfg.adminAddr == "" {
		return fmt.Errorf("-pprof needs -admin-addr: profiles are served on the admin listener only")
	}
	adm := newAdmin(cfg.adminAddr, time.Now())
	proxies, err := clientip.ParseCIDRs(cfg.trustedProxies)
	if err != nil {
		return fmt.Errorf("-trusted-proxies: %w", err)
	}
	if len(proxies) == 0 && (cfg.ipHeader != "" || cfg.countryHeader != "") {
		log.Warn("edge: client headers configured but no -trusted-proxies: the headers are ignored")
	}
	client := &clientip.Resolver{Trusted: proxies, IPHeader: cfg.ipHeader, CountryHeader: cfg.countryHeader}

	keys, err := challenge.LoadEdgeKeys(cfg.keys)
	if err != nil {
		return err
	}
	ledger, err := openStore(ctx, cfg.db)
	if err != nil {
		return err
	}
	defer ledger.Close()
	now := time.Now
	if cfg.clockOffset != 0 {
		log.Warn("edge: clock shifted (a test setting)", "offset", cfg.clockOffset)
		now = func() time.Time { return time.Now().Add(cfg.clockOffset) }
	}
	edge, err := server.New(server.Config{
		Keys:      keys,
		IssuerURL: cfg.issuer,
		HTTP:      issuerHTTP(),
		Ledger:    ledger.SQL.Wrapped(adm.batcher),
		DB:        ledger.DB(),
		Signals:   client.Signals,
		Static:    web.Static,
		Dist:      os.DirFS(cfg.dist),
		Now:       now,
		Log:       log,
		OnRequest: adm.onRequest(),
	})
	if err != nil {
		return err
	}
	reports := edge.Reports
	stopAdmin, err := adm.serve(cfg.adminAddr, cfg.pprof, ledger.DB(), reports, health.EdgeKeys(edge.Keys, now), log)
	if err != nil {
		return err
	}
	defer stopAdmin()

	// Listen first, so a taken port is a loud error at start and not a
	// silent exit.
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s (another edge running?): %w", cfg.addr, err)
	}
	srv := &http.Server{
		// Each request has an id (a trusted proxy's or a new one), in
		// its log lines, its answer and the edge's calls to the issuer.
		Handler:           requestid.Handler(edge, requestid.Peers(proxies)),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		// start waits for the issuer, which may wait for its mail server.
		WriteTimeout: 30 * time.Second,
		IdleTimeout:  60 * time.Second,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:  func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}

	reportCtx, stopReports := context.WithCancel(context.WithoutCancel(ctx))
	reportsDone := make(chan error, 1)
	go func() { reportsDone <- reports.Run(reportCtx) }()

	// The pruner stops with the reporter, after the handlers are done.
	pruneDone := make(chan struct{})
	if cfg.pruneEvery > 0 {
		tick := time.NewTicker(cfg.pruneEvery)
		defer tick.Stop()
		p := &pruner{l: ledger.SQL, keep: time.Duration(cfg.ledgerDays) * 24 * time.Hour, now: now, log: log}
		go func() { p.run(reportCtx, tick.C); close(pruneDone) }()
	} else {
		close(pruneDone)
	}

	// SIGHUP reloads the key folder (after a rotation), as the issuer's.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go reloadKeysOnHangup(reportCtx, hup, cfg.keys, edge, log)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("edge: listening", "addr", "http://"+ln.Addr().String(), "issuer", cfg.issuer, "db", redact(cfg.db))

	select {
	case err = <-served:
		err = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		log.Info("edge: shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if serr := srv.Shutdown(shutdownCtx); serr != nil {
			log.Warn("edge: shutdown", "err", serr)
		}
		cancel()
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
			log.Warn("edge: serve", "err", serr)
		}
	}
	// The handlers are done, so every outcome is queued; stop delivering.
	// What is still queued goes out on the next start.
	stopReports()
	<-pruneDone
	if rerr := <-reportsDone; rerr != nil {
		log.Warn("edge: reporter", "err", rerr)
	}
	if n, perr := reports.Pending(context.Background()); perr == nil && n > 0 {
		log.Info("edge: outcomes left for the next start", "pending", n)
	}
	return err
}
