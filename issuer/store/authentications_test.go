package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
)

func TestCreateAuthentication(t *testing.T) { forEachEngine(t, testCreateAuthentication) }

func testCreateAuthentication(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()

	c := f.create(t, "C")
	if len(c.ID) != 26 || c.Status != "C" || c.Gen != 0 || c.CardholderID != f.cardholder.ID ||
		!c.CreatedAt.Equal(t0) || !c.FinishedAt.IsZero() || c.Final() {
		t.Errorf("created C = %+v", c)
	}
	n := f.create(t, "N")
	if n.Status != "N" || n.Reason != "not_enrolled" || n.CardholderID != 0 || !n.FinishedAt.Equal(t0) || !n.Final() {
		t.Errorf("created N = %+v", n)
	}
	if n.ID == c.ID {
		t.Error("two authentications share an id")
	}

	got, err := f.s.MerchantAuthentication(ctx, f.merchant.ID, c.ID)
	if err != nil || got.ID != c.ID || got.Amount != 1250 || got.OrderRef != "order-1" {
		t.Errorf("MerchantAuthentication = %+v, %v", got, err)
	}
	if _, err := f.s.MerchantAuthentication(ctx, f.merchant.ID+1, c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("other merchant: %v, want ErrNotFound", err)
	}
	if _, err := f.s.Authentication(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
	trail, err := f.s.AuditTrail(ctx, c.ID)
	if err != nil || len(trail) != 1 || trail[0].Action != "create" || trail[0].Actor != "merchant:1" {
		t.Errorf("audit after create = %+v, %v", trail, err)
	}
}

func TestChallengeLifecycle(t *testing.T) { forEachEngine(t, testChallengeLifecycle) }

func testChallengeLifecycle(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	a := f.create(t, "C")
	const cooldown = 30 * time.Second

	if _, err := f.s.Resend(ctx, a.ID, 0, mail([]byte("av0")), t0, cooldown, noLimit); !errors.Is(err, ErrConflict) {
		t.Fatalf("resend before start = %v, want ErrConflict", err)
	}

	st, err := f.s.StartChallenge(ctx, a.ID, mail([]byte("av1")), t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if st.Gen != 1 || st.Method != "email" || string(st.AVHash) != "av1" ||
		!st.StartedAt.Equal(t0.Add(time.Second)) || !st.LastSentAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("after start: %+v", st)
	}

	// Within the cooldown: refused, with the time it opens.
	_, err = f.s.Resend(ctx, a.ID, 1, mail([]byte("av2")), t0.Add(10*time.Second), cooldown, noLimit)
	var ce *CooldownError
	if !errors.As(err, &ce) || !errors.Is(err, ErrCooldown) || !ce.RetryAt.Equal(t0.Add(31*time.Second)) {
		t.Fatalf("resend in cooldown = %v, want CooldownError until +31s", err)
	}
	// After it: gen 2.
	r, err := f.s.Resend(ctx, a.ID, 1, mail([]byte("av2")), t0.Add(31*time.Second), cooldown, noLimit)
	if err != nil || r.Gen != 2 || string(r.AVHash) != "av2" || !r.StartedAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("resend after cooldown = %+v, %v", r, err)
	}
	// The old gen is refused even after the cooldown.
	if _, err := f.s.Resend(ctx, a.ID, 1, mail(nil), t0.Add(time.Hour), cooldown, noLimit); !errors.Is(err, ErrSuperseded) || errors.Is(err, ErrFinal) {
		t.Fatalf("resend of old gen = %v, want ErrSuperseded", err)
	}
	// A failed send clears the cooldown: resend works at once.
	if err := f.s.RecordDelivery(ctx, a.ID, 2, false, t0.Add(32*time.Second)); err != nil {
		t.Fatal(err)
	}
	r, err = f.s.Resend(ctx, a.ID, 2, mail([]byte("av3")), t0.Add(33*time.Second), cooldown, noLimit)
	if err != nil || r.Gen != 3 {
		t.Fatalf("resend after failed delivery = %+v, %v", r, err)
	}
	// A failed delivery report for an old gen does not clear the new code's cooldown.
	if err := f.s.RecordDelivery(ctx, a.ID, 2, false, t0.Add(34*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Resend(ctx, a.ID, 3, mail(nil), t0.Add(35*time.Second), cooldown, noLimit); !errors.Is(err, ErrCooldown) {
		t.Fatalf("stale failed delivery cleared the cooldown: %v", err)
	}
	if err := f.s.RecordDelivery(ctx, a.ID, 3, true, t0.Add(35*time.Second)); err != nil {
		t.Fatal(err)
	}

	applied, _, err := f.s.RecordResult(ctx, Result{JTI: "j1", AuthenticationID: a.ID, Status: "Y", Gen: 3, Attempts: 1, ReceivedAt: t0.Add(40 * time.Second)})
	if err != nil || !applied {
		t.Fatalf("RecordResult = %v, %v", applied, err)
	}
	final, _ := f.s.Authentication(ctx, a.ID)
	if final.Status != "Y" || !final.FinishedAt.Equal(t0.Add(40*time.Second)) || !final.Final() {
		t.Errorf("after result: %+v", final)
	}

	// Nothing moves a final authentication.
	if _, err := f.s.StartChallenge(ctx, a.ID, mail(nil), t0.Add(time.Hour)); !errors.Is(err, ErrFinal) || !errors.Is(err, ErrConflict) {
		t.Errorf("start after final = %v, want ErrFinal", err)
	}
	if _, err := f.s.Resend(ctx, a.ID, 3, mail(nil), t0.Add(time.Hour), cooldown, noLimit); !errors.Is(err, ErrFinal) {
		t.Errorf("resend after final = %v, want ErrFinal", err)
	}
	if _, err := f.s.StartChallenge(ctx, "missing", mail(nil), t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("start of unknown = %v, want ErrNotFound", err)
	}
	if _, err := f.s.Resend(ctx, "missing", 1, mail(nil), t0, cooldown, noLimit); !errors.Is(err, ErrNotFound) {
		t.Errorf("resend of unknown = %v, want ErrNotFound", err)
	}

	trail, err := f.s.AuditTrail(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range trail {
		actions = append(actions, e.Action)
	}
	want := []string{"create", "start", "resend", "deliver", "resend", "deliver", "deliver", "result"}
	if !slices.Equal(actions, want) {
		t.Errorf("audit actions = %v, want %v", actions, want)
	}
}

func TestStartOfNotEnrolled(t *testing.T) { forEachEngine(t, testStartOfNotEnrolled) }

func testStartOfNotEnrolled(t *testing.T, s *Store) {
	f := newFixture(t, s)
	a := f.create(t, "N")
	if _, err := f.s.StartChallenge(context.Background(), a.ID, mail(nil), t0); !errors.Is(err, ErrConflict) {
		t.Errorf("start of N = %v, want ErrConflict", err)
	}
}

// Concurrent starts each take their own generation: no two codes share a gen.
func TestConcurrentStart(t *testing.T) { forEachEngine(t, testConcurrentStart) }

func testConcurrentStart(t *testing.T, s *Store) {
	f := newFixture(t, s)
	a := f.create(t, "C")
	const n = 16
	gens := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			got, err := f.s.StartChallenge(context.Background(), a.ID, mail(nil), t0)
			if err != nil {
				t.Error(err)
				return
			}
			gens <- got.Gen
		})
	}
	wg.Wait()
	close(gens)
	var all []int
	for g := range gens {
		all = append(all, g)
	}
	slices.Sort(all)
	for i, g := range all {
		if g != i+1 {
			t.Fatalf("gens = %v, want 1..%d each once", all, n)
		}
	}
	got, _ := f.s.Authentication(context.Background(), a.ID)
	if got.Gen != n {
		t.Errorf("final gen %d, want %d", got.Gen, n)
	}
}

