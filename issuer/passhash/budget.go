package passhash

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// A hash costs 64 MiB and about a core for 100-200 ms, so the hashes a
// process computes at once must be bounded (else a flood of sign-ins is a
// memory and CPU exhaustion attack), and so must the callers waiting for
// one: a queue that grows without bound turns a flood into a stall for
// everyone, the cardholder paying for a purchase included (issue 12: a
// sign-in flood at 8-10/s made a correct purchase password time out at the
// edge after 15 s, twice).
//
// A Budget holds a fixed number of slots, one hash each, and a short queue
// per Lane. A caller takes a slot if one is free; else it waits in its
// lane's queue, or, when that queue is full (for sign-ins also: when the
// hashes ahead would take too long), is refused at once (ErrBusy), so a
// page can say "busy, try again" in milliseconds instead of timing out. A
// freed slot goes to the first waiter of the most urgent lane that has one
// (strict priority, FIFO within a lane). Waiting follows the caller's
// context: a caller that hung up leaves the queue and no hash is computed
// for it.

// Lane is a class of callers of a Budget: its own queue, its own priority.
// Lower lanes are served first.
type Lane int

const (
	// Purchase is the static password a cardholder types at a checkout,
	// relayed by the edge (issuer/api). It comes first: a cardholder is
	// waiting at a merchant's page, the edge gives up after 15 s, and its
	// volume is bounded by real purchases (a merchant's API key, a
	// session, at most 5 tries per authentication), not by what an
	// anonymous client chooses to send.
	Purchase Lane = iota
	// Account is a caller already authenticated some other way: a
	// signed-in cardholder changing the portal password, the operator's
	// commands, demo seeding. Rare, and each comes from someone the issuer
	// knows.
	Account
	// SignIn is unauthenticated work: the portal's sign-in and card-link
	// password checks, which anyone on the internet can send. It comes
	// last and its queue is short, so a flood of it is refused quickly
	// and never delays the other lanes by more than the hashes already
	// running.
	SignIn

	numLanes = 3
)

func (l Lane) String() string {
	switch l {
	case Purchase:
		return "purchase"
	case Account:
		return "account"
	case SignIn:
		return "signin"
	}
	return fmt.Sprintf("Lane(%d)", int(l))
}

// laneLimits are each lane's queue, as waiters per slot; for a lane that
// must be answered quickly either way, the longest wait it admits a caller
// to, judged from the hashes' recent time; and the longest a waiter waits
// before it is refused anyway.
//
// Sign-in, at 2 waiters per slot, waits for at most about 3 hashes before
// its own starts (0.3-0.5 s on an idle 2-core machine); and since a hash
// takes longer on a loaded machine, a sign-in is also refused at once when
// the hashes ahead of it would take more than 1 s. So a sign-in is either
// refused in milliseconds or admitted to a short wait. Its 2 s longest wait
// only matters when purchase checks, served first, keep every slot busy:
// the sign-in is then refused rather than starved.
//
// Purchase checks queue deeper (4 per slot) and are never refused on a
// guess of the wait: a cardholder at a checkout would rather wait a second
// than retry. A purchase waits at most 5 s, well inside the edge's 15 s
// timeout, so the edge gets an answer it can act on (503 busy, "not
// checked") rather than a timeout. The account lane is as small as
// sign-in's but waits like a purchase: its callers are few and known.
var laneLimits = [numLanes]struct {
	queuePerSlot int
	admitWait    time.Duration // 0: admit up to the queue whatever the wait
	maxWait      time.Duration
}{
	Purchase: {4, 0, 5 * time.Second},
	Account:  {2, 0, 5 * time.Second},
	SignIn:   {2, time.Second, 2 * time.Second},
}

// RetryAfter is what a refused caller is told to wait before trying
// again: about what the queues take to drain.
const RetryAfter = time.Second

// ErrBusy: the Budget refused the caller: its lane's queue was full, the
// wait would have been too long, or it waited its lane's longest wait
// without getting a slot. No hash was computed; the password
// was neither right nor wrong, so nothing may count it as a failure.
var ErrBusy = errors.New("passhash: busy")

