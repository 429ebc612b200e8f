package demo

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/passhash"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/vault"
)

func TestCardsAreValid(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Cards {
		n, err := pan.Parse(c.Number)
		if err != nil {
			t.Errorf("%s: %v", c.Number, err)
		}
		if n.Digits()[:2] != "35" {
			t.Errorf("%s is not in the JCB range", c.Number)
		}
		if seen[c.Number] {
			t.Errorf("%s twice", c.Number)
		}
		seen[c.Number] = true
	}
}

func TestSeedIdempotent(t *testing.T) {
	ctx := context.Background()
	st, h, v, now := seedDeps(t)

	m1, err := Seed(ctx, st, h, v, "key-1", nil, now)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := Seed(ctx, st, h, v, "key-2", []string{"http://localhost:18080"}, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if m1.ID != m2.ID || len(m2.Origins) != 3 {
		t.Errorf("second seed: %+v", m2)
	}
	// The demo shop sends DisplayName as merchant_name: it must be the
	// registered name from every origin the shop runs at.
	for _, o := range m2.Origins {
		if m2.DisplayName != DisplayName || m2.ShownName(o) != DisplayName || !m2.AllowsName(o, DisplayName) {
			t.Errorf("demo merchant from %s: shown %q, display name %q; want %q", o, m2.ShownName(o), m2.DisplayName, DisplayName)
		}
	}
	if _, err := st.MerchantByKeyHash(ctx, issuer.HashAPIKey("key-2")); err != nil {
		t.Errorf("new key not in force: %v", err)
	}
	for _, c := range Cards {
		n, _ := pan.Parse(c.Number)
		got, err := st.CardholderByPAN(ctx, h.Sum(n))
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != c.Email || got.Locale != c.Locale || got.PersonalMessage != c.PersonalMessage || !got.CreatedAt.Equal(now) ||
			got.Country != "JP" || got.OTPLocked != c.OTPLocked || got.SharingOptOut || !got.MessageProvisional {
			t.Errorf("cardholder %+v", got)
		}
		hash, err := st.PortalPasswordHash(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := passhash.Verify(c.PortalPassword(), hash); !ok || err != nil {
			t.Errorf("card %s: portal password %q does not verify: %v", c.Number, c.PortalPassword(), err)
		}
	}
	// The linked cards are one person's, after both seeds.
	var people []int64
	for _, num := range Linked {
		n, _ := pan.Parse(num)
		c, err := st.CardholderByPAN(ctx, h.Sum(n))
		if err != nil {
			t.Fatal(err)
		}
		p, err := st.EnsurePerson(ctx, c.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		people = append(people, p)
	}
	if len(people) != 2 || people[0] != people[1] {
		t.Errorf("linked cards belong to people %v", people)
	}
	if cards, err := st.PersonCards(ctx, people[0]); err != nil || len(cards) != 2 {
		t.Errorf("person's cards: %d, %v", len(cards), err)
	}
	if _, err := Seed(ctx, st, h, v, "", nil, now); err == nil {
		t.Error("empty API key accepted")
	}
}

// TestSeedRanges: seeding twice leaves the two demo ranges once each; every
// demo card is in the eligible span, the not-eligible card in the other.
func TestSeedRanges(t *testing.T) {
	ctx := context.Background()
	st, h, v, now := seedDeps(t)
	for range 2 {
		if _, err := Seed(ctx, st, h, v, "key-1", nil, now); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := st.Ranges(ctx)
	if err != nil || len(rs) != len(Ranges) {
		t.Fatalf("ranges %+v %v", rs, err)
	}
	for _, c := range Cards {
		r, err := st.RangeOf(ctx, c.Number[:store.RangeDigits])
		if err != nil || !r.Eligible {
			t.Errorf("%s: range %+v %v", c.Number, r, err)
		}
	}
	n, err := pan.Parse(NotEligibleCard)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := st.RangeOf(ctx, n.Digits()[:store.RangeDigits]); err != nil || r.Eligible {
		t.Errorf("not-eligible card: %+v %v", r, err)
	}
	if _, err := st.RangeOf(ctx, "41111111111"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a Visa number: %v, want not found", err)
	}
}

// seedDeps is what Seed needs: a migrated store in a SQLite file (closed
// when the test ends), a PAN hasher, a vault and a fixed time.
func seedDeps(t *testing.T) (*store.Store, *pan.Hasher, *vault.Vault, time.Time) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "issuer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	h, _ := pan.NewHasher(bytes.Repeat([]byte{1}, pan.KeySize))
	v, _ := vault.New(bytes.Repeat([]byte{2}, vault.KeySize))
	return st, h, v, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
}
