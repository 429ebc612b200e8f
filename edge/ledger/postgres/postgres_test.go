package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/ledger/ledgertest"
	"github.com/honnin/honnin/edge/ledger/sqlite"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer/store/pgtest"
)

// pg is the throwaway cluster (issuer/store/pgtest: without PostgreSQL the
// tests skip, and fail when CI=true).
var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	pg.Stop()
	os.Exit(code)
}

func open(t testing.TB, url string) *Ledger {
	t.Helper()
	l, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// TestLedger runs the ledger's behaviour (edge/ledger/ledgertest) on
// PostgreSQL: the same rules, rewritten.
func TestLedger(t *testing.T) {
	ledgertest.Run(t, func(t testing.TB) *ledgertest.Ledger {
		l := open(t, pg.Database(t))
		return ledgertest.New(l.SQL, l.DB())
	})
}

// TestTwoEdgesOneCredential: two edges (two pools on one database) count
// wrong codes for one credential at once, over many authentications:
// together they count exactly limits.FailuresPerCredential, never more,
// and each authentication at most its own limit.
func TestTwoEdgesOneCredential(t *testing.T) {
	url := pg.Database(t)
	edges := []*Ledger{open(t, url), open(t, url)}
	const auths, tries = 12, limits.AttemptsPerAuthentication
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		counted int
		perAuth = map[string]int{}
	)
	start := make(chan struct{})
	for a := range auths {
		for i := range tries * 2 {
			l := edges[i%2]
			auth := fmt.Sprint("auth", a)
			wg.Go(func() {
				<-start
				_, err := ledgertest.Count(l.SQL, ledgertest.Challenge(auth, "cred-a"), tries)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					counted++
					perAuth[auth]++
				case errors.Is(err, ledger.ErrCredentialLocked), errors.Is(err, ledger.ErrAttempts):
				default:
					t.Error(err)
				}
			})
		}
	}
	close(start)
	wg.Wait()
	c, err := edges[0].Credential(context.Background(), "cred-a")
	if err != nil {
		t.Fatal(err)
	}
	if c.Failures != limits.FailuresPerCredential || counted != limits.FailuresPerCredential {
		t.Errorf("credential failures %d (counted %d tries); want exactly %d", c.Failures, counted, limits.FailuresPerCredential)
	}
	for a, n := range perAuth {
		if n > tries {
			t.Errorf("%s counted %d tries, limit %d", a, n, tries)
		}
	}
}

// TestOneAuthenticationTwoEdges: one authentication's wrong codes sent
// alternately to two edges at once are counted up to its limit, not
// twice its limit, each count handed out once.
func TestOneAuthenticationTwoEdges(t *testing.T) {
	url := pg.Database(t)
	edges := []*Ledger{open(t, url), open(t, url)}
	const max, workers = 5, 20
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[int]bool{}
	)
	start := make(chan struct{})
	for i := range workers {
		l := edges[i%2]
		wg.Go(func() {
			<-start
			tr, err := ledgertest.Count(l.SQL, ledgertest.Challenge("auth1", "cred-a", "cred-b"), max)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ledger.ErrAttempts):
			case err != nil:
				t.Error(err)
			case seen[tr.Used]:
				t.Errorf("count %d handed out twice", tr.Used)
			default:
				seen[tr.Used] = true
			}
		})
	}
	close(start)
	wg.Wait()
	if len(seen) != max {
		t.Errorf("counted %d tries, want %d", len(seen), max)
	}
	if e, _ := edges[1].Lookup(context.Background(), "auth1"); e.Attempts != max {
		t.Errorf("stored attempts %d, want %d", e.Attempts, max)
	}
}

// TestSchemaMatchesSQLite: the PostgreSQL migration builds the tables and
// columns edge/migrations builds on SQLite (and D1), so a statement that
// runs on one finds what it names on the other.
func TestSchemaMatchesSQLite(t *testing.T) {
	ctx := context.Background()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "edge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	want, err := q2rows(ctx, `SELECT m.name || '.' || p.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p
		WHERE m.type = 'table' AND m.name LIKE 'edge%'`, lite, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := q2rows(ctx, raw+`SELECT table_name || '.' || column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name LIKE 'edge%' AND table_name <> 'edge_schema_migrations'`, nil, open(t, pg.Database(t)))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(want)
	sort.Strings(got)
	if w, g := strings.Join(want, " "), strings.Join(got, " "); w != g || len(want) < 15 {
		t.Errorf("PostgreSQL columns:\n%s\nSQLite columns:\n%s", g, w)
	}
}

// q2rows runs q on lite if given, else on p, and returns its one text
// column.
func q2rows(ctx context.Context, q string, lite *sqlite.Ledger, p *Ledger) ([]string, error) {
	var db *sql.DB
	if lite != nil {
		db = lite.DB()
	} else {
		db = p.DB()
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// TestMigrateTwice: a second edge opening a migrated database (or two at
// once) changes nothing and fails nothing.
func TestMigrateTwice(t *testing.T) {
	url := pg.Database(t)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			l, err := Open(context.Background(), url)
			if err != nil {
				t.Error(err)
				return
			}
			l.Close()
		})
	}
	wg.Wait()
	l := open(t, url)
	var n int
	if err := l.DB().QueryRow(`SELECT COUNT(*) FROM edge_schema_migrations`).Scan(&n); err != nil || n != 1 {
		t.Errorf("migrations recorded: %d, %v; want 1", n, err)
	}
}
