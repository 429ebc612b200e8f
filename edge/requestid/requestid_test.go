package requestid

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	for _, c := range []struct {
		id   string
		want bool
	}{
		{"abc-123", true},
		{"0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{"trace.span:1_2", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{"a b", false},
		{"a\nlevel=ERROR", false},
		{"a\"b", false},
		{"カード", false},
	} {
		if got := Valid(c.id); got != c.want {
			t.Errorf("Valid(%q) = %v, want %v", c.id, got, c.want)
		}
	}
}

// TestHandler: an id is taken from a trusted peer only, and only a sane
// one; otherwise a fresh one is made. Either way the handler and the
// answer see the same id.
func TestHandler(t *testing.T) {
	trusted := Peers([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	for _, c := range []struct {
		name, remote, incoming string
		keep                   bool
	}{
		{"loopback", "127.0.0.1:5000", "edge-abc", true},
		{"loopback v6", "[::1]:5000", "edge-abc", true},
		{"trusted proxy", "10.1.2.3:443", "lb-77", true},
		{"stranger", "203.0.113.9:5000", "forged-id", false},
		{"loopback, bad id", "127.0.0.1:5000", "a b\nc", false},
		{"loopback, no id", "127.0.0.1:5000", "", false},
	} {
		var seen string
		h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = FromContext(r.Context())
		}), trusted)
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.incoming != "" {
			r.Header.Set(Header, c.incoming)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		got := w.Header().Get(Header)
		if got == "" || got != seen || !Valid(got) {
			t.Errorf("%s: answer's id %q, handler's %q; want one valid id", c.name, got, seen)
		}
		if (got == c.incoming) != c.keep {
			t.Errorf("%s: id %q for incoming %q; kept %v, want %v", c.name, got, c.incoming, got == c.incoming, c.keep)
		}
	}
}

// TestNilTrustsNoOne: without a trust rule every request gets its own id.
func TestNilTrustsNoOne(t *testing.T) {
	h := Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), nil)
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:1"
	r.Header.Set(Header, "mine")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if got := w.Header().Get(Header); got == "mine" || got == "" {
		t.Errorf("id %q, want a fresh one", got)
	}
}

// TestLogHandler: a line logged with a request's context names the
// request, through derived loggers too; one without names none.
func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewLogHandler(slog.NewTextHandler(&buf, nil))).With("component", "x").WithGroup("g")
	ctx := NewContext(context.Background(), "req-42")
	log.InfoContext(ctx, "with")
	log.Info("without")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %q", len(lines), buf.String())
	}
	if !strings.Contains(lines[0], "request_id=req-42") {
		t.Errorf("line with the request's context: %q, want request_id=req-42", lines[0])
	}
	if strings.Contains(lines[1], "request_id") {
		t.Errorf("line without a request: %q names one", lines[1])
	}
}
