// Package report tells the issuer how each authentication ended at the edge.
//
// The cardholder must never wait for the issuer, and the issuer must never
// miss an outcome: Enqueue writes the outcome to a table in the edge's
// database (before the handler answers), and Run delivers it in the
// background, retrying with exponential backoff and jitter while the issuer
// is down. The issuer deduplicates by jti, so delivering twice (after a crash
// between the POST and the delete) is harmless. An outcome the issuer
// refuses outright (a 4xx other than 408 and 429) is kept as dead, logged,
// and not retried: retrying would not change the answer.
package report

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/challenge"
)

// Schema creates the queue's table. New applies it; the Workers edge gets
// it from its D1 migrations (edge/migrations) instead.
//
//go:embed schema.sql
var Schema string

// Outcome is what the issuer learns of an authentication at the edge: the
// body of POST /internal/v1/results. It is either the authentication's one
// result (any status but C), or a progress report (status C): a wrong code
// that did not end it. Progress reports are how the issuer counts a
// credential's consecutive failures across challenges, even challenges the
// cardholder then abandons, so they are queued like results.
type Outcome struct {
	// JTI is the result token's id (a fresh id for a progress report); the
	// issuer is idempotent on it.
	JTI string `json:"jti"`
	// Sub is the authentication id.
	Sub    string `json:"sub"`
	Status string `json:"status"`
	// Reason is the result's reason, or on C why the code was wrong:
	// "wrong_code", or "code_used" (a TOTP code of a step already used).
	Reason string `json:"reason"`
	// Gen is the generation of the challenge token that ended it (or, on
	// C, the token the wrong code was entered against).
	Gen int `json:"gen"`
	// Attempts is the number of wrong codes entered so far.
	Attempts int `json:"attempts"`
	// Cred is the public id of the credential whose code matched (on Y
	// with a code; empty for a password, which the issuer checked itself).
	Cred string `json:"cred,omitempty"`
	// Step is the RFC 6238 step of the TOTP code that matched (on Y for app
	// and token; 0, left out, for email and SMS codes).
	Step int64 `json:"step,omitempty"`
	// Drift is Step minus the edge's current step (RFC 6238 §6: the issuer
	// records it per credential); left out when 0.
	Drift int `json:"drift,omitempty"`
}

// Progress reasons: why a wrong code that did not end the authentication
// was wrong.
const (
	ReasonWrongCode = "wrong_code"
	ReasonCodeUsed  = "code_used"
)

func (o Outcome) validate() error {
	switch {
	case o.JTI == "":
		return errors.New("no jti")
	case o.Sub == "":
		return errors.New("no sub")
	case !challenge.ValidStatus(o.Status):
		return fmt.Errorf("unknown status %q", o.Status)
	case o.Status == challenge.StatusChallenge && o.Reason != ReasonWrongCode && o.Reason != ReasonCodeUsed:
		return fmt.Errorf("progress report with reason %q", o.Reason)
	case o.Status == challenge.StatusChallenge && o.Attempts < 1:
		return errors.New("progress report without a wrong code")
	case o.Step < 0:
		return fmt.Errorf("negative step %d", o.Step)
	}
	return nil
}

// Config configures a Reporter. DB, IssuerURL and Key are required.
type Config struct {
	// DB holds the queue (table edge_report); the edge's ledger database.
	DB *sql.DB
	// IssuerURL is the issuer's base URL, e.g. http://127.0.0.1:8081.
	IssuerURL string
	// Key signs the call tokens (the edge's signing key).
	Key challenge.SigningKey
	// Client posts the outcomes; nil means a client with a 10 s timeout.
	Client *http.Client
	// Log receives delivery failures; nil means slog.Default().
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MinBackoff is the delay after the first failure (default 1 s); each
	// further failure doubles it up to MaxBackoff (default 1 min).
	MinBackoff, MaxBackoff time.Duration
	// Migrated says the schema is already applied (D1 migrations), so New
	// touches no database: on Workers, New runs in every fresh instance.
	Migrated bool
	// Poll bounds how long Run sleeps with nothing due, so it also picks up
	// rows written by another process on the same database (default 5 s).
	Poll time.Duration
}

// Reporter queues outcomes and delivers them to the issuer.
type Reporter struct {
	db      *sql.DB
	url     string
	key     challenge.SigningKey
	client  *http.Client
	log     *slog.Logger
	now     func() time.Time
	backoff backoff
	poll    time.Duration
	lease   time.Duration
	// wake is poked by Enqueue so Run delivers at once instead of at its
	// next poll. Buffered (1): a poke never blocks the handler.
	wake chan struct{}
	// token is the call token deliveries reuse (calltoken.go).
	token callTokenCache
}

