package store

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
)

func TestMerchantNames(t *testing.T) { forEachEngine(t, testMerchantNames) }

func testMerchantNames(t *testing.T, s *Store) {
	ctx := context.Background()
	const a, b = "https://a.example", "https://b.example"
	// Without a display name, the account name is shown.
	plain, err := s.CreateMerchant(ctx, issuer.Merchant{Name: "Plain", APIKeyHash: keyHash("p"), Origins: []string{a}, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if plain.DisplayName != "Plain" || plain.ShownName(a) != "Plain" || !plain.AllowsName(a, "Plain") || plain.AllowsName(a, "") {
		t.Errorf("merchant without a display name: %+v", plain)
	}

	m, err := s.CreateMerchant(ctx, issuer.Merchant{Name: "tea-co", DisplayName: "Tea Shop", APIKeyHash: keyHash("t"),
		Origins: []string{a, b}, OriginNames: map[string]string{b: "Tea Shop B"}, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateMerchant(ctx, issuer.Merchant{Name: "Typo", APIKeyHash: keyHash("x"), Origins: []string{a},
		OriginNames: map[string]string{b: "B"}, CreatedAt: t0}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a name for an origin the merchant lacks: %v, want ErrNotFound", err)
	}
	if _, err := s.MerchantByName(ctx, "Typo"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the refused merchant was created: %v", err)
	}

	m, err = s.ChangeNames(ctx, m.ID, NameChange{Allow: []string{"Tea Shop * Sencha", "Tea Shop * Matcha"}})
	if err != nil {
		t.Fatal(err)
	}
	// Every read path loads the names.
	for _, get := range []func() (issuer.Merchant, error){
		func() (issuer.Merchant, error) { return s.Merchant(ctx, m.ID) },
		func() (issuer.Merchant, error) { return s.MerchantByKeyHash(ctx, keyHash("t")) },
		func() (issuer.Merchant, error) { return s.MerchantByName(ctx, "tea-co") },
	} {
		got, err := get()
		if err != nil {
			t.Fatal(err)
		}
		if got.DisplayName != "Tea Shop" || !slices.Equal(got.Origins, []string{a, b}) ||
			!maps.Equal(got.OriginNames, map[string]string{b: "Tea Shop B"}) ||
			!slices.Equal(got.Descriptors, []string{"Tea Shop * Matcha", "Tea Shop * Sencha"}) {
			t.Errorf("read back %+v", got)
		}
	}

	for _, tt := range []struct {
		origin, name string
		allowed      bool
	}{
		{a, "Tea Shop", true},
		{b, "Tea Shop", true},
		{b, "Tea Shop B", true},
		{a, "Tea Shop B", false}, // b's storefront name, not a's
		{a, "Tea Shop * Sencha", true},
		{b, "Tea Shop * Matcha", true},
		{a, "tea shop", false},
		{a, "Tea Shop ", false},
		{a, "tea-co", false}, // the account name is a label, not a shown name
		{a, "", false},
		{"https://c.example", "Tea Shop", true},
	} {
		if got := m.AllowsName(tt.origin, tt.name); got != tt.allowed {
			t.Errorf("AllowsName(%s, %q) = %t, want %t", tt.origin, tt.name, got, tt.allowed)
		}
	}
	if m.ShownName(a) != "Tea Shop" || m.ShownName(b) != "Tea Shop B" {
		t.Errorf("shown names %q %q", m.ShownName(a), m.ShownName(b))
	}

	// Changes: all or nothing; a typo is an error, not a no-op.
	for _, c := range []NameChange{
		{DisplayName: "Never", OriginNames: map[string]string{"https://c.example": "C"}},
		{DisplayName: "Never", Disallow: []string{"Tea Shop * Hojicha"}},
	} {
		if _, err := s.ChangeNames(ctx, m.ID, c); !errors.Is(err, ErrNotFound) {
			t.Errorf("ChangeNames(%+v) = %v, want ErrNotFound", c, err)
		}
	}
	if _, err := s.ChangeNames(ctx, 12345, NameChange{Allow: []string{"X"}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("ChangeNames of no merchant = %v, want ErrNotFound", err)
	}
	got, err := s.ChangeNames(ctx, m.ID, NameChange{})
	if err != nil || got.DisplayName != "Tea Shop" || len(got.Descriptors) != 2 {
		t.Fatalf("after refused changes: %+v %v", got, err)
	}
	got, err = s.ChangeNames(ctx, m.ID, NameChange{DisplayName: "Tea House", OriginNames: map[string]string{b: "", a: "Tea House A"},
		Allow: []string{"Tea Shop * Sencha"}, Disallow: []string{"Tea Shop * Matcha"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.DisplayName != "Tea House" || !maps.Equal(got.OriginNames, map[string]string{a: "Tea House A"}) ||
		!slices.Equal(got.Descriptors, []string{"Tea Shop * Sencha"}) || got.ShownName(b) != "Tea House" {
		t.Errorf("after changes: %+v", got)
	}
	if p, err := s.Merchant(ctx, plain.ID); err != nil || p.DisplayName != "Plain" || len(p.Descriptors) != 0 || len(p.OriginNames) != 0 {
		t.Errorf("another merchant changed: %+v %v", p, err)
	}

	// Seeding brings the display name up to date.
	e, err := s.EnsureMerchant(ctx, issuer.Merchant{Name: "Seeded", APIKeyHash: keyHash("s"), Origins: []string{a}, CreatedAt: t0})
	if err != nil || e.DisplayName != "Seeded" {
		t.Fatalf("EnsureMerchant: %+v %v", e, err)
	}
	e, err = s.EnsureMerchant(ctx, issuer.Merchant{Name: "Seeded", DisplayName: "Seeded Shop", APIKeyHash: keyHash("s"), Origins: []string{a}, CreatedAt: t0})
	if err != nil || e.DisplayName != "Seeded Shop" {
		t.Errorf("EnsureMerchant with a display name: %+v %v", e, err)
	}
}

func TestWatchList(t *testing.T) { forEachEngine(t, testWatchList) }

func testWatchList(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	other, err := s.CreateMerchant(ctx, issuer.Merchant{Name: "Other", APIKeyHash: keyHash("o"), Origins: []string{"https://o.example"}, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	cur := f.create(t, "C")
	watched := func(id int64) bool {
		t.Helper()
		h, err := s.RiskHistory(ctx, HistoryQuery{AuthenticationID: cur.ID, CardholderID: f.cardholder.ID, MerchantID: id, Now: t0, CountCap: 100})
		if err != nil {
			t.Fatal(err)
		}
		return h.Watchlisted
	}
	if watched(f.merchant.ID) || watched(other.ID) {
		t.Fatal("watched before anyone was listed")
	}
	if err := s.WatchMerchant(ctx, f.merchant.ID, "chargebacks", t0); err != nil {
		t.Fatal(err)
	}
	// Again, with a new note: the note changes, not when it was added.
	if err := s.WatchMerchant(ctx, f.merchant.ID, "chargebacks, see case 42", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !watched(f.merchant.ID) || watched(other.ID) {
		t.Errorf("watched: listed %t, other %t; want true, false", watched(f.merchant.ID), watched(other.ID))
	}
	list, err := s.WatchedMerchants(ctx)
	want := []WatchedMerchant{{MerchantID: f.merchant.ID, Name: "Demo Shop", DisplayName: "Demo Shop", Note: "chargebacks, see case 42", AddedAt: t0}}
	if err != nil || !slices.Equal(list, want) {
		t.Errorf("WatchedMerchants = %+v, %v; want %+v", list, err, want)
	}
	if err := s.WatchMerchant(ctx, 12345, "", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("watch no merchant: %v, want ErrNotFound", err)
	}
	if err := s.UnwatchMerchant(ctx, f.merchant.ID); err != nil {
		t.Fatal(err)
	}
	if watched(f.merchant.ID) {
		t.Error("still watched after UnwatchMerchant")
	}
	if err := s.UnwatchMerchant(ctx, f.merchant.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("unwatch twice: %v, want ErrNotFound", err)
	}
	if list, err := s.WatchedMerchants(ctx); err != nil || len(list) != 0 {
		t.Errorf("WatchedMerchants after removal = %+v, %v", list, err)
	}
	if names, err := s.UnmatchedWatchNames(ctx); err != nil || len(names) != 0 {
		t.Errorf("UnmatchedWatchNames on a new database = %q, %v", names, err)
	}
}

// migrateTo brings a new database to version v only, as the program of
// that version would have.
func migrateTo(t *testing.T, s *Store, v int) {
	t.Helper()
	ctx := context.Background()
	list, err := s.d.migrationList()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range list[:v] {
		err := s.migrationTx(ctx, m.fkOff, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)`), m.version, m.name)
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
}

// TestMigrateWatchListByName: migration 0010 turns the watch list of names
// into one of merchants. A name stands for the merchants registered under
// it and those that sent it (either matched ignoring case, as the old
// look-up did); one that matches none is kept aside, not dropped.
func TestMigrateWatchListByName(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		migrateTo(t, s, 9)
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := s.db.ExecContext(ctx, s.q(q), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		at := ms(t0)
		exec(`INSERT INTO merchants (id, name, api_key_hash, created_at) VALUES (1, 'Tea Shop', ?, ?)`, keyHash("1"), at)
		exec(`INSERT INTO merchants (id, name, api_key_hash, created_at) VALUES (2, 'Rogue', ?, ?)`, keyHash("2"), at)
		exec(`INSERT INTO merchants (id, name, api_key_hash, created_at) VALUES (3, 'Honest', ?, ?)`, keyHash("3"), at)
		exec(`INSERT INTO merchant_origins (merchant_id, origin) VALUES (1, 'https://tea.example')`)
		// Rogue sent a famous name; Honest sent its own.
		for i, a := range []struct {
			merchant int
			name     string
		}{{2, "Amazon.co.jp"}, {2, "Rogue"}, {3, "Honest"}} {
			exec(`INSERT INTO authentications (id, merchant_id, amount, currency, merchant_name, merchant_origin, status, created_at, updated_at)
				VALUES (?, ?, 100, 'JPY', ?, 'https://x.example', 'N', ?, ?)`, "a"+string(rune('0'+i)), a.merchant, a.name, at, at)
		}
		exec(`INSERT INTO merchant_watchlist (name, note, added_at) VALUES ('tea shop', 'disputes', ?)`, at)
		exec(`INSERT INTO merchant_watchlist (name, note, added_at) VALUES ('AMAZON.CO.JP', '', ?)`, at+1)
		exec(`INSERT INTO merchant_watchlist (name, note, added_at) VALUES ('Nobody Inc', 'tip-off', ?)`, at+2)

		applied, err := s.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(applied, 10) {
			t.Fatalf("applied %v, want 10 among them", applied)
		}
		list, err := s.WatchedMerchants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Name != "Rogue" || list[1].Name != "Tea Shop" ||
			!strings.Contains(list[0].Note, `"AMAZON.CO.JP"`) || !strings.Contains(list[1].Note, `"tea shop": disputes`) ||
			!list[1].AddedAt.Equal(t0) {
			t.Errorf("watch list after migration: %+v", list)
		}
		if names, err := s.UnmatchedWatchNames(ctx); err != nil || !slices.Equal(names, []string{"Nobody Inc"}) {
			t.Errorf("UnmatchedWatchNames = %q, %v; want [Nobody Inc]", names, err)
		}
		tea, err := s.Merchant(ctx, 1)
		if err != nil || tea.DisplayName != "Tea Shop" || !slices.Equal(tea.Origins, []string{"https://tea.example"}) || len(tea.OriginNames) != 0 {
			t.Errorf("merchant after migration: %+v %v", tea, err)
		}
		// The keys of the new table work on this engine: a new entry, and
		// the primary key refusing a second row for a merchant.
		if err := s.WatchMerchant(ctx, 3, "new", t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO merchant_watchlist (merchant_id, note, added_at) VALUES (3, '', 0)`)); !isConstraint(err) {
			t.Errorf("a second row for merchant 3: %v, want a constraint error", err)
		}
	})
}
