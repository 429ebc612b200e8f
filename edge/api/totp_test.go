package api_test

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
)

// totpEnv is an edge whose issuer challenges with method (app or token).
func totpEnv(t *testing.T, method string) *env {
	e := newEnv(t)
	e.m.method = method
	e.issuer.delivery = "none"
	return e
}

// TestTOTPWindow: a TOTP code is accepted within one step of now (RFC 6238
// §5.2) and refused, as a wrong code, two steps away; the Y report carries
// the credential, the step and the drift.
func TestTOTPWindow(t *testing.T) {
	e := totpEnv(t, contract.MethodApp)
	for _, tt := range []struct {
		offset int64
		ok     bool
	}{{-2, false}, {-1, true}, {0, true}, {1, true}, {2, false}} {
		t.Run(fmt.Sprintf("step%+d", tt.offset), func(t *testing.T) {
			id := fmt.Sprintf("auth-w%+d", tt.offset)
			cred := fmt.Sprintf("CREDWINDOW%+d", tt.offset) // its own credential: no step used yet
			e.m.creds = []string{cred}
			st := e.start(id)
			if d := st.Display; d.Method != "app" || d.Dest != "" || d.ResendsLeft != 0 || d.Delivery != "none" {
				t.Errorf("app screen: %+v", d)
			}
			// Two steps on: every offset tried is among the sealed steps.
			e.clock.Add(2 * totpPeriod * time.Second)
			now := stepAt(e.clock.Now())
			rep := e.verify(st.ChallengeToken, totpCode(cred, now+tt.offset))
			if !tt.ok {
				want(t, "verify", rep, http.StatusOK, "wrong_code")
				if rep.State != "challenge" || rep.Display.AttemptsLeft != 4 {
					t.Fatalf("refused code: %+v, want the challenge with 4 attempts left", rep)
				}
				return
			}
			want(t, "verify", rep, http.StatusOK, "")
			if rep.Status != "Y" {
				t.Fatalf("verify: %+v, want Y", rep)
			}
			want := contract.Outcome{Sub: id, Status: "Y", Gen: gen(1), Cred: cred, Step: now + tt.offset, Drift: int(tt.offset), ResultToken: rep.ResultToken}
			got := e.final(id)
			want.JTI = got.JTI
			if !reflect.DeepEqual(got, want) {
				t.Errorf("report %+v, want %+v", got, want)
			}
		})
	}
}

// TestTOTPReplay: a TOTP code is never accepted twice, not even in another
// authentication, and no older code of the same credential is accepted
// after a newer one. Such a code counts as a wrong attempt, shown as
// code_used.
func TestTOTPReplay(t *testing.T) {
	e := totpEnv(t, contract.MethodToken)
	now := stepAt(e.clock.Now())
	code := totpCode(totpCred, now)

	a := e.start("auth-first")
	if rep := e.verify(a.ChallengeToken, code); rep.Status != "Y" {
		t.Fatalf("first use: %+v, want Y", rep)
	}
	b := e.start("auth-second")
	if d := b.Display; d.Method != "token" || d.Dest != "1234,5678" || d.ResendsLeft != 0 {
		t.Errorf("token screen: %+v", d)
	}
	for i, tt := range []struct {
		name string
		code string
	}{
		{"the same code, another authentication", code},
		{"an older step after a newer one", totpCode(totpCred, now-1)},
	} {
		rep := e.verify(b.ChallengeToken, tt.code)
		want(t, tt.name, rep, http.StatusOK, "code_used")
		if rep.State != "challenge" || rep.Display.AttemptsLeft != 4-i {
			t.Fatalf("%s: %+v, want the challenge with %d attempts left", tt.name, rep.Display, 4-i)
		}
	}
	// The next step's code is fresh.
	if rep := e.verify(b.ChallengeToken, totpCode(totpCred, now+1)); rep.Status != "Y" {
		t.Fatalf("next step: %+v, want Y", rep)
	}
	got := e.final("auth-second")
	if got.Attempts != 2 || got.Cred != totpCred || got.Step != now+1 || got.Drift != 1 {
		t.Errorf("report %+v, want 2 attempts, step %d, drift 1", got, now+1)
	}
	prog := e.progress("auth-second")
	if len(prog) != 2 || prog[0].Reason != "code_used" || prog[1].Reason != "code_used" {
		t.Errorf("progress reports %+v, want two code_used", prog)
	}
}

// TestTwoTokens: a cardholder with two hardware tokens gets both tokens'
// codes sealed; either one's code works, and the report names it.
func TestTwoTokens(t *testing.T) {
	e := totpEnv(t, contract.MethodToken)
	creds := []string{"CREDTOKEN1", "CREDTOKEN2"}
	e.m.creds = creds
	for _, cred := range creds {
		t.Run(cred, func(t *testing.T) {
			id := "auth-" + cred
			st := e.start(id)
			rep := e.verify(st.ChallengeToken, totpCode(cred, stepAt(e.clock.Now())))
			if rep.Status != "Y" {
				t.Fatalf("verify: %+v, want Y", rep)
			}
			if got := e.final(id); got.Cred != cred {
				t.Errorf("report names %q, want %q", got.Cred, cred)
			}
		})
	}
}

// TestProgressReports: every wrong code short of the limit is reported to
// the issuer as progress (C, fresh jti, attempts so far); the one that
// reaches the limit is the N report, with status_reason 19.
func TestProgressReports(t *testing.T) {
	e := totpEnv(t, contract.MethodToken)
	now := stepAt(e.clock.Now())
	used := totpCode(totpCred, now)
	if rep := e.verify(e.start("auth-before").ChallengeToken, used); rep.Status != "Y" {
		t.Fatalf("using the code: %+v", rep)
	}

	tok := e.start("auth-p").ChallengeToken
	codes := []string{wrongCode, used, wrongCode, used}
	for i, code := range codes {
		rep := e.verify(tok, code)
		if rep.State != "challenge" || rep.Display.AttemptsLeft != 4-i {
			t.Fatalf("wrong code %d: %+v", i+1, rep)
		}
	}
	rep := e.verify(tok, used) // the 5th, a replay: the limit, not code_used
	if rep.State != "result" || rep.Status != "N" || rep.Reason != "max_attempts" {
		t.Fatalf("5th wrong code: %+v, want N max_attempts", rep)
	}
	if c := e.result(rep.ResultToken); c.StatusReason != "19" {
		t.Errorf("status_reason %q, want 19", c.StatusReason)
	}

	prog := e.progress("auth-p")
	if len(prog) != len(codes) {
		t.Fatalf("%d progress reports, want %d: %+v", len(prog), len(codes), prog)
	}
	jtis := map[string]bool{}
	for i, o := range prog {
		reason := "wrong_code"
		if codes[i] == used {
			reason = "code_used"
		}
		if o.Status != "C" || o.Reason != reason || o.Attempts != i+1 || *o.Gen != 1 || o.Cred != "" || o.Step != 0 {
			t.Errorf("progress report %d: %+v, want C %s attempts %d", i, o, reason, i+1)
		}
		if o.JTI == "" || jtis[o.JTI] {
			t.Errorf("progress report %d: jti %q not fresh", i, o.JTI)
		}
		jtis[o.JTI] = true
	}
	if got := e.final("auth-p"); got.Status != "N" || got.Reason != "max_attempts" || got.Attempts != 5 || jtis[got.JTI] {
		t.Errorf("result report %+v, want N max_attempts 5 with its own jti", got)
	}
}
