package sqlitedb

import (
	"context"
	"sync"
)

// Later collects the group-sync tickets of the writes made under its
// context (SyncLater), for one wait at the end instead of one per write.
//
// It is for a request that makes many writes one after another and
// answers once: the issuer records a batch of up to 100 outcome reports,
// each in transactions of its own, and the edge deletes them from its
// queue only once it has the answer. Waiting for each write's sync in
// turn, a batch took a hundred fsyncs end to end (a fifth of the issuer's
// CPU while verifies ran, and the batch's time); under Later the writes
// share one or two, and Wait returns once every write is on disk, before
// the answer. What a caller is told stays as durable as before; what a
// concurrent reader may see is a commit not yet synced, as it may between
// any commit and its sync.
type Later struct {
	mu      sync.Mutex
	tickets map[*groupSync]uint64 // the newest ticket per database
}

type laterKey struct{}

// SyncLater returns ctx under which writes through a database with a
// group sync return without waiting for their sync, and the Later whose
// Wait waits for all of them. A caller must Wait before it reports any
// of those writes as done. Without a group sync, writes are as they are
// without it, and Wait returns at once.
func SyncLater(ctx context.Context) (context.Context, *Later) {
	l := &Later{tickets: map[*groupSync]uint64{}}
	return context.WithValue(ctx, laterKey{}, l), l
}

// Wait returns once every write made under the Later's context is on
// disk, or the error of the sync that failed (then their durability is
// not known, as after a failed fsync under synchronous=FULL).
func (l *Later) Wait() error {
	l.mu.Lock()
	pending := l.tickets
	l.tickets = map[*groupSync]uint64{}
	l.mu.Unlock()
	for gs, t := range pending {
		if err := gs.wait(t); err != nil {
			return err
		}
	}
	return nil
}

func (l *Later) note(gs *groupSync, t uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tickets[gs] = max(l.tickets[gs], t)
}

// laterOf is the Later of ctx, or nil.
func laterOf(ctx context.Context) *Later {
	l, _ := ctx.Value(laterKey{}).(*Later)
	return l
}

// Synced waits, under a context of SyncLater, for the writes made under it
// so far (Later.Wait); under any other context every write already waited
// for its own sync, and Synced returns at once. It is for a step that
// must not begin before what came before it is on disk (the issuer mails
// a code only once its challenge is).
func Synced(ctx context.Context) error {
	if l := laterOf(ctx); l != nil {
		return l.Wait()
	}
	return nil
}
