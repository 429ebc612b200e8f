package summary

import (
	"math/rand/v2"
	"strconv"
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

// TestDatesMatchTime holds the calendar arithmetic to the time package's:
// the date and the clock, from year 0 to 9999 (all RFC 3339 can write) and
// around the days where calendars trip (leap days, centuries, the Unix
// epoch, year ends).
func TestDatesMatchTime(t *testing.T) {
	jst := time.FixedZone("JST", 9*60*60)
	check := func(u time.Time) {
		t.Helper()
		for _, z := range []struct {
			zone Zone
			loc  *time.Location
		}{{JST, jst}, {GMT, time.UTC}} {
			in := u.In(z.loc)
			wantEN := in.Format("2006-01-02 15:04") + " " + z.zone.String()
			wantJA := strconv.Itoa(in.Year()) + "年" + strconv.Itoa(int(in.Month())) + "月" +
				strconv.Itoa(in.Day()) + "日 " + in.Format("15:04") + " " + z.zone.String()
			if got := FormatDate(u, z.zone, English); got != wantEN {
				t.Fatalf("FormatDate(%v, %v, en) = %q, time.Format %q", u, z.zone, got, wantEN)
			}
			if got := FormatDate(u, z.zone, Japanese); got != wantJA {
				t.Fatalf("FormatDate(%v, %v, ja) = %q, want %q", u, z.zone, got, wantJA)
			}
			if got, want := FormatClock(u, z.zone), in.Format("15:04")+" "+z.zone.String(); got != want {
				t.Fatalf("FormatClock(%v, %v) = %q, want %q", u, z.zone, got, want)
			}
		}
	}
	for _, y := range []int{0, 1, 4, 99, 100, 399, 400, 1582, 1899, 1900, 1969, 1970, 1999, 2000, 2024, 2026, 2100, 2400, 9999} {
		for _, md := range [][2]int{{1, 1}, {2, 28}, {2, 29}, {3, 1}, {12, 31}} {
			d := time.Date(y, time.Month(md[0]), md[1], 0, 0, 0, 0, time.UTC)
			for _, secs := range []int{0, 1, 59, 60, 8*3600 + 59*60 + 59, 9 * 3600, 14*3600 + 59*60, 15 * 3600, 86399} {
				if u := d.Add(time.Duration(secs) * time.Second); !u.IsZero() {
					check(u)
				}
			}
		}
	}
	for d := time.Date(1900, 1, 1, 20, 30, 7, 5e8, time.UTC); d.Year() < 2100; d = d.AddDate(0, 0, 1) {
		check(d)
	}
	lo, hi := time.Date(0, 1, 2, 0, 0, 0, 0, time.UTC).Unix(), time.Date(9999, 12, 30, 0, 0, 0, 0, time.UTC).Unix()
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		check(time.Unix(lo+r.Int64N(hi-lo), r.Int64N(1e9)).UTC())
	}
}
