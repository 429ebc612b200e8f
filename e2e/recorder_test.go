package e2e

import (
	"context"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// message is one postMessage the top-level page received.
type message struct {
	Origin string `json:"origin"`
	Data   struct {
		Type        string `json:"type"`
		ResultToken string `json:"result_token"`
		Status      string `json:"status"`
		Reason      string `json:"reason"`
	} `json:"data"`
}

// recorder collects every message event of every top-level document the tab
// loads, across navigations, so a test sees what the merchant page received
// even after the shop has moved on to its order page.
type recorder struct {
	mu   sync.Mutex
	msgs []message
}

func record(t *testing.T, ctx context.Context) *recorder {
	t.Helper()
	r := &recorder{}
	do(t, ctx, chromedp.ExposeFunc("e2eRecord", func(ctx context.Context, m message) (bool, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.msgs = append(r.msgs, m)
		return true, nil
	}))
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `if (window.top === window) addEventListener("message", e => e2eRecord({origin: e.origin, data: e.data}));`,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *recorder) all() []message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]message(nil), r.msgs...)
}
