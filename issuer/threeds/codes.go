package threeds

import (
	"fmt"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/emv3ds"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/acs"
)

// statusReason is the transStatusReason of an outcome with honnin's reason
// r (the EMV 3DS note §4.2). Every reason the issuer or the edge can give
// a final N, U or R is listed; anything else is 01, card authentication
// failed.
func statusReason(status, r string) string {
	switch r {
	case acs.ReasonNotEnrolled:
		return emv3ds.ReasonNotEnrolled // 13
	case acs.ReasonNotEligible:
		return emv3ds.ReasonNotPermitted // 12: the range is not in the service
	case acs.ReasonCardRange:
		return emv3ds.ReasonNoCardRecord // 08
	case contract.ReasonSuspectedFraud:
		return emv3ds.ReasonSuspectedFraud // 11
	case contract.ReasonMaxAttempts:
		return emv3ds.ReasonMaxChallenges // 19, as the result token says
	case contract.ReasonTimedOut:
		return emv3ds.ReasonTimedOut // 14
	case contract.ReasonCancelled, contract.ReasonCredentialLocked, contract.ReasonSuperseded, acs.ReasonNoCardholder:
		return emv3ds.ReasonAuthFailed // 01
	}
	if status == contract.StatusUnavailable {
		return emv3ds.ReasonInvalidTx
	}
	return emv3ds.ReasonAuthFailed
}

// challengeCancel is the RReq's challengeCancel for a challenge that
// ended with reason r, "" when it was not cancelled. timer is what the
// issuer's timers recorded (05 no CReq, 04 timed out), which wins.
func challengeCancel(r, timer string) string {
	switch {
	case timer != "":
		return timer
	case r == contract.ReasonCancelled:
		return emv3ds.CancelByCardholder
	case r == contract.ReasonTimedOut:
		return emv3ds.CancelTimedOut
	case r == contract.ReasonSuperseded:
		return emv3ds.CancelTxError
	}
	return ""
}

// eci is the JCB ECI of a status (the note §4.3).
func eci(status string) string {
	switch status {
	case contract.StatusAuthenticated:
		return emv3ds.ECIAuthenticated
	case contract.StatusAttempted:
		return emv3ds.ECIAttempted
	}
	return emv3ds.ECINotAuthenticated
}

// authentication says how method m authenticates, in the version's terms:
// authenticationType up to 2.2.0, authenticationMethod from 2.3.1.
func authentication(version string, m issuer.Method) (typ string, methods []string) {
	if version == emv3ds.V231 {
		switch m {
		case issuer.MethodPassword:
			return "", []string{emv3ds.MethodStaticPasscode}
		case issuer.MethodSMS:
			return "", []string{emv3ds.MethodSMSOTP}
		case issuer.MethodToken:
			return "", []string{emv3ds.MethodTokenOTP}
		case issuer.MethodApp:
			return "", []string{emv3ds.MethodAppOTP}
		}
		return "", []string{emv3ds.MethodOtherOTP} // email, and a challenge that never chose
	}
	if m == issuer.MethodPassword {
		return emv3ds.AuthStatic, nil
	}
	return emv3ds.AuthDynamic, nil
}

// interactionCounter is the RReq's count of authentication cycles the
// cardholder attempted: the wrong codes, plus the right one on Y.
func interactionCounter(wrong int, status string) string {
	n := wrong
	if status == contract.StatusAuthenticated {
		n++
	}
	return fmt.Sprintf("%02d", min(n, 99))
}

// cardholderInfo is the text the merchant shows the cardholder for an
// outcome without a challenge that did not pass (≤128 characters), in
// Japanese when the browser's language is, or "" when there is nothing to
// say.
func cardholderInfo(status, reason string, ja bool) string {
	type text struct{ ja, en string }
	var t text
	switch {
	case status == contract.StatusRejected:
		t = text{"このお取引は本人認証できませんでした。カード裏面の電話番号にお問い合わせください。",
			"This purchase could not be authenticated. Please call the number on the back of your card."}
	case reason == acs.ReasonNotEnrolled:
		t = text{"このカードは本人認証サービスに登録されていません。カード会社の会員サイトで登録できます。",
			"This card is not enrolled in the authentication service. You can enrol on your card issuer's website."}
	case status == contract.StatusNotAuthenticated || status == contract.StatusUnavailable:
		t = text{"本人認証を完了できませんでした。別のお支払い方法をお試しいただくか、カード会社にお問い合わせください。",
			"Authentication could not be completed. Try another way to pay or contact your card issuer."}
	default:
		return ""
	}
	if ja {
		return t.ja
	}
	return t.en
}
