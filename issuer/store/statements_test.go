package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	msqlite "modernc.org/sqlite"

	"github.com/honnin/honnin/issuer"
)

// TestStartStatements holds a start's hot path to its budget of
// statements (each one costs the issuer's CPU, and every read statement on
// SQLite a fresh look at pages another connection's write invalidated),
// and checks the trail still says the same facts in the same order.
func TestStartStatements(t *testing.T) {
	ctx := context.Background()
	s, log := openCounted(t)
	f := newFixture(t, s)
	ch := func(at int) Challenge {
		return Challenge{Method: issuer.MethodEmail, Creds: []string{"c1"}, Sent: true,
			Send:     &SendCap{Dest: keyHash("demo@mail.jp"), Kind: issuer.MethodEmail, Window: 24 * 60 * 60e9, Limit: 10},
			Decision: &Decision{Decision: "challenge", Status: "C", Reasons: "[]", Signals: "{}", Facts: "{}", At: t0}}
	}
	// An open challenge of the card, for the start below to supersede.
	open := f.create(t, "C")
	if _, err := s.StartChallengeAfter(ctx, open.ID, 0, ch(0), t0); err != nil {
		t.Fatal(err)
	}
	a := f.create(t, "C")
	if err := s.RecordPreparedSignals(ctx, a.ID, `{"ua":"x"}`, t0); err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		name string
		max  int
		run  func() error
	}{
		{"count start", 1, func() error {
			got, err := s.CountStart(ctx, a.ID, t0, 3, 60e9)
			if err == nil && (got.Authentication.ID != a.ID || got.PreparedSignals != `{"ua":"x"}`) {
				err = fmt.Errorf("counted %s with signals %q", got.Authentication.ID, got.PreparedSignals)
			}
			return err
		}},
		// BEGIN, card seq, the challenge, the send, supersede, the trail, COMMIT.
		{"first challenge", 7, func() error {
			_, err := s.StartChallengeAfter(ctx, a.ID, 0, ch(1), t0)
			return err
		}},
		{"delivered", 1, func() error { return s.RecordDelivery(ctx, a.ID, 1, true, t0) }},
		// The card's devices, its history, and every count and flag.
		{"risk history", 3, func() error {
			_, err := s.RiskHistory(ctx, HistoryQuery{AuthenticationID: a.ID, CardholderID: f.cardholder.ID,
				DeviceHash: []byte{1}, IPNet: "192.0.2.0/24", Currency: "JPY", MerchantID: f.merchant.ID, Now: t0,
				VelocitySince: t0, FailuresSince: t0, TravelSince: t0, UsualSince: t0, MerchantSince: t0, ReportedSince: t0,
				CountCap: 100})
			return err
		}},
	}
	for _, st := range steps {
		log.reset()
		if err := st.run(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := log.statements(); len(got) > st.max {
			t.Errorf("%s ran %d statements, budget %d:\n%s", st.name, len(got), st.max, strings.Join(got, "\n"))
		}
	}

	trail := func(id string) []string {
		entries, err := s.AuditTrail(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			var d map[string]any
			if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
				t.Fatalf("detail of %s: %v", e.Action, err)
			}
			out = append(out, e.Actor+" "+e.Action)
		}
		return out
	}
	if got, want := trail(a.ID), []string{"merchant:1 create", "issuer decide", "edge start", "issuer deliver"}; !slices.Equal(got, want) {
		t.Errorf("trail of the start: %q, want %q", got, want)
	}
	if got, want := trail(open.ID), []string{"merchant:1 create", "issuer decide", "edge start", "issuer superseded"}; !slices.Equal(got, want) {
		t.Errorf("trail of the superseded challenge: %q, want %q", got, want)
	}
}

// openCounted opens a migrated SQLite store whose statements are logged:
// the connections have no direct query path, so database/sql prepares
// every statement it runs, and BEGIN and COMMIT are logged too.
func openCounted(t *testing.T) (*Store, *stmtLog) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "counted.db")
	c, err := msqlite.NewConnector(path + "?_busy_timeout=5000&_foreign_keys=1&_journal_mode=WAL&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	log := &stmtLog{}
	db := sql.OpenDB(countingConnector{c, log})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	s := &Store{db: db, d: sqlite}
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, log
}

type stmtLog struct {
	mu  sync.Mutex
	ran []string
}

func (l *stmtLog) add(q string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ran = append(l.ran, strings.Join(strings.Fields(q), " "))
}

func (l *stmtLog) reset() { l.mu.Lock(); l.ran = nil; l.mu.Unlock() }

func (l *stmtLog) statements() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.ran)
}

type countingConnector struct {
	driver.Connector
	log *stmtLog
}

func (k countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := k.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return countingConn{c, k.log}, nil
}

type countingConn struct {
	driver.Conn
	log *stmtLog
}

func (c countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	c.log.add(q)
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.log.add("BEGIN")
	tx, err := c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return countingTx{tx, c.log}, nil
}

func (c countingConn) CheckNamedValue(v *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(v)
	}
	return driver.ErrSkip
}

type countingTx struct {
	driver.Tx
	log *stmtLog
}

func (t countingTx) Commit() error { t.log.add("COMMIT"); return t.Tx.Commit() }

func (t countingTx) Rollback() error { t.log.add("ROLLBACK"); return t.Tx.Rollback() }
