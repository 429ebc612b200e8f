package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/issuerclient"
	"github.com/honnin/honnin/edge/ledger/sqlite"
	"github.com/honnin/honnin/edge/report"
)

// singleOnly is an issuer client without the batch endpoint: the edge's
// reporter then posts one outcome per call, as it did before batches.
type singleOnly struct{ *issuerclient.Client }

func (singleOnly) PostOutcomes(context.Context, []string) ([]contract.OutcomeResult, error) {
	return nil, &issuerclient.Error{Status: http.StatusNotFound, Code: "not_found"}
}

// BenchmarkDeliverReports is the edge's report queue delivered to this
// API over loopback HTTP (httptest), the issuer on its SQLite store: the
// progress reports of wrong codes (status C) over 20 authentications, the
// report issue 17 saw fall behind. "single" posts one outcome per call
// (before), "batch" a claim of 100 per call; reports/s is the rate the
// queue empties at.
func BenchmarkDeliverReports(b *testing.B) {
	for _, mode := range []string{"single", "batch"} {
		b.Run(mode, func(b *testing.B) {
			h := newHarness(b)
			var ids []string
			for _, card := range []string{cardJA, cardEN} {
				for range 10 {
					id := h.createChallenge(card)
					h.start(id)
					ids = append(ids, id)
				}
			}
			srv := httptest.NewServer(h.api)
			b.Cleanup(srv.Close)
			ic, err := issuerclient.New(issuerclient.Config{URL: srv.URL, Key: h.edge.Sign, Now: h.clock.Now})
			if err != nil {
				b.Fatal(err)
			}
			var is report.Issuer = ic
			if mode == "single" {
				is = singleOnly{ic}
			}
			l, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "edge.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { l.Close() })
			r, err := report.New(report.Config{DB: l.DB(), Issuer: is, Now: h.clock.Now,
				Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				b.Fatal(err)
			}
			const perRound = 500
			total, seq := 0, 0
			var took time.Duration
			for b.Loop() {
				b.StopTimer()
				for range perRound {
					seq++
					o := contract.Outcome{JTI: fmt.Sprintf("p-%d", seq), Sub: ids[seq%len(ids)], Status: contract.StatusChallenge,
						Reason: contract.ReasonWrongCode, Gen: new(int), Attempts: 1}
					*o.Gen = 1
					q, err := report.Queue(o)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := l.DB().Exec(`INSERT INTO edge_report (jti, body, due, created) VALUES (?1, ?2, ?3, ?3)`,
						q.JTI, q.Body, h.clock.Now().UnixMilli()); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				start := time.Now()
				n, err := r.Deliver(context.Background())
				took += time.Since(start)
				if err != nil || n != perRound {
					b.Fatalf("Deliver = (%d, %v), want (%d, nil)", n, err, perRound)
				}
				total += n
			}
			if p, err := r.Pending(context.Background()); err != nil || p != 0 {
				b.Fatalf("pending %d, %v", p, err)
			}
			b.ReportMetric(float64(total)/took.Seconds(), "reports/s")
		})
	}
}