// NotChecked reports whether err, from a Budget's Acquire, Verify or Hash,
// means no hash was computed: the budget refused (ErrBusy), or the
// caller's context ended while it waited. Such a password was neither
// right nor wrong: answer "busy", count nothing.
func NotChecked(err error) bool {
	return errors.Is(err, ErrBusy) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Default is the process's budget, sized to its cores. The package-level
// Hash and Verify use it in the Account lane; the issuer gives its API and
// portal one budget (issuer serve -hash-concurrency).
var Default = NewBudget(0)

// Budget bounds the hashes computed at once and the callers waiting for
// one. The zero value is not usable; make one with NewBudget.
type Budget struct {
	slots     int
	queue     [numLanes]int
	admitWait [numLanes]time.Duration
	maxWait   [numLanes]time.Duration
	hashes    atomic.Int64

	mu       sync.Mutex
	running  int // slots held; while running < slots no one waits
	waiting  [numLanes][]*waiter
	refused  [numLanes]int64
	hashTime time.Duration // moving average of a hash's time; 0 before the first
}

type waiter struct {
	ready   chan struct{} // closed when granted
	granted bool          // under Budget.mu
}

// NewBudget returns a budget of slots hashes at once; slots <= 0 means
// GOMAXPROCS (the usable cores): a hash is one core's work (p=1), so more
// at once only makes each slower and holds more memory.
func NewBudget(slots int) *Budget {
	if slots <= 0 {
		slots = runtime.GOMAXPROCS(0)
	}
	b := &Budget{slots: slots}
	for l, ll := range laneLimits {
		b.queue[l] = ll.queuePerSlot * slots
		b.admitWait[l] = ll.admitWait
		b.maxWait[l] = ll.maxWait
	}
	return b
}

// Acquire returns a slot for one caller of lane l, waiting in l's queue if
// none is free. It fails at once with ErrBusy when l's queue is full or
// the wait would be longer than l admits, with ErrBusy after l's longest
// wait, and with ctx's error when ctx ends first.
// On success the caller must Release the slot.
func (b *Budget) Acquire(ctx context.Context, l Lane) (*Slot, error) {
	if l < 0 || l >= numLanes {
		panic(fmt.Sprintf("passhash: no lane %d", l))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("passhash: not waiting for a slot: %w", err)
	}
	b.mu.Lock()
	if b.running < b.slots {
		b.running++
		b.mu.Unlock()
		return &Slot{b: b}, nil
	}
	if err := b.refusal(l); err != nil {
		b.refused[l]++
		b.mu.Unlock()
		return nil, err
	}
	w := &waiter{ready: make(chan struct{})}
	b.waiting[l] = append(b.waiting[l], w)
	b.mu.Unlock()

	timer := time.NewTimer(b.maxWait[l])
	defer timer.Stop()
	var err error
	select {
	case <-w.ready:
		// Granted as ctx ended: the caller is gone, hand the slot on.
		if err := ctx.Err(); err != nil {
			b.release()
			return nil, fmt.Errorf("passhash: waiting for a slot: %w", err)
		}
		return &Slot{b: b}, nil
	case <-ctx.Done():
		err = fmt.Errorf("passhash: waiting for a slot: %w", ctx.Err())
	case <-timer.C:
		err = fmt.Errorf("%w: no slot within %v", ErrBusy, b.maxWait[l])
	}
	b.mu.Lock()
	if w.granted {
		// Granted between the wake-up and the lock: hand it on.
		b.mu.Unlock()
		b.release()
		return nil, err
	}
	b.waiting[l] = slices.DeleteFunc(b.waiting[l], func(x *waiter) bool { return x == w })
	if errors.Is(err, ErrBusy) {
		b.refused[l]++
	}
	b.mu.Unlock()
	return nil, err
}

// refusal is why a caller of lane l is refused at once now, every slot
// being busy; nil if it may wait. Under b.mu.
func (b *Budget) refusal(l Lane) error {
	if len(b.waiting[l]) >= b.queue[l] {
		return fmt.Errorf("%w: %d %s callers waiting already", ErrBusy, b.queue[l], l)
	}
	if d := b.expectedWait(l); b.admitWait[l] > 0 && d > b.admitWait[l] {
		return fmt.Errorf("%w: a %s caller would wait about %v", ErrBusy, l, d.Round(time.Millisecond))
	}
	return nil
}

// Busy reports whether a caller of lane l would be refused at once now. It
// is a hint, not a reservation: the answer may change before Acquire. A
// server asks it before any other work for a request (database writes
// included), so that a flood arriving while the lane is full costs next to
// nothing.
func (b *Budget) Busy(l Lane) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.running >= b.slots && b.refusal(l) != nil
}

