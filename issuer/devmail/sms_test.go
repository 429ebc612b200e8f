package devmail

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer/sms"
)

const (
	testSID    = "AC00000000000000000000000000000001"
	testToken  = "test-token"
	testSecret = "test-webhook-secret"
)

var testSMSConfig = SMSConfig{TwilioSID: testSID, TwilioToken: testToken, WebhookSecret: []byte(testSecret)}

func smsList(t *testing.T, url string) []map[string]any {
	t.Helper()
	resp, body := do(t, "GET", url)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	var out []map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return out
}

// The issuer's own senders deliver to the sink, and the inbox shows both.
func TestSMSReceive(t *testing.T) {
	_, srv := newInbox(t)
	ctx := context.Background()
	text := "【Honnin】認証コード 123456\n@shop.example #123456 @acs.example"

	tw := &sms.Twilio{BaseURL: srv.URL + "/twilio", AccountSID: testSID, AuthToken: testToken, From: "+15005550006"}
	sid, err := tw.Send(ctx, sms.Message{To: "+819012345678", Body: text, ID: "m1"})
	if err != nil || !strings.HasPrefix(sid, "SM") || len(sid) != 34 {
		t.Fatalf("twilio Send = %q, %v", sid, err)
	}
	wh := &sms.Webhook{URL: srv.URL + "/sms/webhook", Secret: []byte(testSecret)}
	id, err := wh.Send(ctx, sms.Message{To: "+818011112222", Body: "hello", ID: "m2"})
	if err != nil || id == "" {
		t.Fatalf("webhook Send = %q, %v", id, err)
	}
	// A retried webhook (same id) is stored once.
	if id2, err := wh.Send(ctx, sms.Message{To: "+818011112222", Body: "hello", ID: "m2"}); err != nil || id2 != id {
		t.Errorf("retried webhook = %q, %v; want %q", id2, err, id)
	}

	all := smsList(t, srv.URL+"/api/sms")
	if len(all) != 2 {
		t.Fatalf("%d sms, want 2: %v", len(all), all)
	}
	if all[0]["via"] != "webhook" || all[0]["to"] != "+818011112222" || all[0]["body"] != "hello" || all[0]["provider_id"] != "m2" || all[0]["id"] != id {
		t.Errorf("newest = %v", all[0])
	}
	if all[1]["via"] != "twilio" || all[1]["to"] != "+819012345678" || all[1]["body"] != text || all[1]["provider_id"] != sid || all[1]["from"] != "+15005550006" {
		t.Errorf("oldest = %v", all[1])
	}
	for _, q := range []string{"?to=%2B819012345678", "?to=+819012345678", "?to=090-1234-5678"} {
		if got := smsList(t, srv.URL+"/api/sms"+q); len(got) != 1 || got[0]["provider_id"] != sid {
			t.Errorf("%s: %v", q, got)
		}
	}
	if got := smsList(t, srv.URL+"/api/sms?to=%2B817000000000"); len(got) != 0 {
		t.Errorf("other number: %v", got)
	}

	resp, page := do(t, "GET", srv.URL+"/")
	if resp.StatusCode != 200 {
		t.Fatalf("inbox %d", resp.StatusCode)
	}
	for _, want := range []string{`<span class="badge">SMS</span>`, "&#43;819012345678", "&#43;818011112222", "@shop.example #123456 @acs.example", "認証コード 123456"} {
		if !strings.Contains(page, want) {
			t.Errorf("inbox page lacks %q", want)
		}
	}

	if resp, _ := do(t, "DELETE", srv.URL+"/api/sms"); resp.StatusCode != 204 {
		t.Errorf("DELETE /api/sms: %d", resp.StatusCode)
	}
	if got := smsList(t, srv.URL+"/api/sms"); len(got) != 0 {
		t.Errorf("after DELETE: %v", got)
	}
}

