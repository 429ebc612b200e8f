package view

import (
	"testing"
	"time"
)

func TestFormatDate(t *testing.T) {
	utc := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	lateUTC := time.Date(2026, 11, 21, 20, 30, 0, 0, time.UTC) // already the 22nd in Japan
	tests := []struct {
		t    time.Time
		z    Zone
		l    Locale
		want string
	}{
		{utc, JST, English, "2026-11-22 12:00 JST"},
		{utc, GMT, English, "2026-11-22 03:00 GMT"},
		{utc, JST, Japanese, "2026年11月22日 12:00 JST"},
		{utc, GMT, Japanese, "2026年11月22日 03:00 GMT"},
		{lateUTC, JST, English, "2026-11-22 05:30 JST"},
		{lateUTC, GMT, English, "2026-11-21 20:30 GMT"},
		{utc.In(time.FixedZone("EST", -5*3600)), JST, English, "2026-11-22 12:00 JST"},      // the input's zone does not matter
		{time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), JST, English, "2026-07-01 09:00 JST"}, // no DST in summer
		{time.Time{}, JST, English, ""},
	}
	for _, tt := range tests {
		if got := FormatDate(tt.t, tt.z, tt.l); got != tt.want {
			t.Errorf("FormatDate(%v, %v, %v) = %q, want %q", tt.t, tt.z, tt.l, got, tt.want)
		}
	}
}

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
