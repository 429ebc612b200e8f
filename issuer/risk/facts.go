package risk

import "time"

// Facts are everything a decision looks at: this transaction and device,
// and the history of the card, device and IP. A zero field means unknown.
type Facts struct {
	Now          time.Time
	Amount       int64 // minor units
	Currency     string
	MerchantName string

	// CardCountry is where the card was issued to (ISO 3166-1 alpha-2).
	CardCountry      string
	CredentialLocked bool

	// HasDeviceID: the client sent a device id.
	HasDeviceID bool
	// KnownDevice: this device succeeded for this card before.
	KnownDevice bool
	Webdriver   bool
	// Headless: the user agent names a headless browser.
	Headless bool
	// DeviceDataMissing: an EMV 3DS AReq said the issuer's 3DS Method did
	// not complete (threeDSCompInd N).
	DeviceDataMissing bool
	Timezone          string

	IP        string
	IPCountry string

	CardCount, DeviceCount, IPCount int
	Failures                        int
	PrevCountry                     string
	PrevAt                          time.Time
	UsualMax                        int64
	UsualCount                      int
	Watchlisted                     bool

	// Provider is the third party's score, 0 (safe) to 100 (fraud); nil
	// when it was not asked or did not answer in time.
	Provider *int
}
