package health

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHandler(t *testing.T) {
	ok := Check{Name: "database", Run: func(context.Context) error { return nil }}
	down := Check{Name: "smtp", Run: func(context.Context) error { return errors.New("smtp 127.0.0.1:1: connection refused") }}
	slow := Check{Name: "slow", Run: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }}
	for _, c := range []struct {
		name   string
		path   string
		checks []Check
		code   int
		want   Report
	}{
		{"alive", "/healthz", []Check{down}, 200, Report{}},
		{"ready", "/readyz", []Check{ok}, 200, Report{Status: "ready", Checks: map[string]string{"database": "ok"}}},
		{"a check fails", "/readyz", []Check{ok, down}, 503,
			Report{Status: "not ready", Checks: map[string]string{"database": "ok", "smtp": "smtp 127.0.0.1:1: connection refused"}}},
		{"a check does not answer in time", "/readyz", []Check{slow}, 503,
			Report{Status: "not ready", Checks: map[string]string{"slow": context.DeadlineExceeded.Error()}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Handler(c.checks...).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
			if rec.Code != c.code || rec.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("%s: %d %s", c.path, rec.Code, rec.Body)
			}
			if c.path == "/healthz" {
				return
			}
			var got Report
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.Status != c.want.Status || len(got.Checks) != len(c.want.Checks) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
			for k, v := range c.want.Checks {
				if got.Checks[k] != v {
					t.Errorf("check %s = %q, want %q", k, got.Checks[k], v)
				}
			}
		})
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/readyz", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /readyz: %d", rec.Code)
	}
}
