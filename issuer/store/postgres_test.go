package store

import (
	"slices"
	"sync"
	"testing"

	"github.com/honnin/honnin/issuer/store/pgtest"
)

func TestRebindDollar(t *testing.T) {
	tests := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT * FROM t WHERE a = ? AND b = ?`, `SELECT * FROM t WHERE a = $1 AND b = $2`},
		{`INSERT INTO t VALUES (?, ?, ?)`, `INSERT INTO t VALUES ($1, $2, $3)`},
		// A ? inside a string, a quoted identifier or a comment is text.
		{`SELECT '?', ? FROM t`, `SELECT '?', $1 FROM t`},
		{`SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{`SELECT "odd?name" FROM t WHERE x = ?`, `SELECT "odd?name" FROM t WHERE x = $1`},
		{"SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"},
		{`SELECT a - ? FROM t`, `SELECT a - $1 FROM t`},
		// Unterminated quotes and comments are copied as they are; the
		// server reports them.
		{`SELECT '? `, `SELECT '? `},
		{`SELECT ? -- ?`, `SELECT $1 -- ?`},
		{`detail ->> 'cred' = ?`, `detail ->> 'cred' = $1`},
	}
	for _, tt := range tests {
		if got := rebindDollar(tt.in); got != tt.want {
			t.Errorf("rebindDollar(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestMigrationTwins: every engine has the same migrations, by number and
// name, so a schema change made for one engine cannot be forgotten for the
// other. A new SQLite migration fails this test until its PostgreSQL twin
// (migrations/postgres/, same file name) exists.
func TestMigrationTwins(t *testing.T) {
	names := func(d dialect) []string {
		list, err := d.migrationList()
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		var out []string
		for _, m := range list {
			out = append(out, m.name)
		}
		return out
	}
	lite, pq := names(sqlite), names(postgres)
	for _, n := range lite {
		if !slices.Contains(pq, n) {
			t.Errorf("migrations/sqlite/%s has no PostgreSQL twin migrations/postgres/%s", n, n)
		}
	}
	for _, n := range pq {
		if !slices.Contains(lite, n) {
			t.Errorf("migrations/postgres/%s has no SQLite twin migrations/sqlite/%s", n, n)
		}
	}
}

// Connection errors name the database but never its password.
func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://honnin:s3cret@db:5432/issuer", "postgres://honnin:xxxxx@db:5432/issuer"},
		{"postgresql://honnin@db/issuer", "postgresql://honnin@db/issuer"},
		{"postgres:///issuer?host=/run/pg", "postgres:///issuer?host=/run/pg"},
		{"postgres://db/issuer?password=s3cret&user=honnin", "postgres://db/issuer?password=xxxxx&user=honnin"},
		{"postgres://honnin:s3cret@[::1/issuer", "(unparsable URL)"},
		{".dev/issuer.db", ".dev/issuer.db"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestPostgresPoolKeepsConnections: after a burst of concurrent queries the
// pool keeps its connections idle for the next burst instead of closing all
// but two (which opened a new connection per request under load), and never
// holds more than pgMaxConns.
func TestPostgresPoolKeepsConnections(t *testing.T) {
	pg.ForEachEngine(t, func(t *testing.T, e pgtest.Engine) {
		s := openTest(t, pgtest.Migrated(t, e, Open))
		if s.d.name != postgres.name {
			t.Skip("SQLite: one file, no pool to tune")
		}
		var wg sync.WaitGroup
		for range 2 * pgMaxConns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.db.ExecContext(t.Context(), `SELECT pg_sleep(0.05)`); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		st := s.db.Stats()
		if st.MaxOpenConnections != pgMaxConns || st.OpenConnections > pgMaxConns {
			t.Errorf("pool %+v: want at most %d open", st, pgMaxConns)
		}
		if st.Idle < pgMaxConns/2 || st.MaxIdleClosed != 0 {
			t.Errorf("after the burst: %d idle, %d closed for the idle limit; want the burst's connections kept", st.Idle, st.MaxIdleClosed)
		}
	})
}
