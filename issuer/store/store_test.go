package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func keyHash(k string) []byte { h := sha256.Sum256([]byte(k)); return h[:] }

// fixture is a store with one merchant and one enrolled cardholder.
type fixture struct {
	s          *Store
	merchant   issuer.Merchant
	cardholder issuer.Cardholder
}

func newFixture(t testing.TB, s *Store) fixture {
	t.Helper()
	ctx := context.Background()
	m, err := s.CreateMerchant(ctx, issuer.Merchant{Name: "Demo Shop", APIKeyHash: keyHash("k1"),
		Origins: []string{"http://localhost:8080"}, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.UpsertCardholder(ctx, issuer.Cardholder{PANHMAC: []byte("hmac-1"), Last4: "9016",
		Email: "demo@mail.jp", PersonalMessage: "こんにちは", Locale: "ja", CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{s: s, merchant: m, cardholder: c}
}

func (f fixture) create(t testing.TB, status string) issuer.Authentication {
	t.Helper()
	a := issuer.Authentication{MerchantID: f.merchant.ID, OrderRef: "order-1", Amount: 1250, Currency: "JPY",
		MerchantName: "Demo Shop", MerchantOrigin: "http://localhost:8080", Status: status, CreatedAt: t0}
	if status == "C" {
		a.CardholderID = f.cardholder.ID
	} else {
		a.Reason = "not_enrolled"
	}
	got, err := f.s.CreateAuthentication(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestOpenSettings(t *testing.T) { forEachEngine(t, testOpenSettings) }

// testOpenSettings checks the connection settings the store's guarantees
// rest on, per engine, as seen from inside a store transaction.
func testOpenSettings(t *testing.T, s *Store) {
	ctx := context.Background()
	settings := map[string][]struct {
		query string
		want  string
	}{
		"sqlite": {
			{"PRAGMA journal_mode", "wal"},
			{"PRAGMA foreign_keys", "1"},
			{"PRAGMA busy_timeout", "5000"},
		},
		"postgres": {
			{"SELECT current_setting('transaction_isolation')", "serializable"},
		},
	}
	tests, ok := settings[s.d.name]
	if !ok {
		t.Fatalf("no settings to check for engine %s", s.d.name)
	}
	for _, tt := range tests {
		var got string
		err := s.tx(ctx, func(tx *sql.Tx) error { return tx.QueryRowContext(ctx, tt.query).Scan(&got) })
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%s = %q, want %q", tt.query, got, tt.want)
		}
	}
	// Foreign keys are enforced, not just switched on.
	_, err := s.db.ExecContext(ctx, `INSERT INTO merchant_origins (merchant_id, origin) VALUES (999, 'x')`)
	if err == nil {
		t.Error("insert with a dangling foreign key succeeded")
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, path := range []string{
		"",
		filepath.Join(t.TempDir(), "a?b.db"),
		filepath.Join(t.TempDir(), "missing-dir", "x.db"),
		"postgres://honnin@127.0.0.1:1/issuer?sslmode=disable&connect_timeout=5", // nothing listens
		"postgres://honnin@127.0.0.1:5432/issuer?sslmode=bogus",                  // not a URL pgx takes
		"postgresql://honnin@[::1/issuer",                                        // not a URL at all
	} {
		if s, err := Open(ctx, path); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", path)
		}
	}
}

func TestMigrateIdempotent(t *testing.T) { forEachDatabase(t, testMigrateIdempotent) }

func testMigrateIdempotent(t *testing.T, path string) {
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	applied, err := s.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.d.migrationList()
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(list) || applied[0] != 1 {
		t.Fatalf("first Migrate applied %v, want all %d", applied, len(list))
	}
	if applied, err := s.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate = %v, %v; want nothing applied", applied, err)
	}
	s.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if applied, err := s.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("Migrate after reopen = %v, %v; want nothing applied", applied, err)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(list) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(list))
	}
	for _, table := range []string{"cardholders", "merchants", "merchant_origins", "authentications", "results", "audit"} {
		if _, err := s.db.ExecContext(ctx, `SELECT COUNT(*) FROM `+table); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}

	// A database migrated by a newer program is refused, not half-used.
	if _, err := s.db.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (999, '0999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err == nil {
		t.Error("Migrate accepted a database from the future")
	}
}

func TestConcurrentMigrate(t *testing.T) { forEachDatabase(t, testConcurrentMigrate) }

func testConcurrentMigrate(t *testing.T, path string) {
	ctx := context.Background()
	const n = 4
	errs := make(chan error, n)
	total := make(chan int, n)
	for range n {
		go func() {
			s, err := Open(ctx, path)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			applied, err := s.Migrate(ctx)
			total <- len(applied)
			errs <- err
		}()
	}
	sum := 0
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	close(total)
	for v := range total {
		sum += v
	}
	want := 0
	for _, d := range []dialect{sqlite, postgres} {
		if IsPostgres(path) == (d.name == "postgres") {
			list, err := d.migrationList()
			if err != nil {
				t.Fatal(err)
			}
			want = len(list)
		}
	}
	if sum != want {
		t.Errorf("migrations applied %d times in all, want %d", sum, want)
	}
}

func TestMerchants(t *testing.T) { forEachEngine(t, testMerchants) }

func testMerchants(t *testing.T, s *Store) {
	ctx := context.Background()
	m, err := s.CreateMerchant(ctx, issuer.Merchant{Name: "Shop", APIKeyHash: keyHash("a"),
		Origins: []string{"https://shop.example", "http://localhost:8080"}, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.MerchantByKeyHash(ctx, keyHash("a"))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != m.ID || got.Name != "Shop" || !got.CreatedAt.Equal(t0) ||
		!slices.Equal(got.Origins, []string{"http://localhost:8080", "https://shop.example"}) {
		t.Errorf("MerchantByKeyHash = %+v", got)
	}

	conflicts := []issuer.Merchant{
		{Name: "Shop", APIKeyHash: keyHash("b"), CreatedAt: t0},  // same name
		{Name: "Shop2", APIKeyHash: keyHash("a"), CreatedAt: t0}, // same key
	}
	for _, c := range conflicts {
		if _, err := s.CreateMerchant(ctx, c); !errors.Is(err, ErrConflict) {
			t.Errorf("CreateMerchant(%s) = %v, want ErrConflict", c.Name, err)
		}
	}
	if _, err := s.MerchantByKeyHash(ctx, keyHash("nope")); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown key: %v, want ErrNotFound", err)
	}
	if _, err := s.Merchant(ctx, 12345); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
}

func TestEnsureMerchant(t *testing.T) { forEachEngine(t, testEnsureMerchant) }

func testEnsureMerchant(t *testing.T, s *Store) {
	ctx := context.Background()
	want := issuer.Merchant{Name: "Demo Shop", APIKeyHash: keyHash("k"), Origins: []string{"http://localhost:8080"}, CreatedAt: t0}
	m1, err := s.EnsureMerchant(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	want.Origins = append(want.Origins, "http://127.0.0.1:8080")
	m2, err := s.EnsureMerchant(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	if m1.ID != m2.ID || len(m2.Origins) != 2 {
		t.Errorf("EnsureMerchant twice: %+v then %+v", m1, m2)
	}
	// A new key replaces the old one.
	want.APIKeyHash = keyHash("k2")
	if _, err := s.EnsureMerchant(ctx, want); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MerchantByKeyHash(ctx, keyHash("k")); !errors.Is(err, ErrNotFound) {
		t.Errorf("old key still works: %v", err)
	}
	// Another merchant may not take this one's key.
	if _, err := s.EnsureMerchant(ctx, issuer.Merchant{Name: "Other", APIKeyHash: keyHash("k2"), CreatedAt: t0}); !errors.Is(err, ErrConflict) {
		t.Errorf("EnsureMerchant with a taken key = %v, want ErrConflict", err)
	}
}

func TestCardholders(t *testing.T) { forEachEngine(t, testCardholders) }

func testCardholders(t *testing.T, s *Store) {
	ctx := context.Background()
	c, err := s.UpsertCardholder(ctx, issuer.Cardholder{PANHMAC: []byte("h"), Last4: "9016", Email: "a@mail.jp",
		PersonalMessage: "one", CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if c.PreferredMethod != "email" || c.Status != issuer.CardholderActive || c.Locale != "ja" {
		t.Errorf("defaults not applied: %+v", c)
	}
	c2, err := s.UpsertCardholder(ctx, issuer.Cardholder{PANHMAC: []byte("h"), Last4: "9016", Email: "b@mail.jp",
		PersonalMessage: "two", Locale: "en", CreatedAt: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if c2.ID != c.ID || c2.Email != "b@mail.jp" || c2.PersonalMessage != "two" || c2.Locale != "en" || !c2.CreatedAt.Equal(t0) {
		t.Errorf("second upsert = %+v", c2)
	}
	got, err := s.CardholderByPAN(ctx, []byte("h"))
	if err != nil || got.ID != c.ID {
		t.Errorf("CardholderByPAN = %+v, %v", got, err)
	}
	if _, err := s.CardholderByPAN(ctx, []byte("other")); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown card: %v, want ErrNotFound", err)
	}
	if _, err := s.UpsertCardholder(ctx, issuer.Cardholder{PANHMAC: []byte("x"), Last4: "1", Status: "weird", CreatedAt: t0}); err == nil {
		t.Error("status outside the CHECK accepted")
	}
}
