//go:build js && wasm

package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"syscall/js"
)

var (
	uint8Array      = js.Global().Get("Uint8Array")
	object          = js.Global().Get("Object")
	abortController = js.Global().Get("AbortController")
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
	init := object.New()
	init.Set("method", req.Method)
	hs := object.New()
	for k, vs := range req.Header {
		for _, v := range vs {
			hs.Set(k, v) // one value per header is all the edge sends
		}
	}
	init.Set("headers", hs)
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
	out := &Response{Status: resp.Get("status").Int(), Header: http.Header{}}
	it := resp.Get("headers").Call("entries")
	for n := it.Call("next"); !n.Get("done").Bool(); n = it.Call("next") {
		kv := n.Get("value")
		out.Header.Add(kv.Index(0).String(), kv.Index(1).String())
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
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	then := js.FuncOf(func(_ js.Value, a []js.Value) any {
		ch <- result{v: a[0]}
		return nil
	})
	catch := js.FuncOf(func(_ js.Value, a []js.Value) any {
		ch <- result{err: errors.New("fetch: " + a[0].Call("toString").String())}
		return nil
	})
	release := func() { then.Release(); catch.Release() }
	if err := call(func() { start().Call("then", then, catch) }); err != nil {
		release()
		return js.Value{}, err
	}
	select {
	case r := <-ch:
		release()
		return r.v, r.err
	case <-ctx.Done():
		// The promise settles after the abort; its callbacks must outlive
		// this call, so they are released when it does, not here.
		go func() { <-ch; release() }()
		ac.Call("abort")
		return js.Value{}, fmt.Errorf("fetch: %w", ctx.Err())
	}
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
