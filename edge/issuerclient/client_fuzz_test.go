package issuerclient

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
	"unicode/utf8"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/fetch"
	"github.com/honnin/honnin/edge/jsonapi"
)

// FuzzIssuerAnswer has a real server on loopback answer the edge's calls
// (start, resend, password, an outcome) with any status, Retry-After and
// body. Properties: every call carries a call token the issuer's verifier
// accepts for its subject (the authentication, or "results"); a 2xx answer
// that is JSON of the expected shape is read field for field (unknown
// fields allowed), and anything else is an error, never a success with a
// zero answer (a password answer without "ok" above all); an outcome is
// delivered by any 2xx; a non-2xx answer is an *Error with the issuer's
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
	f.Add(uint8(3), uint16(200), "", []byte(`{"jti":"j","applied":true}`))
	f.Add(uint8(3), uint16(409), "", []byte(`{"error":"conflict","message":"the authentication has a different outcome"}`))

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
		onAuth := strings.HasPrefix(r.URL.Path, "/internal/v1/authentications/"+c.Subject+"/")
		onResults := r.URL.Path == contract.ResultsPath && c.Subject == contract.SubjectResults
		if tokenErr == nil && !onAuth && !onResults {
			tokenErr = errors.New("call token for " + c.Subject + " on " + r.URL.Path)
		}
		if retry != "" {
			w.Header().Set("Retry-After", retry)
		}
		w.WriteHeader(status)
		_, _ = w.Write(answer)
	}))
	f.Cleanup(srv.Close)
	c, err := New(Config{URL: srv.URL, Key: key, HTTP: srv.Client(), Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}

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
		switch op % 4 {
		case 0:
			var out, ref contract.StartResponse
			out, err = c.Start(ctx, "auth/1", contract.StartRequest{})
			got, want = out, &ref
		case 1:
			var out, ref contract.ResendResponse
			out, err = c.Resend(ctx, "auth/1", 1)
			got, want = out, &ref
		case 2:
			var ok bool
			ok, err = c.CheckPassword(ctx, "auth/1", 1, "pw")
			var ref contract.PasswordResponse
			if status == http.StatusNoContent {
				body = nil
			}
			if err == nil && (json.Unmarshal(body, &ref) != nil || ref.OK == nil || *ref.OK != ok) {
				t.Fatalf("password answer %q read as ok=%v", body, ok)
			}
		default:
			err = c.PostOutcome(ctx, `{"jti":"j","sub":"auth/1","status":"N","reason":"max_attempts","gen":1,"attempts":5}`)
			if (err == nil) != (status/100 == 2) {
				t.Fatalf("outcome answered %d: delivered = %v", status, err == nil)
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
			var ie *Error
			if !errors.As(err, &ie) || ie.Status != status || len(ie.Message) > maxMessage {
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

// FuzzErrorAnswer reads any refusal (status, Retry-After, body) as the
// issuer's error. Properties: the status is kept; the wait is from 0 to a
// day; a body that is a JSON object gives its "error" as the code, and
// a body that is not gives no code; the message is at most maxMessage
// bytes, a prefix of the issuer's message (or of the trimmed body) that
// splits no character.
func FuzzErrorAnswer(f *testing.F) {
	f.Add(429, "30", []byte(`{"error":"resend_cooldown","message":"a code was sent less than 30s ago"}`))
	f.Add(503, "1", []byte(`{"error":"busy","message":"`+strings.Repeat("混", 100)+`"}`))
	f.Add(502, "", []byte("<html><body>502 Bad Gateway</body></html>\n"))
	f.Add(409, "-1", []byte(`{"error":1}`))
	f.Add(500, "99999999999999999999", []byte(" \xff\xfe "+strings.Repeat("é", 150)))
	f.Fuzz(func(t *testing.T, status int, retryAfter string, body []byte) {
		e := decodeError(&fetch.Response{Status: status, RetryAfter: retryAfter, Body: body})
		if e.Status != status {
			t.Fatalf("status %d read as %d", status, e.Status)
		}
		if e.RetryAfter < 0 || e.RetryAfter > 24*time.Hour {
			t.Fatalf("Retry-After %q read as %s", retryAfter, e.RetryAfter)
		}
		var ref jsonapi.ErrorBody
		full := string(bytes.TrimSpace(body))
		if json.Unmarshal(body, &ref) == nil {
			full = ref.Message
			if e.Code != ref.Error {
				t.Fatalf("body %q: code %q, want %q", body, e.Code, ref.Error)
			}
		} else if e.Code != "" {
			t.Fatalf("body %q is no JSON error, yet code %q", body, e.Code)
		}
		if len(e.Message) > maxMessage || !strings.HasPrefix(full, e.Message) {
			t.Fatalf("message %q of %q", e.Message, full)
		}
		if len(full) > maxMessage && len(e.Message) < maxMessage-utf8.UTFMax+1 {
			t.Fatalf("message cut to %d bytes, more than a character short of %d", len(e.Message), maxMessage)
		}
		if utf8.ValidString(full) && !utf8.ValidString(e.Message) {
			t.Fatalf("message %q splits a character of %q", e.Message, full)
		}
		if !strings.Contains(e.Error(), strconv.Itoa(status)) {
			t.Fatalf("error %q does not say the status", e.Error())
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
