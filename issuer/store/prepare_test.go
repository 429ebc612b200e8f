package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPreparedSignals(t *testing.T) { forEachEngine(t, testPreparedSignals) }

// testPreparedSignals: a prepare is kept until the decision, the newest
// one winning; after it, or on an authentication with its outcome, it is
// refused and what was kept stays.
func testPreparedSignals(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	a := f.create(t, "C")
	if got, err := s.PreparedSignals(ctx, a.ID); err != nil || got != "" {
		t.Fatalf("before any prepare: %q, %v", got, err)
	}
	for _, sig := range []string{`{"ua":"first"}`, `{"ua":"second"}`} {
		if err := s.RecordPreparedSignals(ctx, a.ID, sig, t0.Add(time.Second)); err != nil {
			t.Fatalf("prepare %s: %v", sig, err)
		}
		if got, err := s.PreparedSignals(ctx, a.ID); err != nil || got != sig {
			t.Errorf("kept %q, %v; want %q", got, err, sig)
		}
	}

	if _, err := s.RecordDecision(ctx, a.ID, Decision{Decision: "challenge", Status: "C", Reasons: "[]", Signals: "{}", At: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	err := s.RecordPreparedSignals(ctx, a.ID, `{"ua":"late"}`, t0.Add(2*time.Minute))
	if !errors.Is(err, ErrConflict) || errors.Is(err, ErrFinal) {
		t.Errorf("prepare after the decision: %v, want ErrConflict", err)
	}
	if got, _ := s.PreparedSignals(ctx, a.ID); got != `{"ua":"second"}` {
		t.Errorf("after a refused prepare: %q", got)
	}

	final := f.create(t, "N")
	if err := s.RecordPreparedSignals(ctx, final.ID, `{}`, t0); !errors.Is(err, ErrFinal) {
		t.Errorf("prepare of a final authentication: %v, want ErrFinal", err)
	}
	if err := s.RecordPreparedSignals(ctx, "no-such-id", `{}`, t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("prepare of an unknown id: %v, want ErrNotFound", err)
	}
	if _, err := s.PreparedSignals(ctx, "no-such-id"); !errors.Is(err, ErrNotFound) {
		t.Errorf("prepared signals of an unknown id: %v, want ErrNotFound", err)
	}
}
