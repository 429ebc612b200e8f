package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
)

const failLimit = 10

// cardholder enrolls another cardholder preferring method.
func (f fixture) cardholderPreferring(t testing.TB, hmac string, method issuer.Method) issuer.Cardholder {
	t.Helper()
	c, err := f.s.UpsertCardholder(context.Background(), issuer.Cardholder{PANHMAC: []byte(hmac), Last4: "0001",
		Email: hmac + "@mail.jp", PreferredMethod: method, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// challenge creates an authentication for cardholder and starts it
// offering creds.
func (f fixture) challenge(t testing.TB, cardholder int64, method issuer.Method, creds ...string) issuer.Authentication {
	t.Helper()
	ctx := context.Background()
	a, err := f.s.CreateAuthentication(ctx, issuer.Authentication{MerchantID: f.merchant.ID, CardholderID: cardholder,
		Amount: 100, Currency: "JPY", MerchantName: "Demo Shop", MerchantOrigin: "http://localhost:8080",
		Status: "C", CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	a, err = f.s.StartChallenge(ctx, a.ID, Challenge{Method: method, Creds: creds}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f fixture) cred(t testing.TB, publicID string) issuer.Credential {
	t.Helper()
	c, err := f.s.CredentialByPublicID(context.Background(), publicID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f fixture) otpLocked(t testing.TB, id int64) bool {
	t.Helper()
	c, err := f.s.Cardholder(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.OTPLocked
}

func TestContactCredential(t *testing.T) { forEachEngine(t, testContactCredential) }

func testContactCredential(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	e1, err := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodEmail, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(e1.PublicID) != 26 || e1.Kind != issuer.MethodEmail || e1.State != issuer.CredActive || e1.Failures != 0 ||
		!e1.CreatedAt.Equal(t0) || !e1.LockedAt.IsZero() || !e1.LastUsedAt.IsZero() {
		t.Errorf("new email credential = %+v", e1)
	}
	e2, err := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodEmail, t0.Add(time.Hour))
	if err != nil || e2.ID != e1.ID {
		t.Errorf("second call = %+v, %v; want the same credential", e2, err)
	}
	sms, err := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodSMS, t0)
	if err != nil || sms.ID == e1.ID || sms.Kind != issuer.MethodSMS {
		t.Errorf("sms = %+v, %v", sms, err)
	}
	if _, err := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodApp, t0); err == nil {
		t.Error("contact credential of kind app was made")
	}
	// A revoked one is history: the next call makes a fresh one.
	if err := f.s.RevokeCredential(ctx, e1.ID, issuer.LockOperator, "operator:1", t0); err != nil {
		t.Fatal(err)
	}
	e3, err := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodEmail, t0)
	if err != nil || e3.ID == e1.ID {
		t.Errorf("after revoke = %+v, %v; want a new credential", e3, err)
	}
	all, err := f.s.CredentialsOf(ctx, f.cardholder.ID)
	if err != nil || len(all) != 2 {
		t.Errorf("CredentialsOf = %d, %v; want 2 non-revoked", len(all), err)
	}
	// The schema itself refuses a second non-revoked email credential.
	if _, err := f.s.db.ExecContext(ctx, f.s.q(`INSERT INTO credentials (public_id, cardholder_id, kind, created_at, updated_at)
		VALUES ('X', ?, 'email', 0, 0)`), f.cardholder.ID); !isConstraint(err) {
		t.Errorf("second active email credential: %v, want a constraint error", err)
	}
}

// TestRecordAttempts walks one email credential through a sequence of
// reports; each step says the running attempts total reported and what
// must hold after it.
func TestRecordAttempts(t *testing.T) { forEachEngine(t, testRecordAttempts) }

func testRecordAttempts(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	email, err := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodEmail, t0)
	if err != nil {
		t.Fatal(err)
	}
	a1 := f.challenge(t, f.cardholder.ID, issuer.MethodEmail, email.PublicID)
	a2 := f.challenge(t, f.cardholder.ID, issuer.MethodEmail, email.PublicID)
	steps := []struct {
		name       string
		auth       string
		attempts   int
		wantFail   int
		wantState  string
		wantLocked bool // returned as newly locked
		wantOTP    bool
	}{
		{"first wrong code", a1.ID, 1, 1, issuer.CredActive, false, false},
		{"report repeated", a1.ID, 1, 1, issuer.CredActive, false, false},
		{"five in a1", a1.ID, 5, 5, issuer.CredActive, false, false},
		{"out of order", a1.ID, 3, 5, issuer.CredActive, false, false},
		{"nine across challenges", a2.ID, 4, 9, issuer.CredActive, false, false},
		{"ten locks", a2.ID, 5, 10, issuer.CredLocked, true, true},
		{"ten again: no second lock", a2.ID, 5, 10, issuer.CredLocked, false, true},
		{"failures during lock count", a2.ID, 7, 12, issuer.CredLocked, false, true},
	}
	for _, st := range steps {
		locked, err := f.s.RecordAttempts(ctx, st.auth, st.attempts, failLimit, t0.Add(time.Minute))
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		c := f.cred(t, email.PublicID)
		if c.Failures != st.wantFail || c.State != st.wantState {
			t.Errorf("%s: failures %d state %s, want %d %s", st.name, c.Failures, c.State, st.wantFail, st.wantState)
		}
		if got := len(locked) == 1 && locked[0].ID == email.ID && locked[0].State == issuer.CredLocked; got != st.wantLocked || len(locked) > 1 {
			t.Errorf("%s: locked = %+v, want newly locked %v", st.name, locked, st.wantLocked)
		}
		if got := f.otpLocked(t, f.cardholder.ID); got != st.wantOTP {
			t.Errorf("%s: otp_locked %v, want %v", st.name, got, st.wantOTP)
		}
	}
	c := f.cred(t, email.PublicID)
	if c.LockReason != issuer.LockFailures || !c.LockedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("locked credential = %+v", c)
	}
	if _, err := f.s.RecordAttempts(ctx, "nope", 1, failLimit, t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown authentication: %v, want ErrNotFound", err)
	}
	// Operator unlock: a fresh start, the card's OTP use unlocked.
	if err := f.s.UnlockCredential(ctx, email.ID, "operator:1", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	c = f.cred(t, email.PublicID)
	if c.State != issuer.CredActive || c.Failures != 0 || c.LockReason != "" || !c.LockedAt.IsZero() || f.otpLocked(t, f.cardholder.ID) {
		t.Errorf("after unlock: %+v, otp_locked %v", c, f.otpLocked(t, f.cardholder.ID))
	}
}

func TestRecordSuccess(t *testing.T) { forEachEngine(t, testRecordSuccess) }

func testRecordSuccess(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	ch := f.cardholderPreferring(t, "tok", issuer.MethodToken)
	importTokens(t, f.s, "1111", "2222")
	t1 := assign(t, f.s, "1111", ch.ID)
	t2 := assign(t, f.s, "2222", ch.ID)
	a := f.challenge(t, ch.ID, issuer.MethodToken, t1.PublicID, t2.PublicID)
	if _, err := f.s.RecordAttempts(ctx, a.ID, 9, failLimit, t0); err != nil {
		t.Fatal(err)
	}
	for _, c := range []issuer.Credential{t1, t2} {
		if got := f.cred(t, c.PublicID).Failures; got != 9 {
			t.Fatalf("token %s failures %d, want 9 (charged to every offered credential)", c.Serial, got)
		}
	}
	at := t0.Add(2 * time.Minute)
	if err := f.s.RecordSuccess(ctx, a.ID, t2.PublicID, 500, -1, at); err != nil {
		t.Fatal(err)
	}
	c := f.cred(t, t2.PublicID)
	if c.Failures != 0 || c.LastStep != 500 || c.Drift != -1 || !c.LastUsedAt.Equal(at) {
		t.Errorf("after success: %+v", c)
	}
	if f.cred(t, t1.PublicID).Failures != 9 {
		t.Error("success of one token reset the other")
	}
	// last_step never goes back.
	if err := f.s.RecordSuccess(ctx, a.ID, t2.PublicID, 499, 0, at); err != nil || f.cred(t, t2.PublicID).LastStep != 500 {
		t.Errorf("older step: %v, last_step %d", err, f.cred(t, t2.PublicID).LastStep)
	}
	// One more failure after the reset is one, not ten: no lock.
	b := f.challenge(t, ch.ID, issuer.MethodToken, t2.PublicID)
	if locked, err := f.s.RecordAttempts(ctx, b.ID, 1, failLimit, t0); err != nil || len(locked) != 0 || f.cred(t, t2.PublicID).Failures != 1 {
		t.Errorf("failure after success: %v, %v, failures %d", locked, err, f.cred(t, t2.PublicID).Failures)
	}
	// Not offered: conflict.
	if err := f.s.RecordSuccess(ctx, b.ID, t1.PublicID, 600, 0, at); !errors.Is(err, ErrConflict) {
		t.Errorf("success of a credential not offered: %v, want ErrConflict", err)
	}
	if err := f.s.RecordSuccess(ctx, "nope", t1.PublicID, 600, 0, at); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown authentication: %v, want ErrNotFound", err)
	}
}

// The wrong codes of an authentication that ended in Y are not charged
// after the success, whatever the order of the calls.
func TestAttemptsOfSuccessfulAuthentication(t *testing.T) {
	forEachEngine(t, testAttemptsOfSuccessfulAuthentication)
}

func testAttemptsOfSuccessfulAuthentication(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	email, _ := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodEmail, t0)
	a := f.challenge(t, f.cardholder.ID, issuer.MethodEmail, email.PublicID)
	if _, _, err := f.s.RecordResult(ctx, Result{JTI: "y", AuthenticationID: a.ID, Status: "Y", Gen: 1, Attempts: 3, ReceivedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RecordSuccess(ctx, a.ID, email.PublicID, 0, 0, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.RecordAttempts(ctx, a.ID, 3, failLimit, t0); err != nil {
		t.Fatal(err)
	}
	if got := f.cred(t, email.PublicID).Failures; got != 0 {
		t.Errorf("failures %d after Y, want 0", got)
	}
}

// A timed unlock keeps the count: one more failure locks again.
func TestUnlockExpired(t *testing.T) { forEachEngine(t, testUnlockExpired) }

func testUnlockExpired(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	email, _ := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodEmail, t0)
	a := f.challenge(t, f.cardholder.ID, issuer.MethodEmail, email.PublicID)
	lockedAt := t0.Add(time.Minute)
	if locked, err := f.s.RecordAttempts(ctx, a.ID, 10, failLimit, lockedAt); err != nil || len(locked) != 1 {
		t.Fatalf("lock: %v, %v", locked, err)
	}
	// An operator lock is not for the timer.
	sms, _ := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodSMS, t0)
	if err := f.s.LockCredential(ctx, sms.ID, issuer.LockOperator, "operator:1", t0); err != nil {
		t.Fatal(err)
	}
	if n, err := f.s.UnlockExpired(ctx, lockedAt.Add(-time.Millisecond), t0.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("unlock of locks before the lock: %d, %v; want 0", n, err)
	}
	if n, err := f.s.UnlockExpired(ctx, lockedAt, t0.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("unlock at the boundary: %d, %v; want 1", n, err)
	}
	c := f.cred(t, email.PublicID)
	if c.State != issuer.CredActive || c.Failures != 10 || f.otpLocked(t, f.cardholder.ID) {
		t.Errorf("after timed unlock: %+v otp_locked %v; want active, 10 failures, card unlocked", c, f.otpLocked(t, f.cardholder.ID))
	}
	if f.cred(t, sms.PublicID).State != issuer.CredLocked {
		t.Error("timed unlock freed an operator lock")
	}
	locked, err := f.s.RecordAttempts(ctx, a.ID, 11, failLimit, t0.Add(2*time.Hour))
	if err != nil || len(locked) != 1 || f.cred(t, email.PublicID).State != issuer.CredLocked || !f.otpLocked(t, f.cardholder.ID) {
		t.Errorf("one failure after timed unlock: %v, %v; want locked again", locked, err)
	}
}

// otp_locked is set only when no active credential of the preferred kind is
// left.
func TestOTPLockFollowsPreferredMethod(t *testing.T) {
	forEachEngine(t, testOTPLockFollowsPreferredMethod)
}

func testOTPLockFollowsPreferredMethod(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	tok := f.cardholderPreferring(t, "tok", issuer.MethodToken)
	importTokens(t, f.s, "1111", "2222")
	t1 := assign(t, f.s, "1111", tok.ID)
	t2 := assign(t, f.s, "2222", tok.ID)
	smsCard := f.cardholderPreferring(t, "sms", issuer.MethodSMS)
	email, _ := f.s.ContactCredential(ctx, smsCard.ID, issuer.MethodEmail, t0)
	sms, _ := f.s.ContactCredential(ctx, smsCard.ID, issuer.MethodSMS, t0)

	steps := []struct {
		name     string
		lock     issuer.Credential
		card     int64
		wantOTP  bool
		byUnlock bool
	}{
		{"one of two tokens locked", t1, tok.ID, false, false},
		{"both tokens locked", t2, tok.ID, true, false},
		{"one token unlocked", t1, tok.ID, false, true},
		{"email locked, sms preferred", email, smsCard.ID, false, false},
		{"sms locked", sms, smsCard.ID, true, false},
	}
	for _, st := range steps {
		a := f.challenge(t, st.card, st.lock.Kind, st.lock.PublicID)
		if st.byUnlock {
			if err := f.s.UnlockCredential(ctx, st.lock.ID, "cardholder", t0); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.s.RecordAttempts(ctx, a.ID, failLimit, failLimit, t0); err != nil {
			t.Fatal(err)
		}
		if got := f.otpLocked(t, st.card); got != st.wantOTP {
			t.Errorf("%s: otp_locked %v, want %v", st.name, got, st.wantOTP)
		}
	}
	// Revoking the locked sms credential leaves none of the kind: not a
	// lock any more (the caller must enrol a new one).
	if err := f.s.RevokeCredential(ctx, sms.ID, issuer.LockOperator, "operator:1", t0); err != nil {
		t.Fatal(err)
	}
	if f.otpLocked(t, smsCard.ID) {
		t.Error("otp_locked with no credential of the kind left")
	}
	if err := f.s.RevokeCredential(ctx, sms.ID, issuer.LockOperator, "operator:1", t0); !errors.Is(err, ErrConflict) {
		t.Errorf("revoke twice: %v, want ErrConflict", err)
	}
	if err := f.s.UnlockCredential(ctx, sms.ID, "operator:1", t0); !errors.Is(err, ErrConflict) {
		t.Errorf("unlock of revoked: %v, want ErrConflict", err)
	}
	if err := f.s.LockCredential(ctx, 9999, issuer.LockOperator, "operator:1", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("lock of unknown: %v, want ErrNotFound", err)
	}
}

func TestResendLimit(t *testing.T) { forEachEngine(t, testResendLimit) }

func testResendLimit(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	const maxResends = 3
	a := f.challenge(t, f.cardholder.ID, issuer.MethodEmail, "c1")
	for i := 1; i <= maxResends; i++ {
		got, err := f.s.Resend(ctx, a.ID, i, Challenge{Creds: []string{"c1"}, Secret: []byte{byte(i)}, Sent: true}, t0, 0, maxResends)
		if err != nil || got.Resends != i || got.Gen != i+1 || got.Method != issuer.MethodEmail || string(got.Secret) != string([]byte{byte(i)}) {
			t.Fatalf("resend %d = %+v, %v", i, got, err)
		}
	}
	_, err := f.s.Resend(ctx, a.ID, maxResends+1, Challenge{Sent: true}, t0, 0, maxResends)
	if !errors.Is(err, ErrResendLimit) || errors.Is(err, ErrConflict) {
		t.Errorf("resend %d = %v, want ErrResendLimit", maxResends+1, err)
	}
	// A stale gen is superseded before it is over the limit.
	if _, err := f.s.Resend(ctx, a.ID, 1, Challenge{}, t0, 0, maxResends); !errors.Is(err, ErrSuperseded) {
		t.Errorf("stale resend over the limit = %v, want ErrSuperseded", err)
	}
}

// A start that sends nothing (a reload re-minting the same code, or an app)
// keeps last_sent_at; the secret goes when the authentication is final.
func TestChallengeSecretAndSent(t *testing.T) { forEachEngine(t, testChallengeSecretAndSent) }

func testChallengeSecretAndSent(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	a := f.create(t, "C")
	st, err := f.s.StartChallenge(ctx, a.ID, Challenge{Method: issuer.MethodSMS, Creds: []string{"p1"}, AVHash: []byte("h"),
		Secret: []byte("sealed"), Sent: true}, t0)
	if err != nil || !st.LastSentAt.Equal(t0) || string(st.Secret) != "sealed" || len(st.Creds) != 1 || st.Creds[0] != "p1" {
		t.Fatalf("start = %+v, %v", st, err)
	}
	re, err := f.s.StartChallenge(ctx, a.ID, Challenge{Method: issuer.MethodSMS, Creds: st.Creds, AVHash: st.AVHash,
		Secret: st.Secret}, t0.Add(10*time.Second))
	if err != nil || re.Gen != 2 || !re.LastSentAt.Equal(t0) || string(re.Secret) != "sealed" {
		t.Fatalf("reload = %+v, %v; want gen 2, last_sent_at kept", re, err)
	}
	if _, _, err := f.s.RecordResult(ctx, Result{JTI: "n", AuthenticationID: a.ID, Status: "N", Gen: 2, ReceivedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.Authentication(ctx, a.ID); got.Secret != nil {
		t.Errorf("secret kept after final: %x", got.Secret)
	}
}

func TestSendCap(t *testing.T) { forEachEngine(t, testSendCap) }

// testSendCap: a challenge's send is reserved against its destination's
// cap in the challenge's own transaction: limit sends in the window, then
// ErrSendCap with nothing recorded (not the gen, not the decision that came
// with it, not the send); other destinations are not counted; a send
// leaves the window exactly window after it; a resend refused for its
// cooldown uses up no send.
func testSendCap(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	const limit, window = 10, 24 * time.Hour
	dest, other := keyHash("090-1234-5678"), keyHash("a@mail.jp")
	a := f.create(t, "C")
	start := func(to []byte, at time.Time) (issuer.Authentication, error) {
		return s.StartChallenge(ctx, a.ID, Challenge{Method: issuer.MethodSMS, Sent: true,
			Send: &SendCap{Dest: to, Kind: issuer.MethodSMS, Window: window, Limit: limit}}, at)
	}
	for i := range limit {
		if _, err := start(dest, t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatalf("send %d (limit %d): %v; want reserved", i+1, limit, err)
		}
	}
	at := t0.Add(time.Hour)
	if _, err := start(dest, at); !errors.Is(err, ErrSendCap) {
		t.Errorf("send %d: %v; want ErrSendCap", limit+1, err)
	}
	// Refused with a decision: neither the decision nor the gen is taken.
	fresh := f.create(t, "C")
	_, err := s.StartChallengeAfter(ctx, fresh.ID, 0, Challenge{Method: issuer.MethodSMS, Sent: true,
		Send:     &SendCap{Dest: dest, Kind: issuer.MethodSMS, Window: window, Limit: limit},
		Decision: &Decision{Decision: "challenge", Status: "C", Reasons: "[]", Signals: "{}", Facts: "{}", At: at}}, at)
	if !errors.Is(err, ErrSendCap) {
		t.Errorf("first start over the cap: %v; want ErrSendCap", err)
	}
	if got, err := s.Authentication(ctx, fresh.ID); err != nil || got.Gen != 0 || got.Decision != "" {
		t.Errorf("after a refused first start: gen %d, decision %q, %v; want 0, none", got.Gen, got.Decision, err)
	}
	if got, err := start(other, at); err != nil {
		t.Errorf("other destination: %v; want reserved", err)
	} else if got.Gen != limit+1 {
		t.Errorf("gen %d after %d started challenges; a refused one took a gen", got.Gen, limit+1)
	}
	// Resend: the cooldown refuses first and reserves nothing; over the
	// cap it is ErrSendCap and the gen stays.
	resend := func(to []byte, at time.Time) error {
		cur, err := s.Authentication(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Resend(ctx, a.ID, cur.Gen, Challenge{Sent: true,
			Send: &SendCap{Dest: to, Kind: issuer.MethodSMS, Window: window, Limit: limit}}, at, time.Minute, 99)
		return err
	}
	if err := resend(other, at); !errors.Is(err, ErrCooldown) {
		t.Errorf("resend within the cooldown: %v; want ErrCooldown", err)
	}
	if err := resend(dest, at.Add(time.Hour)); !errors.Is(err, ErrSendCap) {
		t.Errorf("resend over the cap: %v; want ErrSendCap", err)
	}
	var n int
	if err := s.db.QueryRow(s.q(`SELECT COUNT(*) FROM sends WHERE dest_hash = ?`), other).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d sends to the other destination, %v; want 1 (the cooldown refusal reserved one)", n, err)
	}
	// The first send leaves the window exactly 24 h after it.
	if _, err := start(dest, t0.Add(window-time.Millisecond)); !errors.Is(err, ErrSendCap) {
		t.Errorf("while the first send is still in the window: %v; want ErrSendCap", err)
	}
	if _, err := start(dest, t0.Add(window)); err != nil {
		t.Errorf("send once the first left the window: %v", err)
	}
}

// Reports of one authentication arriving at once, in any order, charge the
// highest total exactly once; concurrent first uses make one credential.
func TestConcurrentAttemptsAndContact(t *testing.T) {
	forEachEngine(t, testConcurrentAttemptsAndContact)
}

func testConcurrentAttemptsAndContact(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	const n = 8
	ids := make(chan int64, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			c, err := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodEmail, t0)
			if err != nil {
				t.Error(err)
			}
			ids <- c.ID
		})
	}
	wg.Wait()
	close(ids)
	first := <-ids
	for id := range ids {
		if id != first {
			t.Fatalf("concurrent ContactCredential made credentials %d and %d", first, id)
		}
	}
	email, err := f.s.Credential(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	a := f.challenge(t, f.cardholder.ID, issuer.MethodEmail, email.PublicID)
	for i := range n {
		wg.Go(func() {
			if _, err := f.s.RecordAttempts(ctx, a.ID, n-i, failLimit, t0); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := f.cred(t, email.PublicID).Failures; got != n {
		t.Errorf("failures %d after reports 1..%d, want %d", got, n, n)
	}
}

// A lock set by hand stays through a credential lock that alone would not
// lock the card; an explicit unlock lifts it.
func TestHandSetOTPLock(t *testing.T) { forEachEngine(t, testHandSetOTPLock) }

func testHandSetOTPLock(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	email, _ := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodEmail, t0)
	sms, _ := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodSMS, t0)
	c := f.cardholder
	c.OTPLocked = true
	if _, err := f.s.UpsertCardholder(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := f.s.LockCredential(ctx, sms.ID, issuer.LockCardholder, "cardholder", t0); err != nil {
		t.Fatal(err)
	}
	if !f.otpLocked(t, c.ID) {
		t.Error("locking an sms credential (email preferred, active) lifted a hand-set lock")
	}
	if err := f.s.UnlockCredential(ctx, email.ID, "operator:1", t0); err != nil {
		t.Fatal(err)
	}
	if f.otpLocked(t, c.ID) {
		t.Error("operator unlock left the card locked with an active email credential")
	}
}
