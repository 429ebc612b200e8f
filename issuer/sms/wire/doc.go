// Package wire holds what both ends of an SMS delivery must agree on: the
// phone number form (E.164, ParsePhone, MaskPhone), the body limit and
// segment count, and the webhook signature. It imports nothing of the
// project, so the dev sink (issuer/devmail) can check what issuer/sms sends
// without importing issuer/sms, whose code text needs issuer/dispatch, whose
// tests run against the dev sink.
package wire

// MaxBodyRunes is the longest body any provider here accepts: Twilio
// refuses more than 1600 characters (error 21617).
const MaxBodyRunes = 1600
