package view

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestFormatCountdown(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{598*time.Second + 500*time.Millisecond, "9:58"}, // rounds down
		{10 * time.Minute, "10:00"},
		{59 * time.Second, "0:59"},
		{999 * time.Millisecond, "0:00"},
		{0, "0:00"},
		{-5 * time.Second, "0:00"},
		{61*time.Minute + 5*time.Second, "61:05"},
	}
	for _, tt := range tests {
		if got := FormatCountdown(tt.d); got != tt.want {
			t.Errorf("FormatCountdown(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestDatesMatchTime holds the client's RFC 3339 reading to the time
// package's, from year 0 to 9999 (all RFC 3339 can write) and around the
// days where calendars trip (leap days, centuries, the Unix epoch, year
// ends). edge/summary's tests hold its date writing to time.Format.
func TestDatesMatchTime(t *testing.T) {
	jst := time.FixedZone("JST", 9*60*60)
	check := func(u time.Time) {
		t.Helper()
		for _, in := range []time.Time{u, u.In(jst), u.In(time.FixedZone("", -(23*3600 + 59*60)))} {
			if in.Year() < 0 || in.Year() > 9999 {
				continue // RFC 3339 cannot write it
			}
			for _, s := range []string{in.Format(time.RFC3339), in.Format(time.RFC3339Nano)} {
				want, werr := time.Parse(time.RFC3339, s)
				got, ok := parseTime(s)
				if werr != nil || !ok || !got.Equal(want) {
					t.Fatalf("parseTime(%q) = %v, %v; time.Parse: %v, %v", s, got, ok, want, werr)
				}
			}
		}
	}
	var days []time.Time
	for _, y := range []int{0, 1, 4, 99, 100, 399, 400, 1582, 1899, 1900, 1969, 1970, 1999, 2000, 2024, 2026, 2100, 2400, 9999} {
		for _, md := range [][2]int{{1, 1}, {2, 28}, {2, 29}, {3, 1}, {12, 31}} {
			days = append(days, time.Date(y, time.Month(md[0]), md[1], 0, 0, 0, 0, time.UTC))
		}
	}
	for _, d := range days {
		for _, secs := range []int{0, 1, 59, 60, 8*3600 + 59*60 + 59, 9 * 3600, 14*3600 + 59*60, 15 * 3600, 86399} {
			check(d.Add(time.Duration(secs) * time.Second))
		}
	}
	// Every day from 1900 to 2100 at a time that changes day in JST, and
	// random instants from year 0 to 9999.
	for d := time.Date(1900, 1, 1, 20, 30, 7, 5e8, time.UTC); d.Year() < 2100; d = d.AddDate(0, 0, 1) {
		check(d)
	}
	lo, hi := time.Date(0, 1, 2, 0, 0, 0, 0, time.UTC).Unix(), time.Date(9999, 12, 30, 0, 0, 0, 0, time.UTC).Unix()
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		check(time.Unix(lo+r.Int64N(hi-lo), r.Int64N(1e9)).UTC())
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time // zero: refused
	}{
		{"2026-11-22T03:00:00Z", time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)},
		{"2026-11-22T12:00:00+09:00", time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)},
		{"2026-11-21T22:00:00-05:00", time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)},
		{"2026-11-22T03:00:00.5Z", time.Date(2026, 11, 22, 3, 0, 0, 5e8, time.UTC)},
		{"2026-11-22T03:00:00.1234567891Z", time.Date(2026, 11, 22, 3, 0, 0, 123456789, time.UTC)}, // beyond ns: dropped
		{"2024-02-29T00:00:00Z", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"0000-01-01T00:00:00Z", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"9999-12-31T23:59:59Z", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"2026-02-29T00:00:00Z", time.Time{}}, // no such day
		{"2026-11-22T24:00:00Z", time.Time{}},
		{"2026-11-22T23:59:60Z", time.Time{}}, // no leap seconds
		{"2026-11-22T03:00:00", time.Time{}},
		{"2026-11-22t03:00:00Z", time.Time{}},
		{"2026-11-22T03:00:00z", time.Time{}},
		{"2026-11-22T03:00:00.Z", time.Time{}},
		{"2026-11-22T03:00:00+24:00", time.Time{}},
		{"2026-11-22T03:00:00+09:60", time.Time{}},
		{"2026-11-22T03:00:00+0900", time.Time{}},
		{"2026-11-22 03:00:00Z", time.Time{}},
		{"+026-11-22T03:00:00Z", time.Time{}},
		{"", time.Time{}},
	}
	for _, tt := range tests {
		got, ok := parseTime(tt.in)
		if ok != !tt.want.IsZero() || ok && !got.Equal(tt.want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
		if ok && got.Location() != time.UTC {
			t.Errorf("parseTime(%q) is in %v, want UTC", tt.in, got.Location())
		}
	}
}
