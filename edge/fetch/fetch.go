// Package fetch makes the edge's outgoing HTTP calls (to the issuer):
// net/http's client natively, the runtime's fetch() inside Workers.
//
// It exists for the Workers edge's size: calling an *http.Client links
// net/http's whole Transport (and with it crypto/tls and x509's
// verification), about 1.1 MiB of gzip that the worker never runs, since
// on js/wasm the Transport only forwards to fetch() anyway. The callers
// build an *http.Request as usual and get the answer whole.
package fetch

import (
	"errors"
	"strconv"
	"time"
)

// Response is an answer, with at most the limit's bytes of body read. Of
// the headers only Retry-After is kept, the one the callers read: inside
// Workers every header copied into Go costs a few JS values (each with a
// finalizer), per call.
type Response struct {
	Status     int
	RetryAfter string
	Body       []byte
}

// maxRetryAfter caps a Retry-After: a peer that names a longer wait (or a
// number too large for a Duration) gets this one.
const maxRetryAfter = 24 * time.Hour

// Wait is the answer's Retry-After in seconds as a duration, at most a day;
// 0 when absent, negative or not a number (the HTTP-date form is not used
// between honnin's own parties).
func (r Response) Wait() time.Duration {
	n, err := strconv.ParseInt(r.RetryAfter, 10, 64)
	if errors.Is(err, strconv.ErrRange) && n > 0 {
		return maxRetryAfter // more seconds than an int64 holds
	}
	if err != nil || n < 0 {
		return 0
	}
	if n > int64(maxRetryAfter/time.Second) {
		return maxRetryAfter
	}
	return time.Duration(n) * time.Second
}
