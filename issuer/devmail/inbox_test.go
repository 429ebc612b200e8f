package devmail

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"slices"
	"strings"
	"testing"
	"time"
)

func newInbox(t *testing.T) (*Store, *httptest.Server) {
	t.Helper()
	store := NewStore(0)
	srv := httptest.NewServer(NewInbox(store, slog.New(slog.NewTextHandler(io.Discard, nil)), testSMSConfig))
	t.Cleanup(srv.Close)
	return store, srv
}

func do(t *testing.T, method, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestInboxAPIList(t *testing.T) {
	store, srv := newInbox(t)
	at := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	store.Add(Message{From: "issuer@example.jp", To: []string{"Taro@Mail.jp"}, Subject: "first", Text: "t1", HTML: "<p>1</p>", ReceivedAt: at})
	store.Add(Message{From: "issuer@example.jp", To: []string{"hanako@mail.jp"}, Subject: "second", ReceivedAt: at.Add(time.Second)})
	store.Add(Message{From: "issuer@example.jp", To: []string{"taro@mail.jp", "x@mail.jp"}, Subject: "third", ReceivedAt: at.Add(2 * time.Second)})

	resp, body := do(t, "GET", srv.URL+"/api/messages")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// The exact field set is the contract: decode into maps to see it.
	var raw []map[string]any
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	if len(raw) != 3 {
		t.Fatalf("%d messages, want 3", len(raw))
	}
	var keys []string
	for k := range raw[2] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if got, want := strings.Join(keys, ","), "from,html,id,received_at,subject,text,to"; got != want {
		t.Errorf("JSON fields = %s, want %s", got, want)
	}
	if raw[2]["received_at"] != "2026-11-22T03:00:00Z" || raw[2]["html"] != "<p>1</p>" || raw[2]["text"] != "t1" {
		t.Errorf("oldest message = %v", raw[2])
	}

	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"third", "second", "first"}},
		{"?to=taro@mail.jp", []string{"third", "first"}},
		{"?to=TARO%40MAIL.JP", []string{"third", "first"}},
		{"?to=hanako@mail.jp", []string{"second"}},
		{"?to=nobody@mail.jp", []string{}},
	}
	for _, tt := range tests {
		resp, body := do(t, "GET", srv.URL+"/api/messages"+tt.query)
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d", tt.query, resp.StatusCode)
			continue
		}
		var msgs []Message
		if err := json.Unmarshal([]byte(body), &msgs); err != nil {
			t.Fatalf("%s: decode %s: %v", tt.query, body, err)
		}
		if msgs == nil {
			t.Errorf("%s: body %s decodes to null, want []", tt.query, body)
		}
		got := []string{}
		for _, m := range msgs {
			got = append(got, m.Subject)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: subjects %v, want %v", tt.query, got, tt.want)
		}
	}
}

func TestInboxAPIErrors(t *testing.T) {
	_, srv := newInbox(t)
	tests := []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/api/messages/42", 404, "not_found"},
		{"GET", "/api/messages?recipient=a@b", 400, "bad_request"},
		{"GET", "/api/messages?to=a@b&to=c@d", 400, "bad_request"},
		{"GET", "/api/messages?to=" + strings.Repeat("a", 300), 400, "bad_request"},
		{"POST", "/api/messages", 405, "method_not_allowed"},
		{"PUT", "/api/messages/1", 405, "method_not_allowed"},
		{"GET", "/api/nothing", 404, "not_found"},
	}
	for _, tt := range tests {
		resp, body := do(t, tt.method, srv.URL+tt.path)
		var e struct{ Error, Message string }
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Errorf("%s %s: body %q is not JSON: %v", tt.method, tt.path, body, err)
			continue
		}
		if resp.StatusCode != tt.status || e.Error != tt.code || e.Message == "" {
			t.Errorf("%s %s = %d %+v, want %d %s with a message", tt.method, tt.path, resp.StatusCode, e, tt.status, tt.code)
		}
	}
}

