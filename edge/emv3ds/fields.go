package emv3ds

import (
	"fmt"
	"reflect"
	"strings"
)

// kind is the JSON shape of a field.
type kind uint8

const (
	kString     kind = iota
	kBool            // true or false
	kTrue            // true only (payTokenInd)
	kStrings         // array of strings, each checked
	kObject          // object, contents not checked here
	kObjects         // array of objects
	kStrOrList       // a string up to 2.2.0, an array of strings in 2.3.1
	kObjOrList       // an object up to 2.2.0, an array of objects in 2.3.1
	kExtensions      // messageExtension (note §10)
)

// values are the well-formed scalar values of a message by field name
// (booleans "true"/"false", a list its first element): what conditions
// read.
type values map[string]string

// field is one row of the AReq table: the note's §3 table, one line per
// JSON name.
type field struct {
	name string
	// pres is the presence for a payment (messageCategory 01), one
	// "BRW/3RI" pair per version 2.1.0, 2.2.0, 2.3.1: R required, C
	// conditional (cond), O optional, - not used in that channel (checked
	// if sent, never required), x not in that version (ignored if sent).
	pres string
	// npa changes R for a non-payment (02): 'O' optional (merchant and
	// acquirer fields), 'C' conditional on purchaseCond (purchase
	// fields); 0 leaves it.
	npa  byte
	cond func(values) bool // C is R when cond says so, O otherwise
	kind kind
	chk  check // each string's format (kString, kStrings, kStrOrList)
	max  int   // most elements of a list (0: 99)

	p [3][2]byte // pres parsed
}

// Channel index in field.p.
const (
	brw = 0
	tri = 1
)

// presence is f's presence letter (R, O, -, x) in a message of version
// index vi, channel index ch, non-payment or not, with the well-formed
// values vals.
func (f *field) presence(vi, ch int, npa bool, vals values) byte {
	p := f.p[vi][ch]
	cond := f.cond
	if npa && p == 'R' {
		switch f.npa {
		case 'O':
			p = 'O'
		case 'C':
			p, cond = 'C', purchaseCond
		}
	}
	if p == 'C' {
		if cond != nil && cond(vals) {
			return 'R'
		}
		return 'O'
	}
	return p
}

// Conditions of the table (note §3 and its notes).
func jsOn(v values) bool { return v["browserJavascriptEnabled"] == "true" }

// recurringCond: a recurring or instalment payment, by the requestor's
// indicator (browser) or the 3RI indicator.
func recurringCond(v values) bool {
	if v["deviceChannel"] == Channel3RI {
		return v["threeRIInd"] == "01" || v["threeRIInd"] == "02"
	}
	return v["threeDSRequestorAuthenticationInd"] == "02" || v["threeDSRequestorAuthenticationInd"] == "03"
}

// instalmentCond: an instalment payment.
func instalmentCond(v values) bool {
	if v["deviceChannel"] == Channel3RI {
		return v["threeRIInd"] == "02"
	}
	return v["threeDSRequestorAuthenticationInd"] == "03"
}

// purchaseCond makes the purchase fields of a non-payment required when it
// sets up recurring or instalment payments (note §3 notes).
var purchaseCond = recurringCond

func present(name string) func(values) bool {
	return func(v values) bool { _, ok := v[name]; return ok }
}

func equals(name, want string) func(values) bool {
	return func(v values) bool { return v[name] == want }
}

// Value lists per version (note §3).
var (
	authIndCheck      = byVersion(codes(1, 6), codes(1, 6), codes(1, 10))
	threeRIIndCheck   = byVersion(codes(1, 5), codes(1, 11), codes(1, 19))
	challengeIndCheck = byVersion(codes(1, 4), codes(1, 9), codes(1, 14))
	addrLine          = length(1, 50)
	country           = digits(3, 3)
)

