//go:build !(js && wasm)

package fetch

import (
	"fmt"
	"io"
	"net/http"
)

// Do sends req with c (nil: http.DefaultClient) and reads at most limit
// bytes of the answer's body; the rest is drained, up to 64 KiB, so the
// connection can be reused. c's Timeout and req's context bound the call.
func Do(c *http.Client, req *http.Request, limit int64) (*Response, error) {
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return &Response{Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After"), Body: b}, nil
}
