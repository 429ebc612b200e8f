package issuerclient

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/requestid"
	"github.com/honnin/honnin/edge/testenv"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

// call is one request the test issuer received, with its call token's
// claims.
type call struct {
	path   string // as sent, escaped
	claims challenge.EdgeClaims
	token  string
	body   []byte
	// requestID is the X-Request-Id the edge passed on.
	requestID string
}

// issuer is a stand-in for the issuer's internal API: it checks every call
// token as the issuer does (signature, kind, expiry, the subject the path
// names) and each body strictly against edge/contract, and answers what
// the test sets.
type issuer struct {
	t   *testing.T
	srv *httptest.Server
	v   challenge.Verifier

	mu     sync.Mutex
	calls  []call
	status int
	header http.Header
	answer string
}

func newIssuer(t *testing.T, key challenge.SigningKey, clk *testenv.Clock) *issuer {
	is := &issuer{t: t, status: http.StatusOK, answer: "{}",
		v: challenge.Verifier{Keys: challenge.NewKeySet(key.Public()), Issuer: challenge.EdgeName,
			Audience: challenge.IssuerName, MaxLifetime: time.Minute, Now: clk.Now}}
	mux := http.NewServeMux()
	for _, p := range []struct {
		pattern string
		body    func() any
	}{
		{contract.StartPath, func() any { return new(contract.StartRequest) }},
		{contract.ResendPath, func() any { return new(contract.ResendRequest) }},
		{contract.PasswordPath, func() any { return new(contract.PasswordRequest) }},
		{contract.PreparePath, func() any { return new(contract.PrepareRequest) }},
		{contract.ResultsPath, func() any { return new(contract.Outcome) }},
		{contract.ResultsBatchPath, func() any { return new(contract.OutcomeBatch) }},
		{contract.EMVChallengePath, func() any { return new(contract.EMVChallengeRequest) }},
		{contract.EMVMethodPath, func() any { return new(contract.EMVMethodRequest) }},
	} {
		mux.HandleFunc("POST "+p.pattern, func(w http.ResponseWriter, r *http.Request) { is.serve(w, r, p.body()) })
	}
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) serve(w http.ResponseWriter, r *http.Request, body any) {
	sub := r.PathValue("id") + r.PathValue("acsTransID") + r.PathValue("threeDSServerTransID")
	if sub == "" {
		sub = contract.SubjectResults
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	var c challenge.EdgeClaims
	if err := is.v.Verify(tok, challenge.TypEdge, &c); err != nil || c.Subject != sub {
		is.t.Errorf("%s: call token refused: %v (sub %q, want %q)", r.URL.Path, err, c.Subject, sub)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		is.t.Errorf("%s: Content-Type %q", r.URL.Path, ct)
	}
	b, _ := io.ReadAll(r.Body)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(body); err != nil {
		is.t.Errorf("%s: body %s: %v", r.URL.Path, b, err)
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	is.calls = append(is.calls, call{path: r.URL.EscapedPath(), claims: c, token: tok, body: b,
		requestID: r.Header.Get(requestid.Header)})
	for k, v := range is.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(is.status)
	io.WriteString(w, is.answer)
}

// answer sets what the issuer answers from now on.
func (is *issuer) set(status int, header http.Header, answer string) {
	is.mu.Lock()
	is.status, is.header, is.answer = status, header, answer
	is.mu.Unlock()
}

func (is *issuer) last() call {
	is.mu.Lock()
	defer is.mu.Unlock()
	if len(is.calls) == 0 {
		is.t.Fatal("the issuer got no call")
	}
	return is.calls[len(is.calls)-1]
}

func edgeKey() challenge.SigningKey {
	return challenge.SigningKey{KID: "edge-key", Signer: challenge.EdgeName,
		Private: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))}
}

