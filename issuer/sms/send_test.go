package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var msg = Message{To: "+819012345678", Body: "【Honnin】認証コード 123456\n@shop.example #123456 @acs.example", ID: "01JTESTMESSAGE0000000000001"}

const (
	sid   = "AC0123456789abcdef0123456789abcdef"
	token = "secret-token"
)

// twilioServer speaks the Messages create call: it checks what Twilio
// checks and answers with Twilio's shapes.
func twilioServer(t *testing.T, status int, answer string, check func(r *http.Request)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if check != nil {
			check(r)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestTwilioSend(t *testing.T) {
	tests := []struct {
		name    string
		tw      Twilio
		wantKey string // the sender field
		wantVal string
	}{
		{"from", Twilio{From: "+15005550006"}, "From", "+15005550006"},
		{"messaging service", Twilio{From: "+15005550006", MessagingServiceSID: "MG0123"}, "MessagingServiceSid", "MG0123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got http.Request
			var form map[string][]string
			srv := twilioServer(t, 201, `{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued","to":"+819012345678"}`, func(r *http.Request) {
				got = *r
				if err := r.ParseForm(); err != nil {
					t.Errorf("parse form: %v", err)
				}
				form = r.PostForm
			})
			tw := tt.tw
			tw.BaseURL, tw.AccountSID, tw.AuthToken = srv.URL+"/", sid, token
			id, err := tw.Send(context.Background(), msg)
			if err != nil || id != "SM0123456789abcdef0123456789abcdef" {
				t.Fatalf("Send = %q, %v", id, err)
			}
			if got.Method != "POST" || got.URL.Path != "/2010-04-01/Accounts/"+sid+"/Messages.json" {
				t.Errorf("request %s %s", got.Method, got.URL.Path)
			}
			if u, p, ok := got.BasicAuth(); !ok || u != sid || p != token {
				t.Errorf("basic auth %q %q %v", u, p, ok)
			}
			if ct := got.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
				t.Errorf("content type %q", ct)
			}
			want := map[string]string{"To": msg.To, "Body": msg.Body, tt.wantKey: tt.wantVal}
			if len(form) != len(want) {
				t.Errorf("form fields %v, want %v", form, want)
			}
			for k, v := range want {
				if vs := form[k]; len(vs) != 1 || vs[0] != v {
					t.Errorf("form %s = %q, want %q", k, vs, v)
				}
			}
		})
	}
}

func TestTwilioErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		answer    string
		retryable bool
		want      []string // in the error text
		code      int
	}{
		{"bad number", 400, `{"code":21211,"message":"The 'To' number +819012345678 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}`,
			false, []string{"HTTP 400", "error 21211", "***-****-5678", "docs/errors/21211"}, 21211},
		{"auth", 401, `{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}`,
			false, []string{"HTTP 401", "error 20003", "Authenticate"}, 20003},
		{"rate limit", 429, `{"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429}`,
			true, []string{"HTTP 429", "[retryable]"}, 20429},
		{"server error, html", 503, `<html>Service Unavailable</html>`, true, []string{"HTTP 503", "Service Unavailable"}, 0},
		{"201 without sid", 201, `{}`, false, []string{"no message sid"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := twilioServer(t, tt.status, tt.answer, nil)
			tw := &Twilio{BaseURL: srv.URL, AccountSID: sid, AuthToken: token, From: "+15005550006"}
			id, err := tw.Send(context.Background(), msg)
			var e *Error
			if err == nil || !errors.As(err, &e) {
				t.Fatalf("Send = %q, %v; want *Error", id, err)
			}
			if e.Retryable != tt.retryable || Retryable(err) != tt.retryable || e.Code != tt.code || e.Status != tt.status {
				t.Errorf("error %+v: want retryable %v, code %d", e, tt.retryable, tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "9012345678") {
				t.Errorf("error shows the phone number: %v", err)
			}
		})
	}
}

