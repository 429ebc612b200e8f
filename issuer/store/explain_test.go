package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestExplanation(t *testing.T) { forEachEngine(t, testExplanation) }

func testExplanation(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	a := f.create(t, "C")
	at := t0.Add(time.Minute)
	d := Decision{Decision: "challenge", Status: "C", Score: 15, Reasons: `[{"code":"new_device","points":15}]`,
		Signals: `{"device_id":true,"ip":"203.0.113.7"}`, Facts: `{"now":"2026-11-22T03:01:00Z","amount":1250}`,
		DeviceHash: []byte("device-a-hmac"), Fingerprint: `{"browser":"chrome"}`,
		IP: "203.0.113.7", IPNet: "203.0.113.7", IPCountry: "JP", ASN: 2516, At: at}
	if _, err := s.RecordDecision(ctx, a.ID, d); err != nil {
		t.Fatal(err)
	}
	// The cardholder says "not me".
	if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO fraud_reports (authentication_id, cardholder_id, reported_at) VALUES (?, ?, ?)`),
		a.ID, f.cardholder.ID, ms(at.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	got, err := s.Explanation(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := Explanation{ID: a.ID, MerchantID: f.merchant.ID, MerchantAccount: "Demo Shop", MerchantName: "Demo Shop",
		MerchantOrigin: "http://localhost:8080", OrderRef: "order-1", Amount: 1250, Currency: "JPY", CardLast4: "9016",
		Status: "C", Decision: "challenge", Score: 15, Reasons: d.Reasons, Signals: d.Signals, Facts: d.Facts,
		IP: "203.0.113.7", IPNet: "203.0.113.7", IPCountry: "JP", ASN: 2516,
		CreatedAt: t0, StartedAt: at, DecidedAt: at, FraudReportedAt: at.Add(time.Hour), HasDevice: true, DeviceFingerprint: true}
	if got != want {
		t.Errorf("explanation\n got %+v\nwant %+v", got, want)
	}

	// A card not enrolled: never decided, no card.
	u := f.create(t, "U")
	got, err = s.Explanation(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.CardLast4 != "" || got.Decision != "" || got.Score != 0 || !got.DecidedAt.IsZero() || got.FinishedAt != t0 ||
		got.Reason != "not_enrolled" || got.HasDevice || got.Facts != "" || !got.FraudReportedAt.IsZero() {
		t.Errorf("not enrolled: %+v", got)
	}

	if _, err := s.Explanation(ctx, "NOSUCHAUTHENTICATION00000"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
}

func TestEachDecision(t *testing.T) { forEachEngine(t, testEachDecision) }

func testEachDecision(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	since := t0.Add(24 * time.Hour)
	decide := func(outcome, facts string, at time.Time) string {
		t.Helper()
		a := f.create(t, "C")
		if _, err := s.RecordDecision(ctx, a.ID, Decision{Decision: outcome, Status: "C", Reasons: "[]", Signals: "{}",
			Facts: facts, At: at}); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	decide("challenge", `{"amount":1}`, since.Add(-time.Second)) // before since
	in1 := decide("challenge", `{"amount":2}`, since)            // at since: in
	decide("challenge", "", since.Add(time.Minute))              // no facts
	in2 := decide("deny", `{"amount":3}`, since.Add(time.Hour))
	decide("challenge", "", since.Add(2*time.Hour)) // no facts
	f.create(t, "C")                                // never decided
	f.create(t, "U")                                // not enrolled: no decision

	var seen []string
	noFacts, err := s.EachDecision(ctx, since, func(d StoredDecision) error {
		seen = append(seen, d.ID+" "+d.Decision+" "+d.Facts+" "+d.DecidedAt.Format(time.RFC3339))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(seen)
	want := []string{
		in1 + ` challenge {"amount":2} ` + since.Format(time.RFC3339),
		in2 + ` deny {"amount":3} ` + since.Add(time.Hour).Format(time.RFC3339),
	}
	slices.Sort(want)
	if !slices.Equal(seen, want) || noFacts != 2 {
		t.Errorf("EachDecision: %d without facts, saw\n%s\nwant 2 and\n%s", noFacts, strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}

	// An error from fn stops the walk and comes back.
	stop := errors.New("stop")
	calls := 0
	if _, err := s.EachDecision(ctx, since, func(StoredDecision) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("fn error: %v after %d calls, want stop after 1", err, calls)
	}
	// Nothing since a later time.
	noFacts, err = s.EachDecision(ctx, since.Add(3*time.Hour), func(StoredDecision) error {
		t.Error("called for nothing")
		return nil
	})
	if err != nil || noFacts != 0 {
		t.Errorf("nothing: %d, %v", noFacts, err)
	}
}
