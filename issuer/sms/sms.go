// Package sms sends one-time code text messages: through Twilio's Messages
// REST API, through a generic signed JSON webhook (for an SMS gateway we
// do not speak natively), or through several of them in order (Failover).
// It also writes the code text (Text), with the WebOTP line that lets the
// challenge iframe fill the code in by itself, and parses and masks the
// cardholder's phone number (ParsePhone, MaskPhone).
//
// Only the sending is here; which code to send, how often and to whom is
// the issuer's business (limits, resend rules, the outbox).
package sms

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"unicode/utf8"

	"github.com/honnin/honnin/issuer/sms/wire"
)

// Message is one text message to send.
type Message struct {
	To   string // the recipient in E.164, "+819012345678" (see ParsePhone)
	Body string // the text (see Text)
	ID   string // our idempotency key: the same ID is the same message
}

// Sender delivers a Message to a provider and returns the provider's id for
// it (Twilio's "SM…" sid), which the issuer logs so a delivery complaint
// can be traced at the provider. A nil error means the provider accepted
// the message, not that the phone received it.
type Sender interface {
	Send(ctx context.Context, m Message) (providerID string, err error)
}

// MaxBodyRunes is the longest body any provider here accepts: Twilio
// refuses more than 1600 characters (error 21617), and no code text comes
// near it.
const MaxBodyRunes = wire.MaxBodyRunes

// ErrInvalidMessage is wrapped by Send errors caused by the message itself
// (bad number, empty body): retrying or failing over cannot help.
var ErrInvalidMessage = errors.New("invalid sms message")

func (m Message) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("sms: %w: %s", ErrInvalidMessage, fmt.Sprintf(format, a...))
	}
	if !isE164(m.To) {
		return bad("recipient %s is not an E.164 number (+ and 8 to 15 digits)", MaskPhone(m.To))
	}
	if strings.TrimSpace(m.Body) == "" {
		return bad("empty body")
	}
	if !utf8.ValidString(m.Body) {
		return bad("body is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(m.Body); n > MaxBodyRunes {
		return bad("body has %d characters, more than %d", n, MaxBodyRunes)
	}
	if m.ID == "" {
		return bad("no message id")
	}
	return nil
}

// Error is a provider's refusal or an failure to reach it. Retryable tells
// the caller whether the same message may succeed later (rate limit, server
// error, network trouble) or never will as it is (bad number, bad
// credentials): failover does not care, the issuer's outbox does.
type Error struct {
	Provider  string // "twilio", "webhook"
	Status    int    // HTTP status; 0 when no response came
	Code      int    // the provider's error code (Twilio's 21211…); 0 if none
	Message   string // the provider's message, phone numbers masked
	MoreInfo  string // the provider's link to the error's documentation
	Retryable bool
	Err       error // the transport error when no response came
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sms: %s", e.Provider)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, ": error %d", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.MoreInfo != "" {
		fmt.Fprintf(&b, " (%s)", e.MoreInfo)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Retryable {
		b.WriteString(" [retryable]")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// retryableStatus is the rule for HTTP answers: too many requests and
// server errors may pass later; any other 4xx is our fault and will not.
func retryableStatus(status int) bool { return status == 429 || status >= 500 }

// Retryable reports whether err (from any Sender here, a Failover's joined
// error included) may succeed if the same message is sent again later: true
// if any error in the tree is a retryable *Error, a timeout or a network
// error; false for invalid messages and provider refusals.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) && e.Retryable {
		return true
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, x := range u.Unwrap() {
			if Retryable(x) {
				return true
			}
		}
	case interface{ Unwrap() error }:
		return Retryable(u.Unwrap())
	}
	return false
}

// transportError wraps a failure to get an answer at all. It is retryable
// unless the caller's own context ended, which a later attempt may not
// share but this one cannot outlive.
func transportError(provider string, err error) *Error {
	return &Error{Provider: provider, Err: err, Retryable: !errors.Is(err, context.Canceled)}
}

// redactPhone hides the recipient's number in provider text (Twilio names
// the number it refuses), because errors end up in logs.
func redactPhone(s, to string) string {
	if to == "" {
		return s
	}
	mask := MaskPhone(to)
	national := strings.TrimPrefix(to, "+")
	if national == to || len(national) < 7 {
		national = to
	}
	// Again until none is left: the mask keeps the last four digits, and
	// text right after it can make the number whole again (found by
	// fuzzing: "…5678" + "19012345678"). Each pass removes digits, so it
	// ends.
	for strings.Contains(s, national) {
		s = strings.ReplaceAll(strings.ReplaceAll(s, to, mask), national, mask)
	}
	return s
}
