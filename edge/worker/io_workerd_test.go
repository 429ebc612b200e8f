//go:build !js

package worker

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestWorkerdIO runs the worker's two kinds of I/O in real workerd:
// edge/ledger/d1 (what Go gets for each kind of value D1 answers, an
// insert's counts, D1's own error) and edge/fetch (the request as sent,
// the answer's status, Retry-After and capped body, a timeout that ends
// the runtime's fetch), and checks the instance keeps serving after each
// failure.
func TestWorkerdIO(t *testing.T) {
	w := startFaultWorker(t)
	_, instance := w.do(t, "GET", "/instance", nil, 0)

	t.Run("d1 values", func(t *testing.T) {
		status, body := w.do(t, "GET", "/d1", nil, 0)
		if status != http.StatusOK {
			t.Fatalf("status %d: %s", status, body)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		want := map[string]any{
			"n":           "int64 7",
			"s":           "string é\n\"",
			"z":           "<nil> <nil>",
			"f":           "float64 2.5",
			"ms":          "int64 1795000000123",
			"affected":    float64(1),
			"id_positive": true,
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v\nwant %v", got, want)
		}
	})

	t.Run("d1 batch", func(t *testing.T) {
		status, body := w.do(t, "GET", "/d1/batch", nil, 0)
		if status != http.StatusOK {
			t.Fatalf("status %d: %s", status, body)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		want := map[string]any{
			"statements":             float64(3),
			"next":                   "int64 1795000000124",
			"s":                      "string é\n\"",
			"z":                      "<nil> <nil>",
			"f":                      "float64 2.5",
			"returning":              "int64 1795000000123",
			"failed_batch_error":     true,
			"failed_batch_rows_left": float64(0),
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v\nwant %v", got, want)
		}
	})

	t.Run("d1 error", func(t *testing.T) {
		status, body := w.do(t, "GET", "/d1/bad", nil, 0)
		if status != http.StatusInternalServerError || !strings.Contains(body, "D1_ERROR") || !strings.Contains(body, "SELEC") {
			t.Errorf("status %d, body %q; want 500 with D1's error about SELEC", status, body)
		}
	})

	t.Run("fetch", func(t *testing.T) {
		issuer := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || r.Header.Get("X-Test") != "faultworker" {
				http.Error(rw, "want POST with X-Test", http.StatusBadRequest)
				return
			}
			rw.Header().Set("Retry-After", "7")
			rw.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(rw, "hello world")
		}))
		defer issuer.Close()
		status, body := w.do(t, "GET", "/fetch?timeout=5s&url="+url.QueryEscape(issuer.URL+"/x"), nil, 0)
		if want := `429 "7" "hello"`; status != http.StatusOK || body != want {
			t.Errorf("status %d, body %q; want 200 %q", status, body, want)
		}
	})

	t.Run("fetch timeout aborts", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		closed := make(chan struct{})
		go func() {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			io.Copy(io.Discard, c) // never answers; returns when the worker hangs up
			close(closed)
		}()
		status, body := w.do(t, "GET", "/fetch?timeout=300ms&url="+url.QueryEscape("http://"+l.Addr().String()+"/hang"), nil, 0)
		if status != http.StatusBadGateway || !strings.Contains(body, "deadline exceeded") {
			t.Errorf("status %d, body %q; want 502 with a deadline error", status, body)
		}
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Error("the fetch stayed open after its timeout")
		}
	})

	if status, got := w.do(t, "GET", "/instance", nil, 0); status != http.StatusOK || got != instance {
		t.Errorf("after the failures: instance %q (status %d), want the same instance %q", got, status, instance)
	}
}
