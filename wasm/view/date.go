package view

import (
	"strconv"
	"time"

	"github.com/honnin/honnin/edge/summary"
)

// Zone is the time zone the transaction date is shown in (edge/summary,
// which the edge's first paint of the page writes the date with too).
type Zone = summary.Zone

const (
	JST = summary.JST
	GMT = summary.GMT
)

// daysFromCivil turns a proleptic Gregorian date into days since
// 1970-01-01 (H. Hinnant's algorithm, the inverse of the one
// edge/summary writes dates with).
func daysFromCivil(year int64, month, day int) int64 {
	if month <= 2 {
		year--
	}
	era := year / 400
	if year < 0 && year%400 != 0 {
		era--
	}
	yoe := year - era*400
	m := int64(month)
	if month > 2 {
		m -= 3
	} else {
		m += 9
	}
	doy := (153*m+2)/5 + int64(day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// daysIn is the number of days of month in year.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseTime reads an RFC 3339 time as the edge writes them
// ("2026-11-22T03:00:00Z"): the grammar of the time package's own fast
// RFC 3339 reader, which encoding/json's time.Time uses: four-digit
// year, two-digit fields in range (the day within its month, no leap
// second), an optional fraction after a '.' (digits beyond nanoseconds
// dropped), and Z or ±hh:mm. The time package's slower fallback for
// other forms (a one-digit hour, a ',' before the fraction) is not
// followed: the client reads those as a broken answer. The result is in
// UTC.
func parseTime(s string) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04:05") {
		return time.Time{}, false
	}
	ok := true
	num := func(s string, lo, hi int) int {
		n := 0
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				ok = false
				return lo
			}
			n = n*10 + int(c-'0')
		}
		if n < lo || n > hi {
			ok = false
			return lo
		}
		return n
	}
	year := num(s[0:4], 0, 9999)
	month := num(s[5:7], 1, 12)
	day := num(s[8:10], 1, daysIn(month, year))
	hour := num(s[11:13], 0, 23)
	minute := num(s[14:16], 0, 59)
	sec := num(s[17:19], 0, 59)
	if !ok || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	s = s[19:]
	nsec := 0
	if len(s) >= 2 && s[0] == '.' && isDigit(s[1]) {
		n := 1
		for n < len(s) && isDigit(s[n]) {
			n++
		}
		for i := 1; i < 10; i++ {
			nsec *= 10
			if i < n {
				nsec += int(s[i] - '0')
			}
		}
		s = s[n:]
	}
	unix := daysFromCivil(int64(year), month, day)*86400 + int64(hour*3600+minute*60+sec)
	if len(s) != 1 || s[0] != 'Z' {
		if len(s) != len("-07:00") {
			return time.Time{}, false
		}
		hh := num(s[1:3], 0, 23)
		mm := num(s[4:6], 0, 59)
		if !ok || (s[0] != '-' && s[0] != '+') || s[3] != ':' {
			return time.Time{}, false
		}
		off := int64(hh*3600 + mm*60)
		if s[0] == '-' {
			off = -off
		}
		unix -= off
	}
	return time.Unix(unix, int64(nsec)).UTC(), true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// FormatCountdown writes d as minutes and seconds, "9:58", rounding down so
// that the screen never promises more time than is left. Negative is "0:00".
func FormatCountdown(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	secs := int64(d / time.Second)
	s := strconv.FormatInt(secs%60, 10)
	if len(s) == 1 {
		s = "0" + s
	}
	return strconv.FormatInt(secs/60, 10) + ":" + s
}