// The Twilio endpoint checks and answers as Twilio does.
func TestSMSTwilioRefusals(t *testing.T) {
	_, srv := newInbox(t)
	endpoint := srv.URL + "/twilio/2010-04-01/Accounts/" + testSID + "/Messages.json"
	good := url.Values{"To": {"+819012345678"}, "From": {"+15005550006"}, "Body": {"x"}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for kk, vv := range good {
			f[kk] = vv
		}
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f
	}
	tests := []struct {
		name         string
		url          string
		user, pass   string
		ctype        string
		form         url.Values
		status, code int
	}{
		{"ok", endpoint, testSID, testToken, "application/x-www-form-urlencoded", good, 201, 0},
		{"messaging service", endpoint, testSID, testToken, "application/x-www-form-urlencoded", url.Values{"To": {"+819012345678"}, "MessagingServiceSid": {"MG1"}, "Body": {"x"}}, 201, 0},
		{"wrong token", endpoint, testSID, "nope", "application/x-www-form-urlencoded", good, 401, 20003},
		{"wrong sid", endpoint, "AC9", testToken, "application/x-www-form-urlencoded", good, 401, 20003},
		{"no auth", endpoint, "", "", "application/x-www-form-urlencoded", good, 401, 20003},
		{"other account in path", strings.Replace(endpoint, testSID, "AC2", 1), testSID, testToken, "application/x-www-form-urlencoded", good, 404, 20404},
		{"json body", endpoint, testSID, testToken, "application/json", good, 400, 20001},
		{"no To", endpoint, testSID, testToken, "application/x-www-form-urlencoded", with("To", ""), 400, 21604},
		{"bad To", endpoint, testSID, testToken, "application/x-www-form-urlencoded", with("To", "09012345678"), 400, 21211},
		{"no From", endpoint, testSID, testToken, "application/x-www-form-urlencoded", with("From", ""), 400, 21603},
		{"no Body", endpoint, testSID, testToken, "application/x-www-form-urlencoded", with("Body", ""), 400, 21602},
		{"long Body", endpoint, testSID, testToken, "application/x-www-form-urlencoded", with("Body", strings.Repeat("x", 1601)), 400, 21617},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", tt.url, strings.NewReader(tt.form.Encode()))
			req.Header.Set("Content-Type", tt.ctype)
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %v", resp.StatusCode, tt.status, body)
			}
			if tt.status == 201 {
				if s, _ := body["sid"].(string); !strings.HasPrefix(s, "SM") || body["account_sid"] != testSID || body["to"] != "+819012345678" {
					t.Errorf("answer %v", body)
				}
				return
			}
			if body["code"] != float64(tt.code) || body["status"] != float64(tt.status) || body["message"] == "" ||
				body["more_info"] != "https://www.twilio.com/docs/errors/"+strconv.Itoa(tt.code) {
				t.Errorf("error body %v, want code %d", body, tt.code)
			}
		})
	}
	// The issuer's client sees a clear, non-retryable error.
	tw := &sms.Twilio{BaseURL: srv.URL + "/twilio", AccountSID: testSID, AuthToken: "wrong", From: "+15005550006"}
	_, err := tw.Send(context.Background(), sms.Message{To: "+819012345678", Body: "x", ID: "1"})
	var e *sms.Error
	if !errors.As(err, &e) || e.Status != 401 || e.Code != 20003 || e.Retryable {
		t.Errorf("wrong token: %v", err)
	}
}

func TestSMSWebhookRefusals(t *testing.T) {
	store, srv := newInbox(t)
	body := `{"id":"m1","to":"+819012345678","body":"x"}`
	now := time.Now()
	tests := []struct {
		name, body, sig, ctype string
		status                 int
	}{
		{"ok", body, sms.Sign([]byte(testSecret), now, []byte(body)), "application/json", 200},
		{"no signature", body, "", "application/json", 401},
		{"wrong secret", body, sms.Sign([]byte("other"), now, []byte(body)), "application/json", 401},
		{"body changed", body, sms.Sign([]byte(testSecret), now, []byte(`{"id":"m1","to":"+819012345678","body":"y"}`)), "application/json", 401},
		{"old", body, sms.Sign([]byte(testSecret), now.Add(-time.Hour), []byte(body)), "application/json", 401},
		{"form", body, sms.Sign([]byte(testSecret), now, []byte(body)), "text/plain", 415},
		{"unknown field", `{"id":"m2","to":"+819012345678","body":"x","x":1}`, "", "application/json", 400},
		{"bad to", `{"id":"m3","to":"090","body":"x"}`, "", "application/json", 400},
		{"no id", `{"to":"+819012345678","body":"x"}`, "", "application/json", 400},
	}
	for _, tt := range tests {
		sig := tt.sig
		if sig == "" && tt.status == 400 {
			sig = sms.Sign([]byte(testSecret), now, []byte(tt.body))
		}
		req, _ := http.NewRequest("POST", srv.URL+"/sms/webhook", strings.NewReader(tt.body))
		req.Header.Set("Content-Type", tt.ctype)
		if sig != "" {
			req.Header.Set(sms.SignatureHeader, sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.status)
		}
	}
	if n := len(store.SMSes("")); n != 1 {
		t.Errorf("%d stored, want only the good one", n)
	}
}

// Without configuration the endpoints do not take anything.
func TestSMSUnconfigured(t *testing.T) {
	store := NewStore(0)
	srv := httptest.NewServer(NewInbox(store, nil, SMSConfig{}))
	defer srv.Close()
	_, err := (&sms.Twilio{BaseURL: srv.URL + "/twilio", AccountSID: testSID, AuthToken: testToken, From: "+15005550006"}).
		Send(context.Background(), sms.Message{To: "+819012345678", Body: "x", ID: "1"})
	var e *sms.Error
	if !errors.As(err, &e) || e.Status != 404 {
		t.Errorf("twilio: %v", err)
	}
	_, err = (&sms.Webhook{URL: srv.URL + "/sms/webhook", Secret: []byte(testSecret)}).
		Send(context.Background(), sms.Message{To: "+819012345678", Body: "x", ID: "1"})
	if !errors.As(err, &e) || e.Status != 404 {
		t.Errorf("webhook: %v", err)
	}
	if store.Len() != 0 || len(store.SMSes("")) != 0 {
		t.Error("stored something")
	}
}

func TestSMSStoreLimit(t *testing.T) {
	s := NewStore(2)
	for _, b := range []string{"a", "b", "c"} {
		s.AddSMS(SMS{Via: "twilio", To: "+819012345678", Body: b})
	}
	s.Add(Message{Subject: "mail"})
	got := s.SMSes("")
	if len(got) != 2 || got[0].Body != "c" || got[1].Body != "b" || s.Len() != 1 {
		t.Errorf("kept %v, %d mails", got, s.Len())
	}
	s.Clear() // mails only
	if len(s.SMSes("")) != 2 {
		t.Error("Clear removed text messages")
	}
}
