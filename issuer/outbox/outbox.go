// Package outbox makes the issuer's notice mails durable: a notice (a
// credential locked, an app registration password) is written to the
// database's outbox when its event happens and delivered by Run, with
// retries and backoff, ending sent or failed, where an operator sees it
// (issuer outbox) and can send it again.
//
// One-time codes are not queued: the challenge screen must say at once
// whether the code was sent, and a code is worth nothing minutes later.
// They still go out synchronously; the outbox only records the ones that
// failed, so the operator's one list shows every message that did not
// arrive.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/sms"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/vault"
)

// Mailer sends mail at once (dispatch.Mailer).
type Mailer interface {
	SendCode(context.Context, dispatch.CodeMail) error
	SendNotice(context.Context, dispatch.Notice) error
}

// SMSSender sends a text message at once (an issuer/sms provider).
type SMSSender interface {
	Send(context.Context, sms.Message) (string, error)
}

// Kinds of outbox items.
const (
	KindCodeEmail = "code:email"
	KindCodeSMS   = "code:sms"
	noticePrefix  = "notice:"
)

// Outbox queues notices for Run and records failed code sends. As a Mailer
// it is what the API is given in place of the mailer itself.
type Outbox struct {
	store *store.Store
	vault *vault.Vault
	mail  Mailer
	log   *slog.Logger
	now   func() time.Time
	// wake tells Run a notice was queued, so it goes out at once rather
	// than at the next tick.
	wake chan struct{}

	// OnResult, if set before the outbox is used, is told of each code
	// send and each notice delivery attempt: kind is the item's
	// (code:email, code:sms, notice:<kind>), result "sent" or "failed",
	// or "retry" for a notice attempt that will be tried again
	// (issuer/metrics counts them).
	OnResult func(kind, result string)
}

// New returns an outbox over st that seals queued notices with v and
// delivers them through mail. log and now may be nil.
func New(st *store.Store, v *vault.Vault, mail Mailer, log *slog.Logger, now func() time.Time) *Outbox {
	if log == nil {
		log = slog.Default()
	}
	if now == nil {
		now = time.Now
	}
	return &Outbox{store: st, vault: v, mail: mail, log: log, now: now, wake: make(chan struct{}, 1)}
}

// SendCode sends the code mail at once and records it in the outbox if it
// failed. The error is the mailer's.
func (o *Outbox) SendCode(ctx context.Context, m dispatch.CodeMail) error {
	err := o.mail.SendCode(ctx, m)
	if err != nil {
		o.record(ctx, KindCodeEmail, dispatch.MaskEmail(m.To), err)
	}
	o.result(KindCodeEmail, err)
	return err
}

// SendNotice queues n for delivery and returns once it is stored: the
// notice is as durable as the event that caused it.
func (o *Outbox) SendNotice(ctx context.Context, n dispatch.Notice) error {
	b, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("outbox: queue %s notice: %w", n.Kind, err)
	}
	ref := newRef()
	it := store.OutboxItem{Ref: ref, Kind: noticePrefix + n.Kind, Dest: dispatch.MaskEmail(n.To),
		Payload: o.vault.Seal(b, aad(ref))}
	if _, err := o.store.Enqueue(ctx, it, o.now()); err != nil {
		return fmt.Errorf("outbox: queue %s notice: %w", n.Kind, err)
	}
	select {
	case o.wake <- struct{}{}:
	default: // a wake-up is pending already
	}
	return nil
}

// SMS returns s recording its failed sends in the outbox.
func (o *Outbox) SMS(s SMSSender) SMSSender { return recordingSMS{o, s} }

type recordingSMS struct {
	o *Outbox
	s SMSSender
}

func (r recordingSMS) Send(ctx context.Context, m sms.Message) (string, error) {
	id, err := r.s.Send(ctx, m)
	if err != nil {
		r.o.record(ctx, KindCodeSMS, sms.MaskPhone(m.To), err)
	}
	r.o.result(KindCodeSMS, err)
	return id, err
}

// result tells OnResult of a send: sent, or failed if err.
func (o *Outbox) result(kind string, err error) {
	if err != nil {
		o.tell(kind, "failed")
	} else {
		o.tell(kind, "sent")
	}
}

func (o *Outbox) tell(kind, result string) {
	if o.OnResult != nil {
		o.OnResult(kind, result)
	}
}

// record notes a failed code send. Failing to note it is logged only: the
// send's own error is what the caller acts on.
func (o *Outbox) record(ctx context.Context, kind, dest string, sendErr error) {
	ctx = context.WithoutCancel(ctx)
	if err := o.store.RecordFailedSend(ctx, kind, dest, sendErr.Error(), o.now()); err != nil {
		o.log.Warn("outbox: failed send not recorded", "kind", kind, "err", err)
	}
}

func aad(ref string) []byte { return []byte("outbox:" + ref) }