func TestSendRefusesInvalid(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	senders := []Sender{
		&Twilio{BaseURL: srv.URL, AccountSID: sid, AuthToken: token, From: "+15005550006"},
		&Webhook{URL: srv.URL, Secret: []byte("k")},
		&Failover{Senders: []Sender{&Webhook{URL: srv.URL, Secret: []byte("k")}}},
	}
	for _, m := range []Message{
		{To: "09012345678", Body: "x", ID: "1"},
		{To: "+819012345678", Body: " ", ID: "1"},
		{To: "+819012345678", Body: "x"},
		{To: "+819012345678", Body: strings.Repeat("x", MaxBodyRunes+1), ID: "1"},
	} {
		for _, s := range senders {
			if _, err := s.Send(context.Background(), m); !errors.Is(err, ErrInvalidMessage) || Retryable(err) {
				t.Errorf("%T.Send(%+.30v) = %v, want ErrInvalidMessage", s, m, err)
			}
		}
	}
	if calls.Load() != 0 {
		t.Errorf("%d requests for invalid messages", calls.Load())
	}
}

func TestWebhookSend(t *testing.T) {
	secret := []byte("webhook-secret")
	now := time.Unix(1790000000, 0)
	for _, tt := range []struct {
		answer, wantID string
	}{
		{`{"id":"gw-42"}`, "gw-42"},
		{``, msg.ID},
		{`ok`, msg.ID},
	} {
		var body []byte
		var hdr http.Header
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != "POST" || r.URL.Path != "/hook" {
				t.Errorf("request %s %s", r.Method, r.URL.Path)
			}
			hdr = r.Header
			body, _ = io.ReadAll(r.Body)
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, tt.answer)
		}))
		wh := &Webhook{URL: srv.URL + "/hook", Secret: secret, Now: func() time.Time { return now }}
		id, err := wh.Send(context.Background(), msg)
		srv.Close()
		if err != nil || id != tt.wantID {
			t.Fatalf("Send = %q, %v; want %q", id, err, tt.wantID)
		}
		if ct := hdr.Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
		var got map[string]string
		if err := json.Unmarshal(body, &got); err != nil || len(got) != 3 || got["id"] != msg.ID || got["to"] != msg.To || got["body"] != msg.Body {
			t.Errorf("body %s (%v)", body, err)
		}
		// The signature, computed here independently of Sign.
		want := "t=1790000000,v1=" + hmacHex(secret, "1790000000."+string(body))
		if sig := hdr.Get("X-Honnin-Signature"); sig != want {
			t.Errorf("signature %q, want %q", sig, want)
		}
		if err := VerifySignature(secret, hdr.Get(SignatureHeader), body, now.Add(time.Minute), 0); err != nil {
			t.Errorf("VerifySignature: %v", err)
		}
	}
}

func TestWebhookErrors(t *testing.T) {
	for _, tt := range []struct {
		status    int
		retryable bool
	}{{400, false}, {401, false}, {404, false}, {429, true}, {500, true}, {502, true}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "no: "+msg.To, tt.status)
		}))
		_, err := (&Webhook{URL: srv.URL, Secret: []byte("k")}).Send(context.Background(), msg)
		srv.Close()
		var e *Error
		if !errors.As(err, &e) || e.Status != tt.status || e.Retryable != tt.retryable || Retryable(err) != tt.retryable {
			t.Errorf("status %d: %v, want retryable %v", tt.status, err, tt.retryable)
		}
		if err != nil && strings.Contains(err.Error(), "9012345678") {
			t.Errorf("error shows the phone number: %v", err)
		}
	}
}

func TestVerifySignature(t *testing.T) {
	secret := []byte("s3cret")
	body := []byte(`{"id":"1","to":"+819012345678","body":"x"}`)
	now := time.Unix(1790000000, 0)
	good := Sign(secret, now, body)
	other := Sign([]byte("old"), now, body)
	tests := []struct {
		name, header string
		body         []byte
		at           time.Time
		ok           bool
	}{
		{"good", good, body, now, true},
		{"clock skew within tolerance", good, body, now.Add(-4 * time.Minute), true},
		{"two v1, one good (rotation)", other + ",v1=" + strings.SplitN(good, "v1=", 2)[1], body, now, true},
		{"spaces", strings.ReplaceAll(good, ",", ", "), body, now, true},
		{"other body", good, []byte(`{"id":"2"}`), now, false},
		{"other secret", other, body, now, false},
		{"too old", good, body, now.Add(6 * time.Minute), false},
		{"from the future", good, body, now.Add(-6 * time.Minute), false},
		{"no t", "v1=" + strings.SplitN(good, "v1=", 2)[1], body, now, false},
		{"no v1", "t=1790000000", body, now, false},
		{"empty", "", body, now, false},
		{"short v1", "t=1790000000,v1=abcd", body, now, false},
		{"t twice", "t=1,t=1790000000,v1=" + strings.SplitN(good, "v1=", 2)[1], body, now, false},
		{"shifted t", strings.Replace(good, "t=1790000000", "t=1790000001", 1), body, now, false},
	}
	for _, tt := range tests {
		err := VerifySignature(secret, tt.header, tt.body, tt.at, 0)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrBadSignature)) {
			t.Errorf("%s: %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	if err := VerifySignature(nil, good, body, now, 0); err == nil {
		t.Error("empty secret verified")
	}
}

