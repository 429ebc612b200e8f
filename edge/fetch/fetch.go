// Package fetch makes the edge's outgoing HTTP calls (to the issuer):
// net/http's client natively, the runtime's fetch() inside Workers.
//
// It exists for the Workers edge's size: calling an *http.Client links
// net/http's whole Transport (and with it crypto/tls and x509's
// verification), about 1.1 MiB of gzip that the worker never runs, since
// on js/wasm the Transport only forwards to fetch() anyway. The callers
// build an *http.Request as usual and get the answer whole.
package fetch

// Response is an answer, with at most the limit's bytes of body read. Of
// the headers only Retry-After is kept, the one the callers read: inside
// Workers every header copied into Go costs a few JS values (each with a
// finalizer), per call.
type Response struct {
	Status     int
	RetryAfter string
	Body       []byte
}
