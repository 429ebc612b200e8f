package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/honnin/honnin/edge/contract"
)

// TestPassword: with method password the edge relays the password to the
// issuer and takes its yes or no; a no counts like a wrong code. The
// password is never in the edge's log.
func TestPassword(t *testing.T) {
	e := newEnv(t)
	e.m.method = contract.MethodPassword
	e.issuer.delivery = "none"
	right := e.issuer.password
	long := strings.Repeat("馬", 128) // 128 characters, 384 bytes
	tests := []struct {
		name     string
		password string
		status   int
		errCode  string
		result   string // "Y", or "" for the challenge again
		relayed  bool
	}{
		{"right", right, http.StatusOK, "", "Y", true},
		{"wrong", "hunter2 not it", http.StatusOK, "wrong_code", "", true},
		{"six digits is just a password", "123456", http.StatusOK, "wrong_code", "", true},
		{"128 characters", long, http.StatusOK, "wrong_code", "", true},
		{"129 characters", long + "x", http.StatusBadRequest, "invalid_code_format", "", false},
		{"empty", "", http.StatusBadRequest, "bad_request", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "auth-pw-" + strings.ReplaceAll(tt.name, " ", "-")
			st := e.start(id)
			if d := st.Display; d.Method != "password" || d.Dest != "" || d.ResendsLeft != 0 || d.Delivery != "none" {
				t.Errorf("password screen: %+v", d)
			}
			e.issuer.mu.Lock()
			before := len(e.issuer.passwords)
			e.issuer.mu.Unlock()

			rep := e.verify(st.ChallengeToken, tt.password)
			want(t, "verify", rep, tt.status, tt.errCode)
			e.issuer.mu.Lock()
			got := e.issuer.passwords[before:]
			e.issuer.mu.Unlock()
			if relayed := len(got) == 1 && got[0] == tt.password; relayed != tt.relayed || len(got) > 1 {
				t.Errorf("issuer got %q, want relayed=%v", got, tt.relayed)
			}
			switch {
			case tt.result == "Y":
				if rep.Status != "Y" {
					t.Fatalf("verify: %+v, want Y", rep)
				}
				if c := e.result(rep.ResultToken); c.AV != "av-"+id {
					t.Errorf("av %q", c.AV)
				}
				if o := e.final(id); o.Status != "Y" || o.Cred != passwordCred || o.Step != 0 || o.Attempts != 0 || o.ResultToken != rep.ResultToken {
					t.Errorf("report %+v", o)
				}
			case tt.errCode == "wrong_code":
				if rep.State != "challenge" || rep.Display.AttemptsLeft != 4 {
					t.Errorf("after a wrong password: %+v", rep)
				}
				if p := e.progress(id); len(p) != 1 || p[0].Reason != "wrong_code" || p[0].Attempts != 1 {
					t.Errorf("progress reports %+v, want one wrong_code", p)
				}
			default: // refused before the issuer: not an attempt
				if n := len(e.progress(id)); n != 0 {
					t.Errorf("%d progress reports for a refused format", n)
				}
			}
		})
	}

	t.Run("limit", func(t *testing.T) {
		tok := e.start("auth-pw-limit").ChallengeToken
		for range 4 {
			want(t, "wrong", e.verify(tok, "nope"), http.StatusOK, "wrong_code")
		}
		rep := e.verify(tok, "nope")
		if rep.Status != "N" || rep.Reason != "max_attempts" {
			t.Fatalf("5th wrong password: %+v, want N max_attempts", rep)
		}
		if c := e.result(rep.ResultToken); c.StatusReason != "19" {
			t.Errorf("status_reason %q, want 19", c.StatusReason)
		}
		want(t, "right, too late", e.verify(tok, right), http.StatusConflict, "already_used")
	})

	t.Run("issuer answers without ok", func(t *testing.T) {
		st := e.start("auth-pw-noanswer")
		e.issuer.mu.Lock()
		e.issuer.passwordAnswer = `{}`
		e.issuer.mu.Unlock()
		defer func() { e.issuer.mu.Lock(); e.issuer.passwordAnswer = ""; e.issuer.mu.Unlock() }()
		want(t, "verify", e.verify(st.ChallengeToken, right), http.StatusBadGateway, "issuer_unavailable")
	})

	t.Run("superseded at the issuer", func(t *testing.T) {
		st := e.start("auth-pw-old")
		e.issuer.mu.Lock()
		e.issuer.gens["auth-pw-old"]++ // the issuer has moved on; the edge has not seen it
		e.issuer.mu.Unlock()
		want(t, "verify", e.verify(st.ChallengeToken, right), http.StatusConflict, "superseded")
	})

	logs := e.logs.String()
	for _, pw := range []string{right, "hunter2 not it", long} {
		if strings.Contains(logs, pw) {
			t.Errorf("the log holds a password: %q", pw)
		}
	}
}

// TestParallelGuessesCounted sends 20 wrong passwords at once. Each try is
// counted before it is judged, so the issuer is asked at most max_attempts
// times however many arrive together: judged first, every parallel guess
// would pass the limit check and be tried.
func TestParallelGuessesCounted(t *testing.T) {
	e := newEnv(t)
	e.m.method = contract.MethodPassword
	st := e.start("auth-parallel")
	const n = 20
	var wg sync.WaitGroup
	statuses := make(chan string, n)
	for i := range n {
		wg.Go(func() {
			rep := e.verify(st.ChallengeToken, fmt.Sprintf("guess-%02d", i))
			statuses <- fmt.Sprintf("%d %s %s", rep.status, rep.Status, rep.Error)
		})
	}
	wg.Wait()
	close(statuses)
	e.issuer.mu.Lock()
	asked := len(e.issuer.passwords)
	e.issuer.mu.Unlock()
	if asked > 5 {
		t.Errorf("the issuer judged %d of %d parallel guesses, want at most 5", asked, n)
	}
	results := 0
	for s := range statuses {
		if strings.HasPrefix(s, "200 N") {
			results++
		}
	}
	if results != 1 {
		t.Errorf("%d requests got the N result, want exactly 1", results)
	}
}
