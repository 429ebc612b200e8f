//go:build !(js && wasm)

package fetch

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTeapot)
			io.WriteString(w, r.Method+" "+r.Header.Get("Authorization")+" "+r.Header.Get("Content-Type")+" "+string(b))
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}
	}))
	defer srv.Close()
	post := func(ctx context.Context, path, body string) *http.Request {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Content-Type", "application/json")
		return req
	}
	tests := []struct {
		name   string
		limit  int64
		status int
		body   string
	}{
		{"whole answer", 1 << 10, http.StatusTeapot, `POST Bearer t application/json {"a":1}`},
		{"answer cut at the limit", 8, http.StatusTeapot, `POST Bea`},
	}
	for _, tt := range tests {
		resp, err := Do(nil, post(context.Background(), "/echo", `{"a":1}`), tt.limit)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if resp.Status != tt.status || string(resp.Body) != tt.body || resp.RetryAfter != "7" {
			t.Errorf("%s: %d %q Retry-After %q", tt.name, resp.Status, resp.Body, resp.RetryAfter)
		}
	}

	if _, err := Do(&http.Client{Timeout: 50 * time.Millisecond}, post(context.Background(), "/slow", ""), 10); err == nil {
		t.Error("a call past the client's timeout succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Do(nil, post(ctx, "/echo", ""), 10); err == nil {
		t.Error("a call with a cancelled context succeeded")
	}
	srv.Close()
	if _, err := Do(nil, post(context.Background(), "/echo", ""), 10); err == nil {
		t.Error("a call to a closed server succeeded")
	}
}

// TestWait: a Retry-After in seconds, capped at a day so that no peer's
// number overflows a Duration into a negative wait.
func TestWait(t *testing.T) {
	for _, tt := range []struct {
		v    string
		want time.Duration
	}{
		{"", 0}, {"7", 7 * time.Second}, {"-1", 0}, {"soon", 0},
		{"Wed, 21 Oct 2015 07:28:00 GMT", 0},
		{"86400", 24 * time.Hour}, {"86401", 24 * time.Hour},
		{"10000000000", 24 * time.Hour}, {"99999999999999999999999", 24 * time.Hour}, {"-99999999999999999999999", 0},
	} {
		if got := (Response{RetryAfter: tt.v}).Wait(); got != tt.want {
			t.Errorf("Retry-After %q: %v, want %v", tt.v, got, tt.want)
		}
	}
}
