package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
)

// batchOf is the body of a batch of the given encoded outcomes.
func batchOf(outcomes ...string) string {
	return `{"outcomes":[` + strings.Join(outcomes, ",") + `]}`
}

// TestResultsBatch: each outcome of a batch gets the verdict it would have
// got alone, in order, and the refused ones do not keep the rest from being
// recorded.
func TestResultsBatch(t *testing.T) {
	h := newHarness(t)
	id1 := h.createChallenge(cardJA)
	h.start(id1)
	id2 := h.createChallenge(cardEN)
	h.start(id2)
	h.clock.Add(time.Minute)

	out := func(jti, sub, status, reason string) string {
		return fmt.Sprintf(`{"jti":%q,"sub":%q,"status":%q,"reason":%q,"gen":1,"attempts":0}`, jti, sub, status, reason)
	}
	rec := h.do("POST", contract.ResultsBatchPath, h.edgeToken(contract.SubjectResults), batchOf(
		out("a", id1, "Y", ""),
		out("a", id1, "Y", ""), // a repeat within the batch
		`{"jti":"m","sub":"`+id1+`","status":"Y","gen":1,"av":"x"}`, // an unknown field
		out("u", "NOSUCHAUTHENTICATION0000AA", "N", "auth_failed"),
		out("b", id1, "N", "auth_failed"), // contradicts a
		`[1]`,                             // not an object
		out("c", id2, "N", "max_attempts"),
		`{"jti":"g","sub":"`+id2+`","status":"N","gen":-1}`,
	))
	if rec.Code != http.StatusOK {
		t.Fatalf("batch: %d %s", rec.Code, rec.Body.String())
	}
	got := decodeBody[contract.OutcomeBatchResponse](t, rec).Results
	want := []struct {
		jti     string
		status  int
		applied bool
		code    string
	}{
		{"a", 200, true, ""},
		{"a", 200, false, ""},
		{"m", 400, false, "bad_request"},
		{"u", 404, false, "not_found"},
		{"b", 409, false, "conflict"},
		{"", 400, false, "bad_request"},
		{"c", 200, true, ""},
		{"g", 400, false, "bad_request"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d verdicts for %d outcomes: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.JTI != w.jti || g.Status != w.status || g.Applied != w.applied || g.Error != w.code || (w.status != 200) != (g.Message != "") {
			t.Errorf("verdict %d = %+v, want jti %q status %d applied %v code %q and a message on a refusal", i, g, w.jti, w.status, w.applied, w.code)
		}
	}
	for id, status := range map[string]string{id1: "Y", id2: "N"} {
		a, err := h.store.Authentication(t.Context(), id)
		if err != nil || a.Status != status {
			t.Errorf("%s: status %q (%v), want %q", id, a.Status, err, status)
		}
	}

	// Sent again (the edge crashed before deleting): nothing applied twice.
	rec = h.do("POST", contract.ResultsBatchPath, h.edgeToken(contract.SubjectResults), batchOf(out("a", id1, "Y", ""), out("c", id2, "N", "max_attempts")))
	for i, g := range decodeBody[contract.OutcomeBatchResponse](t, rec).Results {
		if g.Status != 200 || g.Applied {
			t.Errorf("repeat %d: %+v, want 200 not applied", i, g)
		}
	}
}

// TestResultsBatchRefusedWhole: a call the issuer cannot read is refused
// whole, with the status of a refusal the edge acts on for every outcome.
func TestResultsBatchRefusedWhole(t *testing.T) {
	h := newHarness(t)
	one := `{"jti":"j","sub":"x","status":"N","gen":1}`
	many := make([]string, contract.MaxOutcomeBatch+1)
	for i := range many {
		many[i] = one
	}
	tok := h.edgeToken(contract.SubjectResults)
	for _, tt := range []struct {
		name, auth, ctype, body string
		status                  int
		code                    string
	}{
		{"no token", "", "", batchOf(one), 401, "invalid_token"},
		{"a token for another subject", h.edgeToken("x"), "", batchOf(one), 401, "invalid_token"},
		{"not JSON", tok, "text/plain", batchOf(one), 415, "unsupported_media_type"},
		{"empty body", tok, "", "", 400, "bad_request"},
		{"no outcomes", tok, "", `{"outcomes":[]}`, 400, "bad_request"},
		{"null outcomes", tok, "", `{"outcomes":null}`, 400, "bad_request"},
		{"an unknown field", tok, "", `{"outcomes":[` + one + `],"more":1}`, 400, "bad_request"},
		{"two values", tok, "", batchOf(one) + batchOf(one), 400, "bad_request"},
		{"truncated", tok, "", `{"outcomes":[` + one, 400, "bad_request"},
		{"too many outcomes", tok, "", batchOf(many...), 413, "too_large"},
		{"too large", tok, "", `{"outcomes":["` + strings.Repeat("a", contract.MaxOutcomeBatchBody) + `"]}`, 413, "too_large"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			expectError(t, h.doWithType("POST", contract.ResultsBatchPath, tt.auth, tt.ctype, tt.body), tt.status, tt.code)
		})
	}
}

