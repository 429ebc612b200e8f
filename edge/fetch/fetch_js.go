//go:build js && wasm

package fetch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"syscall/js"

	"github.com/honnin/honnin/edge/promise"
)

var (
	uint8Array      = js.Global().Get("Uint8Array")
	abortController = js.Global().Get("AbortController")
	json0           = js.Global().Get("JSON")
	jsonParse       = json0.Get("parse").Call("bind", json0)
)

// Do sends req with the runtime's fetch() and reads at most limit bytes of
// the answer's body. Only c's Timeout is used; it and req's context abort
// the fetch.
func Do(c *http.Client, req *http.Request, limit int64) (*Response, error) {
	ctx := req.Context()
	if c != nil && c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	// The init object crosses into JS as one JSON string: each Go string
	// handed to JS separately would be a JS value with a finalizer.
	type jsInit struct {
		Method  string            `json:"method"`
		Headers map[string]string `json:"headers"`
	}
	in := jsInit{Method: req.Method, Headers: make(map[string]string, len(req.Header))}
	for k := range req.Header {
		in.Headers[k] = req.Header.Get(k) // one value per header is all the edge sends
	}
	ij, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	init := jsonParse.Invoke(string(ij))
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, fmt.Errorf("fetch: read request body: %w", err)
		}
		body := uint8Array.New(len(b))
		js.CopyBytesToJS(body, b)
		init.Set("body", body)
	}
	ac := abortController.New()
	init.Set("signal", ac.Get("signal"))

	resp, err := await(ctx, ac, func() js.Value { return js.Global().Call("fetch", req.URL.String(), init) })
	if err != nil {
		return nil, err
	}
	out := &Response{Status: resp.Get("status").Int()}
	if ra := resp.Get("headers").Call("get", "retry-after"); ra.Type() == js.TypeString {
		out.RetryAfter = ra.String()
	}
	buf, err := await(ctx, ac, func() js.Value { return resp.Call("arrayBuffer") })
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	a := uint8Array.New(buf)
	n := min(int64(a.Get("length").Int()), limit)
	out.Body = make([]byte, n)
	js.CopyBytesToGo(out.Body, a.Call("subarray", 0, n))
	return out, nil
}

// await waits for the promise start returns, aborting the fetch when ctx
// ends first. A synchronous throw (a malformed URL, say) is an error too.
func await(ctx context.Context, ac js.Value, start func() js.Value) (js.Value, error) {
	var p js.Value
	if err := call(func() { p = start() }); err != nil {
		return js.Value{}, err
	}
	v, err := promise.AwaitContext(ctx, p)
	if err != nil {
		if ctx.Err() != nil {
			ac.Call("abort") // the promise then rejects; nobody waits for it
		}
		return js.Value{}, fmt.Errorf("fetch: %w", err)
	}
	return v, nil
}

// call runs fn, turning a JS exception into an error.
func call(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("fetch: %v", r)
		}
	}()
	fn()
	return nil
}
