package merchant

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/challenge/challengetest"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/edge/testenv"
)

const origin = "http://localhost:8080"

// issuer is a JWKS server whose document, status and headers a test can
// change, counting the fetches it answers.
type issuer struct {
	issuer challenge.IssuerKeys
	edge   challenge.EdgeKeys
	srv    *httptest.Server
	clock  *testenv.Clock // shared by the verifier and the token minting

	hits         atomic.Int64
	mu           sync.Mutex
	doc          []byte
	status       int
	cacheControl string
	delay        time.Duration
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	_, ik, ek := challengetest.Keys(t, challenge.KEMX25519)
	is := &issuer{
		issuer: ik, edge: ek, doc: ik.JWKS, status: http.StatusOK,
		clock: testenv.NewClock(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)),
	}
	is.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/jwks.json" || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		is.hits.Add(1)
		is.mu.Lock()
		doc, status, cc, delay := is.doc, is.status, is.cacheControl, is.delay
		is.mu.Unlock()
		time.Sleep(delay)
		if cc != "" {
			w.Header().Set("Cache-Control", cc)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(doc)
	}))
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) set(f func(is *issuer)) {
	is.mu.Lock()
	defer is.mu.Unlock()
	f(is)
}

func (is *issuer) url() string { return is.srv.URL + "/.well-known/jwks.json" }

func (is *issuer) verifier(t *testing.T) *Verifier {
	t.Helper()
	v, err := NewVerifier(is.url(), origin, WithClock(is.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// token mints a result token with k, as the edge would, for authentication
// sub; mod changes the claims before signing.
func (is *issuer) token(t testing.TB, k challenge.SigningKey, sub string, mod func(c *challenge.ResultClaims)) string {
	t.Helper()
	now := is.clock.Now()
	c := &challenge.ResultClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: challenge.EdgeName, Audience: jwt.ClaimStrings{origin}, Subject: sub, ID: challenge.NewID(),
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(5 * time.Minute)),
		},
		Status: contract.StatusAuthenticated, AV: "AJkBBkhgQQAAAE4gSEJydQAAAAA=", ECI: "05",
	}
	if mod != nil {
		mod(c)
	}
	tok, err := challenge.Sign(k, challenge.TypResult, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerify(t *testing.T) {
	is := newIssuer(t)
	v := is.verifier(t)
	stranger, err := challenge.NewSigningKey(challenge.EdgeName)
	if err != nil {
		t.Fatal(err)
	}
	session, err := challenge.Sign(is.edge.Sign, challenge.TypSession, &challenge.SessionClaims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: challenge.EdgeName, Audience: jwt.ClaimStrings{origin}, Subject: "auth-1",
			ExpiresAt: jwt.NewNumericDate(is.clock.Now().Add(time.Minute))},
		MerchantOrigin: origin,
	})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		token   string
		authID  string
		wantErr error
	}{
		{"wrong origin", is.token(t, is.edge.Sign, "auth-1", func(c *challenge.ResultClaims) { c.Audience = jwt.ClaimStrings{"http://localhost:9999"} }), "auth-1", ErrInvalidToken},
		{"origin with trailing slash", is.token(t, is.edge.Sign, "auth-1", func(c *challenge.ResultClaims) { c.Audience = jwt.ClaimStrings{origin + "/"} }), "auth-1", ErrInvalidToken},
		{"another authentication", is.token(t, is.edge.Sign, "auth-2", nil), "auth-1", ErrWrongAuthentication},
		{"expired", is.token(t, is.edge.Sign, "auth-1", func(c *challenge.ResultClaims) {
			c.ExpiresAt = jwt.NewNumericDate(is.clock.Now().Add(-limits.ClockSkew - time.Second))
		}), "auth-1", ErrExpired},
		{"expired within the clock tolerance is accepted", is.token(t, is.edge.Sign, "auth-1", func(c *challenge.ResultClaims) {
			c.ExpiresAt = jwt.NewNumericDate(is.clock.Now().Add(-limits.ClockSkew + time.Second))
		}), "auth-1", nil},
		{"issued by the issuer, not the edge", is.token(t, is.edge.Sign, "auth-1", func(c *challenge.ResultClaims) { c.Issuer = challenge.IssuerName }), "auth-1", ErrInvalidToken},
		{"session token, not a result", session, "auth-1", ErrInvalidToken},
		{"signed by an unpublished key", is.token(t, stranger, "auth-1", nil), "auth-1", ErrInvalidToken},
		{"unknown status", is.token(t, is.edge.Sign, "auth-1", func(c *challenge.ResultClaims) { c.Status = "OK" }), "auth-1", ErrInvalidToken},
		{"no authentication id given", is.token(t, is.edge.Sign, "auth-1", nil), "", ErrInvalidToken},
		{"garbage", "not-a-token", "auth-1", ErrInvalidToken},
		{"header without kid", "eyJhbGciOiJFZERTQSJ9.e30.c2ln", "auth-1", ErrInvalidToken},
		{"too long", strings.Repeat("a", maxTokenLen+1), "auth-1", ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := v.Verify(context.Background(), tt.token, tt.authID)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify = %+v, %v; want %v", res, err, tt.wantErr)
			}
			if (res != (Result{})) != (tt.wantErr == nil) {
				t.Fatalf("Verify = %+v with error %v", res, err)
			}
		})
	}

	t.Run("good token", func(t *testing.T) {
		tok := is.token(t, is.edge.Sign, "auth-1", func(c *challenge.ResultClaims) { c.ID = "jti-1" })
		res, err := v.Verify(context.Background(), tok, "auth-1")
		if err != nil {
			t.Fatal(err)
		}
		want := Result{
			AuthenticationID: "auth-1", Status: "Y", AV: "AJkBBkhgQQAAAE4gSEJydQAAAAA=", ECI: "05", ID: "jti-1",
		}
		exp := res.ExpiresAt
		res.ExpiresAt = time.Time{}
		if res != want || !exp.Equal(is.clock.Now().Add(5*time.Minute)) {
			t.Fatalf("Verify = %+v (expires %s), want %+v expiring in 5 min", res, exp, want)
		}
		if !res.Authenticated() {
			t.Fatal("Y result not Authenticated")
		}
	})
	t.Run("not authenticated result verifies", func(t *testing.T) {
		tok := is.token(t, is.edge.Sign, "auth-1", func(c *challenge.ResultClaims) {
			c.Status, c.Reason, c.AV, c.ECI = contract.StatusNotAuthenticated, "max_attempts", "", "07"
		})
		res, err := v.Verify(context.Background(), tok, "auth-1")
		if err != nil {
			t.Fatal(err)
		}
		if res.Authenticated() || res.Status != "N" || res.Reason != "max_attempts" || res.ECI != "07" {
			t.Fatalf("Verify = %+v", res)
		}
	})
	// All of the above ran on one fetch: the forged kid came within 30 s.
	if n := is.hits.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1", n)
	}
}

