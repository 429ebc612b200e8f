package acs

import "github.com/honnin/honnin/issuer/risk"

// Observer is told of the use cases' events that operators count (serve
// wires issuer/metrics to it). A nil field is not called. The calls are
// made in the request's goroutine: they must be quick and must not block.
type Observer struct {
	// Decision: a risk decision was recorded at an authentication's first
	// start; outcome is the answer given (contract.Decision*: frictionless,
	// challenge, deny), reasons the rules that fired.
	Decision func(outcome string, reasons []risk.Reason)
	// Lock: a credential of method (email, sms, totp, ...) was locked by
	// consecutive wrong codes.
	Lock func(method string)
}

func (o Observer) decided(outcome string, reasons []risk.Reason) {
	if o.Decision != nil {
		o.Decision(outcome, reasons)
	}
}

func (o Observer) locked(method string) {
	if o.Lock != nil {
		o.Lock(method)
	}
}
