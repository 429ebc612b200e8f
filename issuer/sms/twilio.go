package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTwilioBaseURL is Twilio's REST API. Tests and the dev sink
// (issuer/devmail) replace it.
const DefaultTwilioBaseURL = "https://api.twilio.com"

// DefaultTimeout bounds one provider request when the caller's http.Client
// has no timeout of its own: the cardholder is waiting on the challenge
// screen, and a failover sender may still be tried.
const DefaultTimeout = 10 * time.Second

// maxResponseBytes caps what is read of a provider's answer: a message
// resource is about 1 KiB; anything longer is not an answer we can use.
const maxResponseBytes = 64 << 10

// Twilio sends through Twilio's Programmable Messaging "create a Message"
// call: a form POST to
//
//	{BaseURL}/2010-04-01/Accounts/{AccountSID}/Messages.json
//
// with HTTP basic auth AccountSID:AuthToken and the fields To, Body and
// either MessagingServiceSid (preferred when set: Twilio picks the sender
// number and applies the service's compliance settings) or From. A 201
// answer carries the message's sid ("SM…"), which Send returns; an error
// answer's JSON (code, message, more_info, status) becomes an *Error.
//
// Twilio's Messages API has no idempotency key: Message.ID is not sent, and
// a retry after a lost answer can deliver twice. The issuer logs the ID with
// the sid so duplicates can be told apart.
type Twilio struct {
	BaseURL             string // DefaultTwilioBaseURL if empty
	AccountSID          string // "AC…"
	AuthToken           string
	From                string // the sender number in E.164 (or an alphanumeric sender id)
	MessagingServiceSID string // "MG…"; used instead of From when set
	Client              *http.Client
}

// Name identifies the sender in failover logs.
func (t *Twilio) Name() string { return "twilio" }

// twilioMessage is the part of Twilio's message resource we read: the
// sid alone. The rest (status, price, ...) is not ours to judge, so an
// odd value there cannot turn an accepted message into an error that
// hides its sid (fuzzing found a numeric "status" doing so).
type twilioMessage struct {
	SID string `json:"sid"`
}

// twilioError is the body of Twilio's REST API errors.
type twilioError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// Send posts m to Twilio and returns the message sid.
func (t *Twilio) Send(ctx context.Context, m Message) (string, error) {
	if err := m.validate(); err != nil {
		return "", err
	}
	if t.AccountSID == "" || t.AuthToken == "" {
		return "", errors.New("sms: twilio: AccountSID and AuthToken must be set")
	}
	if t.From == "" && t.MessagingServiceSID == "" {
		return "", errors.New("sms: twilio: From or MessagingServiceSID must be set")
	}
	base := t.BaseURL
	if base == "" {
		base = DefaultTwilioBaseURL
	}
	endpoint := strings.TrimRight(base, "/") + "/2010-04-01/Accounts/" + url.PathEscape(t.AccountSID) + "/Messages.json"

	form := url.Values{"To": {m.To}, "Body": {m.Body}}
	if t.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", t.MessagingServiceSID)
	} else {
		form.Set("From", t.From)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("sms: twilio: build request: %w", err)
	}
	req.SetBasicAuth(t.AccountSID, t.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")

	resp, err := client(t.Client).Do(req)
	if err != nil {
		return "", transportError("twilio", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return "", transportError("twilio", fmt.Errorf("read answer (HTTP %d): %w", resp.StatusCode, err))
	}

	if resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK {
		var msg twilioMessage
		if err := json.Unmarshal(body, &msg); err != nil || msg.SID == "" {
			// Accepted but unreadable: the message may well go out, so
			// failing over would send a second one. Say so; do not retry.
			return "", &Error{Provider: "twilio", Status: resp.StatusCode, Message: "accepted, but the answer has no message sid: " + snippet(body, m.To)}
		}
		return msg.SID, nil
	}

	e := &Error{Provider: "twilio", Status: resp.StatusCode, Retryable: retryableStatus(resp.StatusCode)}
	var te twilioError
	if json.Unmarshal(body, &te) == nil && (te.Code != 0 || te.Message != "") {
		e.Code, e.Message, e.MoreInfo = te.Code, redactPhone(te.Message, m.To), redactPhone(te.MoreInfo, m.To)
	} else {
		e.Message = snippet(body, m.To)
	}
	return "", e
}

// client returns c, or a client with DefaultTimeout.
func client(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return defaultClient
}

var defaultClient = &http.Client{Timeout: DefaultTimeout}

// snippet is an unexpected answer shortened for an error message, with the
// recipient's number masked.
func snippet(body []byte, to string) string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(body), "\uFFFD"))
	if s == "" {
		return "empty answer"
	}
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return redactPhone(s, to)
}
