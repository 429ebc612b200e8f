package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
)

// TestOnRetry: each run of a transaction after a conflict is counted
// through OnRetry, a first run and a failure that is not a conflict are
// not, and a transaction that still conflicts after maxTxRuns gives up.
func TestOnRetry(t *testing.T) {
	errConflict := errors.New("conflict")
	errOther := errors.New("other")
	for _, tt := range []struct {
		name        string
		fails       []error // what each run returns, nil after the list
		wantRetries int
		wantErr     error
	}{
		{"first run commits", nil, 0, nil},
		{"two conflicts then commits", []error{errConflict, errConflict}, 2, nil},
		{"another error is not run again", []error{errOther, errConflict}, 0, errOther},
		{"gives up after maxTxRuns", func() []error {
			e := make([]error, maxTxRuns+5)
			for i := range e {
				e[i] = errConflict
			}
			return e
		}(), maxTxRuns - 1, errConflict},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, filepath.Join(t.TempDir(), "issuer.db"))
			// The SQLite store with PostgreSQL's rule: errConflict is a
			// conflict, run again.
			s.d.retryable = func(err error) bool { return errors.Is(err, errConflict) }
			retries := 0
			s.OnRetry(func() { retries++ })
			runs := 0
			err := s.tx(context.Background(), func(*sql.Tx) error {
				runs++
				if runs <= len(tt.fails) {
					return tt.fails[runs-1]
				}
				return nil
			})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("tx = %v, want %v", err, tt.wantErr)
			}
			if retries != tt.wantRetries {
				t.Errorf("OnRetry called %d times, want %d (runs %d)", retries, tt.wantRetries, runs)
			}
		})
	}
}
