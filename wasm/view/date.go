package view

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

// jst is Japan Standard Time. A fixed offset is exact: Japan has no DST,
// and it spares the client the time zone database.
var jst = time.FixedZone("JST", 9*60*60)

func (z Zone) String() string {
	if z == GMT {
		return "GMT"
	}
	return "JST"
}

func (z Zone) location() *time.Location {
	if z == GMT {
		return time.UTC
	}
	return jst
}

// FormatDate writes t in zone z for locale l: "2026-11-22 12:00 JST" or
// "2026年11月22日 12:00 JST". A zero time gives "".
func FormatDate(t time.Time, z Zone, l Locale) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(z.location())
	if l == Japanese {
		return strconv.Itoa(t.Year()) + "年" + strconv.Itoa(int(t.Month())) + "月" +
			strconv.Itoa(t.Day()) + "日 " + t.Format("15:04") + " " + z.String()
	}
	return t.Format("2006-01-02 15:04") + " " + z.String()
}

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
