package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
)

func TestCardTokens(t *testing.T) { forEachEngine(t, testCardTokens) }

func testCardTokens(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	importTokens(t, f.s, "T0001", "T0002", "T0003")
	a, b := assign(t, f.s, "T0001", f.cardholder.ID), assign(t, f.s, "T0002", f.cardholder.ID)
	other := f.cardholderPreferring(t, "hmac-2", issuer.MethodToken)
	assign(t, f.s, "T0003", other.ID)
	if err := f.s.ReportTokenLost(ctx, f.cardholder.ID, a.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RevokeCredential(ctx, b.ID, issuer.LockOperator, "operator", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.CardTokens(ctx, f.cardholder.ID)
	if err != nil || len(got) != 1 || got[0].Serial != "T0001" || got[0].LockReason != issuer.LockLost {
		t.Errorf("CardTokens = %+v, %v; want only the lost T0001 (T0002 revoked by the operator is gone, T0003 is another card's)", got, err)
	}
}

// TestCardTokenChanges walks a cardholder's token through the changes the
// cardholder may and may not make; each step names the change, the token
// state before it (set by the staff where needed) and what must follow.
func TestCardTokenChanges(t *testing.T) { forEachEngine(t, testCardTokenChanges) }

func testCardTokenChanges(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	importTokens(t, f.s, "T0001", "T0002")
	f.s.SetPreferredMethod(ctx, f.cardholder.ID, issuer.MethodEmail, "cardholder", t0)
	tok := assign(t, f.s, "T0001", f.cardholder.ID)
	other := f.cardholderPreferring(t, "hmac-2", issuer.MethodToken)
	foreign := assign(t, f.s, "T0002", other.ID)
	if err := f.s.SetPreferredMethod(ctx, f.cardholder.ID, issuer.MethodToken, "cardholder", t0); err != nil {
		t.Fatal(err)
	}
	lock := func(id int64) error { return f.s.LockCardToken(ctx, f.cardholder.ID, id, t0) }
	unlock := func(id int64) error { return f.s.UnlockCardToken(ctx, f.cardholder.ID, id, t0) }
	lost := func(id int64) error { return f.s.ReportTokenLost(ctx, f.cardholder.ID, id, t0) }
	staff := func(reason string) func() {
		return func() {
			if err := f.s.LockCredential(ctx, tok.ID, reason, "operator", t0); err != nil {
				t.Fatal(err)
			}
		}
	}
	steps := []struct {
		name          string
		before        func()
		change        func(int64) error
		id            int64
		wantErr       error
		wantState     string
		wantReason    string
		wantOTPLocked bool
	}{
		{"lock another card's token", nil, lock, foreign.ID, ErrNotFound, issuer.CredActive, "", false},
		{"unlock an active token", nil, unlock, tok.ID, ErrConflict, issuer.CredActive, "", false},
		{"lock", nil, lock, tok.ID, nil, issuer.CredLocked, issuer.LockCardholder, true},
		{"lock twice", nil, lock, tok.ID, ErrConflict, issuer.CredLocked, issuer.LockCardholder, true},
		{"unlock own lock", nil, unlock, tok.ID, nil, issuer.CredActive, "", false},
		{"unlock a failure lock", staff(issuer.LockFailures), unlock, tok.ID, ErrConflict, issuer.CredLocked, issuer.LockFailures, true},
		{"relock a failure lock as own", nil, lock, tok.ID, ErrConflict, issuer.CredLocked, issuer.LockFailures, true},
		{"unlock the staff's lock", staff(issuer.LockOperator), unlock, tok.ID, ErrConflict, issuer.CredLocked, issuer.LockOperator, true},
		{"report lost while locked", nil, lost, tok.ID, nil, issuer.CredRevoked, issuer.LockLost, true},
		{"unlock a lost token", nil, unlock, tok.ID, ErrConflict, issuer.CredRevoked, issuer.LockLost, true},
		{"report lost twice", nil, lost, tok.ID, ErrConflict, issuer.CredRevoked, issuer.LockLost, true},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		err := st.change(st.id)
		if !errors.Is(err, st.wantErr) || (st.wantErr == nil && err != nil) {
			t.Fatalf("%s: %v, want %v", st.name, err, st.wantErr)
		}
		got := f.cred(t, tok.PublicID)
		if got.State != st.wantState || got.LockReason != st.wantReason {
			t.Errorf("%s: token %s/%s, want %s/%s", st.name, got.State, got.LockReason, st.wantState, st.wantReason)
		}
		if locked := f.otpLocked(t, f.cardholder.ID); locked != st.wantOTPLocked {
			t.Errorf("%s: card OTP-locked %t, want %t", st.name, locked, st.wantOTPLocked)
		}
	}
	// A loss does not lift the card's OTP lock either: a new token's
	// assignment (AssignToken) does.
	if got := f.cred(t, foreign.PublicID); got.State != issuer.CredActive {
		t.Errorf("the other card's token is %s", got.State)
	}
}

func TestPendingAppRegistration(t *testing.T) { forEachEngine(t, testPendingAppRegistration) }

func testPendingAppRegistration(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	if _, err := f.s.PendingAppRegistration(ctx, f.cardholder.ID, t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("none issued: %v, want ErrNotFound", err)
	}
	for _, id := range []string{"R1", "R2"} {
		if err := f.s.CreateAppRegistration(ctx, AppRegistration{ID: id, CardholderID: f.cardholder.ID,
			PasswordHash: keyHash("pw"), ExpiresAt: t0.Add(30 * time.Minute), CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := f.s.PendingAppRegistration(ctx, f.cardholder.ID, t0.Add(time.Minute))
	if err != nil || r.ID != "R2" || !r.ExpiresAt.Equal(t0.Add(30*time.Minute)) {
		t.Errorf("pending = %+v, %v; want R2 (R1 is voided by it)", r, err)
	}
	if _, err := f.s.PendingAppRegistration(ctx, f.cardholder.ID, t0.Add(30*time.Minute)); !errors.Is(err, ErrNotFound) {
		t.Errorf("at expiry: %v, want ErrNotFound", err)
	}
	if _, err := f.s.ClaimAppRegistration(ctx, "R2", keyHash("pw"), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.PendingAppRegistration(ctx, f.cardholder.ID, t0.Add(2*time.Minute)); !errors.Is(err, ErrNotFound) {
		t.Errorf("after use: %v, want ErrNotFound", err)
	}
}
