package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// ErrNotInstalled means no PostgreSQL binaries were found.
var ErrNotInstalled = errors.New("pgtest: PostgreSQL binaries (initdb, postgres) not found; set HONNIN_PG_BIN or install postgresql")

// superuser is the cluster's superuser; with trust authentication on a
// private socket it needs no password.
const superuser = "honnin"

// port only names the socket file (.s.PGSQL.<port>) in the cluster's own
// folder: there is no TCP listener, so it cannot clash with anything.
const port = 5432

// Cluster is a running throwaway PostgreSQL cluster.
type Cluster struct {
	dir   string // temporary folder: data/, the socket, postgres.log
	bin   string
	cred  *syscall.Credential
	cmd   *exec.Cmd
	done  chan struct{} // closed when postgres exits
	admin *sql.DB       // the "postgres" database, for CREATE DATABASE
	n     atomic.Int64  // databases created
}

// Start initialises a cluster in a new temporary folder and starts it,
// returning once it accepts connections. Stop it with Stop.
func Start(ctx context.Context) (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	sweep()
	dir, err := os.MkdirTemp(memDir(), dirPrefix)
	if err != nil {
		dir, err = os.MkdirTemp("", dirPrefix)
	}
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &Cluster{dir: dir, bin: bin, cred: cred}
	if err := c.start(ctx, bin, cred); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context, bin string, cred *syscall.Credential) error {
	if cred != nil {
		if err := os.Chown(c.dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("pgtest: hand the cluster folder to uid %d: %w", cred.Uid, err)
		}
	}
	data := filepath.Join(c.dir, "data")
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", superuser,
		"-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = sysProcAttr(cred)
	initdb.Dir = c.dir
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	return c.launch(ctx, bin, cred)
}

// launch runs postgres on the cluster's data folder and waits until it
// accepts connections.
func (c *Cluster) launch(ctx context.Context, bin string, cred *syscall.Credential) error {
	data := filepath.Join(c.dir, "data")
	c.done = make(chan struct{})
	logf, err := os.OpenFile(filepath.Join(c.dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logf.Close()
	// Durability off: the data is thrown away with the cluster. Small
	// buffers: the databases are tiny, and several test binaries may each
	// run a cluster at once.
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", c.dir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "shared_buffers=16MB")
	c.cmd.SysProcAttr = sysProcAttr(cred)
	c.cmd.Dir = c.dir
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	if err := c.cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	done := c.done
	go func() { c.cmd.Wait(); close(done) }()

	if c.admin == nil {
		c.admin, err = sql.Open("pgx", c.url("postgres"))
		if err != nil {
			return fmt.Errorf("pgtest: %w", err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := c.admin.PingContext(ctx)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: postgres not ready after 30 s: %w\n%s", err, c.log())
		}
		select {
		case <-c.done:
			return fmt.Errorf("pgtest: postgres exited: %v\n%s", c.cmd.ProcessState, c.log())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// url is the connection URL of database name: the unix socket in the
// cluster folder, as the superuser.
func (c *Cluster) url(name string) string {
	return fmt.Sprintf("postgres:///%s?host=%s&port=%d&user=%s&sslmode=disable", name, c.dir, port, superuser)
}

// log returns the server's log, for errors.
func (c *Cluster) log() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
	return string(b)
}

// NewDatabase creates a database and returns its URL
// (postgres:///t_N?host=...), for the store's Open. It is empty, or, when
// template is not "", a copy of the database at that URL (made by
// NewDatabase; nothing may be connected to it).
func (c *Cluster) NewDatabase(ctx context.Context, template string) (string, error) {
	name := fmt.Sprintf("t_%d", c.n.Add(1))
	from := "template0"
	if template != "" {
		var ok bool
		if from, ok = databaseName(template); !ok {
			return "", fmt.Errorf("pgtest: create database %s: template %q is not one of this cluster's", name, template)
		}
	}
	if _, err := c.admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+from); err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	return c.url(name), nil
}

// DropDatabase drops the database at url (made by NewDatabase),
// disconnecting whoever is still connected.
func (c *Cluster) DropDatabase(ctx context.Context, url string) error {
	name, ok := databaseName(url)
	if !ok {
		return fmt.Errorf("pgtest: drop database: %q is not one of this cluster's", url)
	}
	if _, err := c.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("pgtest: drop database %s: %w", name, err)
	}
	return nil
}

// databaseName extracts t_N from a URL made by url.
func databaseName(url string) (string, bool) {
	var n int
	if _, err := fmt.Sscanf(url, "postgres:///t_%d?", &n); err != nil {
		return "", false
	}
	return "t_" + strconv.Itoa(n), true
}

// Restart stops the server (fast shutdown: every connection is ended, as
// an operator's restart or a failover does) and starts it again on the
// same data, returning once it accepts connections: for the tests that
// show a process rides out its database's restart. down runs while the
// server is stopped (nil: nothing), so a test can act in the outage.
func (c *Cluster) Restart(ctx context.Context, down func()) error {
	if c.cmd == nil || c.cmd.Process == nil {
		return errors.New("pgtest: restart: the server is not running")
	}
	c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
	case <-time.After(15 * time.Second):
		return errors.New("pgtest: restart: postgres did not stop within 15 s")
	}
	if down != nil {
		down()
	}
	return c.launch(ctx, c.bin, c.cred)
}

// Stop shuts the server down (fast shutdown: connections are ended) and
// removes the cluster's folder.
func (c *Cluster) Stop() error {
	if c.admin != nil {
		c.admin.Close()
	}
	var err error
	if c.cmd != nil && c.cmd.Process != nil {
		c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.done:
		case <-time.After(15 * time.Second):
			c.cmd.Process.Kill()
			<-c.done
			err = fmt.Errorf("pgtest: postgres did not stop within 15 s; killed")
		}
	}
	if rmErr := os.RemoveAll(c.dir); rmErr != nil && err == nil {
		err = fmt.Errorf("pgtest: %w", rmErr)
	}
	return err
}

// dirPrefix starts the name of every cluster folder in the temporary folder.
const dirPrefix = "honnin-pg-"

// shm is the memory file system Linux mounts for everyone.
const shm = "/dev/shm"

// memDir returns shm when a cluster's folder may go there, else "" (the
// temporary folder). On a disk, creating a database (template0's 7 MB
// written, then removed when its test ends) took 30 to 300 ms, and initdb
// seconds, on a busy 2-core machine; in memory 6 to 10 ms, and initdb well
// under one. Docker gives a container a 64 MB /dev/shm, which a cluster
// would fill, so it is used only with 1 GiB free.
func memDir() string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(shm, &st); err != nil || uint64(st.Bavail)*uint64(st.Bsize) < 1<<30 {
		return ""
	}
	return shm
}

