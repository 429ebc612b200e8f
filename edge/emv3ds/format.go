package emv3ds

import (
	"net/netip"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"
)

// A check says whether a decoded string value is well formed in message
// version v. The checks parse text only: net/url and net/netip are the
// standard library's URL and IP address parsers, which open no socket
// (the package's import test forbids net/http and the net package).
type check func(s, v string) bool

// length: between min and max characters (EMV lengths count characters).
func length(min, max int) check {
	return func(s, _ string) bool {
		if len(s) < min || len(s) > 4*max { // cheap bounds before counting
			return false
		}
		n := utf8.RuneCountInString(s)
		return n >= min && n <= max
	}
}

// digits: between min and max ASCII digits.
func digits(min, max int) check {
	return func(s, _ string) bool { return len(s) >= min && len(s) <= max && allDigits(s) }
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// oneOf: one of vals exactly.
func oneOf(vals ...string) check {
	return func(s, _ string) bool {
		for _, v := range vals {
			if s == v {
				return true
			}
		}
		return false
	}
}

// codes: a two-digit code from lo to hi.
func codes(lo, hi int) check {
	return func(s, _ string) bool {
		if len(s) != 2 || !allDigits(s) {
			return false
		}
		n := int(s[0]-'0')*10 + int(s[1]-'0')
		return n >= lo && n <= hi
	}
}

// byVersion: the check of the message's version (versions lowest first;
// a version without its own check takes the one of the version below).
func byVersion(v210, v220, v231 check) check {
	return func(s, v string) bool {
		switch v {
		case V231:
			return v231(s, v)
		case V220:
			return v220(s, v)
		}
		return v210(s, v)
	}
}

// all: every one of cs.
func all(cs ...check) check {
	return func(s, v string) bool {
		for _, c := range cs {
			if !c(s, v) {
				return false
			}
		}
		return true
	}
}

// isUUID: the canonical 8-4-4-4-12 hexadecimal form of RFC 4122, any
// version and either case (EMV's "UUID" data type).
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func uuid(s, _ string) bool { return isUUID(s) }

// webURL: an absolute http or https URL with a host, at most max
// characters. httpsFrom is the first version that requires https (""
// never); from it, http remains allowed for a loopback host (localhost,
// 127.0.0.1, ::1) so a developer's requestor on the same machine works.
func webURL(max int, httpsFrom string) check {
	return func(s, v string) bool {
		if len(s) == 0 || utf8.RuneCountInString(s) > max {
			return false
		}
		u, err := url.Parse(s)
		if err != nil || u.Host == "" || u.Opaque != "" {
			return false
		}
		switch u.Scheme {
		case "https":
			return true
		case "http":
			return httpsFrom == "" || versionIndex(v) < versionIndex(httpsFrom) || loopbackHost(u.Hostname())
		}
		return false
	}
}

func loopbackHost(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

// ipAddr: an IPv4 or IPv6 address in text, no zone, at most 45 characters.
func ipAddr(s, _ string) bool {
	if len(s) > 45 {
		return false
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Zone() == ""
}

// date: exactly the layout's digits and a real calendar date and time.
func date(layout string) check {
	return func(s, _ string) bool {
		if len(s) != len(layout) || !allDigits(s) {
			return false
		}
		_, err := time.Parse(layout, s)
		return err == nil
	}
}

// yymm: a card expiry date, month 01 to 12.
func yymm(s, _ string) bool {
	if len(s) != 4 || !allDigits(s) {
		return false
	}
	m := int(s[2]-'0')*10 + int(s[3]-'0')
	return m >= 1 && m <= 12
}

// numberIn: digits whose value is from lo to hi (with at most width
// digits, leading zeros allowed).
func numberIn(width, lo, hi int) check {
	return func(s, _ string) bool {
		if len(s) == 0 || len(s) > width || !allDigits(s) {
			return false
		}
		n, err := strconv.Atoi(s)
		return err == nil && n >= lo && n <= hi
	}
}

// versionIndex is v's position in Versions (-1 if none).
func versionIndex(v string) int {
	for i, s := range Versions {
		if s == v {
			return i
		}
	}
	return -1
}
