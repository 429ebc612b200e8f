//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/promise"
)

// maxResponse bounds an edge answer; real ones are a few KiB.
const maxResponse = 256 << 10

// requestTimeout is how long a request may take, in milliseconds, before
// the screen says there is a connection problem: longer than the edge
// waits for the issuer (contract.ClientWait).
const requestTimeout = int(contract.ClientWait / time.Millisecond)

// post sends body as JSON to path on the page's own origin with the
// browser's fetch, and returns the HTTP status and the body. net/http
// would do the same at three times the binary size. It blocks, so it must
// never run inside a JS event callback.
func post(path string, body []byte) (status int, resp []byte, err error) {
	var p js.Value
	err = guard(func() {
		headers := js.Global().Get("Object").New()
		headers.Set("Content-Type", "application/json")
		init := js.Global().Get("Object").New()
		init.Set("method", "POST")
		init.Set("headers", headers)
		init.Set("body", string(body))
		init.Set("credentials", "same-origin")
		init.Set("cache", "no-store")
		init.Set("redirect", "error")
		if timeout := prop(js.Global().Get("AbortSignal"), "timeout"); timeout.Type() == js.TypeFunction {
			init.Set("signal", js.Global().Get("AbortSignal").Call("timeout", requestTimeout))
		}
		p = js.Global().Call("fetch", path, init)
	})
	if err != nil {
		return 0, nil, errors.New("fetch " + path + ": " + err.Error())
	}
	r, err := promise.Await(p)
	if err != nil {
		return 0, nil, errors.New("fetch " + path + ": " + err.Error())
	}
	var buf js.Value
	err = guard(func() {
		status = r.Get("status").Int()
		buf = r.Call("arrayBuffer")
	})
	if err != nil {
		return 0, nil, errors.New("fetch " + path + ": " + err.Error())
	}
	ab, err := promise.Await(buf)
	if err != nil {
		return 0, nil, errors.New("fetch " + path + ": read body: " + err.Error())
	}
	err = guard(func() {
		u8 := js.Global().Get("Uint8Array").New(ab)
		n := u8.Get("length").Int()
		if n > maxResponse {
			panic("response too large")
		}
		resp = make([]byte, n)
		js.CopyBytesToGo(resp, u8)
	})
	if err != nil {
		return 0, nil, errors.New("fetch " + path + ": read body: " + err.Error())
	}
	return status, resp, nil
}

// earlyStart returns the answer to loader.js's early start
// (honninBoot.early, web/loader.js), once: it is then forgotten, so a
// retry starts anew. ok is false when there was none to take, or when the
// edge refused it as a bad request (400: the loader sends the signals as
// collected, and only the client brings them within the limits), so that
// the client starts itself; a refused start sent no code. A network
// failure is the start's failure, as for the client's own request.
func earlyStart() (status int, body []byte, ok bool, err error) {
	var p js.Value
	_ = guard(func() {
		boot := prop(js.Global(), "honninBoot")
		p = prop(boot, "early")
		if p.Truthy() {
			boot.Set("early", js.Null())
		}
	})
	if !p.Truthy() {
		return 0, nil, false, nil
	}
	r, err := promise.Await(p)
	if err != nil {
		return 0, nil, true, errors.New("early start: " + err.Error())
	}
	if e := str(prop(r, "error")); e != "" {
		return 0, nil, true, errors.New("early start: " + e)
	}
	status = int(num(prop(r, "status")))
	if status == 400 {
		return 0, nil, false, nil
	}
	body = []byte(str(prop(r, "body")))
	if len(body) > maxResponse {
		return 0, nil, true, errors.New("early start: response too large")
	}
	return status, body, true, nil
}
