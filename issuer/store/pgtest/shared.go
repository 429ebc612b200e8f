package pgtest

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/honnin/honnin/edge/testenv"
)

// Shared is a cluster started the first time a test asks for a database,
// and shared by all the tests of the binary: a package's tests that never
// touch PostgreSQL (or a -run that selects none) start nothing. Declare one
// per test package and stop it in TestMain:
//
//	var pg pgtest.Shared
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		pg.Stop()
//		os.Exit(code)
//	}
type Shared struct {
	once sync.Once
	c    *Cluster
	err  error

	mu        sync.Mutex
	templates map[string]*template
	copying   sync.WaitGroup // copies being made ahead
	// sqliteDir holds the prepared SQLite files (by name, in sqlite) that
	// Migrated copies; "" until the first.
	sqliteDir string
	sqlite    map[string]string
}

// template is a prepared database and the next copy of it, made while
// the test that took the previous one runs.
type template struct {
	url  string
	next chan string // holds at most one ready copy
}

// cluster returns the started cluster, skipping or failing t when there
// is none.
func (s *Shared) cluster(t testing.TB) *Cluster {
	t.Helper()
	s.once.Do(func() { s.c, s.err = Start(context.Background()) })
	if errors.Is(s.err, ErrNotInstalled) {
		testenv.Need(t, "PostgreSQL", s.err)
	}
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.c
}

// Database returns the URL of a new, empty database for t, dropped when t
// ends. Without PostgreSQL binaries t is skipped, or fails when CI=true;
// any other failure to start the cluster fails t.
func (s *Shared) Database(t testing.TB) string {
	t.Helper()
	return s.newDatabase(t, s.cluster(t), "")
}

// Prepared is Database for a database in the state prepare puts an empty
// one in (migrated, seeded): prepare runs once per name, on the first
// call, and every call gets a copy, which is quicker than preparing each.
// prepare must close its connections before returning.
func (s *Shared) Prepared(t testing.TB, name string, prepare func(url string) error) string {
	t.Helper()
	c := s.cluster(t)
	s.mu.Lock()
	tpl, ok := s.templates[name]
	if !ok {
		url, err := c.NewDatabase(context.Background(), "")
		if err == nil {
			err = prepare(url)
		}
		if err != nil {
			s.mu.Unlock()
			t.Fatalf("pgtest: prepare %s: %v", name, err)
		}
		if s.templates == nil {
			s.templates = map[string]*template{}
		}
		tpl = &template{url: url, next: make(chan string, 1)}
		s.templates[name] = tpl
	}
	s.mu.Unlock()
	var url string
	select {
	case url = <-tpl.next:
	default:
		var err error
		if url, err = c.NewDatabase(context.Background(), tpl.url); err != nil {
			t.Fatal(err)
		}
	}
	// Copy the next one now, while t runs.
	s.copying.Go(func() {
		if next, err := c.NewDatabase(context.Background(), tpl.url); err == nil {
			select {
			case tpl.next <- next:
			default: // one is ready already; the cluster's end takes this one
			}
		}
	})
	s.dropAtEnd(t, c, url)
	return url
}

func (s *Shared) newDatabase(t testing.TB, c *Cluster, template string) string {
	t.Helper()
	url, err := c.NewDatabase(context.Background(), template)
	if err != nil {
		t.Fatal(err)
	}
	s.dropAtEnd(t, c, url)
	return url
}

// dropAtEnd drops the database at url when t ends.
func (s *Shared) dropAtEnd(t testing.TB, c *Cluster, url string) {
	t.Cleanup(func() {
		if err := c.DropDatabase(context.Background(), url); err != nil {
			t.Error(err)
		}
	})
}

// Stop stops the cluster if it was started. It is safe to call when it
// was not, and more than once.
func (s *Shared) Stop() {
	s.once.Do(func() { s.err = errors.New("pgtest: stopped") })
	if s.c != nil {
		s.copying.Wait()
		if err := s.c.Stop(); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
		}
		s.c = nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sqliteDir != "" {
		os.RemoveAll(s.sqliteDir)
		s.sqliteDir, s.sqlite = "", nil
	}
}

// Restart restarts the shared cluster (Cluster.Restart), running down
// while it is stopped; it fails t if the cluster does not come back.
func (s *Shared) Restart(t testing.TB, down func()) {
	t.Helper()
	if err := s.cluster(t).Restart(context.Background(), down); err != nil {
		t.Fatal(err)
	}
}
