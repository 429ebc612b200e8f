package api

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/jsonapi"
)

// The edge's request bodies are fuzzed at the decode level (decode and the
// request types' missing), not through the handlers.

// FuzzRequest decodes the bodies of /v1/start, /v1/verify and
// /v1/resend|cancel. Properties: refusals are 400, 413 or 415 *Errors; an
// accepted body has its required fields, and its device signals, when it
// has them, are what encoding/json decodes. (What a code or a password
// may be is one rule of the client, the edge and the issuer: the
// client's side is fuzzed in wasm/view's FuzzInput.)
func FuzzRequest(f *testing.F) {
	f.Add(uint8(0), []byte(`{"session_token":"t","device":{"ua":"Mozilla/5.0","languages":["ja-JP"],"pixel_ratio":2}}`))
	f.Add(uint8(0), []byte(`{"session_token":"t","device":null}`))
	f.Add(uint8(1), []byte(`{"challenge_token":"t","code":"123456"}`))
	f.Add(uint8(1), []byte(`{"challenge_token":"t","code":"パスワード"}`))
	f.Add(uint8(2), []byte(`{"challenge_token":"t"}`))
	f.Add(uint8(2), []byte(`{"challenge_token":""}`))
	f.Add(uint8(1), []byte(`{"challenge_token":"t","code":"1","extra":1}`))
	f.Add(uint8(3), []byte(`{"token":"a.b.c"}`))
	f.Add(uint8(3), []byte(`{"token":""}`))
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		var req request
		switch kind % 4 {
		case 0:
			req = &startRequest{}
		case 1:
			req = &verifyRequest{}
		case 2:
			req = &tokenRequest{}
		default:
			req = &credentialsRequest{}
		}
		r := httptest.NewRequest(http.MethodPost, "/v1/x", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		err := decode(httptest.NewRecorder(), r, req)
		if err != nil {
			var e *jsonapi.Error
			if !errors.As(err, &e) || (e.Status != 400 && e.Status != 413 && e.Status != 415) {
				t.Fatalf("refusal %v", err)
			}
			return
		}
		switch q := req.(type) {
		case *startRequest:
			if q.SessionToken == "" {
				t.Fatal("start accepted without session_token")
			}
			var ref struct {
				Device *challenge.DeviceSignals `json:"device"`
			}
			if json.Unmarshal(body, &ref) != nil || !reflect.DeepEqual(ref.Device, q.Device) {
				t.Fatalf("start body %q decoded as %+v", body, q.Device)
			}
		case *verifyRequest:
			if q.ChallengeToken == "" || q.Code == "" {
				t.Fatal("verify accepted without challenge_token or code")
			}
		case *tokenRequest:
			if q.ChallengeToken == "" {
				t.Fatal("resend/cancel accepted without challenge_token")
			}
		case *credentialsRequest:
			if q.Token == "" {
				t.Fatal("credentials accepted without token")
			}
		}
	})
}

