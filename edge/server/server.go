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
//	GET  /.well-known/jwks.json                          the keys that verify the edge's result tokens, for merchants
//	GET  /healthz                                        one ledger read: 200 ok, 503 when the database does not answer
package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/honnin/honnin/edge/jsonapi"

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
	// OnRequest, if set, is told of each answered request: the route
	// pattern it matched ("" for none), its status and how long it took
	// (the native main wires it to edge/metrics).
	OnRequest func(route string, status int, took time.Duration)
}

// Edge is the assembled edge, an http.Handler.
type Edge struct {
	// Reports delivers the outcomes a request could not deliver itself
	// (the issuer was down): the native main runs Reports.Run beside the
	// server, the worker calls Reports.Deliver on its cron trigger.
	Reports *report.Reporter

	cfg    Config
	ledger *ledger.SQL
	// onRequest is Config.OnRequest.
	onRequest func(route string, status int, took time.Duration)
	// issuer is the client of the keys in use, for Reports.
	issuer *currentIssuer
	// cur is everything made from the keys in use (SetKeys swaps it).
	cur atomic.Pointer[keyed]
}

// keyed is the part of the edge made from its keys: the routes (the API,
// the pages, the issuer client they call with) and the published JWKS.
// Their state is in the ledger, so a new set loses nothing.
type keyed struct {
	mux *http.ServeMux
	// jwks is the document GET /.well-known/jwks.json serves.
	jwks []byte
	// keys are the keys the routes were made from (Keys).
	keys challenge.EdgeKeys
}

// currentIssuer is the issuer client of the keys in use: the reporter,
// made once, signs its calls with the key SetKeys put in use last.
type currentIssuer struct {
	p atomic.Pointer[issuerclient.Client]
}

func (c *currentIssuer) PostOutcome(ctx context.Context, body string) error {
	return c.p.Load().PostOutcome(ctx, body)
}

func (c *currentIssuer) PostOutcomes(ctx context.Context, bodies []string) ([]contract.OutcomeResult, error) {
	return c.p.Load().PostOutcomes(ctx, bodies)
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
	keys := cfg.Keys
	cfg.Keys = challenge.EdgeKeys{} // SetKeys's, from now on
	e := &Edge{cfg: cfg, ledger: cfg.Ledger, issuer: &currentIssuer{}, onRequest: cfg.OnRequest}
	reports, err := report.New(report.Config{DB: cfg.DB, Issuer: e.issuer, Log: cfg.Log, Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	e.Reports = reports
	if err := e.SetKeys(keys); err != nil {
		return nil, err
	}
	return e, nil
}

// SetKeys puts keys in use from the next request on: the native edge's key
// folder reloaded on SIGHUP after a rotation, without a restart. Keys that
// do not make an edge are refused and those in use stay. Requests already
// running finish with the keys they started with.
func (e *Edge) SetKeys(keys challenge.EdgeKeys) error {
	cfg := e.cfg
	issuer, err := issuerclient.New(issuerclient.Config{URL: cfg.IssuerURL, Key: keys.Sign, HTTP: cfg.HTTP, Now: cfg.Now})
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	edgeAPI, err := api.New(api.Config{
		Keys:    keys,
		Ledger:  cfg.Ledger,
		Issuer:  issuer,
		Reports: e.Reports,
		Signals: cfg.Signals,
		Now:     cfg.Now,
		Log:     cfg.Log,
	})
	if err != nil {
		return fmt.Errorf("server: %w", err)
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
		return fmt.Errorf("server: %w", err)
	}
	emv, err := emvpages.New(emvpages.Config{
		Keys:    keys,
		Issuer:  issuer,
		Results: edgeAPI,
		Client:  page.ClientPaths(),
		Signals: cfg.Signals,
		Now:     cfg.Now,
		Log:     cfg.Log,
	})
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	jwks, err := resultKeys(keys)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}

	k := &keyed{mux: http.NewServeMux(), jwks: jwks, keys: keys}
	k.mux.Handle("/v1/", edgeAPI)
	k.mux.Handle("/internal/", edgeAPI)
	k.mux.Handle("/challenge", page)
	k.mux.Handle("/3ds/v2/", emv)
	k.mux.Handle("/assets/", page)
	k.mux.Handle("/honnin.js", page)
	k.mux.HandleFunc("GET /.well-known/jwks.json", k.serveJWKS)
	k.mux.HandleFunc("GET /healthz", e.healthz)
	e.issuer.p.Store(issuer)
	e.cur.Store(k)
	return nil
}

// Keys are the keys in use, for the admin listener's readiness check
// (health.EdgeKeys): what SetKeys put in use last.
func (e *Edge) Keys() challenge.EdgeKeys { return e.cur.Load().keys }

// ServeHTTP serves the edge.
func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mux := e.cur.Load().mux
	if e.onRequest == nil {
		mux.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	sw := &jsonapi.StatusWriter{ResponseWriter: w}
	mux.ServeHTTP(sw, r)
	// The innermost mux that routed r set r.Pattern ("POST /v1/verify"
	// rather than the "/v1/" that hands it to edge/api).
	e.onRequest(r.Pattern, sw.Status, time.Since(start))
}

// resultKeys is the JWKS a merchant verifies result tokens with: every
// public key of the edge's signing rotation (the key in use, the next one
// and the retiring ones), the only keys that sign results. The issuer
// publishes the same keys among its own (challenge.LoadIssuerKeys); the
// edge publishes them too, so a merchant verifies results while the issuer
// is down. Nothing private, and nothing a merchant does not need: no
// issuer key, no seal key.
func resultKeys(k challenge.EdgeKeys) ([]byte, error) {
	if k.Sign.Private == nil {
		return nil, errors.New("no edge signing key")
	}
	b, err := challenge.JWKS(k.Sign.PublicKeys(), nil)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	return b, nil
}

// serveJWKS publishes resultKeys, cached as the issuer's JWKS is
// (challenge.JWKSMaxAge, which a key rotation waits at least).
func (k *keyed) serveJWKS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(challenge.JWKSMaxAge.Seconds())))
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(k.jwks)
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
