package api

import (
	"testing"
	"time"

	"github.com/honnin/honnin/edge/limits"
)

// The issuer's cooldown runs from its exact send time; the token's iat is
// that time rounded down to the second. Resend must never be offered before
// the issuer's 30 s are over.
func TestResendAfterNeverBeforeTheIssuer(t *testing.T) {
	for _, sentAt := range []time.Time{
		time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 22, 3, 0, 0, 1, time.UTC),
		time.Date(2026, 11, 22, 3, 0, 0, 999_999_999, time.UTC),
	} {
		iat := sentAt.Truncate(time.Second) // what a JWT NumericDate keeps
		got := resendAfter(iat)
		if earliest := sentAt.Add(limits.ResendCooldown); got.Before(earliest) {
			t.Errorf("sent %s: Resend offered at %s, before the issuer allows it at %s", sentAt.Format(time.RFC3339Nano), got, earliest)
		}
		if got.Sub(sentAt) > limits.ResendCooldown+time.Second {
			t.Errorf("sent %s: Resend offered at %s, more than a second late", sentAt.Format(time.RFC3339Nano), got)
		}
	}
}
