package api

import (
	"context"
	"encoding/base32"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/passhash"
	"github.com/honnin/honnin/issuer/totp"
)

// setMethod makes card's preferred method m.
func (h *harness) setMethod(card string, m issuer.Method) issuer.Cardholder {
	h.t.Helper()
	ctx := context.Background()
	n, _ := pan.Parse(card)
	c, err := h.store.CardholderByPAN(ctx, h.cfg.PAN.Sum(n))
	if err != nil {
		h.t.Fatal(err)
	}
	c.PreferredMethod = m
	if c, err = h.store.UpsertCardholder(ctx, c); err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) resend(id string, gen int) *httptestResponse {
	h.t.Helper()
	return h.do("POST", "/internal/v1/authentications/"+id+"/resend", h.edgeToken(id), map[string]any{"gen": gen})
}

// progress is the edge's report of attempts wrong codes so far.
func (h *harness) progress(id string, attempts int) {
	h.t.Helper()
	rec := h.do("POST", "/internal/v1/results", h.edgeToken("results"), map[string]any{"jti": challenge.NewID(),
		"sub": id, "status": "C", "reason": "wrong_code", "gen": 1, "attempts": attempts})
	if rec.Code != http.StatusOK {
		h.t.Fatalf("progress: %d %s", rec.Code, rec.Body.String())
	}
}

func TestResendLimit(t *testing.T) {
	h := newHarness(t)
	id := h.createChallenge(cardJA)
	h.start(id)
	for gen := 1; gen <= limits.ResendsPerAuthentication; gen++ {
		h.clock.Add(limits.ResendCooldown + time.Second)
		rec := h.resend(id, gen)
		if rec.Code != http.StatusOK {
			t.Fatalf("resend %d: %d %s", gen, rec.Code, rec.Body.String())
		}
		if left := h.openChallenge(decodeBody[contract.ResendResponse](t, rec).ChallengeToken).claims.ResendsLeft; left != limits.ResendsPerAuthentication-gen {
			t.Errorf("after resend %d resends_left = %d, want %d", gen, left, limits.ResendsPerAuthentication-gen)
		}
	}
	h.clock.Add(limits.ResendCooldown + time.Second)
	expectError(t, h.resend(id, limits.ResendsPerAuthentication+1), http.StatusTooManyRequests, "resend_limit")
	if n := len(h.mails(emailJA)); n != 1+limits.ResendsPerAuthentication {
		t.Errorf("%d mails, want %d", n, 1+limits.ResendsPerAuthentication)
	}
}

func TestSendCapPerDestination(t *testing.T) {
	h := newHarness(t)
	h.reconfigure(func(c *acs.Config) { c.SendCap = 2 })
	id := h.createChallenge(cardJA)
	if res := h.start(id); res.Delivery != contract.DeliverySent {
		t.Fatalf("first send: %+v", res)
	}
	h.clock.Add(limits.ResendCooldown + time.Second)
	if rec := h.resend(id, 1); rec.Code != http.StatusOK {
		t.Fatalf("second send (at the cap): %d %s", rec.Code, rec.Body.String())
	}
	h.clock.Add(limits.ResendCooldown + time.Second)
	expectError(t, h.resend(id, 2), http.StatusTooManyRequests, "send_limit")
	// The refused resend superseded nothing: gen 2 still stands.
	if a, _ := h.store.Authentication(t.Context(), id); a.Gen != 2 {
		t.Errorf("gen %d after the refused resend, want 2", a.Gen)
	}
	// A new purchase the same day still shows the screen, with nothing sent.
	other := h.createChallenge(cardJA)
	if res := h.start(other); res.Decision != "challenge" || res.Delivery != contract.DeliveryLimited {
		t.Errorf("third send of the day: %+v, want a challenge with delivery limited", res)
	}
	if n := len(h.mails(emailJA)); n != 2 {
		t.Errorf("%d mails, want 2 (the cap)", n)
	}
	// 24 hours on, the destination may get codes again.
	h.clock.Add(limits.SendWindow)
	if res := h.start(h.createChallenge(cardJA)); res.Delivery != contract.DeliverySent {
		t.Errorf("next day: %+v", res)
	}
}

