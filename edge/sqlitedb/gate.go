package sqlitedb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrBusy is a write that waited Options.WriteWait for its turn.
var ErrBusy = errors.New("sqlitedb: database is locked: waited too long for another writer of this process")

// gate lets one writer of the process at a time into the database. A
// buffered channel of one: blocked senders are woken in the order they
// came, so no writer starves.
type gate struct {
	ch   chan struct{}
	wait time.Duration
}

func newGate(wait time.Duration) *gate { return &gate{ch: make(chan struct{}, 1), wait: wait} }

func (g *gate) enter(ctx context.Context) error {
	select {
	case g.ch <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sqlitedb: waiting for the writer's turn: %w", ctx.Err())
	case <-t.C:
		return ErrBusy
	}
}

func (g *gate) leave() { <-g.ch }

// writes reports whether a statement may write, so that outside a
// transaction it takes the writer's turn: anything but a SELECT (an
// UPDATE … RETURNING run as a query is a write). A WITH … SELECT counts as
// a write: waiting a turn it did not need costs a little, writing without
// one would put it back in SQLite's busy handler.
func writes(query string) bool {
	q := query
	for {
		q = strings.TrimLeft(q, " \t\r\n")
		switch {
		case strings.HasPrefix(q, "--"):
			i := strings.IndexByte(q, '\n')
			if i < 0 {
				return true
			}
			q = q[i+1:]
		case strings.HasPrefix(q, "/*"):
			i := strings.Index(q, "*/")
			if i < 0 {
				return true
			}
			q = q[i+2:]
		default:
			return len(q) < 6 || !strings.EqualFold(q[:6], "SELECT")
		}
	}
}
