package summary

import (
	"strconv"
	"time"
)

// Zone is the time zone the transaction date is shown in. Japanese card
// issuers show JST and offer GMT, with a note that the day may differ from
// the one on the statement.
type Zone int

const (
	JST Zone = iota
	GMT
)

// The dates are written here from Unix seconds with the civil calendar's
// integer arithmetic, not with time.Format, In and FixedZone: those link
// the time package's formatting and zone machinery into the client (about
// 30 KiB gzip). date_test.go holds them to time.Format, across the range
// of years RFC 3339 can write.

func (z Zone) String() string {
	if z == GMT {
		return "GMT"
	}
	return "JST"
}

// offset is the zone's offset from UTC in seconds. A fixed offset is exact
// for JST: Japan has no DST.
func (z Zone) offset() int64 {
	if z == GMT {
		return 0
	}
	return 9 * 60 * 60
}

// FormatDate writes t in zone z for locale l: "2026-11-22 12:00 JST" or
// "2026年11月22日 12:00 JST". A zero time gives "".
func FormatDate(t time.Time, z Zone, l Locale) string {
	if t.IsZero() {
		return ""
	}
	c := civilTime(t, z)
	if l == Japanese {
		return strconv.Itoa(c.year) + "年" + strconv.Itoa(c.month) + "月" +
			strconv.Itoa(c.day) + "日 " + c.clock() + " " + z.String()
	}
	y := pad(c.year, 4)
	if c.year < 0 {
		y = "-" + pad(-c.year, 4)
	}
	return y + "-" + pad(c.month, 2) + "-" + pad(c.day, 2) + " " + c.clock() + " " + z.String()
}

// FormatClock writes the time of day of t in zone z: "12:03 JST".
func FormatClock(t time.Time, z Zone) string {
	return civilTime(t, z).clock() + " " + z.String()
}

// civil is a date and a time of day on the wall clock of a zone.
type civil struct {
	year, month, day, hour, minute int
}

func (c civil) clock() string { return pad(c.hour, 2) + ":" + pad(c.minute, 2) }

// civilTime is t on the wall clock of zone z.
func civilTime(t time.Time, z Zone) civil {
	secs := t.Unix() + z.offset()
	days := secs / 86400
	if secs%86400 < 0 {
		days--
	}
	rem := int(secs - days*86400)
	y, m, d := civilFromDays(days)
	return civil{year: int(y), month: m, day: d, hour: rem / 3600, minute: rem % 3600 / 60}
}

// civilFromDays turns days since 1970-01-01 into a proleptic Gregorian
// date (H. Hinnant's algorithm: eras of 400 years starting on March 1).
func civilFromDays(z int64) (year int64, month, day int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097                                  // [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // [0, 399]
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // [0, 365], from March 1
	mp := (5*doy + 2) / 153                                // [0, 11], March is 0
	day = int(doy - (153*mp+2)/5 + 1)
	month = int(mp + 3)
	if mp >= 10 {
		month = int(mp - 9)
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

// pad writes n (>= 0) with at least width digits.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}
