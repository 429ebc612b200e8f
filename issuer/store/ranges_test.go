package store

import (
	"errors"
	"testing"

	"github.com/honnin/honnin/issuer"
)

func TestRanges(t *testing.T) { forEachEngine(t, testRanges) }

func testRanges(t *testing.T, s *Store) {
	ctx := t.Context()
	if _, err := s.RangeOf(ctx, "35401234567"); !errors.Is(err, ErrNoRanges) {
		t.Fatalf("no ranges: %v, want ErrNoRanges", err)
	}
	wide, err := s.AddRange(ctx, Range{Start: "352800", End: "358999", Brand: "JCB", Eligible: true, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	narrow, err := s.AddRange(ctx, Range{Start: "354000", End: "354099", Eligible: false, Note: "corporate", CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	long, err := s.AddRange(ctx, Range{Start: "35400000001", End: "35400000001", Eligible: true, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lead string
		want int64 // 0: none
	}{
		{"35280000000", wide.ID},
		{"35899999999", wide.ID},
		{"35900000000", 0},
		{"41111111111", 0},
		{"35405000000", narrow.ID},       // narrowest span of the same length wins
		{"35400000001", long.ID},         // longest prefix wins
		{"3540000000112345678", long.ID}, // only the leading digits count
		{"35400000002", narrow.ID},       // next to the long prefix
		{"35409900000", narrow.ID},       // the span's top end is inside
		{"35410000000", wide.ID},         // just above it
	}
	for _, tt := range tests {
		r, err := s.RangeOf(ctx, tt.lead)
		switch {
		case tt.want == 0 && !errors.Is(err, ErrNotFound):
			t.Errorf("%s: %+v %v, want not found", tt.lead, r, err)
		case tt.want != 0 && (err != nil || r.ID != tt.want):
			t.Errorf("%s: %+v %v, want range %d", tt.lead, r, err, tt.want)
		}
	}
	if _, err := s.AddRange(ctx, Range{Start: "352800", End: "358999", CreatedAt: t0}); !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate: %v", err)
	}
	for _, bad := range []Range{{Start: "35", End: "35"}, {Start: "359", End: "352"}, {Start: "352800", End: "3589999"}, {Start: "359000", End: "352000"}} {
		if _, err := s.AddRange(ctx, bad); !errors.Is(err, ErrConflict) {
			t.Errorf("%+v accepted: %v", bad, err)
		}
	}
	all, err := s.Ranges(ctx)
	if err != nil || len(all) != 3 || all[0].ID != wide.ID || all[0].Brand != "JCB" || !all[0].CreatedAt.Equal(t0) || all[1].Note != "corporate" && all[2].Note != "corporate" {
		t.Errorf("ranges %+v %v", all, err)
	}
	for _, r := range all {
		if err := s.RemoveRange(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RemoveRange(ctx, wide.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second remove: %v", err)
	}
	if _, err := s.RangeOf(ctx, "35401234567"); !errors.Is(err, ErrNoRanges) {
		t.Errorf("all removed: %v, want ErrNoRanges", err)
	}
}

// TestRangeBranding: an authentication shows the brand of the range its
// card was in at creation; none, a range without a brand and a removed
// range all show the default ("").
func TestRangeBranding(t *testing.T) { forEachEngine(t, testRangeBranding) }

func testRangeBranding(t *testing.T, s *Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	const gold = `{"name":"Gold Card","phone":"0120-111-111","color":"#0b57d0"}`
	goldRange, err := s.AddRange(ctx, Range{Start: "354000", End: "354000", Eligible: true, Branding: gold, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if goldRange.Branding != gold {
		t.Errorf("AddRange = %+v, want branding %s", goldRange, gold)
	}
	plain, err := s.AddRange(ctx, Range{Start: "352800", End: "358999", Eligible: true, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	create := func(rangeID int64) string {
		t.Helper()
		a, err := s.CreateAuthentication(ctx, issuer.Authentication{MerchantID: f.merchant.ID, CardholderID: f.cardholder.ID,
			Amount: 100, Currency: "JPY", MerchantName: "Demo Shop", MerchantOrigin: "http://localhost:8080",
			Status: "C", CreatedAt: t0, RangeID: rangeID})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	inGold, inPlain, inNone := create(goldRange.ID), create(plain.ID), create(0)
	for _, tt := range []struct {
		name, id, want string
	}{
		{"gold range", inGold, gold},
		{"range without a brand", inPlain, ""},
		{"no range", inNone, ""},
	} {
		if got, err := s.RangeBranding(ctx, tt.id); err != nil || got != tt.want {
			t.Errorf("%s: RangeBranding = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	all, err := s.Ranges(ctx)
	if err != nil || len(all) != 2 || all[1].Branding != gold {
		t.Errorf("Ranges = %+v, %v; want the gold range's branding listed", all, err)
	}
	if err := s.RemoveRange(ctx, goldRange.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := s.RangeBranding(ctx, inGold); err != nil || got != "" {
		t.Errorf("removed range: RangeBranding = %q, %v; want the default", got, err)
	}
	if _, err := s.RangeBranding(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("no authentication: %v, want ErrNotFound", err)
	}
}