func TestAuthenticated(t *testing.T) {
	for _, tt := range []struct {
		status string
		want   bool
	}{{"Y", true}, {"A", false}, {"N", false}, {"U", false}, {"R", false}, {"C", false}, {"", false}} {
		if got := (Result{Status: tt.status}).Authenticated(); got != tt.want {
			t.Errorf("Authenticated(%q) = %v, want %v", tt.status, got, tt.want)
		}
	}
}

func TestRotation(t *testing.T) {
	is := newIssuer(t)
	v := is.verifier(t)
	ctx := context.Background()
	old := is.edge.Sign
	if _, err := v.Verify(ctx, is.token(t, old, "auth-1", nil), "auth-1"); err != nil {
		t.Fatal(err)
	}

	// The edge publishes a new key (the old one stays for its live tokens)
	// and starts signing with it.
	next, err := challenge.NewSigningKey(challenge.EdgeName)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := challenge.JWKS([]challenge.PublicKey{is.issuer.Sign.Public(), old.Public(), next.Public()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	is.set(func(is *issuer) { is.doc = doc })

	// Within 30 s of the last fetch an unknown kid is not worth a fetch.
	is.clock.Add(10 * time.Second)
	if _, err := v.Verify(ctx, is.token(t, next, "auth-2", nil), "auth-2"); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("new key within 30 s of last fetch: %v, want ErrInvalidToken", err)
	}
	if n := is.hits.Load(); n != 1 {
		t.Fatalf("fetches = %d, want 1", n)
	}

	is.clock.Add(21 * time.Second)
	if _, err := v.Verify(ctx, is.token(t, next, "auth-3", nil), "auth-3"); err != nil {
		t.Fatalf("new key after refetch: %v", err)
	}
	if _, err := v.Verify(ctx, is.token(t, old, "auth-4", nil), "auth-4"); err != nil {
		t.Fatalf("old key after rotation: %v", err)
	}
	if n := is.hits.Load(); n != 2 {
		t.Fatalf("fetches = %d, want 2", n)
	}
}

func TestForgedKidFetchesAtMostEvery30s(t *testing.T) {
	is := newIssuer(t)
	v := is.verifier(t)
	ctx := context.Background()
	good := func() {
		t.Helper()
		if _, err := v.Verify(ctx, is.token(t, is.edge.Sign, "auth-1", nil), "auth-1"); err != nil {
			t.Fatalf("good token: %v", err)
		}
	}
	forged := func(n int) {
		t.Helper()
		for range n {
			k, err := challenge.NewSigningKey(challenge.EdgeName) // a fresh kid every time
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.Verify(ctx, is.token(t, k, "auth-1", nil), "auth-1"); !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("forged token: %v, want ErrInvalidToken", err)
			}
		}
	}
	good()
	forged(50)
	if n := is.hits.Load(); n != 1 {
		t.Fatalf("fetches after 50 forged kids = %d, want 1", n)
	}
	is.clock.Add(31 * time.Second)
	forged(50)
	good()
	if n := is.hits.Load(); n != 2 {
		t.Fatalf("fetches after 31 s and 50 more forged kids = %d, want 2", n)
	}
}

