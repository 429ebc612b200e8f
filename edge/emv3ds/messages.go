package emv3ds

import "encoding/json"

// Protocol versions this ACS speaks (note §9): every message of a
// transaction carries the AReq's version.
const (
	V210 = "2.1.0"
	V220 = "2.2.0"
	V231 = "2.3.1"
)

// Versions is the ACS's protocol range, lowest first: what `issuer ranges
// export` gives the DS as acsStartProtocolVersion and acsEndProtocolVersion.
var Versions = []string{V210, V220, V231}

// SupportedVersion reports whether v is one of Versions.
func SupportedVersion(v string) bool {
	for _, s := range Versions {
		if s == v {
			return true
		}
	}
	return false
}

// Message types.
const (
	TypeAReq = "AReq"
	TypeARes = "ARes"
	TypeCReq = "CReq"
	TypeCRes = "CRes"
	TypeRReq = "RReq"
	TypeRRes = "RRes"
	TypeErro = "Erro"
)

// Device channels and message categories (note §3).
const (
	ChannelApp     = "01"
	ChannelBrowser = "02"
	Channel3RI     = "03"

	CategoryPayment    = "01"
	CategoryNonPayment = "02"
)

// transStatus values (note §4.1).
const (
	StatusY = "Y" // authenticated
	StatusN = "N" // not authenticated
	StatusU = "U" // could not be performed
	StatusA = "A" // attempts processing
	StatusC = "C" // challenge required
	StatusR = "R" // rejected
)

// transStatusReason values the ACS sets (note §4.2).
const (
	ReasonAuthFailed        = "01" // card authentication failed
	ReasonUnknownDevice     = "02"
	ReasonFrequency         = "04" // exceeds authentication frequency limit
	ReasonExpiredCard       = "05"
	ReasonInvalidCard       = "06" // invalid card number
	ReasonInvalidTx         = "07"
	ReasonNoCardRecord      = "08"
	ReasonSecurityFailure   = "09"
	ReasonStolenCard        = "10"
	ReasonSuspectedFraud    = "11"
	ReasonNotPermitted      = "12" // transaction not permitted to cardholder
	ReasonNotEnrolled       = "13" // cardholder not enrolled in service
	ReasonTimedOut          = "14" // transaction timed out at the ACS
	ReasonMaxChallenges     = "19" // exceeds ACS maximum challenges
	ReasonNonPaymentNotSupp = "20"
	Reason3RINotSupported   = "21"
	ReasonTechnical         = "22" // ACS technical issue (2.2.0+)
	ReasonNotPerformed      = "26" // attempted, not performed by the cardholder (2.2.0+)
)

// challengeCancel values the ACS sets in the RReq (note §6).
const (
	CancelByCardholder = "01"
	CancelTimedOut     = "04" // challenge timed out at the ACS (other)
	CancelNoCReq       = "05" // first CReq not received by the ACS
	CancelTxError      = "06"
	CancelUnknown      = "07"
)

// ECI values for JCB J/Secure 2.0 (note §4.3; the same for Visa, Amex and
// Discover, not for Mastercard).
const (
	ECIAuthenticated    = "05"
	ECIAttempted        = "06"
	ECINotAuthenticated = "07"
)

// authenticationType values (ARes on C, RReq on Y/N; 2.1.0 and 2.2.0).
const (
	AuthStatic  = "01" // static passcode
	AuthDynamic = "02" // one-time code
	AuthOOB     = "03" // out of band
)

// authenticationMethod values (2.3.1, ARes and RReq): the array that
// replaces authenticationType.
const (
	MethodStaticPasscode = "01"
	MethodSMSOTP         = "02"
	MethodTokenOTP       = "03" // key fob or EMV card reader OTP
	MethodAppOTP         = "04"
	MethodOtherOTP       = "05" // e.g. a code by email
)

