package emv3ds

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// checkErro fails t unless e is a ready-to-send Erro of the code and
// detail given (detail "" skips the detail), with every field an Erro
// needs (note §8).
func checkErro(t *testing.T, e *Erro, typ, code, detail string) {
	t.Helper()
	if e == nil {
		t.Fatalf("accepted; want Erro %s %q", code, detail)
	}
	if e.ErrorCode != code || detail != "" && e.ErrorDetail != detail {
		t.Fatalf("Erro %s %q (%s); want %s %q", e.ErrorCode, e.ErrorDetail, e.ErrorDescription, code, detail)
	}
	checkErroShape(t, e, typ)
}

// checkErroShape: what every Erro the package builds carries.
func checkErroShape(t testing.TB, e *Erro, typ string) {
	t.Helper()
	if e.MessageType != "Erro" || !SupportedVersion(e.MessageVersion) || e.ErrorComponent != "A" ||
		e.ErrorCode == "" || e.ErrorDescription == "" || e.ErrorDetail == "" || e.ErrorMessageType != typ ||
		len(e.ErrorDescription) > 2048 || len(e.ErrorDetail) > 2048 {
		t.Fatalf("incomplete Erro: %+v", e)
	}
	for _, id := range []string{e.ThreeDSServerTransID, e.DSTransID, e.ACSTransID} {
		if id != "" && !isUUID(id) {
			t.Fatalf("Erro carries a malformed id %q", id)
		}
	}
}

// base220 is a browser payment AReq of 2.2.0 written out by hand, the
// base of the hand-written cases: each case edits it by literal text, so
// the expectations do not come from the field table they test.
const base220 = `{"messageType":"AReq","messageVersion":"2.2.0","messageCategory":"01","deviceChannel":"02",` +
	`"threeDSServerTransID":"0f1e2d3c-4b5a-4697-8877-66554433aa10","dsTransID":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",` +
	`"dsReferenceNumber":"DS_HONNIN_SIM_0001","threeDSServerRefNumber":"3DS_HONNIN_SERVER_0001",` +
	`"threeDSRequestorID":"REQ-JP-000123","threeDSRequestorName":"Kissa Hinoki","threeDSRequestorURL":"https://shop.example/",` +
	`"threeDSRequestorAuthenticationInd":"01","threeDSRequestorChallengeInd":"03",` +
	`"acctNumber":"3530111333300000","acquirerBIN":"35301100","acquirerMerchantID":"MID-7781-0042","mcc":"5814",` +
	`"merchantCountryCode":"392","merchantName":"Kissa Hinoki Online",` +
	`"purchaseAmount":"1280","purchaseCurrency":"392","purchaseExponent":"0","purchaseDate":"20250301093015",` +
	`"browserAcceptHeader":"text/html","browserUserAgent":"Mozilla/5.0","browserJavascriptEnabled":true,` +
	`"browserJavaEnabled":false,"browserColorDepth":"24","browserScreenHeight":"900","browserScreenWidth":"1440",` +
	`"browserTZ":"-540","browserLanguage":"ja-JP","browserIP":"203.0.113.7",` +
	`"notificationURL":"https://shop.example/3ds/notify","threeDSCompInd":"Y",` +
	`"acctInfo":{"chAccAgeInd":"05","chAccDate":"20190412"}}`

// base3RI is a 3RI recurring payment AReq of 2.2.0, by hand.
const base3RI = `{"messageType":"AReq","messageVersion":"2.2.0","messageCategory":"01","deviceChannel":"03",` +
	`"threeDSServerTransID":"9d8c7b6a-5f4e-4d3c-8b2a-190817263544","dsTransID":"11223344-5566-4778-8899-aabbccddeeff",` +
	`"dsReferenceNumber":"DS_HONNIN_SIM_0001","threeDSServerRefNumber":"3DS_HONNIN_SERVER_0001",` +
	`"threeDSRequestorID":"REQ-JP-000123","threeDSRequestorName":"Kissa Hinoki","threeDSRequestorURL":"https://shop.example/",` +
	`"threeRIInd":"01","acctNumber":"3530111333300000","acquirerBIN":"35301100","acquirerMerchantID":"MID-7781-0042",` +
	`"mcc":"5814","merchantCountryCode":"392","merchantName":"Kissa Hinoki Online",` +
	`"purchaseAmount":"980","purchaseCurrency":"392","purchaseExponent":"0","purchaseDate":"20250401000000",` +
	`"recurringExpiry":"20261231","recurringFrequency":"30"}`

