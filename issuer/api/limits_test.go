package api

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/acs"
)

// TestStartLimit: a burst of starts (reloads), then 429 start_limit with
// the wait; the clock moving on allows one more.
func TestStartLimit(t *testing.T) {
	h := newHarness(t)
	id := h.createChallenge(cardJA)
	for range limits.StartBurst {
		h.start(id)
	}
	rec := h.do("POST", "/internal/v1/authentications/"+id+"/start", h.edgeToken(id), map[string]any{})
	expectError(t, rec, http.StatusTooManyRequests, "start_limit")
	if ra, _ := strconv.Atoi(rec.Header().Get("Retry-After")); ra < 1 || ra > int(limits.StartRefill/time.Second) {
		t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
	}
	h.clock.Add(limits.StartRefill)
	h.start(id)
}

// TestReloadKeepsTheGeneration: a reload of an app or password challenge
// re-mints the same generation (no fresh challenge to guess against); an
// email one the same code, nothing sent.
func TestReloadKeepsTheGeneration(t *testing.T) {
	h := newHarness(t)
	h.registerApp(cardEN)
	id := h.createChallenge(cardEN)
	first := h.openChallenge(h.start(id).ChallengeToken)
	h.clock.Add(2 * time.Minute)
	again := h.openChallenge(h.start(id).ChallengeToken)
	if again.claims.Gen != first.claims.Gen || again.payload.AV != first.payload.AV {
		t.Errorf("app reload: gen %d → %d, same av %v; want the same generation", first.claims.Gen, again.claims.Gen,
			again.payload.AV == first.payload.AV)
	}
	if !again.claims.ExpiresAt.Equal(first.claims.ExpiresAt.Time) {
		t.Errorf("a reload moved the expiry %v → %v", first.claims.ExpiresAt, again.claims.ExpiresAt)
	}
	// Past its lifetime, a reload issues the next generation.
	h.clock.Add(limits.CodeLifetime)
	if late := h.openChallenge(h.start(id).ChallengeToken); late.claims.Gen != first.claims.Gen+1 {
		t.Errorf("reload after expiry: gen %d, want %d", late.claims.Gen, first.claims.Gen+1)
	}

	email := h.createChallenge(cardJA)
	seen := len(h.mails(emailJA))
	one := h.openChallenge(h.start(email).ChallengeToken)
	two := h.openChallenge(h.start(email).ChallengeToken)
	if two.claims.Gen != one.claims.Gen || two.payload.Codes[0].Code != one.payload.Codes[0].Code || len(h.mails(emailJA)) != seen+1 {
		t.Errorf("email reload: gen %d → %d, %d mails; want the same code, one mail", one.claims.Gen, two.claims.Gen, len(h.mails(emailJA))-seen)
	}
}

// TestNoCodeNotDelivered: over the destination's cap, or when the mail
// server fails, the challenge holds no code at all.
func TestNoCodeNotDelivered(t *testing.T) {
	t.Run("over the send cap", func(t *testing.T) {
		h := newHarness(t)
		h.reconfigure(func(c *acs.Config) { c.SendCap = 1 })
		h.start(h.createChallenge(cardJA)) // the one send of the day
		id := h.createChallenge(cardJA)
		res := h.start(id)
		o := h.openChallenge(res.ChallengeToken)
		if res.Delivery != contract.DeliveryLimited || len(o.payload.Codes) != 0 {
			t.Fatalf("over the cap: delivery %q, %d codes sealed; want limited and none", res.Delivery, len(o.payload.Codes))
		}
		// The decision is recorded with the codeless challenge, once.
		if a, err := h.store.Authentication(t.Context(), id); err != nil || a.Decision != "challenge" || a.Gen != 1 || a.LastSentAt != (time.Time{}) {
			t.Errorf("over the cap: decision %q, gen %d, last sent %v, %v; want challenge, 1, never", a.Decision, a.Gen, a.LastSentAt, err)
		}
		// A reload says the same, with no new generation and no code.
		again := h.start(id)
		if a := h.openChallenge(again.ChallengeToken); again.Delivery != contract.DeliveryLimited || len(a.payload.Codes) != 0 || a.claims.Gen != o.claims.Gen {
			t.Errorf("reload over the cap: %q, %d codes, gen %d", again.Delivery, len(a.payload.Codes), a.claims.Gen)
		}
	})
	t.Run("mail server down", func(t *testing.T) {
		h := newHarness(t)
		h.smtpDown()
		id := h.createChallenge(cardJA)
		res := h.start(id)
		if o := h.openChallenge(res.ChallengeToken); res.Delivery != contract.DeliveryFailed || len(o.payload.Codes) != 0 {
			t.Fatalf("failed send: delivery %q, %d codes sealed; want failed and none", res.Delivery, len(o.payload.Codes))
		}
		a, err := h.store.Authentication(context.Background(), id)
		if err != nil || a.Secret != nil {
			t.Errorf("the code of a failed send is kept: %v", err)
		}
		h.smtpUp()
		rec := h.resend(id, 1)
		if rec.Code != http.StatusOK {
			t.Fatalf("resend: %d %s", rec.Code, rec.Body.String())
		}
		r := decodeBody[contract.ResendResponse](t, rec)
		if o := h.openChallenge(r.ChallengeToken); r.Delivery != contract.DeliverySent || len(o.payload.Codes) != 1 {
			t.Errorf("resend once the mail works: %q, %d codes", r.Delivery, len(o.payload.Codes))
		}
	})
}

