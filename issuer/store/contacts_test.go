package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
)

const (
	contactWindow = 24 * time.Hour
	contactLimit  = 10
)

func (f fixture) beginChange(t testing.TB, kind issuer.Method, value string, at time.Time) ContactChange {
	t.Helper()
	c, err := f.s.BeginContactChange(context.Background(), ContactChange{CardholderID: f.cardholder.ID, Kind: kind,
		Value: value, Code: []byte("sealed-" + value), ExpiresAt: at.Add(10 * time.Minute), CreatedAt: at},
		contactWindow, contactLimit)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBeginContactChangeRefuses(t *testing.T) { forEachEngine(t, testBeginContactChangeRefuses) }

func testBeginContactChangeRefuses(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	ok := ContactChange{CardholderID: f.cardholder.ID, Kind: issuer.MethodEmail, Value: "new@mail.jp", Code: []byte("x"),
		ExpiresAt: t0.Add(time.Minute), CreatedAt: t0}
	tests := []struct {
		name   string
		change func(*ContactChange)
	}{
		{"kind app", func(c *ContactChange) { c.Kind = issuer.MethodApp }},
		{"no value", func(c *ContactChange) { c.Value = "" }},
		{"no code", func(c *ContactChange) { c.Code = nil }},
		{"expiry not after creation", func(c *ContactChange) { c.ExpiresAt = c.CreatedAt }},
	}
	for _, tt := range tests {
		c := ok
		tt.change(&c)
		if _, err := f.s.BeginContactChange(ctx, c, contactWindow, contactLimit); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if _, err := f.s.PendingContactChange(ctx, f.cardholder.ID, issuer.MethodEmail, t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("a refused change is pending: %v", err)
	}
}

// TestContactChangeComplete: the newest change wins, the address is
// swapped, the email credential is replaced by a new one, the change
// cannot be used twice, and the old address is returned for the notice.
func TestContactChangeComplete(t *testing.T) { forEachEngine(t, testContactChangeComplete) }

func testContactChangeComplete(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	old, err := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodEmail, t0)
	if err != nil {
		t.Fatal(err)
	}
	first := f.beginChange(t, issuer.MethodEmail, "first@mail.jp", t0)
	second := f.beginChange(t, issuer.MethodEmail, "second@mail.jp", t0.Add(time.Second))
	sms := f.beginChange(t, issuer.MethodSMS, "+819011112222", t0.Add(time.Second))
	p, err := f.s.PendingContactChange(ctx, f.cardholder.ID, issuer.MethodEmail, t0.Add(time.Minute))
	if err != nil || p.ID != second.ID || p.Value != "second@mail.jp" || p.Sends != 1 || p.Tries != 0 {
		t.Fatalf("pending = %+v, %v; want the second change", p, err)
	}
	if _, err := f.s.CompleteContactChange(ctx, first.ID, t0.Add(time.Minute)); !errors.Is(err, ErrNotFound) {
		t.Errorf("complete the superseded change: %v, want ErrNotFound", err)
	}
	was, err := f.s.CompleteContactChange(ctx, second.ID, t0.Add(time.Minute))
	if err != nil || was != "demo@mail.jp" {
		t.Fatalf("complete = %q, %v; want the old address", was, err)
	}
	if _, err := f.s.CompleteContactChange(ctx, second.ID, t0.Add(time.Minute)); !errors.Is(err, ErrNotFound) {
		t.Errorf("complete twice: %v, want ErrNotFound", err)
	}
	c, err := f.s.Cardholder(ctx, f.cardholder.ID)
	if err != nil || c.Email != "second@mail.jp" || c.Phone != "" {
		t.Fatalf("cardholder after = %+v, %v", c, err)
	}
	if got := f.cred(t, old.PublicID); got.State != issuer.CredRevoked || got.LockReason != issuer.LockReplaced {
		t.Errorf("old email credential %s/%s, want revoked/replaced", got.State, got.LockReason)
	}
	cur, err := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodEmail, t0.Add(time.Minute))
	if err != nil || cur.ID == old.ID || cur.State != issuer.CredActive {
		t.Errorf("email credential after = %+v, %v; want a new active one", cur, err)
	}
	// The SMS change is separate and still pending; with no SMS credential
	// yet, completing it only sets the phone.
	if _, err := f.s.CompleteContactChange(ctx, sms.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.s.Cardholder(ctx, f.cardholder.ID); c.Phone != "+819011112222" {
		t.Errorf("phone = %q", c.Phone)
	}
}

// TestContactChangeKeepsLock: a credential locked for wrong codes stays
// locked under the new address, failures and all.
func TestContactChangeKeepsLock(t *testing.T) { forEachEngine(t, testContactChangeKeepsLock) }

func testContactChangeKeepsLock(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	old, err := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodEmail, t0)
	if err != nil {
		t.Fatal(err)
	}
	a := f.challenge(t, f.cardholder.ID, issuer.MethodEmail, old.PublicID)
	if _, err := f.s.RecordAttempts(ctx, a.ID, failLimit, failLimit, t0); err != nil {
		t.Fatal(err)
	}
	ch := f.beginChange(t, issuer.MethodEmail, "new@mail.jp", t0)
	if _, err := f.s.CompleteContactChange(ctx, ch.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	cur, err := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodEmail, t0)
	if err != nil || cur.ID == old.ID || cur.State != issuer.CredLocked || cur.LockReason != issuer.LockFailures || cur.Failures != failLimit {
		t.Errorf("new credential = %+v, %v; want locked for failures with %d failures", cur, err, failLimit)
	}
	if !f.otpLocked(t, f.cardholder.ID) {
		t.Error("the card is no longer OTP-locked after the address change")
	}
}

