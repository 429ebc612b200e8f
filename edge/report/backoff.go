package report

import (
	"math/rand/v2"
	"time"
)

// backoff is exponential backoff with jitter: after the n-th failure (n from
// 1) the delay is min·2^(n-1), capped at max, then drawn uniformly from its
// upper half. The jitter spreads the retries of many edges that lost the
// issuer at the same moment, so they do not all return at once.
type backoff struct {
	min, max time.Duration
}

func (b backoff) delay(failures int) time.Duration {
	d := b.min
	for i := 1; i < failures && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	half := d / 2
	return half + rand.N(d-half+1)
}