func newClient(t *testing.T) (*Client, *issuer, *testenv.Clock) {
	t.Helper()
	clk := testenv.NewClock(t0)
	key := edgeKey()
	is := newIssuer(t, key, clk)
	c, err := New(Config{URL: is.srv.URL + "/", Key: key, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return c, is, clk
}

// TestCalls: each call goes to its contract path with a call token for its
// subject and the contract's body, and reads the contract's answer.
func TestCalls(t *testing.T) {
	c, is, _ := newClient(t)
	ctx := context.Background()
	const auth = "AUTH/1" // escaped in the path, whole in the token

	is.set(http.StatusOK, nil, `{"decision":"challenge","challenge_token":"ct","delivery":"limited","added_later":1}`)
	dev := contract.DeviceSignals{UA: "Mozilla/5.0", TZOffset: -540}
	got, err := c.Start(ctx, auth, contract.StartRequest{Device: &dev, Edge: &contract.EdgeSignals{IP: "203.0.113.7", Country: "JP"}})
	want := contract.StartResponse{Decision: contract.DecisionChallenge, ChallengeToken: "ct", Delivery: contract.DeliveryLimited}
	if err != nil || got != want {
		t.Fatalf("start: %+v, %v; want %+v", got, err, want)
	}
	if l := is.last(); l.path != "/internal/v1/authentications/AUTH%2F1/start" ||
		string(l.body) != `{"device":{"ua":"Mozilla/5.0","tz_offset":-540},"edge":{"ip":"203.0.113.7","country":"JP"}}` {
		t.Errorf("start sent %s %s", l.path, l.body)
	}

	is.set(http.StatusOK, nil, `{"challenge_token":"ct2","delivery":"sent"}`)
	rs, err := c.Resend(ctx, auth, 2)
	if err != nil || rs != (contract.ResendResponse{ChallengeToken: "ct2", Delivery: contract.DeliverySent}) {
		t.Fatalf("resend: %+v, %v", rs, err)
	}
	if l := is.last(); string(l.body) != `{"gen":2}` {
		t.Errorf("resend sent %s", l.body)
	}

	for _, tt := range []struct {
		answer string
		ok     bool
		err    bool
	}{
		{`{"ok":true}`, true, false},
		{`{"ok":false}`, false, false},
		{`{}`, false, true},
		{`{"ok":null}`, false, true},
		{`{"ok":"yes"}`, false, true},
	} {
		is.set(http.StatusOK, nil, tt.answer)
		ok, err := c.CheckPassword(ctx, auth, 1, "馬 battery")
		if ok != tt.ok || (err != nil) != tt.err {
			t.Errorf("password answered %s: ok %v, err %v", tt.answer, ok, err)
		}
		if l := is.last(); string(l.body) != `{"gen":1,"password":"馬 battery"}` {
			t.Errorf("password sent %s", l.body)
		}
	}

	is.set(http.StatusOK, nil, `{"device_cookie":"d1.abc","added_later":1}`)
	pr, err := c.Prepare(ctx, auth, contract.PrepareRequest{Device: &dev,
		Edge: &contract.EdgeSignals{IP: "203.0.113.7", DeviceCookie: "d1.old"}})
	if err != nil || pr != (contract.PrepareResponse{DeviceCookie: "d1.abc"}) {
		t.Fatalf("prepare: %+v, %v", pr, err)
	}
	if l := is.last(); l.path != "/internal/v1/authentications/AUTH%2F1/prepare" || l.claims.Subject != auth ||
		string(l.body) != `{"device":{"ua":"Mozilla/5.0","tz_offset":-540},"edge":{"ip":"203.0.113.7","country":"","device_cookie":"d1.old"}}` {
		t.Errorf("prepare sent %s %s (sub %q)", l.path, l.body, l.claims.Subject)
	}

	is.set(http.StatusOK, nil, `{"jti":"j1","applied":true}`)
	const outcome = `{"jti":"j1","sub":"AUTH/1","status":"Y","reason":"","gen":1,"attempts":0}`
	if err := c.PostOutcome(ctx, outcome); err != nil {
		t.Fatalf("outcome: %v", err)
	}
	if l := is.last(); l.path != contract.ResultsPath || string(l.body) != outcome {
		t.Errorf("outcome sent %s %s", l.path, l.body)
	}
}

// TestPostOutcomes: a batch is the queued bodies as they are, in one
// envelope; the answer is a verdict per outcome, in order; a refusal of the
// whole call is an *Error, and an answer without a verdict for each
// outcome no verdict at all.
func TestPostOutcomes(t *testing.T) {
	c, is, _ := newClient(t)
	ctx := context.Background()
	bodies := []string{
		`{"jti":"j1","sub":"A","status":"Y","reason":"","gen":1,"attempts":0}`,
		`{"jti":"j2","sub":"B","status":"C","reason":"wrong_code","gen":1,"attempts":1}`,
	}
	is.set(http.StatusOK, nil, `{"results":[{"jti":"j1","status":200,"applied":true},`+
		`{"jti":"j2","status":503,"error":"busy","message":"`+strings.Repeat("x", 300)+`","retry_after":7,"added_later":1}]}`)
	res, err := c.PostOutcomes(ctx, bodies)
	if err != nil {
		t.Fatal(err)
	}
	want := []contract.OutcomeResult{{JTI: "j1", Status: 200, Applied: true},
		{JTI: "j2", Status: 503, Error: "busy", Message: strings.Repeat("x", maxMessage), RetryAfter: 7}}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("verdicts %+v, want %+v", res, want)
	}
	if l := is.last(); l.path != contract.ResultsBatchPath || l.claims.Subject != contract.SubjectResults ||
		string(l.body) != `{"outcomes":[`+bodies[0]+`,`+bodies[1]+`]}` {
		t.Errorf("batch sent %s %s (sub %q)", l.path, l.body, l.claims.Subject)
	}

	is.set(http.StatusOK, nil, `{"results":[{"jti":"j1","status":200}]}`)
	if _, err := c.PostOutcomes(ctx, bodies); err == nil || !strings.Contains(err.Error(), "1 verdicts for 2 outcomes") {
		t.Errorf("a verdict short: %v", err)
	}
	is.set(http.StatusNotFound, nil, `{"error":"not_found","message":"no such endpoint"}`)
	var e *Error
	if _, err := c.PostOutcomes(ctx, bodies); !errors.As(err, &e) || e.Status != 404 || e.Code != "not_found" {
		t.Errorf("an issuer without the endpoint: %v", err)
	}
}

// TestEMVCalls: the two EMV calls go to their contract paths, the path's
// id escaped and whole as the call token's subject, with the contract's
// bodies; the method call takes a 204 without a body, and a 404 is an
// *Error the edge can tell apart.
func TestEMVCalls(t *testing.T) {
	c, is, _ := newClient(t)
	ctx := context.Background()
	const ati = "8a880dc0-d2d2-4067-bcb1-b08d1690b26e/x"

	is.set(http.StatusOK, nil, `{"session_token":"st","added_later":1}`)
	got, err := c.EMVChallenge(ctx, ati, contract.EMVChallengeRequest{ThreeDSServerTransID: "sti", MessageVersion: "2.2.0", ChallengeWindowSize: "03"})
	if err != nil || got != (contract.EMVChallengeResponse{SessionToken: "st"}) {
		t.Fatalf("EMVChallenge = %+v, %v", got, err)
	}
	if l := is.last(); l.path != "/internal/v1/emv/challenges/8a880dc0-d2d2-4067-bcb1-b08d1690b26e%2Fx" || l.claims.Subject != ati ||
		string(l.body) != `{"threeDSServerTransID":"sti","messageVersion":"2.2.0","challengeWindowSize":"03"}` {
		t.Errorf("EMVChallenge sent %s %s (sub %q)", l.path, l.body, l.claims.Subject)
	}

	is.set(http.StatusNoContent, nil, "")
	dev := contract.DeviceSignals{UA: "Mozilla/5.0"}
	if err := c.EMVMethod(ctx, "sti-1", contract.EMVMethodRequest{Device: &dev, Edge: &contract.EdgeSignals{IP: "203.0.113.7"}}); err != nil {
		t.Fatalf("EMVMethod: %v", err)
	}
	if l := is.last(); l.path != "/internal/v1/emv/methods/sti-1" || l.claims.Subject != "sti-1" ||
		string(l.body) != `{"device":{"ua":"Mozilla/5.0"},"edge":{"ip":"203.0.113.7","country":""}}` {
		t.Errorf("EMVMethod sent %s %s (sub %q)", l.path, l.body, l.claims.Subject)
	}

	is.set(http.StatusNotFound, nil, `{"error":"not_found","message":"no such transaction"}`)
	_, err = c.EMVChallenge(ctx, ati, contract.EMVChallengeRequest{})
	var ie *Error
	if !errors.As(err, &ie) || ie.Status != http.StatusNotFound || ie.Code != "not_found" {
		t.Errorf("EMVChallenge of an unknown transaction: %v", err)
	}
	if err := c.EMVMethod(ctx, "sti-1", contract.EMVMethodRequest{}); !errors.As(err, &ie) || ie.Status != http.StatusNotFound {
		t.Errorf("EMVMethod refused: %v", err)
	}
}

// TestRefusals: a refusal is an *Error with the issuer's status, code,
// message and Retry-After, for every kind of call; a body that is not the
// issuer's JSON error keeps its start as the message.
func TestRefusals(t *testing.T) {
	c, is, _ := newClient(t)
	ctx := context.Background()
	calls := map[string]func() error{
		"start":    func() error { _, err := c.Start(ctx, "A", contract.StartRequest{}); return err },
		"resend":   func() error { _, err := c.Resend(ctx, "A", 1); return err },
		"password": func() error { _, err := c.CheckPassword(ctx, "A", 1, "pw"); return err },
		"prepare":  func() error { _, err := c.Prepare(ctx, "A", contract.PrepareRequest{}); return err },
		"outcome": func() error {
			return c.PostOutcome(ctx, `{"jti":"j","sub":"A","status":"C","reason":"wrong_code","gen":1,"attempts":1}`)
		},
	}
	for _, tt := range []struct {
		status     int
		retryAfter string
		body       string
		want       Error
	}{
		{429, "27", `{"error":"resend_cooldown","message":"wait"}`, Error{Status: 429, Code: contract.CodeResendCooldown, Message: "wait", RetryAfter: 27 * time.Second}},
		{503, "", `{"error":"busy","message":"retry shortly"}`, Error{Status: 503, Code: contract.CodeBusy, Message: "retry shortly"}},
		{502, "x", "  <html>bad gateway</html>\n", Error{Status: 502, Message: "<html>bad gateway</html>"}},
		{409, "", `{"error":"conflict","message":"` + strings.Repeat("矛", 100) + `"}`, Error{Status: 409, Code: contract.CodeConflict, Message: strings.Repeat("矛", 66)}},
	} {
		h := http.Header{}
		if tt.retryAfter != "" {
			h.Set("Retry-After", tt.retryAfter)
		}
		is.set(tt.status, h, tt.body)
		for name, call := range calls {
			err := call()
			var e *Error
			if !errors.As(err, &e) || *e != tt.want {
				t.Errorf("%s answered %d %s: %#v, want %#v", name, tt.status, tt.body, err, tt.want)
			}
		}
	}
}

// TestIssuerDown: no answer at all is an error, not an *Error: nothing the
// issuer said.
func TestIssuerDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c, err := New(Config{URL: srv.URL, Key: edgeKey()})
	if err != nil {
		t.Fatal(err)
	}
	var e *Error
	if _, err := c.Start(context.Background(), "A", contract.StartRequest{}); err == nil || errors.As(err, &e) {
		t.Errorf("start of a closed port: %v", err)
	}
	if err := c.PostOutcome(context.Background(), `{}`); err == nil || errors.As(err, &e) {
		t.Errorf("outcome to a closed port: %v", err)
	}
}