// sweep removes the folders of clusters whose test binary was killed
// before it could stop them (postgres itself dies with it): no live
// postmaster, and untouched for long enough that no initdb is at work in
// it. Errors are ignored; the sweep is housekeeping.
func sweep() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	if memDir() != "" {
		more, _ := filepath.Glob(filepath.Join(shm, dirPrefix+"*"))
		dirs = append(dirs, more...)
	}
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil || time.Since(fi.ModTime()) < 10*time.Minute {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
			pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
			if pid > 0 && syscall.Kill(pid, 0) != syscall.ESRCH {
				continue // alive, or not ours to judge
			}
		}
		os.RemoveAll(dir)
	}
}

// binDir finds the folder holding initdb and postgres.
func binDir() (string, error) {
	has := func(dir string) bool {
		for _, name := range []string{"initdb", "postgres"} {
			if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv("HONNIN_PG_BIN"); dir != "" {
		if !has(dir) {
			return "", fmt.Errorf("HONNIN_PG_BIN=%s: %w", dir, ErrNotInstalled)
		}
		return dir, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, dir := range dirs {
		if has(dir) {
			return dir, nil
		}
	}
	return "", ErrNotInstalled
}

// version is the major version in /usr/lib/postgresql/<v>/bin, 0 if none.
func version(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

// runAs returns the credentials to run initdb and postgres with: nil when
// not root, else those of the first of HONNIN_PG_USER, honnin-test and
// nobody that exists.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	names := []string{"honnin-test", "nobody"}
	if name := os.Getenv("HONNIN_PG_USER"); name != "" {
		names = []string{name}
	}
	for _, name := range names {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
	}
	return nil, fmt.Errorf("pgtest: running as root and none of the users %v exists to run postgres as", names)
}
