package store

import (
	"context"
	"errors"
	"testing"

	"github.com/honnin/honnin/issuer"
)

func TestSetPreferredMethod(t *testing.T) { forEachEngine(t, testSetPreferredMethod) }

func testSetPreferredMethod(t *testing.T, s *Store) {
	f := newFixture(t, s) // email demo@mail.jp, no phone, no app, no token
	ctx := context.Background()
	tests := []struct {
		name    string
		method  issuer.Method
		wantErr error
	}{
		{"sms without a phone", issuer.MethodSMS, ErrMethodUnusable},
		{"app not registered", issuer.MethodApp, ErrMethodUnusable},
		{"no token", issuer.MethodToken, ErrMethodUnusable},
		{"no password", issuer.MethodPassword, ErrMethodUnusable},
		{"unknown", "fax", ErrMethodUnusable},
		{"email", issuer.MethodEmail, nil},
	}
	for _, tt := range tests {
		err := f.s.SetPreferredMethod(ctx, f.cardholder.ID, tt.method, "cardholder", t0)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.wantErr)
		}
		if c, _ := f.s.Cardholder(ctx, f.cardholder.ID); c.PreferredMethod != issuer.MethodEmail {
			t.Errorf("%s: method is %q", tt.name, c.PreferredMethod)
		}
	}
	if _, err := f.s.RegisterApp(ctx, f.cardholder.ID, "APP1", []byte("sealed"), issuer.TOTPParams{}, t0); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetPreferredMethod(ctx, f.cardholder.ID, issuer.MethodApp, "cardholder", t0); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.s.Cardholder(ctx, f.cardholder.ID); c.PreferredMethod != issuer.MethodApp {
		t.Errorf("method is %q, want app", c.PreferredMethod)
	}
	if err := f.s.SetPreferredMethod(ctx, 999, issuer.MethodEmail, "cardholder", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown cardholder: %v", err)
	}
}

// TestSetPreferredMethodKeepsLock: moving to a method whose credential is
// locked locks the card's OTP use; moving away again does not lift it
// (only an unlock does).
func TestSetPreferredMethodKeepsLock(t *testing.T) { forEachEngine(t, testSetPreferredMethodKeepsLock) }

func testSetPreferredMethodKeepsLock(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	if _, err := f.s.RegisterApp(ctx, f.cardholder.ID, "APP1", []byte("sealed"), issuer.TOTPParams{}, t0); err != nil {
		t.Fatal(err)
	}
	app := f.cred(t, "APP1")
	if err := f.s.LockCredential(ctx, app.ID, issuer.LockFailures, "issuer", t0); err != nil {
		t.Fatal(err)
	}
	if f.otpLocked(t, f.cardholder.ID) {
		t.Fatal("a locked app locks an email card")
	}
	if err := f.s.SetPreferredMethod(ctx, f.cardholder.ID, issuer.MethodApp, "cardholder", t0); err != nil {
		t.Fatal(err)
	}
	if !f.otpLocked(t, f.cardholder.ID) {
		t.Error("choosing the locked app did not lock the card")
	}
	if err := f.s.SetPreferredMethod(ctx, f.cardholder.ID, issuer.MethodEmail, "cardholder", t0); err != nil {
		t.Fatal(err)
	}
	if !f.otpLocked(t, f.cardholder.ID) {
		t.Error("choosing another method lifted the lock")
	}
}
