package money

// numeric maps ISO 4217 numeric codes, which EMV 3-D Secure messages carry
// (purchaseCurrency), to the alphabetic codes honnin keeps. It lists the
// currencies of the markets JCB cards are used in most; a code not listed
// is answered as an unknown ISO code (Erro 304) rather than guessed.
var numeric = map[string]string{
	"032": "ARS", "036": "AUD", "048": "BHD", "050": "BDT", "116": "KHR", "124": "CAD", "144": "LKR",
	"152": "CLP", "156": "CNY", "170": "COP", "203": "CZK", "208": "DKK", "344": "HKD", "348": "HUF",
	"356": "INR", "360": "IDR", "376": "ILS", "392": "JPY", "410": "KRW", "414": "KWD", "446": "MOP",
	"458": "MYR", "484": "MXN", "496": "MNT", "512": "OMR", "524": "NPR", "554": "NZD", "578": "NOK",
	"586": "PKR", "604": "PEN", "608": "PHP", "634": "QAR", "643": "RUB", "682": "SAR", "702": "SGD",
	"704": "VND", "710": "ZAR", "752": "SEK", "756": "CHF", "764": "THB", "784": "AED", "818": "EGP",
	"826": "GBP", "840": "USD", "901": "TWD", "949": "TRY", "978": "EUR", "985": "PLN", "986": "BRL",
}

// ByNumeric returns the alphabetic code of ISO 4217 numeric code n ("392"
// → "JPY"), and false for a code it does not list.
func ByNumeric(n string) (string, bool) {
	c, ok := numeric[n]
	return c, ok
}

// NumericOf returns the ISO 4217 numeric code of alphabetic code c, and
// false for one it does not list.
func NumericOf(c string) (string, bool) {
	for n, a := range numeric {
		if a == c {
			return n, true
		}
	}
	return "", false
}
