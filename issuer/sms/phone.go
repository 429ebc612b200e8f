package sms

import "github.com/honnin/honnin/issuer/sms/wire"

// ErrInvalidPhone is wrapped by every ParsePhone error.
var ErrInvalidPhone = wire.ErrInvalidPhone

// ParsePhone turns a phone number as typed into E.164: Japanese mobile
// numbers (090/080/070) become +81…, numbers with + keep their country
// code; see wire.ParsePhone for the rules.
func ParsePhone(s string) (string, error) { return wire.ParsePhone(s) }

// MaskPhone hides all but the last 4 digits: "***-****-5678"; see
// wire.MaskPhone.
func MaskPhone(p string) string { return wire.MaskPhone(p) }

func isE164(s string) bool { return wire.IsE164(s) }
