// Package promise waits for JavaScript promises from Go compiled to
// js/wasm: the wasm client in the browser and the edge inside Workers both
// await fetch() and WebCrypto this way.
//
// A goroutine that waits parks, and the Go runtime hands control back to
// the JS event loop; the two callbacks only pass the outcome over a
// channel and return at once, since a callback that blocked would stall
// the event loop and so the promise it waits for.
package promise
