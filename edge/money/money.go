// Package money is the one table of the currencies a purchase can be priced
// in (ISO 4217 alphabetic codes with their minor unit) and the one way an
// amount is written for a cardholder. The issuer's API validates a currency
// with it; the challenge screen (the wasm client), the code mail, the code
// SMS and the portal's history all write amounts with Format, so a
// cardholder who sees a purchase in two of them sees the same figure
// written the same way.
//
// Amounts travel in minor units of the currency, the way card networks carry
// them (ISO 8583, EMV 3-D Secure's purchaseAmount with purchaseExponent):
// 1250 is ¥1,250, $12.50 or 1.250 KWD. A wrong exponent shows an amount 100
// or 1000 times off, which is why the exponent comes from ISO 4217 itself
// and not from CLDR's display digits (which drop decimals a currency has but
// rarely uses: IDR, COP, IQD, ...).
//
// It is a stdlib-only leaf under edge/ (the meeting point) because the wasm
// client imports it, and its tables are string constants rather than maps:
// a map literal is built by code at start-up, which the client would carry.
package money

import (
	"iter"
	"strconv"
)

// MaxAmount is the largest amount a purchase can have, in minor units:
// twelve digits, the width of the ISO 8583 amount field that carries it to
// authorisation. Format writes it as "9,999,999,999.99 USD",
// "999,999,999.999 KWD" or "999,999,999,999円".
const MaxAmount = 999_999_999_999

// codes are the ISO 4217 alphabetic codes of the currencies in circulation
// (2026): the ones a purchase can be priced in. Fund codes (BOV, CLF, ...),
// precious metals (XAU, ...), testing codes (XTS, XXX) and withdrawn codes
// (HRK, SLL, ANG, ZWL, BGN, ...) are left out on purpose.
//
// Each code is followed by a space, so entry i is codes[4*i:4*i+3]; the
// list is sorted, for a binary search.
const codes = "" +
	"AED AFN ALL AMD AOA ARS AUD AWG AZN " +
	"BAM BBD BDT BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD " +
	"CAD CDF CHF CLP CNY COP CRC CUP CVE CZK " +
	"DJF DKK DOP DZD " +
	"EGP ERN ETB EUR " +
	"FJD FKP " +
	"GBP GEL GHS GIP GMD GNF GTQ GYD " +
	"HKD HNL HTG HUF " +
	"IDR ILS INR IQD IRR ISK " +
	"JMD JOD JPY " +
	"KES KGS KHR KMF KPW KRW KWD KYD KZT " +
	"LAK LBP LKR LRD LSL LYD " +
	"MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN " +
	"NAD NGN NIO NOK NPR NZD " +
	"OMR " +
	"PAB PEN PGK PHP PKR PLN PYG " +
	"QAR " +
	"RON RSD RUB RWF " +
	"SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL " +
	"THB TJS TMT TND TOP TRY TTD TWD TZS " +
	"UAH UGX USD UYU UZS " +
	"VED VES VND VUV " +
	"WST " +
	"XAF XCD XCG XOF XPF " +
	"YER " +
	"ZAR ZMW ZWG "

// The currencies of codes whose minor unit (ISO 4217's "minor unit"
// column) is not 2 decimal digits, in the same form. No currency in
// circulation has another exponent (CLF and UYW, with 4, are funds).
const (
	exponent0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF "
	exponent3 = "BHD IQD JOD KWD LYD OMR TND "
)

// Valid reports whether code is the ISO 4217 code of a currency a purchase
// can be priced in, in capitals as ISO writes it ("JPY", not "jpy").
func Valid(code string) bool { return in(codes, code) }

// Codes yields every code Valid accepts, in alphabetical order: for tests
// and documentation that cover every currency.
func Codes() iter.Seq[string] {
	return func(yield func(string) bool) {
		for i := 0; i+4 <= len(codes); i += 4 {
			if !yield(codes[i : i+3]) {
				return
			}
		}
	}
}