// TestSealsCredentialsAndCard: a challenge seals each credential with its
// epoch, and its card's seq; the card's next challenge supersedes it.
func TestSealsCredentialsAndCard(t *testing.T) {
	h := newHarness(t)
	a := h.createChallenge(cardJA)
	oa := h.openChallenge(h.start(a).ChallengeToken)
	if len(oa.payload.Creds) != 1 || oa.payload.Creds[0].ID != oa.payload.Codes[0].Cred || oa.payload.Creds[0].Epoch != 1 ||
		oa.payload.Card == "" || oa.payload.CardSeq != 1 {
		t.Fatalf("sealed %+v", oa.payload)
	}
	b := h.createChallenge(cardJA)
	ob := h.openChallenge(h.start(b).ChallengeToken)
	if ob.payload.Card != oa.payload.Card || ob.payload.CardSeq != 2 {
		t.Errorf("the card's second challenge: card %q seq %d", ob.payload.Card, ob.payload.CardSeq)
	}
	got, _ := h.store.Authentication(context.Background(), a)
	if got.Status != "N" || got.Reason != contract.ReasonSuperseded {
		t.Errorf("the first after the second started: %s %s", got.Status, got.Reason)
	}
	expectError(t, h.do("POST", "/internal/v1/authentications/"+a+"/start", h.edgeToken(a), map[string]any{}), http.StatusConflict, "already_final")
	other := h.openChallenge(h.start(h.createChallenge(cardEN)).ChallengeToken)
	if other.payload.Card == oa.payload.Card {
		t.Error("two cards have one card id")
	}
}

// TestResultToken: the merchant's GET carries the result token the edge
// reported, and a Y for a credential locked since is recorded as N.
func TestResultToken(t *testing.T) {
	h := newHarness(t)
	id := h.createChallenge(cardJA)
	o := h.openChallenge(h.start(id).ChallengeToken)
	cred := o.payload.Codes[0].Cred
	c, err := h.store.CredentialByPublicID(context.Background(), cred)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.LockCredential(context.Background(), c.ID, issuer.LockOperator, "operator", h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	rec := h.do("POST", "/internal/v1/results", h.edgeToken("results"), map[string]any{"jti": challenge.NewID(),
		"sub": id, "status": "Y", "gen": 1, "attempts": 0, "cred": cred, "result_token": "e.y.j"})
	if rec.Code != http.StatusOK {
		t.Fatalf("results: %d %s", rec.Code, rec.Body.String())
	}
	got := decodeBody[authenticationResponse](t, h.do("GET", "/v1/authentications/"+id, testAPIKey, nil))
	if got.Status != "N" || got.Reason != contract.ReasonCredentialLocked || got.ResultToken != "e.y.j" {
		t.Errorf("GET after a Y of a locked credential: %+v", got)
	}
	expectError(t, h.do("POST", "/internal/v1/results", h.edgeToken("results"), map[string]any{"jti": challenge.NewID(),
		"sub": id, "status": "C", "reason": "wrong_code", "gen": 1, "attempts": 1, "result_token": "x"}), http.StatusBadRequest, "bad_request")
}

// TestConcurrentStarts: starts of one authentication racing each other are
// each answered with the challenge or a start_limit to retry, never an
// error, and make one decision.
func TestConcurrentStarts(t *testing.T) {
	h := newHarness(t)
	id := h.createChallenge(cardJA)
	codes := make(chan int, limits.StartBurst)
	var wg sync.WaitGroup
	for range limits.StartBurst {
		wg.Go(func() {
			rec := h.do("POST", "/internal/v1/authentications/"+id+"/start", h.edgeToken(id), map[string]any{})
			if rec.Code == http.StatusTooManyRequests && rec.Header().Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After: %s", rec.Body.String())
			}
			codes <- rec.Code
		})
	}
	wg.Wait()
	close(codes)
	ok := 0
	for c := range codes {
		switch c {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
		default:
			t.Errorf("a concurrent start answered %d", c)
		}
	}
	if ok == 0 {
		t.Error("no concurrent start got the challenge")
	}
	if a, err := h.store.Authentication(context.Background(), id); err != nil || a.Gen != 1 {
		t.Errorf("concurrent starts issued generation %d (%v), want one", a.Gen, err)
	}
}
