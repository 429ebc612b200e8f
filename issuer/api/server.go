package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer/appreg"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/passhash"
	"github.com/honnin/honnin/issuer/risk"
	"github.com/honnin/honnin/issuer/sms"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/vault"
)

// CodeSender delivers one-time codes and notices to the cardholder by
// mail (dispatch.Mailer).
type CodeSender interface {
	SendCode(context.Context, dispatch.CodeMail) error
	SendNotice(context.Context, dispatch.Notice) error
}

// SMSSender delivers a text message (an issuer/sms provider, or
// sms.Failover over several).
type SMSSender interface {
	Send(context.Context, sms.Message) (string, error)
}

// Config is what the API needs. Store, Keys, PAN, Vault, Mail and EdgeURL
// are required.
type Config struct {
	Store *store.Store
	Keys  challenge.IssuerKeys
	PAN   *pan.Hasher
	// Vault opens the TOTP seeds and seals the pending email/SMS code.
	Vault *vault.Vault
	Mail  CodeSender
	// SMS sends SMS codes; nil means SMS sends fail (delivery "failed").
	SMS SMSSender
	// SendCap is how many codes one destination (address, phone) may get
	// in 24 hours; 0 means DefaultSendCap.
	SendCap int
	// EdgeURL is the edge's base URL (http://127.0.0.1:8787); challenge_url
	// points at its /challenge page.
	EdgeURL string
	// IssuerName is shown as the sender of code mails; default "honnin".
	IssuerName string
	// Risk decides frictionless / challenge / deny at start; nil means the
	// default configuration.
	Risk *risk.Engine
	// Provider is the third-party risk service; nil for none.
	Provider *risk.Provider
	// Log defaults to slog.Default().
	Log *slog.Logger
	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time
	// Hashing is the process's password hashing budget, shared with the
	// portal; nil means passhash.Default. Static password checks take
	// its Purchase lane, which is served first.
	Hashing *passhash.Budget
}

// Lifetimes and limits of the challenge: edge/limits, where each is defined
// once for the issuer, the edge and the client.
const (
	sessionLifetime = limits.SessionLifetime
	codeValidity    = limits.CodeLifetime
	maxAttempts     = limits.AttemptsPerAuthentication
	resendCooldown  = limits.ResendCooldown
	maxResends      = limits.ResendsPerAuthentication
	sendWindow      = limits.SendWindow
	lockAfter       = limits.FailuresPerCredential
)

// DefaultSendCap is the per-destination daily cap on codes when
// Config.SendCap is zero.
const DefaultSendCap = limits.SendsPerDestination

// Server is the issuer API; it is an http.Handler.
type Server struct {
	store      *store.Store
	keys       challenge.IssuerKeys
	pan        *pan.Hasher
	vault      *vault.Vault
	mail       CodeSender
	sms        SMSSender
	sendCap    int
	edgeURL    string
	issuerName string
	log        *slog.Logger
	now        func() time.Time
	edge       challenge.Verifier
	risk       *risk.Engine
	provider   *risk.Provider
	pseudo     *risk.Pseudonymizer
	apps       *appreg.Registrar
	hashing    *passhash.Budget
	handler    http.Handler
}

// New checks cfg and returns the API.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("api: no store")
	case cfg.PAN == nil:
		return nil, errors.New("api: no PAN hasher")
	case cfg.Mail == nil:
		return nil, errors.New("api: no code sender")
	case cfg.Vault == nil:
		return nil, errors.New("api: no vault")
	case cfg.SendCap < 0:
		return nil, errors.New("api: negative send cap")
	case cfg.Keys.Sign.Private == nil || cfg.Keys.Edge == nil || cfg.Keys.EdgeSeal.Key == nil:
		return nil, errors.New("api: issuer keys incomplete (signing key, edge keys and edge seal key needed)")
	}
	u, err := url.Parse(cfg.EdgeURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("api: EdgeURL must be an absolute http(s) URL")
	}
	s := &Server{
		store:      cfg.Store,
		keys:       cfg.Keys,
		pan:        cfg.PAN,
		vault:      cfg.Vault,
		mail:       cfg.Mail,
		sms:        cfg.SMS,
		sendCap:    cfg.SendCap,
		edgeURL:    strings.TrimRight(cfg.EdgeURL, "/"),
		issuerName: cfg.IssuerName,
		log:        cfg.Log,
		now:        cfg.Now,
		risk:       cfg.Risk,
		provider:   cfg.Provider,
		hashing:    cfg.Hashing,
		// Device ids and the provider's pseudonyms are keyed by a key
		// derived from the card-number key: one secret file, two keys.
		pseudo: risk.NewPseudonymizer(cfg.PAN.SubKey("honnin/risk/v1")),
	}
	if s.risk == nil {
		var err error
		if s.risk, err = risk.New(risk.DefaultConfig()); err != nil {
			return nil, err
		}
	}
	if s.sendCap == 0 {
		s.sendCap = DefaultSendCap
	}
	if s.issuerName == "" {
		s.issuerName = "honnin"
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.hashing == nil {
		s.hashing = passhash.Default
	}
	s.apps = &appreg.Registrar{Store: s.store, Vault: s.vault, Mail: s.mail, IssuerName: s.issuerName, Now: s.now}
	s.edge = challenge.Verifier{
		Keys:        cfg.Keys.Edge,
		Issuer:      challenge.EdgeName,
		Audience:    challenge.IssuerName,
		MaxLifetime: limits.CallTokenLifetime,
		Now:         s.now,
	}

	mux := http.NewServeMux()
	mux.Handle("POST /v1/authentications", s.handle(s.create))
	mux.Handle("GET /v1/authentications/{id}", s.handle(s.get))
	mux.Handle("GET /.well-known/jwks.json", http.HandlerFunc(s.jwks))
	mux.Handle("POST /internal/v1/authentications/{id}/start", s.handle(s.start))
	mux.Handle("POST /internal/v1/authentications/{id}/resend", s.handle(s.resend))
	mux.Handle("POST /internal/v1/authentications/{id}/password", s.handle(s.password))
	mux.Handle("POST /internal/v1/results", s.handle(s.results))
	mux.Handle("POST /v1/app/register", s.handle(s.registerApp))
	s.handler = s.logAndRecover(routeJSON(mux))
	return s, nil
}

// ServeHTTP serves the API, logging each request and recovering panics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// jwks publishes the issuer's and the edge's public keys. Five minutes of
// caching (challenge.JWKSMaxAge, which keys rotate waits at least) keeps
// merchants from fetching per payment while a rotated key (published
// before use) still reaches them in time.
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(challenge.JWKSMaxAge.Seconds())))
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(s.keys.JWKS)
}
