// Package server assembles the edge that both mains serve, natively
// (edge/cmd/edge) and inside Cloudflare Workers (edge/cmd/edgeworker): the
// challenge API (edge/api) with its client of the issuer
// (edge/issuerclient), the challenge page and client files (edge/assets),
// the EMV 3-D Secure browser pages (edge/emvpages), the delivery of
// outcomes (edge/report) and the health check, behind the same routes. A main passes only what its runtime decides: the ledger's
// database, how outgoing calls are made, who the client is, the clock, and
// whether the client files are the edge's to serve.
//
//	POST /v1/start, /v1/verify, /v1/resend, /v1/cancel   the challenge client (edge/api)
//	POST /v1/prepare                                     Honnin.prepare's hidden frame (edge/api)
//	POST /internal/v1/credentials                        the issuer's pushes (edge/api)
//	GET  /challenge                                      the challenge page (edge/assets)
//	POST /3ds/v2/creq                                    EMV acsURL: a CReq opens the challenge (edge/emvpages)
//	POST /3ds/v2/cres                                    EMV: the challenge's end, the final CRes to the notificationURL
//	POST /3ds/v2/method, /3ds/v2/method/device           EMV 3DS Method: its page, and its client's device data
//	GET  /assets/<name>, /honnin.js                      the client files, when Dist is set
//	GET  /healthz                                        one ledger read: 200 ok, 503 when the database does not answer
package server

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/honnin/honnin/edge/api"
	"github.com/honnin/honnin/edge/assets"
	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/emvpages"
	"github.com/honnin/honnin/edge/issuerclient"
	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/report"
)

// Config is what New needs. Keys, IssuerURL, Ledger, DB and Static are
// required, and Dist or Names.
type Config struct {
	Keys challenge.EdgeKeys
	// IssuerURL is the base URL of the issuer's internal API.
	IssuerURL string
	// Ledger is the edge's state, over SQLite natively and D1 on Workers.
	Ledger *ledger.SQL
	// DB is the ledger's database, which also holds the queue of outcomes
	// owed to the issuer (edge/report).
	DB *sql.DB
	// HTTP makes the calls to the issuer (edge/fetch: net/http natively,
	// the runtime's fetch() on Workers); nil means http.DefaultClient.
	HTTP *http.Client
	// Signals says who a request's client is, for the issuer's risk
	// decision: edge/clientip natively, request.cf on Workers
	// (worker.Signals). Nil means the connection's peer address only.
	Signals func(*http.Request) contract.EdgeSignals
	// Static is the embedded web files (web.Static): the page's template,
	// its script and style, and the merchant snippet.
	Static fs.FS
	// Dist is the client build (web/dist), which the edge then serves
	// itself under /assets/ and /honnin.js (native). Nil on Workers, where
	// the runtime serves the client files as static assets and Names names
	// them for the page.
	Dist  fs.FS
	Names assets.ClientNames
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives what goes wrong; nil means slog.Default().
	Log *slog.Logger
}

// Edge is the assembled edge, an http.Handler.
type Edge struct {
	// Reports delivers the outcomes a request could not deliver itself
	// (the issuer was down): the native main runs Reports.Run beside the
	// server, the worker calls Reports.Deliver on its cron trigger.
	Reports *report.Reporter

	ledger *ledger.SQL
	mux    *http.ServeMux
}

// New assembles the edge. It makes no call and touches no database: on
// Workers it runs in every fresh instance.
func New(cfg Config) (*Edge, error) {
	switch {
	case cfg.Ledger == nil || cfg.DB == nil:
		return nil, errors.New("server: Ledger and DB are required")
	case cfg.Static == nil:
		return nil, errors.New("server: Static is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	issuer, err := issuerclient.New(issuerclient.Config{URL: cfg.IssuerURL, Key: cfg.Keys.Sign, HTTP: cfg.HTTP, Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	reports, err := report.New(report.Config{DB: cfg.DB, Issuer: issuer, Log: cfg.Log, Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	edgeAPI, err := api.New(api.Config{
		Keys:    cfg.Keys,
		Ledger:  cfg.Ledger,
		Issuer:  issuer,
		Reports: reports,
		Signals: cfg.Signals,
		Now:     cfg.Now,
		Log:     cfg.Log,
	})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	verify := func(token string) (assets.Session, error) {
		s, err := edgeAPI.Session(token)
		if err != nil {
			return assets.Session{}, err
		}
		page := assets.Session{MerchantOrigin: s.MerchantOrigin, EMV: s.EMV != nil, Locale: s.Locale}
		if t := s.Txn; t != nil {
			page.Txn = &assets.Txn{Merchant: t.Merchant, Amount: t.Amount, Currency: t.Currency, Date: t.Date, Last4: t.Last4}
		}
		return page, nil
	}
	var page *assets.Handler
	if cfg.Dist != nil {
		page, err = assets.New(cfg.Dist, cfg.Static, verify)
	} else {
		page, err = assets.NewPage(cfg.Names, cfg.Static, verify)
	}
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	emv, err := emvpages.New(emvpages.Config{
		Keys:    cfg.Keys,
		Issuer:  issuer,
		Results: edgeAPI,
		Client:  page.ClientPaths(),
		Signals: cfg.Signals,
		Now:     cfg.Now,
		Log:     cfg.Log,
	})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}

	e := &Edge{Reports: reports, ledger: cfg.Ledger, mux: http.NewServeMux()}
	e.mux.Handle("/v1/", edgeAPI)
	e.mux.Handle("/internal/", edgeAPI)
	e.mux.Handle("/challenge", page)
	e.mux.Handle("/3ds/v2/", emv)
	e.mux.Handle("/assets/", page)
	e.mux.Handle("/honnin.js", page)
	e.mux.HandleFunc("GET /healthz", e.healthz)
	return e, nil
}

// ServeHTTP serves the edge.
func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mux.ServeHTTP(w, r)
}

// healthz answers whether the edge can serve: its ledger answers a read
// (a real statement over the schema, not only a connection), the one thing
// every request needs. The issuer is not asked: a verify needs it only
// after the fact, and an edge would be taken out of service for the
// issuer's outage, which it rides out by queueing.
func (e *Edge) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if _, err := e.ledger.Lookup(r.Context(), "healthz"); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, `{"status":"db unavailable"}`)
		return
	}
	fmt.Fprintln(w, `{"status":"ok"}`)
}
