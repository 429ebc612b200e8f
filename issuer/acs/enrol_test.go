package acs

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/pan"
)

func mustPAN(t *testing.T, s string) pan.Number {
	t.Helper()
	n, err := pan.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEnrol: each method gets its credentials, and only its own; the
// email credential (and SMS with a phone) always.
func TestEnrol(t *testing.T) {
	tests := []struct {
		name   string
		card   string
		e      Enrolment
		active map[issuer.Method]int
	}{
		{"email", "3540123456789016", Enrolment{Holder: issuer.Cardholder{Email: "a@mail.jp"}},
			map[issuer.Method]int{issuer.MethodEmail: 1}},
		{"sms", "3540123456789024", Enrolment{Holder: issuer.Cardholder{Email: "b@mail.jp", Phone: "+819012345678", PreferredMethod: issuer.MethodSMS}},
			map[issuer.Method]int{issuer.MethodEmail: 1, issuer.MethodSMS: 1}},
		{"app with its seed", "3540123456789032", Enrolment{Holder: issuer.Cardholder{Email: "c@mail.jp", PreferredMethod: issuer.MethodApp},
			AppSeed: bytes.Repeat([]byte{1}, 20)},
			map[issuer.Method]int{issuer.MethodEmail: 1, issuer.MethodApp: 1}},
		{"app registered later", "3540123456789040", Enrolment{Holder: issuer.Cardholder{Email: "d@mail.jp", PreferredMethod: issuer.MethodApp}},
			map[issuer.Method]int{issuer.MethodEmail: 1}},
		{"two tokens", "3540123456789057", Enrolment{Holder: issuer.Cardholder{Email: "e@mail.jp", PreferredMethod: issuer.MethodToken},
			Tokens: []TokenSeed{{Serial: "TK-0001", Secret: []byte("12345678901234567890")}, {Serial: "TK-0002", Secret: []byte("abcdefghijabcdefghij")}}},
			map[issuer.Method]int{issuer.MethodEmail: 1, issuer.MethodToken: 2}},
		{"password", "3540123456789065", Enrolment{Holder: issuer.Cardholder{Email: "f@mail.jp", PreferredMethod: issuer.MethodPassword}, Password: "合言葉 secret"},
			map[issuer.Method]int{issuer.MethodEmail: 1, issuer.MethodPassword: 1}},
	}
	f := newFixture(t)
	cards := f.svc.Cards()
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.e.Number, tt.e.At = mustPAN(t, tt.card), t0
			c, err := cards.Enrol(ctx, tt.e)
			if err != nil {
				t.Fatal(err)
			}
			if c.Last4 != tt.card[len(tt.card)-4:] || c.Status != issuer.CardholderActive || c.Locale != "ja" {
				t.Errorf("enrolled %+v", c)
			}
			creds, err := f.store.CredentialsOf(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := map[issuer.Method]int{}
			for _, cr := range creds {
				if cr.State == issuer.CredActive {
					got[cr.Kind]++
				}
			}
			if len(got) != len(tt.active) {
				t.Errorf("active credentials %v, want %v", got, tt.active)
			}
			for m, n := range tt.active {
				if got[m] != n {
					t.Errorf("active %s credentials: %d, want %d", m, got[m], n)
				}
			}
			for _, cr := range creds {
				if cr.Kind.TOTP() {
					if _, err := f.cfg.Vault.Open(cr.Seed, cr.SeedLabel()); err != nil {
						t.Errorf("%s seed does not open under its label: %v", cr.Kind, err)
					}
				}
			}
		})
	}
}

// TestEnrolRefuses: a card enrolled twice, a password method without a
// password, an unknown method, a token of another step.
func TestEnrolRefuses(t *testing.T) {
	f := newFixture(t)
	cards := f.svc.Cards()
	ctx := context.Background()
	first := Enrolment{Number: mustPAN(t, "3540123456789016"), Holder: issuer.Cardholder{Email: "a@mail.jp"}, At: t0}
	if _, err := cards.Enrol(ctx, first); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		e    Enrolment
		want string
	}{
		{"enrolled already", first, ErrEnrolled.Error()},
		{"password without one", Enrolment{Number: mustPAN(t, "3540123456789024"),
			Holder: issuer.Cardholder{Email: "b@mail.jp", PreferredMethod: issuer.MethodPassword}}, "needs a password"},
		{"unknown method", Enrolment{Number: mustPAN(t, "3540123456789032"),
			Holder: issuer.Cardholder{Email: "c@mail.jp", PreferredMethod: "fax"}}, "unknown method"},
		{"a message the screen cannot show", Enrolment{Number: mustPAN(t, "3540123456789057"),
			Holder: issuer.Cardholder{Email: "e@mail.jp", PersonalMessage: "one\ntwo\nthree"}}, "more than 2 lines"},
		{"a 30 s token", Enrolment{Number: mustPAN(t, "3540123456789040"),
			Holder: issuer.Cardholder{Email: "d@mail.jp", PreferredMethod: issuer.MethodToken},
			Tokens: []TokenSeed{{Serial: "TK-30", Secret: []byte("12345678901234567890"), TOTP: issuer.TOTPParams{Period: 30}}}}, "60-second"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.e.At = t0
			_, err := cards.Enrol(ctx, tt.e)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Enrol: %v, want an error saying %q", err, tt.want)
			}
		})
	}
	if _, err := cards.Enrol(ctx, first); !errors.Is(err, ErrEnrolled) {
		t.Errorf("second enrolment: %v, want ErrEnrolled", err)
	}
}

// TestEnrolUpdateKeepsCredentials: re-enrolling (the demo's re-seed) never
// replaces or unlocks a credential a person locked.
func TestEnrolUpdateKeepsCredentials(t *testing.T) {
	f := newFixture(t)
	cards := f.svc.Cards()
	ctx := context.Background()
	e := Enrolment{Number: mustPAN(t, "3540123456789016"), Holder: issuer.Cardholder{Email: "a@mail.jp", PreferredMethod: issuer.MethodApp},
		AppSeed: bytes.Repeat([]byte{1}, 20), PortalPassword: "first portal password", Update: true, At: t0}
	c, err := cards.Enrol(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	apps, err := f.store.ActiveCredentials(ctx, c.ID, issuer.MethodApp)
	if err != nil || len(apps) != 1 {
		t.Fatalf("apps %v %v", apps, err)
	}
	if err := f.store.LockCredential(ctx, apps[0].ID, issuer.LockCardholder, "cardholder", t0); err != nil {
		t.Fatal(err)
	}
	hash, _ := f.store.PortalPasswordHash(ctx, c.ID)
	e.Holder.Email, e.AppSeed, e.PortalPassword = "new@mail.jp", bytes.Repeat([]byte{2}, 20), "second portal password"
	if c, err = cards.Enrol(ctx, e); err != nil {
		t.Fatal(err)
	}
	if c.Email != "new@mail.jp" {
		t.Errorf("email %q, want the update's", c.Email)
	}
	creds, _ := f.store.CredentialsOf(ctx, c.ID)
	n := 0
	for _, cr := range creds {
		if cr.Kind == issuer.MethodApp {
			n++
			if cr.State != issuer.CredLocked {
				t.Errorf("the locked app is %s after re-enrolment", cr.State)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d apps after re-enrolment, want the one", n)
	}
	if again, _ := f.store.PortalPasswordHash(ctx, c.ID); again != hash {
		t.Error("re-enrolment replaced the portal password")
	}
}
