package contract

import (
	"testing"
	"time"
)

// TestDeadlineOrder: every waiter outlasts the one it waits for, with room
// for the work between (deadlines.go). The compiler checks the same; this
// says which pair broke.
func TestDeadlineOrder(t *testing.T) {
	for _, c := range []struct {
		inner, outer    string
		innerD, outerD  time.Duration
		strictlyShorter bool
	}{
		{"SendTimeout+AnswerReserve", "IssuerDeadline", SendTimeout + AnswerReserve, IssuerDeadline, false},
		{"IssuerDeadline", "EdgeWait", IssuerDeadline, EdgeWait, true},
		{"EdgeWait", "ClientWait", EdgeWait, ClientWait, true},
	} {
		if c.innerD > c.outerD || (c.strictlyShorter && c.innerD == c.outerD) {
			t.Errorf("%s (%v) must end before %s (%v)", c.inner, c.innerD, c.outer, c.outerD)
		}
	}
	if SendTimeout <= 0 || AnswerReserve <= 0 {
		t.Errorf("SendTimeout %v and AnswerReserve %v must be positive", SendTimeout, AnswerReserve)
	}
}
