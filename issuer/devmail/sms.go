package devmail

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/issuer/sms/wire"
)

// SMS is one received text message as the inbox shows it. The JSON field
// names are the contract the e2e tests rely on.
type SMS struct {
	ID         string    `json:"id"`
	Via        string    `json:"via"`         // "twilio" or "webhook"
	ProviderID string    `json:"provider_id"` // the "SM…" sid we answered (twilio), or the sender's message id (webhook)
	From       string    `json:"from"`        // From or MessagingServiceSid (twilio); empty for the webhook
	To         string    `json:"to"`          // E.164
	Body       string    `json:"body"`
	ReceivedAt time.Time `json:"received_at"` // UTC
}

func (m SMS) size() int { return len(m.ProviderID) + len(m.From) + len(m.To) + len(m.Body) }

// AddSMS stores m as Add stores a mail: fresh ID (from the same sequence
// as mails, so an id names one thing), ReceivedAt if unset, oldest evicted
// beyond the store's limit.
func (s *Store) AddSMS(m SMS) SMS {
	if m.ReceivedAt.IsZero() {
		m.ReceivedAt = time.Now()
	}
	m.ReceivedAt = m.ReceivedAt.UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	m.ID = strconv.FormatUint(s.next, 10)
	s.sms = appendBounded(s.sms, m, s.max, &s.bytes)
	return m
}

// findSMS returns the stored webhook message with the sender's id, so a
// retried webhook is stored once, as a real gateway would deliver it once.
func (s *Store) findSMS(via, providerID string) (SMS, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.sms {
		if m.Via == via && m.ProviderID == providerID {
			return m, true
		}
	}
	return SMS{}, false
}

// SMSes returns the stored text messages, newest first; only those to the
// number to when it is not empty (compared as E.164, so "090-1234-5678"
// finds "+819012345678"; a + that a query string turned into a space is
// put back).
func (s *Store) SMSes(to string) []SMS {
	if to = strings.TrimSpace(to); to != "" {
		if e164, err := wire.ParsePhone(to); err == nil {
			to = e164
		} else if e164, err := wire.ParsePhone("+" + to); err == nil {
			to = e164
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SMS, 0, len(s.sms))
	for i := len(s.sms) - 1; i >= 0; i-- {
		if to == "" || s.sms[i].To == to {
			out = append(out, s.sms[i])
		}
	}
	return out
}

// ClearSMS removes every text message (DELETE /api/sms).
func (s *Store) ClearSMS() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.sms {
		s.bytes -= m.size()
	}
	s.sms = nil
}

// SMSConfig is what the sink checks on incoming SMS, as the real services
// would: Twilio's account SID and auth token (HTTP basic auth), and the
// webhook's signing secret. An empty SID or token turns the Twilio
// endpoint off (404), an empty secret the webhook's.
type SMSConfig struct {
	TwilioSID     string
	TwilioToken   string
	WebhookSecret []byte
	Now           func() time.Time // time.Now if nil; for signature times
}

// twilioErr answers as Twilio's REST API does: its JSON error body.
func twilioErr(w http.ResponseWriter, status, code int, msg string) {
	jsonapi.Write(w, status, map[string]any{
		"code": code, "message": msg, "status": status,
		"more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(code),
	})
}

