package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
)

// compared reports whether a verify answer is a code the edge compared and
// found wrong: the measure of the guesses an attacker got.
func compared(rep reply) bool {
	return rep.Error == "wrong_code" || rep.Error == "code_used" || rep.Reason == "max_attempts"
}

// TestCredentialLimitAcrossAuthentications: thirty challenges of one card,
// five wrong codes on each: at most limits.FailuresPerCredential are ever
// compared, and then even the right code on a fresh challenge gives no Y.
func TestCredentialLimitAcrossAuthentications(t *testing.T) {
	e := newEnv(t)
	comparedN, tried := 0, 0
	for a := range 30 {
		id := fmt.Sprint("auth-many-", a)
		st := e.start(id)
		for range limits.AttemptsPerAuthentication {
			rep := e.verify(st.ChallengeToken, wrongCode)
			tried++
			if compared(rep) {
				comparedN++
			}
			if rep.State == "result" || rep.status != http.StatusOK {
				break
			}
		}
	}
	if comparedN != limits.FailuresPerCredential {
		t.Errorf("%d of %d guesses compared, want %d", comparedN, tried, limits.FailuresPerCredential)
	}
	st := e.start("auth-many-last")
	rep := e.verify(st.ChallengeToken, codeFor(1))
	if rep.State != "result" || rep.Status != "N" || rep.Reason != "credential_locked" {
		t.Fatalf("the right code after the limit: %+v, want N credential_locked", rep)
	}
	if c := e.result(rep.ResultToken); c.StatusReason != contract.StatusReasonMaxChallenges || c.AV != "" {
		t.Errorf("result claims %+v", c)
	}
	if o := e.final("auth-many-last"); o.Status != "N" || o.Reason != "credential_locked" {
		t.Errorf("issuer got %+v", o)
	}
}

// credentialsToken is the issuer's push: creds' new states, signed.
func (e *env) credentialsToken(typ string, states ...challenge.CredState) string {
	now := e.clock.Now()
	return e.m.sign(e.t, typ, &challenge.CredentialsClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: challenge.IssuerName, Audience: jwt.ClaimStrings{challenge.EdgeName}, Subject: "credentials",
			ID: challenge.NewID(), IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
		},
		Creds: states,
	})
}

// TestCredentialsPush: the issuer's lock stops a challenge handed out
// before it; a token that is not the issuer's changes nothing.
func TestCredentialsPush(t *testing.T) {
	e := newEnv(t)
	st := e.start("auth-push")
	lock := challenge.CredState{ID: emailCred, Epoch: 2, Failures: limits.FailuresPerCredential}

	other, _ := keys(t)
	forged := minter{keys: other, clock: e.clock}
	e2 := *e
	e2.m = forged
	for name, tok := range map[string]string{
		"another issuer's key":         e2.credentialsToken(challenge.TypCredentials, lock),
		"a challenge token's typ":      e.credentialsToken(challenge.TypChallenge, lock),
		"not a token":                  "x.y.z",
		"no credential in it":          e.credentialsToken(challenge.TypCredentials),
		"a failure count out of range": e.credentialsToken(challenge.TypCredentials, challenge.CredState{ID: emailCred, Epoch: 2, Failures: 11}),
	} {
		want(t, name, e.post("/internal/v1/credentials", map[string]string{"token": tok}), http.StatusUnauthorized, "invalid_token")
	}
	want(t, "still open", e.verify(st.ChallengeToken, wrongCode), http.StatusOK, "wrong_code")

	push := e.post("/internal/v1/credentials", map[string]string{"token": e.credentialsToken(challenge.TypCredentials, lock)})
	want(t, "push", push, http.StatusOK, "")
	again := e.post("/internal/v1/credentials", map[string]string{"token": e.credentialsToken(challenge.TypCredentials, lock)})
	want(t, "push again", again, http.StatusOK, "")
	if push.Applied == nil || *push.Applied != 1 || again.Applied == nil || *again.Applied != 0 {
		t.Errorf("applied %v then %v, want 1 then 0 (a repeat changes nothing)", push.Applied, again.Applied)
	}

	rep := e.verify(st.ChallengeToken, codeFor(1))
	if rep.State != "result" || rep.Status != "N" || rep.Reason != "credential_locked" {
		t.Fatalf("the right code after the lock: %+v, want N credential_locked", rep)
	}
	// Unlocked (a newer epoch, count 0): a challenge sealed at it works.
	e.post("/internal/v1/credentials", map[string]string{"token": e.credentialsToken(challenge.TypCredentials,
		challenge.CredState{ID: emailCred, Epoch: 3, Failures: 0})})
	e.m.epoch, e.issuer.m.epoch = 3, 3
	st = e.start("auth-push-2")
	if rep := e.verify(st.ChallengeToken, codeFor(1)); rep.Status != "Y" {
		t.Fatalf("after the unlock: %+v, want Y", rep)
	}
}