// areqFields is the AReq table. Its order is the order of an Erro's
// detail. Fields of the app channel are absent: this ACS refuses it
// before the table is read.
var areqFields = []*field{
	{name: "messageType", pres: "R/R R/R R/R", chk: oneOf(TypeAReq)},
	{name: "messageVersion", pres: "R/R R/R R/R", chk: oneOf(Versions...)},
	{name: "messageCategory", pres: "R/R R/R R/R", chk: oneOf(CategoryPayment, CategoryNonPayment)},
	{name: "deviceChannel", pres: "R/R R/R R/R", chk: oneOf(ChannelBrowser, Channel3RI)},
	{name: "threeDSServerTransID", pres: "R/R R/R R/R", chk: uuid},
	// Added by the DS (note §3 notes): dsTransID and dsReferenceNumber
	// are echoed in the ARes, so required; the DS's and 3DS Server's URLs
	// are checked when sent but the ACS uses neither (the RReq goes to a
	// configured DS URL).
	{name: "dsTransID", pres: "R/R R/R R/R", chk: uuid},
	{name: "dsReferenceNumber", pres: "R/R R/R R/R", chk: length(1, 32)},
	{name: "dsURL", pres: "O/O O/O O/O", chk: webURL(2048, "")},
	{name: "threeDSServerRefNumber", pres: "R/R R/R R/R", chk: length(1, 32)},
	{name: "threeDSServerOperatorID", pres: "O/O O/O O/O", chk: length(1, 32)},
	{name: "threeDSServerURL", pres: "O/O O/O O/O", chk: webURL(2048, "")},
	{name: "threeDSRequestorID", pres: "R/R R/R R/R", chk: length(1, 35)},
	{name: "threeDSRequestorName", pres: "R/R R/R R/R", chk: length(1, 40)},
	{name: "threeDSRequestorURL", pres: "R/R R/R R/R", chk: webURL(2048, "")},
	{name: "threeDSRequestorAuthenticationInd", pres: "R/- R/- R/-", chk: authIndCheck},
	{name: "threeRIInd", pres: "-/R -/R -/R", chk: threeRIIndCheck},
	{name: "threeDSRequestorChallengeInd", pres: "O/- O/- O/O", kind: kStrOrList, chk: challengeIndCheck},
	{name: "threeDSRequestorAuthenticationInfo", pres: "O/- O/- O/O", kind: kObjOrList},
	{name: "threeDSRequestorPriorAuthenticationInfo", pres: "O/O O/O O/O", kind: kObjOrList},
	{name: "threeDSReqAuthMethodInd", pres: "x O/- x", chk: codes(1, 3)},
	{name: "threeDSRequestorDecReqInd", pres: "x O/O O/O", chk: byVersion(oneOf("Y", "N"), oneOf("Y", "N"), oneOf("Y", "N", "F", "B"))},
	{name: "threeDSRequestorDecMaxTime", pres: "x C/C C/C", cond: equals("threeDSRequestorDecReqInd", "Y"), chk: all(digits(5, 5), numberIn(5, 1, 10080))},

	{name: "acctNumber", pres: "R/R R/R R/R", chk: digits(13, 19)},
	{name: "cardExpiryDate", pres: "O/O O/O O/O", chk: yymm},
	{name: "acquirerBIN", pres: "R/R R/R R/R", npa: 'O', chk: length(1, 11)},
	{name: "acquirerMerchantID", pres: "R/R R/R R/R", npa: 'O', chk: length(1, 35)},
	{name: "acquirerCountryCode", pres: "x x R/R", npa: 'O', chk: country},
	{name: "acquirerCountryCodeSource", pres: "x x R/R", npa: 'O', chk: digits(2, 2)},
	{name: "mcc", pres: "R/R R/R R/R", npa: 'O', chk: digits(4, 4)},
	{name: "merchantCountryCode", pres: "R/R R/R R/R", npa: 'O', chk: country},
	{name: "merchantName", pres: "R/R R/R R/R", npa: 'O', chk: length(1, 40)},

	{name: "purchaseAmount", pres: "R/- R/R R/R", npa: 'C', chk: digits(1, 48)},
	{name: "purchaseCurrency", pres: "R/- R/R R/R", npa: 'C', chk: digits(3, 3)},
	{name: "purchaseExponent", pres: "R/- R/R R/R", npa: 'C', chk: digits(1, 1)},
	{name: "purchaseDate", pres: "R/- R/R R/R", npa: 'C', chk: date("20060102150405")},
	{name: "purchaseInstalData", pres: "C/- C/C C/C", cond: instalmentCond, chk: numberIn(3, 2, 999)},
	{name: "recurringExpiry", pres: "C/- C/C O/O", cond: recurringCond, chk: date("20060102")},
	{name: "recurringFrequency", pres: "C/- C/C C/C", cond: recurringCond, chk: digits(1, 4)},
	{name: "recurringAmount", pres: "x x C/C", chk: digits(1, 48)},
	{name: "recurringCurrency", pres: "x x C/C", chk: digits(3, 3)},
	{name: "recurringExponent", pres: "x x C/C", chk: digits(1, 1)},
	{name: "recurringDate", pres: "x x C/C", chk: date("20060102")},
	{name: "recurringInd", pres: "x x C/C", kind: kObject},
	{name: "transType", pres: "O/- O/O O/O", chk: oneOf("01", "03", "10", "11", "28")},

	{name: "browserAcceptHeader", pres: "R/- R/- R/-", chk: length(1, 2048)},
	{name: "browserUserAgent", pres: "R/- R/- R/-", chk: length(1, 2048)},
	{name: "browserJavascriptEnabled", pres: "x R/- R/-", kind: kBool},
	{name: "browserJavaEnabled", pres: "R/- C/- C/-", cond: jsOn, kind: kBool},
	{name: "browserColorDepth", pres: "R/- C/- C/-", cond: jsOn, chk: oneOf("1", "4", "8", "15", "16", "24", "32", "48")},
	{name: "browserScreenHeight", pres: "R/- C/- C/-", cond: jsOn, chk: digits(1, 6)},
	{name: "browserScreenWidth", pres: "R/- C/- C/-", cond: jsOn, chk: digits(1, 6)},
	{name: "browserTZ", pres: "R/- C/- C/-", cond: jsOn, chk: browserTZ},
	// browserLanguage: 1–8 characters up to 2.2.0 (note §3); 2.3.1 takes
	// up to 35, the length of a full BCP 47 tag in its acceptLanguage.
	{name: "browserLanguage", pres: "R/- R/- C/-", cond: jsOn, chk: byVersion(length(1, 8), length(1, 8), length(1, 35))},
	{name: "browserIP", pres: "O/- O/- O/-", chk: ipAddr},
	{name: "acceptLanguage", pres: "x x R/-", kind: kStrings, chk: length(1, 35)},
	{name: "notificationURL", pres: "R/- R/- R/-", chk: webURL(256, V231)},
	{name: "threeDSCompInd", pres: "R/- R/- R/-", chk: oneOf("Y", "N", "U")},
	{name: "threeDSMethodId", pres: "x x O/-", chk: uuid},
	{name: "deviceId", pres: "x x O/-", chk: length(1, 64)},
	{name: "userId", pres: "x x O/-", chk: length(1, 64)},

	{name: "email", pres: "O/O O/O O/O", chk: length(1, 254)},
	{name: "cardholderName", pres: "O/O O/O O/O", chk: length(2, 45)},
	{name: "homePhone", pres: "O/O O/O O/O", kind: kObject},
	{name: "mobilePhone", pres: "O/O O/O O/O", kind: kObject},
	{name: "workPhone", pres: "O/O O/O O/O", kind: kObject},
	{name: "billAddrLine1", pres: "O/O O/O O/O", chk: addrLine},
	{name: "billAddrLine2", pres: "O/O O/O O/O", chk: addrLine},
	{name: "billAddrLine3", pres: "O/O O/O O/O", chk: addrLine},
	{name: "billAddrCity", pres: "O/O O/O O/O", chk: addrLine},
	{name: "billAddrPostCode", pres: "O/O O/O O/O", chk: length(1, 16)},
	{name: "billAddrState", pres: "O/O O/O O/O", chk: length(1, 3)},
	{name: "billAddrCountry", pres: "C/C C/C C/C", cond: present("billAddrState"), chk: country},
	{name: "shipAddrLine1", pres: "O/O O/O O/O", chk: addrLine},
	{name: "shipAddrLine2", pres: "O/O O/O O/O", chk: addrLine},
	{name: "shipAddrLine3", pres: "O/O O/O O/O", chk: addrLine},
	{name: "shipAddrCity", pres: "O/O O/O O/O", chk: addrLine},
	{name: "shipAddrPostCode", pres: "O/O O/O O/O", chk: length(1, 16)},
	{name: "shipAddrState", pres: "O/O O/O O/O", chk: length(1, 3)},
	{name: "shipAddrCountry", pres: "C/C C/C C/C", cond: present("shipAddrState"), chk: country},
	{name: "addrMatch", pres: "O/- O/- O/-", chk: oneOf("Y", "N")},
	{name: "acctID", pres: "O/O O/O O/O", chk: length(1, 64)},
	{name: "acctType", pres: "O/O O/O O/O", chk: oneOf("01", "02", "03")},
	{name: "acctInfo", pres: "O/O O/O O/O", kind: kObject},
	{name: "merchantRiskIndicator", pres: "O/O O/O O/O", kind: kObject},
	{name: "payTokenInd", pres: "O/O O/O O/O", kind: kTrue},
	{name: "payTokenSource", pres: "x C/C C/C", cond: equals("payTokenInd", "true"), chk: oneOf("01", "02")},
	{name: "payTokenInfo", pres: "x x O/O", kind: kObject},
	{name: "whiteListStatus", pres: "x O/O x", chk: oneOf("Y", "N")},
	{name: "whiteListStatusSource", pres: "x C/C x", cond: present("whiteListStatus"), chk: oneOf("01", "02", "03")},
	{name: "trustListStatus", pres: "x x O/O", chk: oneOf("Y", "N")},
	{name: "trustListStatusSource", pres: "x x C/C", cond: present("trustListStatus"), chk: oneOf("01", "02", "03")},
	{name: "threeDSRequestorSpcSupport", pres: "x x O/-", chk: oneOf("Y")},
	{name: "payeeOrigin", pres: "x x C/-", cond: equals("threeDSRequestorSpcSupport", "Y"), chk: webURL(2048, V210)},
	{name: "spcIncompInd", pres: "x x O/-", chk: codes(1, 3)},
	// 2.3.1 additions the ACS does not read: shape and a bound only.
	{name: "broadInfo", pres: "x x O/O", kind: kObject},
	{name: "cardSecurityCode", pres: "x x O/O", chk: length(1, 64)},
	{name: "cardSecurityCodeStatus", pres: "x x O/O", chk: length(1, 64)},
	{name: "cardSecurityCodeStatusSource", pres: "x x O/O", chk: length(1, 64)},
	{name: "deviceBindingStatus", pres: "x x O/O", chk: length(1, 64)},
	{name: "deviceBindingStatusSource", pres: "x x O/O", chk: length(1, 64)},
	{name: "multiTransaction", pres: "x x O/O", kind: kObject},
	{name: "sellerInfo", pres: "x x O/O", kind: kObjects},
	{name: "taxId", pres: "x x O/O", chk: length(1, 64)},
	{name: "messageExtension", pres: "O/O O/O O/O", kind: kExtensions},
}

