package view

import "strconv"

// currency says how an ISO 4217 currency is written. symbol is empty for
// currencies shown as "12.50 AUD".
type currency struct {
	symbol   string
	exponent int
}

// currencies lists the currencies whose minor-unit exponent is known here.
// The list is short on purpose: the edge sends the amount in minor units,
// and a wrong exponent would show the cardholder an amount 100 times off,
// so an unlisted currency is shown in minor units with its code instead of
// guessing (see FormatAmount).
var currencies = map[string]currency{
	"JPY": {"¥", 0},
	"USD": {"$", 2},
	"EUR": {"€", 2},
	"GBP": {"£", 2},
	"KRW": {"₩", 0},
	"AUD": {"", 2},
	"CAD": {"", 2},
	"CHF": {"", 2},
	"CNY": {"", 2},
	"HKD": {"", 2},
	"NZD": {"", 2},
	"SGD": {"", 2},
	"TWD": {"", 2},
	"THB": {"", 2},
	"VND": {"", 0},
	"BHD": {"", 3},
	"KWD": {"", 3},
}

// FormatAmount writes amount (in minor units) in currency: "¥1,250",
// "$12.50", "€0.99", "12.50 AUD". A well-formed but unlisted code falls back
// to the minor units and the code ("1,250 XYZ"); a malformed code is not
// shown at all. The same format serves both locales: "¥1,250" is how
// Japanese shops print yen too.
func FormatAmount(amount int64, code string) string {
	sign, u := "", uint64(amount)
	if amount < 0 {
		sign, u = "-", -u // two's complement: right for math.MinInt64 too
	}
	c, known := currencies[code]
	num := groupDigits(u, c.exponent)
	switch {
	case known && c.symbol != "":
		return sign + c.symbol + num
	case known || validCurrencyCode(code):
		return sign + num + " " + code
	}
	return sign + num
}

// groupDigits writes u with exponent decimal places and comma thousands
// separators: groupDigits(125050, 2) = "1,250.50".
func groupDigits(u uint64, exponent int) string {
	s := strconv.FormatUint(u, 10)
	for len(s) <= exponent {
		s = "0" + s
	}
	intPart, frac := s[:len(s)-exponent], s[len(s)-exponent:]
	out := make([]byte, 0, len(s)+len(s)/3+1)
	for i := 0; i < len(intPart); i++ {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, intPart[i])
	}
	if frac != "" {
		out = append(out, '.')
		out = append(out, frac...)
	}
	return string(out)
}

func validCurrencyCode(code string) bool {
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
