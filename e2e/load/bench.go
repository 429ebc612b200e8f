package load

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer/pan"
)

// The work kinds, as the table names them.
const (
	WorkCreate      = "merchant create"
	WorkCreateStart = "create + start (code mailed)"
	WorkWrong       = "wrong-code verify"
	WorkRight       = "right-code verify"
	// WorkVerify selects both verify kinds in Bench.Works.
	WorkVerify = "verify"
)

// Card is an enrolled card the driver pays with: method email, each with
// an address of its own, so the newest mail to it is its newest code.
type Card struct{ Number, Email string }

// NewCards makes n card numbers (Luhn-valid, 3541 and a run number, so a
// second run on the same database enrols none twice) with their addresses.
func NewCards(n int) ([]Card, error) {
	run, err := rand.Int(rand.Reader, big.NewInt(1e5))
	if err != nil {
		return nil, err
	}
	cards := make([]Card, n)
	for i := range cards {
		partial := fmt.Sprintf("3541%05d%06d", run.Int64(), i)
		d, err := pan.CheckDigit(partial)
		if err != nil {
			return nil, err
		}
		cards[i] = Card{Number: partial + string(d), Email: fmt.Sprintf("load-%05d-%06d@mail.jp", run.Int64(), i)}
	}
	return cards, nil
}

// Bench runs every work kind at every level against one running stack.
type Bench struct {
	Client *Client
	// Procs are the processes whose CPU is measured (name → pid).
	Procs map[string]int
	// Cards are enrolled (method email) before Run.
	Cards []Card
	// Levels are the numbers of concurrent clients (1, 4, 16, 64).
	Levels []int
	// Duration is each level's time; the verify levels also end when
	// their prepared challenges are used up.
	Duration time.Duration
	// Log receives progress lines.
	Log io.Writer
	// Works are the work kinds to run (WorkCreate, WorkCreateStart, and
	// WorkVerify for both verify kinds); none: all of them.
	Works []string
	// OnLevel, when set, is called as each level starts (in its own
	// goroutine): e2e/cmd/load takes a CPU profile there.
	OnLevel func(ctx context.Context, work string, clients int)
	// BeforeLevel and AfterLevel, when set, are called just before each
	// level starts and with its measure once it has ended (e2e/cmd/load
	// reads PostgreSQL's statistics there).
	BeforeLevel func(ctx context.Context, work string, clients int)
	AfterLevel  func(ctx context.Context, work string, l Level)
	// Queue, when set, watches the edge's report queue during and after
	// each verify level (Level.Queue).
	Queue *QueueWatch

	next atomic.Uint64
}

// wrongPerChallenge is how many wrong codes each prepared challenge takes:
// one fewer than the authentication allows, so the right code still ends
// it with Y, which also clears the credential's count of failures (the
// edge stops comparing at limits.FailuresPerCredential): every card is
// prepared again for each level and must never lock.
const wrongPerChallenge = limits.AttemptsPerAuthentication - 1

// Run measures merchant create and create + start at every level, then,
// for each level, prepares one challenge per card (create + start, the
// code read from the mail sink; not measured) and measures wrong codes
// (wrongPerChallenge per challenge, spread over all of them) and then the
// right codes. The rows come out by work kind, then level.
func (b *Bench) Run(ctx context.Context) ([]Row, error) {
	if len(b.Cards) == 0 {
		return nil, fmt.Errorf("load: no cards")
	}
	var rows []Row
	for _, work := range []struct {
		name string
		op   Op
	}{{WorkCreate, b.create}, {WorkCreateStart, b.createStart}} {
		if !b.runs(work.name) {
			continue
		}
		for _, n := range b.Levels {
			l, err := b.level(ctx, work.name, n, work.op)
			if err != nil {
				return nil, err
			}
			rows = append(rows, Row{work.name, l})
		}
	}
	if !b.runs(WorkVerify) {
		return rows, nil
	}
	var wrong, right []Row
	for _, n := range b.Levels {
		pool, err := b.prepare(ctx)
		if err != nil {
			return nil, err
		}
		var tries atomic.Int64
		l, err := b.level(ctx, WorkWrong, n, func(ctx context.Context, _ int) (string, error) {
			i := int(tries.Add(1) - 1)
			if i >= wrongPerChallenge*len(pool) {
				return "", ErrDone
			}
			p := pool[i%len(pool)]
			return b.Client.VerifyWrong(ctx, p.challenge, wrongCode(p.code)), nil
		})
		if err != nil {
			return nil, err
		}
		wrong = append(wrong, Row{WorkWrong, l})
		var done atomic.Int64
		l, err = b.level(ctx, WorkRight, n, func(ctx context.Context, _ int) (string, error) {
			i := int(done.Add(1) - 1)
			if i >= len(pool) {
				return "", ErrDone
			}
			return b.Client.VerifyRight(ctx, pool[i].challenge, pool[i].code), nil
		})
		if err != nil {
			return nil, err
		}
		right = append(right, Row{WorkRight, l})
		// The challenges the level had no time for get their right code
		// too, unmeasured, so that no card's credential keeps its wrong
		// codes into the next level's.
		forEach(ctx, prepareClients, pool[min(int(done.Load()), len(pool)):], func(p prepared) {
			b.Client.VerifyRight(ctx, p.challenge, p.code)
		})
	}
	return append(append(rows, wrong...), right...), nil
}

