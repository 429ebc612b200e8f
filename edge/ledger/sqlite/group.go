package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/honnin/honnin/edge/dbfault"
	"github.com/honnin/honnin/edge/ledger"
)

// maxGroup bounds the batches one transaction carries, so that a batch's
// wait behind the group before it stays short (a batch runs in tens of
// microseconds).
const maxGroup = 64

// ErrClosed is a batch sent after the ledger was closed.
var ErrClosed = errors.New("sqlite: ledger closed")

// group runs the ledger's batches by one writer: all that are waiting go
// into one transaction, each inside a savepoint of its own (group
// commit). Measured under the load driver, a verify's batch was ~40 % of
// the native edge's CPU, and most of it was the transaction around the
// statements, not the statements: BEGIN, the commit writing every page
// the batch touched to the WAL, and on each new transaction re-reading
// pages another connection's commit had made stale. One writer mostly on
// one connection keeps its page cache (nothing else writes the ledger's
// rows but the report queue's deletes), and one commit writes the pages
// that a whole group of batches touched.
//
// A batch keeps every property it had in a transaction of its own: its
// statements take effect all or none (a failed batch is rolled back to
// its savepoint and fails alone), and batches run one after another, in
// the order they came, so each sees everything the batches before it
// wrote — as SQLite's single writer ran them before. A batch's caller
// gets its rows only once the group's commit succeeded: a commit that
// fails fails every batch of the group, and nothing of them was
// recorded. An error that may have ended the transaction itself (the
// database unavailable: disk full, I/O, a read-only file) fails the whole
// group the same way.
type group struct {
	db *sql.DB

	queue chan *pending
	quit  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// pending is one batch waiting for, or in, a group.
type pending struct {
	stmts []ledger.Stmt
	state atomic.Int32 // queued, taken or abandoned
	res   [][]ledger.Row
	err   error
	ready chan struct{}
}

const (
	queued int32 = iota
	taken
	abandoned
)

// newGroup starts the writer of db; Close stops it.
func newGroup(db *sql.DB) *group {
	g := makeGroup(db)
	go g.run()
	return g
}

// makeGroup is newGroup with the writer not yet started (tests queue
// batches first, to make one group of them).
func makeGroup(db *sql.DB) *group {
	return &group{db: db, queue: make(chan *pending, maxGroup), quit: make(chan struct{}), done: make(chan struct{})}
}

// Batch runs stmts as one transaction's worth of work in the next group.
// A caller whose ctx ends while its batch still waits gets ctx's error
// and the batch never runs; once the writer has taken it, Batch waits
// for its outcome (a short wait: the group is running), so a caller
// never answers while a try it sent may yet be counted.
func (g *group) Batch(ctx context.Context, stmts ...ledger.Stmt) ([][]ledger.Row, error) {
	p := &pending{stmts: stmts, ready: make(chan struct{})}
	select {
	case g.queue <- p:
	case <-ctx.Done():
		return nil, fmt.Errorf("ledger: waiting for the writer: %w", ctx.Err())
	case <-g.quit:
		return nil, ErrClosed
	}
	select {
	case <-p.ready:
	case <-ctx.Done():
		if p.state.CompareAndSwap(queued, abandoned) {
			return nil, fmt.Errorf("ledger: waiting for the writer: %w", ctx.Err())
		}
		<-p.ready
	case <-g.done:
		// Queued after the writer's last look at the queue.
		if p.state.CompareAndSwap(queued, abandoned) {
			return nil, ErrClosed
		}
		<-p.ready
	}
	return p.res, p.err
}

// Close stops the writer after the group it is running; batches still
// queued fail with ErrClosed.
func (g *group) Close() {
	g.once.Do(func() { close(g.quit) })
	<-g.done
}

func (g *group) run() {
	defer close(g.done)
	batch := make([]*pending, 0, maxGroup)
	for {
		batch = batch[:0]
		select {
		case p := <-g.queue:
			batch = append(batch, p)
		case <-g.quit:
			g.drain()
			return
		}
		g.gather(&batch)
		if len(batch) < maxGroup {
			// Let the requests about to send a batch (between their
			// token checks and their count) run first, once — a
			// goroutine switch, not a wait — so that they join this
			// group rather than start the next. Measured with the load
			// driver at 16 verifying clients, A/B twice: the edge's CPU
			// per wrong code 0.35-0.37 -> 0.29-0.30 ms, per right code
			// 0.50-0.53 -> 0.39-0.41 ms; at one client no change
			// beyond the noise (nothing else is ready to run).
			runtime.Gosched()
			g.gather(&batch)
		}
		g.commit(batch)
	}
}

// gather adds the batches waiting now to batch, up to maxGroup.
func (g *group) gather(batch *[]*pending) {
	for len(*batch) < maxGroup {
		select {
		case p := <-g.queue:
			*batch = append(*batch, p)
		default:
			return
		}
	}
}

// drain fails the batches still queued at Close.
func (g *group) drain() {
	for {
		select {
		case p := <-g.queue:
			if p.state.CompareAndSwap(queued, taken) {
				p.err = ErrClosed
				close(p.ready)
			}
		default:
			return
		}
	}
}

// commit runs one group: the batches still wanted, each in its savepoint,
// in one transaction.
func (g *group) commit(batch []*pending) {
	run := batch[:0]
	for _, p := range batch {
		if p.state.CompareAndSwap(queued, taken) {
			run = append(run, p)
		}
	}
	if len(run) == 0 {
		return
	}
	err := g.transact(run)
	for _, p := range run {
		if err != nil {
			p.res, p.err = nil, err
		}
		close(p.ready)
	}
}

// transact runs the group's transaction. It returns an error that fails
// every batch of run (nothing of them was committed); a batch that failed
// alone has its own error and did not count.
func (g *group) transact(run []*pending) error {
	// No deadline of its own: the wait for the writer's turn is bounded
	// (sqlitedb's WriteWait, then ErrBusy: unavailable, as before), and a
	// group's statements run in microseconds.
	ctx := context.Background()
	// sqlitedb runs every transaction on its one writer connection, whose
	// pages no other connection makes stale.
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("ledger: begin: %w", err)
	}
	defer tx.Rollback()
	for _, p := range run {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT batch"); err != nil {
			return fmt.Errorf("ledger: savepoint: %w", err)
		}
		p.res, p.err = ledger.RunBatch(ctx, tx, p.stmts)
		if p.err != nil {
			if dbfault.Unavailable(p.err) {
				// SQLite may have rolled the whole transaction back.
				return p.err
			}
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO batch"); err != nil {
				return fmt.Errorf("ledger: rollback to savepoint: %w (after %w)", err, p.err)
			}
			p.res = nil
		}
		if _, err := tx.ExecContext(ctx, "RELEASE batch"); err != nil {
			return fmt.Errorf("ledger: release savepoint: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("ledger: commit: %w", err)
	}
	return nil
}