// TestCallTokens: a call about an authentication gets a token of its own
// each time; outcome deliveries within resultsTokenReuse of a signing send
// the same token, which the issuer accepts each time; the first after it
// sends a fresh one; and a clock that went backwards signs anew rather
// than reuse a token from the future.
func TestCallTokens(t *testing.T) {
	c, is, clk := newClient(t)
	ctx := context.Background()
	is.set(http.StatusOK, nil, `{"challenge_token":"t","delivery":"sent"}`)
	var auth []string
	for range 2 {
		if _, err := c.Resend(ctx, "A", 1); err != nil {
			t.Fatal(err)
		}
		auth = append(auth, is.last().token)
	}
	if auth[0] == auth[1] {
		t.Error("two calls about one authentication sent the same token")
	}

	steps := []struct {
		at      time.Duration
		sameAs  int // index of the delivery whose token this one reuses; -1: a new token
		comment string
	}{
		{0, -1, "first delivery signs"},
		{10 * time.Second, 0, "reused"},
		{resultsTokenReuse - time.Millisecond, 0, "reused up to the limit"},
		{resultsTokenReuse, -1, "signed anew at the limit"},
		{resultsTokenReuse + 5*time.Second, 3, "the new one is reused"},
		{resultsTokenReuse - time.Second, -1, "clock went back: signed anew"},
	}
	var tokens []string
	for i, st := range steps {
		clk.Set(t0.Add(st.at))
		if err := c.PostOutcome(ctx, `{"jti":"j","sub":"A","status":"C","reason":"wrong_code","gen":1,"attempts":1}`); err != nil {
			t.Fatalf("delivery %d (%s): %v", i, st.comment, err)
		}
		l := is.last()
		if l.claims.IssuedAt.Time.After(clk.Now()) {
			t.Errorf("delivery %d (%s): token issued at %s, after now", i, st.comment, l.claims.IssuedAt.Time)
		}
		tokens = append(tokens, l.token)
	}
	// group[i]: the delivery that signed delivery i's token.
	group := make([]int, len(steps))
	for i, st := range steps {
		group[i] = i
		if st.sameAs >= 0 {
			group[i] = group[st.sameAs]
		}
		for j := range i {
			if same, want := tokens[i] == tokens[j], group[i] == group[j]; same != want {
				t.Errorf("delivery %d (%s): same token as delivery %d = %v, want %v", i, st.comment, j, same, want)
			}
		}
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	for _, cfg := range []Config{{Key: edgeKey()}, {URL: "http://127.0.0.1:1"}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

// TestRequestIDPassedOn: a call made for a request with an id carries it,
// so the issuer logs the cardholder's request under the edge's id; a call
// without one (a background delivery) carries none.
func TestRequestIDPassedOn(t *testing.T) {
	c, is, _ := newClient(t)
	ctx := requestid.NewContext(context.Background(), "edge-req-1")
	if _, err := c.Start(ctx, "auth-1", contract.StartRequest{}); err != nil {
		t.Fatal(err)
	}
	if got := is.last().requestID; got != "edge-req-1" {
		t.Errorf("start carried request id %q, want edge-req-1", got)
	}
	if _, err := c.Start(context.Background(), "auth-1", contract.StartRequest{}); err != nil {
		t.Fatal(err)
	}
	if got := is.last().requestID; got != "" {
		t.Errorf("a call without a request carried id %q", got)
	}
}
