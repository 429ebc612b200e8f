// Package acs is the issuer's access control server: the use cases every
// door into the issuer calls — the merchant JSON API and the edge's
// internal API (issuer/api), the portal, the CLI, the demo, and next the
// EMV 3-D Secure interface. Create an authentication, start it (the risk
// decision, then a challenge of the cardholder's method), resend its code,
// check a static password, record the outcome the edge reports, enrol a
// card.
//
// A use case names the rule; issuer/store enforces it in one statement or
// transaction (the send cap, the resend limit, one challenge per card, no Y
// for a locked credential), so two doors, two replicas or two tabs cannot
// race past it. Refusals a caller can act on are *Refusal values with the
// contract's code; every other error is a fault.
package acs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/onetime"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/authvalue"
	"github.com/honnin/honnin/issuer/branding"
	"github.com/honnin/honnin/issuer/device"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/passhash"
	"github.com/honnin/honnin/issuer/risk"
	"github.com/honnin/honnin/issuer/sms"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/vault"
)

// CodeSender delivers one-time codes and notices to the cardholder by
// mail (dispatch.Mailer, or the outbox in front of it).
type CodeSender interface {
	SendCode(context.Context, dispatch.CodeMail) error
	SendNotice(context.Context, dispatch.Notice) error
}

// SMSSender delivers a text message (an issuer/sms provider, or
// sms.Failover over several).
type SMSSender interface {
	Send(context.Context, sms.Message) (string, error)
}

// Config is what the use cases need. Store, Keys, PAN, Vault, Mail, AV and
// EdgeURL are required.
type Config struct {
	Store *store.Store
	// Keys sign the session and challenge tokens and seal to the edge.
	Keys challenge.IssuerKeys
	PAN  *pan.Hasher
	// Vault opens the TOTP seeds and seals the pending email/SMS code.
	Vault *vault.Vault
	Mail  CodeSender
	// AV are the authentication-value keys (AVRing.Load; tests may use
	// authvalue.Generate): every Y and A carries a value they mint.
	AV *authvalue.Keys
	// SMS sends SMS codes; nil means SMS sends fail (delivery "failed").
	SMS SMSSender
	// SendCap is how many codes one destination (address, phone) may get
	// in purchase.Window; 0 means purchase.DailyCap.
	SendCap int
	// EdgeURL is the edge's base URL (http://127.0.0.1:8787): the
	// challenge page is there, and SMS codes name its host for WebOTP.
	EdgeURL string
	// IssuerName is shown as the sender of code mails; default "honnin".
	IssuerName string
	// IssuerPhone and PortalURL are where a cardholder turns when a card
	// is denied or its one-time passwords are locked: the challenge screen
	// names them (Contact). Either may be empty; PortalURL, when set, is
	// an absolute http(s) URL (contract.ValidPortalURL).
	IssuerPhone, PortalURL string
	// Branding is the issuer's default brand for the challenge screen
	// (issuer serve -branding): logo and colours, and name, phone and
	// portal, each overriding IssuerName, IssuerPhone and PortalURL when
	// set (the mails keep IssuerName). A card range's own brand overrides
	// it for the range's cards (ContactFor).
	Branding contract.Issuer
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
	// Attempts is the issuer's attempts policy for EMV 3-D Secure: a card
	// in the issuer's ranges that is not enrolled in any method gets A
	// (attempts, with an authentication value, ECI 06) instead of N
	// not_enrolled. The merchant API is not affected.
	Attempts bool
	// Operator is told of each fraud report a cardholder makes in the
	// portal; the zero value tells no one (the report is logged).
	Operator Operator
	// Observe is told of decisions and locks, for the metrics; the zero
	// value tells no one.
	Observe Observer
}

// Service runs the use cases. It is safe for concurrent use.
type Service struct {
	store *store.Store
	// keys are the signing, edge and seal keys in use; SetKeys swaps them
	// (serve reloads the key folder on SIGHUP).
	keys       atomic.Pointer[challenge.IssuerKeys]
	pan        *pan.Hasher
	vault      *vault.Vault
	mail       CodeSender
	sendCap    int
	edgeURL    string
	issuerName string
	contact    contract.Issuer
	log        *slog.Logger
	now        func() time.Time
	risk       *risk.Engine
	provider   *risk.Provider
	pseudo     *risk.Pseudonymizer
	// cookies mint and check the device cookie the edge sets.
	cookies *device.Cookies
	apps    *Apps
	hashing *passhash.Budget
	// av mints and checks authentication values; VerifyAV replaces it
	// when it meets a key rotated since.
	av atomic.Pointer[authvalue.Keys]
	// methods holds one value per method: what a challenge of it does.
	methods  map[issuer.Method]method
	attempts bool
	operator Operator
	observe  Observer

	// deadlines bound a start and a resend (contractDeadlines).
	deadlines deadlines

	dsMerchantOnce sync.Mutex
	dsMerchant     issuer.Merchant
}

