package passhash

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// cheap is a reference vector with small parameters (1 MiB, t=1), so
// tests compute real hashes in the budget's slots without argon2's cost.
var cheap = vectors[1]

// testBudget is a budget of slots whose waiters never give up on their
// own (a test that expects a fast refusal would otherwise be satisfied by
// a slow one) and whose queues admit by count only.
func testBudget(slots int) *Budget {
	b := NewBudget(slots)
	for l := range b.maxWait {
		b.maxWait[l] = time.Hour
		b.admitWait[l] = 0
	}
	return b
}

// waitFor waits until cond holds of the budget's stats: a caller has
// reached its queue, a slot was handed on.
func waitFor(t *testing.T, b *Budget, what string, cond func(Stats) bool) {
	t.Helper()
	ctx := backstop(t)
	for !cond(b.Stats()) {
		if ctx.Err() != nil {
			t.Fatalf("never: %s (%+v)", what, b.Stats())
		}
		runtime.Gosched()
	}
}

// backstop bounds a call that must return at once, so a wrong one fails
// with a deadline error instead of hanging the test.
func backstop(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestBudgetBound: however many callers, no more hashes run at once than
// the budget's slots; every caller is either served or refused, and
// nothing is left held or queued.
func TestBudgetBound(t *testing.T) {
	for _, slots := range []int{1, 2, 3} {
		b := testBudget(slots)
		const callers = 60
		var inside, most, served, refused atomic.Int64
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				s, err := b.Acquire(t.Context(), Lane(i%numLanes))
				if errors.Is(err, ErrBusy) {
					refused.Add(1)
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				defer s.Release()
				n := inside.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				runtime.Gosched()
				if ok, err := s.Verify(cheap.password, cheap.encoded); !ok || err != nil {
					t.Errorf("Verify in a slot = %v, %v", ok, err)
				}
				inside.Add(-1)
				served.Add(1)
			})
		}
		wg.Wait()
		st := b.Stats()
		if most.Load() > int64(slots) || most.Load() < 1 {
			t.Errorf("%d slots: %d hashes at once", slots, most.Load())
		}
		if served.Load()+refused.Load() != callers || st.Hashes != served.Load() {
			t.Errorf("%d slots: %d served, %d refused, %d hashes of %d callers", slots, served.Load(), refused.Load(), st.Hashes, callers)
		}
		var sum int64
		for _, r := range st.Refused {
			sum += r
		}
		if sum != refused.Load() || st.Running != 0 || st.Waiting != [numLanes]int{} {
			t.Errorf("%d slots: after all callers %+v", slots, st)
		}
	}
}

// hold takes every slot of b, to be released by the returned function.
func hold(t *testing.T, b *Budget) func() {
	t.Helper()
	var held []*Slot
	for range b.Stats().Slots {
		s, err := b.Acquire(t.Context(), Purchase)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, s)
	}
	return func() {
		for _, s := range held {
			s.Release()
		}
	}
}

// queue starts a caller of lane l that waits for a slot, and waits until
// it is queued. Its result arrives on the returned channel.
func queue(t *testing.T, ctx context.Context, b *Budget, l Lane, onSlot func(*Slot)) <-chan error {
	t.Helper()
	before := b.Stats().Waiting[l]
	done := make(chan error, 1)
	go func() {
		s, err := b.Acquire(ctx, l)
		if err == nil {
			onSlot(s)
			s.Release()
		}
		done <- err
	}()
	waitFor(t, b, l.String()+" caller queued", func(st Stats) bool { return st.Waiting[l] == before+1 })
	return done
}

