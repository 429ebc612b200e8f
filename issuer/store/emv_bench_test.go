package store

import (
	"context"
	"testing"
	"time"
)

// BenchmarkExpireEMV is one run of the EMV timers (threeds.Results runs
// them every second) over a database holding 50k open non-EMV
// authentications, abandoned merchant flows, and no EMV challenge due: its
// cost must not grow with them.
//
//	go test -run - -bench ExpireEMV ./issuer/store
func BenchmarkExpireEMV(b *testing.B) {
	const open = 50_000
	ctx := context.Background()
	s := openTest(b, b.TempDir()+"/bench.db")
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	f := newFixture(b, s)
	if _, err := s.db.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO authentications (id, merchant_id, amount, currency, merchant_name, merchant_origin, status,
			created_at, updated_at)
		SELECT 'open-' || i, ?, 1250, 'JPY', 'Demo Shop', 'http://localhost:8080', 'C', i, i FROM n`,
		open, f.merchant.ID); err != nil {
		b.Fatal(err)
	}
	now := t0.Add(time.Hour)
	for b.Loop() {
		if n, err := s.ExpireEMV(ctx, now, now.Add(-10*time.Minute), now.Add(-10*time.Minute), now.Add(-time.Minute)); err != nil || n != 0 {
			b.Fatalf("ExpireEMV = %d, %v", n, err)
		}
	}
}
