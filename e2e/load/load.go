// Package load is honnin's load driver: it runs the work a busy issuer
// sees (a merchant's create, a create and the challenge's start, wrong and
// right codes at the edge) from a fixed number of concurrent clients for
// a fixed time, against the real native processes on loopback, and
// measures requests per second, latency percentiles, the answers that
// were not the expected one, and each process's CPU per request (from
// /proc). It is bounded by design: loopback only, a set number of
// clients, a set duration.
//
// e2e/cmd/load wires it to a stack (e2e/stack) and prints the tables
// make bench appends to e2e/BENCHMARKS.md.
package load

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrDone is what an Op returns when the work it draws from is used up
// (a prepared pool of challenges): the client stops, and the level ends
// when every client has.
var ErrDone = errors.New("load: pool used up")

// Op is one request of a work kind, as client number worker makes it. It
// returns "" for the expected answer, or a short label of what came
// instead ("start 502", "verify 200 result N", "create: transport"):
// every label counts as an error.
type Op func(ctx context.Context, worker int) (unexpected string, err error)

// Level is what one run of an Op at one concurrency measured.
type Level struct {
	Clients  int
	Requests int           // every answered or failed request, errors included
	Elapsed  time.Duration // from the first request to the last answer
	P50, P99 time.Duration // over every request, errors included
	Errors   int
	// Statuses counts each unexpected answer's label.
	Statuses map[string]int
	// CPU is each process's CPU time (user + system) during the level.
	CPU map[string]time.Duration
	// Queue is what the level did to the edge's report queue; nil when
	// it was not watched (Bench.Queue; the verify levels only).
	Queue *QueueStats
}

// PerSecond is the level's throughput.
func (l Level) PerSecond() float64 {
	if l.Elapsed <= 0 {
		return 0
	}
	return float64(l.Requests) / l.Elapsed.Seconds()
}

// CPUPerRequest is process name's CPU time per request, 0 when unknown.
func (l Level) CPUPerRequest(name string) time.Duration {
	if l.Requests == 0 {
		return 0
	}
	return l.CPU[name] / time.Duration(l.Requests)
}

// Run runs op on clients goroutines until d has passed or op says ErrDone
// on every one, and measures. procs names the processes whose CPU time is
// taken before and after (name → pid); a pid whose /proc cannot be read
// is left out of Level.CPU.
func Run(ctx context.Context, clients int, d time.Duration, procs map[string]int, op Op) (Level, error) {
	before := cpuTimes(procs)
	var (
		mu       sync.Mutex
		lat      []time.Duration
		statuses = map[string]int{}
		errCount int
		firstErr error
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t0 := time.Now()
	deadline := t0.Add(d)
	for w := range clients {
		wg.Go(func() {
			var mine []time.Duration
			defer func() {
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
			for !stop.Load() && time.Now().Before(deadline) && ctx.Err() == nil {
				start := time.Now()
				bad, err := op(ctx, w)
				took := time.Since(start)
				if errors.Is(err, ErrDone) {
					return
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					stop.Store(true)
					return
				}
				mine = append(mine, took)
				if bad != "" {
					mu.Lock()
					statuses[bad]++
					errCount++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(t0)
	after := cpuTimes(procs)
	if firstErr != nil {
		return Level{}, firstErr
	}
	l := Level{Clients: clients, Requests: len(lat), Elapsed: elapsed, Errors: errCount, Statuses: statuses,
		CPU: map[string]time.Duration{}}
	slices.Sort(lat)
	l.P50, l.P99 = Percentile(lat, 50), Percentile(lat, 99)
	for name, b := range before {
		if a, ok := after[name]; ok {
			l.CPU[name] = a - b
		}
	}
	return l, nil
}

// Percentile is the p-th percentile (0 < p ≤ 100) of sorted by the
// nearest-rank method: the smallest value at least p % of the values are
// at or below. 0 for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// rank = ceil(p/100 × n), computed in integers where it can be so
	// that 50 % of 10 is exactly rank 5.
	n := len(sorted)
	rank := int(p * float64(n) / 100)
	if float64(rank) < p*float64(n)/100 {
		rank++
	}
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}
