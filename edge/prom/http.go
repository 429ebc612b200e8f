package prom

import (
	"net/http"
	"strconv"
	"time"
)

// LatencyBounds are the request latency buckets, in seconds: from a
// cached key set (well under a millisecond) to a start that waits for a
// slow mail server.
var LatencyBounds = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// Unmatched is the route label of a request that matched no route (404,
// 405): never its path, which is whatever the client sent, so a scanner
// cannot grow the series without bound.
const Unmatched = "unmatched"

// HTTP counts a server's answered requests by route pattern and status
// code, and their latency by route and status class. It is one rule for
// every process (prefix names the process: honnin_issuer_, honnin_edge_).
type HTTP struct {
	requests *CounterVec[httpKey]
	latency  *HistogramVec[classKey]
}

type httpKey struct {
	route string
	code  int
}

type classKey struct {
	route string
	class byte // '1'..'5'
}

// NewHTTP registers prefix+"http_requests_total" and
// prefix+"http_request_duration_seconds" in r; server names what answers
// in their help ("the issuer's API").
func NewHTTP(r *Registry, prefix, server string) *HTTP {
	return &HTTP{
		requests: NewCounterVec(r, prefix+"http_requests_total",
			"HTTP requests answered by "+server+", by route pattern and status code.",
			[]string{"route", "code"}, func(k httpKey) []string { return []string{k.route, strconv.Itoa(k.code)} }),
		latency: NewHistogramVec(r, prefix+"http_request_duration_seconds",
			"Time from a request's arrival at "+server+" to its answer, by route pattern and status class.",
			LatencyBounds, []string{"route", "class"}, func(k classKey) []string { return []string{k.route, string(k.class) + "xx"} }),
	}
}

// Request counts an answered request. route is the pattern it matched
// ("GET /v1/authentications/{id}"), "" for none; status 0 means 200 (a
// handler that wrote nothing).
func (h *HTTP) Request(route string, status int, took time.Duration) {
	if route == "" {
		route = Unmatched
	}
	if status == 0 {
		status = http.StatusOK
	}
	class := byte('0' + status/100)
	if status < 100 || status > 599 {
		class = '5'
	}
	h.requests.Inc(httpKey{route, status})
	h.latency.With(classKey{route, class}).ObserveDuration(took)
}

// Count is how many requests of route were answered with status (route
// "" is Unmatched): for tests.
func (h *HTTP) Count(route string, status int) uint64 {
	if route == "" {
		route = Unmatched
	}
	return h.requests.Value(httpKey{route, status})
}

// Series is how many request series exist: for tests that bound them.
func (h *HTTP) Series() int {
	h.requests.v.mu.RLock()
	defer h.requests.v.mu.RUnlock()
	return len(h.requests.v.series)
}