func TestReloadAfterExpiryIsANewCode(t *testing.T) {
	h := newHarness(t)
	id := h.createChallenge(cardJA)
	first := h.openChallenge(h.start(id).ChallengeToken)
	h.clock.Add(limits.CodeLifetime / 2)
	again := h.openChallenge(h.start(id).ChallengeToken)
	if again.claims.Gen != 1 || again.payload.Codes[0].Code != first.payload.Codes[0].Code ||
		!again.claims.ExpiresAt.Equal(first.claims.ExpiresAt.Time) {
		t.Errorf("reload within validity: gen %d, code kept %t, exp %v vs %v", again.claims.Gen,
			again.payload.Codes[0].Code == first.payload.Codes[0].Code, again.claims.ExpiresAt, first.claims.ExpiresAt)
	}
	h.clock.Add(limits.CodeLifetime)
	late := h.openChallenge(h.start(id).ChallengeToken)
	if late.claims.Gen != 2 || len(h.mails(emailJA)) != 2 {
		t.Errorf("reload after expiry: gen %d, %d mails; want gen 2 and a second mail", late.claims.Gen, len(h.mails(emailJA)))
	}
}

// registerApp issues a registration for card, reads the password from the
// mail, and redeems both over HTTP as an app would; it returns the seed.
func (h *harness) registerApp(card string) []byte {
	h.t.Helper()
	c := h.setMethod(card, issuer.MethodApp)
	is, err := h.api.acs.Apps().Issue(context.Background(), c.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	m := h.mails(c.Email)[0]
	pw := regexp.MustCompile(`: ([2-9A-Z]{10})\s`).FindStringSubmatch(m.Text)
	if pw == nil {
		h.t.Fatalf("no password in %q", m.Text)
	}
	rec := h.do("POST", "/v1/app/register", "", map[string]any{"registration_id": is.ID, "password": pw[1]})
	if rec.Code != http.StatusOK {
		h.t.Fatalf("register: %d %s", rec.Code, rec.Body.String())
	}
	out := decodeBody[appRegisterResponse](h.t, rec)
	if len(out.QRPNG) < 100 || string(out.QRPNG[1:4]) != "PNG" {
		h.t.Errorf("qr_png is not a PNG")
	}
	secret := regexp.MustCompile(`secret=([A-Z2-7]+)`).FindStringSubmatch(out.OTPAuthURI)
	if secret == nil || !strings.Contains(out.OTPAuthURI, "period=60") {
		h.t.Fatalf("otpauth URI %q", out.OTPAuthURI)
	}
	// A registration is single use.
	rec = h.do("POST", "/v1/app/register", "", map[string]any{"registration_id": is.ID, "password": pw[1]})
	expectError(h.t, rec, http.StatusForbidden, "registration_refused")
	seed, err := base32NoPad(secret[1])
	if err != nil {
		h.t.Fatal(err)
	}
	return seed
}

func TestAppChallengeSealsEveryStep(t *testing.T) {
	h := newHarness(t)
	seed := h.registerApp(cardEN)
	id := h.createChallenge(cardEN)
	res := h.start(id)
	if res.Delivery != contract.DeliveryNone {
		t.Errorf("delivery %q, want none", res.Delivery)
	}
	o := h.openChallenge(res.ChallengeToken)
	if o.claims.Method != "app" || o.claims.ResendsLeft != 0 || o.payload.Period != 60 || o.payload.Skew != 1 {
		t.Fatalf("claims %+v payload period %d skew %d", o.claims, o.payload.Period, o.payload.Skew)
	}
	from, to := totp.Step(o.claims.IssuedAt.Time, 60)-1, totp.Step(o.claims.ExpiresAt.Time, 60)+1
	if int64(len(o.payload.Codes)) != to-from+1 || o.payload.Codes[0].Step != from {
		t.Fatalf("%d codes from step %d, want steps %d..%d", len(o.payload.Codes), o.payload.Codes[0].Step, from, to)
	}
	for _, c := range o.payload.Codes {
		want, _ := totp.Code(totp.Params{Secret: seed}, c.Step)
		if c.Code != want {
			t.Errorf("step %d: sealed %s, the app shows %s", c.Step, c.Code, want)
		}
	}
	expectError(t, h.resend(id, 1), http.StatusConflict, "not_resendable")
}

func TestTenFailuresLockAndNotify(t *testing.T) {
	h := newHarness(t)
	a := h.createChallenge(cardEN)
	h.start(a)
	h.progress(a, 4)
	h.progress(a, 4) // a repeated report counts once
	if rec := h.do("POST", "/internal/v1/results", h.edgeToken("results"), map[string]any{"jti": challenge.NewID(),
		"sub": a, "status": "N", "reason": "max_attempts", "gen": 1, "attempts": 5}); rec.Code != http.StatusOK {
		t.Fatalf("N: %d %s", rec.Code, rec.Body.String())
	}
	b := h.createChallenge(cardEN)
	h.start(b)
	h.progress(b, 4) // 5 + 4 = 9: not yet
	c := h.setMethod(cardEN, issuer.MethodEmail)
	if cr, _ := h.store.ContactCredential(t.Context(), c.ID, issuer.MethodEmail, h.clock.Now()); cr.State != issuer.CredActive || cr.Failures != 9 {
		t.Fatalf("after 9 failures: %+v", cr)
	}
	h.progress(b, 5) // the 10th
	cr, _ := h.store.ContactCredential(t.Context(), c.ID, issuer.MethodEmail, h.clock.Now())
	if cr.State != issuer.CredLocked || cr.LockReason != issuer.LockFailures {
		t.Fatalf("after 10 failures: %+v", cr)
	}
	var notice bool
	for _, m := range h.mails(emailEN) {
		notice = notice || strings.Contains(m.Subject, "locked")
	}
	if !notice {
		t.Error("no lock notice mail")
	}
	// The card is denied from now on, without a screen.
	if res := h.start(h.createChallenge(cardEN)); res.Decision != "deny" {
		t.Errorf("start of a locked card: %+v, want deny", res)
	}
}

func TestSuccessResetsFailures(t *testing.T) {
	h := newHarness(t)
	a := h.createChallenge(cardEN)
	o := h.openChallenge(h.start(a).ChallengeToken)
	h.progress(a, 4)
	rec := h.do("POST", "/internal/v1/results", h.edgeToken("results"), map[string]any{"jti": challenge.NewID(),
		"sub": a, "status": "Y", "gen": 1, "attempts": 4, "cred": o.payload.Codes[0].Cred})
	if rec.Code != http.StatusOK {
		t.Fatalf("Y: %d %s", rec.Code, rec.Body.String())
	}
	c := h.setMethod(cardEN, issuer.MethodEmail)
	if cr, _ := h.store.ContactCredential(t.Context(), c.ID, issuer.MethodEmail, h.clock.Now()); cr.Failures != 0 {
		t.Errorf("failures %d after a success, want 0", cr.Failures)
	}
}

func TestPasswordCheck(t *testing.T) {
	h := newHarness(t)
	c := h.setMethod(cardJA, issuer.MethodPassword)
	hash, err := passhash.Hash("s3cret パス")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.SetPassword(t.Context(), c.ID, hash, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	id := h.createChallenge(cardJA)
	o := h.openChallenge(h.start(id).ChallengeToken)
	if o.claims.Method != "password" || len(o.payload.Codes) != 0 || len(h.mails(emailJA)) != 0 {
		t.Fatalf("password challenge: method %q, %d codes, %d mails", o.claims.Method, len(o.payload.Codes), len(h.mails(emailJA)))
	}
	check := func(gen int, pw string) *httptestResponse {
		return h.do("POST", "/internal/v1/authentications/"+id+"/password", h.edgeToken(id), map[string]any{"gen": gen, "password": pw})
	}
	for _, tt := range []struct {
		pw   string
		want bool
	}{{"s3cret パス", true}, {"s3cret", false}, {"S3CRET パス", false}} {
		rec := check(1, tt.pw)
		if rec.Code != http.StatusOK || okOf(t, decodeBody[contract.PasswordResponse](t, rec)) != tt.want {
			t.Errorf("password %q: %d %s, want ok=%t", tt.pw, rec.Code, rec.Body.String(), tt.want)
		}
	}
	expectError(t, check(2, "s3cret パス"), http.StatusConflict, "superseded")
	expectError(t, check(1, strings.Repeat("x", limits.PasswordMaxRunes+1)), http.StatusBadRequest, "bad_request")
	// Characters, not bytes: the longest password of kanji is a password
	// (the edge and the client count the same way), one more is not.
	rec := check(1, strings.Repeat("馬", limits.PasswordMaxRunes))
	if rec.Code != http.StatusOK || okOf(t, decodeBody[contract.PasswordResponse](t, rec)) {
		t.Errorf("a %d-kanji password: %d %s, want checked (and wrong)", limits.PasswordMaxRunes, rec.Code, rec.Body.String())
	}
	expectError(t, check(1, strings.Repeat("馬", limits.PasswordMaxRunes+1)), http.StatusBadRequest, "bad_request")
	expectError(t, check(1, ""), http.StatusBadRequest, "bad_request")
}

func base32NoPad(s string) ([]byte, error) {
	return base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
}

// TestAppReplacesPasswordThroughTheAPI: an app registered through the API
// (an operator's `issuer app issue`, then the app) replaces a password
// card's method, as through the portal: the revoked password cannot be the
// method of a card that is still challenged.
func TestAppReplacesPasswordThroughTheAPI(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c := h.setMethod(cardEN, issuer.MethodPassword)
	if _, err := h.store.SetPassword(ctx, c.ID, "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", t0); err != nil {
		t.Fatal(err)
	}
	is, err := h.api.acs.Apps().Issue(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	pw := regexp.MustCompile(`: ([2-9A-Z]{10})\s`).FindStringSubmatch(h.mails(c.Email)[0].Text)
	if pw == nil {
		t.Fatal("no registration password mailed")
	}
	if rec := h.do("POST", "/v1/app/register", "", map[string]any{"registration_id": is.ID, "password": pw[1]}); rec.Code != http.StatusOK {
		t.Fatalf("register: %d %s", rec.Code, rec.Body.String())
	}
	after, err := h.store.Cardholder(ctx, c.ID)
	if err != nil || after.PreferredMethod != issuer.MethodApp {
		t.Fatalf("method after the app replaced the password: %q, %v; want app", after.PreferredMethod, err)
	}
	res := h.start(h.createChallenge(cardEN))
	if res.Decision != contract.DecisionChallenge {
		t.Fatalf("start: %+v, want a challenge", res)
	}
	if o := h.openChallenge(res.ChallengeToken); o.claims.Method != "app" {
		t.Errorf("challenged by %q, want app", o.claims.Method)
	}
}

// TestAppRegisterFullWidthID: an ID typed on a Japanese keyboard (full-width
// digits and a separator: 33 bytes, 11 characters) reaches the
// registration and is refused as unknown (403), not as too long (400).
func TestAppRegisterFullWidthID(t *testing.T) {
	h := newHarness(t)
	rec := h.do("POST", "/v1/app/register", "", map[string]any{"registration_id": "１２３４５　６７８９０", "password": "ABCDEFGHJK"})
	expectError(t, rec, http.StatusForbidden, "registration_refused")
}