func TestFailover(t *testing.T) {
	ok := func(id string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"id":"`+id+`"}`)
		}))
	}
	status := func(code int) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			io.WriteString(w, `{"code":20500,"message":"Internal Server Error","status":500}`)
		}))
	}
	hang := func() *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(stall))
	}
	twilio := func(s *httptest.Server) Sender {
		return &Twilio{BaseURL: s.URL, AccountSID: sid, AuthToken: token, From: "+15005550006"}
	}
	hook := func(s *httptest.Server) Sender { return &Webhook{URL: s.URL, Secret: []byte("k")} }

	tests := []struct {
		name      string
		servers   []*httptest.Server
		senders   func(s []*httptest.Server) []Sender
		wantID    string
		wantErr   []string
		retryable bool
		failovers int
	}{
		{"first 500, second sends", []*httptest.Server{status(500), ok("second")},
			func(s []*httptest.Server) []Sender { return []Sender{twilio(s[0]), hook(s[1])} }, "second", nil, false, 1},
		{"first times out, second sends", []*httptest.Server{hang(), ok("second")},
			func(s []*httptest.Server) []Sender { return []Sender{hook(s[0]), hook(s[1])} }, "second", nil, false, 1},
		{"first 400 still fails over", []*httptest.Server{status(400), ok("second")},
			func(s []*httptest.Server) []Sender { return []Sender{twilio(s[0]), hook(s[1])} }, "second", nil, false, 1},
		{"first sends, second untouched", []*httptest.Server{ok("first"), status(500)},
			func(s []*httptest.Server) []Sender { return []Sender{hook(s[0]), twilio(s[1])} }, "first", nil, false, 0},
		{"both fail: joined", []*httptest.Server{status(400), status(503)},
			func(s []*httptest.Server) []Sender { return []Sender{twilio(s[0]), hook(s[1])} }, "",
			[]string{"every sender failed", "sender 1 (twilio): sms: twilio: HTTP 400", "sender 2 (webhook): sms: webhook: HTTP 503"}, true, 1},
		{"both fail, none retryable", []*httptest.Server{status(401), status(403)},
			func(s []*httptest.Server) []Sender { return []Sender{twilio(s[0]), hook(s[1])} }, "",
			[]string{"HTTP 401", "HTTP 403"}, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range tt.servers {
				defer s.Close()
			}
			var logs bytes.Buffer
			f := &Failover{Senders: tt.senders(tt.servers), Timeout: 300 * time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			start := time.Now()
			id, err := f.Send(context.Background(), msg)
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %v: the per-sender timeout did not apply", time.Since(start))
			}
			if id != tt.wantID || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("Send = %q, %v; want %q", id, err, tt.wantID)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if err != nil && Retryable(err) != tt.retryable {
				t.Errorf("Retryable = %v, want %v", Retryable(err), tt.retryable)
			}
			if n := strings.Count(logs.String(), "msg=\"sms: failover\""); n != tt.failovers {
				t.Errorf("%d failover log lines, want %d:\n%s", n, tt.failovers, logs.String())
			}
			if strings.Contains(logs.String(), "9012345678") {
				t.Errorf("log shows the phone number:\n%s", logs.String())
			}
		})
	}
}

// A caller that gives up stops the failover: the next sender is not tried.
func TestFailoverCallerCancel(t *testing.T) {
	var second atomic.Int32
	first := httptest.NewServer(http.HandlerFunc(stall))
	defer first.Close()
	next := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { second.Add(1) }))
	defer next.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	f := &Failover{Senders: []Sender{&Webhook{URL: first.URL, Secret: []byte("k")}, &Webhook{URL: next.URL, Secret: []byte("k")}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if _, err := f.Send(ctx, msg); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the caller's deadline", err)
	}
	if second.Load() != 0 {
		t.Error("second sender tried after the caller gave up")
	}
}

// stall answers nothing until the client leaves. It reads the body first:
// only then does the server watch the connection and cancel r.Context()
// when the client hangs up.
func stall(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}