// challengeWindowSize values of a browser CReq (note §5), width × height in
// CSS pixels; "05" is the full window.
var WindowSizes = map[string][2]int{
	"01": {250, 400},
	"02": {390, 400},
	"03": {500, 600},
	"04": {600, 400},
	"05": {0, 0},
}

// Erro codes (note §8).
const (
	ErrInvalidMessage     = "101"
	ErrVersion            = "102"
	ErrRequiredMissing    = "201"
	ErrCriticalExtension  = "202"
	ErrFormat             = "203"
	ErrDuplicate          = "204"
	ErrReservedValue      = "207" // 2.3.1: a value in a reserved range not recognised
	ErrTransactionUnknown = "301"
	ErrInvalidEndpoint    = "303"
	ErrISOCode            = "304"
	ErrTransactionData    = "305"
	ErrTimedOut           = "402"
	ErrTransient          = "403"
	ErrPermanent          = "404"
	ErrConnection         = "405"
)

// ComponentACS is errorComponent A: the ACS found the error.
const ComponentACS = "A"

// Erro is the error message (note §8). As a Go error it is a refusal the
// ACS sends instead of the message it could not make.
type Erro struct {
	MessageType          string `json:"messageType"`
	MessageVersion       string `json:"messageVersion"`
	ThreeDSServerTransID string `json:"threeDSServerTransID,omitempty"`
	ACSTransID           string `json:"acsTransID,omitempty"`
	DSTransID            string `json:"dsTransID,omitempty"`
	ErrorCode            string `json:"errorCode"`
	ErrorComponent       string `json:"errorComponent"`
	ErrorDescription     string `json:"errorDescription"`
	ErrorDetail          string `json:"errorDetail"`
	ErrorMessageType     string `json:"errorMessageType,omitempty"`
}

func (e *Erro) Error() string {
	return "emv3ds: Erro " + e.ErrorCode + ": " + e.ErrorDescription + ": " + e.ErrorDetail
}

// MessageExtension is one element of messageExtension (note §10).
type MessageExtension struct {
	Name                 string          `json:"name"`
	ID                   string          `json:"id"`
	CriticalityIndicator bool            `json:"criticalityIndicator"`
	Data                 json.RawMessage `json:"data"`
}

