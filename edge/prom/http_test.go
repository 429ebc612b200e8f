package prom

import (
	"context"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/prom/promtest"
)

// TestHTTP: requests are counted by route and code, latency by route and
// class; a handler that wrote nothing is a 200, a status out of range is a
// 5xx, and whatever path a client sends an unmatched request is counted
// under one label.
func TestHTTP(t *testing.T) {
	r := NewRegistry()
	h := NewHTTP(r, "x_", "the test server")
	h.Request("GET /a/{id}", 0, time.Millisecond)
	h.Request("GET /a/{id}", 200, 3*time.Millisecond)
	h.Request("", 404, 0)
	h.Request("", 405, 0)
	h.Request("POST /b", 999, time.Second)
	e := promtest.Parse(t, string(r.Append(context.Background(), nil)))
	for k, want := range map[string]float64{
		promtest.Key("x_http_requests_total", "route", "GET /a/{id}", "code", "200"):                  2,
		promtest.Key("x_http_requests_total", "route", Unmatched, "code", "404"):                      1,
		promtest.Key("x_http_requests_total", "route", Unmatched, "code", "405"):                      1,
		promtest.Key("x_http_request_duration_seconds_count", "route", "GET /a/{id}", "class", "2xx"): 2,
		promtest.Key("x_http_request_duration_seconds_count", "route", "POST /b", "class", "5xx"):     1,
		promtest.Key("x_http_request_duration_seconds_count", "route", Unmatched, "class", "4xx"):     2,
	} {
		if got := e.Samples[k]; got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	if h.Count("", 404) != 1 || h.Series() != 4 {
		t.Errorf("Count(unmatched, 404) = %d, Series = %d; want 1, 4", h.Count("", 404), h.Series())
	}
}
