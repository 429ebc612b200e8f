// Package fetch makes the edge's outgoing HTTP calls (to the issuer):
// net/http's client natively, the runtime's fetch() inside Workers.
//
// It exists for the Workers edge's size: calling an *http.Client links
// net/http's whole Transport (and with it crypto/tls and x509's
// verification), about 1.1 MiB of gzip that the worker never runs, since
// on js/wasm the Transport only forwards to fetch() anyway. The callers
// build an *http.Request as usual and get the answer whole.
package fetch

import "net/http"

// Response is an answer, with at most the limit's bytes of body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}