func TestCacheLifetime(t *testing.T) {
	tests := []struct {
		name         string
		cacheControl string
		stillFresh   time.Duration // no fetch when this much time has passed
		stale        time.Duration // a fetch when this much has passed
	}{
		{"default 5 min", "", 299 * time.Second, 301 * time.Second},
		{"max-age 60", "public, max-age=60", 59 * time.Second, 61 * time.Second},
		{"no-cache floors at 30 s", "no-cache", 29 * time.Second, 31 * time.Second},
		{"a year is capped at a day", "max-age=31536000", 23 * time.Hour, 25 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := newIssuer(t)
			is.set(func(is *issuer) { is.cacheControl = tt.cacheControl })
			v := is.verifier(t)
			verify := func() {
				t.Helper()
				if _, err := v.Verify(context.Background(), is.token(t, is.edge.Sign, "a", nil), "a"); err != nil {
					t.Fatal(err)
				}
			}
			start := is.clock.Now()
			verify()
			is.clock.Add(tt.stillFresh)
			verify()
			if n := is.hits.Load(); n != 1 {
				t.Fatalf("after %s: fetches = %d, want 1", tt.stillFresh, n)
			}
			is.clock.Set(start.Add(tt.stale))
			verify()
			if n := is.hits.Load(); n != 2 {
				t.Fatalf("after %s: fetches = %d, want 2", tt.stale, n)
			}
		})
	}
}

func TestMaxAge(t *testing.T) {
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", defaultMaxAge},
		{"max-age=120", 2 * time.Minute},
		{"public, MAX-AGE=600, must-revalidate", 10 * time.Minute},
		{`max-age="90"`, 90 * time.Second},
		{"max-age=5", minMaxAge},
		{"max-age=0", minMaxAge},
		{"no-store", minMaxAge},
		{"max-age=-1", defaultMaxAge},
		{"max-age=soon", defaultMaxAge},
		{"max-age=99999999999999999999", maxMaxAge},
	}
	for _, tt := range tests {
		if got := maxAge(tt.header); got != tt.want {
			t.Errorf("maxAge(%q) = %s, want %s", tt.header, got, tt.want)
		}
	}
}

func TestJWKSServerDown(t *testing.T) {
	is := newIssuer(t)
	v := is.verifier(t)
	is.srv.Close()
	_, err := v.Verify(context.Background(), is.token(t, is.edge.Sign, "a", nil), "a")
	if !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("Verify = %v, want ErrKeysUnavailable", err)
	}
	if !strings.Contains(err.Error(), is.url()) {
		t.Fatalf("error %q does not name the JWKS URL", err)
	}
}

func TestJWKSErrorBackoff(t *testing.T) {
	is := newIssuer(t)
	is.set(func(is *issuer) { is.status = http.StatusServiceUnavailable })
	v := is.verifier(t)
	verify := func() error {
		_, err := v.Verify(context.Background(), is.token(t, is.edge.Sign, "a", nil), "a")
		return err
	}
	for range 10 {
		if err := verify(); !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), "503") {
			t.Fatalf("Verify = %v, want ErrKeysUnavailable with the status", err)
		}
	}
	if n := is.hits.Load(); n != 1 {
		t.Fatalf("fetches during backoff = %d, want 1", n)
	}
	is.set(func(is *issuer) { is.status = http.StatusOK })
	is.clock.Add(errorBackoff)
	if err := verify(); err != nil {
		t.Fatalf("after the issuer recovered: %v", err)
	}
}

