package contract

// The internal calls of the EMV 3-D Secure door (edge/emv3ds has the
// messages themselves). A Directory Server sends the AReq to the issuer;
// the cardholder's browser then posts the CReq and the 3DS Method's data
// to the edge, which asks the issuer with these calls. Their call tokens
// (typ honnin-edge+jwt, as for start) carry the path's id as subject.
const (
	// EMVChallengePath is the issuer's opening of the browser challenge of
	// EMV transaction {acsTransID} (EMVChallengeRequest,
	// EMVChallengeResponse): the edge calls it for each CReq posted to the
	// acsURL.
	EMVChallengePath = "/internal/v1/emv/challenges/{acsTransID}"
	// EMVMethodPath is where the edge hands the issuer the device data the
	// 3DS Method page collected for {threeDSServerTransID}
	// (EMVMethodRequest; the answer is 204 with no body). The AReq of that
	// transaction reads it.
	EMVMethodPath = "/internal/v1/emv/methods/{threeDSServerTransID}"
)

// EMVChallengeRequest is what the edge read from a CReq (already checked
// by emv3ds.ParseCReq): the issuer matches it against the transaction's
// ARes.
type EMVChallengeRequest struct {
	ThreeDSServerTransID string `json:"threeDSServerTransID"`
	MessageVersion       string `json:"messageVersion"`
	ChallengeWindowSize  string `json:"challengeWindowSize"`
}

// EMVChallengeResponse is the issuer's answer to a CReq, 200 either way:
//
//   - The challenge may go on: SessionToken opens it exactly as a merchant
//     page's session token does; its claims carry the transaction's EMV
//     part (challenge.EMVSession: the notificationURL, the ids, the
//     version), which the edge needs at the end for the final CRes.
//   - It may not (the CReq came later than the ARes's 30 s, the
//     transaction already has its outcome, the ids or the version do not
//     match the ARes): Message is the base64url message (an Erro) the edge
//     posts as the cres form field to NotificationURL, ending the
//     challenge in the requestor's page.
//
// An acsTransID the issuer does not know is a 404 not_found: there is no
// notificationURL to tell, and the edge answers the browser with the Erro
// 301 itself.
type EMVChallengeResponse struct {
	SessionToken    string `json:"session_token,omitempty"`
	NotificationURL string `json:"notification_url,omitempty"`
	Message         string `json:"message,omitempty"`
}

// EMVMethodRequest is the 3DS Method's device data for one
// threeDSServerTransID: what the hidden frame's client collected (the same
// DeviceSignals as the challenge client's) and what the edge saw of the
// request. The issuer keeps the first one per transaction id, for a short
// while, and the AReq with threeDSCompInd Y reads it.
type EMVMethodRequest struct {
	Device *DeviceSignals `json:"device"`
	Edge   *EdgeSignals   `json:"edge"`
}

// The edge's EMV 3-D Secure browser endpoints (edge/emvpages), all form or
// JSON POSTs from the cardholder's browser: the acsURL the requestor posts
// the CReq to, the end of the challenge the client posts to, the 3DS
// Method URL, and where the Method page's client sends the device data.
const (
	EMVCReqPath         = "/3ds/v2/creq"
	EMVCResPath         = "/3ds/v2/cres"
	EMVMethodURLPath    = "/3ds/v2/method"
	EMVMethodDevicePath = "/3ds/v2/method/device"
)

// How the challenge client says an EMV challenge ended, the "end" field of
// its form POST to EMVCResPath (beside "st", the session token, and "sd",
// the threeDSSessionData its page was opened with). It is a hint only: the
// edge reads the outcome from its ledger, and uses end only to say why an
// authentication without one is ended now (cancel: N cardholder_cancelled;
// anything else: N timed_out).
const (
	EMVEndDone    = "done"
	EMVEndCancel  = "cancel"
	EMVEndTimeout = "timeout"
)

// EMVMethodDeviceRequest is the body of the 3DS Method page's client's POST
// to EMVMethodDevicePath: the edge-signed method token of its page
// (typ honnin-method+jwt, subject the threeDSServerTransID) and the device
// signals, collected as the challenge client collects them.
type EMVMethodDeviceRequest struct {
	MethodToken string         `json:"method_token"`
	Device      *DeviceSignals `json:"device"`
}