func TestInboxAPIMessageAndClear(t *testing.T) {
	store, srv := newInbox(t)
	m := store.Add(Message{To: []string{"a@mail.jp"}, Subject: "件名"})

	resp, body := do(t, "GET", srv.URL+"/api/messages/"+m.ID)
	var got Message
	if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET message: %d %s (%v)", resp.StatusCode, body, err)
	}
	if got.ID != m.ID || got.Subject != "件名" {
		t.Errorf("got %+v, want id %s subject 件名", got, m.ID)
	}

	resp, _ = do(t, "DELETE", srv.URL+"/api/messages")
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE status %d, want 204", resp.StatusCode)
	}
	if _, body := do(t, "GET", srv.URL+"/api/messages"); strings.TrimSpace(body) != "[]" {
		t.Fatalf("after DELETE list = %s, want []", body)
	}
}

func TestInboxHTMLListEscapes(t *testing.T) {
	store, srv := newInbox(t)
	store.Add(Message{From: `"Evil" <e@x.jp>`, To: []string{"a@mail.jp"}, Subject: "older"})
	store.Add(Message{From: "<img src=x onerror=alert(1)>", To: []string{"a@mail.jp"}, Subject: `<script>alert("x")</script>`})

	resp, body := do(t, "GET", srv.URL+"/")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "<img src=x") {
		t.Fatalf("mail fields injected into the inbox page unescaped:\n%s", body)
	}
	if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Errorf("escaped subject not in the page:\n%s", body)
	}
	if i, j := strings.Index(body, "&lt;script&gt;"), strings.Index(body, "older"); i < 0 || j < 0 || i > j {
		t.Errorf("list not newest first (newest at %d, older at %d)", i, j)
	}
	if !strings.Contains(body, `href="/messages/2"`) || !strings.Contains(body, `href="/api/messages/2"`) {
		t.Errorf("links to the message missing:\n%s", body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP = %q", csp)
	}
}

func TestInboxHTMLMessageSandboxesMailHTML(t *testing.T) {
	store, srv := newInbox(t)
	m := store.Add(Message{
		To:      []string{"a@mail.jp"},
		Subject: "s",
		Text:    "code <b>123456</b>",
		HTML:    `<p onclick="x()">hi</p><script>alert(1)</script>`,
	})

	resp, body := do(t, "GET", srv.URL+"/messages/"+m.ID)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "<b>123456</b>") || strings.Contains(body, `<p onclick`) {
		t.Fatalf("mail content injected unescaped:\n%s", body)
	}
	if !strings.Contains(body, `<iframe sandbox="" `) {
		t.Errorf("HTML part not in a sandboxed iframe:\n%s", body)
	}
	if !strings.Contains(body, `srcdoc="&lt;p onclick=&#34;x()&#34;&gt;hi&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`) {
		t.Errorf("srcdoc not attribute-escaped:\n%s", body)
	}
	if !strings.Contains(body, "code &lt;b&gt;123456&lt;/b&gt;") {
		t.Errorf("text part not shown escaped:\n%s", body)
	}

	if resp, _ := do(t, "GET", srv.URL+"/messages/999"); resp.StatusCode != 404 {
		t.Errorf("unknown message: status %d, want 404", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", srv.URL+"/?bogus=1"); resp.StatusCode != 400 {
		t.Errorf("unknown query parameter: status %d, want 400", resp.StatusCode)
	}
}

// TestSinkEndToEnd sends over SMTP and reads the message back over HTTP,
// the way the e2e tests use the sink.
func TestSinkEndToEnd(t *testing.T) {
	store, srv := newInbox(t)
	addr := startSMTP(t, store, SMTPConfig{})
	if err := smtp.SendMail(addr, nil, "bounce@issuer.example", []string{"taro@mail.jp"}, []byte(japaneseMail)); err != nil {
		t.Fatal(err)
	}
	_, body := do(t, "GET", srv.URL+"/api/messages?to=Taro@mail.jp")
	var msgs []Message
	if err := json.Unmarshal([]byte(body), &msgs); err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Subject != subjectJA || !strings.Contains(msgs[0].Text, "123456") {
		t.Fatalf("inbox returned %+v", msgs)
	}
	_, page := do(t, "GET", srv.URL+"/")
	if !strings.Contains(page, subjectJA) {
		t.Errorf("HTML list lacks the decoded Japanese subject")
	}
}
