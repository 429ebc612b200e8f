package issuer

import (
	"time"
)

// Cardholder statuses. Only an active cardholder is challenged.
const (
	CardholderActive = "active"
	CardholderLocked = "locked"
	CardholderClosed = "closed"
)

// Cardholder is an enrolled card and how to reach its holder.
type Cardholder struct {
	ID int64
	// PANHMAC is pan.Hasher.Sum of the card number: the lookup key.
	PANHMAC         []byte
	Last4           string
	Email           string
	Phone           string
	PersonalMessage string
	// PreferredMethod is email, sms, app or token.
	PreferredMethod Method
	// Locale is the language of the mail and SMS texts (ja, en).
	Locale string
	Status string
	// Country is the card's country (ISO 3166-1 alpha-2), for the risk
	// rules; empty when unknown.
	Country string
	// SharingOptOut: the cardholder has opted out of sharing device data
	// with the third-party risk service (column share_device_data = 0); the
	// engine then decides without it. The zero value shares, as the
	// column's default does.
	SharingOptOut bool
	// OTPLocked: the one-time-code credential is locked.
	OTPLocked bool
	CreatedAt time.Time
	// MessageProvisional: PersonalMessage is still the one enrolment set;
	// the portal asks the cardholder to replace it. Read only here:
	// enrolment (a changed message in UpsertCardholder) sets it and
	// SetPersonalMessage clears it.
	MessageProvisional bool
	// ServiceStoppedAt is when the cardholder stopped the service for the
	// card in the portal; zero while it runs. A stopped card is answered
	// as not enrolled.
	ServiceStoppedAt time.Time
}

// WithDefaults fills what enrolment leaves unset: the email method, the
// active status and Japanese texts.
func (c Cardholder) WithDefaults() Cardholder {
	if c.PreferredMethod == "" {
		c.PreferredMethod = MethodEmail
	}
	if c.Status == "" {
		c.Status = CardholderActive
	}
	if c.Locale == "" {
		c.Locale = "ja"
	}
	return c
}
