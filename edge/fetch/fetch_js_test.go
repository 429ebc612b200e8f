//go:build js && wasm

package fetch

import (
	"context"
	"net/http"
	"testing"
)

// The js path under Node (make test): no server can listen inside wasm, so
// the answers come from data: URLs, which fetch() serves itself.
func TestDoFetch(t *testing.T) {
	req, err := http.NewRequest(http.MethodGet, "data:application/json,%7B%22ok%22%3Atrue%7D", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		limit int64
		body  string
	}{{100, `{"ok":true}`}, {4, `{"ok`}} {
		resp, err := Do(nil, req, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusOK || string(resp.Body) != tt.body || resp.RetryAfter != "" {
			t.Errorf("limit %d: %d %q %q", tt.limit, resp.Status, resp.Body, resp.RetryAfter)
		}
	}
	bad, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:9/", nil)
	if _, err := Do(nil, bad, 10); err == nil {
		t.Error("a fetch from a closed port succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Do(nil, req.WithContext(ctx), 10); err == nil {
		t.Error("a fetch with a cancelled context succeeded")
	}
}
