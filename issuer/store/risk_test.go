package store

import (
	"context"
	"encoding/hex"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
)

func (f fixture) decided(t *testing.T, status string, dev []byte, ip, country string, amount int64, at time.Time) issuer.Authentication {
	t.Helper()
	a := f.create(t, "C")
	if amount != 0 {
		if _, err := f.s.db.Exec(f.s.q(`UPDATE authentications SET amount = ? WHERE id = ?`), amount, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	d := Decision{Decision: "challenge", Status: "C", DeviceHash: dev, IP: ip, IPNet: ip, IPCountry: country,
		Reasons: "[]", Signals: "{}", At: at}
	got, err := f.s.RecordDecision(context.Background(), a.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if status != "C" {
		if _, _, err := f.s.RecordResult(context.Background(), Result{JTI: a.ID, AuthenticationID: a.ID, Status: status,
			Gen: 0, ReceivedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	return got
}

func TestRiskHistory(t *testing.T) { forEachEngine(t, testRiskHistory) }

func testRiskHistory(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	now := t0.Add(30 * 24 * time.Hour)
	devA, devB := []byte("device-a-hmac"), []byte("device-b-hmac")
	// Long ago (outside every window but the usual-amount one): a success.
	f.decided(t, "Y", devA, "203.0.113.1", "JP", 5000, now.Add(-20*24*time.Hour))
	// Within a day: a failure from device B.
	f.decided(t, "N", devB, "203.0.113.2", "JP", 1250, now.Add(-5*time.Hour))
	// Within ten minutes: two from device B and the same IP, the newest from France.
	f.decided(t, "C", devB, "198.51.100.9", "JP", 1250, now.Add(-8*time.Minute))
	f.decided(t, "C", devB, "198.51.100.9", "FR", 1250, now.Add(-2*time.Minute))
	cur := f.create(t, "C")

	q := HistoryQuery{AuthenticationID: cur.ID, CardholderID: f.cardholder.ID, IPNet: "198.51.100.9", Currency: "JPY",
		MerchantID: f.merchant.ID, Now: now,
		VelocitySince: now.Add(-10 * time.Minute), FailuresSince: now.Add(-24 * time.Hour),
		TravelSince: now.Add(-2 * time.Hour), UsualSince: now.Add(-90 * 24 * time.Hour), CountCap: 100}
	for _, tt := range []struct {
		name string
		dev  []byte
		want History
	}{
		{"known device", devA, History{Device: &DeviceRecord{Country: "JP"}, CardCount: 2, DeviceCount: 0, IPCount: 2, Failures: 1,
			PrevCountry: "FR", PrevAt: now.Add(-2 * time.Minute), UsualMax: 5000, UsualCount: 1}},
		{"device that only failed", devB, History{CardCount: 2, DeviceCount: 2, IPCount: 2, Failures: 1,
			PrevCountry: "FR", PrevAt: now.Add(-2 * time.Minute), UsualMax: 5000, UsualCount: 1}},
		{"no device id", nil, History{CardCount: 2, IPCount: 2, Failures: 1,
			PrevCountry: "FR", PrevAt: now.Add(-2 * time.Minute), UsualMax: 5000, UsualCount: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := q
			q.DeviceHash = tt.dev
			got, err := f.s.RiskHistory(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("RiskHistory\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}

	if err := f.s.WatchMerchant(ctx, f.merchant.ID, "watched", now); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.RiskHistory(ctx, q); !got.Watchlisted {
		t.Error("watch-listed merchant not seen")
	}
	// The counts stop at the query's cap: 2 from the address and device
	// B, counted to 1.
	capped := q
	capped.DeviceHash, capped.CountCap = devB, 1
	if got, err := f.s.RiskHistory(ctx, capped); err != nil || got.IPCount != 1 || got.DeviceCount != 1 || got.CardCount != 2 {
		t.Errorf("cap 1: IP %d, device %d, card %d (%v), want 1, 1 and the card's own 2", got.IPCount, got.DeviceCount, got.CardCount, err)
	}
	uncapped := q
	uncapped.CountCap = 0
	if _, err := f.s.RiskHistory(ctx, uncapped); err == nil {
		t.Error("a history without a count cap was read")
	}
	q.IPNet = ""
	if got, _ := f.s.RiskHistory(ctx, q); got.IPCount != 0 {
		t.Errorf("no IP counted %d authentications", got.IPCount)
	}
}

// TestRiskHistoryOfIssue15 covers what the device, merchant and fraud-report
// rules read: the card's device records with their fingerprints, the
// merchant's failures, the card's reports and the deny list.
func TestRiskHistoryOfIssue15(t *testing.T) { forEachEngine(t, testRiskHistoryOfIssue15) }

func testRiskHistoryOfIssue15(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	now := t0.Add(30 * 24 * time.Hour)
	// Two successes from two devices with fingerprints, one without.
	for i, fp := range []string{`{"b":"chrome"}`, `{"b":"safari"}`, ""} {
		a := f.create(t, "C")
		dev := []byte{byte('a' + i)}
		if _, err := f.s.RecordDecision(ctx, a.ID, Decision{Decision: "frictionless", Status: "Y", Reasons: "[]", Signals: "{}",
			DeviceHash: dev, Fingerprint: fp, IP: "2001:db8::1", IPNet: "2001:db8::/64", IPCountry: "JP", ASN: 2516,
			Facts: `{"amount":1}`, At: now.Add(-time.Duration(10-i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	// A failure at the merchant a minute ago.
	f.decided(t, "N", []byte("x"), "198.51.100.1", "JP", 100, now.Add(-time.Minute))
	cur := f.create(t, "C")
	q := HistoryQuery{AuthenticationID: cur.ID, CardholderID: f.cardholder.ID, DeviceHash: []byte("a"),
		IPNet: "2001:db8::/64", MerchantID: f.merchant.ID, Now: now,
		VelocitySince: now.Add(-24 * time.Hour), FailuresSince: now, TravelSince: now, UsualSince: now,
		MerchantSince: now.Add(-10 * time.Minute), ReportedSince: now.Add(-720 * time.Hour), CountCap: 100}
	h, err := f.s.RiskHistory(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if want := (&DeviceRecord{Fingerprint: `{"b":"chrome"}`, Country: "JP", ASN: 2516}); !reflect.DeepEqual(h.Device, want) {
		t.Errorf("device record %+v, want %+v", h.Device, want)
	}
	// The card's other devices with a fingerprint, newest first; the
	// presented device and the one without a fingerprint are not among them.
	if len(h.Devices) != 1 || h.Devices[0].Fingerprint != `{"b":"safari"}` {
		t.Errorf("other devices %+v, want the safari one alone", h.Devices)
	}
	if h.IPCount != 3 || h.MerchantFailures != 1 || h.FraudReported || h.DenylistedDevice || h.DenylistedAddress || h.DenylistedMerchant {
		t.Errorf("history %+v: want 3 from the /64, 1 merchant failure, no report, nothing deny-listed", h)
	}
	var facts string
	if err := f.s.db.QueryRowContext(ctx, f.s.q(`SELECT risk_facts FROM authentications WHERE ip_net = ? LIMIT 1`), "2001:db8::/64").Scan(&facts); err != nil || facts != `{"amount":1}` {
		t.Errorf("stored facts %q, %v", facts, err)
	}

	// A report and the deny list: expired entries count for nothing.
	for _, e := range []struct {
		kind, value string
		expires     time.Time
	}{
		{"device", hex.EncodeToString([]byte("a")), now.Add(time.Hour)},
		{"address", "2001:db8::/64", now.Add(-time.Second)},
		{"merchant", strconv.FormatInt(f.merchant.ID, 10), now.Add(time.Hour)},
	} {
		if _, err := f.s.db.ExecContext(ctx, f.s.q(`INSERT INTO risk_denylist (kind, value, authentication_id, added_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`), e.kind, e.value, cur.ID, ms(now), ms(e.expires)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.s.db.ExecContext(ctx, f.s.q(`INSERT INTO fraud_reports (authentication_id, cardholder_id, reported_at)
		VALUES (?, ?, ?)`), cur.ID, f.cardholder.ID, ms(now.Add(-time.Hour))); err != nil {
		t.Fatal(err)
	}
	h, err = f.s.RiskHistory(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if !h.FraudReported || !h.DenylistedDevice || h.DenylistedAddress || !h.DenylistedMerchant {
		t.Errorf("history %+v: want reported, device and merchant deny-listed, the address expired", h)
	}
	q.ReportedSince = now
	if h, _ = f.s.RiskHistory(ctx, q); h.FraudReported {
		t.Error("a report before the window counted")
	}
}

func TestRecordDecision(t *testing.T) { forEachEngine(t, testRecordDecision) }

func testRecordDecision(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	dev := []byte("device-hmac")

	a := f.create(t, "C")
	got, err := f.s.RecordDecision(ctx, a.ID, Decision{Decision: "frictionless", Status: "Y", Score: -40,
		Reasons: `[{"code":"known_device","points":-40}]`, Signals: "{}", DeviceHash: dev, AVHash: []byte("av-hash"), At: t0})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "Y" || got.Decision != "frictionless" || got.RiskScore != -40 || string(got.AVHash) != "av-hash" ||
		!got.FinishedAt.Equal(t0) || got.Gen != 0 {
		t.Errorf("frictionless stored as %+v", got)
	}
	if h, _ := f.s.RiskHistory(ctx, HistoryQuery{AuthenticationID: "x", CardholderID: f.cardholder.ID, DeviceHash: dev, CountCap: 100}); h.Device == nil {
		t.Error("a frictionless Y did not keep the device known")
	}
	if _, err := f.s.RecordDecision(ctx, a.ID, Decision{Decision: "deny", Status: "R", At: t0}); !errors.Is(err, ErrFinal) {
		t.Errorf("deciding a final authentication: %v, want ErrFinal", err)
	}

	b := f.create(t, "C")
	if _, err := f.s.RecordDecision(ctx, b.ID, Decision{Decision: "challenge", Status: "C", Reasons: "[]", Signals: "{}", At: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.RecordDecision(ctx, b.ID, Decision{Decision: "frictionless", Status: "Y", Reasons: "[]", Signals: "{}", At: t0}); !errors.Is(err, ErrConflict) {
		t.Errorf("second decision: %v, want ErrConflict", err)
	}
	if _, err := f.s.RecordDecision(ctx, "nope", Decision{Decision: "challenge", Status: "C", At: t0}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
	if _, err := f.s.RecordDecision(ctx, f.create(t, "C").ID, Decision{Decision: "maybe", Status: "C", At: t0}); err == nil {
		t.Error("a decision the schema does not know was stored")
	}
}

// TestMigrationKeepsV1Data: a database of schema 1 with a cardholder and
// an authentication gains the risk columns with defaults that change
// nothing: sharing allowed, not locked, not decided.
func TestMigrationKeepsV1Data(t *testing.T) { forEachDatabase(t, testMigrationKeepsV1Data) }

func testMigrationKeepsV1Data(t *testing.T, path string) {
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v1, err := migrationFS.ReadFile(s.d.migrations + "/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{sql: string(v1)},
		{sql: `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`},
		{sql: `INSERT INTO schema_migrations VALUES (1, '0001_init.sql', 0)`},
		{`INSERT INTO cardholders (id, pan_hmac, last4, created_at) VALUES (7, ?, '9016', 0)`, []any{[]byte{1}}},
		{`INSERT INTO merchants (id, name, api_key_hash, created_at) VALUES (1, 'Demo Shop', ?, 0)`, []any{[]byte{2}}},
		{sql: `INSERT INTO authentications (id, merchant_id, cardholder_id, amount, currency, merchant_name, merchant_origin,
			status, created_at, updated_at) VALUES ('A', 1, 7, 1250, 'JPY', 'Demo Shop', 'http://localhost:8080', 'Y', 0, 0)`},
	} {
		if _, err := s.db.ExecContext(ctx, s.q(q.sql), q.args...); err != nil {
			t.Fatal(err)
		}
	}
	applied, err := s.Migrate(ctx)
	if err != nil || len(applied) < 1 || applied[0] != 2 {
		t.Fatalf("Migrate = %v, %v; want [2 ...]", applied, err)
	}
	c, err := s.Cardholder(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if c.SharingOptOut || c.OTPLocked || c.Country != "" {
		t.Errorf("migrated cardholder %+v: want sharing allowed, not locked, no country", c)
	}
	a, err := s.Authentication(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != "Y" || a.Decision != "" || a.RiskReasons != "[]" ||
		len(a.Creds) != 0 || a.Resends != 0 || a.FailuresSeen != 0 || a.Secret != nil {
		t.Errorf("migrated authentication %+v", a)
	}
}

// TestHotQueriesUseTheirIndexes holds the statements of every start to
// their plan on SQLite. The capped counts must be answered from a covering
// index: without id in the index, each of up to HistoryQuery.CountCap entries
// cost a seek into the table (a third of the issuer's CPU per start under
// load, before migration 18). The supersede must read the card's open
// challenges only.
func TestHotQueriesUseTheirIndexes(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "plan.db"))
	for _, tc := range []struct {
		name, query, plan string
		args              []any
	}{
		{"device", deviceCountSQL, "USING COVERING INDEX authentications_device_decided", []any{[]byte{1}, 0, "a", 100}},
		{"address", addressCountSQL, "USING COVERING INDEX authentications_ipnet_decided", []any{"192.0.2.1", 0, "a", 100}},
		{"merchant failures", merchantFailuresSQL, "USING COVERING INDEX authentications_merchant_failed", []any{1, 0, "a", 100}},
		{"supersede", supersedeSQL, "USING INDEX authentications_card_open", []any{"superseded", 0, 0, 1, "a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := s.db.Query("EXPLAIN QUERY PLAN "+tc.query, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(plan, "\n"), tc.plan) {
				t.Errorf("plan %q, want a search %s", plan, tc.plan)
			}
		})
	}
}

func TestClaimDecision(t *testing.T) { forEachEngine(t, testClaimDecision) }

// testClaimDecision: decisions under way at once count each other. n
// starts from one device and one address each claim, then read the counts,
// all at once: however they interleave, the i-th smallest count is at
// least i (each read found every claim committed before its own), so no
// more than a limit's worth of them can be under the limit. Read without
// the claims (each decision recorded only after the read), every count
// would be 0. A decided authentication keeps its facts; the claim shows in
// no explanation's decided time until the decision.
func testClaimDecision(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	now := t0.Add(30 * 24 * time.Hour)
	dev, ipNet := []byte("bot-device"), "192.0.2.7"
	const n = 12
	auths := make([]issuer.Authentication, n)
	for i := range auths {
		auths[i] = f.create(t, "C")
	}
	counts := make([][2]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, a := range auths {
		wg.Go(func() {
			if errs[i] = s.ClaimDecision(ctx, a.ID, Claim{DeviceHash: dev, IPNet: ipNet, IP: ipNet, IPCountry: "JP", At: now}); errs[i] != nil {
				return
			}
			h, err := s.RiskHistory(ctx, HistoryQuery{AuthenticationID: a.ID, CardholderID: a.CardholderID, DeviceHash: dev,
				IPNet: ipNet, Currency: "JPY", Now: now, VelocitySince: now.Add(-10 * time.Minute), FailuresSince: now,
				TravelSince: now, UsualSince: now, CountCap: 100})
			counts[i], errs[i] = [2]int{h.DeviceCount, h.IPCount}, err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for k, name := range []string{"device", "address"} {
		got := make([]int, n)
		for i := range counts {
			got[i] = counts[i][k]
		}
		slices.Sort(got)
		for i, c := range got {
			if c < i {
				t.Errorf("%s counts %v (ascending): count %d is %d, want at least %d", name, got, i+1, c, i)
				break
			}
		}
	}

	// A decided authentication is not claimed again; an undecided one's
	// claim is no decision to the explanation.
	done := f.decided(t, "Y", []byte("other-device"), "198.51.100.1", "JP", 100, now.Add(-time.Hour))
	if err := s.ClaimDecision(ctx, done.ID, Claim{DeviceHash: dev, IPNet: ipNet, At: now}); err != nil {
		t.Fatal(err)
	}
	if e, err := s.Explanation(ctx, done.ID); err != nil || e.IPNet == ipNet {
		t.Errorf("a decided authentication's facts: ip_net %q (%v), want its own", e.IPNet, err)
	}
	if e, err := s.Explanation(ctx, auths[0].ID); err != nil || !e.DecidedAt.IsZero() || e.IPNet != ipNet {
		t.Errorf("a claimed, undecided authentication: decided at %v, ip_net %q (%v), want no decision time and the claim's address", e.DecidedAt, e.IPNet, err)
	}
}
