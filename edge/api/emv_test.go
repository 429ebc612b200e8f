package api_test

import (
	"context"
	"testing"

	"github.com/honnin/honnin/edge/api"
	"github.com/honnin/honnin/edge/contract"
)

// TestConclude: an authentication without a result is ended N with the
// reason given, as a cancel is (result token, ledger, report); one with a
// result keeps it, whatever reason a later call gives; and only the ends
// without a result are reasons it takes.
func TestConclude(t *testing.T) {
	e := newEnv(t)
	h := e.h.(*api.Handler)
	ctx := context.Background()

	r, err := h.Conclude(ctx, "auth-never-started", origin, contract.ReasonTimedOut)
	if err != nil || r.Status != "N" || r.Reason != contract.ReasonTimedOut || e.result(r.ResultToken).Reason != contract.ReasonTimedOut {
		t.Fatalf("conclude: %+v, %v", r, err)
	}
	if o := e.final("auth-never-started"); o.Status != "N" || o.Reason != contract.ReasonTimedOut {
		t.Errorf("reported %+v", o)
	}
	again, err := h.Conclude(ctx, "auth-never-started", origin, contract.ReasonCancelled)
	if err != nil || again != r {
		t.Errorf("again: %+v, %v; want %+v", again, err, r)
	}

	// A right code first: the Y stands.
	s := e.start("auth-y")
	if rep := e.verify(s.ChallengeToken, codeFor(1)); rep.Status != "Y" {
		t.Fatalf("verify: %+v", rep)
	}
	if r, err := h.Conclude(ctx, "auth-y", origin, contract.ReasonCancelled); err != nil || r.Status != "Y" {
		t.Errorf("after Y: %+v, %v", r, err)
	}

	for _, reason := range []string{"", contract.ReasonMaxAttempts, contract.ReasonWrongCode, "Y"} {
		if _, err := h.Conclude(ctx, "auth-other", origin, reason); err == nil {
			t.Errorf("reason %q accepted", reason)
		}
	}
	if l, _ := e.ledger.Lookup(ctx, "auth-other"); l.Finished {
		t.Error("a refused reason ended the authentication")
	}
}