// New checks cfg and returns the service.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("acs: no store")
	case cfg.PAN == nil:
		return nil, errors.New("acs: no PAN hasher")
	case cfg.Mail == nil:
		return nil, errors.New("acs: no code sender")
	case cfg.Vault == nil:
		return nil, errors.New("acs: no vault")
	case cfg.AV == nil:
		return nil, errors.New("acs: no authentication-value keys (AVRing.Load)")
	case cfg.SendCap < 0:
		return nil, errors.New("acs: negative send cap")
	case !complete(cfg.Keys):
		return nil, errIncompleteKeys
	}
	u, err := url.Parse(cfg.EdgeURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("acs: EdgeURL must be an absolute http(s) URL")
	}
	s := &Service{
		store:      cfg.Store,
		pan:        cfg.PAN,
		vault:      cfg.Vault,
		mail:       cfg.Mail,
		sendCap:    cfg.SendCap,
		edgeURL:    strings.TrimRight(cfg.EdgeURL, "/"),
		issuerName: cfg.IssuerName,
		log:        cfg.Log,
		now:        cfg.Now,
		risk:       cfg.Risk,
		provider:   cfg.Provider,
		hashing:    cfg.Hashing,
		attempts:   cfg.Attempts,
		observe:    cfg.Observe,
		deadlines:  contractDeadlines,
		// Device ids and the provider's pseudonyms are keyed by a key
		// derived from the card-number key: one secret file, two keys.
		pseudo: risk.NewPseudonymizer(cfg.PAN.SubKey("honnin/risk/v1")),
		// The device cookie's key comes from the same secret, under a
		// name of its own.
		cookies: device.NewCookies(cfg.PAN.SubKey("honnin/device-cookie/v1")),
	}
	if s.operator, err = cfg.Operator.check(); err != nil {
		return nil, err
	}
	s.av.Store(cfg.AV)
	s.keys.Store(&cfg.Keys)
	if s.risk == nil {
		if s.risk, err = risk.New(risk.DefaultConfig()); err != nil {
			return nil, err
		}
	}
	if s.sendCap == 0 {
		s.sendCap = purchase.DailyCap
	}
	if s.issuerName == "" {
		s.issuerName = "honnin"
	}
	s.contact = contract.Issuer{Name: s.issuerName, Phone: cfg.IssuerPhone, Portal: cfg.PortalURL}.Over(cfg.Branding)
	if !s.contact.Valid() {
		return nil, fmt.Errorf("acs: issuer contact %+v: want one line each (name ≤ %d, phone ≤ %d characters), an https portal URL, a data: URL logo and #rrggbb colours with 4.5:1 against white",
			s.contact, contract.IssuerNameMaxRunes, contract.IssuerPhoneMaxRunes)
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
	s.apps = &Apps{Store: s.store, Vault: s.vault, Mail: s.mail, IssuerName: s.issuerName, Now: s.now}
	s.methods = newMethods(s, cfg.SMS)
	return s, nil
}

// Now is the service's clock, for the doors' own time checks (an edge
// call token's expiry) to agree with the use cases'.
func (s *Service) Now() time.Time { return s.now() }

// Apps is the authenticator-app registration the app redeems.
func (s *Service) Apps() *Apps { return s.apps }

// JWKS is the issuer's and the edge's public keys, as published.
func (s *Service) JWKS() []byte { return s.keys.Load().JWKS }

// Keys are the keys in use now (SetKeys's last), for the admin
// listener's readiness check (health.IssuerKeys).
func (s *Service) Keys() challenge.IssuerKeys { return *s.keys.Load() }

// SigningKey is the issuer's signing key in use now.
func (s *Service) SigningKey() challenge.SigningKey { return s.keys.Load().Sign }

var errIncompleteKeys = errors.New("acs: issuer keys incomplete (signing key, edge keys and edge seal key needed)")

func complete(k challenge.IssuerKeys) bool {
	return k.Sign.Private != nil && k.Edge != nil && k.EdgeSeal.Key != nil
}

// SetKeys puts k in use for every token minted, seal made and edge call
// checked from now on: a key folder reloaded after `issuer keys rotate`,
// without a restart. Tokens already out verify as before when k still
// holds their keys, as a rotation's folder does.
func (s *Service) SetKeys(k challenge.IssuerKeys) error {
	if !complete(k) {
		return errIncompleteKeys
	}
	s.keys.Store(&k)
	return nil
}

// purchase is the policy of a purchase's one-time codes: their lifetime,
// the wrong codes an authentication allows, the resends and their
// cooldown, and the codes one destination may get a day.
var purchase = onetime.Purchase

// Contact is the issuer's name, phone and portal as the challenge screen
// shows them (contract.Issuer): the internal start's answer carries it to
// the edge.
func (s *Service) Contact() contract.Issuer { return s.contact }

// Unavailable reports whether err says the store cannot serve now
// (store.Unavailable): the doors answer it 503 with Retry-After, never 500.
func Unavailable(err error) bool { return store.Unavailable(err) }

// ContactFor is Contact as authentication id's screen shows it: the
// brand of the card range its card was in (issuer ranges add -branding)
// over the issuer's default. A range's brand that cannot be read, or that
// the screen could not show, is logged and the default shown: a denied
// card's screen still names whom to call.
func (s *Service) ContactFor(ctx context.Context, id string) contract.Issuer {
	stored, err := s.store.RangeBranding(ctx, id)
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "acs: range branding unreadable", slog.String("authentication", id), slog.Any("err", err))
		return s.contact
	}
	b, err := branding.Decode(stored)
	if err == nil && !b.Valid() {
		err = errors.New("a part the screen cannot show")
	}
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "acs: range branding not shown", slog.String("authentication", id), slog.Any("err", err))
		return s.contact
	}
	return s.contact.Over(b)
}
