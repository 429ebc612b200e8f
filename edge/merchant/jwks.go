package merchant

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/honnin/honnin/edge/challenge"
)

const (
	// defaultMaxAge is how long a JWKS is used when its response says
	// nothing about caching.
	defaultMaxAge = 5 * time.Minute
	// minMaxAge and maxMaxAge clamp what the issuer asks for: below the
	// floor (or no-cache) every verification would become a round trip to
	// the issuer; above the ceiling a removed key would be trusted for days.
	minMaxAge = 30 * time.Second
	maxMaxAge = 24 * time.Hour
	// minRefetch is the least time between two fetches caused by a key id
	// the cached set lacks: a rotation needs one refetch, a stream of forged
	// kids must not become a stream of requests to the issuer.
	minRefetch = 30 * time.Second
	// errorBackoff is how long a failed fetch is answered from memory
	// before the next try, so an issuer outage is not met with one fetch
	// per payment attempt, each waiting for its timeout.
	errorBackoff = 5 * time.Second
	// maxStale is how long past its cache age a key set stays in use while
	// every refetch fails: an issuer outage must not stop a merchant from
	// verifying results signed with keys it already holds (RFC 5861's
	// stale-if-error). Bounded, so a key the issuer retired is not trusted
	// forever by a merchant that can no longer reach it.
	maxStale = 24 * time.Hour
	// fetchTimeout bounds one fetch even with a caller's client that has no
	// timeout.
	fetchTimeout = 10 * time.Second
	// maxJWKSSize bounds the document read. Ours is under 4 KiB (an X-Wing
	// seal key is the bulk of it).
	maxJWKSSize = 1 << 20
)

// keyCache holds the issuer's signing keys and decides when to refetch.
type keyCache struct {
	url    string
	client *http.Client
	now    func() time.Time

	// fetchMu lets one fetch run at a time; the others wait for its result
	// instead of repeating it.
	fetchMu sync.Mutex

	mu         sync.Mutex // guards the fields below
	keys       *challenge.KeySet
	freshUntil time.Time
	lastFetch  time.Time // start of the last fetch, successful or not
	lastErr    error     // the last fetch's error, nil if it succeeded
}

// get returns a key set to verify a token signed with kid. The set may lack
// kid (a forged kid within minRefetch of the last fetch); verification then
// fails with an unknown key.
func (c *keyCache) get(ctx context.Context, kid string) (*challenge.KeySet, error) {
	if keys, fetch, err := c.cached(kid); !fetch {
		return keys, err
	}
	c.fetchMu.Lock()
	defer c.fetchMu.Unlock()
	// Another caller may have fetched while this one waited.
	if keys, fetch, err := c.cached(kid); !fetch {
		return keys, err
	}
	start := c.now()
	// The fetch serves every waiter, so the caller's cancellation must not
	// abort it; it is bounded by fetchTimeout instead.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	defer cancel()
	keys, maxAge, err := c.fetch(fctx)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastFetch = start
	c.lastErr = err
	if err != nil {
		// A failed refetch stops nothing the held keys can verify: keys
		// still fresh, or stale by less than maxStale, go on verifying the
		// tokens they signed.
		if c.usable(kid, start) {
			return c.keys, nil
		}
		return nil, err
	}
	c.keys = keys
	c.freshUntil = start.Add(maxAge)
	return keys, nil
}

// cached answers from memory when it may. fetch is true when the caller
// should fetch.
func (c *keyCache) cached(kid string) (keys *challenge.KeySet, fetch bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	sinceFetch := now.Sub(c.lastFetch)
	if c.keys != nil && now.Before(c.freshUntil) {
		if _, ok := c.keys.Get(kid); ok || sinceFetch < minRefetch {
			return c.keys, false, nil
		}
		return nil, true, nil
	}
	if c.lastErr != nil && sinceFetch < errorBackoff {
		if c.usable(kid, now) {
			return c.keys, false, nil
		}
		return nil, false, c.lastErr
	}
	return nil, true, nil
}

// usable reports whether the held set, fresh or stale by less than
// maxStale at now, has kid: what an outage of the issuer's JWKS still
// lets verify. c.mu is held.
func (c *keyCache) usable(kid string, now time.Time) bool {
	if c.keys == nil || !now.Before(c.freshUntil.Add(maxStale)) {
		return false
	}
	_, ok := c.keys.Get(kid)
	return ok
}

// fetch GETs the JWKS and returns its signing keys and how long to keep them.
func (c *keyCache) fetch(ctx context.Context) (*challenge.KeySet, time.Duration, error) {
	fail := func(format string, args ...any) (*challenge.KeySet, time.Duration, error) {
		return nil, 0, fmt.Errorf("%w: GET %s: %s", ErrKeysUnavailable, c.url, fmt.Sprintf(format, args...))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return fail("%v", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return fail("%v", err)
	}
	defer resp.Body.Close()
	// A redirect must not downgrade the fetch to plain http.
	if err := checkJWKSURL(resp.Request.URL.String()); err != nil {
		return fail("redirected: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fail("status %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSSize+1))
	if err != nil {
		return fail("read: %v", err)
	}
	if len(body) > maxJWKSSize {
		return fail("document larger than %d bytes", maxJWKSSize)
	}
	keys, err := challenge.ParseJWKS(body)
	if err != nil {
		return fail("%v", err)
	}
	if len(keys.Keys()) == 0 {
		return fail("no Ed25519 signing keys in the document")
	}
	return keys, maxAge(resp.Header.Get("Cache-Control")), nil
}

// maxAge reads max-age from a Cache-Control header, clamped to
// [minMaxAge, maxMaxAge]; no-store and no-cache count as 0, which the clamp
// turns into the floor.
func maxAge(cacheControl string) time.Duration {
	age := defaultMaxAge
	for _, d := range strings.Split(cacheControl, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(name) {
		case "no-store", "no-cache":
			return minMaxAge
		case "max-age":
			n, err := strconv.ParseUint(strings.Trim(val, `"`), 10, 64)
			switch {
			case errors.Is(err, strconv.ErrRange) || (err == nil && n > uint64(maxMaxAge/time.Second)):
				// RFC 9111 §1.2.2: an overflowing delta-seconds means "very long".
				age = maxMaxAge
			case err == nil:
				age = time.Duration(n) * time.Second
			}
		}
	}
	return min(max(age, minMaxAge), maxMaxAge)
}
