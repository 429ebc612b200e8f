package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer"
)

// TestLateReportsKeepTheEdgeOrder: the edge's reports of one credential's
// wrong codes and successes reach the issuer late and out of order (the
// edge's queue backed up behind a busy issuer, retried after 500s,
// delivered in batches), while the card's next challenges were already
// started. Whatever the order of delivery, the credential's count is what
// the edge counted in its own order — 4 wrong codes then the right one on
// each of three challenges, then 3 wrong codes on a fourth: 3 — and it is
// never locked, though 15 wrong codes were reported in all.
func TestLateReportsKeepTheEdgeOrder(t *testing.T) {
	type report struct {
		challenge int // 0-based
		try       int // 1..4 a wrong code, 0 the right one
	}
	// edgeOrder is how the edge judged them.
	var edgeOrder []report
	for k := range 3 {
		for try := 1; try <= 4; try++ {
			edgeOrder = append(edgeOrder, report{k, try})
		}
		edgeOrder = append(edgeOrder, report{k, 0})
	}
	for try := 1; try <= 3; try++ {
		edgeOrder = append(edgeOrder, report{3, try})
	}
	reversed := make([]report, len(edgeOrder))
	for i, r := range edgeOrder {
		reversed[len(edgeOrder)-1-i] = r
	}
	var successesFirst []report
	for _, r := range edgeOrder {
		if r.try == 0 {
			successesFirst = append(successesFirst, r)
		}
	}
	for _, r := range edgeOrder {
		if r.try != 0 {
			successesFirst = append(successesFirst, r)
		}
	}
	// interleaved: each challenge's wrong codes after the next one's
	// success, the successes themselves late.
	interleaved := []report{{1, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {2, 1}, {2, 2}, {0, 0}, {2, 3}, {2, 4},
		{1, 1}, {1, 2}, {3, 1}, {1, 3}, {1, 4}, {3, 2}, {3, 3}, {2, 0}}
	for _, tt := range []struct {
		name  string
		order []report
	}{
		{"edge order", edgeOrder},
		{"reversed", reversed},
		{"successes first", successesFirst},
		{"interleaved", interleaved},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			// The edge started each challenge before the reports of the one
			// before reached the issuer: each start superseded the one before.
			var ids []string
			var cred string
			for range 4 {
				id := h.createChallenge(cardJA)
				o := h.openChallenge(h.start(id).ChallengeToken)
				if len(o.payload.Codes) != 1 {
					t.Fatalf("challenge seals %d codes, want 1", len(o.payload.Codes))
				}
				cred = o.payload.Codes[0].Cred
				ids = append(ids, id)
			}
			delivered := 0
			for _, r := range tt.order {
				body := map[string]any{"sub": ids[r.challenge], "gen": 1}
				if r.try == 0 {
					body["jti"], body["status"], body["attempts"], body["cred"] = fmt.Sprintf("y%d", r.challenge), "Y", 4, cred
				} else {
					body["jti"], body["status"], body["reason"], body["attempts"] = challenge.NewID(), "C", contract.ReasonWrongCode, r.try
				}
				rec := h.do("POST", contract.ResultsPath, h.edgeToken(contract.SubjectResults), body)
				if rec.Code != http.StatusOK {
					t.Fatalf("report %+v: %d %s", r, rec.Code, rec.Body.String())
				}
				delivered++
			}
			if delivered != len(edgeOrder) {
				t.Fatalf("delivered %d reports, want %d", delivered, len(edgeOrder))
			}
			c, err := h.store.CredentialByPublicID(t.Context(), cred)
			if err != nil {
				t.Fatal(err)
			}
			if c.State != issuer.CredActive || c.Failures != 3 {
				t.Errorf("credential %s with %d failures, want active with 3 (the edge's count)", c.State, c.Failures)
			}
			// The card's next challenge starts.
			if res := h.start(h.createChallenge(cardJA)); res.Decision != contract.DecisionChallenge {
				t.Errorf("next start: %+v, want a challenge", res)
			}
		})
	}
}