// browserTZ: minutes from UTC, ^[+-]?[0-9]{1,4}$ (note §3).
func browserTZ(s, v string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	return len(s) >= 1 && len(s) <= 4 && allDigits(s)
}

var (
	areqFold  map[string]string // lower-cased name → name, of every field
	areqIndex map[string][]int  // JSON name → AReq struct field index
)

func init() {
	names := make([]string, 0, len(areqFields))
	for _, f := range areqFields {
		names = append(names, f.name)
		if err := f.parse(); err != nil {
			panic(err)
		}
	}
	areqFold = foldIndex(names)
	areqIndex = jsonIndex(reflect.TypeFor[AReq]())
}

// parse fills f.p from f.pres, so a typo in the table stops the program
// at start rather than passing a field silently.
func (f *field) parse() error {
	vs := strings.Fields(f.pres)
	if len(vs) != len(Versions) {
		return fmt.Errorf("emv3ds: field %s: presence %q: want one per version", f.name, f.pres)
	}
	for i, s := range vs {
		if s == "x" {
			f.p[i] = [2]byte{'x', 'x'}
			continue
		}
		if len(s) != 3 || s[1] != '/' || !strings.ContainsRune("RCO-", rune(s[0])) || !strings.ContainsRune("RCO-", rune(s[2])) {
			return fmt.Errorf("emv3ds: field %s: presence %q", f.name, s)
		}
		f.p[i] = [2]byte{s[0], s[2]}
	}
	needsCheck := f.kind == kString || f.kind == kStrings || f.kind == kStrOrList
	if needsCheck != (f.chk != nil) {
		return fmt.Errorf("emv3ds: field %s: a string field needs a check, others none", f.name)
	}
	return nil
}

// jsonIndex maps the JSON names of t's fields to their index.
func jsonIndex(t reflect.Type) map[string][]int {
	m := map[string][]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = t.Field(i).Index
		}
	}
	return m
}