// TestRecordBatchOrder: recordBatch gives each outcome's verdict its place
// in the batch, hands one authentication's outcomes to record one after
// another in the batch's order, and records different authentications at
// once (each of the first two waits, bounded, for the other to begin: one
// after another, they would wait out the bound and fail).
func TestRecordBatchOrder(t *testing.T) {
	outcome := func(jti, sub string) contract.RawOutcome {
		return contract.RawOutcome(fmt.Sprintf(`{"jti":%q,"sub":%q,"status":"C","gen":1,"attempts":1}`, jti, sub))
	}
	raw := []contract.RawOutcome{
		outcome("a1", "AUTHA"), outcome("b1", "AUTHB"), outcome("a2", "AUTHA"),
		contract.RawOutcome(`[1]`), outcome("c1", "AUTHC"), outcome("b2", "AUTHB"), outcome("a3", "AUTHA"),
	}
	var (
		mu       sync.Mutex
		seen     = map[string][]string{} // authentication: its jtis in the order record got them
		inFlight = map[string]int{}
		twice    []string
	)
	began := map[string]chan struct{}{"AUTHA": make(chan struct{}), "AUTHB": make(chan struct{})}
	var once sync.Map
	out := make([]contract.OutcomeResult, len(raw))
	recordBatch(raw, out, 4, func(p parsed) contract.OutcomeResult {
		sub := p.o.Authentication
		mu.Lock()
		if inFlight[sub]++; inFlight[sub] > 1 {
			twice = append(twice, sub)
		}
		seen[sub] = append(seen[sub], p.jti)
		mu.Unlock()
		if ch, ok := began[sub]; ok {
			if _, done := once.LoadOrStore(sub, true); !done {
				close(ch)
				other := began["AUTHA"]
				if sub == "AUTHA" {
					other = began["AUTHB"]
				}
				select {
				case <-other:
				case <-time.After(10 * time.Second):
					t.Errorf("%s waited 10 s for the other authentication to begin: the batch is recorded one at a time", sub)
				}
			}
		}
		mu.Lock()
		inFlight[sub]--
		mu.Unlock()
		return contract.OutcomeResult{JTI: p.jti, Status: 200, Message: sub}
	})
	for i, r := range out {
		want := ""
		if i != 3 {
			want = string(raw[i])[8:10]
		}
		if r.JTI != want {
			t.Errorf("verdict %d is %+v, want the verdict of %q", i, r, want)
		}
	}
	for sub, want := range map[string][]string{"AUTHA": {"a1", "a2", "a3"}, "AUTHB": {"b1", "b2"}, "AUTHC": {"c1"}, "": {""}} {
		if got := seen[sub]; !slices.Equal(got, want) {
			t.Errorf("%q: recorded %q, want %q in the batch's order", sub, got, want)
		}
	}
	if len(twice) > 0 {
		t.Errorf("one authentication's outcomes were recorded at once: %q", twice)
	}
}

// TestRecordBatchOneWriter: with one writer (SQLite) recordBatch hands
// record every outcome in the batch's order, whatever its authentication.
func TestRecordBatchOneWriter(t *testing.T) {
	var raw []contract.RawOutcome
	var want []string
	for i, sub := range []string{"AUTHA", "AUTHB", "AUTHA", "AUTHC", "AUTHB"} {
		jti := fmt.Sprintf("j%d", i)
		raw = append(raw, contract.RawOutcome(fmt.Sprintf(`{"jti":%q,"sub":%q,"status":"C","gen":1,"attempts":1}`, jti, sub)))
		want = append(want, jti)
	}
	var got []string
	out := make([]contract.OutcomeResult, len(raw))
	recordBatch(raw, out, 1, func(p parsed) contract.OutcomeResult {
		got = append(got, p.jti) // one goroutine: no lock needed, and -race says so
		return contract.OutcomeResult{JTI: p.jti, Status: 200}
	})
	if !slices.Equal(got, want) {
		t.Errorf("recorded %q, want the batch's order %q", got, want)
	}
	for i, r := range out {
		if r.JTI != want[i] {
			t.Errorf("verdict %d is %+v, want %q's", i, r, want[i])
		}
	}
}