// TestCardSuperseded: a newer challenge of the card ends the older one.
func TestCardSuperseded(t *testing.T) {
	e := newEnv(t)
	older := e.start("auth-older")
	e.m.cardSeq, e.m.card = 2, "card-1"
	e.issuer.m.cardSeq, e.issuer.m.card = 2, "card-1"
	newer := e.start("auth-newer")
	rep := e.verify(older.ChallengeToken, codeFor(1))
	if rep.State != "result" || rep.Status != "N" || rep.Reason != "superseded" {
		t.Fatalf("the older challenge's code: %+v, want N superseded", rep)
	}
	if rep := e.verify(newer.ChallengeToken, codeFor(1)); rep.Status != "Y" {
		t.Fatalf("the newer challenge: %+v, want Y", rep)
	}
}

// TestCodeNotSent: a challenge whose code never went out takes no code
// and counts nothing.
func TestCodeNotSent(t *testing.T) {
	e := newEnv(t)
	e.issuer.m.noCode = true
	e.issuer.delivery = "limited"
	st := e.start("auth-nocode")
	if st.Display.Delivery != "limited" {
		t.Fatalf("delivery %q", st.Display.Delivery)
	}
	for _, code := range []string{codeFor(1), wrongCode} {
		want(t, "verify", e.verify(st.ChallengeToken, code), http.StatusConflict, "code_not_sent")
	}
	if ent, _ := e.ledger.Lookup(context.Background(), "auth-nocode"); ent.Attempts != 0 {
		t.Errorf("attempts %d, want none counted", ent.Attempts)
	}
}

// TestPasswordUnanswered: a password the issuer did not judge (down, or
// busy) is not counted, at the edge or at the issuer.
func TestPasswordUnanswered(t *testing.T) {
	for _, tt := range []struct {
		name   string
		refuse refusal
		status int
		code   string
	}{
		{"issuer fails", refusal{http.StatusInternalServerError, "internal"}, http.StatusBadGateway, "issuer_unavailable"},
		{"issuer busy", refusal{http.StatusServiceUnavailable, "busy"}, http.StatusServiceUnavailable, "busy"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.m.method, e.issuer.m.method = contract.MethodPassword, contract.MethodPassword
			st := e.start("auth-pw")
			e.issuer.refusePassword = &tt.refuse
			rep := e.verify(st.ChallengeToken, "correct horse 馬 battery")
			want(t, "verify", rep, tt.status, tt.code)
			if tt.code == "busy" && rep.header.Get("Retry-After") != "3" {
				t.Errorf("Retry-After %q, want the issuer's 3", rep.header.Get("Retry-After"))
			}
			if ent, _ := e.ledger.Lookup(context.Background(), "auth-pw"); ent.Attempts != 0 {
				t.Errorf("attempts %d after an unanswered check, want 0", ent.Attempts)
			}
			if p := e.progress("auth-pw"); len(p) != 0 {
				t.Errorf("issuer got progress %+v for a check it never made", p)
			}
			e.issuer.refusePassword = nil
			if rep := e.verify(st.ChallengeToken, "correct horse 馬 battery"); rep.Status != "Y" {
				t.Fatalf("once the issuer answers: %+v, want Y", rep)
			}
		})
	}
}

// TestStartLimitPassedOn: the issuer's refusal of one start too many
// reaches the client with its wait.
func TestStartLimitPassedOn(t *testing.T) {
	e := newEnv(t)
	e.issuer.refuseStart = &refusal{http.StatusTooManyRequests, "start_limit"}
	rep := e.post("/v1/start", map[string]any{"session_token": e.m.session(t, "auth-sl")})
	want(t, "start", rep, http.StatusTooManyRequests, "start_limit")
	if rep.header.Get("Retry-After") != "42" {
		t.Errorf("Retry-After %q, want 42", rep.header.Get("Retry-After"))
	}
}
