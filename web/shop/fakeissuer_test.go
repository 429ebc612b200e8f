package shop

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/challenge/challengetest"
	"github.com/honnin/honnin/edge/contract"
)

// Cards the fake issuer knows.
const (
	cardChallenge   = "4111111111111111" // enrolled: C
	cardNotEnrolled = "4000000000000002" // N not_enrolled
	cardUnavailable = "4000000000000010" // U
	cardInvalid     = "4000000000000028" // 400 invalid_card
)

const (
	testAPIKey = "test-api-key"
	testOrigin = "http://localhost:8080"
	testEdge   = "http://edge.test:8787"
)

// fakeIssuer speaks the merchant side of the issuer API contract: this is
// the outside edge of the shop's own tests (the e2e suite runs the real
// issuer). It signs real session tokens and serves the real JWKS, and mints
// result tokens with the edge key, as the edge would.
type fakeIssuer struct {
	t      *testing.T
	srv    *httptest.Server
	issuer challenge.IssuerKeys
	edge   challenge.EdgeKeys
	// origin is the merchant origin the fake has registered for the shop.
	origin string

	mu      sync.Mutex
	created []createAuthentication // requests, in order
	byOrder map[string]string      // order_ref -> authentication id
}

func newFakeIssuer(t *testing.T) *fakeIssuer {
	t.Helper()
	_, ik, ek := challengetest.Keys(t, challenge.KEMX25519)
	f := &fakeIssuer{t: t, issuer: ik, edge: ek, origin: testOrigin, byOrder: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/authentications", f.create)
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(ik.JWKS)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIssuer) fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "message": msg})
}

func (f *fakeIssuer) create(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+testAPIKey {
		f.fail(w, http.StatusUnauthorized, "unauthorized", "bad API key")
		return
	}
	var req createAuthentication
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		f.fail(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	if req.CardNumber == "" || req.Amount <= 0 || req.Currency != "JPY" || req.MerchantName == "" || req.MerchantOrigin != f.origin || req.OrderRef == "" {
		f.fail(w, http.StatusBadRequest, "bad_request", "missing or wrong field")
		return
	}
	id := challenge.NewID()
	f.mu.Lock()
	f.created = append(f.created, req)
	f.byOrder[req.OrderRef] = id
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	switch req.CardNumber {
	case cardChallenge:
		now := time.Now()
		st, err := challenge.Sign(f.issuer.Sign, challenge.TypSession, &challenge.SessionClaims{
			RegisteredClaims: jwt.RegisteredClaims{
				Issuer: challenge.IssuerName, Audience: jwt.ClaimStrings{challenge.EdgeName}, Subject: id, ID: challenge.NewID(),
				IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute)),
			},
			MerchantOrigin: req.MerchantOrigin,
		})
		if err != nil {
			f.fail(w, http.StatusInternalServerError, "internal", err.Error())
			return
		}
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{
			"id": id, "status": "C", "session_token": st, "challenge_url": "http://127.0.0.1:8787/challenge?st=" + st,
		})
	case cardInvalid:
		f.fail(w, http.StatusBadRequest, "invalid_card", "card number fails the Luhn check")
	case cardUnavailable:
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id, "status": "U", "reason": "unavailable"})
	default:
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id, "status": "N", "reason": "not_enrolled"})
	}
}

// authFor returns the authentication id the fake created for an order.
func (f *fakeIssuer) authFor(orderID string) string {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.byOrder[orderID]
	if !ok {
		f.t.Fatalf("no authentication was created for order %s", orderID)
	}
	return id
}

// result mints a result token as the edge would.
func (f *fakeIssuer) result(sub, status, reason string) string {
	f.t.Helper()
	tok, err := f.resultFor(f.origin, sub, status, reason)
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

// resultFor mints a result token for merchant origin mo; it does not fail
// the test itself, so it can run in a handler goroutine.
func (f *fakeIssuer) resultFor(mo, sub, status, reason string) (string, error) {
	now := time.Now()
	c := &challenge.ResultClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: challenge.EdgeName, Audience: jwt.ClaimStrings{mo}, Subject: sub, ID: challenge.NewID(),
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(5 * time.Minute)),
		},
		Status: status, Reason: reason, ECI: "07",
	}
	if status == contract.StatusAuthenticated {
		c.AV, c.ECI = "AJkBBkhgQQAAAE4gSEJydQAAAAA=", "05"
	}
	return challenge.Sign(f.edge.Sign, challenge.TypResult, c)
}
