package main

import (
	"context"
	"regexp"
	"testing"

	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/passhash"
	"github.com/honnin/honnin/issuer/store"
)

// TestCardholderPortalPassword sets portal passwords through the command
// and checks what the store then holds verifies the password the operator
// was shown or gave, and nothing else.
func TestCardholderPortalPassword(t *testing.T) {
	s := prepare(t)
	card := cardOf(t, "email").Number
	printed := regexp.MustCompile(`: ([a-z2-7]{4}(?:-[a-z2-7]{4}){4}) \(shown once\)`)
	tests := []struct {
		name string
		env  string // HONNIN_PORTAL_PASSWORD
		args []string
		code int
		out  string // in stdout on success, stderr otherwise
		want string // the password the card must now have; "" = the printed one
	}{
		{"made here", "", []string{"-card", card}, exitOK, "(shown once)", ""},
		{"from the environment", "operator-chosen-1", []string{"-card", card}, exitOK, "set from HONNIN_PORTAL_PASSWORD", "operator-chosen-1"},
		{"too short", "short", []string{"-card", card}, exitUsage, "want 10 to 128 characters", "operator-chosen-1"},
		{"no card flag", "", nil, exitUsage, "-card", "operator-chosen-1"},
		{"not a card number", "", []string{"-card", "1234"}, exitUsage, "-card", "operator-chosen-1"},
		{"card not enrolled", "", []string{"-card", "3540129999999996"}, exitFail, "not enrolled", "operator-chosen-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HONNIN_PORTAL_PASSWORD", tt.env)
			code, out, errOut := s.operatorCLI(t, append([]string{"cardholder", "portal-password"}, tt.args...)...)
			if !wantRun(t, code, out, errOut, tt.code, tt.out) {
				return
			}
			want := tt.want
			if want == "" {
				m := printed.FindStringSubmatch(out)
				if m == nil {
					t.Fatalf("no password printed: %q", out)
				}
				want = m[1]
			}
			hash := s.portalHash(t, card)
			if ok, err := passhash.Verify(want, hash); err != nil || !ok {
				t.Errorf("the card's portal password is not %q (%v)", want, err)
			}
			if ok, _ := passhash.Verify("honnin-portal-9016", hash); ok {
				t.Errorf("the demo password still works")
			}
		})
	}
}

// portalHash reads the card's stored portal password hash.
func (s testStack) portalHash(t *testing.T, number string) string {
	t.Helper()
	ctx := context.Background()
	h, err := pan.ReadKeyFile(s.panKey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := pan.Parse(number)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, s.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.CardholderByPAN(ctx, h.Sum(n))
	if err != nil {
		t.Fatal(err)
	}
	hash, err := st.PortalPasswordHash(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return hash
}