// AReq is the authentication request the DS forwards (note §3), with the
// fields this ACS reads; ParseAReq has checked every field of its table
// (fields.go), stored here or not. Optional fields absent are "" (nil for
// booleans and lists). Raw keeps the message as it came, for the record.
type AReq struct {
	MessageType                       string `json:"messageType,omitempty"`
	MessageVersion                    string `json:"messageVersion,omitempty"`
	MessageCategory                   string `json:"messageCategory,omitempty"`
	DeviceChannel                     string `json:"deviceChannel,omitempty"`
	ThreeDSServerTransID              string `json:"threeDSServerTransID,omitempty"`
	DSTransID                         string `json:"dsTransID,omitempty"`
	DSReferenceNumber                 string `json:"dsReferenceNumber,omitempty"`
	DSURL                             string `json:"dsURL,omitempty"`
	ThreeDSServerRefNumber            string `json:"threeDSServerRefNumber,omitempty"`
	ThreeDSServerOperatorID           string `json:"threeDSServerOperatorID,omitempty"`
	ThreeDSServerURL                  string `json:"threeDSServerURL,omitempty"`
	ThreeDSRequestorID                string `json:"threeDSRequestorID,omitempty"`
	ThreeDSRequestorName              string `json:"threeDSRequestorName,omitempty"`
	ThreeDSRequestorURL               string `json:"threeDSRequestorURL,omitempty"`
	ThreeDSRequestorAuthenticationInd string `json:"threeDSRequestorAuthenticationInd,omitempty"`
	ThreeRIInd                        string `json:"threeRIInd,omitempty"`
	// ThreeDSRequestorChallengeInd is the requestor's preference; 2.3.1
	// sends an array, read here as its first element.
	ThreeDSRequestorChallengeInd string `json:"-"`
	ThreeDSRequestorDecReqInd    string `json:"threeDSRequestorDecReqInd,omitempty"`
	ThreeDSRequestorDecMaxTime   string `json:"threeDSRequestorDecMaxTime,omitempty"`

	AcctNumber                string `json:"acctNumber,omitempty"`
	CardExpiryDate            string `json:"cardExpiryDate,omitempty"`
	AcquirerBIN               string `json:"acquirerBIN,omitempty"`
	AcquirerMerchantID        string `json:"acquirerMerchantID,omitempty"`
	AcquirerCountryCode       string `json:"acquirerCountryCode,omitempty"`
	AcquirerCountryCodeSource string `json:"acquirerCountryCodeSource,omitempty"`
	MCC                       string `json:"mcc,omitempty"`
	MerchantCountryCode       string `json:"merchantCountryCode,omitempty"`
	MerchantName              string `json:"merchantName,omitempty"`

	PurchaseAmount     string `json:"purchaseAmount,omitempty"`
	PurchaseCurrency   string `json:"purchaseCurrency,omitempty"`
	PurchaseExponent   string `json:"purchaseExponent,omitempty"`
	PurchaseDate       string `json:"purchaseDate,omitempty"`
	PurchaseInstalData string `json:"purchaseInstalData,omitempty"`
	RecurringExpiry    string `json:"recurringExpiry,omitempty"`
	RecurringFrequency string `json:"recurringFrequency,omitempty"`
	TransType          string `json:"transType,omitempty"`

	BrowserAcceptHeader      string   `json:"browserAcceptHeader,omitempty"`
	BrowserUserAgent         string   `json:"browserUserAgent,omitempty"`
	BrowserIP                string   `json:"browserIP,omitempty"`
	BrowserLanguage          string   `json:"browserLanguage,omitempty"`
	BrowserJavaEnabled       *bool    `json:"browserJavaEnabled,omitempty"`
	BrowserJavascriptEnabled *bool    `json:"browserJavascriptEnabled,omitempty"`
	BrowserColorDepth        string   `json:"browserColorDepth,omitempty"`
	BrowserScreenHeight      string   `json:"browserScreenHeight,omitempty"`
	BrowserScreenWidth       string   `json:"browserScreenWidth,omitempty"`
	BrowserTZ                string   `json:"browserTZ,omitempty"`
	AcceptLanguage           []string `json:"acceptLanguage,omitempty"`

	NotificationURL string `json:"notificationURL,omitempty"`
	ThreeDSCompInd  string `json:"threeDSCompInd,omitempty"`
	ThreeDSMethodID string `json:"threeDSMethodId,omitempty"`

	Email          string `json:"email,omitempty"`
	CardholderName string `json:"cardholderName,omitempty"`

	MessageExtension []MessageExtension `json:"messageExtension,omitempty"`

	// Raw is the body ParseAReq read, byte for byte.
	Raw json.RawMessage `json:"-"`
}

// Browser reports whether the AReq is of the browser channel.
func (a *AReq) Browser() bool { return a.DeviceChannel == ChannelBrowser }

// Payment reports whether the AReq is a payment authentication (01).
func (a *AReq) Payment() bool { return a.MessageCategory == CategoryPayment }

