package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestRecordResult(t *testing.T) { forEachEngine(t, testRecordResult) }

func testRecordResult(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	a := f.create(t, "C")
	for range 2 {
		if _, err := f.s.StartChallenge(ctx, a.ID, mail(nil), t0); err != nil {
			t.Fatal(err)
		}
	} // gen 2
	at := t0.Add(time.Minute)
	res := func(jti, status, reason string, gen int) Result {
		return Result{JTI: jti, AuthenticationID: a.ID, Status: status, Reason: reason, Gen: gen, ReceivedAt: at}
	}

	refused := []struct {
		name string
		r    Result
		want error
	}{
		{"status C", res("x1", "C", "", 2), ErrConflict},
		{"unknown status", res("x2", "Z", "", 2), ErrConflict},
		{"gen never issued", res("x3", "N", "auth_failed", 3), ErrConflict},
		{"Y from superseded gen", res("x4", "Y", "", 1), ErrConflict},
		{"unknown authentication", Result{JTI: "x5", AuthenticationID: "nope", Status: "N", Gen: 1, ReceivedAt: at}, ErrNotFound},
	}
	for _, tt := range refused {
		if applied, _, err := f.s.RecordResult(ctx, tt.r); !errors.Is(err, tt.want) || applied {
			t.Errorf("%s: RecordResult = %v, %v; want %v", tt.name, applied, err, tt.want)
		}
	}
	// A refused report leaves no trace: its jti is still free.
	if applied, _, err := f.s.RecordResult(ctx, res("x3", "N", "auth_failed", 2)); err != nil || !applied {
		t.Fatalf("first valid result = %v, %v", applied, err)
	}
	steps := []struct {
		name        string
		r           Result
		wantApplied bool
		wantErr     error
	}{
		{"same jti again", res("x3", "N", "auth_failed", 2), false, nil},
		{"same outcome, new jti", res("x6", "N", "auth_failed", 2), false, nil},
		{"same jti, other content", res("x3", "N", "max_attempts", 2), false, ErrConflict},
		{"different outcome", res("x7", "Y", "", 2), false, ErrConflict},
		{"different reason", res("x8", "N", "cardholder_cancelled", 2), false, ErrConflict},
	}
	for _, tt := range steps {
		applied, _, err := f.s.RecordResult(ctx, tt.r)
		if applied != tt.wantApplied || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
			t.Errorf("%s: RecordResult = %v, %v; want %v, %v", tt.name, applied, err, tt.wantApplied, tt.wantErr)
		}
	}
	got, _ := f.s.Authentication(ctx, a.ID)
	if got.Status != "N" || got.Reason != "auth_failed" {
		t.Errorf("authentication = %s/%s, want N/auth_failed", got.Status, got.Reason)
	}
	trail, _ := f.s.AuditTrail(ctx, a.ID)
	results := 0
	for _, e := range trail {
		if e.Action == "result" {
			results++
		}
	}
	if results != 1 {
		t.Errorf("%d result audit entries, want 1", results)
	}
}

// Racing reports of different outcomes: one wins, the rest conflict.
func TestConcurrentResults(t *testing.T) { forEachEngine(t, testConcurrentResults) }

func testConcurrentResults(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	a := f.create(t, "C")
	if _, err := f.s.StartChallenge(ctx, a.ID, mail(nil), t0); err != nil {
		t.Fatal(err)
	}
	statuses := []string{"Y", "N", "U", "A", "R", "Y", "N", "R"}
	var mu sync.Mutex
	applied, conflicts := 0, 0
	var wg sync.WaitGroup
	for i, st := range statuses {
		wg.Go(func() {
			ok, _, err := f.s.RecordResult(ctx, Result{JTI: string(rune('a' + i)), AuthenticationID: a.ID,
				Status: st, Reason: "r" + st, Gen: 1, ReceivedAt: t0})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case ok && err == nil:
				applied++
			case errors.Is(err, ErrConflict):
				conflicts++
			case err == nil: // same outcome as the winner
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if applied != 1 {
		t.Errorf("%d results applied, want exactly 1 (%d conflicts)", applied, conflicts)
	}
}