func TestContactChangeTries(t *testing.T) { forEachEngine(t, testContactChangeTries) }

func testContactChangeTries(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	// The store enforces the number it is given (the portal's is
	// edge/onetime's ContactChange.Tries).
	for _, maxTries := range []int{5, 1} {
		ch := f.beginChange(t, issuer.MethodEmail, fmt.Sprintf("new%d@mail.jp", maxTries), t0)
		for i := 1; i <= maxTries; i++ {
			left, err := f.s.WrongContactCode(ctx, ch.ID, t0, maxTries)
			if err != nil || left != maxTries-i {
				t.Fatalf("of %d: wrong code %d: left %d, %v; want %d", maxTries, i, left, err, maxTries-i)
			}
		}
		if _, err := f.s.WrongContactCode(ctx, ch.ID, t0, maxTries); !errors.Is(err, ErrNotFound) {
			t.Errorf("of %d: a wrong code after the last try: %v, want ErrNotFound", maxTries, err)
		}
		if _, err := f.s.PendingContactChange(ctx, f.cardholder.ID, issuer.MethodEmail, t0); !errors.Is(err, ErrNotFound) {
			t.Errorf("of %d: pending after %d wrong codes: %v, want ErrNotFound", maxTries, maxTries, err)
		}
		if _, err := f.s.CompleteContactChange(ctx, ch.ID, t0); !errors.Is(err, ErrNotFound) {
			t.Errorf("of %d: complete after %d wrong codes: %v, want ErrNotFound", maxTries, maxTries, err)
		}
	}
}

func TestContactChangeExpiry(t *testing.T) { forEachEngine(t, testContactChangeExpiry) }

func testContactChangeExpiry(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	ch := f.beginChange(t, issuer.MethodEmail, "new@mail.jp", t0)
	if _, err := f.s.PendingContactChange(ctx, f.cardholder.ID, issuer.MethodEmail, ch.ExpiresAt); !errors.Is(err, ErrNotFound) {
		t.Errorf("pending at expiry: %v, want ErrNotFound", err)
	}
	if _, err := f.s.CompleteContactChange(ctx, ch.ID, ch.ExpiresAt); !errors.Is(err, ErrNotFound) {
		t.Errorf("complete at expiry: %v, want ErrNotFound", err)
	}
	if c, _ := f.s.Cardholder(ctx, f.cardholder.ID); c.Email != "demo@mail.jp" {
		t.Errorf("an expired change changed the address to %q", c.Email)
	}
}

func TestResendContactCode(t *testing.T) { forEachEngine(t, testResendContactCode) }