// Exponent returns the number of decimal digits of code's minor unit: 0 for
// JPY (1250 is ¥1,250), 2 for USD (1250 is $12.50), 3 for KWD (1250 is
// 1.250 KWD). ok is false if code is not Valid.
func Exponent(code string) (exp int, ok bool) {
	switch {
	case !Valid(code):
		return 0, false
	case in(exponent0, code):
		return 0, true
	case in(exponent3, code):
		return 3, true
	}
	return 2, true
}

// in reports whether code is an entry of list, a sorted run of "XXX "
// entries.
func in(list, code string) bool {
	if len(code) != 3 {
		return false
	}
	lo, hi := 0, len(list)/4
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		switch e := list[4*mid : 4*mid+3]; {
		case e == code:
			return true
		case e < code:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return false
}

// Format writes minor units of currency code for a cardholder reading
// locale "ja" (anything else is English), the way Japanese card issuers
// write amounts in their notices: in Japanese the figure comes first and
// the yen is 円; in English the currency comes first, as a symbol for the
// four a Japanese cardholder meets often and reads unambiguously, as its
// code for the others:
//
//	ja: 1,250円   12.50 USD   12.50 MXN   1.250 KWD
//	en: ¥1,250    $12.50      MXN 12.50   KWD 1.250
//
// The symbols are all in the GSM 7-bit alphabet (€ as an extension), so an
// English code SMS stays in the encoding that fits twice the text; ₩ and
// the like are not, which is why KRW is written as its code.
//
// A code that is not Valid never reaches a cardholder (the API refuses it),
// but if one does its exponent is unknown: the figure is then the minor
// units as they are, never a guessed exponent, with the code if it has the
// form of one ("XYZ 1,250") and alone if not: whatever else the field
// holds (markup, lower case, stray text) is not shown.
//
// An authentication without a purchase (NoPurchase) is written as such.
func Format(minor int64, code, locale string) string {
	if NoPurchase(minor, code) {
		if locale == "ja" {
			return "お支払いなし（カードの確認）"
		}
		return "No payment (card check)"
	}
	exp, known := Exponent(code)
	sign, u := "", uint64(minor)
	if minor < 0 {
		sign, u = "-", -u // two's complement: right for math.MinInt64 too
	}
	num := digits(u, exp)
	switch {
	case !known && !wellFormed(code):
		return sign + num
	case locale == "ja" && code == "JPY":
		return sign + num + "円"
	case locale == "ja":
		return sign + num + " " + code
	case symbol(code) != "":
		return sign + symbol(code) + num
	}
	return sign + code + " " + num
}

// NoPurchase reports whether an amount of minor units of code is none at
// all: an EMV 3-D Secure non-payment authentication (a card added to a
// wallet, an account checked) has no amount and no currency, which is
// stored as 0 and "". Every other amount has a currency.
func NoPurchase(minor int64, code string) bool { return minor == 0 && code == "" }

// symbol is the English prefix of the currencies written with one.
func symbol(code string) string {
	switch code {
	case "JPY":
		return "¥"
	case "USD":
		return "$"
	case "EUR":
		return "€"
	case "GBP":
		return "£"
	}
	return ""
}

// digits writes u with exp decimal places and comma thousands separators:
// digits(125050, 2) = "1,250.50", digits(7, 3) = "0.007".
func digits(u uint64, exp int) string {
	s := strconv.FormatUint(u, 10)
	for len(s) <= exp {
		s = "0" + s
	}
	whole, frac := s[:len(s)-exp], s[len(s)-exp:]
	out := make([]byte, 0, len(s)+len(s)/3+1)
	for i := 0; i < len(whole); i++ {
		if i > 0 && (len(whole)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, whole[i])
	}
	if frac != "" {
		out = append(out, '.')
		out = append(out, frac...)
	}
	return string(out)
}

// wellFormed reports whether code has the form of an ISO 4217 code: three
// capital ASCII letters. Only such a code is shown next to a figure.
func wellFormed(code string) bool {
	if len(code) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if code[i] < 'A' || code[i] > 'Z' {
			return false
		}
	}
	return true
}
