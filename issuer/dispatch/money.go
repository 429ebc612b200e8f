package dispatch

import (
	"strconv"
	"strings"
)

// minorDigits lists the ISO 4217 currencies whose minor unit is not 2
// digits. Amounts travel in minor units (the way card networks carry them),
// so getting this wrong would show ¥125,000 as ¥1,250.00.
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

// symbols are the English prefixes for currencies a Japanese cardholder
// meets often and reads unambiguously; others are shown with their code.
var symbols = map[string]string{
	"JPY": "¥",
	"USD": "$",
	"EUR": "€",
	"GBP": "£",
}

// money formats an amount in minor units for a cardholder, the way Japanese
// card issuers write it in their notices:
//
//	ja: 1,250円   12.50 USD   1.250 KWD
//	en: ¥1,250    $12.50      KWD 1.250
func money(minor int64, currency, locale string) string {
	cur := strings.ToUpper(strings.TrimSpace(currency))
	digits, ok := minorDigits[cur]
	if !ok {
		digits = 2
	}
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = -u // two's complement: correct even for math.MinInt64
	}
	pow := uint64(1)
	for range digits {
		pow *= 10
	}
	num := group(strconv.FormatUint(u/pow, 10))
	if digits > 0 {
		frac := strconv.FormatUint(u%pow, 10)
		num += "." + strings.Repeat("0", digits-len(frac)) + frac
	}
	sign := ""
	if neg {
		sign = "-"
	}
	if locale == "ja" {
		if cur == "JPY" {
			return sign + num + "円"
		}
		return sign + num + " " + cur
	}
	if sym, ok := symbols[cur]; ok {
		return sign + sym + num
	}
	return sign + cur + " " + num
}

// group inserts thousands separators into a string of digits.
func group(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	head := len(digits) % 3
	if head > 0 {
		b.WriteString(digits[:head])
	}
	for i := head; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}