// runs reports whether work is one of b.Works.
func (b *Bench) runs(work string) bool { return len(b.Works) == 0 || slices.Contains(b.Works, work) }

func (b *Bench) level(ctx context.Context, work string, clients int, op Op) (Level, error) {
	if b.BeforeLevel != nil {
		b.BeforeLevel(ctx, work, clients)
	}
	if b.OnLevel != nil {
		go b.OnLevel(ctx, work, clients)
	}
	var watch *watching
	if b.Queue != nil && (work == WorkWrong || work == WorkRight) {
		watch = b.Queue.Start(ctx)
	}
	l, err := Run(ctx, clients, b.Duration, b.Procs, op)
	if watch != nil {
		// After the level: its requests are answered, the reports they
		// queued may not be delivered yet. The next level starts once the
		// queue is empty (or the wait is over), so each level's figures are
		// its own.
		q := watch.Stop(ctx)
		l.Queue = &q
	}
	if err != nil {
		return l, fmt.Errorf("load: %s at %d clients: %w", work, clients, err)
	}
	fmt.Fprintf(b.Log, "load: %-30s %2d clients: %6d requests, %s, p50 %s, p99 %s, %d errors %v\n",
		work, clients, l.Requests, perSecond(l.PerSecond()), latency(l.P50), latency(l.P99), l.Errors, l.Statuses)
	if l.Queue != nil {
		fmt.Fprintf(b.Log, "load: %-30s %2d clients: report queue peak %s, at end %s, %s\n",
			work, clients, queueDepth(l.Queue.Peak), queueEnd(*l.Queue), queueDrain(*l.Queue))
	}
	if b.AfterLevel != nil {
		b.AfterLevel(ctx, work, l)
	}
	return l, nil
}

// card is the next card, round robin.
func (b *Bench) card() Card { return b.Cards[(b.next.Add(1)-1)%uint64(len(b.Cards))] }

func (b *Bench) create(ctx context.Context, _ int) (string, error) {
	_, bad := b.Client.Create(ctx, b.card().Number)
	return bad, nil
}

func (b *Bench) createStart(ctx context.Context, _ int) (string, error) {
	session, bad := b.Client.Create(ctx, b.card().Number)
	if bad != "" {
		return bad, nil
	}
	_, bad = b.Client.Start(ctx, session)
	return bad, nil
}

// Enrol enrols every card with enrol (e2e/cmd/load: the operator's
// issuer cardholder add), a few at a time.
func Enrol(ctx context.Context, cards []Card, enrol func(context.Context, Card) error) error {
	var (
		mu    sync.Mutex
		first error
	)
	forEach(ctx, 4, cards, func(c Card) {
		if err := enrol(ctx, c); err != nil {
			mu.Lock()
			first = cmp.Or(first, err)
			mu.Unlock()
		}
	})
	return cmp.Or(first, ctx.Err())
}

// prepared is a started challenge and its right code.
type prepared struct{ challenge, code string }

// prepareClients is how many clients prepare the challenges.
const prepareClients = 16

// prepare opens one challenge per card: each is then its card's newest, so
// none is superseded, and the newest mail to its address holds its code
// (the issuer sends before it answers the start). A card whose
// preparation fails is left out and said so.
func (b *Bench) prepare(ctx context.Context) ([]prepared, error) {
	t0 := time.Now()
	var (
		mu     sync.Mutex
		pool   []prepared
		failed = map[string]int{}
	)
	forEach(ctx, prepareClients, b.Cards, func(c Card) {
		p, bad := b.open(ctx, c)
		mu.Lock()
		defer mu.Unlock()
		if bad != "" {
			failed[bad]++
			return
		}
		pool = append(pool, p)
	})
	fmt.Fprintf(b.Log, "load: prepared %d challenges in %s (failed: %v)\n", len(pool), time.Since(t0).Round(time.Millisecond), failed)
	if len(pool) == 0 {
		return nil, fmt.Errorf("load: no challenge could be prepared: %v", failed)
	}
	return pool, nil
}

func (b *Bench) open(ctx context.Context, c Card) (prepared, string) {
	session, bad := b.Client.Create(ctx, c.Number)
	if bad != "" {
		return prepared{}, bad
	}
	ch, bad := b.Client.Start(ctx, session)
	if bad != "" {
		return prepared{}, bad
	}
	code, _, err := b.Client.NewestCode(ctx, c.Email)
	if err != nil {
		return prepared{}, err.Error()
	}
	return prepared{challenge: ch, code: code}, ""
}

// forEach runs fn on every item with workers goroutines.
func forEach[T any](ctx context.Context, workers int, items []T, fn func(T)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(items) {
					return
				}
				fn(items[i])
			}
		})
	}
	wg.Wait()
}

// wrongCode is a code that is surely not code: the next one up.
func wrongCode(code string) string {
	n, _ := strconv.Atoi(code)
	return fmt.Sprintf("%0*d", limits.CodeDigits, (n+1)%1_000_000)
}
