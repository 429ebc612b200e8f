package store

import (
	"context"
	"errors"
	"slices"
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
			// Take the next gen, count the sends, insert one: the cap must
			// hold exactly, and only the reserved starts take a gen.
			name:  "send cap",
			setup: func(t *testing.T, f fixture) any { return f.create(t, "C").ID },
			call: func(f fixture, state any, i int) (bool, error) {
				_, err := f.s.StartChallenge(context.Background(), state.(string), Challenge{Method: issuer.MethodSMS, Sent: true,
					Send: &SendCap{Dest: keyHash("090-0000-0000"), Kind: issuer.MethodSMS, Window: time.Hour, Limit: 5}}, t0)
				if errors.Is(err, ErrSendCap) {
					return false, nil
				}
				return err == nil, err
			},
			check: func(t *testing.T, f fixture, state any, succeeded int) {
				a, err := f.s.Authentication(context.Background(), state.(string))
				if err != nil {
					t.Fatal(err)
				}
				if succeeded != 5 || a.Gen != 5 {
					t.Errorf("%d of %d sends reserved under a cap of 5, gen %d; want 5, 5", succeeded, calls, a.Gen)
				}
			},
		},
		{
			// First starts of one authentication at once, each with its
			// decision: one decides and takes gen 1, the others conflict.
			name:  "decision with the first challenge",
			setup: func(t *testing.T, f fixture) any { return f.create(t, "C").ID },
			call: func(f fixture, state any, i int) (bool, error) {
				_, err := f.s.StartChallengeAfter(context.Background(), state.(string), 0, Challenge{Method: issuer.MethodEmail,
					Decision: &Decision{Decision: "challenge", Status: "C", Score: i, Reasons: "[]", Signals: "{}", Facts: "{}", At: t0}}, t0)
				if errors.Is(err, ErrConflict) {
					return false, nil
				}
				return err == nil, err
			},
			check: func(t *testing.T, f fixture, state any, succeeded int) {
				id := state.(string)
				a, err := f.s.Authentication(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				trail, err := f.s.AuditTrail(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				var actions []string
				for _, e := range trail {
					actions = append(actions, e.Action)
				}
				if succeeded != 1 || a.Gen != 1 || a.Decision != "challenge" || !slices.Equal(actions, []string{"create", "decide", "start"}) {
					t.Errorf("%d of %d first starts succeeded, gen %d, decision %q, audit %v; want 1, 1, challenge, [create decide start]",
						succeeded, calls, a.Gen, a.Decision, actions)
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
