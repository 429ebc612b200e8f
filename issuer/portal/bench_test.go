package portal

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store/pgtest"
)

// BenchmarkCheckPassword measures the password step for an enrolled card
// with a wrong password and for a card that is not enrolled: the two must
// cost the same (argon2id against the card's hash or the dummy one), so
// timing does not tell whether a card is enrolled.
func BenchmarkCheckPassword(b *testing.B) {
	for _, bc := range []struct{ name, card string }{
		{"enrolled-wrong-password", cardA},
		{"not-enrolled", cardUnknown},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := newHarness(b, pg.Engine(b, pgtest.SQLite))
			n, err := pan.Parse(bc.card)
			if err != nil {
				b.Fatal(err)
			}
			key := h.pan.Sum(n)
			r := httptest.NewRequest(http.MethodPost, "/portal/signin", nil)
			for b.Loop() {
				// Clear the card's count so the lock never answers first,
				// and vary the client so the address limit never does.
				h.store.PortalPasswordOK(b.Context(), key)
				pc, err := h.portal.checkPassword(b.Context(), r, bc.card, "wrong-password")
				if err != nil || pc.status != http.StatusUnauthorized {
					b.Fatalf("%d %v", pc.status, err)
				}
				h.clock.Add(IPWindow)
			}
		})
	}
}

// BenchmarkSignInUnderFlood measures a cardholder's sign-in (the password
// step with the right password, which mails the code) while an attacker
// floods the sign-in with valid, unenrolled card numbers from rotating
// addresses (each its own /64, so the per-address limit never stops them),
// at a fixed rate whatever the answers: the attack of issue 12. The
// cardholder does what the busy page says: on 503, waits Retry-After and
// tries again (at most maxTries times). Per op it reports the time until
// the cardholder's password step succeeded (p50, p90), the tries it took,
// the latency of the refusals the cardholder and the flood got (p50, p99),
// and the share of the flood refused. The portal uses the process's
// default budget (a slot per core).
func BenchmarkSignInUnderFlood(b *testing.B) {
	const maxTries = 30
	for _, perSec := range []int{0, 10, 20, 40} {
		b.Run(fmt.Sprintf("flood=%d/s", perSec), func(b *testing.B) {
			h := newHarness(b, pg.Engine(b, pgtest.SQLite))
			tok := benchCSRF(h)
			stop := make(chan struct{})
			var flood sync.WaitGroup
			var mu sync.Mutex
			floodStatus := map[int]int{}
			var floodRefusals []time.Duration
			if perSec > 0 {
				flood.Go(func() {
					tick := time.NewTicker(time.Second / time.Duration(perSec))
					defer tick.Stop()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						case <-tick.C:
						}
						flood.Go(func() {
							start := time.Now()
							st, _ := benchSignin(h, tok, fmt.Sprintf("[2001:db8:%x:%x::1]:9000", i>>16, i&0xffff), luhnCard(i), "guess")
							d := time.Since(start)
							mu.Lock()
							floodStatus[st]++
							if st == http.StatusServiceUnavailable {
								floodRefusals = append(floodRefusals, d)
							}
							mu.Unlock()
						})
					}
				})
				// Let the flood reach its steady state.
				time.Sleep(2 * time.Second)
			}
			var signedIn, refusals []time.Duration
			tries := 0
			for b.Loop() {
				h.clock.Add(IPWindow) // the cardholder's own address limit never answers
				start := time.Now()
				for try := 1; ; try++ {
					tries++
					t0 := time.Now()
					st, retry := benchSignin(h, tok, "192.0.2.10:8000", cardB, passB)
					if st == http.StatusSeeOther {
						break
					}
					if st != http.StatusServiceUnavailable || try == maxTries {
						b.Fatalf("cardholder's sign-in, try %d: %d", try, st)
					}
					refusals = append(refusals, time.Since(t0))
					secs, err := strconv.Atoi(retry)
					if err != nil {
						b.Fatalf("503 with Retry-After %q", retry)
					}
					time.Sleep(time.Duration(secs) * time.Second)
				}
				signedIn = append(signedIn, time.Since(start))
			}
			close(stop)
			flood.Wait()
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(ms(percentile(signedIn, 50)), "p50-ms")
			b.ReportMetric(ms(percentile(signedIn, 90)), "p90-ms")
			b.ReportMetric(float64(tries)/float64(len(signedIn)), "tries/op")
			b.ReportMetric(ms(percentile(refusals, 50)), "refusal-p50-ms")
			b.ReportMetric(ms(percentile(refusals, 99)), "refusal-p99-ms")
			if perSec > 0 {
				total := 0
				for _, n := range floodStatus {
					total += n
				}
				b.ReportMetric(float64(floodStatus[http.StatusServiceUnavailable])/float64(total), "flood-refused-share")
				b.ReportMetric(ms(percentile(floodRefusals, 50)), "flood-refusal-p50-ms")
				b.ReportMetric(ms(percentile(floodRefusals, 99)), "flood-refusal-p99-ms")
				b.Logf("flood answers %v", floodStatus)
			}
		})
	}
}

// percentile is the p-th percentile of ds (0 for none).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

// benchCSRF is a valid pre-sign-in CSRF token (the cookie's value, which
// the form repeats).
func benchCSRF(h *harness) string {
	b := h.browser()
	b.get("/portal/signin")
	return b.csrf()
}

// benchSignin posts a sign-in straight to the portal's handler as if from
// remoteAddr and returns the status and the Retry-After.
func benchSignin(h *harness, tok, remoteAddr, card, password string) (int, string) {
	form := url.Values{"card": {card}, "password": {password}, "csrf": {tok}}
	r := httptest.NewRequest(http.MethodPost, "/portal/signin", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = remoteAddr
	name, _ := h.portal.preCSRFCookie()
	r.AddCookie(&http.Cookie{Name: name, Value: tok})
	w := httptest.NewRecorder()
	h.portal.ServeHTTP(w, r)
	return w.Code, w.Header().Get("Retry-After")
}
