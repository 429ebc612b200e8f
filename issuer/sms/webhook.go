package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/honnin/honnin/issuer/sms/wire"
)

// SignatureHeader carries a Webhook request's signature.
const SignatureHeader = wire.SignatureHeader

// DefaultSignatureTolerance is how far a signature's timestamp may be from
// the receiver's clock before VerifySignature refuses it.
const DefaultSignatureTolerance = wire.DefaultSignatureTolerance

// ErrBadSignature is wrapped by every VerifySignature error.
var ErrBadSignature = wire.ErrBadSignature

// Sign returns the X-Honnin-Signature value for body sent at t (see
// wire.Sign).
func Sign(secret []byte, t time.Time, body []byte) string { return wire.Sign(secret, t, body) }

// VerifySignature checks a webhook request's X-Honnin-Signature against
// its exact body and the time (see wire.VerifySignature).
func VerifySignature(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	return wire.VerifySignature(secret, header, body, now, tolerance)
}

// Webhook sends through any HTTP endpoint that takes our JSON: for an SMS
// gateway this package does not speak natively, a small adapter receives
//
//	POST {URL}
//	Content-Type: application/json
//	X-Honnin-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(Secret, "<t>.<body>")>
//
//	{"id":"<Message.ID>","to":"+819012345678","body":"<text>"}
//
// and answers 2xx once the message is accepted. The signature covers the
// exact body bytes and the timestamp, so the receiver can refuse forged and
// replayed requests (VerifySignature does both); "id" lets it drop
// duplicates. If a 2xx answer is a JSON object with a string "id", that is
// the provider id Send returns; otherwise Send returns Message.ID. 429 and
// 5xx answers are retryable errors, any other status is not.
type Webhook struct {
	URL    string
	Secret []byte
	Client *http.Client
	Now    func() time.Time // time.Now if nil; tests fix the signature time
}

// Name identifies the sender in failover logs.
func (w *Webhook) Name() string { return "webhook" }

// webhookBody is the JSON a Webhook posts.
type webhookBody struct {
	ID   string `json:"id"`
	To   string `json:"to"`
	Body string `json:"body"`
}

// Send posts m to the webhook.
func (w *Webhook) Send(ctx context.Context, m Message) (string, error) {
	if err := m.validate(); err != nil {
		return "", err
	}
	if w.URL == "" || len(w.Secret) == 0 {
		return "", errors.New("sms: webhook: URL and Secret must be set")
	}
	payload, err := json.Marshal(webhookBody{ID: m.ID, To: m.To, Body: m.Body})
	if err != nil {
		return "", fmt.Errorf("sms: webhook: encode: %w", err)
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(payload))
	if err != nil {
		return "", fmt.Errorf("sms: webhook: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set(SignatureHeader, Sign(w.Secret, now(), payload))

	resp, err := client(w.Client).Do(req)
	if err != nil {
		return "", transportError("webhook", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return "", transportError("webhook", fmt.Errorf("read answer (HTTP %d): %w", resp.StatusCode, err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", &Error{Provider: "webhook", Status: resp.StatusCode, Message: snippet(body, m.To), Retryable: retryableStatus(resp.StatusCode)}
	}
	var ans struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(body, &ans) == nil && ans.ID != "" {
		return ans.ID, nil
	}
	return m.ID, nil
}
