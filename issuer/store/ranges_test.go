package store

import (
	"errors"
	"testing"
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
