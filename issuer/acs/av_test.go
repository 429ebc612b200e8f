package acs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/authvalue"
	"github.com/honnin/honnin/issuer/risk"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/vault"
)

// purchaseOn enrols card as e says and creates an authentication of 1250
// JPY on it.
func (f *fixture) purchaseOn(t *testing.T, card string, e Enrolment) string {
	t.Helper()
	ctx := t.Context()
	e.Number, e.At = mustPAN(t, card), t0
	if _, err := f.svc.Cards().Enrol(ctx, e); err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.Create(ctx, f.merchant, Order{Number: mustPAN(t, card), Amount: 1250, Currency: "JPY",
		MerchantOrigin: "http://localhost:8080", OrderRef: "o-1"})
	if err != nil || c.Status != contract.StatusChallenge {
		t.Fatalf("create: %+v, %v", c, err)
	}
	return c.ID
}

// TestFrictionlessAV: a frictionless Y from Start carries a value the
// authorisation host's check accepts for that card, amount and currency,
// and for no other; the issuer keeps its SHA-256.
func TestFrictionlessAV(t *testing.T) {
	f := newFixture(t)
	rc := risk.DefaultConfig()
	rc.Thresholds.FrictionlessMax, rc.Thresholds.DenyMin = 500, 1000 // every score is frictionless
	engine, err := risk.New(rc)
	if err != nil {
		t.Fatal(err)
	}
	f.cfg.Risk = engine
	if f.svc, err = New(f.cfg); err != nil {
		t.Fatal(err)
	}
	const card = "3540123456789016"
	id := f.purchaseOn(t, card, Enrolment{Holder: issuer.Cardholder{Email: "a@mail.jp"}})
	f.clock.Add(time.Minute)
	started, err := f.svc.Start(t.Context(), id, Signals{})
	if err != nil || started.Decision != contract.DecisionFrictionless || started.Status != "Y" {
		t.Fatalf("start: %+v, %v; want frictionless Y", started, err)
	}
	a, err := f.store.Authentication(t.Context(), id)
	if h := sha256.Sum256([]byte(started.AV)); err != nil || !bytes.Equal(a.AVHash, h[:]) {
		t.Errorf("stored av_hash %x, %v; want the SHA-256 of %q", a.AVHash, err, started.AV)
	}
	got, err := f.svc.VerifyAV(t.Context(), AVQuery{PAN: "3540 1234 5678 9016", Amount: 1250, Currency: "JPY", AV: started.AV})
	if want := (authvalue.Checked{Status: "Y", Method: "00", At: t0.Add(time.Minute), KeyID: 1}); err != nil || got != want {
		t.Errorf("VerifyAV = %+v, %v; want %+v", got, err, want)
	}
	for _, q := range []AVQuery{
		{PAN: "3540123456789024", Amount: 1250, Currency: "JPY"},
		{PAN: card, Amount: 1251, Currency: "JPY"},
		{PAN: card, Amount: 1250, Currency: "USD"},
	} {
		q.AV = started.AV
		if _, err := f.svc.VerifyAV(t.Context(), q); !errors.Is(err, authvalue.ErrMismatch) {
			t.Errorf("%+v: %v; want a mismatch", q, err)
		}
	}
}

