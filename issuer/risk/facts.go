package risk

import "time"

// Facts are everything a decision looks at: this transaction and device,
// and the history of the card, device, address and merchant. A zero field
// means unknown.
//
// Each decision stores its Facts as JSON (the tags are a stored format:
// add fields, never rename them), so `issuer risk replay` can run another
// configuration over the decisions already made.
type Facts struct {
	Now          time.Time `json:"now"`
	Amount       int64     `json:"amount"` // minor units
	Currency     string    `json:"currency"`
	MerchantName string    `json:"merchant_name,omitempty"`

	// CardCountry is where the card was issued to (ISO 3166-1 alpha-2).
	CardCountry      string `json:"card_country,omitempty"`
	CredentialLocked bool   `json:"credential_locked,omitempty"`

	// HasDeviceID: the device has an id the issuer signed (the edge's
	// device cookie), presented or minted now.
	HasDeviceID bool `json:"has_device_id,omitempty"`
	// KnownDevice: this device id succeeded for this card before, and the
	// browser, platform, country and network still look like it then.
	KnownDevice bool `json:"known_device,omitempty"`
	// DeviceMismatch: the id is one the card succeeded from, but presented
	// with other signals (a replayed id); it is then not KnownDevice.
	DeviceMismatch bool `json:"device_mismatch,omitempty"`
	// DeviceRecognised: no known id, but the browser's fingerprint matches
	// one of the card's known devices (a purchase on another merchant site,
	// where the partitioned cookie is not sent, or a new browser profile).
	DeviceRecognised bool `json:"device_recognised,omitempty"`
	Webdriver        bool `json:"webdriver,omitempty"`
	// Headless: the user agent names a headless browser.
	Headless bool `json:"headless,omitempty"`
	// DeviceDataMissing: an EMV 3DS AReq said the issuer's 3DS Method did
	// not complete (threeDSCompInd N).
	DeviceDataMissing bool   `json:"device_data_missing,omitempty"`
	Timezone          string `json:"timezone,omitempty"`

	// IP is the client's address; velocity_ip counts its network (Network).
	IP        string `json:"ip,omitempty"`
	IPCountry string `json:"ip_country,omitempty"`

	// CardCount, DeviceCount and IPCount are the authentications started
	// (decided, whatever came of them) in the velocity windows for the
	// card, the device and the address's network; MerchantFailures the
	// merchant's authentications that ended N or R, all cards.
	CardCount        int `json:"card_count,omitempty"`
	DeviceCount      int `json:"device_count,omitempty"`
	IPCount          int `json:"ip_count,omitempty"`
	MerchantFailures int `json:"merchant_failures,omitempty"`
	// CountCap is where DeviceCount, IPCount and MerchantFailures stopped
	// counting (Config.CountCap of the configuration that decided; 0 in
	// facts stored before it, which were counted to LegacyCountCap).
	CountCap int `json:"count_cap,omitempty"`
	// Failures are the card's authentications that ended N or R.
	Failures    int       `json:"failures,omitempty"`
	PrevCountry string    `json:"prev_country,omitempty"`
	PrevAt      time.Time `json:"prev_at,omitzero"`
	UsualMax    int64     `json:"usual_max,omitempty"`
	UsualCount  int       `json:"usual_count,omitempty"`
	Watchlisted bool      `json:"watchlisted,omitempty"`

	// FraudReported: the cardholder said "this was not me" of one of the
	// card's authentications recently.
	FraudReported bool `json:"fraud_reported,omitempty"`
	// DenylistedDevice, DenylistedAddress and DenylistedMerchant: a fraud
	// report (of any card) named this device, network or merchant.
	DenylistedDevice   bool `json:"denylisted_device,omitempty"`
	DenylistedAddress  bool `json:"denylisted_address,omitempty"`
	DenylistedMerchant bool `json:"denylisted_merchant,omitempty"`

	// Provider is the third party's score, 0 (safe) to 100 (fraud); nil
	// when it was not asked or did not answer in time.
	Provider *int `json:"provider,omitempty"`
}