// TestStaleKeysWhileTheIssuerIsDown: keys past their cache age keep
// verifying the tokens they signed while every refetch fails, up to
// maxStale; a key the stale set lacks, and any key after maxStale, is
// ErrKeysUnavailable; the issuer back, the fresh set is used.
func TestStaleKeysWhileTheIssuerIsDown(t *testing.T) {
	is := newIssuer(t)
	v := is.verifier(t)
	verify := func(k challenge.SigningKey) error {
		_, err := v.Verify(context.Background(), is.token(t, k, "a", nil), "a")
		return err
	}
	start := is.clock.Now()
	if err := verify(is.edge.Sign); err != nil {
		t.Fatal(err)
	}
	is.set(func(is *issuer) { is.status = http.StatusServiceUnavailable })
	for _, after := range []time.Duration{defaultMaxAge + time.Second, time.Hour, defaultMaxAge + maxStale - time.Second} {
		is.clock.Set(start.Add(after))
		if err := verify(is.edge.Sign); err != nil {
			t.Errorf("%s after the last fetch, issuer down: %v, want the held key to verify", after, err)
		}
	}
	other, err := challenge.NewSigningKey(challenge.EdgeName)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(other); !errors.Is(err, ErrKeysUnavailable) && !errors.Is(err, ErrInvalidToken) {
		t.Errorf("a key the held set lacks, issuer down: %v, want refused", err)
	}
	is.clock.Set(start.Add(defaultMaxAge + maxStale + errorBackoff))
	if err := verify(is.edge.Sign); !errors.Is(err, ErrKeysUnavailable) {
		t.Errorf("past maxStale, issuer down: %v, want ErrKeysUnavailable", err)
	}
	is.set(func(is *issuer) { is.status = http.StatusOK })
	is.clock.Add(errorBackoff)
	if err := verify(is.edge.Sign); err != nil {
		t.Errorf("the issuer back: %v", err)
	}
}

func TestMalformedJWKS(t *testing.T) {
	tests := []struct {
		name   string
		status int
		doc    string
		want   string
	}{
		{"not JSON", 200, "<html>maintenance</html>", "parse jwks"},
		{"no keys", 200, `{"keys":[]}`, "no Ed25519 signing keys"},
		{"only foreign key types", 200, `{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"}]}`, "no Ed25519 signing keys"},
		{"short Ed25519 key", 200, `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","x":"AAAA"}]}`, "bad Ed25519 x"},
		{"key without kid", 200, `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`, "no kid"},
		{"not found", 404, `{"error":"not_found"}`, "404"},
		{"too large", 200, `{"keys":[],"pad":"` + strings.Repeat("x", maxJWKSSize) + `"}`, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := newIssuer(t)
			is.set(func(is *issuer) { is.status, is.doc = tt.status, []byte(tt.doc) })
			v := is.verifier(t)
			_, err := v.Verify(context.Background(), is.token(t, is.edge.Sign, "a", nil), "a")
			if !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Verify = %v, want ErrKeysUnavailable containing %q", err, tt.want)
			}
		})
	}
}

func TestConcurrentColdStartFetchesOnce(t *testing.T) {
	is := newIssuer(t)
	is.set(func(is *issuer) { is.delay = 50 * time.Millisecond })
	v := is.verifier(t)
	tok := is.token(t, is.edge.Sign, "a", nil)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), tok, "a")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := is.hits.Load(); n != 1 {
		t.Fatalf("fetches = %d, want 1", n)
	}
}

// A caller that gives up must not make the shared fetch fail for others.
func TestCancelledCallerStillFetches(t *testing.T) {
	is := newIssuer(t)
	v := is.verifier(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := v.Verify(ctx, is.token(t, is.edge.Sign, "a", nil), "a"); err != nil {
		t.Fatalf("Verify with a cancelled context: %v", err)
	}
}

func TestNewVerifierRejects(t *testing.T) {
	tests := []struct {
		name, jwksURL, origin string
	}{
		{"origin with path", "https://issuer.example/.well-known/jwks.json", "https://shop.example/checkout"},
		{"origin with trailing slash", "https://issuer.example/.well-known/jwks.json", "https://shop.example/"},
		{"origin without scheme", "https://issuer.example/.well-known/jwks.json", "shop.example"},
		{"origin ftp", "https://issuer.example/.well-known/jwks.json", "ftp://shop.example"},
		{"empty origin", "https://issuer.example/.well-known/jwks.json", ""},
		{"origin upper case", "https://issuer.example/.well-known/jwks.json", "https://Shop.example"},
		{"origin port 0", "https://issuer.example/.well-known/jwks.json", "https://shop.example:0"},
		{"origin with user info", "https://issuer.example/.well-known/jwks.json", "https://u@shop.example"},
		{"plain http JWKS on a public host", "http://issuer.example/.well-known/jwks.json", "https://shop.example"},
		{"relative JWKS URL", "/.well-known/jwks.json", "https://shop.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewVerifier(tt.jwksURL, tt.origin); err == nil {
				t.Fatal("NewVerifier accepted it")
			}
		})
	}
	for _, ok := range []string{"http://127.0.0.1:8081/.well-known/jwks.json", "http://localhost:8081/.well-known/jwks.json", "http://[::1]:8081/x", "https://issuer.example/.well-known/jwks.json"} {
		if _, err := NewVerifier(ok, "http://localhost:8080"); err != nil {
			t.Errorf("NewVerifier(%q) = %v", ok, err)
		}
	}
}
