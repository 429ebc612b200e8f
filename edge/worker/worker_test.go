package worker

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/honnin/honnin/edge/contract"
)

func TestSignals(t *testing.T) {
	tests := []struct {
		name string
		conn *Conn
		peer string
		want contract.EdgeSignals
	}{
		{"native peer", nil, "203.0.113.7:5555", contract.EdgeSignals{IP: "203.0.113.7"}},
		{"native v6 peer", nil, "[2001:db8::1]:443", contract.EdgeSignals{IP: "2001:db8::1"}},
		{"workers cf", &Conn{IP: "198.51.100.2", Country: "JP", ASN: 2516, Colo: "NRT", TLSVersion: "TLSv1.3"}, "198.51.100.2:0",
			contract.EdgeSignals{IP: "198.51.100.2", Country: "JP", ASN: 2516, Colo: "NRT", TLSVersion: "TLSv1.3"}},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/v1/start", nil)
		r.RemoteAddr = tt.peer
		if tt.conn != nil {
			r = r.WithContext(context.WithValue(r.Context(), connKey{}, *tt.conn))
		}
		if got := Signals(r); got != tt.want {
			t.Errorf("%s: Signals = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestAfter(t *testing.T) {
	// Inside a request (as Serve sets it up): queued, run after the
	// response, in order.
	l := &later{}
	ctx := context.WithValue(context.Background(), laterKey{}, l)
	var order []int
	After(ctx, func(context.Context) { order = append(order, 1) })
	After(ctx, func(context.Context) { panic("boom") })
	After(ctx, func(context.Context) { order = append(order, 3) })
	if len(order) != 0 || len(l.fns) != 3 {
		t.Fatalf("ran early: %v, %d queued", order, len(l.fns))
	}
	for _, fn := range l.fns {
		runSafely(ctx, slogDiscard(), "after", fn) // a panic is logged, the rest still runs
	}
	if len(order) != 2 || order[0] != 1 || order[1] != 3 {
		t.Errorf("ran %v, want [1 3]", order)
	}

	// Outside: a goroutine at once, with a context the caller's
	// cancellation does not reach.
	cctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	After(cctx, func(ctx context.Context) { done <- ctx.Err() })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("After's context was cancelled with the caller's: %v", err)
	}
}

func slogDiscard() *slog.Logger { return slog.New(slog.DiscardHandler) }