// TestBudgetRefusesWhenFull: with every slot busy and the sign-in queue
// full, one more sign-in is refused at once (its wait would last an hour
// here, and the backstop is 30 s), without a hash; the other lanes still
// queue.
func TestBudgetRefusesWhenFull(t *testing.T) {
	b := testBudget(2)
	if b.Busy(SignIn) {
		t.Error("Busy with free slots")
	}
	release := hold(t, b)
	if b.Busy(SignIn) {
		t.Error("Busy with an empty queue")
	}
	var waiters []<-chan error
	for range b.Stats().Queue[SignIn] {
		waiters = append(waiters, queue(t, t.Context(), b, SignIn, func(*Slot) {}))
	}
	for range 5 {
		_, err := b.Verify(backstop(t), SignIn, cheap.password, cheap.encoded)
		if !errors.Is(err, ErrBusy) {
			t.Fatalf("sign-in with its queue full: %v, want ErrBusy", err)
		}
	}
	if _, err := b.Hash(backstop(t), SignIn, "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Hash with the queue full: %v", err)
	}
	if !b.Busy(SignIn) || b.Busy(Purchase) || b.Busy(Account) {
		t.Errorf("Busy: sign-in %v, purchase %v, account %v; want true, false, false", b.Busy(SignIn), b.Busy(Purchase), b.Busy(Account))
	}
	if st := b.Stats(); st.Refused[SignIn] != 6 || st.Hashes != 0 || st.Waiting[SignIn] != st.Queue[SignIn] {
		t.Errorf("after the refusals: %+v", st)
	}
	// A purchase is not refused: it queues in its own lane.
	purchase := queue(t, t.Context(), b, Purchase, func(*Slot) {})
	release()
	for _, w := range append(waiters, purchase) {
		if err := <-w; err != nil {
			t.Errorf("queued caller: %v", err)
		}
	}
	if st := b.Stats(); st.Running != 0 || st.Waiting != [numLanes]int{} {
		t.Errorf("after the queue drained: %+v", st)
	}
}

// TestBudgetMaxWait: a caller that cannot get a slot within its lane's
// longest wait is refused (ErrBusy) and leaves the queue.
func TestBudgetMaxWait(t *testing.T) {
	b := testBudget(1)
	b.maxWait[SignIn] = time.Millisecond
	release := hold(t, b)
	defer release()
	if _, err := b.Acquire(t.Context(), SignIn); !errors.Is(err, ErrBusy) {
		t.Fatalf("waited past the longest wait: %v", err)
	}
	if st := b.Stats(); st.Waiting[SignIn] != 0 || st.Refused[SignIn] != 1 {
		t.Errorf("after the timed-out wait: %+v", st)
	}
}

// TestBudgetExpectedWait: when hashes are slow, a sign-in is refused at
// once if the hashes ahead of it (purchase checks included) would take
// longer than its lane admits, though its queue has room; purchase checks
// queue whatever the wait.
func TestBudgetExpectedWait(t *testing.T) {
	b := testBudget(1)
	b.admitWait[SignIn] = time.Second
	b.observe(600 * time.Millisecond)
	release := hold(t, b)
	defer release()
	work := func(s *Slot) { s.Verify(cheap.password, cheap.encoded) }
	first := queue(t, t.Context(), b, SignIn, work) // waits about 600 ms
	if !b.Busy(SignIn) {
		t.Error("Busy false behind a 600 ms hash")
	}
	if _, err := b.Acquire(backstop(t), SignIn); !errors.Is(err, ErrBusy) {
		t.Fatalf("second sign-in behind a 600 ms hash: %v, want ErrBusy", err)
	}
	var purchases []<-chan error
	for range b.Stats().Queue[Purchase] {
		purchases = append(purchases, queue(t, t.Context(), b, Purchase, work))
	}
	if st := b.Stats(); st.Waiting[SignIn] != 1 || st.Refused[SignIn] != 1 || st.Refused[Purchase] != 0 {
		t.Errorf("%+v", st)
	}
	release()
	for _, w := range append(purchases, first) {
		if err := <-w; err != nil {
			t.Error(err)
		}
	}
	// The average follows the hashes' time, by eighths: five cheap
	// hashes bring it down.
	if st := b.Stats(); st.HashTime >= 600*time.Millisecond || st.Hashes != 5 {
		t.Errorf("hash time %v after %d cheap hashes", st.HashTime, st.Hashes)
	}
}

// TestBudgetCancel: a caller whose context ends while it waits leaves the
// queue with the context's error; the slot it waited for is not given to
// it, and no hash is computed for it.
func TestBudgetCancel(t *testing.T) {
	b := testBudget(1)
	b.maxWait[SignIn] = 30 * time.Second // so a wait that ignores ctx fails rather than hangs
	release := hold(t, b)
	ctx, cancel := context.WithCancel(t.Context())
	gone := queue(t, ctx, b, SignIn, func(s *Slot) { s.Verify(cheap.password, cheap.encoded) })
	cancel()
	if err := <-gone; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	if st := b.Stats(); st.Waiting[SignIn] != 0 || st.Refused[SignIn] != 0 {
		t.Errorf("after the cancel: %+v", st)
	}
	release()
	if st := b.Stats(); st.Running != 0 || st.Hashes != 0 {
		t.Errorf("after the release: %+v, want no slot held and no hash", st)
	}
	// An ended context is not even queued.
	if _, err := b.Acquire(ctx, Purchase); !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire with an ended context: %v", err)
	}
}