// Concurrent resends of the same gen: exactly one wins.
func TestConcurrentResendSameGen(t *testing.T) { forEachEngine(t, testConcurrentResendSameGen) }

func testConcurrentResendSameGen(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	a := f.create(t, "C")
	if _, err := f.s.StartChallenge(ctx, a.ID, mail(nil), t0); err != nil {
		t.Fatal(err)
	}
	const n = 16
	var mu sync.Mutex
	won, lost := 0, 0
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			got, err := f.s.Resend(ctx, a.ID, 1, mail(nil), t0.Add(time.Minute), 30*time.Second, noLimit)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && got.Gen == 2:
				won++
			case errors.Is(err, ErrConflict):
				lost++
			default:
				t.Errorf("resend: %+v, %v", got, err)
			}
		})
	}
	wg.Wait()
	if won != 1 || lost != n-1 {
		t.Errorf("won %d lost %d, want 1 and %d", won, lost, n-1)
	}
	got, _ := f.s.Authentication(ctx, a.ID)
	if got.Gen != 2 {
		t.Errorf("gen %d after one winning resend, want 2", got.Gen)
	}
}

// Concurrent clients each resending the newest gen they read, over and over:
// every successful call increments gen by exactly one and no gen is handed
// out twice.
func TestConcurrentResendChain(t *testing.T) { forEachEngine(t, testConcurrentResendChain) }

