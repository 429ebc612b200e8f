package api

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/risk"
)

// observed records what the API and the use cases tell the metrics.
type observed struct {
	mu        sync.Mutex
	requests  []string // "route status"
	decisions []string
	reasons   [][]string
	locks     []string
}

func (o *observed) request(route string, status int, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests = append(o.requests, route+" "+http.StatusText(status))
}

// observedHarness is a harness whose API and use cases report to o.
func observedHarness(t *testing.T) (*harness, *observed) {
	h := newHarness(t)
	o := &observed{}
	cfg := h.cfg
	cfg.Observe = acs.Observer{
		Decision: func(outcome string, reasons []risk.Reason) {
			o.mu.Lock()
			defer o.mu.Unlock()
			o.decisions = append(o.decisions, outcome)
			var codes []string
			for _, r := range reasons {
				codes = append(codes, r.Code)
			}
			o.reasons = append(o.reasons, codes)
		},
		Lock: func(method string) { o.mu.Lock(); defer o.mu.Unlock(); o.locks = append(o.locks, method) },
	}
	core, err := acs.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if h.api, err = New(Config{ACS: core, Log: cfg.Log, OnRequest: o.request}); err != nil {
		t.Fatal(err)
	}
	return h, o
}

// TestOnRequestRoutePatterns: each answered request is reported under the
// pattern it matched, never its path (ids are not labels), with the
// status it got; requests no route matched are reported with no route.
func TestOnRequestRoutePatterns(t *testing.T) {
	h, o := observedHarness(t)
	id := h.createChallenge(cardJA)
	h.do("GET", "/v1/authentications/"+id, testAPIKey, nil)
	h.do("GET", "/v1/authentications/XYZ", testAPIKey, nil)
	h.do("GET", "/.well-known/jwks.json", "", nil)
	h.do("GET", "/nope/"+id, "", nil)
	h.do("DELETE", "/v1/authentications/"+id, testAPIKey, nil)
	h.do("POST", "/internal/v1/authentications/"+id+"/start", h.edgeToken(id), map[string]any{})
	want := []string{
		"POST /v1/authentications Created",
		"GET /v1/authentications/{id} OK",
		"GET /v1/authentications/{id} Not Found",
		"GET /.well-known/jwks.json OK",
		" Not Found",
		" Method Not Allowed",
		"POST /internal/v1/authentications/{id}/start OK",
	}
	if !slices.Equal(o.requests, want) {
		t.Errorf("reported\n%q\nwant\n%q", o.requests, want)
	}
	// The start made the one decision.
	if !slices.Equal(o.decisions, []string{"challenge"}) || len(o.reasons) != 1 {
		t.Errorf("decisions %q reasons %q", o.decisions, o.reasons)
	}
}

// TestObserverLocks: the tenth consecutive wrong code locks the email
// credential, and that lock is reported once.
func TestObserverLocks(t *testing.T) {
	h, o := observedHarness(t)
	for i, id := range []string{h.createChallenge(cardEN), h.createChallenge(cardEN)} {
		h.start(id)
		if rec := h.do("POST", "/internal/v1/results", h.edgeToken("results"), map[string]any{"jti": challenge.NewID(),
			"sub": id, "status": "N", "reason": "max_attempts", "gen": 1, "attempts": 5}); rec.Code != http.StatusOK {
			t.Fatalf("N: %d %s", rec.Code, rec.Body.String())
		}
		if want := []string{"email"}[:i]; !slices.Equal(o.locks, want) {
			t.Errorf("after %d failures: locks %q, want %q", 5*(i+1), o.locks, want)
		}
	}
	if !slices.Equal(o.decisions, []string{"challenge", "challenge"}) {
		t.Errorf("decisions %q", o.decisions)
	}
}
