package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries a Webhook request's signature.
const SignatureHeader = "X-Honnin-Signature"

// DefaultSignatureTolerance is how far a signature's timestamp may be from
// the receiver's clock before VerifySignature refuses it: room for clock
// skew and a slow network, little for replaying a captured request.
const DefaultSignatureTolerance = 5 * time.Minute

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

// Sign returns the X-Honnin-Signature value for body sent at t:
// "t=<unix>,v1=<hex HMAC-SHA256(secret, "<unix>.<body>")>".
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// ErrBadSignature is wrapped by every VerifySignature error.
var ErrBadSignature = errors.New("bad webhook signature")

// VerifySignature checks a webhook request's X-Honnin-Signature header
// against its exact body: the header must parse, its timestamp must be
// within tolerance of now (DefaultSignatureTolerance if tolerance <= 0),
// and one of its v1 values must be the HMAC of "<t>.<body>" (several v1
// values let a sender sign with an old and a new secret while rotating).
// The comparison is constant-time.
func VerifySignature(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultSignatureTolerance
	}
	if len(secret) == 0 {
		return fmt.Errorf("%w: no secret configured", ErrBadSignature)
	}
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: malformed element %q", ErrBadSignature, part)
		}
		switch k {
		case "t":
			if ts != "" {
				return fmt.Errorf("%w: t given twice", ErrBadSignature)
			}
			ts = v
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != sha256.Size {
				return fmt.Errorf("%w: v1 is not a hex SHA-256 HMAC", ErrBadSignature)
			}
			sigs = append(sigs, sig)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return fmt.Errorf("%w: want t=<unix>,v1=<hex>", ErrBadSignature)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: t is not a unix time", ErrBadSignature)
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp is %s away from now, more than %s", ErrBadSignature, d.Round(time.Second), tolerance)
	}
	want := mac(secret, ts, body)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: no v1 matches the body", ErrBadSignature)
}
