package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/passhash"
)

// passwordCase is a password challenge for cardJA over an API with its
// own hashing budget (one slot unless said otherwise).
type passwordCase struct {
	h      *harness
	budget *passhash.Budget
	card   issuer.Cardholder
	id     string
}

func newPasswordCase(t testing.TB) *passwordCase {
	return newPasswordCaseSlots(t, 1)
}

func newPasswordCaseSlots(t testing.TB, slots int) *passwordCase {
	h := newHarness(t)
	budget := passhash.NewBudget(slots)
	h.reconfigure(func(c *acs.Config) { c.Hashing = budget })
	c := h.setMethod(cardJA, issuer.MethodPassword)
	hash, err := passhash.Hash("s3cret パス")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.SetPassword(t.Context(), c.ID, hash, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	id := h.createChallenge(cardJA)
	h.start(id)
	return &passwordCase{h: h, budget: budget, card: c, id: id}
}

// check sends the edge's password check with ctx.
func (pc *passwordCase) check(ctx context.Context, pw string) *httptestResponse {
	body, err := json.Marshal(map[string]any{"gen": 1, "password": pw})
	if err != nil {
		pc.h.t.Fatal(err)
	}
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/internal/v1/authentications/"+pc.id+"/password", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+pc.h.edgeToken(pc.id))
	rec := httptest.NewRecorder()
	pc.h.api.ServeHTTP(rec, req)
	return rec
}

// hash is the stored hash of the challenge's password credential.
func (pc *passwordCase) hash(t testing.TB) string {
	creds, err := pc.h.store.ActiveCredentials(t.Context(), pc.card.ID, issuer.MethodPassword)
	if err != nil || len(creds) != 1 {
		t.Fatalf("password credentials: %+v %v", creds, err)
	}
	return creds[0].PasswordHash
}

// failures is the password credential's failure count.
func (pc *passwordCase) failures(t *testing.T) int {
	creds, err := pc.h.store.ActiveCredentials(t.Context(), pc.card.ID, issuer.MethodPassword)
	if err != nil || len(creds) != 1 {
		t.Fatalf("password credentials: %+v %v", creds, err)
	}
	return creds[0].Failures
}

// waitQueued waits until n callers wait in lane l of b.
func waitQueued(t *testing.T, b *passhash.Budget, l passhash.Lane, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for b.Stats().Waiting[l] != n {
		if ctx.Err() != nil {
			t.Fatalf("%d callers never waited in lane %v: %+v", n, l, b.Stats())
		}
		runtime.Gosched()
	}
}

// TestPasswordCheckUnderSignInFlood: portal sign-ins hold the only slot
// and fill their queue (one more is refused); a purchase password check
// queued after them gets the slot as soon as it is freed and is answered,
// while the sign-ins queued before it still wait. Were the queue first
// come first served, the sign-ins (which keep the slot until the test
// ends) would leave the check waiting out its 5 s and answering 503.
func TestPasswordCheckUnderSignInFlood(t *testing.T) {
	pc := newPasswordCase(t)
	budget := pc.budget
	running, err := budget.Acquire(t.Context(), passhash.SignIn)
	if err != nil {
		t.Fatal(err)
	}
	flood := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(flood); wg.Wait() }()
	for range budget.Stats().Queue[passhash.SignIn] {
		wg.Go(func() {
			if s, err := budget.Acquire(t.Context(), passhash.SignIn); err == nil {
				<-flood
				s.Release()
			}
		})
	}
	waitQueued(t, budget, passhash.SignIn, budget.Stats().Queue[passhash.SignIn])
	if _, err := budget.Acquire(t.Context(), passhash.SignIn); !errors.Is(err, passhash.ErrBusy) {
		t.Fatalf("sign-in lane not saturated: %v", err)
	}

	answer := make(chan *httptestResponse)
	go func() { answer <- pc.check(t.Context(), "s3cret パス") }()
	waitQueued(t, budget, passhash.Purchase, 1)
	running.Release()
	rec := <-answer
	if rec.Code != http.StatusOK || !okOf(t, decodeBody[contract.PasswordResponse](t, rec)) {
		t.Fatalf("purchase check under the flood: %d %s", rec.Code, rec.Body.String())
	}
	if st := budget.Stats(); st.Waiting[passhash.SignIn] == 0 || st.Hashes != 1 {
		t.Errorf("after the purchase check: %+v, want sign-ins still queued and one hash", st)
	}
}

// TestPasswordCheckBusy: with the purchase lane itself full, a check is
// answered 503 busy with Retry-After at once, computes nothing and
// charges the credential nothing; once the budget frees up, the same
// authentication's check is answered.
func TestPasswordCheckBusy(t *testing.T) {
	pc := newPasswordCase(t)
	budget := pc.budget
	running, err := budget.Acquire(t.Context(), passhash.Account)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for range budget.Stats().Queue[passhash.Purchase] {
		wg.Go(func() {
			if s, err := budget.Acquire(ctx, passhash.Purchase); err == nil {
				s.Release()
			}
		})
	}
	waitQueued(t, budget, passhash.Purchase, budget.Stats().Queue[passhash.Purchase])
	for _, pw := range []string{"s3cret パス", "wrong"} {
		rec := pc.check(t.Context(), pw)
		expectError(t, rec, http.StatusServiceUnavailable, "busy")
		if ra := rec.Header().Get("Retry-After"); ra != "1" {
			t.Errorf("Retry-After %q", ra)
		}
	}
	if st := budget.Stats(); st.Hashes != 0 || st.Refused[passhash.Purchase] != 2 {
		t.Errorf("after the refusals: %+v", st)
	}
	cancel()
	wg.Wait()
	running.Release()

	if n := pc.failures(t); n != 0 {
		t.Errorf("credential failures %d after the refusals", n)
	}
	if rec := pc.check(t.Context(), "s3cret パス"); rec.Code != http.StatusOK || !okOf(t, decodeBody[contract.PasswordResponse](t, rec)) {
		t.Errorf("check once the budget is free: %d %s", rec.Code, rec.Body.String())
	}
}

// TestPasswordCheckCancelled: an edge that hangs up while its check waits
// leaves the queue; no hash is computed for it and nothing is charged.
func TestPasswordCheckCancelled(t *testing.T) {
	pc := newPasswordCase(t)
	running, err := pc.budget.Acquire(t.Context(), passhash.Account)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	answer := make(chan *httptestResponse)
	go func() { answer <- pc.check(ctx, "wrong") }()
	waitQueued(t, pc.budget, passhash.Purchase, 1)
	cancel()
	expectError(t, <-answer, http.StatusServiceUnavailable, "busy")
	running.Release()
	if st := pc.budget.Stats(); st.Hashes != 0 || st.Running != 0 || st.Waiting[passhash.Purchase] != 0 {
		t.Errorf("after the hang-up: %+v", st)
	}
	if n := pc.failures(t); n != 0 {
		t.Errorf("credential failures %d after the hang-up", n)
	}
}
