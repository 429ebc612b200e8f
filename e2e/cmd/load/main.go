// Command load is make bench's load benchmark (e2e/bench-load.sh): it
// starts the native stack (e2e/stack) on SQLite and on a throwaway
// PostgreSQL cluster in turn, enrols cards, runs e2e/load's work kinds at
// each level and prints the Markdown section for e2e/BENCHMARKS.md on
// stdout; progress goes to stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/honnin/honnin/e2e/load"
	"github.com/honnin/honnin/e2e/stack"
	"github.com/honnin/honnin/issuer/demo"
	"github.com/honnin/honnin/issuer/store/pgtest"
)

// basePorts are the e2e suite's (e2e/main_test.go), moved by -port-offset.
var basePorts = stack.Ports{Shop: 18080, Issuer: 18081, Edge: 18787, SMTP: 11025, Inbox: 18025,
	ACS: 18443, DS: 19443, Requestor: 18088}

type config struct {
	bin, dist, risk string
	dbs             []string
	offset          int
	duration        time.Duration
	levels          []int
	cards           int
	logFile         string
	profileDir      string
	profileWork     string
	profileClients  int
	works           []string
	queueEvery      time.Duration
	drainWait       time.Duration
	pgStats         bool
}

func main() {
	var c config
	var dbs, levels string
	flag.StringVar(&c.bin, "bin", "bin", "folder with the built programs (make build)")
	flag.StringVar(&c.dist, "dist", "web/dist", "built wasm client")
	flag.StringVar(&c.risk, "risk-config", "e2e/testdata/risk-load.json", "the issuer's risk configuration")
	flag.StringVar(&dbs, "db", "sqlite,postgres", "databases to run on, in order: sqlite, postgres")
	flag.IntVar(&c.offset, "port-offset", envInt("HONNIN_E2E_PORT_OFFSET", 3500), "moves the stack's ports off the e2e suite's (env HONNIN_E2E_PORT_OFFSET)")
	flag.DurationVar(&c.duration, "duration", 8*time.Second, "time per level")
	flag.StringVar(&levels, "levels", "1,4,16,64", "concurrent clients per level")
	flag.IntVar(&c.cards, "cards", 1500, "cards to enrol; each verify level opens one challenge per card")
	flag.StringVar(&c.logFile, "log", "", "file for the processes' output (default: none)")
	flag.StringVar(&c.profileDir, "profile-dir", "", "take CPU profiles of the issuer and the native edge (their admin listeners' pprof) during one level into this folder")
	flag.StringVar(&c.profileWork, "profile-work", load.WorkCreateStart, "the work kind to profile")
	flag.IntVar(&c.profileClients, "profile-clients", 16, "the level to profile")
	var works string
	flag.StringVar(&works, "work", "create,create+start,verify", "work kinds to run: create, create+start, verify (wrong and right codes)")
	flag.DurationVar(&c.queueEvery, "queue-every", 250*time.Millisecond, "time between reads of the edge's report queue (its admin /metrics) during and after a verify level")
	flag.DurationVar(&c.drainWait, "drain-wait", 30*time.Second, "longest wait after a verify level for the edge's report queue to empty")
	flag.BoolVar(&c.pgStats, "pg-stats", false, "on PostgreSQL, print each level's transactions, rollbacks and busiest statements (pg_stat_database, pg_stat_statements when preloaded) to stderr")
	flag.Parse()
	for _, w := range strings.Split(works, ",") {
		kind, ok := workKinds[w]
		if !ok {
			fmt.Fprintf(os.Stderr, "load: -work: %q is not create, create+start or verify\n", w)
			os.Exit(2)
		}
		c.works = append(c.works, kind)
	}
	c.dbs = strings.Split(dbs, ",")
	for _, f := range strings.Split(levels, ",") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "load: -levels: %q is not a number of clients\n", f)
			os.Exit(2)
		}
		c.levels = append(c.levels, n)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// workKinds are -work's names of the work kinds.
var workKinds = map[string]string{"create": load.WorkCreate, "create+start": load.WorkCreateStart, "verify": load.WorkVerify}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

func run(ctx context.Context, c config) error {
	var err error
	if c.bin, err = filepath.Abs(c.bin); err != nil {
		return err
	}
	if c.dist, err = filepath.Abs(c.dist); err != nil {
		return err
	}
	if c.risk, err = filepath.Abs(c.risk); err != nil {
		return err
	}
	logw := io.Discard
	if c.logFile != "" {
		f, err := os.Create(c.logFile)
		if err != nil {
			return err
		}
		defer f.Close()
		logw = f
	}
	var dbs []load.Database
	for _, db := range c.dbs {
		rows, err := runOn(ctx, c, db, logw)
		if err != nil {
			return fmt.Errorf("load on %s: %w", db, err)
		}
		dbs = append(dbs, load.Database{Name: map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[db], Rows: rows})
	}
	return load.WriteSection(os.Stdout, time.Now(), load.ThisMachine(), c.duration, c.queueEvery, c.cards, dbs)
}

