package main

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/honnin/honnin/e2e/load"
	"github.com/honnin/honnin/issuer/store/pgtest"
)

// preloadStatements restarts the cluster with pg_stat_statements loaded
// and creates the extension in the database at url, so that -pg-stats can
// count every statement the issuer runs (transaction control included:
// track_utility is on by default).
func preloadStatements(ctx context.Context, pg *pgtest.Cluster, url string) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`)
	db.Close()
	if err != nil {
		return fmt.Errorf("pg-stats: %w", err)
	}
	if err := pg.Restart(ctx, nil); err != nil {
		return fmt.Errorf("pg-stats: %w", err)
	}
	if db, err = sql.Open("pgx", url); err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
		return fmt.Errorf("pg-stats: %w", err)
	}
	return nil
}

// pgStats prints, after each level, what PostgreSQL did for it: the
// statements per request (transaction control apart), the transactions
// begun, committed and rolled back per request, its servers' CPU per
// request, and the statements that took the most time.
type pgStats struct {
	db         *sql.DB
	postmaster int
	cpu        time.Duration
	// siread is the most SERIALIZABLE read locks seen at once during the
	// level, by relation and granularity (tuple, page, relation): a lock
	// on a whole relation makes every concurrent write to it a conflict.
	siread   map[string]int
	stopLock chan struct{}
	lockDone chan struct{}
}

func newPGStats(ctx context.Context, url string) (*pgStats, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	var dir string
	if err := db.QueryRowContext(ctx, `SHOW data_directory`).Scan(&dir); err != nil {
		db.Close()
		return nil, fmt.Errorf("pg-stats: %w", err)
	}
	pid, err := readPostmasterPID(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("pg-stats: %w", err)
	}
	return &pgStats{db: db, postmaster: pid}, nil
}

func (s *pgStats) Close() { s.db.Close() }

func (s *pgStats) levelStarts(ctx context.Context, work string, clients int) {
	if _, err := s.db.ExecContext(ctx, `SELECT pg_stat_statements_reset()`); err != nil {
		fmt.Fprintf(os.Stderr, "load: pg-stats: %v\n", err)
	}
	s.cpu = serverCPU(s.postmaster)
	s.siread = map[string]int{}
	s.stopLock, s.lockDone = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.lockDone)
		for {
			s.sampleLocks(ctx)
			select {
			case <-s.stopLock:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
}

// sampleLocks keeps the most SIRead locks seen by relation and kind.
func (s *pgStats) sampleLocks(ctx context.Context) {
	rows, err := s.db.QueryContext(ctx, `SELECT COALESCE(c.relname, '?'), l.locktype, COUNT(*) FROM pg_locks l
LEFT JOIN pg_class c ON c.oid = l.relation WHERE l.mode = 'SIReadLock' GROUP BY 1, 2`)
	if err != nil {
		return
	}
	defer rows.Close()
	for rows.Next() {
		var rel, kind string
		var n int
		if rows.Scan(&rel, &kind, &n) == nil {
			k := rel + " " + kind
			s.siread[k] = max(s.siread[k], n)
		}
	}
}

func (s *pgStats) levelEnded(ctx context.Context, work string, l load.Level) {
	cpu := serverCPU(s.postmaster) - s.cpu
	close(s.stopLock)
	<-s.lockDone
	keys := slices.Sorted(maps.Keys(s.siread))
	var locks []string
	for _, k := range keys {
		locks = append(locks, fmt.Sprintf("%s %d", k, s.siread[k]))
	}
	fmt.Fprintf(os.Stderr, "pg-stats: most SIRead locks at once: %s\n", strings.Join(locks, ", "))
	rows, err := s.db.QueryContext(ctx, `SELECT calls, total_exec_time, rows, query FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC`)
	if err != nil {
		fmt.Fprintf(os.Stderr, "load: pg-stats: %v\n", err)
		return
	}
	defer rows.Close()
	type stmt struct {
		calls, rows int64
		total       float64
		query       string
	}
	var (
		all                      []stmt
		calls, begin, commit, rb int64
		total                    float64
	)
	for rows.Next() {
		var st stmt
		if err := rows.Scan(&st.calls, &st.total, &st.rows, &st.query); err != nil {
			fmt.Fprintf(os.Stderr, "load: pg-stats: %v\n", err)
			return
		}
		q := strings.ToLower(strings.TrimSpace(st.query))
		switch {
		case strings.HasPrefix(q, "begin"):
			begin += st.calls
		case strings.HasPrefix(q, "commit"):
			commit += st.calls
		case strings.HasPrefix(q, "rollback"):
			rb += st.calls
		default:
			calls += st.calls
			total += st.total
			all = append(all, st)
		}
	}
	n := float64(max(l.Requests, 1))
	fmt.Fprintf(os.Stderr, "pg-stats: %s at %d clients, %d requests: per request %.1f statements (%.2f ms executing), %.2f BEGIN, %.2f COMMIT, %.2f ROLLBACK; PostgreSQL CPU %.2f ms\n",
		work, l.Clients, l.Requests, float64(calls)/n, total/n, float64(begin)/n, float64(commit)/n, float64(rb)/n,
		float64(cpu)/n/float64(time.Millisecond))
	for i, st := range all[:min(len(all), 15)] {
		q := strings.Join(strings.Fields(st.query), " ")
		if len(q) > 160 {
			q = q[:160] + "…"
		}
		fmt.Fprintf(os.Stderr, "pg-stats: %2d. %.2f calls/req, %.3f ms mean, %.0f%% of statement time, %.1f rows/call: %s\n",
			i+1, float64(st.calls)/n, st.total/float64(max(st.calls, 1)), 100*st.total/max(total, 1e-9),
			float64(st.rows)/float64(max(st.calls, 1)), q)
	}
}

// readPostmasterPID is the first line of postmaster.pid.
func readPostmasterPID(file string) (int, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strconv.Atoi(strings.TrimSpace(first))
}

// serverCPU is the CPU time of the postmaster and its children (the
// backends and background workers) that are running now.
func serverCPU(postmaster int) time.Duration {
	t, _ := load.CPUTime(postmaster)
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		// After ") ": state ppid ...
		if f := strings.Fields(s[i+1:]); len(f) > 1 && f[1] == strconv.Itoa(postmaster) {
			if c, err := load.CPUTime(pid); err == nil {
				t += c
			}
		}
	}
	return t
}