// FuzzIssuerAnswer has a real server on loopback answer the edge's issuer
// calls with any status, Retry-After and body. Properties: every call
// carries a call token the issuer's verifier accepts for that
// authentication; a 2xx answer that is JSON of the expected shape is
// read field for field (unknown fields allowed), and anything else is an
// error, never a success with a zero answer (a password answer without
// "ok" above all); a non-2xx answer is an *IssuerError with the issuer's
// status, its Retry-After (up to an hour exactly; never negative, however
// large) and a message of bounded length.
func FuzzIssuerAnswer(f *testing.F) {
	f.Add(uint8(0), uint16(200), "", []byte(`{"decision":"challenge","challenge_token":"t","delivery":"sent","new":1}`))
	f.Add(uint8(0), uint16(200), "", []byte(`{"decision":"deny","status":"R","reason":"suspected_fraud"}`))
	f.Add(uint8(1), uint16(429), "30", []byte(`{"error":"resend_cooldown","message":"wait"}`))
	f.Add(uint8(1), uint16(200), "", []byte(`{"challenge_token":"t","delivery":"failed"}`))
	f.Add(uint8(2), uint16(200), "", []byte(`{"ok":true}`))
	f.Add(uint8(2), uint16(200), "", []byte(`{}`))
	f.Add(uint8(2), uint16(502), "-1", []byte("<html>bad gateway</html>"))
	f.Add(uint8(0), uint16(204), "x", []byte(``))

	key := challenge.SigningKey{KID: "edge-key", Signer: challenge.EdgeName,
		Private: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, ed25519.SeedSize))}
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	v := challenge.Verifier{Keys: challenge.NewKeySet(key.Public()), Issuer: challenge.EdgeName,
		Audience: challenge.IssuerName, MaxLifetime: time.Minute, Now: func() time.Time { return now }}

	// The answer of the current run; fuzz functions run one at a time per
	// process.
	var mu sync.Mutex
	var status int
	var retry string
	var answer []byte
	var tokenErr error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		var c challenge.EdgeClaims
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		tokenErr = v.Verify(tok, challenge.TypEdge, &c)
		if tokenErr == nil && !strings.HasPrefix(r.URL.Path, "/internal/v1/authentications/"+c.Subject+"/") {
			tokenErr = errors.New("call token for " + c.Subject + " on " + r.URL.Path)
		}
		if retry != "" {
			w.Header().Set("Retry-After", retry)
		}
		w.WriteHeader(status)
		_, _ = w.Write(answer)
	}))
	f.Cleanup(srv.Close)
	c := &IssuerClient{URL: srv.URL, Key: key, Client: srv.Client(), Now: func() time.Time { return now }}

	f.Fuzz(func(t *testing.T, op uint8, st uint16, retryAfter string, body []byte) {
		if !validHeaderValue(retryAfter) {
			return
		}
		mu.Lock()
		status, retry, answer, tokenErr = httpStatus(st), retryAfter, body, nil
		mu.Unlock()
		ctx := context.Background()
		var err error
		var got, want any
		switch op % 3 {
		case 0:
			var out, ref StartResponse
			out, err = c.Start(ctx, "auth/1", StartRequest{})
			got, want = out, &ref
		case 1:
			var out, ref ResendResponse
			out, err = c.Resend(ctx, "auth/1", 1)
			got, want = out, &ref
		default:
			var ok bool
			ok, err = c.CheckPassword(ctx, "auth/1", 1, "pw")
			var ref struct {
				OK *bool `json:"ok"`
			}
			if status == http.StatusNoContent {
				body = nil
			}
			if err == nil && (json.Unmarshal(body, &ref) != nil || ref.OK == nil || *ref.OK != ok) {
				t.Fatalf("password answer %q read as ok=%v", body, ok)
			}
		}
		mu.Lock()
		tokErr := tokenErr
		mu.Unlock()
		if tokErr != nil {
			t.Fatalf("the issuer refuses the call token: %v", tokErr)
		}
		if status == http.StatusNoContent {
			body = nil // net/http sends no body with a 204
		}
		twoxx := status/100 == 2
		if twoxx && want != nil {
			if jerr := json.Unmarshal(body, want); (jerr == nil) != (err == nil) && len(body) <= jsonapi.MaxBody {
				t.Fatalf("answer %d %q: json says %v, the client %v", status, body, jerr, err)
			} else if err == nil && !reflect.DeepEqual(reflect.ValueOf(want).Elem().Interface(), got) {
				t.Fatalf("answer %q read as %+v", body, got)
			}
		}
		if !twoxx {
			var ie *IssuerError
			if !errors.As(err, &ie) || ie.Status != status || len(ie.Message) > 64<<10 {
				t.Fatalf("answer %d: %v", status, err)
			}
			if ie.RetryAfter < 0 {
				t.Fatalf("Retry-After %q read as %s: a wait of that many seconds overflows time.Duration", retryAfter, ie.RetryAfter)
			}
			if n, aerr := strconv.Atoi(retryAfter); aerr == nil && n >= 0 && n <= 3600 && ie.RetryAfter != time.Duration(n)*time.Second {
				t.Fatalf("Retry-After %q read as %s", retryAfter, ie.RetryAfter)
			}
		}
	})
}

// validHeaderValue is what net/http lets a handler send as a value.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return strings.TrimSpace(v) == v
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
