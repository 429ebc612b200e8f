package sms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Failover sends through Senders in order: when one fails for any reason
// (refusal, server error, timeout) the next is tried, so one provider's
// outage does not leave cardholders without codes. A failure even of a
// kind that "cannot succeed" (a 4xx) moves on, because the next provider
// may accept what this one refused (a number its account may not reach).
// Invalid messages are refused before any sender is tried.
//
// Each failover is logged at Warn with the failed sender, the next one, the
// message id and the error (phone numbers masked). When all fail, Send's
// error joins every sender's error; Retryable(err) is true if any of them
// is retryable.
type Failover struct {
	Senders []Sender
	// Timeout bounds each sender's attempt (none if 0), so a provider that
	// hangs does not use up the caller's whole deadline before the next
	// one gets its turn.
	Timeout time.Duration
	Logger  *slog.Logger // slog.Default() if nil
}

// Name identifies the sender in logs.
func (f *Failover) Name() string { return "failover" }

// Send tries each sender in order and returns the first provider id.
func (f *Failover) Send(ctx context.Context, m Message) (string, error) {
	if err := m.validate(); err != nil {
		return "", err
	}
	if len(f.Senders) == 0 {
		return "", errors.New("sms: failover: no senders configured")
	}
	log := f.Logger
	if log == nil {
		log = slog.Default()
	}
	var errs []error
	for i, s := range f.Senders {
		id, err := f.try(ctx, s, m)
		if err == nil {
			if i > 0 {
				log.Info("sms: sent after failover", "sender", senderName(s, i), "msg", m.ID, "provider_id", id, "to", MaskPhone(m.To))
			}
			return id, nil
		}
		errs = append(errs, fmt.Errorf("sender %d (%s): %w", i+1, senderName(s, i), err))
		if ctx.Err() != nil {
			// The caller gave up: no later sender can do better.
			errs = append(errs, ctx.Err())
			break
		}
		if i+1 < len(f.Senders) {
			log.Warn("sms: failover", "failed", senderName(s, i), "next", senderName(f.Senders[i+1], i+1),
				"msg", m.ID, "to", MaskPhone(m.To), "err", err)
		}
	}
	return "", fmt.Errorf("sms: every sender failed: %w", errors.Join(errs...))
}

func (f *Failover) try(ctx context.Context, s Sender, m Message) (string, error) {
	if f.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.Timeout)
		defer cancel()
	}
	return s.Send(ctx, m)
}

// senderName is the sender's Name() if it has one, else its position.
func senderName(s Sender, i int) string {
	if n, ok := s.(interface{ Name() string }); ok {
		return n.Name()
	}
	return fmt.Sprintf("sender %d", i+1)
}
