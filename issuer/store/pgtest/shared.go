package pgtest

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
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
}

// Database returns the URL of a new, empty database for t, dropped when t
// ends. Without PostgreSQL binaries t is skipped, or fails when CI=true;
// any other failure to start the cluster fails t.
func (s *Shared) Database(t testing.TB) string {
	t.Helper()
	s.once.Do(func() { s.c, s.err = Start(context.Background()) })
	if errors.Is(s.err, ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skip(s.err)
	}
	if s.err != nil {
		t.Fatal(s.err)
	}
	url, err := s.c.NewDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.c.DropDatabase(context.Background(), url); err != nil {
			t.Error(err)
		}
	})
	return url
}

// Stop stops the cluster if it was started. It is safe to call when it
// was not, and more than once.
func (s *Shared) Stop() {
	s.once.Do(func() { s.err = errors.New("pgtest: stopped") })
	if s.c != nil {
		if err := s.c.Stop(); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
		}
		s.c = nil
	}
}