func testResendContactCode(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	ch := f.beginChange(t, issuer.MethodSMS, "+819011112222", t0)
	const cooldown, maxSends = 30 * time.Second, 3
	resend := func(at time.Time) (ContactChange, error) {
		return f.s.ResendContactCode(ctx, ch.ID, []byte("sealed-"+at.String()), at, at.Add(10*time.Minute),
			cooldown, maxSends, contactWindow, contactLimit)
	}
	steps := []struct {
		name    string
		at      time.Duration
		wantErr error
	}{
		{"within the cooldown", 29 * time.Second, ErrCooldown},
		{"after the cooldown", 30 * time.Second, nil},
		{"cooldown from the resend", 59 * time.Second, ErrCooldown},
		{"third code", 61 * time.Second, nil},
		{"fourth code is over the limit", 2 * time.Minute, ErrResendLimit},
	}
	for _, st := range steps {
		got, err := resend(t0.Add(st.at))
		if !errors.Is(err, st.wantErr) || (st.wantErr == nil && err != nil) {
			t.Fatalf("%s: %v, want %v", st.name, err, st.wantErr)
		}
		if err == nil && (!got.SentAt.Equal(t0.Add(st.at)) || string(got.Code) != "sealed-"+t0.Add(st.at).String()) {
			t.Errorf("%s: change after = %+v", st.name, got)
		}
	}
	var ce *CooldownError
	if _, err := resend(t0.Add(70 * time.Second)); !errors.As(err, &ce) || !ce.RetryAt.Equal(t0.Add(91*time.Second)) {
		t.Errorf("cooldown error = %v, want retry at +91s", err)
	}
}

// TestContactSendLimit: the day's codes are counted over every change of
// the card, first sends and resends, and the window rolls.
func TestContactSendLimit(t *testing.T) { forEachEngine(t, testContactSendLimit) }

func testContactSendLimit(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	for i := range contactLimit - 1 {
		f.beginChange(t, issuer.MethodSMS, "+819011112222", t0.Add(time.Duration(i)*time.Second))
	}
	last := f.beginChange(t, issuer.MethodEmail, "a@mail.jp", t0.Add(time.Minute))
	over := ContactChange{CardholderID: f.cardholder.ID, Kind: issuer.MethodSMS, Value: "+819011112222", Code: []byte("x"),
		CreatedAt: t0.Add(2 * time.Minute), ExpiresAt: t0.Add(12 * time.Minute)}
	if _, err := f.s.BeginContactChange(ctx, over, contactWindow, contactLimit); !errors.Is(err, ErrSendLimit) {
		t.Errorf("change %d in a day: %v, want ErrSendLimit", contactLimit+1, err)
	}
	if _, err := f.s.ResendContactCode(ctx, last.ID, []byte("y"), t0.Add(2*time.Minute), t0.Add(12*time.Minute),
		30*time.Second, 3, contactWindow, contactLimit); !errors.Is(err, ErrSendLimit) {
		t.Errorf("resend over the day's limit: %v, want ErrSendLimit", err)
	}
	over.CreatedAt, over.ExpiresAt = t0.Add(25*time.Hour), t0.Add(26*time.Hour)
	if _, err := f.s.BeginContactChange(ctx, over, contactWindow, contactLimit); err != nil {
		t.Errorf("a day later: %v", err)
	}
}

func TestVoidContactChange(t *testing.T) { forEachEngine(t, testVoidContactChange) }

func testVoidContactChange(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	ch := f.beginChange(t, issuer.MethodEmail, "new@mail.jp", t0)
	if err := f.s.VoidContactChange(ctx, ch.ID, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CompleteContactChange(ctx, ch.ID, t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("complete a void change: %v, want ErrNotFound", err)
	}
}

// TestCompleteContactChangeOnce: two confirmations of one change at the
// same moment: exactly one swaps the address.
func TestCompleteContactChangeOnce(t *testing.T) { forEachEngine(t, testCompleteContactChangeOnce) }

func testCompleteContactChangeOnce(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	if _, err := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodEmail, t0); err != nil {
		t.Fatal(err)
	}
	ch := f.beginChange(t, issuer.MethodEmail, "new@mail.jp", t0)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := f.s.CompleteContactChange(ctx, ch.ID, t0.Add(time.Minute))
			errs <- err
		}()
	}
	won := 0
	for range 2 {
		switch err := <-errs; {
		case err == nil:
			won++
		case !errors.Is(err, ErrNotFound):
			t.Errorf("loser: %v, want ErrNotFound", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d confirmations won, want 1", won)
	}
	cs, err := f.s.CredentialsOf(ctx, f.cardholder.ID)
	if err != nil || len(cs) != 1 || cs[0].Kind != issuer.MethodEmail || cs[0].State != issuer.CredActive {
		t.Errorf("credentials after = %+v, %v; want one active email credential", cs, err)
	}
}
