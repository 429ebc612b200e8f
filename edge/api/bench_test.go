package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
)

// BenchmarkVerify measures POST /v1/verify end to end through the handler:
// JWT verify, ledger read, HPKE open, code compare, and then either the
// attempt count (wrong) or result token + finish + queued report (correct),
// all on a real SQLite file.
func BenchmarkVerify(b *testing.B) {
	body := func(tok, code string) []byte {
		j, _ := json.Marshal(map[string]string{"challenge_token": tok, "code": code})
		return j
	}
	run := func(b *testing.B, e *env, bodies func(i int) []byte, wantState string) {
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			r := httptest.NewRequest(http.MethodPost, "/v1/verify", bytes.NewReader(bodies(i)))
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, r)
			if w.Code != http.StatusOK || !bytes.Contains(w.Body.Bytes(), []byte(`"state":"`+wantState+`"`)) {
				b.Fatalf("verify %d: %d %s", i, w.Code, w.Body)
			}
		}
	}
	b.Run("wrong", func(b *testing.B) {
		e := newEnv(b)
		// A wrong code that does not end its authentication: each takes
		// limits.AttemptsPerAuthentication-1 of them, each of a token
		// credential of its own (a credential locks after
		// limits.FailuresPerCredential, across authentications).
		per := limits.AttemptsPerAuthentication - 1
		e.m.method = contract.MethodToken
		reqs := make([][]byte, b.N/per+1)
		for k := range reqs {
			e.m.creds = []string{fmt.Sprintf("CREDBENCH%017d", k)}
			reqs[k] = body(e.m.challenge(b, fmt.Sprintf("bench-wrong-%d", k), 1), wrongCode)
		}
		run(b, e, func(i int) []byte { return reqs[i/per] }, "challenge")
	})
	b.Run("correct", func(b *testing.B) {
		e := newEnv(b)
		// A right code ends its authentication: one fresh one per iteration.
		reqs := make([][]byte, b.N)
		for i := range reqs {
			reqs[i] = body(e.m.challenge(b, fmt.Sprintf("bench-ok-%d", i), 1), codeFor(1))
		}
		run(b, e, func(i int) []byte { return reqs[i] }, "result")
	})
}
