package threeds

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store/pgtest"
)

// BenchmarkAReq is the time from AReq to ARes inside the issuer: parsing,
// the card's state, the risk decision with its history queries, and the
// writes of the authentication, its decision and its EMV transaction —
// everything but the DS's TLS connection. Browser AReqs for 64 enrolled
// cards in turn; each reports p50-ns and p99-ns, on each engine.
func BenchmarkAReq(b *testing.B) {
	for _, name := range []string{pgtest.SQLite, pgtest.Postgres} {
		b.Run(name, func(b *testing.B) {
			f := newBenchFixture(b, pg.Engine(b, name))
			var cards []string
			for i := range 64 {
				partial := "35401299" + string(rune('0'+i/10%10)) + string(rune('0'+i%10)) + "00000"
				d, err := pan.CheckDigit(partial)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := pan.Parse(partial + string(d))
				if _, err := f.store.UpsertCardholder(context.Background(), issuer.Cardholder{PANHMAC: f.hasher.Sum(n), Last4: n.Last4(),
					Email: "bench@mail.jp", Locale: "ja", Status: issuer.CardholderActive, Country: "JP", CreatedAt: t0}); err != nil {
					b.Fatal(err)
				}
				cards = append(cards, string(n))
			}
			bodies := make([][]byte, 0, len(cards))
			for _, c := range cards {
				body, _ := json.Marshal(areq("2.2.0", "02", c))
				bodies = append(bodies, body)
			}
			durations := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				rec := httptest.NewRecorder()
				f.door.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, AReqPath, bytes.NewReader(bodies[i%len(bodies)])))
				durations = append(durations, time.Since(start))
				if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"Erro"`)) {
					b.Fatalf("AReq: %d %s", rec.Code, rec.Body)
				}
			}
			b.StopTimer()
			slices.Sort(durations)
			b.ReportMetric(float64(durations[len(durations)/2].Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(durations[len(durations)*99/100].Nanoseconds()), "p99-ns")
		})
	}
}
