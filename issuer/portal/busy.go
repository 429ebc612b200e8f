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