// twilioMessages takes Twilio's "create a Message" call.
func (h *Inbox) twilioMessages(w http.ResponseWriter, r *http.Request) {
	cfg := h.sms
	if cfg.TwilioSID == "" || cfg.TwilioToken == "" {
		twilioErr(w, http.StatusNotFound, 20404, "The requested resource was not found (Twilio is not configured in this sink)")
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(cfg.TwilioSID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(pass), []byte(cfg.TwilioToken)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		twilioErr(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if r.PathValue("sid") != user {
		twilioErr(w, http.StatusNotFound, 20404, "The requested resource /2010-04-01/Accounts/"+r.PathValue("sid")+"/Messages.json was not found")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		twilioErr(w, http.StatusBadRequest, 20001, "Content-Type must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		twilioErr(w, http.StatusBadRequest, 20001, "Invalid form: "+err.Error())
		return
	}
	f := r.PostForm
	to, from, svc, body := f.Get("To"), f.Get("From"), f.Get("MessagingServiceSid"), f.Get("Body")
	switch {
	case to == "":
		twilioErr(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case !wire.IsE164(to):
		twilioErr(w, http.StatusBadRequest, 21211, "The 'To' number "+to+" is not a valid phone number.")
		return
	case from == "" && svc == "":
		twilioErr(w, http.StatusBadRequest, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message")
		return
	case body == "":
		twilioErr(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	case utf8.RuneCountInString(body) > wire.MaxBodyRunes:
		twilioErr(w, http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	}
	sender, status := from, "queued"
	if svc != "" {
		sender, status = svc, "accepted" // Twilio picks the number later
	}
	sid := "SM" + randHex(16)
	m := h.store.AddSMS(SMS{Via: "twilio", ProviderID: sid, From: sender, To: to, Body: body})
	h.log.Info("devmail: sms received", "via", "twilio", "id", m.ID, "to", wire.MaskPhone(to))
	jsonapi.Write(w, http.StatusCreated, map[string]any{
		"sid": sid, "account_sid": user, "to": to, "from": nullable(from),
		"messaging_service_sid": nullable(svc), "body": body, "status": status,
		"num_segments": strconv.Itoa(wire.Segments(body)), "num_media": "0",
		"direction": "outbound-api", "api_version": "2010-04-01",
		"date_created": m.ReceivedAt.Format(time.RFC1123Z), "date_updated": m.ReceivedAt.Format(time.RFC1123Z),
		"date_sent": nil, "price": nil, "error_code": nil, "error_message": nil,
		"uri": "/2010-04-01/Accounts/" + user + "/Messages/" + sid + ".json",
	})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// smsWebhook takes the signed JSON webhook of sms.Webhook.
func (h *Inbox) smsWebhook(w http.ResponseWriter, r *http.Request) {
	cfg := h.sms
	if len(cfg.WebhookSecret) == 0 {
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusNotFound, Code: "not_found", Message: "the SMS webhook is not configured in this sink"})
		return
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "body too large"})
		return
	}
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	if err := wire.VerifySignature(cfg.WebhookSecret, r.Header.Get(wire.SignatureHeader), raw, now(), 0); err != nil {
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusUnauthorized, Code: "bad_signature", Message: err.Error()})
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "send application/json"})
		return
	}
	var in struct {
		ID   string `json:"id"`
		To   string `json:"to"`
		Body string `json:"body"`
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || dec.More() {
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusBadRequest, Code: "bad_request", Message: fmt.Sprintf("want {\"id\",\"to\",\"body\"}: %v", err)})
		return
	}
	var problem string
	switch {
	case in.ID == "":
		problem = "id is empty"
	case !wire.IsE164(in.To):
		problem = "to is not an E.164 number"
	case strings.TrimSpace(in.Body) == "":
		problem = "body is empty"
	case utf8.RuneCountInString(in.Body) > wire.MaxBodyRunes:
		problem = "body is longer than " + strconv.Itoa(wire.MaxBodyRunes) + " characters"
	}
	if problem != "" {
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusBadRequest, Code: "bad_request", Message: problem})
		return
	}
	if m, dup := h.store.findSMS("webhook", in.ID); dup {
		jsonapi.Write(w, http.StatusOK, map[string]string{"id": m.ID})
		return
	}
	m := h.store.AddSMS(SMS{Via: "webhook", ProviderID: in.ID, To: in.To, Body: in.Body})
	h.log.Info("devmail: sms received", "via", "webhook", "id", m.ID, "to", wire.MaskPhone(in.To))
	jsonapi.Write(w, http.StatusOK, map[string]string{"id": m.ID})
}

func (h *Inbox) apiSMS(w http.ResponseWriter, r *http.Request) {
	to, ok, msg := recipient(r)
	if !ok {
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusBadRequest, Code: "bad_request", Message: msg})
		return
	}
	jsonapi.Write(w, http.StatusOK, h.store.SMSes(to))
}

func (h *Inbox) apiClearSMS(w http.ResponseWriter, r *http.Request) {
	h.store.ClearSMS()
	w.WriteHeader(http.StatusNoContent)
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