// TestBudgetPriority: while sign-ins flood the budget (their queue full,
// more refused), a freed slot goes to the purchase check first, then the
// account lane, then sign-ins in their order, though the sign-ins queued
// first.
func TestBudgetPriority(t *testing.T) {
	b := testBudget(1)
	release := hold(t, b)
	var mu sync.Mutex
	var order []string
	served := func(name string) func(*Slot) {
		return func(s *Slot) {
			if ok, err := s.Verify(cheap.password, cheap.encoded); !ok || err != nil {
				t.Errorf("%s: Verify = %v, %v", name, ok, err)
			}
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
		}
	}
	var done []<-chan error
	for _, name := range []string{"signin-1", "signin-2"} {
		done = append(done, queue(t, t.Context(), b, SignIn, served(name)))
	}
	if _, err := b.Acquire(backstop(t), SignIn); !errors.Is(err, ErrBusy) {
		t.Fatalf("third sign-in: %v, want ErrBusy", err)
	}
	done = append(done, queue(t, backstop(t), b, Account, served("account")))
	done = append(done, queue(t, backstop(t), b, Purchase, served("purchase")))
	release()
	for _, d := range done {
		if err := <-d; err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"purchase", "account", "signin-1", "signin-2"}; !slices.Equal(order, want) {
		t.Errorf("served in order %v, want %v", order, want)
	}
}

// TestBudgetPriorityUnderFlood: sign-ins keep arriving (their queue full,
// the rest refused and retrying); a purchase check queued behind them gets
// the first slot freed, before any of them.
func TestBudgetPriorityUnderFlood(t *testing.T) {
	b := testBudget(2)
	var held []*Slot
	for range 2 {
		s, err := b.Acquire(t.Context(), Account)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, s)
	}
	stop := make(chan struct{})
	var flood sync.WaitGroup
	var signins atomic.Int64
	for range 8 {
		flood.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				s, err := b.Acquire(t.Context(), SignIn)
				if err != nil {
					runtime.Gosched()
					continue
				}
				signins.Add(1)
				s.Verify(cheap.password, cheap.encoded)
				s.Release()
			}
		})
	}
	waitFor(t, b, "sign-ins refused", func(st Stats) bool {
		return st.Waiting[SignIn] == st.Queue[SignIn] && st.Refused[SignIn] > 10
	})
	inPurchase, proceed := make(chan int64), make(chan struct{})
	purchase := queue(t, backstop(t), b, Purchase, func(*Slot) { inPurchase <- signins.Load(); <-proceed })
	held[0].Release()
	select {
	case n := <-inPurchase:
		if n != 0 {
			t.Errorf("%d sign-ins served before the purchase check", n)
		}
	case err := <-purchase:
		close(stop)
		flood.Wait()
		t.Fatalf("purchase check not served under the flood: %v", err)
	}
	close(proceed)
	if err := <-purchase; err != nil {
		t.Fatal(err)
	}
	held[1].Release()
	// The flood is served again once the purchase is done.
	waitFor(t, b, "sign-ins served", func(Stats) bool { return signins.Load() > 0 })
	close(stop)
	flood.Wait()
}

func TestSlotReleaseTwice(t *testing.T) {
	b := testBudget(1)
	s, err := b.Acquire(t.Context(), Account)
	if err != nil {
		t.Fatal(err)
	}
	s.Release()
	s.Release()
	if st := b.Stats(); st.Running != 0 {
		t.Fatalf("after two releases: %+v", st)
	}
	defer func() {
		if recover() == nil {
			t.Error("a released slot computed a hash")
		}
	}()
	s.Hash("pw")
}

func TestNotChecked(t *testing.T) {
	b := testBudget(1)
	release := hold(t, b)
	defer release()
	b.queue[SignIn] = 0
	_, busy := b.Acquire(t.Context(), SignIn)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, cancelled := b.Verify(ctx, Purchase, cheap.password, cheap.encoded)
	_, malformed := Verify("pw", "$argon2id$v=19$")
	for _, tt := range []struct {
		err  error
		want bool
	}{{busy, true}, {cancelled, true}, {malformed, false}, {nil, false}, {errors.New("database down"), false}} {
		if got := NotChecked(tt.err); got != tt.want {
			t.Errorf("NotChecked(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
