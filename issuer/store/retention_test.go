package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// testRetention is the retention the tests prune with: every rule on,
// batches of 7 so that each rule with more rows than that runs several.
var testRetention = Retention{
	Audit: 10 * 24 * time.Hour, Finished: 20 * 24 * time.Hour, Abandoned: 24 * time.Hour,
	Sends: 48 * time.Hour, Outbox: 30 * 24 * time.Hour,
	SessionIdle: 15 * time.Minute, SessionMax: 8 * time.Hour, PortalCodes: true, Attempts: 10 * time.Minute,
	Batch: 7,
}

// pruneNow is the time the tests prune at.
var pruneNow = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

// retentionRows is what populate wrote: per rule, how many rows it must
// remove (they are tagged "old" or ended ...-old; the rest must stay).
var retentionRows = map[string]int64{
	"authentications:abandoned": 9,
	"authentications:finished":  10,
	"audit":                     15,
	"sends":                     8,
	"outbox":                    8,
	"portal_sessions":           8,
	"portal_codes":              8,
	"portal_ip_attempts":        8,
}

// exec runs a statement of the test's data, failing the test on error.
func (f fixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := f.s.db.ExecContext(context.Background(), f.s.q(q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (f fixture) count(t *testing.T, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := f.s.db.QueryRowContext(context.Background(), f.s.q(`SELECT COUNT(*) FROM `+table+` WHERE `+where), args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// auth inserts an authentication with id, status, updated_at and
// finished_at (zero: NULL) and a sealed code.
func (f fixture) auth(t *testing.T, id, status string, updated, finished time.Time) {
	t.Helper()
	f.exec(t, `INSERT INTO authentications (id, merchant_id, cardholder_id, amount, currency, merchant_name, merchant_origin,
		status, created_at, updated_at, finished_at, secret_enc) VALUES (?, ?, ?, 100, 'JPY', 'Shop', 'https://shop.example', ?, ?, ?, ?, ?)`,
		id, f.merchant.ID, f.cardholder.ID, status, ms(updated.Add(-time.Minute)), ms(updated), nullMS(finished), []byte("sealed"))
}

// populate writes, per rule, rows just outside the window (to go) and
// just inside it or otherwise protected (to stay).
func populate(t *testing.T, f fixture) {
	now, r := pruneNow, testRetention
	edge := func(d time.Duration) (gone, kept time.Time) {
		cut := now.Add(-d)
		return cut.Add(-time.Millisecond), cut
	}

	// Abandoned: 9 open ones unchanged since just before the cut go; one
	// at the cut, one EMV one and a finished one stay as they are.
	gone, kept := edge(r.Abandoned)
	for i := range 9 {
		f.auth(t, fmt.Sprintf("open-old-%d", i), "C", gone, time.Time{})
	}
	f.auth(t, "open-new", "C", kept, time.Time{})
	f.auth(t, "open-emv", "C", gone.Add(-time.Hour), time.Time{})
	f.exec(t, `INSERT INTO emv_transactions (acs_trans_id, authentication_id, server_trans_id, message_version,
		message_category, device_channel, ares_status, ares_at) VALUES ('acs-open', 'open-emv', 's', '2.2.0', '01', '02', 'C', ?)`, ms(gone))

	// Finished: 10 ended just before the cut go with their results,
	// audit entries, sends and (RReq sent) EMV row; one ended at the cut,
	// one reported as fraud and one whose RReq is still owed stay.
	gone, kept = edge(r.Finished)
	for i := range 10 {
		id := fmt.Sprintf("done-old-%d", i)
		f.auth(t, id, "Y", gone, gone)
		f.exec(t, `INSERT INTO results (jti, authentication_id, status, gen, received_at) VALUES (?, ?, 'Y', 1, ?)`, "jti-"+id, id, ms(gone))
		f.exec(t, `INSERT INTO audit (at, actor, action, authentication_id) VALUES (?, 'edge', 'result', ?)`, ms(now), id)
		f.exec(t, `INSERT INTO sends (dest_hash, kind, authentication_id, at) VALUES (?, 'email', ?, ?)`, []byte("d"), id, ms(now))
	}
	f.exec(t, `INSERT INTO emv_transactions (acs_trans_id, authentication_id, server_trans_id, message_version,
		message_category, device_channel, ares_status, ares_at, rreq, rreq_sent_at) VALUES ('acs-sent', 'done-old-0', 's', '2.2.0', '01', '02', 'C', ?, '{}', ?)`, ms(gone), ms(gone))
	f.auth(t, "done-new", "N", kept, kept)
	f.auth(t, "done-fraud", "Y", gone, gone)
	f.exec(t, `INSERT INTO fraud_reports (authentication_id, cardholder_id, reported_at) VALUES ('done-fraud', ?, ?)`, f.cardholder.ID, ms(gone))
	f.auth(t, "done-owed", "Y", gone, gone)
	f.exec(t, `INSERT INTO emv_transactions (acs_trans_id, authentication_id, server_trans_id, message_version,
		message_category, device_channel, ares_status, ares_at, rreq, rreq_due_at) VALUES ('acs-owed', 'done-owed', 's', '2.2.0', '01', '02', 'C', ?, '{}', ?)`, ms(gone), ms(now))

	// Audit: 15 entries just before the cut go, one at it stays.
	gone, kept = edge(r.Audit)
	for range 15 {
		f.exec(t, `INSERT INTO audit (at, actor, action) VALUES (?, 'test', 'old')`, ms(gone))
	}
	f.exec(t, `INSERT INTO audit (at, actor, action) VALUES (?, 'test', 'new')`, ms(kept))

	gone, kept = edge(r.Sends)
	for range 8 {
		f.exec(t, `INSERT INTO sends (dest_hash, kind, at) VALUES (?, 'old', ?)`, []byte("x"), ms(gone))
	}
	f.exec(t, `INSERT INTO sends (dest_hash, kind, at) VALUES (?, 'new', ?)`, []byte("x"), ms(kept))

	// Outbox: sent and failed before the cut go; one sent at the cut and
	// a pending one however old stay.
	gone, kept = edge(r.Outbox)
	for i := range 8 {
		state := []string{"sent", "failed"}[i%2]
		f.exec(t, `INSERT INTO outbox (ref, kind, state, next_at, created_at, updated_at) VALUES (?, 'old', ?, ?, ?, ?)`,
			fmt.Sprintf("old-%d", i), state, ms(gone), ms(gone), ms(gone))
	}
	f.exec(t, `INSERT INTO outbox (ref, kind, state, next_at, created_at, updated_at) VALUES ('new', 'new', 'sent', ?, ?, ?)`, ms(kept), ms(kept), ms(kept))
	f.exec(t, `INSERT INTO outbox (ref, kind, payload, state, next_at, created_at, updated_at) VALUES ('pending', 'new', ?, 'pending', ?, ?, ?)`,
		[]byte("p"), ms(gone), ms(gone), ms(gone))

	// Portal sessions: idle past the idle timeout, or signed in before the
	// absolute one, go; one at both edges stays.
	f.exec(t, `INSERT INTO people (id, created_at) VALUES (1, ?)`, ms(now))
	idleGone, idleKept := edge(r.SessionIdle)
	maxGone, maxKept := edge(r.SessionMax)
	for i := range 8 {
		seen, created := idleGone, maxKept
		if i%2 == 1 {
			seen, created = idleKept, maxGone
		}
		f.exec(t, `INSERT INTO portal_sessions (id_hash, person_id, cardholder_id, csrf, created_at, seen_at) VALUES (?, 1, ?, 'c', ?, ?)`,
			[]byte(fmt.Sprintf("old-%d", i)), f.cardholder.ID, ms(created), ms(seen))
	}
	f.exec(t, `INSERT INTO portal_sessions (id_hash, person_id, cardholder_id, csrf, created_at, seen_at) VALUES (?, 1, ?, 'c', ?, ?)`,
		[]byte("new"), f.cardholder.ID, ms(maxKept), ms(idleKept))

	// Portal codes: expired go, one expiring now stays.
	for i := range 8 {
		f.exec(t, `INSERT INTO portal_codes (id_hash, cardholder_id, purpose, code_enc, expires_at, created_at) VALUES (?, ?, 'signin', ?, ?, ?)`,
			[]byte(fmt.Sprintf("old-%d", i)), f.cardholder.ID, []byte("c"), ms(now.Add(-time.Millisecond)), ms(now.Add(-time.Hour)))
	}
	f.exec(t, `INSERT INTO portal_codes (id_hash, cardholder_id, purpose, code_enc, expires_at, created_at) VALUES (?, ?, 'signin', ?, ?, ?)`,
		[]byte("new"), f.cardholder.ID, []byte("c"), ms(now), ms(now.Add(-time.Hour)))

	gone, kept = edge(r.Attempts)
	for range 8 {
		f.exec(t, `INSERT INTO portal_ip_attempts (ip, at) VALUES ('old', ?)`, ms(gone))
	}
	f.exec(t, `INSERT INTO portal_ip_attempts (ip, at) VALUES ('new', ?)`, ms(kept))
}

// tableCounts is every table's row count, to prove a dry run changes
// nothing.
func tableCounts(t *testing.T, f fixture) map[string]int64 {
	out := map[string]int64{}
	for _, table := range []string{"authentications", "results", "audit", "sends", "emv_transactions", "fraud_reports",
		"outbox", "portal_sessions", "portal_codes", "portal_ip_attempts"} {
		out[table] = f.count(t, table, "1 = 1")
	}
	out["open"] = f.count(t, "authentications", "status = 'C'")
	out["sealed"] = f.count(t, "authentications", "secret_enc IS NOT NULL")
	return out
}

func checkPruned(t *testing.T, got []Pruned, want map[string]int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("rules run: %v, want %d rules", got, len(want))
	}
	for _, p := range got {
		if w, ok := want[p.Rule]; !ok || p.Rows != w {
			t.Errorf("rule %q: %d rows, want %d", p.Rule, p.Rows, w)
		}
	}
}

func TestPrune(t *testing.T) { forEachEngine(t, testPrune) }

func testPrune(t *testing.T, s *Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	populate(t, f)
	before := tableCounts(t, f)

	// A dry run counts what the prune will remove and changes nothing.
	got, err := s.Prune(ctx, testRetention, pruneNow, true)
	if err != nil {
		t.Fatal(err)
	}
	checkPruned(t, got, retentionRows)
	if after := tableCounts(t, f); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("dry run changed the database:\nbefore %v\nafter  %v", before, after)
	}

	got, err = s.Prune(ctx, testRetention, pruneNow, false)
	if err != nil {
		t.Fatal(err)
	}
	checkPruned(t, got, retentionRows)

	// Exactly the rows outside each window went; the others are there.
	for _, c := range []struct {
		table, where string
		want         int64
	}{
		{"authentications", "id LIKE 'open-old-%' AND status = 'N' AND reason = 'timed_out' AND secret_enc IS NULL AND finished_at = " + fmt.Sprint(ms(pruneNow)), 9},
		{"authentications", "id LIKE 'open-old-%'", 9},
		{"audit", "action = 'expire' AND authentication_id LIKE 'open-old-%' AND at = " + fmt.Sprint(ms(pruneNow)), 9},
		{"authentications", "id IN ('open-new', 'open-emv') AND status = 'C' AND secret_enc IS NOT NULL", 2},
		{"authentications", "id LIKE 'done-old-%'", 0},
		{"results", "1 = 1", 0},
		{"audit", "authentication_id LIKE 'done-old-%'", 0},
		{"sends", "authentication_id IS NOT NULL", 0},
		{"emv_transactions", "acs_trans_id = 'acs-sent'", 0},
		{"emv_transactions", "acs_trans_id IN ('acs-open', 'acs-owed')", 2},
		{"authentications", "id IN ('done-new', 'done-fraud', 'done-owed')", 3},
		{"fraud_reports", "1 = 1", 1},
		{"audit", "action = 'old'", 0},
		{"audit", "action = 'new'", 1},
		{"sends", "kind = 'old'", 0},
		{"sends", "kind = 'new'", 1},
		{"outbox", "kind = 'old'", 0},
		{"outbox", "ref IN ('new', 'pending')", 2},
		{"portal_sessions", "1 = 1", 1},
		{"portal_codes", "1 = 1", 1},
		{"portal_ip_attempts", "ip = 'old'", 0},
		{"portal_ip_attempts", "ip = 'new'", 1},
	} {
		if n := f.count(t, c.table, c.where); n != c.want {
			t.Errorf("%s WHERE %s: %d rows, want %d", c.table, c.where, n, c.want)
		}
	}

	// A second run finds nothing.
	got, err = s.Prune(ctx, testRetention, pruneNow, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range got {
		if p.Rows != 0 {
			t.Errorf("second run: rule %q removed %d rows", p.Rule, p.Rows)
		}
	}
}

// TestPruneOff: a zero Retention prunes nothing and runs no rule.
func TestPruneOff(t *testing.T) { forEachEngine(t, testPruneOff) }

func testPruneOff(t *testing.T, s *Store) {
	f := newFixture(t, s)
	populate(t, f)
	before := tableCounts(t, f)
	got, err := s.Prune(context.Background(), Retention{}, pruneNow, false)
	if err != nil || len(got) != 0 {
		t.Fatalf("Prune(zero) = %v, %v; want no rule run", got, err)
	}
	if after := tableCounts(t, f); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("a zero retention changed the database:\nbefore %v\nafter  %v", before, after)
	}
}

// BenchmarkPruneAudit measures a prune of 100k audit rows on SQLite in
// the default batches (rows/s), and one batch alone (ms/batch: the
// longest a request waits behind the prune for the write lock).
//
//	go test -run - -bench PruneAudit -benchtime 3x ./issuer/store
func BenchmarkPruneAudit(b *testing.B) {
	const rows = 100_000
	ctx := context.Background()
	var total, batch time.Duration
	for range b.N {
		b.StopTimer()
		s := openTest(b, b.TempDir()+"/bench.db")
		if _, err := s.db.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO audit (at, actor, action, detail) SELECT i, 'bench', 'old', '{"status":"Y","gen":1}' FROM n`, rows); err != nil {
			b.Fatal(err)
		}
		// One batch, as pruneAll runs it.
		t := time.Now()
		if _, err := s.db.ExecContext(ctx, `DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ? LIMIT ?)`,
			rows+1, DefaultPruneBatch); err != nil {
			b.Fatal(err)
		}
		batch += time.Since(t)
		b.StartTimer()
		t = time.Now()
		got, err := s.Prune(ctx, Retention{Audit: time.Hour}, time.UnixMilli(rows+1).Add(time.Hour), false)
		total += time.Since(t)
		b.StopTimer()
		if err != nil || len(got) != 1 || got[0].Rows != rows-DefaultPruneBatch {
			b.Fatalf("Prune = %v, %v", got, err)
		}
		s.Close()
	}
	b.ReportMetric(float64(b.N*(rows-DefaultPruneBatch))/total.Seconds(), "rows/s")
	b.ReportMetric(float64(batch.Microseconds())/1000/float64(b.N), "ms/batch")
}
