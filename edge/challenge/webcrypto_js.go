//go:build js && wasm

package challenge

import (
	"encoding/base64"
	"errors"
	"sync/atomic"
	"syscall/js"

	"github.com/honnin/honnin/edge/promise"
)

// The runtime's WebCrypto (crypto.subtle), natively compiled: Go's
// Ed25519 and X25519 compiled to wasm cost 0.3–1.7 ms an operation there,
// WebCrypto's tens of microseconds. Every use falls back to Go's code when
// WebCrypto is missing or refuses, so the answers are Go's either way; the
// tests run on both paths (make test runs them as js/wasm under Node).
var (
	subtle     = js.Global().Get("crypto").Get("subtle")
	uint8Array = js.Global().Get("Uint8Array")
	object     = js.Global().Get("Object")
	// Algorithm names made into JS strings once: every Go string handed to
	// JS is a new JS value with a finalizer, a cost per call in wasm.
	nameEd25519 = js.ValueOf("Ed25519")
	nameX25519  = js.ValueOf("X25519")
	// webCalls counts the operations WebCrypto answered, by kind (tests
	// read it: a silent fallback to Go would pass the answers test).
	webCalls struct{ verifyEd25519, signEd25519, x25519 atomic.Int64 }
)

func bytesJS(b []byte) js.Value {
	a := uint8Array.New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

// bytesGo copies an ArrayBuffer (or a typed array) into Go.
func bytesGo(v js.Value) []byte {
	if !v.InstanceOf(uint8Array) {
		v = uint8Array.New(v)
	}
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

// okpJWK is a private OKP key (Ed25519 or X25519, RFC 8037) as WebCrypto
// imports it.
func okpJWK(crv string, d, x []byte) js.Value {
	return js.ValueOf(map[string]any{
		"kty": "OKP", "crv": crv,
		"d": base64.RawURLEncoding.EncodeToString(d),
		"x": base64.RawURLEncoding.EncodeToString(x),
	})
}

// call runs subtle.<method>(args...) and awaits it; a synchronous throw
// (an unknown algorithm name, say) is an error too.
func call(method string, args ...any) (v js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("webcrypto: " + method + " threw")
		}
	}()
	return promise.Await(subtle.Call(method, args...))
}
