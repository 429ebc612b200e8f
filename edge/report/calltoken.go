package report

import (
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
)

// Call tokens for posting outcomes are valid callTokenLife and reused for
// callTokenReuse: every delivery in between sends the same token, always
// with at least half its life left (room for the issuer's clock to be a
// little ahead). The issuer checks a call token's signature, expiry and
// subject ("results", which no authentication can be named), not that its
// jti is new, and every outcome carries its own jti the issuer dedupes on;
// so reuse gives nothing away, and saves an Ed25519 signature per delivery
// — in the worker a WebCrypto call and a wait for its promise, a good part
// of what delivering one outcome costs there.
const (
	callTokenLife  = 60 * time.Second
	callTokenReuse = 30 * time.Second
)

// callTokenCache holds the token in use and when it was signed.
type callTokenCache struct {
	mu  sync.Mutex
	tok string
	iat time.Time
}

// callToken authenticates a call to the issuer's internal results API.
func (r *Reporter) callToken() (string, error) {
	now := r.now()
	c := &r.token
	c.mu.Lock()
	tok, iat := c.tok, c.iat
	c.mu.Unlock()
	if tok != "" && !now.Before(iat) && now.Sub(iat) < callTokenReuse {
		return tok, nil
	}
	// Signed without the lock held: in the worker signing waits on a
	// promise, and a lock held across that wait could stall another
	// request's goroutine in the same instance. Two deliveries racing here
	// both sign; the later one's token is kept.
	tok, err := challenge.Sign(r.key, challenge.TypEdge, &challenge.EdgeClaims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    challenge.EdgeName,
		Audience:  jwt.ClaimStrings{challenge.IssuerName},
		Subject:   "results",
		ID:        challenge.NewID(),
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(callTokenLife)),
	}})
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.tok, c.iat = tok, now
	c.mu.Unlock()
	return tok, nil
}
