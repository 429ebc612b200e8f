//go:build js && wasm

package main

import (
	"syscall/js"
	"time"

	"github.com/honnin/honnin/edge/promise"
	"github.com/honnin/honnin/wasm/view"
)

// syncOTP keeps the WebOTP request in step with the model (view.WebOTP):
// while an SMS challenge waits for its code, the browser is asked for the
// code of the origin-bound SMS (Android offers it to the cardholder); the
// request is aborted when a code is submitted, on cancel and at the end.
// a.mu must be held.
//
// For the e2e: navigator.credentials.get is looked up at each call, so a
// stub put in the frame before the challenge shows (with OTPCredential
// defined, which is how support is detected) sees the call, its options
// ({otp: {transport: ["sms"]}, signal}) and, through signal.aborted, the
// abort; resolving it with {code: "123456"} fills #code and submits.
func (a *app) syncOTP() {
	abort, id := a.otp.Sync(a.model.OTPKey())
	if abort && a.otpAbort.Truthy() {
		ctl := a.otpAbort
		_ = guard(func() { ctl.Call("abort") })
	}
	if abort || id != 0 {
		a.otpAbort = js.Undefined()
	}
	if id == 0 {
		return
	}
	p, ctl, ok := askOTP()
	if !ok {
		a.otp.Settled(id) // no WebOTP here: not asked again for this code
		return
	}
	a.otpAbort = ctl
	key := a.model.OTPKey()
	go a.awaitOTP(id, key, p)
}

// askOTP calls navigator.credentials.get for an SMS one-time code with a
// new AbortController's signal. ok is false where the browser has no
// WebOTP (no OTPCredential) or the call throws.
func askOTP() (p, ctl js.Value, ok bool) {
	g := js.Global()
	creds := prop(prop(g, "navigator"), "credentials")
	if prop(g, "OTPCredential").IsUndefined() || prop(creds, "get").Type() != js.TypeFunction {
		return p, ctl, false
	}
	err := guard(func() {
		ctl = g.Get("AbortController").New()
		otp := g.Get("Object").New()
		otp.Set("transport", g.Get("Array").Call("of", "sms"))
		opts := g.Get("Object").New()
		opts.Set("otp", otp)
		opts.Set("signal", ctl.Get("signal"))
		p = creds.Call("get", opts)
	})
	return p, ctl, err == nil
}

// awaitOTP waits for WebOTP request id, made for the code of challenge
// token key, and submits the code it brings if that challenge still
// waits for it.
func (a *app) awaitOTP(id int, key string, p js.Value) {
	v, err := promise.Await(p)
	a.mu.Lock()
	a.otp.Settled(id)
	code := ""
	if err == nil {
		code = str(prop(v, "code"))
	}
	ok := code != "" && a.model.OTPKey() == key
	if ok {
		a.ui.code.SetValue(code)
	}
	a.mu.Unlock()
	if ok {
		a.act(func(now time.Time) (view.Request, error) { return a.model.Verify(code, now) })
	}
}
