package merchant

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	weborigin "github.com/honnin/honnin/edge/origin"
)

// Errors Verify returns, wrapped with the detail; test them with errors.Is.
var (
	// ErrInvalidToken: not a well-formed result token signed by a published
	// key for this merchant (forged, tampered, another kind of token, another
	// merchant's audience, an unknown key).
	ErrInvalidToken = errors.New("merchant: invalid result token")
	// ErrExpired: a genuine token whose exp has passed.
	ErrExpired = errors.New("merchant: result token expired")
	// ErrWrongAuthentication: a genuine token for another authentication
	// than the one the merchant created for this purchase.
	ErrWrongAuthentication = errors.New("merchant: result token is for another authentication")
	// ErrKeysUnavailable: the issuer's JWKS could not be fetched or read, so
	// nothing can be verified. It is the issuer's or the network's fault,
	// not the cardholder's: answer 502, not 400.
	ErrKeysUnavailable = errors.New("merchant: issuer keys unavailable")
)

// maxTokenLen bounds what Verify parses. A result token is about 600 bytes.
const maxTokenLen = 16 << 10

// Result is the verified outcome of one authentication.
type Result struct {
	// AuthenticationID is the token's sub: the id the issuer returned when
	// the merchant created the authentication.
	AuthenticationID string
	// Status is the EMV 3-D Secure transStatus: Y N U A R (see challenge.Status*).
	Status string
	// Reason says why a non-Y ended: cardholder_cancelled, auth_failed,
	// max_attempts, expired, denied.
	Reason string
	// AV is the authentication value to send with the authorisation; only
	// on Y and A.
	AV string
	// ECI is the electronic commerce indicator: "05" on Y, "07" otherwise.
	ECI string
	// ID is the token's jti, unique per result: log it, or keep it to refuse
	// a second use.
	ID        string
	ExpiresAt time.Time
}

// Authenticated reports whether the cardholder was verified (status Y).
//
// A (attempted) is deliberately not included: it means no cardholder
// verification took place, only that the issuer could not perform it, and
// whether that is enough to ship goods is the merchant's risk policy, not a
// property of the token. A merchant that accepts it checks Status itself.
func (r Result) Authenticated() bool { return r.Status == contract.StatusAuthenticated }

// Verifier checks result tokens for one merchant origin against one
// issuer's JWKS. It is safe for concurrent use; make one per process.
type Verifier struct {
	origin string
	now    func() time.Time
	keys   *keyCache
}

// Option configures a Verifier.
type Option func(*Verifier)

// WithHTTPClient sets the client that fetches the JWKS (default: a client
// with a 10 s timeout). Each fetch is also bounded by 10 s on its own.
func WithHTTPClient(c *http.Client) Option {
	return func(v *Verifier) {
		if c != nil {
			v.keys.client = c
		}
	}
}

// WithClock sets the clock used for token expiry and for the key cache.
func WithClock(now func() time.Time) Option {
	return func(v *Verifier) {
		if now != nil {
			v.now = now
		}
	}
}

// NewVerifier returns a verifier for tokens addressed to origin (the
// merchant's own origin, exactly as registered with the issuer, e.g.
// "https://shop.example") whose keys are published at jwksURL.
//
// jwksURL must be https, except on a loopback host: keys fetched over plain
// HTTP could be swapped by anyone on the path, and with them every result.
// Nothing is fetched until the first Verify, so the merchant can start
// before the issuer.
func NewVerifier(jwksURL, origin string, opts ...Option) (*Verifier, error) {
	if err := checkJWKSURL(jwksURL); err != nil {
		return nil, err
	}
	if err := checkOrigin(origin); err != nil {
		return nil, err
	}
	v := &Verifier{
		origin: origin,
		now:    time.Now,
		keys:   &keyCache{url: jwksURL, client: &http.Client{Timeout: fetchTimeout}},
	}
	for _, o := range opts {
		o(v)
	}
	v.keys.now = v.now
	return v, nil
}

// Verify checks token and returns its result. It accepts only a result token
// (typ honnin-result+jwt) signed by a key in the JWKS, issued by the edge,
// addressed to this merchant's origin, not expired, whose subject is
// authenticationID: the id the merchant got when it created the
// authentication for this purchase.
//
// A token naming a key the cached JWKS lacks makes Verify refetch the JWKS,
// so keys rotate without downtime; such refetches happen at most once per
// 30 s, so forged key ids cannot turn the merchant into a load generator
// against the issuer.
func (v *Verifier) Verify(ctx context.Context, token, authenticationID string) (Result, error) {
	if authenticationID == "" {
		return Result{}, fmt.Errorf("%w: no authentication id to match it against", ErrInvalidToken)
	}
	kid, err := keyID(token)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	keys, err := v.keys.get(ctx, kid)
	if err != nil {
		return Result{}, err
	}
	var c challenge.ResultClaims
	cv := challenge.Verifier{Keys: keys, Issuer: challenge.EdgeName, Audience: v.origin, Now: v.now}
	if err := cv.Verify(token, challenge.TypResult, &c); err != nil {
		if errors.Is(err, challenge.ErrExpired) {
			return Result{}, fmt.Errorf("%w: %w", ErrExpired, err)
		}
		return Result{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if c.Subject != authenticationID {
		return Result{}, fmt.Errorf("%w: token is for %q, this purchase is %q", ErrWrongAuthentication, c.Subject, authenticationID)
	}
	// Verify requires exp, so ExpiresAt is set.
	return Result{
		AuthenticationID: c.Subject,
		Status:           c.Status,
		Reason:           c.Reason,
		AV:               c.AV,
		ECI:              c.ECI,
		ID:               c.ID,
		ExpiresAt:        c.ExpiresAt.Time,
	}, nil
}

// keyID reads the kid from the token's header without verifying anything,
// so that malformed tokens are refused before they can cause a JWKS fetch.
func keyID(token string) (string, error) {
	if len(token) > maxTokenLen {
		return "", errors.New("token too long")
	}
	head, _, ok := strings.Cut(token, ".")
	if !ok {
		return "", errors.New("not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return "", errors.New("header is not base64url")
	}
	var h struct {
		KID string `json:"kid"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return "", errors.New("header is not JSON")
	}
	if h.KID == "" {
		return "", errors.New("header has no kid")
	}
	return h.KID, nil
}

// checkOrigin requires the serialised form a browser uses for an origin
// (scheme://host[:port], lower case, no path, no trailing slash), since the
// token's aud is compared to it byte for byte: a stray slash would refuse
// every token, and it is better to learn that at startup.
func checkOrigin(o string) error {
	if err := weborigin.Check(o); err != nil {
		return fmt.Errorf("merchant: origin %q is not of the form https://shop.example[:port] (lower case, no path, no trailing slash): %w", o, err)
	}
	return nil
}

func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("merchant: JWKS URL %q is not an absolute http(s) URL", raw)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("merchant: JWKS URL %q must be https (plain http is allowed only on a loopback host)", raw)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
