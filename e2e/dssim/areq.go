package dssim

import (
	"time"

	"github.com/honnin/honnin/edge/emv3ds"
)

// Purchase is what a 3DS Server knows of a purchase when it builds the
// AReq: the cart, the card, the requestor and, for the browser channel,
// the browser.
type Purchase struct {
	Version string // 2.1.0, 2.2.0 or 2.3.1
	// ThreeDSServerTransID is the 3DS Server's transaction id (fresh when
	// empty).
	ThreeDSServerTransID string
	Card                 string
	// Amount is in minor units (yen: exponent 0), Currency ISO 4217
	// numeric (392 yen).
	Amount, Currency, Exponent string
	Merchant                   string
	// RequestorURL is the merchant's site (threeDSRequestorURL).
	RequestorURL string
	// NotificationURL and CompInd are the browser channel's.
	NotificationURL, CompInd string
	// ChallengeInd is threeDSRequestorChallengeInd ("" for 01).
	ChallengeInd string
	// NonPayment makes it a non-payment authentication (messageCategory
	// 02) adding the card to a wallet: no purchase fields.
	NonPayment bool
	Browser    Browser
}

// Browser is what the requestor's page and its HTTP request tell of the
// cardholder's browser (note §3).
type Browser struct {
	AcceptHeader   string   `json:"acceptHeader"`
	UserAgent      string   `json:"userAgent"`
	IP             string   `json:"ip"`
	Language       string   `json:"language"`
	JavaEnabled    bool     `json:"javaEnabled"`
	ColorDepth     string   `json:"colorDepth"`
	ScreenHeight   string   `json:"screenHeight"`
	ScreenWidth    string   `json:"screenWidth"`
	TZ             string   `json:"tz"`
	AcceptLanguage []string `json:"acceptLanguage"`
}

// requestor's fixed facts, as a 3DS Server has them from its merchant's
// enrolment.
const (
	serverRefNumber = "3DS_LOA_SER_HONN_020300_00001"
	requestorID     = "HONNIN-DEMO-REQ-0001"
	acquirerBIN     = "400000"
	merchantID      = "DEMO-SHOP-0001"
	mcc             = "5499" // misc. food stores
	japan           = "392"
	yen             = "392"
)

// common is the part of every AReq this simulator's 3DS Server sends.
func (p Purchase) common(channel string) map[string]any {
	sti := p.ThreeDSServerTransID
	if sti == "" {
		sti = NewUUID()
	}
	merchant := p.Merchant
	if merchant == "" {
		merchant = "Demo Shop"
	}
	requestorURL := p.RequestorURL
	if requestorURL == "" {
		requestorURL = "http://localhost/"
	}
	m := map[string]any{
		"messageType":            emv3ds.TypeAReq,
		"messageVersion":         p.Version,
		"messageCategory":        emv3ds.CategoryPayment,
		"deviceChannel":          channel,
		"threeDSServerTransID":   sti,
		"threeDSServerRefNumber": serverRefNumber,
		"threeDSServerURL":       requestorURL,
		"threeDSRequestorID":     requestorID,
		"threeDSRequestorName":   merchant,
		"threeDSRequestorURL":    requestorURL,
		"acctNumber":             p.Card,
		"cardExpiryDate":         "3012",
		"acquirerBIN":            acquirerBIN,
		"acquirerMerchantID":     merchantID,
		"mcc":                    mcc,
		"merchantCountryCode":    japan,
		"merchantName":           merchant,
	}
	if p.Version == emv3ds.V231 {
		m["acquirerCountryCode"] = japan
		m["acquirerCountryCodeSource"] = "01"
	}
	return m
}

// purchase adds the purchase fields.
func (p Purchase) purchase(m map[string]any) {
	amount, currency, exponent := p.Amount, p.Currency, p.Exponent
	if currency == "" {
		currency = yen
	}
	if exponent == "" {
		exponent = "0"
	}
	m["purchaseAmount"] = amount
	m["purchaseCurrency"] = currency
	m["purchaseExponent"] = exponent
	m["purchaseDate"] = time.Now().UTC().Format("20060102150405")
	m["transType"] = "01"
}

// BrowserAReq is the AReq of a browser (02) payment (01), with the fields
// each version requires (note §3).
func BrowserAReq(p Purchase) map[string]any {
	m := p.common(emv3ds.ChannelBrowser)
	b := p.Browser
	m["threeDSRequestorAuthenticationInd"] = "01"
	if p.NonPayment {
		m["messageCategory"] = emv3ds.CategoryNonPayment
		m["threeDSRequestorAuthenticationInd"] = "04" // add card
	} else {
		p.purchase(m)
	}
	m["threeDSCompInd"] = p.CompInd
	m["notificationURL"] = p.NotificationURL
	m["browserAcceptHeader"] = b.AcceptHeader
	m["browserUserAgent"] = truncate(b.UserAgent, 2048)
	m["browserJavaEnabled"] = b.JavaEnabled
	m["browserColorDepth"] = b.ColorDepth
	m["browserScreenHeight"] = b.ScreenHeight
	m["browserScreenWidth"] = b.ScreenWidth
	m["browserTZ"] = b.TZ
	m["browserLanguage"] = b.Language
	if b.IP != "" {
		m["browserIP"] = b.IP
	}
	if p.Version != emv3ds.V210 {
		// 2.1.0 has no browserJavascriptEnabled (a script reads these
		// fields, so it is on).
		m["browserJavascriptEnabled"] = true
	}
	ind := p.ChallengeInd
	if ind == "" {
		ind = "01"
	}
	if p.Version == emv3ds.V231 {
		m["threeDSRequestorChallengeInd"] = []string{ind}
		if len(b.AcceptLanguage) > 0 {
			m["acceptLanguage"] = b.AcceptLanguage
		} else {
			m["acceptLanguage"] = []string{b.Language}
		}
	} else {
		m["threeDSRequestorChallengeInd"] = ind
	}
	return m
}

// ThreeRIAReq is a 3DS Requestor Initiated (03) AReq, sent with no
// cardholder present: in 2.1.0 an account verification (non-payment, no
// purchase fields: 2.1.0 has none for 3RI), from 2.2.0 an "other payment"
// (threeRIInd 11) of the amount.
func ThreeRIAReq(p Purchase) map[string]any {
	m := p.common(emv3ds.Channel3RI)
	if p.Version == emv3ds.V210 {
		m["messageCategory"] = emv3ds.CategoryNonPayment
		m["threeRIInd"] = "05"
		return m
	}
	m["threeRIInd"] = "11"
	p.purchase(m)
	return m
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
