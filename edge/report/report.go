// Package report tells the issuer how each authentication ended at the edge,
// and of every wrong code on the way.
//
// The cardholder must never wait for the issuer, and the issuer must never
// miss an outcome: edge/ledger queues each outcome (table edge_report) in the
// same transaction as the change it reports, leased to the request that made
// it; the request delivers it after its response (After), and whatever is
// not delivered then — the issuer was down, the instance died — Run (native)
// or the cron trigger (Workers) delivers later, retrying with exponential
// backoff and jitter. The issuer deduplicates by jti, so delivering twice
// (after a crash between the POST and the delete) is harmless.
//
// An outcome is set aside ("dead") only when the issuer refuses it for a
// reason no retry and no operator can change (the body is malformed, or
// contradicts the outcome the issuer has). Every other refusal — a call
// token refused for a clock or a key (401, 403), an authentication the
// issuer does not know (404: the edge may point at the wrong issuer), 408,
// 429, 5xx, no answer — is retried for as long as it takes; an operator
// lists the queue and requeues with `edge reports` (native) or SQL (D1).
package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/worker"
)

// validate checks o before it is queued: what the issuer would refuse for
// good is a bug of the edge, caught where it is made.
func validate(o contract.Outcome) error {
	switch {
	case o.JTI == "":
		return errors.New("no jti")
	case o.Sub == "":
		return errors.New("no sub")
	case o.Gen == nil || *o.Gen < 0:
		return errors.New("no gen")
	case !contract.ValidStatus(o.Status):
		return fmt.Errorf("unknown status %q", o.Status)
	case o.Status == contract.StatusChallenge && o.Reason != contract.ReasonWrongCode && o.Reason != contract.ReasonCodeUsed:
		return fmt.Errorf("progress report with reason %q", o.Reason)
	case o.Status == contract.StatusChallenge && o.Attempts < 1:
		return errors.New("progress report without a wrong code")
	case o.Step < 0:
		return fmt.Errorf("negative step %d", o.Step)
	}
	return nil
}

// Queue encodes o for the ledger to queue in the transaction of the change
// it reports.
func Queue(o contract.Outcome) (ledger.Queued, error) {
	if err := validate(o); err != nil {
		return ledger.Queued{}, fmt.Errorf("report: queue: %w", err)
	}
	b, err := json.Marshal(o)
	if err != nil {
		return ledger.Queued{}, fmt.Errorf("report: queue %s: %w", o.JTI, err)
	}
	return ledger.Queued{JTI: o.JTI, Body: string(b)}, nil
}

// Issuer takes the outcomes: edge/issuerclient implements it.
type Issuer interface {
	// PostOutcome delivers body, an encoded contract.Outcome as queued. A
	// refusal is an *issuerclient.Error, whose status says whether a retry
	// can help; any other error (no answer at all) is retried.
	PostOutcome(ctx context.Context, body string) error
	// PostOutcomes delivers bodies in one call and returns the issuer's
	// verdict on each, in order; an error (an *issuerclient.Error for a
	// refusal of the whole call) is no verdict on any.
	PostOutcomes(ctx context.Context, bodies []string) ([]contract.OutcomeResult, error)
}

// Config configures a Reporter. DB and Issuer are required.
type Config struct {
	// DB holds the queue (table edge_report, made by edge/migrations); the
	// edge's ledger database.
	DB *sql.DB
	// Issuer takes the outcomes.
	Issuer Issuer
	// Log receives delivery failures; nil means slog.Default().
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MinBackoff is the delay after the first failure (default 1 s); each
	// further failure doubles it up to MaxBackoff (default 5 min).
	MinBackoff, MaxBackoff time.Duration
	// Poll bounds how long Run sleeps with nothing due, so it also picks up
	// rows written by another process on the same database, and rows whose
	// lease ended (default 5 s).
	Poll time.Duration
}

// lease is how long a leased row is invisible to other deliverers: it
// outlasts the request that queued it (a password check waits up to
// issuerclient.CallTimeout for the issuer) and then its one delivery
// (issuerclient.OutcomeTimeout), so only a crashed worker's row comes back
// after it.
const lease = 45 * time.Second

// Reporter delivers queued outcomes to the issuer.
type Reporter struct {
	db      *sql.DB
	issuer  Issuer
	log     *slog.Logger
	now     func() time.Time
	backoff backoff
	poll    time.Duration
	lease   time.Duration

	// fresh carries After's outcomes to Run's fresh sender while running
	// is true (sendFresh).
	fresh   chan claimed
	running atomic.Bool
}

// New returns a Reporter over cfg.DB. It touches no database: on Workers,
// New runs in every fresh instance.
func New(cfg Config) (*Reporter, error) {
	if cfg.DB == nil || cfg.Issuer == nil {
		return nil, errors.New("report: DB and Issuer are required")
	}
	r := &Reporter{
		db:      cfg.DB,
		issuer:  cfg.Issuer,
		lease:   lease,
		log:     cfg.Log,
		now:     cfg.Now,
		backoff: backoff{min: cfg.MinBackoff, max: cfg.MaxBackoff},
		poll:    cfg.Poll,
		fresh:   make(chan claimed, freshQueue),
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.backoff.min <= 0 {
		r.backoff.min = time.Second
	}
	if r.backoff.max < r.backoff.min {
		r.backoff.max = max(5*time.Minute, r.backoff.min)
	}
	if r.poll <= 0 {
		r.poll = 5 * time.Second
	}
	return r, nil
}

// LeaseEnd is when a row queued leased now comes due for the background
// delivery, if its request never delivers it.
func (r *Reporter) LeaseEnd(now time.Time) time.Time { return now.Add(r.lease) }

// Pending returns how many outcomes still wait for delivery (dead ones
// excluded).
func (r *Reporter) Pending(ctx context.Context) (int, error) {
	return r.count(ctx, 0)
}

// Dead returns how many outcomes the issuer refused for good.
func (r *Reporter) Dead(ctx context.Context) (int, error) {
	return r.count(ctx, 1)
}

func (r *Reporter) count(ctx context.Context, dead int) (int, error) {
	var n int
	if err := r.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM edge_report WHERE dead = ?1`, dead).Scan(&n); err != nil {
		return 0, fmt.Errorf("report: count: %w", err)
	}
	return n, nil
}

// deleteSQL removes an outcome the issuer has.
const deleteSQL = `DELETE FROM edge_report WHERE jti = ?1`

// After delivers l, which the ledger queued leased to the request whose
// context ctx is, after that request's response (inside Workers under
// waitUntil, in the same instance; natively in a goroutine): the cardholder
// does not wait for the issuer. What fails stays queued with backoff.
//
// While Run runs (the native edge), the outcome is handed to its fresh
// sender instead, which posts the outcomes of many requests in one call
// (sendFresh).
func (r *Reporter) After(ctx context.Context, l ledger.Leased) {
	if l.JTI != "" && r.handOff(leased(l), 0) {
		return
	}
	worker.After(ctx, func(ctx context.Context) {
		if r.handOff(leased(l), freshWait) {
			return // the queue had room again
		}
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		r.DeliverLeased(ctx, l)
	})
}

// DeliverLeased posts l, a row leased to the caller, once, and reports
// whether the issuer accepted it. A failure reschedules it with backoff
// (or sets it aside) exactly as Deliver does, for Deliver to retry later.
func (r *Reporter) DeliverLeased(ctx context.Context, l ledger.Leased) bool {
	if l.JTI == "" {
		return false
	}
	return r.deliverOne(ctx, leased(l))
}
