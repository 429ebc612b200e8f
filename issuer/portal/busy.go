package portal

import (
	"net/http"
	"strconv"
	"time"

	"github.com/honnin/honnin/issuer/passhash"
)

// Every portal password check and new hash takes a slot of the issuer's
// hashing budget (passhash.Budget): sign-in and card-link checks in the
// SignIn lane, which anyone can send and which is refused first, a
// signed-in cardholder's password change in the Account lane. A refusal is
// answered at once, 503 with Retry-After and the page saying "busy, try
// again", and counts nowhere as a wrong password: the password was not
// checked.

// setRetryAfter tells a refused client when to try again.
func setRetryAfter(w http.ResponseWriter) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(passhash.RetryAfter/time.Second))))
}

// setRetryAt tells a client refused until at (a card's sign-in lock, an
// address over its attempts, a code's resend cooldown) how many seconds
// that is from now, at least 1: the page says it in words, Retry-After
// says it to a program.
func setRetryAt(w http.ResponseWriter, at, now time.Time) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int((at.Sub(now)+time.Second-1)/time.Second))))
}