func testConcurrentResendChain(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	a := f.create(t, "C")
	if _, err := f.s.StartChallenge(ctx, a.ID, mail(nil), t0); err != nil {
		t.Fatal(err)
	}
	const workers, tries = 8, 10
	var mu sync.Mutex
	seen := map[int]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range tries {
				cur, err := f.s.Authentication(ctx, a.ID)
				if err != nil {
					t.Error(err)
					return
				}
				got, err := f.s.Resend(ctx, a.ID, cur.Gen, mail(nil), t0, 0, noLimit)
				if errors.Is(err, ErrConflict) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				if got.Gen != cur.Gen+1 {
					t.Errorf("resend of gen %d gave gen %d", cur.Gen, got.Gen)
				}
				mu.Lock()
				seen[got.Gen]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for g, n := range seen {
		if n != 1 {
			t.Errorf("gen %d handed out %d times", g, n)
		}
	}
	got, _ := f.s.Authentication(ctx, a.ID)
	if got.Gen != 1+len(seen) {
		t.Errorf("final gen %d, want 1 + %d successful resends", got.Gen, len(seen))
	}
	if len(seen) == 0 {
		t.Error("no resend succeeded")
	}
}

// noLimit is a resend limit the older tests never reach.
const noLimit = 1000

// mail is an email challenge sent now with the given av hash.
func mail(avHash []byte) Challenge {
	return Challenge{Method: "email", AVHash: avHash, Sent: true}
}

func TestNoPurchase(t *testing.T) { forEachEngine(t, testNoPurchase) }

// testNoPurchase: an authentication without a purchase (an EMV non-payment
// one) is stored with amount 0 and no currency; a zero amount of a
// currency, and a negative one, are still refused by the schema.
func testNoPurchase(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	for _, c := range []struct {
		amount   int64
		currency string
		ok       bool
	}{
		{0, "", true},
		{0, "JPY", false},
		{-1, "", false},
		{1, "JPY", true},
	} {
		a := issuer.Authentication{MerchantID: f.merchant.ID, Amount: c.amount, Currency: c.currency, MerchantName: "Wallet",
			MerchantOrigin: "https://wallet.example", Status: "C", CardholderID: f.cardholder.ID, CreatedAt: t0}
		got, err := s.CreateAuthentication(ctx, a)
		if (err == nil) != c.ok {
			t.Errorf("amount %d %q: %v, want stored %v", c.amount, c.currency, err, c.ok)
			continue
		}
		if err == nil {
			if back, err := s.Authentication(ctx, got.ID); err != nil || back.Amount != c.amount || back.Currency != c.currency {
				t.Errorf("read back %d %q: %+v, %v", c.amount, c.currency, back, err)
			}
		}
	}
}

// TestStartWithDecision: the first start records its decision and its
// challenge in one UPDATE, only on an undecided authentication; a second
// decision conflicts (it is no superseded start), and only a challenge
// decision has a challenge.
func TestStartWithDecision(t *testing.T) { forEachEngine(t, testStartWithDecision) }

func testStartWithDecision(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	decided := func(d Decision) Challenge {
		ch := mail([]byte("av1"))
		ch.Decision = &d
		return ch
	}
	challenge := Decision{Decision: "challenge", Status: "C", Score: 35, Reasons: `["new_device"]`, Signals: "{}",
		Facts: `{"ip_count":3}`, IP: "192.0.2.7", IPNet: "192.0.2.7", IPCountry: "JP", ASN: 64500, At: t0}
	a := f.create(t, "C")
	got, err := f.s.StartChallengeAfter(ctx, a.ID, 0, decided(challenge), t0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Gen != 1 || got.Decision != "challenge" || got.Status != "C" || got.RiskReasons != `["new_device"]` {
		t.Errorf("after the first start: gen %d, decision %q, status %s, reasons %s; want 1, challenge, C, [new_device]",
			got.Gen, got.Decision, got.Status, got.RiskReasons)
	}
	if _, err := f.s.StartChallengeAfter(ctx, a.ID, 1, decided(challenge), t0); !errors.Is(err, ErrConflict) || errors.Is(err, ErrSuperseded) {
		t.Errorf("a second decision = %v, want ErrConflict (already decided)", err)
	}
	if _, err := f.s.StartChallengeAfter(ctx, a.ID, 0, decided(challenge), t0); !errors.Is(err, ErrConflict) {
		t.Errorf("a second decision from gen 0 = %v, want ErrConflict", err)
	}
	if got, err := f.s.Authentication(ctx, a.ID); err != nil || got.Gen != 1 || got.RiskScore != 35 {
		t.Errorf("after the refused decisions: gen %d, score %d (%v); want 1 and 35, unchanged", got.Gen, got.RiskScore, err)
	}

	frictionless := challenge
	frictionless.Decision, frictionless.Status = "frictionless", "Y"
	b := f.create(t, "C")
	if _, err := f.s.StartChallengeAfter(ctx, b.ID, 0, decided(frictionless), t0); err == nil {
		t.Error("a frictionless decision started a challenge")
	}
	if _, err := f.s.StartChallengeAfter(ctx, "no-such-id", 0, decided(challenge), t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown authentication = %v, want ErrNotFound", err)
	}
}
