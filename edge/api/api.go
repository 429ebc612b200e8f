// Package api is the edge's HTTP handler: the calls the challenge client
// (the wasm inside the iframe) makes, POST /v1/start, /v1/verify, /v1/resend
// and /v1/cancel, /v1/prepare from the hidden frame of Honnin.prepare, and
// the issuer's one call to the edge, POST /internal/v1/credentials (a
// credential's new state after a lock, an unlock or a revocation).
//
// The edge verifies the issuer's challenge token, opens its sealed payload,
// compares the code and counts attempts itself, so a code is checked without
// a round trip to the issuer; only start and resend (which send a code), a
// static password (which only the issuer can check) and a prepare's device
// signals go to the issuer. The same handler runs natively (edge/cmd/edge)
// and inside Cloudflare Workers, so it holds no state of its own: everything that must
// survive a request is in the Ledger, and it starts no goroutines.
package api

import (
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
)

// Config is what a Handler needs. Keys, Ledger, Issuer and Reports are
// required.
type Config struct {
	Keys   challenge.EdgeKeys
	Ledger Ledger
	Issuer Issuer
	// Reports delivers the outcomes the ledger queued, after the response.
	Reports Reporter
	// Signals returns what the edge observed of a request's client (IP,
	// country, ...) for the issuer's risk decision: edge/clientip natively,
	// request.cf on Workers. Nil means the connection's peer address only.
	Signals func(*http.Request) contract.EdgeSignals
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives internal errors and recovered panics; nil means
	// slog.Default().
	Log *slog.Logger
}

// Handler serves the edge API. Create it with New.
type Handler struct {
	keys    challenge.EdgeKeys
	ledger  Ledger
	issuer  Issuer
	reports Reporter
	signals func(*http.Request) contract.EdgeSignals
	now     func() time.Time
	log     *slog.Logger
	// proofKey keys the hash of a Y's proof (the challenge jti and the code
	// or password) kept in the ledger: without the edge's key, a copy of
	// the database gives no way to test guesses of a password against it.
	proofKey []byte
	mux      *http.ServeMux
	root     http.Handler // mux behind recover
}

// New returns the edge API handler.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Keys.Sign.Private == nil || cfg.Keys.Seal.Private == nil || cfg.Keys.Issuer == nil:
		return nil, errors.New("api: incomplete edge keys")
	case cfg.Ledger == nil:
		return nil, errors.New("api: no ledger")
	case cfg.Issuer == nil:
		return nil, errors.New("api: no issuer")
	case cfg.Reports == nil:
		return nil, errors.New("api: no reporter")
	}
	h := &Handler{
		keys:    cfg.Keys,
		ledger:  cfg.Ledger,
		issuer:  cfg.Issuer,
		reports: cfg.Reports,
		signals: cfg.Signals,
		now:     cfg.Now,
		log:     cfg.Log,
		mux:     http.NewServeMux(),
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.signals == nil {
		h.signals = func(r *http.Request) contract.EdgeSignals { return contract.EdgeSignals{IP: peerIP(r)} }
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	pk := sha256.Sum256(append([]byte("honnin/edge/proof/v1\x00"), cfg.Keys.Sign.Private.Seed()...))
	h.proofKey = pk[:]
	// Methods are checked by post, not by the mux, so a GET gets a JSON 405
	// rather than the mux's plain-text one.
	h.mux.Handle(contract.ClientStartPath, h.post(h.start))
	h.mux.Handle(contract.ClientVerifyPath, h.post(h.verify))
	h.mux.Handle(contract.ClientResendPath, h.post(h.resend))
	h.mux.Handle(contract.ClientCancelPath, h.post(h.cancel))
	h.mux.Handle(contract.ClientPreparePath, h.post(h.prepare))
	h.mux.Handle(contract.CredentialsPath, h.post(h.credentials))
	h.mux.Handle("/", jsonapi.Handle(h.log, func(w http.ResponseWriter, r *http.Request) error {
		return jsonapi.Errorf(http.StatusNotFound, "not_found", "no such endpoint")
	}))
	h.root = h.recover(h.mux)
	return h, nil
}

// ServeHTTP serves the API; a panic anywhere below becomes a JSON 500.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.root.ServeHTTP(w, r)
}
