package sms

import (
	"strconv"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/money"
	"github.com/honnin/honnin/edge/onetime"
	"github.com/honnin/honnin/issuer/safetext"
	"github.com/honnin/honnin/issuer/sms/wire"
)

// CodeText is what a one-time code SMS says: the code and the transaction
// it authorises, and the two hosts of its WebOTP line.
type CodeText struct {
	Code         string    // 6 ASCII digits
	Merchant     string    // as the merchant registered it; untrusted
	Amount       int64     // minor units of Currency
	Currency     string    // ISO 4217, "JPY"
	IssuerName   string    // who the SMS is from, first on the first line
	MerchantHost string    // the top-level page's host, "shop.example"
	EdgeHost     string    // the challenge iframe's host, "acs.example.jp"
	At           time.Time // transaction time, shown in JST
}

// MaxSegments is the length the code text aims at: two concatenated
// segments (134 UCS-2 or 306 GSM-7 characters). One segment (70 UCS-2
// characters) cannot hold Japanese text and the WebOTP line; more segments
// cost more and arrive out of order on some phones.
const MaxSegments = 2

const (
	maxIssuerRunes   = 16
	maxMerchantRunes = 20
	minNameRunes     = 6
)

// Text writes the code SMS in locale "ja" (anything else gives "en"), in
// the order the card issuers' notices use: who sends it, the code, the
// purchase (merchant, amount, JST time), how long the code lasts
// (limits.CodeLifetime, as the code mail says) and not
// to pass it on; and on its own last line the WebOTP binding for a
// cross-origin iframe,
//
//	@<MerchantHost> #<Code> @<EdgeHost>
//
// (top-level host first, then the iframe's, as the origin-bound one-time
// code format requires), so the browser offers the code to the challenge
// iframe and to no other site. Merchant and issuer names are cleaned of
// control characters (a newline could forge that last line) and shortened;
// when the text would still need more than MaxSegments the merchant name,
// then the issuer's, is cut further, down to 6 characters, and then the
// "do not share" advice is left out. Very long host names can still exceed
// it: Segments tells.
func Text(locale string, c CodeText) string {
	line := "@" + host(c.MerchantHost) + " #" + c.Code + " @" + host(c.EdgeHost)
	var body string
	// Cut the merchant name first, then the issuer's, down to
	// minNameRunes; if that is not enough, drop the "do not share" advice
	// and try again from full names: the merchant name is what tells the
	// cardholder whether the purchase is theirs.
	for _, advice := range []bool{true, false} {
		m, i := maxMerchantRunes, maxIssuerRunes
		for {
			body = textBody(locale, oneLine(c.IssuerName, i, locale), oneLine(c.Merchant, m, locale), advice, c) + "\n" + line
			if Segments(body) <= MaxSegments {
				return body
			}
			if m > minNameRunes {
				m--
			} else if i > minNameRunes {
				i--
			} else {
				break
			}
		}
	}
	return body
}

func textBody(locale, issuer, merchant string, advice bool, c CodeText) string {
	at := c.At.In(jst)
	// The text states how long the code works: the purchase policy's
	// lifetime, as the mail does.
	mins := strconv.Itoa(int(onetime.Purchase.Lifetime / time.Minute))
	if locale == "ja" {
		s := "【" + issuer + "】認証コード " + c.Code + "\n" +
			merchant + " " + money.Format(c.Amount, c.Currency, "ja") + " " + at.Format("1/2 15:04") + "\n" +
			mins + "分間有効。"
		if advice {
			s += "他人に教えないでください。"
		}
		return s
	}
	s := issuer + ": code " + c.Code + " for " + merchant + " " + money.Format(c.Amount, c.Currency, "en") +
		" on " + at.Format("Jan 2 15:04") + " JST. Valid " + mins + " min."
	if advice {
		s += " Never share it."
	}
	return s
}

// oneLine is untrusted text made safe for one line of an SMS: cleaned as
// the mail cleans it (safetext), runs of spaces joined, cut to max runes. English
// text ends a cut with "..." rather than "…", which is not in the GSM
// alphabet and would make the whole SMS UCS-2 (less than half the room).
func oneLine(s string, max int, locale string) string {
	r := []rune(strings.Join(strings.Fields(safetext.Clean(s, 1<<16)), " "))
	if len(r) <= max {
		return string(r)
	}
	if locale == "ja" {
		return strings.TrimSpace(string(r[:max-1])) + "…"
	}
	return strings.TrimSpace(string(r[:max-3])) + "..."
}

// host keeps a host name to the characters a host name has, so a malformed
// configuration cannot break the WebOTP line's syntax (spaces, # or @).
func host(h string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.', r == ':':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return -1
	}, h)
}

// jst is the zone the text shows the time in, as the mail does.
var jst = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return loc
	}
	return time.FixedZone("JST", 9*60*60)
}()

// Segments is how many SMS segments text takes (see wire.Segments).
func Segments(text string) int { return wire.Segments(text) }