// TestChallengeAV: a challenge's value, sealed with its code for the edge
// to put into a Y, names the method and verifies for the purchase.
func TestChallengeAV(t *testing.T) {
	f := newFixture(t)
	const card = "3540123456789057"
	id := f.purchaseOn(t, card, Enrolment{Holder: issuer.Cardholder{Email: "e@mail.jp", PreferredMethod: issuer.MethodApp},
		AppSeed: bytes.Repeat([]byte{1}, 20)})
	started, err := f.svc.Start(t.Context(), id, Signals{})
	if err != nil || started.Decision != contract.DecisionChallenge {
		t.Fatalf("start: %+v, %v; want a challenge", started, err)
	}
	a, err := f.store.Authentication(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.cfg.Vault.Open(a.Secret, secretAAD(id))
	if err != nil {
		t.Fatal(err)
	}
	var sec secret
	if err := json.Unmarshal(b, &sec); err != nil {
		t.Fatal(err)
	}
	if h := sha256.Sum256([]byte(sec.AV)); !bytes.Equal(a.AVHash, h[:]) {
		t.Errorf("av_hash is not the SHA-256 of the sealed value %q", sec.AV)
	}
	got, err := f.svc.VerifyAV(t.Context(), AVQuery{PAN: card, Amount: 1250, Currency: "JPY", AV: sec.AV})
	if err != nil || got.Status != "Y" || got.Method != "04" || !got.At.Equal(t0) {
		t.Errorf("VerifyAV = %+v, %v; want Y by app OTP (04) at %v", got, err, t0)
	}
}

// TestAVRing: replicas starting at once on a new database get one first
// key; a rotation mints with the next while the old one still checks, and
// a running service meeting a value of the new key loads it.
func TestAVRing(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "issuer.db")
	open := func() *store.Store {
		s, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	}
	v, err := vault.New(bytes.Repeat([]byte{0x24}, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	replicas := []AVRing{{Store: open(), Vault: v}, {Store: open(), Vault: v}, {Store: open(), Vault: v}}
	keys := make([]*authvalue.Keys, len(replicas))
	errs := make([]error, len(replicas))
	var wg sync.WaitGroup
	for i, r := range replicas {
		wg.Go(func() { keys[i], errs[i] = r.Load(context.Background(), t0) })
	}
	wg.Wait()
	buy := authvalue.Purchase{PANHMAC: []byte("card"), Amount: 5, Currency: "USD"}
	mint := func(k *authvalue.Keys) string {
		t.Helper()
		av, err := k.Mint(authvalue.Facts{Purchase: buy, Status: "Y", Method: "02", At: t0})
		if err != nil {
			t.Fatal(err)
		}
		return av
	}
	for i := range replicas {
		if errs[i] != nil || keys[i].Current() != 1 {
			t.Fatalf("replica %d: %v", i, errs[i])
		}
		if _, err := keys[(i+1)%len(keys)].Verify(mint(keys[i]), buy, t0); err != nil {
			t.Errorf("replica %d's value does not check at the next: %v", i, err)
		}
	}
	if rows, err := replicas[0].Store.AVKeys(ctx); err != nil || len(rows) != 1 || bytes.Contains(rows[0].Sealed, []byte("card")) {
		t.Fatalf("keys after three first starts: %+v, %v", rows, err)
	}

	before := mint(keys[0])
	id, err := replicas[0].Rotate(ctx, t0.Add(time.Hour))
	if err != nil || id != 2 {
		t.Fatalf("rotate: %d, %v", id, err)
	}
	after, err := replicas[1].Load(ctx, t0.Add(time.Hour))
	if err != nil || after.Current() != 2 {
		t.Fatalf("load after rotate: %v", err)
	}
	if c, err := after.Verify(before, buy, t0); err != nil || c.KeyID != 1 {
		t.Errorf("a value of the retired key: %+v, %v", c, err)
	}
	rows, err := replicas[0].Store.AVKeys(ctx)
	if err != nil || len(rows) != 2 || !rows[0].RetiredAt.Equal(t0.Add(time.Hour)) || !rows[1].RetiredAt.IsZero() {
		t.Errorf("keys after rotate: %+v, %v", rows, err)
	}

	// Another vault cannot open the keys: a start fails and says so.
	other, _ := vault.New(bytes.Repeat([]byte{0x25}, vault.KeySize))
	if _, err := (AVRing{Store: replicas[0].Store, Vault: other}).Load(ctx, t0); err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Errorf("load with another vault: %v", err)
	}
}

// TestVerifyAVReloads: a service that loaded its keys before a rotation
// checks a value of the new key (it reloads them once) and mints with it
// from then on.
func TestVerifyAVReloads(t *testing.T) {
	f := newFixture(t)
	ring := AVRing{Store: f.store, Vault: f.cfg.Vault}
	if _, err := ring.Rotate(t.Context(), t0); err != nil {
		t.Fatal(err)
	}
	newer, err := ring.Load(t.Context(), t0)
	if err != nil {
		t.Fatal(err)
	}
	card := f.cfg.PAN.Sum(mustPAN(t, "3540123456789016"))
	av, err := newer.Mint(authvalue.Facts{Purchase: authvalue.Purchase{PANHMAC: card, Amount: 1, Currency: "JPY"}, Status: "A", Method: "00", At: t0})
	if err != nil {
		t.Fatal(err)
	}
	if f.svc.av.Load().Current() != 1 {
		t.Fatal("the fixture's service does not have key 1 only")
	}
	c, err := f.svc.VerifyAV(t.Context(), AVQuery{PAN: "3540123456789016", Amount: 1, Currency: "JPY", AV: av})
	if err != nil || c.KeyID != 2 || c.Status != "A" {
		t.Errorf("VerifyAV of the new key's value: %+v, %v", c, err)
	}
	if f.svc.av.Load().Current() != 2 {
		t.Error("the service still mints with key 1")
	}
}

// TestCheckAVRefuses: a query that cannot be a purchase is refused as
// invalid (the door's 400), before any key is used.
func TestCheckAVRefuses(t *testing.T) {
	f := newFixture(t)
	good := AVQuery{PAN: "3540123456789016", Amount: 1250, Currency: "JPY", AV: "AQEAAAAAAAAAAAAAAAAAAAAAAAA="}
	for name, edit := range map[string]func(*AVQuery){
		"no pan":           func(q *AVQuery) { q.PAN = "" },
		"bad check digit":  func(q *AVQuery) { q.PAN = "3540123456789017" },
		"negative amount":  func(q *AVQuery) { q.Amount = -1 },
		"huge amount":      func(q *AVQuery) { q.Amount = 1e13 },
		"numeric currency": func(q *AVQuery) { q.Currency = "392" },
		"lower case":       func(q *AVQuery) { q.Currency = "jpy" },
		"no av":            func(q *AVQuery) { q.AV = "" },
		"huge av":          func(q *AVQuery) { q.AV = strings.Repeat("A", 4001) },
	} {
		q := good
		edit(&q)
		var r *Refusal
		if _, err := f.svc.VerifyAV(t.Context(), q); !errors.As(err, &r) || r.Kind != Invalid {
			t.Errorf("%s: %v; want an Invalid refusal", name, err)
		}
	}
	if _, err := f.svc.VerifyAV(t.Context(), good); !errors.Is(err, authvalue.ErrMismatch) {
		t.Errorf("a well-formed value of nobody: %v; want a mismatch", err)
	}
}
