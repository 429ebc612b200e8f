package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
)

func importTokens(t testing.TB, s *Store, serials ...string) {
	t.Helper()
	var ts []Token
	for _, sn := range serials {
		ts = append(ts, Token{Serial: sn, Seed: []byte("sealed-" + sn)})
	}
	if n, err := s.ImportTokens(context.Background(), ts, t0); err != nil || n != len(ts) {
		t.Fatalf("ImportTokens = %d, %v", n, err)
	}
}

func assign(t testing.TB, s *Store, serial string, cardholder int64) issuer.Credential {
	t.Helper()
	c, err := s.AssignToken(context.Background(), serial, cardholder, t0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestImportTokens(t *testing.T) { forEachEngine(t, testImportTokens) }

func testImportTokens(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	importTokens(t, f.s, "1001")
	tests := []struct {
		name  string
		batch []string
		want  string // serial named in the error
	}{
		{"duplicate in the batch", []string{"2001", "2002", "2001"}, "2001"},
		{"duplicate of a stored one", []string{"3001", "1001"}, "1001"},
	}
	for _, tt := range tests {
		var ts []Token
		for _, sn := range tt.batch {
			ts = append(ts, Token{Serial: sn, Seed: []byte("s")})
		}
		n, err := f.s.ImportTokens(ctx, ts, t0)
		if n != 0 || !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %d, %v; want 0 and ErrConflict naming %s", tt.name, n, err, tt.want)
		}
	}
	all, err := f.s.Tokens(ctx)
	if err != nil || len(all) != 1 || all[0].Serial != "1001" {
		t.Fatalf("Tokens after failed imports = %+v, %v; want only 1001", all, err)
	}
	tok := all[0]
	if tok.TOTP != (issuer.TOTPParams{Digits: 6, Period: 60, Algorithm: "SHA1"}) || string(tok.Seed) != "sealed-1001" || tok.State != "" ||
		tok.CardholderID != 0 || !tok.ImportedAt.Equal(t0) {
		t.Errorf("imported token = %+v", tok)
	}
	if _, err := f.s.TokenBySerial(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown serial: %v", err)
	}
	if _, err := f.s.ImportTokens(ctx, []Token{{Serial: "4001"}}, t0); err == nil {
		t.Error("token without a seed imported")
	}
}

func TestAssignToken(t *testing.T) { forEachEngine(t, testAssignToken) }

func testAssignToken(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	importTokens(t, f.s, "1111", "2222", "3333")
	ch := f.cardholder.ID
	pw, err := f.s.SetPassword(ctx, ch, "$argon2id$x", t0)
	if err != nil {
		t.Fatal(err)
	}
	c1 := assign(t, f.s, "1111", ch)
	if c1.Kind != issuer.MethodToken || c1.Serial != "1111" || string(c1.Seed) != "sealed-1111" || c1.TOTP.Period != 60 || c1.State != issuer.CredActive {
		t.Errorf("token credential = %+v", c1)
	}
	if got := f.cred(t, pw.PublicID); got.State != issuer.CredRevoked || got.LockReason != issuer.LockReplaced {
		t.Errorf("password after token assignment = %+v; want revoked", got)
	}
	tok, err := f.s.TokenBySerial(ctx, "1111")
	if err != nil || tok.CardholderID != ch || tok.CredentialID != c1.ID || tok.State != issuer.CredActive {
		t.Errorf("assigned token = %+v, %v", tok, err)
	}
	other := f.cardholderPreferring(t, "other", issuer.MethodToken)
	tests := []struct {
		name   string
		serial string
		card   int64
		want   error
	}{
		{"unknown serial", "9999", ch, ErrNotFound},
		{"assigned already", "1111", other.ID, ErrConflict},
		{"second token", "2222", ch, nil},
		{"third token", "3333", ch, ErrTokenLimit},
	}
	for _, tt := range tests {
		_, err := f.s.AssignToken(ctx, tt.serial, tt.card, t0)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	// A locked token still counts; a lost (revoked) one frees a place and
	// the token itself.
	if err := f.s.LockCredential(ctx, c1.ID, issuer.LockCardholder, "cardholder", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.AssignToken(ctx, "3333", ch, t0); !errors.Is(err, ErrTokenLimit) {
		t.Errorf("third token with one locked: %v, want ErrTokenLimit", err)
	}
	if err := f.s.RevokeCredential(ctx, c1.ID, issuer.LockLost, "cardholder", t0); err != nil {
		t.Fatal(err)
	}
	assign(t, f.s, "3333", ch)
	assign(t, f.s, "1111", other.ID)
	if _, err := f.s.SetPassword(ctx, ch, "$argon2id$y", t0); !errors.Is(err, ErrConflict) {
		t.Errorf("password with tokens registered: %v, want ErrConflict", err)
	}
}

func TestRegisterApp(t *testing.T) { forEachEngine(t, testRegisterApp) }

func testRegisterApp(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	ch := f.cardholder.ID
	pw, err := f.s.SetPassword(ctx, ch, "$argon2id$a", t0)
	if err != nil {
		t.Fatal(err)
	}
	pw2, err := f.s.SetPassword(ctx, ch, "$argon2id$b", t0)
	if err != nil || pw2.ID != pw.ID || pw2.PasswordHash != "$argon2id$b" {
		t.Errorf("password change = %+v, %v; want the same credential, new hash", pw2, err)
	}
	if err := f.s.SetPreferredMethod(ctx, ch, issuer.MethodPassword, "operator", t0); err != nil {
		t.Fatal(err)
	}
	app1, err := f.s.RegisterApp(ctx, ch, "APP1", []byte("seed1"), issuer.TOTPParams{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if app1.PublicID != "APP1" || app1.Kind != issuer.MethodApp || string(app1.Seed) != "seed1" || app1.TOTP != (issuer.TOTPParams{Digits: 6, Period: 60, Algorithm: "SHA1"}) {
		t.Errorf("app = %+v", app1)
	}
	if f.cred(t, pw.PublicID).State != issuer.CredRevoked {
		t.Error("password not revoked by the app")
	}
	// The password no longer authenticates: the card's method is the app,
	// whichever door registered it (seed 000).
	if c, err := f.s.Cardholder(ctx, ch); err != nil || c.PreferredMethod != issuer.MethodApp {
		t.Errorf("method after an app replaced the password: %q, %v; want app", c.PreferredMethod, err)
	}
	if _, err := f.s.SetPassword(ctx, ch, "$argon2id$c", t0); !errors.Is(err, ErrConflict) {
		t.Errorf("password with an app: %v, want ErrConflict", err)
	}
	app2, err := f.s.RegisterApp(ctx, ch, "APP2", []byte("seed2"), issuer.TOTPParams{Digits: 8, Period: 30, Algorithm: "SHA256"}, t0)
	if err != nil || app2.TOTP != (issuer.TOTPParams{Digits: 8, Period: 30, Algorithm: "SHA256"}) {
		t.Fatalf("second app = %+v, %v", app2, err)
	}
	if got := f.cred(t, "APP1"); got.State != issuer.CredRevoked || got.LockReason != issuer.LockReplaced {
		t.Errorf("first app after re-registration = %+v", got)
	}
	if active, err := f.s.ActiveCredentials(ctx, ch, issuer.MethodApp); err != nil || len(active) != 1 || active[0].PublicID != "APP2" {
		t.Errorf("active apps = %+v, %v", active, err)
	}
	if _, err := f.s.RegisterApp(ctx, ch, "APP2", []byte("seed3"), issuer.TOTPParams{}, t0); !errors.Is(err, ErrConflict) {
		t.Errorf("public id reused: %v, want ErrConflict", err)
	}
	if err := f.s.ReleaseApp(ctx, ch, "cardholder", t0); err != nil {
		t.Fatal(err)
	}
	if got := f.cred(t, "APP2"); got.State != issuer.CredRevoked || got.LockReason != issuer.LockReleased {
		t.Errorf("released app = %+v", got)
	}
	if err := f.s.ReleaseApp(ctx, ch, "cardholder", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("release without an app: %v, want ErrNotFound", err)
	}
	trail, err := f.s.CredentialAudit(ctx, "APP2")
	if err != nil || len(trail) != 2 || trail[0].Action != "app_register" || trail[1].Action != "credential_revoke" {
		t.Errorf("audit of APP2 = %+v, %v", trail, err)
	}
}

func TestAppRegistration(t *testing.T) { forEachEngine(t, testAppRegistration) }

func testAppRegistration(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	ch := f.cardholder.ID
	const ttl = 30 * time.Minute
	good, bad := keyHash("pw"), keyHash("nope")
	reg := func(id string, at time.Time) {
		t.Helper()
		if err := f.s.CreateAppRegistration(ctx, AppRegistration{ID: id, CardholderID: ch, PasswordHash: good,
			ExpiresAt: at.Add(ttl), CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	reg("R1", t0)
	reg("TRIES", t0) // voids R1
	claim := func(id string, h []byte, at time.Time) error {
		t.Helper()
		got, err := f.s.ClaimAppRegistration(ctx, id, h, at)
		if err == nil && got != ch {
			t.Errorf("claim %s gave cardholder %d", id, got)
		}
		return err
	}
	if err := claim("R1", good, t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("claim of a superseded registration: %v, want ErrNotFound", err)
	}
	// Five wrong tries void it; the right password after that is refused.
	for i := 1; i <= 5; i++ {
		if err := claim("TRIES", bad, t0); !errors.Is(err, ErrNotFound) {
			t.Fatalf("wrong try %d: %v, want ErrNotFound", i, err)
		}
	}
	if err := claim("TRIES", good, t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("right password after 5 wrong: %v, want ErrNotFound", err)
	}
	reg("FOUR", t0)
	for range 4 {
		claim("FOUR", bad, t0)
	}
	if err := claim("FOUR", good, t0); err != nil {
		t.Errorf("right password after 4 wrong: %v", err)
	}
	// Single use.
	if err := claim("FOUR", good, t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("second claim: %v, want ErrNotFound", err)
	}
	// Expiry at 30 min: usable just before, not at.
	reg("EXP", t0.Add(time.Hour))
	if err := claim("EXP", good, t0.Add(time.Hour+ttl)); !errors.Is(err, ErrNotFound) {
		t.Errorf("claim at 30 min: %v, want ErrNotFound", err)
	}
	reg("EXP2", t0.Add(time.Hour))
	if err := claim("EXP2", good, t0.Add(time.Hour+ttl-time.Millisecond)); err != nil {
		t.Errorf("claim just before 30 min: %v", err)
	}
	if err := claim("NONE", good, t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
}
