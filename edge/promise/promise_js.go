//go:build js && wasm

package promise

import (
	"context"
	"errors"
	"syscall/js"
)

// Await waits for p to settle: its value, or an error carrying the
// rejection's message. A p that is not a thenable is an error too.
func Await(p js.Value) (js.Value, error) {
	ch, release, err := subscribe(p)
	if err != nil {
		return js.Undefined(), err
	}
	// A plain receive, no select: the wasm client, which never cancels,
	// then links neither select nor context (~4 KiB gzip).
	o := <-ch
	release()
	return o.v, o.err
}

// AwaitContext is Await that gives up when ctx ends first, with ctx's
// error. The promise still settles later; its callbacks are released then,
// not before, since JS would call released ones. Cancel the work itself
// (an AbortController) when it should stop.
func AwaitContext(ctx context.Context, p js.Value) (js.Value, error) {
	ch, release, err := subscribe(p)
	if err != nil {
		return js.Undefined(), err
	}
	select {
	case o := <-ch:
		release()
		return o.v, o.err
	case <-ctx.Done():
		go func() { <-ch; release() }()
		return js.Undefined(), ctx.Err()
	}
}

type outcome struct {
	v   js.Value
	err error
}

// subscribe hands p's outcome to the channel it returns (buffered: the
// callbacks never block the event loop); release frees the callbacks once
// the outcome is in.
func subscribe(p js.Value) (<-chan outcome, func(), error) {
	ch := make(chan outcome, 1)
	ok := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- outcome{v: arg0(args)}
		return nil
	})
	fail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- outcome{err: errors.New(reason(arg0(args)))}
		return nil
	})
	release := func() { ok.Release(); fail.Release() }
	if err := then(p, ok, fail); err != nil {
		release()
		return nil, nil, err
	}
	return ch, release, nil
}

func arg0(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}

// then calls p.then(ok, fail), turning a throw (p is no thenable) into an
// error.
func then(p js.Value, ok, fail js.Func) (err error) {
	defer func() {
		if recover() != nil {
			err = errors.New("not a promise")
		}
	}()
	if t := p.Type(); t != js.TypeObject && t != js.TypeFunction {
		return errors.New("not a promise")
	}
	p.Call("then", ok, fail)
	return nil
}

// reflectGet is Reflect.get, called through Invoke so that a throwing
// getter becomes a recoverable panic (js.Value.Get would end the program).
var reflectGet = js.Global().Get("Reflect").Get("get")

// reason is a rejection's message: an Error's message, a rejected string,
// or "promise rejected".
func reason(v js.Value) (msg string) {
	msg = "promise rejected"
	switch v.Type() {
	case js.TypeString:
		if v.String() != "" {
			msg = v.String()
		}
	case js.TypeObject, js.TypeFunction:
		defer func() { recover() }()
		if m := reflectGet.Invoke(v, "message"); m.Type() == js.TypeString && m.String() != "" {
			msg = m.String()
		}
	}
	return msg
}
