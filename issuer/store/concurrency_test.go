package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
)

// The store's read-then-write transactions under parallel calls, on every
// engine: each count comes out exact, as if the calls had run one after
// another. On SQLite the write lock serialises them; on PostgreSQL
// SERIALIZABLE aborts the overlapping ones and tx runs them again (under
// READ COMMITTED each of these would lose updates or overshoot a cap).
func TestConcurrentCounters(t *testing.T) { forEachEngine(t, testConcurrentCounters) }

func testConcurrentCounters(t *testing.T, s *Store) {
	const calls = 12
	tests := []struct {
		name string
		// setup runs once; call runs calls times at once; check looks at
		// the outcome, given how many calls reported success.
		setup func(t *testing.T, f fixture) any
		call  func(f fixture, state any, i int) (bool, error)
		check func(t *testing.T, f fixture, state any, succeeded int)
	}{
		{
			// Count the sends, then insert one: the cap must hold exactly.
			name: "send cap",
			call: func(f fixture, _ any, i int) (bool, error) {
				return f.s.ReserveSend(context.Background(), keyHash("090-0000-0000"), issuer.MethodSMS, "", t0, time.Hour, 5)
			},
			check: func(t *testing.T, f fixture, _ any, succeeded int) {
				if succeeded != 5 {
					t.Errorf("%d of %d sends reserved under a cap of 5", succeeded, calls)
				}
			},
		},
		{
			// Read a credential's failures, add this authentication's, write
			// them back: every authentication's wrong code counts, and the
			// one that reaches the limit reports the lock, once.
			name: "failure counter",
			setup: func(t *testing.T, f fixture) any {
				email, err := f.s.ContactCredential(context.Background(), f.cardholder.ID, issuer.MethodEmail, t0)
				if err != nil {
					t.Fatal(err)
				}
				var auths []string
				for range calls {
					auths = append(auths, f.challenge(t, f.cardholder.ID, issuer.MethodEmail, email.PublicID).ID)
				}
				return auths
			},
			call: func(f fixture, state any, i int) (bool, error) {
				locked, err := f.s.RecordAttempts(context.Background(), state.([]string)[i], 1, failLimit, t0)
				return len(locked) == 1, err
			},
			check: func(t *testing.T, f fixture, state any, lockReports int) {
				c, err := f.s.ContactCredential(context.Background(), f.cardholder.ID, issuer.MethodEmail, t0)
				if err != nil {
					t.Fatal(err)
				}
				if c.Failures != calls || c.State != issuer.CredLocked || lockReports != 1 {
					t.Errorf("after %d parallel wrong codes: failures %d, state %s, lock reported %d times; want %d, locked, once",
						calls, c.Failures, c.State, lockReports, calls)
				}
			},
		},
		{
			// Read the wrong tries, write tries+1: exactly
			// maxRegistrationTries count, and then the registration is void.
			name: "registration tries",
			setup: func(t *testing.T, f fixture) any {
				if err := f.s.CreateAppRegistration(context.Background(), AppRegistration{ID: "reg-1",
					CardholderID: f.cardholder.ID, PasswordHash: keyHash("right"),
					ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}); err != nil {
					t.Fatal(err)
				}
				return nil
			},
			call: func(f fixture, _ any, i int) (bool, error) {
				_, err := f.s.ClaimAppRegistration(context.Background(), "reg-1", keyHash("wrong"), t0)
				if errors.Is(err, ErrNotFound) {
					return false, nil
				}
				return true, err
			},
			check: func(t *testing.T, f fixture, _ any, succeeded int) {
				var tries int
				var voided *int64
				if err := f.s.db.QueryRow(f.s.q(`SELECT wrong_tries, voided_at FROM app_registrations WHERE id = ?`),
					"reg-1").Scan(&tries, &voided); err != nil {
					t.Fatal(err)
				}
				if succeeded != 0 || tries != maxRegistrationTries || voided == nil {
					t.Errorf("after %d parallel wrong passwords: %d claimed, wrong_tries %d, voided %v; want 0, %d, voided",
						calls, succeeded, tries, voided != nil, maxRegistrationTries)
				}
				if _, err := f.s.ClaimAppRegistration(context.Background(), "reg-1", keyHash("right"), t0); !errors.Is(err, ErrNotFound) {
					t.Errorf("the right password after the voiding: %v, want ErrNotFound", err)
				}
			},
		},
	}
	shared := newFixture(t, s)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Each case its own cardholder, so the cases share nothing.
			f := shared
			f.cardholder = f.cardholderPreferring(t, "hmac-"+tt.name, issuer.MethodEmail)
			var state any
			if tt.setup != nil {
				state = tt.setup(t, f)
			}
			var succeeded atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range calls {
				wg.Go(func() {
					<-start
					ok, err := tt.call(f, state, i)
					if err != nil {
						t.Error(err)
					}
					if ok {
						succeeded.Add(1)
					}
				})
			}
			close(start)
			wg.Wait()
			tt.check(t, f, state, int(succeeded.Load()))
		})
	}
}
