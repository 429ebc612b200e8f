// Package edgepush tells the edge what the issuer changed about
// credentials: after a lock (wrong codes, the cardholder's, the operator's),
// an unlock, a lost token or phone, a released or replaced app, or a contact
// change, the credential's new epoch and where its count of wrong codes
// stands. From that epoch on the edge compares no code of a challenge
// sealed before it, so the change stops every challenge already handed out,
// within the second the push takes.
//
// The store queues each state in the transaction of the change (table
// edge_pushes), so no change is lost; Run delivers the queue: every
// PollEvery, so changes made by another process (an operator's command)
// go out too, and retries with backoff while the edge is unreachable. Each
// delivery is one honnin-credentials+jwt signed by the issuer: the token is
// the message, and replaying it changes nothing (epochs only grow). Until
// the edge has it, the issuer is the backstop: it never records a Y for a
// credential that is not active.
package edgepush

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer/store"
)

// Defaults.
const (
	// PollEvery is how often Run looks for pushes: a change reaches the
	// edge within about this, plus one round trip.
	PollEvery = 250 * time.Millisecond
	lease     = 30 * time.Second
	maxWait   = 5 * time.Minute
)

// Pusher delivers the issuer's queued credential states to the edge.
type Pusher struct {
	Store *store.Store
	// Key returns the key that signs the statements: the issuer's signing
	// key in use now (it changes when serve reloads the key folder).
	Key func() challenge.SigningKey
	// EdgeURL is the edge's base URL; the statements go to its
	// contract.CredentialsPath.
	EdgeURL string
	// Client makes the calls; nil means a client with a 5 s timeout.
	Client *http.Client
	Log    *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (p *Pusher) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Pusher) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.Default()
}

// Run delivers until ctx ends.
func (p *Pusher) Run(ctx context.Context) error {
	t := time.NewTicker(PollEvery)
	defer t.Stop()
	for {
		if _, err := p.Deliver(ctx); err != nil && ctx.Err() == nil {
			p.log().Warn("edgepush: deliver", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Deliver sends every due push, in statements of at most
// challenge.MaxCredStates, and returns how many the edge took. A failed
// statement is rescheduled with backoff; the error is for the store only.
func (p *Pusher) Deliver(ctx context.Context) (int, error) {
	delivered := 0
	for ctx.Err() == nil {
		ps, err := p.Store.ClaimPushes(ctx, p.now(), lease, challenge.MaxCredStates)
		if err != nil {
			return delivered, err
		}
		if len(ps) == 0 {
			return delivered, nil
		}
		ids := make([]int64, len(ps))
		for i, x := range ps {
			ids[i] = x.ID
		}
		if err := p.send(ctx, ps); err != nil {
			tries := 0
			for _, x := range ps {
				tries = max(tries, x.Tries)
			}
			next := p.now().Add(backoff(tries + 1))
			p.log().Warn("edgepush: the edge did not take the credential states; will retry", "n", len(ps), "in", next.Sub(p.now()), "err", err)
			ctx := context.WithoutCancel(ctx)
			if ferr := p.Store.PushesFailed(ctx, ids, next, err.Error()); ferr != nil {
				return delivered, ferr
			}
			return delivered, nil
		}
		if err := p.Store.PushesDone(context.WithoutCancel(ctx), ids); err != nil {
			return delivered, err
		}
		delivered += len(ps)
	}
	return delivered, nil
}

// backoff after the n-th failure: 1 s doubling to maxWait, jittered over
// its upper half.
func backoff(n int) time.Duration {
	d := time.Second
	for i := 1; i < n && d < maxWait; i++ {
		d *= 2
	}
	d = min(d, maxWait)
	return d/2 + rand.N(d/2+1)
}

// send posts one statement of ps.
func (p *Pusher) send(ctx context.Context, ps []store.Push) error {
	now := p.now()
	states := make([]challenge.CredState, len(ps))
	for i, x := range ps {
		states[i] = challenge.CredState{ID: x.Cred, Epoch: x.Epoch, Failures: min(max(x.Failures, 0), limits.FailuresPerCredential)}
	}
	tok, err := challenge.Sign(p.Key(), challenge.TypCredentials, &challenge.CredentialsClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    challenge.IssuerName,
			Audience:  jwt.ClaimStrings{challenge.EdgeName},
			Subject:   contract.SubjectCredentials,
			ID:        challenge.NewID(),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(limits.CallTokenLifetime)),
		},
		Creds: states,
	})
	if err != nil {
		return err
	}
	body, err := json.Marshal(contract.CredentialsRequest{Token: tok})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(p.EdgeURL, "/")+contract.CredentialsPath, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	hc := p.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("edge answered %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	return nil
}