// edit replaces each old with its new in s, failing when old is absent
// (a typo in a case must not turn it into a test of the base).
func edit(t *testing.T, s string, pairs ...string) string {
	t.Helper()
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("case edits %q, which the message lacks", pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

func TestAReqHandWritten(t *testing.T) {
	for _, tc := range []struct {
		name   string
		base   string
		edits  []string // old, new, ...
		code   string   // "" accepted
		detail string
		stamp  string // the Erro's messageVersion, when it matters
	}{
		{name: "base", base: base220},
		{name: "3RI base", base: base3RI},
		{name: "acctNumber missing", base: base220, edits: []string{`"acctNumber":"3530111333300000",`, ``},
			code: "201", detail: "acctNumber"},
		{name: "two missing, table order", base: base220,
			edits: []string{`"purchaseAmount":"1280",`, ``, `"acctNumber":"3530111333300000",`, ``},
			code:  "201", detail: "acctNumber, purchaseAmount"},
		{name: "missing before malformed", base: base220,
			edits: []string{`"acctNumber":"3530111333300000",`, ``, `"mcc":"5814"`, `"mcc":"58"`},
			code:  "201", detail: "acctNumber"},
		{name: "dsTransID required", base: base220, edits: []string{`"dsTransID":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",`, ``},
			code: "201", detail: "dsTransID"},
		{name: "acctNumber too short", base: base220, edits: []string{`"3530111333300000"`, `"353011133330"`},
			code: "203", detail: "acctNumber"},
		{name: "acctNumber 19 digits", base: base220, edits: []string{`"3530111333300000"`, `"3530111333300000123"`}},
		{name: "purchaseDate not a day", base: base220, edits: []string{`"20250301093015"`, `"20250230120000"`},
			code: "203", detail: "purchaseDate"},
		{name: "purchaseExponent two digits", base: base220, edits: []string{`"purchaseExponent":"0"`, `"purchaseExponent":"10"`},
			code: "203", detail: "purchaseExponent"},
		{name: "browserTZ five digits", base: base220, edits: []string{`"-540"`, `"+12345"`},
			code: "203", detail: "browserTZ"},
		{name: "browserTZ plus sign", base: base220, edits: []string{`"-540"`, `"+60"`}},
		{name: "browserColorDepth not in list", base: base220, edits: []string{`"browserColorDepth":"24"`, `"browserColorDepth":"23"`},
			code: "203", detail: "browserColorDepth"},
		{name: "browserJavaEnabled a string", base: base220, edits: []string{`"browserJavaEnabled":false`, `"browserJavaEnabled":"false"`},
			code: "203", detail: "browserJavaEnabled"},
		{name: "null is malformed", base: base220, edits: []string{`"browserIP":"203.0.113.7"`, `"browserIP":null`},
			code: "203", detail: "browserIP"},
		{name: "empty is malformed", base: base220, edits: []string{`"merchantName":"Kissa Hinoki Online"`, `"merchantName":""`},
			code: "203", detail: "merchantName"},
		{name: "browserIP v6", base: base220, edits: []string{`"203.0.113.7"`, `"2001:db8::7"`}},
		{name: "browserIP with zone", base: base220, edits: []string{`"203.0.113.7"`, `"fe80::1%eth0"`},
			code: "203", detail: "browserIP"},
		{name: "JavaScript off: screen fields optional", base: base220,
			edits: []string{`"browserJavascriptEnabled":true`, `"browserJavascriptEnabled":false`,
				`"browserJavaEnabled":false,"browserColorDepth":"24","browserScreenHeight":"900","browserScreenWidth":"1440","browserTZ":"-540",`, ``}},
		{name: "JavaScript on: screen fields required", base: base220,
			edits: []string{`"browserColorDepth":"24","browserScreenHeight":"900",`, ``},
			code:  "201", detail: "browserColorDepth, browserScreenHeight"},
		{name: "2.1.0 needs browserJavaEnabled", base: base220,
			edits: []string{`"2.2.0"`, `"2.1.0"`, `"browserJavaEnabled":false,`, ``},
			code:  "201", detail: "browserJavaEnabled"},
		{name: "2.1.0 ignores 2.2.0's fields", base: base220,
			edits: []string{`"2.2.0"`, `"2.1.0"`, `"browserJavascriptEnabled":true`, `"browserJavascriptEnabled":"yes","acceptLanguage":5`}},
		{name: "notificationURL required for browser", base: base220,
			edits: []string{`"notificationURL":"https://shop.example/3ds/notify",`, ``},
			code:  "201", detail: "notificationURL"},
		{name: "notificationURL http in 2.2.0", base: base220, edits: []string{`"https://shop.example/3ds/notify"`, `"http://shop.example/3ds/notify"`}},
		{name: "notificationURL not a URL", base: base220, edits: []string{`"https://shop.example/3ds/notify"`, `"shop.example/notify"`},
			code: "203", detail: "notificationURL"},
		{name: "notificationURL over 256", base: base220,
			edits: []string{`"https://shop.example/3ds/notify"`, `"https://shop.example/` + strings.Repeat("n", 240) + `"`},
			code:  "203", detail: "notificationURL"},
		{name: "non-payment: merchant optional", base: base220,
			edits: []string{`"messageCategory":"01"`, `"messageCategory":"02"`, `"mcc":"5814",`, ``, `"merchantName":"Kissa Hinoki Online",`, ``,
				`"purchaseAmount":"1280",`, ``}},
		{name: "non-payment recurring needs purchase and recurrence", base: base220,
			edits: []string{`"messageCategory":"01"`, `"messageCategory":"02"`, `"threeDSRequestorAuthenticationInd":"01"`,
				`"threeDSRequestorAuthenticationInd":"02"`, `"purchaseAmount":"1280",`, ``},
			code: "201", detail: "purchaseAmount, recurringExpiry, recurringFrequency"},
		{name: "instalment needs purchaseInstalData", base: base220,
			edits: []string{`"threeDSRequestorAuthenticationInd":"01"`, `"threeDSRequestorAuthenticationInd":"03","recurringExpiry":"20261231","recurringFrequency":"30"`},
			code:  "201", detail: "purchaseInstalData"},
		{name: "purchaseInstalData 1", base: base220,
			edits: []string{`"threeDSRequestorAuthenticationInd":"01"`, `"threeDSRequestorAuthenticationInd":"03","recurringExpiry":"20261231","recurringFrequency":"30","purchaseInstalData":"1"`},
			code:  "203", detail: "purchaseInstalData"},
		{name: "authenticationInd 07 is 2.3.1's", base: base220, edits: []string{`"threeDSRequestorAuthenticationInd":"01"`, `"threeDSRequestorAuthenticationInd":"07"`},
			code: "203", detail: "threeDSRequestorAuthenticationInd"},
		{name: "challengeInd list in 2.2.0", base: base220, edits: []string{`"threeDSRequestorChallengeInd":"03"`, `"threeDSRequestorChallengeInd":["03"]`},
			code: "203", detail: "threeDSRequestorChallengeInd"},
		{name: "3RI needs threeRIInd", base: base3RI, edits: []string{`"threeRIInd":"01",`, ``},
			code: "201", detail: "threeRIInd"},
		{name: "3RI recurring needs recurringExpiry", base: base3RI, edits: []string{`"recurringExpiry":"20261231",`, ``},
			code: "201", detail: "recurringExpiry"},
		{name: "3RI threeRIInd 12 is 2.3.1's", base: base3RI, edits: []string{`"threeRIInd":"01"`, `"threeRIInd":"12"`},
			code: "203", detail: "threeRIInd"},
		{name: "3RI 2.1.0 purchase optional", base: base3RI, edits: []string{`"2.2.0"`, `"2.1.0"`, `"purchaseAmount":"980",`, ``}},
		{name: "messageType ARes", base: base220, edits: []string{`"messageType":"AReq"`, `"messageType":"ARes"`},
			code: "101", detail: "messageType"},
		{name: "messageType missing", base: base220, edits: []string{`"messageType":"AReq",`, ``},
			code: "101", detail: "messageType"},
		{name: "messageType upper-cased key", base: base220, edits: []string{`"messageType":"AReq"`, `"MESSAGETYPE":"AReq"`},
			code: "101", detail: "messageType"},
		{name: "extra upper-cased key", base: base220, edits: []string{`"messageType":"AReq"`, `"messageType":"AReq","MESSAGETYPE":"AReq"`},
			code: "203", detail: "MESSAGETYPE"},
		{name: "case variant", base: base220, edits: []string{`"threeDSServerTransID"`, `"threeDSServerTransId"`},
			code: "203", detail: "threeDSServerTransId"},
		{name: "case variant by Kelvin sign", base: base220, edits: []string{`"mcc":"5814"`, `"mcc":"5814","payTo\u212aenInd":true`},
			code: "203", detail: "payTo\u212aenInd"},
		{name: "case variant by long s", base: base220, edits: []string{`"dsReferenceNumber"`, `"d\u017fReferenceNumber":"x","dsReferenceNumber"`},
			code: "203", detail: "d\u017fReferenceNumber"},
		{name: "full-width key is another key", base: base220, edits: []string{`"mcc":"5814"`, `"mcc":"5814","\uff4d\uff43\uff43":1`}},
		{name: "duplicate key", base: base220, edits: []string{`"mcc":"5814"`, `"mcc":"5814","mcc":"5814"`},
			code: "204", detail: "mcc"},
		{name: "duplicate of an unknown key", base: base220, edits: []string{`"mcc":"5814"`, `"mcc":"5814","x":1,"x":1`},
			code: "204", detail: "x"},
		{name: "duplicate nested key", base: base220, edits: []string{`"chAccAgeInd":"05"`, `"chAccAgeInd":"05","chAccAgeInd":"04"`},
			code: "204", detail: "acctInfo.chAccAgeInd"},
		{name: "duplicate escaped key", base: base220, edits: []string{`"mcc":"5814"`, `"mcc":"5814","\u006dcc":"5814"`},
			code: "204", detail: "mcc"},
		{name: "unknown key ignored", base: base220, edits: []string{`"mcc":"5814"`, `"mcc":"5814","futureField":{"a":[1,2]}`}},
		{name: "version 2.4.0", base: base220, edits: []string{`"2.2.0"`, `"2.4.0"`},
			code: "102", detail: "messageVersion", stamp: "2.3.1"},
		{name: "version 2.2.1", base: base220, edits: []string{`"2.2.0"`, `"2.2.1"`},
			code: "102", detail: "messageVersion", stamp: "2.2.0"},
		{name: "version 1.0.2", base: base220, edits: []string{`"2.2.0"`, `"1.0.2"`},
			code: "102", detail: "messageVersion", stamp: "2.1.0"},
		{name: "version a number", base: base220, edits: []string{`"2.2.0"`, `2.2`},
			code: "102", detail: "messageVersion", stamp: "2.2.0"},
		{name: "app channel", base: base220, edits: []string{`"deviceChannel":"02"`, `"deviceChannel":"01"`},
			code: "305"},
		{name: "DS channel 2.2.0", base: base220, edits: []string{`"deviceChannel":"02"`, `"deviceChannel":"85"`},
			code: "305"},
		{name: "DS channel 2.3.1", base: base220, edits: []string{`"2.2.0"`, `"2.3.1"`, `"deviceChannel":"02"`, `"deviceChannel":"85"`},
			code: "207"},
		{name: "channel 04", base: base220, edits: []string{`"deviceChannel":"02"`, `"deviceChannel":"04"`},
			code: "203", detail: "deviceChannel"},
		{name: "category 80", base: base220, edits: []string{`"messageCategory":"01"`, `"messageCategory":"80"`},
			code: "305"},
		{name: "channel and category missing", base: base220,
			edits: []string{`"messageCategory":"01",`, ``, `"deviceChannel":"02",`, ``},
			code:  "201", detail: "deviceChannel, messageCategory"},
		{name: "non-critical extension ignored", base: base220, edits: []string{`"threeDSCompInd":"Y"`,
			`"threeDSCompInd":"Y","messageExtension":[{"name":"n","id":"A000000065-x","criticalityIndicator":false,"data":{"k":"v"}}]`}},
		{name: "critical extension refused", base: base220, edits: []string{`"threeDSCompInd":"Y"`,
			`"threeDSCompInd":"Y","messageExtension":[{"name":"n","id":"A000000065-x","criticalityIndicator":false,"data":1},{"name":"m","id":"A000000065-crit","criticalityIndicator":true,"data":{}}]`},
			code: "202", detail: "A000000065-crit"},
		{name: "extension without criticalityIndicator", base: base220, edits: []string{`"threeDSCompInd":"Y"`,
			`"threeDSCompInd":"Y","messageExtension":[{"name":"n","id":"A000000065-x","data":{}}]`},
			code: "203", detail: "messageExtension"},
		{name: "extension id over 64", base: base220, edits: []string{`"threeDSCompInd":"Y"`,
			`"threeDSCompInd":"Y","messageExtension":[{"name":"n","id":"` + strings.Repeat("i", 65) + `","criticalityIndicator":false,"data":{}}]`},
			code: "203", detail: "messageExtension"},
		{name: "eleven extensions in 2.2.0", base: base220, edits: []string{`"threeDSCompInd":"Y"`,
			`"threeDSCompInd":"Y","messageExtension":[` + strings.Repeat(`{"name":"n","id":"i","criticalityIndicator":false,"data":0},`, 10) +
				`{"name":"n","id":"i","criticalityIndicator":false,"data":0}]`},
			code: "203", detail: "messageExtension"},
		{name: "extension data over 8059 bytes", base: base220, edits: []string{`"threeDSCompInd":"Y"`,
			`"threeDSCompInd":"Y","messageExtension":[{"name":"n","id":"i","criticalityIndicator":false,"data":"` + strings.Repeat("d", 8058) + `"}]`},
			code: "203", detail: "messageExtension"},
		{name: "2.2.0 message labelled 2.3.1", base: base220, edits: []string{`"2.2.0"`, `"2.3.1"`},
			code: "201", detail: "acquirerCountryCode, acquirerCountryCodeSource, acceptLanguage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := edit(t, tc.base, tc.edits...)
			a, e := ParseAReq([]byte(body))
			if tc.code == "" {
				if e != nil {
					t.Fatalf("refused: %v", e)
				}
				if !bytes.Equal(a.Raw, []byte(body)) {
					t.Fatalf("Raw is not the body")
				}
				return
			}
			checkErro(t, e, "AReq", tc.code, tc.detail)
			if tc.stamp != "" && e.MessageVersion != tc.stamp {
				t.Fatalf("Erro stamped %s, want %s", e.MessageVersion, tc.stamp)
			}
		})
	}
}

// base231 is base220 made a valid 2.3.1 AReq by hand.
func base231(t *testing.T) string {
	return edit(t, base220, `"2.2.0"`, `"2.3.1"`, `"threeDSRequestorChallengeInd":"03"`, `"threeDSRequestorChallengeInd":["03","01"]`,
		`"mcc"`, `"acquirerCountryCode":"392","acquirerCountryCodeSource":"01","mcc"`,
		`"threeDSCompInd"`, `"acceptLanguage":["ja-JP","en"],"threeDSCompInd"`)
}

func TestAReq231(t *testing.T) {
	a, e := ParseAReq([]byte(base231(t)))
	if e != nil {
		t.Fatal(e)
	}
	if a.ThreeDSRequestorChallengeInd != "03" || !slices.Equal(a.AcceptLanguage, []string{"ja-JP", "en"}) || a.AcquirerCountryCode != "392" {
		t.Fatalf("2.3.1 fields not read: %q %q %q", a.ThreeDSRequestorChallengeInd, a.AcceptLanguage, a.AcquirerCountryCode)
	}
	for _, tc := range []struct {
		edits        []string
		code, detail string
	}{
		{[]string{`"https://shop.example/3ds/notify"`, `"http://shop.example/3ds/notify"`}, "203", "notificationURL"},
		{[]string{`"https://shop.example/3ds/notify"`, `"http://127.0.0.1:8080/3ds/notify"`}, "", ""},
		{[]string{`"https://shop.example/3ds/notify"`, `"http://localhost/3ds/notify"`}, "", ""},
		{[]string{`"https://shop.example/3ds/notify"`, `"http://[::1]:9000/n?x=1"`}, "", ""},
		{[]string{`"threeDSRequestorChallengeInd":["03","01"]`, `"threeDSRequestorChallengeInd":"03"`}, "203", "threeDSRequestorChallengeInd"},
		{[]string{`"threeDSRequestorChallengeInd":["03","01"]`, `"threeDSRequestorChallengeInd":["14"]`}, "", ""},
		{[]string{`"threeDSRequestorChallengeInd":["03","01"]`, `"threeDSRequestorChallengeInd":["15"]`}, "203", "threeDSRequestorChallengeInd"},
		{[]string{`"threeDSRequestorChallengeInd":["03","01"]`, `"threeDSRequestorChallengeInd":[]`}, "203", "threeDSRequestorChallengeInd"},
		{[]string{`"threeDSRequestorAuthenticationInd":"01"`, `"threeDSRequestorAuthenticationInd":"10"`}, "", ""},
		{[]string{`"browserLanguage":"ja-JP"`, `"browserLanguage":"zh-Hant-TW"`}, "", ""},
		{[]string{`"acceptLanguage":["ja-JP","en"],`, ``}, "201", "acceptLanguage"},
		{[]string{`"acceptLanguage":["ja-JP","en"]`, `"acceptLanguage":"ja-JP"`}, "203", "acceptLanguage"},
		{[]string{`"browserJavascriptEnabled":true`, `"browserJavascriptEnabled":false`, `"browserLanguage":"ja-JP",`, ``}, "", ""},
		{[]string{`"browserLanguage":"ja-JP",`, ``}, "201", "browserLanguage"},
	} {
		body := edit(t, base231(t), tc.edits...)
		_, e := ParseAReq([]byte(body))
		if tc.code == "" {
			if e != nil {
				t.Errorf("%v: refused: %v", tc.edits, e)
			}
			continue
		}
		checkErro(t, e, "AReq", tc.code, tc.detail)
	}
	// browserLanguage of 10 characters is over 2.2.0's 8.
	_, e = ParseAReq([]byte(edit(t, base220, `"browserLanguage":"ja-JP"`, `"browserLanguage":"zh-Hant-TW"`)))
	checkErro(t, e, "AReq", "203", "browserLanguage")
}

func TestAReqNotAnObject(t *testing.T) {
	for _, body := range []string{
		``, `[]`, `"AReq"`, `null`, base220 + ` {}`, base220 + `x`, `{"messageType":"AReq"`,
		strings.Replace(base220, "Kissa Hinoki Online", "Kissa \xff", 1),
		strings.Replace(base220, `"mcc"`, `"m\xc0cc"`, 1),
	} {
		_, e := ParseAReq([]byte(body))
		checkErro(t, e, "AReq", "101", "")
	}
	_, e := ParseAReq(bytes.Repeat([]byte(" "), MaxAReqBody+1))
	checkErro(t, e, "AReq", "101", "")
	// The size bound is on the body: trailing spaces within it are JSON.
	b := []byte(base220 + strings.Repeat(" ", MaxAReqBody-len(base220)))
	if _, e := ParseAReq(b); e != nil {
		t.Fatalf("a body of exactly MaxAReqBody bytes refused: %v", e)
	}
}

func TestAReqErroIDs(t *testing.T) {
	_, e := ParseAReq([]byte(edit(t, base220, `"acctNumber":"3530111333300000",`, ``)))
	checkErro(t, e, "AReq", "201", "acctNumber")
	if e.ThreeDSServerTransID != "0f1e2d3c-4b5a-4697-8877-66554433aa10" || e.DSTransID != "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d" ||
		e.MessageVersion != "2.2.0" || e.ACSTransID != "" {
		t.Fatalf("Erro ids %+v", e)
	}
	_, e = ParseAReq([]byte(edit(t, base220, `"0f1e2d3c-4b5a-4697-8877-66554433aa10"`, `"0f1e2d3c"`)))
	checkErro(t, e, "AReq", "203", "threeDSServerTransID")
	if e.ThreeDSServerTransID != "" {
		t.Fatalf("malformed id copied into the Erro: %q", e.ThreeDSServerTransID)
	}
	// Encoded as the DS receives it.
	j, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"messageType":"Erro"`, `"errorCode":"203"`, `"errorComponent":"A"`, `"errorMessageType":"AReq"`, `"errorDetail":"threeDSServerTransID"`} {
		if !strings.Contains(string(j), want) {
			t.Errorf("Erro JSON %s lacks %s", j, want)
		}
	}
}

func TestAReqFill(t *testing.T) {
	a, e := ParseAReq([]byte(base220))
	if e != nil {
		t.Fatal(e)
	}
	if a.AcctNumber != "3530111333300000" || a.PurchaseAmount != "1280" || a.BrowserJavascriptEnabled == nil ||
		!*a.BrowserJavascriptEnabled || a.BrowserJavaEnabled == nil || *a.BrowserJavaEnabled || a.BrowserTZ != "-540" ||
		a.NotificationURL != "https://shop.example/3ds/notify" || a.ThreeDSRequestorChallengeInd != "03" || !a.Browser() || !a.Payment() {
		t.Fatalf("fields not filled: %+v", a)
	}
}

// testdata reads the AReqs of testdata/ by name.
func testdata(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/areq-*.json")
	if err != nil || len(files) < 5 {
		t.Fatalf("testdata: %v %v", files, err)
	}
	m := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m[strings.TrimSuffix(filepath.Base(f), ".json")] = b
	}
	return m
}

func TestAReqTestdata(t *testing.T) {
	for name, b := range testdata(t) {
		a, e := ParseAReq(b)
		if e != nil {
			t.Errorf("%s: %v", name, e)
			continue
		}
		v, ch, _ := strings.Cut(strings.TrimPrefix(name, "areq-"), "-")
		if a.MessageVersion != v || (ch == "brw") != a.Browser() || a.AcctNumber == "" || a.DSTransID == "" {
			t.Errorf("%s: read as %s channel %s", name, a.MessageVersion, a.DeviceChannel)
		}
	}
}

// message is an AReq as an ordered list of members, to edit by name.
type message []struct {
	k string
	v json.RawMessage
}

func parseMessage(t testing.TB, b []byte) message {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %v", err)
	}
	var m message
	for d.More() {
		k, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		m = append(m, struct {
			k string
			v json.RawMessage
		}{k.(string), v})
	}
	return m
}

func (m message) get(k string) (json.RawMessage, bool) {
	for _, kv := range m {
		if kv.k == k {
			return kv.v, true
		}
	}
	return nil, false
}

// with returns m with k set to v (appended when absent), without k when v
// is nil.
func (m message) with(k string, v string) message {
	out := make(message, 0, len(m)+1)
	found := false
	for _, kv := range m {
		if kv.k == k {
			found = true
			if v == "" {
				continue
			}
			kv.v = json.RawMessage(v)
		}
		out = append(out, kv)
	}
	if !found && v != "" {
		out = append(out, struct {
			k string
			v json.RawMessage
		}{k, json.RawMessage(v)})
	}
	return out
}

func (m message) bytes() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range m {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv.k)
		b.Write(k)
		b.WriteByte(':')
		b.Write(kv.v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// variants are the testdata AReqs and what the table's rules turn on: the
// non-payment form of each, the 2.2.0 3RI message as 2.1.0, browser
// messages with JavaScript off, a non-payment recurring browser message.
func variants(t testing.TB) map[string]message {
	t.Helper()
	out := map[string]message{}
	for name, b := range testdata(t) {
		m := parseMessage(t, b)
		out[name] = m
		out[name+" npa"] = m.with("messageCategory", `"02"`)
		if name == "areq-2.2.0-3ri" {
			out["areq-2.1.0-3ri (from 2.2.0)"] = m.with("messageVersion", `"2.1.0"`)
		}
		if _, ok := m.get("browserJavascriptEnabled"); ok {
			out[name+" js off"] = m.with("browserJavascriptEnabled", "false")
		}
		if strings.HasSuffix(name, "brw") {
			out[name+" npa recurring"] = m.with("messageCategory", `"02"`).with("threeDSRequestorAuthenticationInd", `"02"`).
				with("recurringExpiry", `"20271231"`).with("recurringFrequency", `"28"`)
		}
	}
	return out
}

// scalars are m's values as the table's conditions read them.
func scalars(m message) values {
	v := values{}
	for _, kv := range m {
		switch {
		case jsonKind(kv.v) == '"':
			v[kv.k], _ = jsonString(kv.v)
		case string(kv.v) == "true" || string(kv.v) == "false":
			v[kv.k] = string(kv.v)
		case jsonKind(kv.v) == '[':
			if l, ok := jsonStrings(kv.v); ok && len(l) > 0 {
				v[kv.k] = l[0]
			}
		}
	}
	return v
}

// TestAReqTableMissing removes each member of each variant in turn: the
// table says whether it was required (201 naming it alone) or not
// (accepted); messageType and messageVersion have their own codes.
func TestAReqTableMissing(t *testing.T) {
	n := 0
	for name, m := range variants(t) {
		if _, e := ParseAReq(m.bytes()); e != nil {
			t.Errorf("%s: refused: %v", name, e)
			continue
		}
		vals := scalars(m)
		vi := versionIndex(vals["messageVersion"])
		ch := brw
		if vals["deviceChannel"] == Channel3RI {
			ch = tri
		}
		for _, kv := range m {
			_, e := ParseAReq(m.with(kv.k, "").bytes())
			f := fieldByName(kv.k)
			switch {
			case kv.k == "messageType":
				checkErro(t, e, "AReq", "101", "messageType")
			case kv.k == "messageVersion":
				checkErro(t, e, "AReq", "102", "messageVersion")
			case f != nil && f.presence(vi, ch, vals["messageCategory"] == "02", vals) == 'R':
				n++
				if e == nil || e.ErrorCode != "201" || e.ErrorDetail != kv.k {
					t.Errorf("%s without %s: %v; want 201 %s", name, kv.k, e, kv.k)
				} else {
					checkErroShape(t, e, "AReq")
				}
			default:
				if e != nil {
					t.Errorf("%s without %s: %v; want accepted", name, kv.k, e)
				}
			}
		}
	}
	if n < 200 {
		t.Fatalf("only %d required fields removed: the variants cover too little", n)
	}
}

func fieldByName(name string) *field {
	for _, f := range areqFields {
		if f.name == name {
			return f
		}
	}
	return nil
}

// TestAReqTableMalformed sets each field of the table, in turn, to values
// no field takes in its kind — the wrong JSON type, null, "", a string of
// 3000 characters — in every variant: 203 naming it, unless the field is
// not of the message's version (ignored).
func TestAReqTableMalformed(t *testing.T) {
	long := `"` + strings.Repeat("9", 3000) + `"`
	n := 0
	for name, m := range variants(t) {
		vi := versionIndex(scalars(m)["messageVersion"])
		for _, f := range areqFields {
			var bad []string
			switch f.kind {
			case kString:
				bad = []string{`7`, `null`, `""`, long, `["01"]`, `{}`, `true`}
			case kStrings:
				bad = []string{`7`, `null`, `"ja"`, `[]`, `[` + long + `]`, `[7]`}
			case kStrOrList:
				bad = []string{`7`, `null`, `""`, `[""]`, long, `[` + long + `]`}
			case kBool:
				bad = []string{`"true"`, `1`, `null`, `[]`}
			case kTrue:
				bad = []string{`false`, `"true"`, `null`}
			case kObject:
				bad = []string{`"x"`, `[]`, `null`, `1`}
			case kObjects:
				bad = []string{`{}`, `[]`, `["x"]`, `null`}
			case kObjOrList:
				bad = []string{`"x"`, `null`, `1`, `[1]`}
			case kExtensions:
				bad = []string{`{}`, `[]`, `[{}]`, `null`, `[{"name":"n","id":"i","criticalityIndicator":"false","data":1}]`}
			}
			for _, b := range bad {
				_, e := ParseAReq(m.with(f.name, b).bytes())
				switch {
				case f.p[vi][brw] == 'x':
					if e != nil {
						t.Errorf("%s with %s of another version = %.40s: %v; want ignored", name, f.name, b, e)
					}
				case f.name == "messageType":
					checkErro(t, e, "AReq", "101", "messageType")
				case f.name == "messageVersion":
					checkErro(t, e, "AReq", "102", "messageVersion")
				default:
					n++
					if e == nil || e.ErrorCode != "203" || e.ErrorDetail != f.name {
						t.Errorf("%s with %s = %.40s: %v; want 203 %s", name, f.name, b, e, f.name)
					}
				}
			}
		}
	}
	if n < 2000 {
		t.Fatalf("only %d malformed values tried", n)
	}
}

// TestAReqTableNames: every name of the table is distinct, not a case
// variant of another, and stored in AReq when AReq has a field of it.
func TestAReqTableNames(t *testing.T) {
	seen := map[string]string{}
	for _, f := range areqFields {
		l := strings.ToLower(f.name)
		if other, ok := seen[l]; ok {
			t.Errorf("fields %s and %s differ only by case", other, f.name)
		}
		seen[l] = f.name
	}
	for name := range areqIndex {
		if fieldByName(name) == nil {
			t.Errorf("AReq has a field %s the table does not check", name)
		}
	}
}

func BenchmarkParseAReq(b *testing.B) {
	body := testdata(b)["areq-2.2.0-brw"]
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, e := ParseAReq(body); e != nil {
			b.Fatal(e)
		}
	}
}

// TestAReqRequiredByHand states, independently of the table, which
// members of each testdata AReq are required: removing one of them is a
// 201 naming it, removing any other member is accepted. A typo in the
// table's presence letters fails here even where the generated tests,
// which read the table, agree with it.
func TestAReqRequiredByHand(t *testing.T) {
	const (
		ids      = "messageType messageVersion messageCategory deviceChannel threeDSServerTransID dsTransID dsReferenceNumber threeDSServerRefNumber threeDSRequestorID threeDSRequestorName threeDSRequestorURL acctNumber "
		merchant = "acquirerBIN acquirerMerchantID mcc merchantCountryCode merchantName "
		acq231   = "acquirerCountryCode acquirerCountryCodeSource "
		purchase = "purchaseAmount purchaseCurrency purchaseExponent purchaseDate "
		screen   = "browserJavaEnabled browserColorDepth browserScreenHeight browserScreenWidth browserTZ "
	)
	for _, tc := range []struct {
		file, category string
		jsOff          bool
		required       string
	}{
		{file: "areq-2.1.0-brw", category: "01", required: ids + merchant + purchase + screen +
			"threeDSRequestorAuthenticationInd browserAcceptHeader browserUserAgent browserLanguage notificationURL threeDSCompInd billAddrCountry"},
		{file: "areq-2.1.0-brw", category: "02", required: ids + screen +
			"threeDSRequestorAuthenticationInd browserAcceptHeader browserUserAgent browserLanguage notificationURL threeDSCompInd billAddrCountry"},
		{file: "areq-2.2.0-brw", category: "01", required: ids + merchant + purchase + screen +
			"threeDSRequestorAuthenticationInd browserAcceptHeader browserUserAgent browserJavascriptEnabled browserLanguage notificationURL threeDSCompInd billAddrCountry payTokenSource"},
		{file: "areq-2.2.0-brw", category: "01", jsOff: true, required: ids + merchant + purchase +
			"threeDSRequestorAuthenticationInd browserAcceptHeader browserUserAgent browserJavascriptEnabled browserLanguage notificationURL threeDSCompInd billAddrCountry payTokenSource"},
		{file: "areq-2.2.0-brw", category: "02", required: ids + screen +
			"threeDSRequestorAuthenticationInd browserAcceptHeader browserUserAgent browserJavascriptEnabled browserLanguage notificationURL threeDSCompInd billAddrCountry payTokenSource"},
		{file: "areq-2.3.1-brw", category: "01", required: ids + merchant + acq231 + purchase + screen +
			"threeDSRequestorAuthenticationInd browserAcceptHeader browserUserAgent browserJavascriptEnabled browserLanguage acceptLanguage notificationURL threeDSCompInd billAddrCountry payTokenSource"},
		{file: "areq-2.3.1-brw", category: "01", jsOff: true, required: ids + merchant + acq231 + purchase +
			"threeDSRequestorAuthenticationInd browserAcceptHeader browserUserAgent browserJavascriptEnabled acceptLanguage notificationURL threeDSCompInd billAddrCountry payTokenSource"},
		{file: "areq-2.3.1-brw", category: "02", required: ids + screen +
			"threeDSRequestorAuthenticationInd browserAcceptHeader browserUserAgent browserJavascriptEnabled browserLanguage acceptLanguage notificationURL threeDSCompInd billAddrCountry payTokenSource"},
		{file: "areq-2.2.0-3ri", category: "01", required: ids + merchant + purchase + "threeRIInd recurringExpiry recurringFrequency"},
		{file: "areq-2.2.0-3ri", category: "02", required: ids + purchase + "threeRIInd recurringExpiry recurringFrequency"},
		{file: "areq-2.3.1-3ri", category: "01", required: ids + merchant + acq231 + purchase + "threeRIInd purchaseInstalData recurringFrequency"},
		{file: "areq-2.3.1-3ri", category: "02", required: ids + purchase + "threeRIInd purchaseInstalData recurringFrequency"},
	} {
		m := parseMessage(t, testdata(t)[tc.file]).with("messageCategory", `"`+tc.category+`"`)
		if tc.jsOff {
			m = m.with("browserJavascriptEnabled", "false")
		}
		required := strings.Fields(tc.required)
		for _, name := range required {
			if _, ok := m.get(name); !ok {
				t.Fatalf("%s lists %s, which the message lacks", tc.file, name)
			}
		}
		for _, kv := range m {
			_, e := ParseAReq(m.with(kv.k, "").bytes())
			switch {
			case kv.k == "messageType" || kv.k == "messageVersion":
				if e == nil {
					t.Errorf("%s %s without %s accepted", tc.file, tc.category, kv.k)
				}
			case slices.Contains(required, kv.k):
				if e == nil || e.ErrorCode != "201" || e.ErrorDetail != kv.k {
					t.Errorf("%s %s js off %v without %s: %v; want 201", tc.file, tc.category, tc.jsOff, kv.k, e)
				}
			case e != nil:
				t.Errorf("%s %s js off %v without %s: %v; want accepted", tc.file, tc.category, tc.jsOff, kv.k, e)
			}
		}
	}
}
