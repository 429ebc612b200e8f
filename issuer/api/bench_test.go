package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/passhash"
	"github.com/honnin/honnin/issuer/risk"
)

// BenchmarkCreateAndStart is one authentication's issuer work up to the
// code mail: POST /v1/authentications (key lookup, PAN HMAC, insert,
// session token) then the edge's start (token verify, gen bump, code, seal
// with X-Wing, challenge token, SMTP to the in-process devmail sink, delivery
// record). Real SQLite in a temp dir, so the fsyncs of the four commits count.
func BenchmarkCreateAndStart(b *testing.B) {
	h := newHarness(b)
	// Every iteration mails the same demo address: lift the daily cap,
	// which would otherwise refuse the 11th send ("limited").
	// And the same card again and again builds a history the risk rules
	// would deny (velocity on the card with the other rules' points): the
	// benchmark measures the work of a challenge, so nothing is denied.
	rc := risk.DefaultConfig()
	rc.Thresholds.DenyMin = math.MaxInt32
	engine, err := risk.New(rc)
	if err != nil {
		b.Fatal(err)
	}
	h.reconfigure(func(c *acs.Config) { c.SendCap = math.MaxInt32; c.Risk = engine })
	body := validCreate()
	b.ReportAllocs()
	for b.Loop() {
		rec := h.do("POST", "/v1/authentications", testAPIKey, body)
		if rec.Code != http.StatusCreated {
			b.Fatalf("create: %d %s", rec.Code, rec.Body.String())
		}
		id := decodeBody[createResponse](b, rec).ID
		rec = h.do("POST", "/internal/v1/authentications/"+id+"/start", h.edgeToken(id), map[string]any{})
		if rec.Code != http.StatusOK {
			b.Fatalf("start: %d %s", rec.Code, rec.Body.String())
		}
		if res := decodeBody[contract.StartResponse](b, rec); res.Delivery != "sent" {
			b.Fatalf("delivery %q: %s", res.Delivery, rec.Body.String())
		}
	}
}

// BenchmarkPasswordCheckUnderSignInFlood is a purchase's static password
// check (the edge's call, a real argon2id hash) while portal sign-ins
// flood the same hashing budget (a slot per core) at a fixed rate, each a
// real hash in the sign-in lane. It reports the check's latency (p50, p90,
// max) and the share of the flood the budget refused.
func BenchmarkPasswordCheckUnderSignInFlood(b *testing.B) {
	for _, perSec := range []int{0, 40} {
		b.Run(fmt.Sprintf("flood=%d/s", perSec), func(b *testing.B) {
			pc := newPasswordCaseSlots(b, 0)
			hash := pc.hash(b)
			stop := make(chan struct{})
			var flood sync.WaitGroup
			var sent, refused atomic.Int64
			if perSec > 0 {
				flood.Go(func() {
					tick := time.NewTicker(time.Second / time.Duration(perSec))
					defer tick.Stop()
					for {
						select {
						case <-stop:
							return
						case <-tick.C:
						}
						flood.Go(func() {
							sent.Add(1)
							if _, err := pc.budget.Verify(context.Background(), passhash.SignIn, "guess", hash); errors.Is(err, passhash.ErrBusy) {
								refused.Add(1)
							}
						})
					}
				})
				time.Sleep(2 * time.Second) // the flood's steady state
			}
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				rec := pc.check(b.Context(), "s3cret パス")
				took = append(took, time.Since(start))
				if rec.Code != http.StatusOK || !okOf(b, decodeBody[contract.PasswordResponse](b, rec)) {
					b.Fatalf("purchase check: %d %s", rec.Code, rec.Body.String())
				}
			}
			close(stop)
			flood.Wait()
			slices.Sort(took)
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(ms(took[(len(took)-1)/2]), "p50-ms")
			b.ReportMetric(ms(took[(len(took)-1)*9/10]), "p90-ms")
			b.ReportMetric(ms(took[len(took)-1]), "max-ms")
			if n := sent.Load(); n > 0 {
				b.ReportMetric(float64(refused.Load())/float64(n), "flood-refused-share")
			}
		})
	}
}
