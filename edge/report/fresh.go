package report

import (
	"context"
	"time"

	"github.com/honnin/honnin/edge/ledger"
)

// freshQueue bounds the outcomes waiting in memory for the fresh sender:
// more than a second of verifies at the highest rate measured here (about
// 2,900/s on 2 cores), a few MiB at most.
const freshQueue = 40 * batch

// freshWait is how long an outcome waits for room in a full fresh queue
// before it is delivered in a call of its own. Sending each in its own
// call at once when the queue was full made hundreds of single calls
// queue for the issuer's database ahead of the batches, and a batch then
// took seconds.
const freshWait = 5 * time.Second

// freshTimeout bounds one call of the fresh sender, its settling included
// (the per-outcome path's bound).
const freshTimeout = 20 * time.Second

// handOff gives c to the fresh sender of a running Run, and reports
// whether it took it, waiting up to wait for room. Without a Run (Workers,
// where nothing outlives the request but waitUntil, and tests that deliver
// by hand) the caller delivers c itself.
func (r *Reporter) handOff(c claimed, wait time.Duration) bool {
	if !r.running.Load() {
		return false
	}
	select {
	case r.fresh <- c:
		return true
	default:
	}
	if wait <= 0 {
		return false
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case r.fresh <- c:
		return true
	case <-t.C:
		return false
	}
}

// sendFresh posts the outcomes handed off by After in batches until ctx
// ends: it waits for one, takes every other one waiting (up to a call's
// worth), and posts them in one call, settled as Deliver settles a claim.
// While a call is under way the next batch gathers, so the calls grow
// with the verify rate: at 1,500 verifies/s on 2 cores one call and one
// DELETE per outcome fell behind by thousands (e2e/BENCHMARKS.md, the
// report queue columns). One sender keeps the outcomes in the order their
// requests queued them; a second one in parallel measured no faster (the
// two cores are busy with the verifies). On shutdown what is left is
// released for the next start's Run.
func (r *Reporter) sendFresh(ctx context.Context) {
	for {
		var rows []claimed
		select {
		case <-ctx.Done():
			r.releaseFresh(ctx)
			return
		case c := <-r.fresh:
			rows = append(rows, c)
		}
	more:
		for len(rows) < batch {
			select {
			case c := <-r.fresh:
				rows = append(rows, c)
			default:
				break more
			}
		}
		callCtx, cancel := context.WithTimeout(ctx, freshTimeout)
		for len(rows) > 0 {
			n := fits(rows)
			r.deliverBatch(callCtx, rows[:n])
			rows = rows[n:]
		}
		cancel()
	}
}

// releaseFresh hands back what is left in the fresh queue.
func (r *Reporter) releaseFresh(ctx context.Context) {
	var rows []claimed
	for {
		select {
		case c := <-r.fresh:
			rows = append(rows, c)
		default:
			if len(rows) > 0 {
				r.release(ctx, rows)
			}
			return
		}
	}
}

// leased is l as a claimed row.
func leased(l ledger.Leased) claimed { return claimed{jti: l.JTI, body: l.Body, tries: l.Tries} }
