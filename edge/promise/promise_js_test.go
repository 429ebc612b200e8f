//go:build js && wasm

package promise

import (
	"context"
	"syscall/js"
	"testing"
	"time"
)

var (
	promiseClass = js.Global().Get("Promise")
	errorClass   = js.Global().Get("Error")
)

func TestAwait(t *testing.T) {
	tests := []struct {
		name    string
		p       func() js.Value // made in the test: a rejection nobody awaits yet ends Node
		want    string          // the value as a string, when it resolves
		wantErr string
	}{
		{name: "resolves", p: func() js.Value { return promiseClass.Call("resolve", "ok") }, want: "ok"},
		{name: "resolves later", p: func() js.Value {
			return promiseClass.New(js.FuncOf(func(_ js.Value, a []js.Value) any {
				js.Global().Call("setTimeout", a[0], 10, "later")
				return nil
			}))
		}, want: "later"},
		{name: "rejects with an Error", p: func() js.Value { return promiseClass.Call("reject", errorClass.New("boom")) }, wantErr: "boom"},
		{name: "rejects with a string", p: func() js.Value { return promiseClass.Call("reject", "nope") }, wantErr: "nope"},
		{name: "rejects with nothing", p: func() js.Value { return promiseClass.Call("reject") }, wantErr: "promise rejected"},
		{name: "not a promise", p: func() js.Value { return js.ValueOf(3) }, wantErr: "not a promise"},
		{name: "an object without then", p: func() js.Value { return js.Global().Get("Object").New() }, wantErr: "not a promise"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Await(tt.p())
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Await = %v, %v; want error %q", v, err, tt.wantErr)
				}
				return
			}
			if err != nil || v.String() != tt.want {
				t.Fatalf("Await = %v, %v; want %q", v, err, tt.want)
			}
		})
	}
}

func TestReasonWithThrowingGetter(t *testing.T) {
	o := js.Global().Get("Object").New()
	// A JS function (Node allows building one from source): a Go callback
	// that throws would unwind through the Go runtime.
	getter := js.Global().Get("Function").New("throw new Error('getter throws')")
	desc := js.Global().Get("Object").New()
	desc.Set("get", getter)
	js.Global().Get("Object").Call("defineProperty", o, "message", desc)
	if got := reason(o); got != "promise rejected" {
		t.Fatalf("reason = %q, want the fallback", got)
	}
}

func TestAwaitContext(t *testing.T) {
	never := promiseClass.New(js.FuncOf(func(js.Value, []js.Value) any { return nil }))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := AwaitContext(ctx, never); err != context.DeadlineExceeded {
		t.Fatalf("AwaitContext on a promise that never settles = %v, want the deadline", err)
	}
	// A promise that settles after its waiter gave up does not block
	// anything: the next await works.
	var resolve js.Value
	late := promiseClass.New(js.FuncOf(func(_ js.Value, a []js.Value) any { resolve = a[0]; return nil }))
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := AwaitContext(ctx2, late); err != context.Canceled {
		t.Fatalf("AwaitContext with an ended ctx = %v, want Canceled", err)
	}
	resolve.Invoke("done")
	if v, err := Await(promiseClass.Call("resolve", "next")); err != nil || v.String() != "next" {
		t.Fatalf("Await after = %v, %v", v, err)
	}
}