// ARes is the ACS's answer to an AReq (note §4). Version-dependent fields
// are set by the ACS according to MessageVersion: AuthenticationType up to
// 2.2.0, AuthenticationMethod from 2.3.1; CardholderInfo is a string up to
// 2.2.0 and an object in 2.3.1 (CardholderInfoObject).
type ARes struct {
	MessageType          string   `json:"messageType"`
	MessageVersion       string   `json:"messageVersion"`
	ThreeDSServerTransID string   `json:"threeDSServerTransID"`
	DSTransID            string   `json:"dsTransID,omitempty"`
	ACSTransID           string   `json:"acsTransID"`
	ACSReferenceNumber   string   `json:"acsReferenceNumber"`
	ACSOperatorID        string   `json:"acsOperatorID,omitempty"`
	DSReferenceNumber    string   `json:"dsReferenceNumber,omitempty"`
	TransStatus          string   `json:"transStatus,omitempty"`
	TransStatusReason    string   `json:"transStatusReason,omitempty"`
	ACSChallengeMandated string   `json:"acsChallengeMandated,omitempty"`
	AuthenticationType   string   `json:"authenticationType,omitempty"`
	AuthenticationMethod []string `json:"authenticationMethod,omitempty"`
	ACSURL               string   `json:"acsURL,omitempty"`
	AuthenticationValue  string   `json:"authenticationValue,omitempty"`
	ECI                  string   `json:"eci,omitempty"`
	// CardholderInfo is a string (≤128) up to 2.2.0, an object in 2.3.1.
	CardholderInfo        any    `json:"cardholderInfo,omitempty"`
	TransStatusReasonInfo string `json:"transStatusReasonInfo,omitempty"`
}

// CardholderInfoObject is 2.3.1's cardholderInfo.
type CardholderInfoObject struct {
	Text string `json:"text"`
}

// CReq is the browser challenge request (note §5), decoded from the creq
// form field.
type CReq struct {
	MessageType          string             `json:"messageType"`
	MessageVersion       string             `json:"messageVersion"`
	ThreeDSServerTransID string             `json:"threeDSServerTransID"`
	ACSTransID           string             `json:"acsTransID"`
	ChallengeWindowSize  string             `json:"challengeWindowSize"`
	MessageExtension     []MessageExtension `json:"messageExtension,omitempty"`
}

// CRes is the final challenge response the ACS's last page posts to the
// notificationURL (note §5): transStatus Y or N only.
type CRes struct {
	MessageType            string `json:"messageType"`
	MessageVersion         string `json:"messageVersion"`
	ThreeDSServerTransID   string `json:"threeDSServerTransID"`
	ACSTransID             string `json:"acsTransID"`
	ChallengeCompletionInd string `json:"challengeCompletionInd"`
	TransStatus            string `json:"transStatus"`
}

// RReq is the results request the ACS sends the DS after a challenge
// (note §6).
type RReq struct {
	MessageType          string   `json:"messageType"`
	MessageVersion       string   `json:"messageVersion"`
	ThreeDSServerTransID string   `json:"threeDSServerTransID"`
	DSTransID            string   `json:"dsTransID,omitempty"`
	ACSTransID           string   `json:"acsTransID"`
	MessageCategory      string   `json:"messageCategory"`
	TransStatus          string   `json:"transStatus"`
	TransStatusReason    string   `json:"transStatusReason,omitempty"`
	AuthenticationType   string   `json:"authenticationType,omitempty"`
	AuthenticationMethod []string `json:"authenticationMethod,omitempty"`
	AuthenticationValue  string   `json:"authenticationValue,omitempty"`
	ECI                  string   `json:"eci,omitempty"`
	InteractionCounter   string   `json:"interactionCounter,omitempty"`
	ChallengeCancel      string   `json:"challengeCancel,omitempty"`
}

// RRes is the DS's answer to an RReq (note §6).
type RRes struct {
	MessageType          string `json:"messageType"`
	MessageVersion       string `json:"messageVersion"`
	ThreeDSServerTransID string `json:"threeDSServerTransID"`
	DSTransID            string `json:"dsTransID"`
	ACSTransID           string `json:"acsTransID"`
	ResultsStatus        string `json:"resultsStatus"`
}

// MethodData is the 3DS Method's threeDSMethodData (note §7): posted to the
// ACS with the notification URL, posted back to that URL with the
// transaction id alone.
type MethodData struct {
	ThreeDSServerTransID         string `json:"threeDSServerTransID"`
	ThreeDSMethodNotificationURL string `json:"threeDSMethodNotificationURL,omitempty"`
}
