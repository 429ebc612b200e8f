package acs

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/testenv"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/vault"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

// fixture is the use cases over a real SQLite file and real keys. The
// mailer points at a closed port: these tests send nothing (the HTTP
// door's tests in issuer/api run the whole flow against an SMTP sink).
type fixture struct {
	svc      *Service
	cfg      Config
	store    *store.Store
	dbPath   string
	merchant issuer.Merchant
	clock    *testenv.Clock
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	keyDir := filepath.Join(dir, "keys")
	if err := challenge.GenerateKeys(keyDir, challenge.KEMXWing); err != nil {
		t.Fatal(err)
	}
	ik, err := challenge.LoadIssuerKeys(keyDir)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{dbPath: filepath.Join(dir, "issuer.db"), clock: testenv.NewClock(t0)}
	if f.store, err = store.Open(ctx, f.dbPath); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.store.Close() })
	if _, err := f.store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	hasher, err := pan.NewHasher(bytes.Repeat([]byte{0x42}, pan.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(bytes.Repeat([]byte{0x24}, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	mailer, err := dispatch.NewMailer(dispatch.MailConfig{Host: "127.0.0.1", Port: 1, From: "Honnin <no-reply@issuer.example>",
		TLS: dispatch.TLSNone, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	f.merchant, err = f.store.CreateMerchant(ctx, issuer.Merchant{Name: "Demo Shop", APIKeyHash: issuer.HashAPIKey("hk_test"),
		Origins: []string{"http://localhost:8080"}, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	av, err := AVRing{Store: f.store, Vault: v}.Load(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	f.cfg = Config{Store: f.store, Keys: ik, PAN: hasher, Vault: v, Mail: mailer, AV: av, EdgeURL: "http://127.0.0.1:8787",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: f.clock.Now}
	if f.svc, err = New(f.cfg); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestNewChecksConfig(t *testing.T) {
	good := newFixture(t).cfg
	if _, err := New(good); err != nil {
		t.Fatal(err)
	}
	broken := map[string]func(*Config){
		"no store":     func(c *Config) { c.Store = nil },
		"no PAN":       func(c *Config) { c.PAN = nil },
		"no mail":      func(c *Config) { c.Mail = nil },
		"no vault":     func(c *Config) { c.Vault = nil },
		"no AV keys":   func(c *Config) { c.AV = nil },
		"negative cap": func(c *Config) { c.SendCap = -1 },
		"no keys":      func(c *Config) { c.Keys.Sign.Private = nil },
		"no edge URL":  func(c *Config) { c.EdgeURL = "" },
		"relative URL": func(c *Config) { c.EdgeURL = "/edge" },
	}
	for name, f := range broken {
		c := good
		f(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: New accepted", name)
		}
	}
}

// TestEveryMethodHasOneType: every method of the domain has its type, and
// only the senders send.
func TestEveryMethodHasOneType(t *testing.T) {
	f := newFixture(t)
	for _, m := range issuer.Methods {
		impl, err := f.svc.method(m)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if _, sends := impl.(sender); sends != m.Sends() {
			t.Errorf("%s: implements sender %v, but Method.Sends says %v", m, sends, m.Sends())
		}
	}
	if _, err := f.svc.method("fax"); err == nil || !strings.Contains(err.Error(), "fax") {
		t.Errorf("unknown method: %v", err)
	}
}
