package e2e

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/e2e/stack"
)

// The edge checks the code without the issuer: with the issuer stopped
// after the challenge started, the cardholder still gets through and the
// shop still gets its result. The outcome waits in the edge's store (SQLite
// natively, D1 in workerd) and reaches the issuer once it is back: natively
// through the reporter's retries, in workerd through the cron trigger
// (which the e2e stack's edge/dev.mjs fires every 2 s) or the next result.
func TestIssuerDownAfterChallengeStarts(t *testing.T) {
	c := startCheckout(t, newCard(t, "email", enrolOpts{}))
	code := c.code()

	resume := pauseIssuer(t, sys)
	if _, err := http.Get(sys.IssuerURL + "/.well-known/jwks.json"); err == nil {
		t.Fatal("the issuer still answers after it was stopped")
	}

	c.enter(code)
	if orderStatus, status, _ := c.outcome(); orderStatus != "paid" || status != "Y" {
		t.Fatalf("with the issuer down: order %q status %q, want paid Y", orderStatus, status)
	}
	id := eval[string](t, c.ctx, `document.querySelector("#authentication-id").textContent.trim()`)

	resume()
	waitFor(t, "the issuer to receive the queued Y", 45*time.Second, func() bool {
		return issuerStatus(t, id) == "Y"
	})
}

// pauseIssuer stops s's issuer and returns what starts it again (once,
// whoever calls first: the test, or its cleanup if the test ends before).
func pauseIssuer(t *testing.T, s *stack.Stack) (resume func()) {
	t.Helper()
	if err := s.Pause("issuer"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	resume = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := s.Resume(ctx, "issuer", s.IssuerURL+"/.well-known/jwks.json"); err != nil {
				t.Errorf("restart the issuer: %v", err)
			}
		})
	}
	t.Cleanup(resume)
	return resume
}
