package store

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
)

// withDevice gives authentication id the device hash and address the
// decision would have stored (nil, "": none).
func (f fixture) withDevice(t *testing.T, id string, device []byte, ipNet string) {
	t.Helper()
	if _, err := f.s.db.Exec(f.s.q(`UPDATE authentications SET device_hash = ?, ip_net = ? WHERE id = ?`), device, ipNet, id); err != nil {
		t.Fatal(err)
	}
}

// denyMap is the deny list by "kind value".
func denyMap(t *testing.T, s *Store) map[string]DenyEntry {
	t.Helper()
	list, err := s.DenyList(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]DenyEntry{}
	for _, e := range list {
		out[e.Kind+" "+e.Value] = e
	}
	return out
}

func TestReportFraud(t *testing.T) { forEachEngine(t, testReportFraud) }

func testReportFraud(t *testing.T, s *Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	other, err := s.UpsertCardholder(ctx, issuer.Cardholder{PANHMAC: []byte("hmac-2"), Last4: "9024",
		Email: "other@mail.jp", Locale: "en", CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	merchant := strconv.FormatInt(f.merchant.ID, 10)
	day := 24 * time.Hour
	at := t0.Add(time.Hour)
	report := func(id string, cardholder int64, at time.Time, life time.Duration) ([]DenyEntry, error) {
		a, entries, err := s.ReportFraud(ctx, FraudReport{AuthenticationID: id, CardholderID: cardholder, At: at,
			DeviceFor: life, AddressFor: life / 2, MerchantFor: life / 3})
		if err == nil && (a.ID != id || a.CardholderID != cardholder || a.MerchantName != "Demo Shop") {
			t.Errorf("ReportFraud returned authentication %+v", a)
		}
		return entries, err
	}

	// The first report lists the device (hex of its hash), the address
	// and the merchant, each for its own lifetime.
	a1 := f.create(t, "C")
	f.withDevice(t, a1.ID, []byte{0xAB, 0x01, 0xFF}, "2001:db8:1:2::/64")
	entries, err := report(a1.ID, f.cardholder.ID, at, 30*day)
	if err != nil {
		t.Fatal(err)
	}
	want := []DenyEntry{
		{Kind: DenyDevice, Value: "ab01ff", AuthenticationID: a1.ID, AddedAt: at, ExpiresAt: at.Add(30 * day)},
		{Kind: DenyAddress, Value: "2001:db8:1:2::/64", AuthenticationID: a1.ID, AddedAt: at, ExpiresAt: at.Add(15 * day)},
		{Kind: DenyMerchant, Value: merchant, AuthenticationID: a1.ID, AddedAt: at, ExpiresAt: at.Add(10 * day)},
	}
	if !slices.EqualFunc(entries, want, sameEntry) {
		t.Errorf("entries = %+v\nwant %+v", entries, want)
	}
	if got := denyMap(t, s); len(got) != 3 || !sameEntry(got["device ab01ff"], want[0]) {
		t.Errorf("deny list = %+v", got)
	}
	trail := reportAudit(t, s, a1.ID)
	if len(trail) != 1 || trail[0].Action != "fraud_report" || trail[0].Actor != "cardholder" ||
		trail[0].Detail != `{"denylisted":["device","address","merchant"]}` {
		t.Errorf("audit = %+v", trail)
	}

	// A second report of it is a conflict, and changes nothing.
	if _, err := report(a1.ID, f.cardholder.ID, at.Add(day), 90*day); !errors.Is(err, ErrConflict) {
		t.Errorf("second report: %v, want ErrConflict", err)
	}
	// Another card's authentication, and an unknown one, are not found.
	if _, err := report(a1.ID, other.ID, at, 30*day); !errors.Is(err, ErrNotFound) {
		t.Errorf("another card's: %v, want ErrNotFound", err)
	}
	if _, err := report("NOSUCHAUTHENTICATION000000", f.cardholder.ID, at, 30*day); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown: %v, want ErrNotFound", err)
	}
	if _, _, err := s.ReportFraud(ctx, FraudReport{AuthenticationID: a1.ID, CardholderID: f.cardholder.ID, At: at,
		DeviceFor: day, AddressFor: day}); err == nil {
		t.Error("a zero lifetime was accepted")
	}
	if got := denyMap(t, s); len(got) != 3 || !sameEntry(got["device ab01ff"], want[0]) || !sameEntry(got["merchant "+merchant], want[2]) {
		t.Errorf("deny list changed by refused reports: %+v", got)
	}
	if trail := reportAudit(t, s, a1.ID); len(trail) != 1 {
		t.Errorf("refused reports were audited: %+v", trail)
	}

	// No device id and no address: the merchant only.
	a2 := f.create(t, "C")
	later := at.Add(2 * day)
	entries, err = report(a2.ID, f.cardholder.ID, later, 3*day)
	if err != nil {
		t.Fatal(err)
	}
	// The merchant entry is renewed by a2: the later expiry stays (a1's
	// ten days from at beat a2's one day from later), a2 is named.
	wantMerchant := DenyEntry{Kind: DenyMerchant, Value: merchant, AuthenticationID: a2.ID, AddedAt: later, ExpiresAt: at.Add(10 * day)}
	if len(entries) != 1 || !sameEntry(entries[0], wantMerchant) {
		t.Errorf("entries without device and address = %+v, want %+v", entries, wantMerchant)
	}
	if trail := reportAudit(t, s, a2.ID); len(trail) != 1 || trail[0].Detail != `{"denylisted":["merchant"]}` {
		t.Errorf("audit of a2 = %+v", trail)
	}

	// The same device again, reported later with a longer life: the
	// expiry moves out.
	a3 := f.create(t, "C")
	f.withDevice(t, a3.ID, []byte{0xAB, 0x01, 0xFF}, "")
	entries, err = report(a3.ID, f.cardholder.ID, later, 60*day)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || !sameEntry(entries[0], DenyEntry{Kind: DenyDevice, Value: "ab01ff", AuthenticationID: a3.ID,
		AddedAt: later, ExpiresAt: later.Add(60 * day)}) || !entries[1].ExpiresAt.Equal(later.Add(20*day)) {
		t.Errorf("renewed entries = %+v", entries)
	}

	// The history page asks which of its rows were reported.
	got, err := s.FraudReported(ctx, f.cardholder.ID, []string{a1.ID, a2.ID, "NOSUCHAUTHENTICATION000000", f.create(t, "C").ID})
	if err != nil || len(got) != 2 || !got[a1.ID].Equal(at) || !got[a2.ID].Equal(later) {
		t.Errorf("FraudReported = %v, %v", got, err)
	}
	if got, err := s.FraudReported(ctx, other.ID, []string{a1.ID}); err != nil || len(got) != 0 {
		t.Errorf("FraudReported of another card = %v, %v", got, err)
	}
	if got, err := s.FraudReported(ctx, f.cardholder.ID, nil); err != nil || len(got) != 0 {
		t.Errorf("FraudReported of nothing = %v, %v", got, err)
	}

	// The operator takes an entry off; once.
	if err := s.RemoveDenyEntry(ctx, DenyAddress, "2001:db8:1:2::/64", "operator", later); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveDenyEntry(ctx, DenyAddress, "2001:db8:1:2::/64", "operator", later); !errors.Is(err, ErrNotFound) {
		t.Errorf("second removal: %v, want ErrNotFound", err)
	}
	list, err := s.DenyList(ctx)
	if err != nil || len(list) != 2 || list[0].Kind != DenyDevice || list[1].Kind != DenyMerchant {
		t.Errorf("deny list after removal = %+v, %v", list, err)
	}
	if trail := reportAudit(t, s, a1.ID); len(trail) != 2 || trail[1].Action != "denylist_remove" ||
		trail[1].Actor != "operator" || trail[1].Detail != `{"kind":"address"}` {
		t.Errorf("removal audit = %+v", trail)
	}
}

func sameEntry(a, b DenyEntry) bool {
	return a.Kind == b.Kind && a.Value == b.Value && a.AuthenticationID == b.AuthenticationID &&
		a.AddedAt.Equal(b.AddedAt) && a.ExpiresAt.Equal(b.ExpiresAt)
}

// reportAudit is the audit trail of authentication id after its creation.
func reportAudit(t *testing.T, s *Store, id string) []AuditEntry {
	t.Helper()
	trail, err := s.AuditTrail(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(trail, func(e AuditEntry) bool { return e.Action == "create" })
}
