package issuerclient

import (
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
)

// Call tokens are honnin-edge+jwt signed by the edge, valid
// limits.CallTokenLifetime. A call about one authentication gets a fresh
// token whose subject is that authentication: the issuer refuses it for
// any other. Outcome deliveries all have the subject contract.SubjectResults
// and reuse one token for resultsTokenReuse: every delivery in between
// sends the same token, always with at least half its life left (room for
// the issuer's clock to be a little ahead). The issuer checks a call
// token's signature, expiry and subject, not that its jti is new, and every
// outcome carries its own jti the issuer dedupes on; so reuse gives nothing
// away, and saves an Ed25519 signature per delivery — in the worker a
// WebCrypto call and a wait for its promise, a good part of what delivering
// one outcome costs there.
const resultsTokenReuse = limits.CallTokenLifetime / 2

// tokenCache holds the reused token and when it was signed.
type tokenCache struct {
	mu  sync.Mutex
	tok string
	iat time.Time
}

// authToken is a fresh call token about the authentication authID.
func (c *Client) authToken(authID string) (string, error) {
	return c.sign(authID, c.now())
}

// resultsToken is the call token of outcome deliveries: the one in use
// while it is younger than resultsTokenReuse, else a new one.
func (c *Client) resultsToken() (string, error) {
	now := c.now()
	tc := &c.results
	tc.mu.Lock()
	tok, iat := tc.tok, tc.iat
	tc.mu.Unlock()
	if tok != "" && !now.Before(iat) && now.Sub(iat) < resultsTokenReuse {
		return tok, nil
	}
	// Signed without the lock held: in the worker signing waits on a
	// promise, and a lock held across that wait could stall another
	// request's goroutine in the same instance. Two deliveries racing here
	// both sign; the later one's token is kept. A clock that went back
	// signs anew rather than reuse a token from the future.
	tok, err := c.sign(contract.SubjectResults, now)
	if err != nil {
		return "", err
	}
	tc.mu.Lock()
	tc.tok, tc.iat = tok, now
	tc.mu.Unlock()
	return tok, nil
}

func (c *Client) sign(sub string, now time.Time) (string, error) {
	return challenge.Sign(c.key, challenge.TypEdge, &challenge.EdgeClaims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    challenge.EdgeName,
		Audience:  jwt.ClaimStrings{challenge.IssuerName},
		Subject:   sub,
		ID:        challenge.NewID(),
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(limits.CallTokenLifetime)),
	}})
}
