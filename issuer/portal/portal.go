// Package portal is the cardholder portal (the issuer's "member site" for
// 3-D Secure): server-rendered HTML that works without JavaScript, mounted
// by the issuer at /portal/ beside its API.
//
// A cardholder signs in with the card number, the card's portal password
// and a one-time code mailed to the card's registered address, and then
// manages that card: its personal message, how it is authenticated, its
// app and tokens, sharing of device data, its history, stopping the
// service. A person holding several cards may link them to sign in once
// (combined login); every card keeps its own settings.
//
// Every signed-in page goes through Server.signedIn (session, idle and
// absolute expiry, CSRF on every POST) and every page through
// Server.render (layout, catalogue, security headers), so a handler does
// neither itself.
package portal

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/passhash"
	"github.com/honnin/honnin/issuer/sms"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/vault"
)

// The portal's security rules, with their numbers.
const (
	// IdleTimeout ends a session this long after its last request;
	// AbsoluteTimeout this long after sign-in, however active.
	IdleTimeout     = 15 * time.Minute
	AbsoluteTimeout = 8 * time.Hour
	// MaxPasswordFailures wrong portal passwords in a row for one card
	// lock portal sign-in for that card for PasswordLock.
	MaxPasswordFailures = 5
	PasswordLock        = 15 * time.Minute
	// MaxIPAttempts sign-in attempts (password or code) from one address
	// within IPWindow; more are refused until the window moves on.
	MaxIPAttempts = 20
	IPWindow      = 10 * time.Minute
	// The portal's one-time codes (sign-in, card link, contact change)
	// are bound by edge/onetime's PortalSignIn and ContactChange.
)

// Mailer sends the portal's mails; *dispatch.Mailer is one.
type Mailer interface {
	SendNotice(ctx context.Context, n dispatch.Notice) error
}

// SMSSender sends text messages; every issuer/sms sender is one.
type SMSSender interface {
	Send(ctx context.Context, m sms.Message) (string, error)
}

// Config is what the portal needs from the issuer.
type Config struct {
	Store *store.Store
	PAN   *pan.Hasher
	Vault *vault.Vault
	Mail  Mailer
	// SMS may be nil: then no SMS is offered.
	SMS        SMSSender
	Apps       *acs.Apps
	IssuerName string
	Now        func() time.Time
	Log        *slog.Logger
	// SecureCookies marks cookies Secure and names the session cookie
	// __Host-honnin_portal. The issuer sets it unless it listens on
	// loopback over plain HTTP (a browser drops Secure cookies there).
	SecureCookies bool
	// Hashing is the process's password hashing budget, shared with the
	// API so that sign-ins queue behind purchase checks; nil means
	// passhash.Default.
	Hashing *passhash.Budget
	// Fraud takes the cardholder's "this was not me" of a purchase in the
	// history (*acs.Service); nil: the history offers no report.
	Fraud FraudReporter
}

// FraudReporter records a cardholder's report of one of their card's
// authentications (acs.Service.ReportFraud): an *acs.Refusal of kind
// NotFound for one that is not the card's, Conflict for one reported
// already.
type FraudReporter interface {
	ReportFraud(ctx context.Context, cardholderID int64, authID string) error
}

// Server is the portal. Its routes are in routes.go.
type Server struct {
	cfg   Config
	store *store.Store
	now   func() time.Time
	log   *slog.Logger
	mux   *http.ServeMux
	pages *pages
	// csrfKey signs the pre-sign-in CSRF cookie.
	csrfKey []byte
	// dummyHash is what a password is checked against when the card is
	// unknown or has no portal password, so the answer takes the same work.
	dummyHash string
	// hashing is cfg.Hashing: every argon2id check and hash takes a slot.
	hashing *passhash.Budget
}

// New checks cfg and returns the portal's handler, to be mounted at
// /portal/.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Store == nil, cfg.PAN == nil, cfg.Vault == nil, cfg.Mail == nil:
		return nil, errors.New("portal: Store, PAN, Vault and Mail are required")
	case cfg.IssuerName == "":
		return nil, errors.New("portal: IssuerName is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Hashing == nil {
		cfg.Hashing = passhash.Default
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	dummy, err := dummyHash()
	if err != nil {
		return nil, fmt.Errorf("portal: dummy hash: %w", err)
	}
	s := &Server{cfg: cfg, store: cfg.Store, now: cfg.Now, log: cfg.Log, pages: p,
		csrfKey: cfg.PAN.SubKey("portal-csrf"), dummyHash: dummy, hashing: cfg.Hashing}
	s.mux = s.routes()
	return s, nil
}

// ServeHTTP serves the portal with its security headers on every answer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// No script, no frame, no foreign form target; data: images for the
	// app registration QR code.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	if s.cfg.SecureCookies {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	s.mux.ServeHTTP(w, r)
}

// cardholderActor is how the audit trail names changes made in the
// portal: by the cardholder, signed in.
const cardholderActor = "cardholder"

// dummyHash is made once per process: its only use is to cost the same
// argon2id work as a real check.
var dummyHash = sync.OnceValues(func() (string, error) { return passhash.Hash("honnin portal dummy password") })

// hashID is how handles (session cookies, code handles) are stored.
func hashID(v string) []byte {
	h := sha256.Sum256([]byte(v))
	return h[:]
}