// adminPort is the issuer's admin listener (pprof), beside its ports.
func adminPort(p stack.Ports) int { return p.Issuer + 10 }

// edgeAdminPort is the native edge's admin listener (its /metrics, for
// the report queue), beside its ports.
func edgeAdminPort(p stack.Ports) int { return p.Edge + 10 }

// runOn starts a stack on db and measures it.
func runOn(ctx context.Context, c config, db string, logw io.Writer) ([]load.Row, error) {
	state, err := os.MkdirTemp("", "honnin-load-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(state)
	ports := basePorts.Shift(c.offset)
	cfg := stack.Config{Bin: c.bin, Dist: c.dist, State: state, Ports: ports, Edge: "native", Log: logw,
		RiskConfig: c.risk,
		// Every card gets a code per level and more in the create +
		// start rows: the demo's cap of 500 a day per address is no
		// part of what is measured.
		SendCap: 1_000_000}
	switch db {
	case "sqlite":
	case "postgres":
		pg, err := pgtest.Start(ctx)
		if err != nil {
			return nil, err
		}
		defer pg.Stop()
		if cfg.IssuerDB, err = pg.NewDatabase(ctx, ""); err != nil {
			return nil, err
		}
		if c.pgStats {
			if err := preloadStatements(ctx, pg, cfg.IssuerDB); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("-db %q: want sqlite or postgres", db)
	}
	if c.profileDir != "" {
		// The stack's issuer inherits the environment: its admin listener,
		// with pprof, for the profile.
		os.Setenv("HONNIN_ADMIN_ADDR", fmt.Sprintf("127.0.0.1:%d", adminPort(ports)))
		os.Setenv("HONNIN_PPROF", "true")
		os.Setenv("HONNIN_EDGE_PPROF", "true")
	}
	// The native edge's admin listener (inherited environment, as the
	// issuer's above): its /metrics gives the report queue.
	os.Setenv("HONNIN_EDGE_ADMIN_ADDR", fmt.Sprintf("127.0.0.1:%d", edgeAdminPort(ports)))
	fmt.Fprintf(os.Stderr, "load: starting the stack on %s\n", db)
	s, err := stack.Start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer s.Stop()

	cards, err := load.NewCards(c.cards)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	if err := load.Enrol(ctx, cards, func(ctx context.Context, card load.Card) error {
		_, err := s.Operator(ctx, "cardholder", "add", "-card", card.Number, "-email", card.Email,
			"-method", "email", "-locale", "en", "-message", "Load card")
		return err
	}); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "load: enrolled %d cards in %s\n", len(cards), time.Since(t0).Round(time.Millisecond))

	client, err := load.NewClient(load.Target{IssuerURL: s.IssuerURL, EdgeURL: s.EdgeURL, InboxURL: s.InboxURL,
		APIKey: s.APIKey, MerchantName: demo.MerchantName, MerchantOrigin: s.ShopURL}, slices.Max(c.levels))
	if err != nil {
		return nil, err
	}
	defer client.Close()
	procs := map[string]int{}
	for _, p := range load.Processes {
		if pid := s.PID(p); pid != 0 {
			procs[p] = pid
		}
	}
	queue, err := load.NewQueueWatch(fmt.Sprintf("http://127.0.0.1:%d/metrics", edgeAdminPort(ports)), c.queueEvery, c.drainWait)
	if err != nil {
		return nil, err
	}
	if _, err := queue.Read(ctx); err != nil {
		return nil, fmt.Errorf("the edge's report queue: %w", err)
	}
	b := &load.Bench{Client: client, Procs: procs, Cards: cards, Levels: c.levels, Duration: c.duration, Log: os.Stderr,
		Works: c.works, Queue: queue}
	if c.pgStats && db == "postgres" {
		st, err := newPGStats(ctx, cfg.IssuerDB)
		if err != nil {
			return nil, err
		}
		defer st.Close()
		b.BeforeLevel, b.AfterLevel = st.levelStarts, st.levelEnded
	}
	if c.profileDir != "" {
		b.OnLevel = func(ctx context.Context, work string, clients int) {
			if work != c.profileWork || clients != c.profileClients {
				return
			}
			// Both at once, over the same second of the level.
			var wg sync.WaitGroup
			for proc, port := range map[string]int{"issuer": adminPort(ports), "edge": edgeAdminPort(ports)} {
				wg.Go(func() {
					file := filepath.Join(c.profileDir, fmt.Sprintf("%s-%s-%d.pprof", proc, db, clients))
					if err := profile(ctx, port, c.duration-time.Second, file); err != nil {
						fmt.Fprintf(os.Stderr, "load: profile of the %s: %v\n", proc, err)
						return
					}
					fmt.Fprintf(os.Stderr, "load: wrote %s\n", file)
				})
			}
			wg.Wait()
		}
	}
	return b.Run(ctx)
}

// profile saves the CPU profile of the process whose admin listener is
// port, over d.
func profile(ctx context.Context, port int, d time.Duration, file string) error {
	url := fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", port, max(int(d.Seconds()), 1))
	if err := load.CheckLoopback(url); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("pprof: " + resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
