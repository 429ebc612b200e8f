package wire

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParsePhone parses phone numbers as cardholders and operators type
// them. Properties: an accepted number is E.164 and parses to itself; a
// Japanese one is a mobile number (+8170/80/90 and 8 digits); its mask
// shows its last four digits and no more; a refusal is ErrInvalidPhone and
// does not repeat the number.
func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"090-1234-5678", "０９０ー１２３４ー５６７８", "+81 90 1234 5678", "+1 (415) 555-0100",
		"03-1234-5678", "050-1234-5678", "+81 090 1234 5678", "+0123456789", "0012025550100", "+1234567", "+12345678901234567",
		"9012345678", "090+12345678", "", " ", "+８１９０１２３４５６７８", "tel:+819012345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePhone(s)
		if err != nil {
			digits := strings.Map(func(r rune) rune {
				if r >= '０' && r <= '９' {
					return '0' + r - '０'
				}
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, s)
			msg := err.Error()
			trimmed := strings.TrimSpace(s)
			if !errors.Is(err, ErrInvalidPhone) || len(digits) >= 7 && strings.Contains(msg, digits) ||
				len(trimmed) >= 7 && strings.Contains(msg, trimmed) {
				t.Fatalf("refusal %q", err)
			}
			return
		}
		if !IsE164(p) {
			t.Fatalf("%q parsed as %q, not E.164", s, p)
		}
		if again, err := ParsePhone(p); err != nil || again != p {
			t.Fatalf("%q parsed as %q, which parses as %q, %v", s, p, again, err)
		}
		if strings.HasPrefix(p, "+81") && (len(p) != 13 || !strings.Contains("7 8 9", p[3:4]) || p[4] != '0') {
			t.Fatalf("%q parsed as %q, not a Japanese mobile number", s, p)
		}
		if m := MaskPhone(p); m != "***-****-"+p[len(p)-4:] {
			t.Fatalf("%q masked as %q", p, m)
		}
	})
}

// FuzzSignature checks webhook signatures as a receiver does. Properties:
// what Sign writes verifies at its time and within the tolerance, and not
// for another body or secret; a header that verifies holds, for a time
// within the tolerance, the HMAC of that time and the body (nothing else
// passes); a refusal is ErrBadSignature.
func FuzzSignature(f *testing.F) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	secret := []byte("webhook-secret")
	good := Sign(secret, now, []byte(`{"id":"1"}`))
	f.Add(good, []byte(`{"id":"1"}`), int64(0))
	f.Add(good+",v1="+strings.Repeat("00", 32), []byte(`{"id":"1"}`), int64(299))
	f.Add("v1="+strings.Repeat("00", 32)+", t="+strconv.FormatInt(now.Unix(), 10), []byte(""), int64(-301))
	f.Add("t=1,t=2,v1=zz", []byte("x"), int64(1<<40))
	f.Add("", []byte(nil), int64(0))
	f.Fuzz(func(t *testing.T, header string, body []byte, skew int64) {
		err := VerifySignature(secret, header, body, now, 0)
		if err != nil && !errors.Is(err, ErrBadSignature) {
			t.Fatalf("refusal is not ErrBadSignature: %v", err)
		}
		if err == nil && !signedBy(secret, header, body, now) {
			t.Fatalf("accepted %q for body %q", header, body)
		}

		at := now.Add(time.Duration(skew%3600) * time.Second)
		h := Sign(secret, at, body)
		err = VerifySignature(secret, h, body, now, 0)
		within := at.Sub(now).Abs() <= DefaultSignatureTolerance
		if (err == nil) != within {
			t.Fatalf("signature %q made %s from now: %v", h, at.Sub(now), err)
		}
		if VerifySignature(secret, h, append(body, 'x'), now, 0) == nil || VerifySignature([]byte("other"), h, body, now, 0) == nil {
			t.Fatalf("signature %q verifies another body or secret", h)
		}
	})
}

// signedBy restates what a valid header is: some t= within the tolerance
// and some v1= that is the HMAC of "t.body".
func signedBy(secret []byte, header string, body []byte, now time.Time) bool {
	var ts []string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = append(ts, v)
		case "v1":
			sigs = append(sigs, v)
		}
	}
	for _, tv := range ts {
		n, err := strconv.ParseInt(tv, 10, 64)
		if err != nil || now.Sub(time.Unix(n, 0)).Abs() > DefaultSignatureTolerance {
			continue
		}
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(tv + "."))
		m.Write(body)
		want := m.Sum(nil)
		for _, s := range sigs {
			if b, err := hex.DecodeString(s); err == nil && hmac.Equal(b, want) {
				return true
			}
		}
	}
	return false
}
