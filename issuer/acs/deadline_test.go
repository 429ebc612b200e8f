package acs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/dispatch"
)

// silentMail is a mail server that takes the connection and never answers:
// each send waits for its context, and says how long it was given.
type silentMail struct {
	given  chan time.Duration
	onSend func() // if set, called as the send begins
}

func (m silentMail) SendCode(ctx context.Context, _ dispatch.CodeMail) error {
	if m.onSend != nil {
		m.onSend()
	}
	dl, ok := ctx.Deadline()
	if !ok {
		m.given <- -1
		return errors.New("no deadline")
	}
	m.given <- time.Until(dl)
	<-ctx.Done()
	return ctx.Err()
}

func (silentMail) SendNotice(context.Context, dispatch.Notice) error { return nil }

// TestSilentMailAnswersFailed: a mail server that never answers makes a
// start and a resend answer "failed" (the screen offers Resend), not an
// error the edge would show as "issuer unavailable"; the send is cut off
// before the issuer's deadline, leaving the reserve to record it, even
// when the edge has hung up; and the challenge holds no code.
func TestSilentMailAnswersFailed(t *testing.T) {
	f := newFixture(t)
	// The edge hangs up as the send begins: the send still runs to its
	// own bound, and its outcome is recorded.
	hungUp, hangUp := context.WithCancel(t.Context())
	m := silentMail{given: make(chan time.Duration, 4), onSend: hangUp}
	f.cfg.Mail = m
	var err error
	if f.svc, err = New(f.cfg); err != nil {
		t.Fatal(err)
	}
	f.svc.deadlines = deadlines{answer: 400 * time.Millisecond, send: time.Minute, reserve: 300 * time.Millisecond}
	id := f.purchaseOn(t, "3540123456789016", Enrolment{Holder: issuer.Cardholder{Email: "silent@mail.jp"}})

	started, err := f.svc.Start(hungUp, id, Signals{})
	if err != nil || started.Decision != contract.DecisionChallenge || started.Delivery != contract.DeliveryFailed {
		t.Fatalf("start: %+v, %v; want a challenge with delivery failed", started, err)
	}
	if got := <-m.given; got <= 0 || got > f.svc.deadlines.answer-f.svc.deadlines.reserve {
		t.Errorf("the send was given %v, want at most the deadline %v less the reserve %v",
			got, f.svc.deadlines.answer, f.svc.deadlines.reserve)
	}
	a, err := f.store.Authentication(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Secret) != 0 || !a.LastSentAt.IsZero() {
		t.Errorf("after a send cut off: secret %d bytes, last sent %v; want no code kept and nothing sent", len(a.Secret), a.LastSentAt)
	}

	f.svc.mail = silentMail{given: m.given}
	issued, err := f.svc.Resend(t.Context(), id, a.Gen)
	if err != nil || issued.Delivery != contract.DeliveryFailed {
		t.Fatalf("resend: %+v, %v; want delivery failed", issued, err)
	}
	if got := <-m.given; got <= 0 || got > f.svc.deadlines.answer-f.svc.deadlines.reserve {
		t.Errorf("the resend's send was given %v", got)
	}
}

// TestSendDeadline: a send gets its own timeout, cut short so that the
// reserve is left before the caller's deadline.
func TestSendDeadline(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := deadlines{answer: 12 * time.Second, send: 8 * time.Second, reserve: 3 * time.Second}
	for _, c := range []struct {
		name     string
		deadline time.Duration // from now; 0: none
		want     time.Duration
	}{
		{"no deadline", 0, 8 * time.Second},
		{"ample", 12 * time.Second, 8 * time.Second},
		{"late start", 9 * time.Second, 6 * time.Second},
		{"spent", 2 * time.Second, -time.Second},
	} {
		ctx := context.Background()
		if c.deadline > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, now.Add(c.deadline))
			defer cancel()
		}
		if got := d.sendDeadline(ctx, now).Sub(now); got != c.want {
			t.Errorf("%s: the send ends %v after now, want %v", c.name, got, c.want)
		}
	}
}

// TestContractDeadlines: production uses the contract's bounds.
func TestContractDeadlines(t *testing.T) {
	f := newFixture(t)
	want := deadlines{answer: contract.IssuerDeadline, send: contract.SendTimeout, reserve: contract.AnswerReserve}
	if f.svc.deadlines != want {
		t.Errorf("deadlines %+v, want %+v", f.svc.deadlines, want)
	}
}
