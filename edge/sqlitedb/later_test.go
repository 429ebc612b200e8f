package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
)

// laterKinds are the three ways a write ends (writeKinds), under ctx.
var laterKinds = []struct {
	name  string
	write func(ctx context.Context, db *sql.DB) error
}{
	{"transaction", func(ctx context.Context, db *sql.DB) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE n SET v = v + 1 WHERE id = 1`); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}},
	{"statement", func(ctx context.Context, db *sql.DB) error {
		_, err := db.ExecContext(ctx, `UPDATE n SET v = v + 1 WHERE id = 1`)
		return err
	}},
	{"returning", func(ctx context.Context, db *sql.DB) error {
		var v int
		return db.QueryRowContext(ctx, `UPDATE n SET v = v + 1 WHERE id = 1 RETURNING v`).Scan(&v)
	}},
}

// TestSyncLater: under SyncLater the writes return with their sync not
// run (here it would fail), and Wait runs one sync for all of them and
// returns its outcome; a write outside the context still waits for its
// own.
func TestSyncLater(t *testing.T) {
	var syncs atomic.Int64
	var fail atomic.Bool
	db := openGrouped(t, func() error {
		syncs.Add(1)
		if fail.Load() {
			return errors.New("EIO")
		}
		return nil
	})
	for _, wantErr := range []bool{false, true} {
		ctx, later := SyncLater(context.Background())
		fail.Store(true) // a write that synced would fail
		before := syncs.Load()
		for _, k := range laterKinds {
			if err := k.write(ctx, db); err != nil {
				t.Fatalf("%s under SyncLater: %v (it synced)", k.name, err)
			}
		}
		if n := syncs.Load() - before; n != 0 {
			t.Fatalf("%d syncs ran before Wait", n)
		}
		fail.Store(wantErr)
		err := later.Wait()
		switch {
		case wantErr && (err == nil || !strings.Contains(err.Error(), "group sync: EIO")):
			t.Errorf("Wait with a failing sync: %v, want its error", err)
		case !wantErr && err != nil:
			t.Errorf("Wait: %v", err)
		}
		if n := syncs.Load() - before; n != 1 {
			t.Errorf("Wait ran %d syncs for %d writes, want 1", n, len(laterKinds))
		}
	}
	fail.Store(true)
	if err := laterKinds[0].write(context.Background(), db); err == nil {
		t.Error("a write outside SyncLater returned without its sync")
	}
	fail.Store(false)
	var v int
	if err := db.QueryRow(`SELECT v FROM n WHERE id = 1`).Scan(&v); err != nil || v != 2*len(laterKinds)+1 {
		t.Errorf("v = %d (%v), want %d: every write kept", v, err, 2*len(laterKinds)+1)
	}

	// Synced under the Later's context is its Wait: one sync for the writes
	// so far; under any other context it has nothing to do.
	ctx, _ := SyncLater(context.Background())
	if err := laterKinds[1].write(ctx, db); err != nil {
		t.Fatal(err)
	}
	before := syncs.Load()
	if err := Synced(ctx); err != nil || syncs.Load() != before+1 {
		t.Errorf("Synced: %v after %d syncs, want nil after 1", err, syncs.Load()-before)
	}
	if err := Synced(context.Background()); err != nil || syncs.Load() != before+1 {
		t.Errorf("Synced outside SyncLater: %v after %d syncs, want nil and none", err, syncs.Load()-before-1)
	}
	// Nothing to wait for: no writes, or none since the last Wait.
	_, later := SyncLater(context.Background())
	if err := later.Wait(); err != nil {
		t.Errorf("Wait with no writes: %v", err)
	}
}
