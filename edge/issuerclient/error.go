package issuerclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/honnin/honnin/edge/fetch"
	"github.com/honnin/honnin/edge/jsonapi"
)

// Error is an answer of the issuer other than a 2xx. Its callers act on
// Code (edge/api passes the refusals a cardholder can act on to the client:
// see edge/contract's codes) or on Status (edge/report: whether a retry can
// help).
type Error struct {
	// Status is the issuer's HTTP status.
	Status int
	// Code and Message are the issuer's {"error","message"} when the body
	// was one; otherwise Code is empty and Message the start of the body
	// (a proxy's error page, say). Message is at most maxMessage bytes.
	Code, Message string
	// RetryAfter is the issuer's Retry-After in seconds, at most a day; 0
	// when absent or not a number of seconds.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	code := e.Code
	if code == "" {
		code = http.StatusText(e.Status)
	}
	return fmt.Sprintf("issuer answered %d %s: %s", e.Status, code, e.Message)
}

// maxMessage caps Error.Message, which goes to logs and to the report
// queue's last error.
const maxMessage = 200

// decodeError reads a refusal: the status, Retry-After and the JSON error
// body. It accepts any body; a message is cut to maxMessage bytes at a
// character boundary.
func decodeError(resp *fetch.Response) *Error {
	e := &Error{Status: resp.Status, RetryAfter: resp.Wait()}
	var eb jsonapi.ErrorBody
	if json.Unmarshal(resp.Body, &eb) == nil {
		e.Code, e.Message = eb.Error, eb.Message
	} else {
		e.Message = string(bytes.TrimSpace(resp.Body))
	}
	e.Message = cut(e.Message, maxMessage)
	return e
}

// cut returns s at most n bytes long, not splitting a UTF-8 character
// that starts within the first n bytes.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > n-utf8.UTFMax+1 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}
