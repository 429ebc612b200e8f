package sms

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// FuzzGatewayAnswer has a real server on loopback answer Twilio's and the
// webhook's requests with any status and body. Properties: Twilio's send
// succeeds exactly on 200 or 201 with a JSON message sid, and returns that
// sid; the webhook's on any 2xx, returning the answer's string "id" or
// else the message's own ID; every failure is an *Error of the provider
// with the answer's status, retryable exactly on 429 and 5xx (an accepted
// answer without a sid is not: the message may be out); the error's text
// from the answer never shows the recipient's number, in E.164 or without
// its +; and every webhook request carries a signature its receiver
// accepts.
func FuzzGatewayAnswer(f *testing.F) {
	f.Add(false, uint16(201), []byte(`{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued"}`))
	f.Add(false, uint16(400), []byte(`{"code":21211,"message":"The 'To' number +819012345678 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}`))
	f.Add(false, uint16(200), []byte(`{"status":"queued"}`))
	f.Add(false, uint16(429), []byte(`<html>slow down 819012345678</html>`))
	f.Add(false, uint16(503), []byte{})
	f.Add(true, uint16(200), []byte(`{"id":"gw-1"}`))
	f.Add(true, uint16(202), []byte(`{"id":7}`))
	f.Add(true, uint16(500), []byte("internal +819012345678"))
	f.Add(true, uint16(302), []byte(""))

	const to = "+819012345678"
	secret := []byte("webhook-secret")
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	var status int
	var answer []byte
	var sigErr error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		body, _ := io.ReadAll(r.Body)
		if strings.HasPrefix(r.URL.Path, "/webhook") {
			sigErr = VerifySignature(secret, r.Header.Get(SignatureHeader), body, now, 0)
		}
		w.WriteHeader(status)
		_, _ = w.Write(answer)
	}))
	f.Cleanup(srv.Close)
	tw := &Twilio{BaseURL: srv.URL, AccountSID: "AC1", AuthToken: "token", From: "+15005550006", Client: srv.Client()}
	wh := &Webhook{URL: srv.URL + "/webhook", Secret: secret, Client: srv.Client(), Now: func() time.Time { return now }}
	m := Message{To: to, Body: "code 123456", ID: "msg-1"}

	f.Fuzz(func(t *testing.T, webhook bool, st uint16, body []byte) {
		mu.Lock()
		status, answer, sigErr = httpStatus(st), body, nil
		mu.Unlock()
		if status == http.StatusNoContent || status == http.StatusNotModified {
			body = nil // net/http sends no body with these
		}
		var s Sender = tw
		if webhook {
			s = wh
		}
		id, err := s.Send(context.Background(), m)
		mu.Lock()
		serr := sigErr
		mu.Unlock()
		if serr != nil {
			t.Fatalf("the webhook's receiver refuses its signature: %v", serr)
		}

		twoxx := status/100 == 2
		var twilioOK struct {
			SID string `json:"sid"`
		}
		switch {
		case webhook && twoxx:
			var ans struct {
				ID string `json:"id"`
			}
			want := m.ID
			if json.Unmarshal(body, &ans) == nil && ans.ID != "" {
				want = ans.ID
			}
			if err != nil || id != want {
				t.Fatalf("webhook %d %q: %q, %v; want %q", status, body, id, err, want)
			}
			return
		case !webhook && (status == 200 || status == 201) && json.Unmarshal(body, &twilioOK) == nil && twilioOK.SID != "":
			if err != nil || id != twilioOK.SID {
				t.Fatalf("twilio %d %q: %q, %v", status, body, id, err)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) || id != "" {
			t.Fatalf("%d %q: %q, %v; want an *Error", status, body, id, err)
		}
		if e.Status != status || e.Retryable != (status == 429 || status >= 500) || Retryable(err) != e.Retryable {
			t.Fatalf("%d %q: %+v", status, body, e)
		}
		for _, s := range []string{e.Message, e.MoreInfo} {
			if strings.Contains(s, to) || strings.Contains(s, to[1:]) {
				t.Fatalf("the error shows the number: %q", s)
			}
		}
	})
}

// httpStatus maps a fuzzed number to a final HTTP status, 200 to 599; the
// statuses from 200 up stand for themselves.
func httpStatus(n uint16) int {
	s := int(n) % 600
	if s < 200 {
		s += 200
	}
	return s
}