// New returns a Reporter over cfg.DB, creating its table if needed.
func New(ctx context.Context, cfg Config) (*Reporter, error) {
	if cfg.DB == nil || cfg.IssuerURL == "" || cfg.Key.Private == nil {
		return nil, errors.New("report: DB, IssuerURL and Key are required")
	}
	r := &Reporter{
		db:      cfg.DB,
		url:     strings.TrimRight(cfg.IssuerURL, "/") + "/internal/v1/results",
		key:     cfg.Key,
		client:  cfg.Client,
		log:     cfg.Log,
		now:     cfg.Now,
		backoff: backoff{min: cfg.MinBackoff, max: cfg.MaxBackoff},
		poll:    cfg.Poll,
		wake:    make(chan struct{}, 1),
	}
	if r.client == nil {
		r.client = &http.Client{Timeout: 10 * time.Second}
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
		r.backoff.max = max(time.Minute, r.backoff.min)
	}
	if r.poll <= 0 {
		r.poll = 5 * time.Second
	}
	// A claimed row is invisible to other workers for this long; it must
	// outlast one delivery, so a crashed worker's row comes back after it.
	r.lease = 30 * time.Second
	if t := r.client.Timeout; t > 0 && 2*t > r.lease {
		r.lease = 2 * t
	}
	if cfg.Migrated {
		return r, nil
	}
	if _, err := r.db.ExecContext(ctx, Schema); err != nil {
		return nil, fmt.Errorf("report: migrate: %w", err)
	}
	return r, nil
}

const enqueueSQL = `INSERT INTO edge_report (jti, body, due, created) VALUES (?1, ?2, ?3, ?3)
ON CONFLICT (jti) DO NOTHING`

// Enqueue stores o durably for delivery and returns without waiting for
// the issuer. Enqueuing the same jti twice stores it once.
func (r *Reporter) Enqueue(ctx context.Context, o Outcome) error {
	if err := o.validate(); err != nil {
		return fmt.Errorf("report: enqueue: %w", err)
	}
	body, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("report: enqueue %s: %w", o.JTI, err)
	}
	if _, err := r.db.ExecContext(ctx, enqueueSQL, o.JTI, string(body), r.now().UnixMilli()); err != nil {
		return fmt.Errorf("report: enqueue %s: %w", o.JTI, err)
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return nil
}

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

// Claimed is an outcome that EnqueueClaimed queued already leased to its
// caller.
type Claimed struct {
	c  claimed
	ok bool
}

// deleteSQL removes an outcome the issuer has.
const deleteSQL = `DELETE FROM edge_report WHERE jti = ?1`

const enqueueClaimedSQL = `INSERT INTO edge_report (jti, body, due, created) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (jti) DO NOTHING RETURNING tries`

// EnqueueClaimed queues o durably like Enqueue, but leased to the caller
// from the start, for an edge that delivers each outcome itself right
// after the response (Workers): DeliverClaimed then posts it without first
// claiming it, one database statement fewer per outcome. If the caller
// never delivers it (the instance dies), the lease ends and Deliver picks
// it up like any other row, so nothing is lost.
func (r *Reporter) EnqueueClaimed(ctx context.Context, o Outcome) (Claimed, error) {
	if err := o.validate(); err != nil {
		return Claimed{}, fmt.Errorf("report: enqueue: %w", err)
	}
	body, err := json.Marshal(o)
	if err != nil {
		return Claimed{}, fmt.Errorf("report: enqueue %s: %w", o.JTI, err)
	}
	now := r.now()
	c := claimed{jti: o.JTI, body: string(body)}
	switch err := r.db.QueryRowContext(ctx, enqueueClaimedSQL, o.JTI, c.body, now.Add(r.lease).UnixMilli(), now.UnixMilli()).Scan(&c.tries); {
	case errors.Is(err, sql.ErrNoRows):
		// Already queued (the same jti twice): the row that is there is
		// not ours to deliver.
		return Claimed{}, nil
	case err != nil:
		return Claimed{}, fmt.Errorf("report: enqueue %s: %w", o.JTI, err)
	}
	return Claimed{c: c, ok: true}, nil
}

// DeliverClaimed posts the outcome EnqueueClaimed queued, once, and
// reports whether the issuer accepted it. A failure reschedules it with
// backoff (or dead-letters it) exactly as Deliver does, for Deliver to
// retry later.
func (r *Reporter) DeliverClaimed(ctx context.Context, c Claimed) bool {
	if !c.ok {
		return false
	}
	return r.deliverOne(ctx, c.c)
}