// expectedWait is about how long a new caller of lane l would wait, every
// slot being busy: the callers of l and of the more urgent lanes go first,
// slots of them per hash time. Under b.mu.
func (b *Budget) expectedWait(l Lane) time.Duration {
	ahead := 0
	for k := Purchase; k <= l; k++ {
		ahead += len(b.waiting[k])
	}
	return time.Duration(ahead/b.slots+1) * b.hashTime
}

// observe adds a hash's time to the moving average (weight 1/8).
func (b *Budget) observe(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.hashTime == 0 {
		b.hashTime = d
		return
	}
	b.hashTime += (d - b.hashTime) / 8
}

// release gives a held slot to the first waiter of the most urgent lane,
// or frees it.
func (b *Budget) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for l := range b.waiting {
		if len(b.waiting[l]) == 0 {
			continue
		}
		w := b.waiting[l][0]
		b.waiting[l] = slices.Delete(b.waiting[l], 0, 1)
		w.granted = true
		close(w.ready)
		return
	}
	b.running--
}

// Verify is Acquire in lane l, then the package's Verify, then Release.
func (b *Budget) Verify(ctx context.Context, l Lane, password, encoded string) (bool, error) {
	s, err := b.Acquire(ctx, l)
	if err != nil {
		return false, err
	}
	defer s.Release()
	return s.Verify(password, encoded)
}

// Hash is Acquire in lane l, then the package's Hash, then Release.
func (b *Budget) Hash(ctx context.Context, l Lane, password string) (string, error) {
	s, err := b.Acquire(ctx, l)
	if err != nil {
		return "", err
	}
	defer s.Release()
	return s.Hash(password)
}

// Stats is a snapshot of a Budget, for tests and operators.
type Stats struct {
	// Slots is the budget's size; Running how many are held now.
	Slots, Running int
	// Hashes counts the argon2id computations made in the budget's slots;
	// HashTime is their recent average time.
	Hashes   int64
	HashTime time.Duration
	// Waiting, Queue and Refused are per lane (index a Lane): callers
	// waiting now, the most that may wait, callers refused so far.
	Waiting, Queue [numLanes]int
	Refused        [numLanes]int64
}

// Stats returns the budget's state now.
func (b *Budget) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := Stats{Slots: b.slots, Running: b.running, Hashes: b.hashes.Load(), HashTime: b.hashTime, Queue: b.queue, Refused: b.refused}
	for l, q := range b.waiting {
		st.Waiting[l] = len(q)
	}
	return st
}

// Slot is one hash's share of a Budget, held from Acquire to Release. A
// slot is for one goroutine; it may compute several hashes in a row (a
// check against each of a card's credentials, a password change's check
// and new hash).
type Slot struct {
	b        *Budget
	released bool
}

// Verify is the package's Verify, computed in this slot.
func (s *Slot) Verify(password, encoded string) (bool, error) {
	p, err := parse(encoded)
	if err != nil {
		return false, err
	}
	return verify(password, p, s.key), nil
}

// Hash is the package's Hash, computed in this slot.
func (s *Slot) Hash(password string) (string, error) {
	return hash(password, s.key)
}

func (s *Slot) key(password string, salt []byte, t, m uint32, p uint8, n uint32) []byte {
	if s.released {
		panic("passhash: Slot used after Release")
	}
	s.b.hashes.Add(1)
	start := time.Now()
	h := key(password, salt, t, m, p, n)
	s.b.observe(time.Since(start))
	return h
}

// Release returns the slot to the budget. It may be called more than once
// (an early Release and a deferred one).
func (s *Slot) Release() {
	if s.released {
		return
	}
	s.released = true
	s.b.release()
}
