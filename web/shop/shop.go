package shop

import (
	"errors"
	"fmt"
	"github.com/honnin/honnin/edge/jsonapi"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/merchant"
)

// Config is what the shop needs to know about the world.
type Config struct {
	// Issuer is the base URL of the issuer API, e.g. http://127.0.0.1:8081.
	// The shop calls /v1/authentications there and fetches the JWKS from
	// /.well-known/jwks.json.
	Issuer string
	// APIKey is the shop's merchant API key at the issuer.
	APIKey string
	// Origin is the shop's own origin as the browser sees it and as the
	// issuer has it registered for this merchant, e.g. http://localhost:8080.
	// Result tokens are addressed to it.
	Origin string
	// Edge is the origin honnin.js and the challenge iframe come from, e.g.
	// http://localhost:8787.
	Edge string
	// DemoCards are card numbers offered as suggestions in the card field.
	DemoCards []string
	// EMVRequestor, when set, is the origin of the dev DS simulator's 3DS
	// Requestor page (bin/dssim): the product page offers to pay through
	// EMV 3-D Secure there, for the cart's amount. "" offers nothing.
	EMVRequestor string
	// Client calls the issuer; nil means a client with a 10 s timeout.
	Client *http.Client
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// The one product of the demo.
type product struct {
	Name     string
	NameJA   string
	Amount   int64 // yen
	Currency string
}

var matcha = product{Name: "Matcha set", NameJA: "抹茶セット", Amount: 1250, Currency: "JPY"}

// merchantName is what the cardholder sees on the challenge screen.
const merchantName = "Demo Shop"

// maxBody caps every request body.
const maxBody = 64 << 10

// Shop is the demo shop's http.Handler.
type Shop struct {
	cfg      Config
	log      *slog.Logger
	issuer   *issuerClient
	verifier *merchant.Verifier
	sessions sessions
	orders   *orders
	csp      string
	mux      *http.ServeMux
	handler  http.Handler
}

// New checks cfg and returns the shop. It fetches nothing: the issuer may
// start after the shop.
func New(cfg Config) (*Shop, error) {
	cfg.Issuer = strings.TrimRight(cfg.Issuer, "/")
	cfg.Edge = strings.TrimRight(cfg.Edge, "/")
	if u, err := url.Parse(cfg.Issuer); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("shop: issuer %q is not an absolute http(s) URL", cfg.Issuer)
	}
	if u, err := url.Parse(cfg.Edge); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.Scheme+"://"+u.Host != cfg.Edge {
		return nil, fmt.Errorf("shop: edge %q is not an origin like http://localhost:8787", cfg.Edge)
	}
	cfg.EMVRequestor = strings.TrimRight(cfg.EMVRequestor, "/")
	if u, err := url.Parse(cfg.EMVRequestor); cfg.EMVRequestor != "" && (err != nil || u.Host == "" || u.Scheme+"://"+u.Host != cfg.EMVRequestor) {
		return nil, fmt.Errorf("shop: EMV requestor %q is not an origin like http://localhost:8088", cfg.EMVRequestor)
	}
	formAction := "'self'"
	if cfg.EMVRequestor != "" {
		// The "pay through 3-D Secure" form goes there.
		formAction += " " + cfg.EMVRequestor
	}
	if cfg.APIKey == "" {
		return nil, errors.New("shop: no issuer API key")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	v, err := merchant.NewVerifier(cfg.Issuer+"/.well-known/jwks.json", cfg.Origin, merchant.WithHTTPClient(cfg.Client))
	if err != nil {
		return nil, fmt.Errorf("shop: %w", err)
	}
	s := &Shop{
		cfg:      cfg,
		log:      cfg.Logger,
		issuer:   &issuerClient{base: cfg.Issuer, apiKey: cfg.APIKey, http: cfg.Client},
		verifier: v,
		sessions: newSessions(strings.HasPrefix(cfg.Origin, "https://")),
		orders:   newOrders(),
		// Scripts only from the shop and the edge (honnin.js), frames only
		// from the edge, nothing inline: the page that handles the card
		// number and the result must not run anything else.
		csp: "default-src 'self'; script-src 'self' " + cfg.Edge + "; frame-src " + cfg.Edge +
			"; object-src 'none'; base-uri 'none'; form-action " + formAction + "; frame-ancestors 'none'",
		mux: http.NewServeMux(),
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("shop: %w", err)
	}
	s.mux.HandleFunc("GET /{$}", s.home)
	s.mux.HandleFunc("POST /checkout", s.checkout)
	s.mux.HandleFunc("GET /pay/{id}", s.pay)
	s.mux.HandleFunc("POST /complete", s.complete)
	s.mux.HandleFunc("/complete", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", http.MethodPost)
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Message: "use POST"})
	})
	s.mux.HandleFunc("GET /orders/{id}", s.orderPage)
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(static)))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, http.StatusNotFound, "Page not found", "There is nothing at this address.")
	})

	// Browsers tell cross-site requests apart (Sec-Fetch-Site, Origin):
	// refuse those on top of the CSRF token.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/complete" {
			jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusForbidden, Code: "cross_origin", Message: "cross-origin request refused"})
			return
		}
		s.errorPage(w, http.StatusForbidden, "Request refused", "This form was sent from another site.")
	}))
	s.handler = cop.Handler(s.mux)
	return s, nil
}

func (s *Shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", s.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	// Pages carry CSRF tokens and order details: keep them out of caches.
	h.Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	s.handler.ServeHTTP(w, r)
}

// staticHandler serves the stylesheet and the checkout script, cacheable
// for a short while (they are not content-hashed).
func staticHandler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	})
}
