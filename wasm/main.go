//go:build js && wasm

// Command wasm is the challenge client: the Go program inside the iframe
// the merchant page embeds. It collects device signals, asks the edge
// for the challenge, shows it, takes the code, and posts the result to
// the merchant page — or, on an EMV 3-D Secure challenge, ends with a form
// POST to the edge, and on the edge's 3DS Method page and in the hidden
// frame of Honnin.prepare only collects and posts the device signals
// (view.ModeOf decides). Every rule lives in
// package view (tested natively); this package moves view.Screen into the
// DOM and requests to the edge.
//
// Build: GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' ./wasm
// (web/build-client.sh does it, with hashing and compression).
package main

import (
	"errors"
	"sync"
	"syscall/js"
	"time"

	"github.com/honnin/honnin/wasm/dom"
	"github.com/honnin/honnin/wasm/view"
)

func main() {
	tok := methodToken()
	switch view.ModeOf(tok, queryParam("st"), queryParam(view.PrepareParam)) {
	case view.MethodMode:
		go runMethod(tok)
		select {}
	case view.PrepareMode:
		go runPrepare(queryParam("st"))
		select {}
	}
	a := newApp()
	a.mu.Lock()
	a.show()
	a.mu.Unlock()
	go a.start()
	// Park main; the program lives on in event callbacks and goroutines.
	// If it ever ends, the loader shows an error.
	select {}
}

// app ties the model to the page. mu serializes the model between event
// callbacks and the goroutines that wait for the edge; it is never held
// across a blocking call, so a callback never waits on it.
type app struct {
	mu      sync.Mutex
	model   *view.Model
	ui      *ui
	session string
	// mode is MerchantMode or EMVMode; sessionData is an EMV challenge's
	// threeDSSessionData (sd in the page's URL), which goes back with its
	// end.
	mode        view.Mode
	sessionData string
	posted      bool // the result went to the merchant page, or the end to the edge (or could not)
	ticking     bool

	// otp is the WebOTP request for an SMS code (webotp.go); otpAbort
	// aborts the one under way.
	otp      view.WebOTP
	otpAbort js.Value
}

func newApp() *app {
	doc := dom.GetWindow().Document()
	a := &app{
		model:   view.New(view.LocaleFor(languages(prop(js.Global(), "navigator")))),
		ui:      newUI(doc),
		session: queryParam("st"),
	}
	a.mode = view.ModeOf("", a.session, "")
	if a.mode == view.EMVMode {
		a.sessionData = queryParam("sd")
	}
	u := a.ui
	u.form.AddEventListener("submit", false, func(ev dom.Event) {
		preventDefault(ev)
		a.act(func(now time.Time) (view.Request, error) { return a.model.Verify(u.code.Value(), now) })
	})
	u.code.AddEventListener("input", false, func(ev dom.Event) {
		// Not while an IME composes: rewriting the field would break the
		// composition; the input event after it comes with isComposing
		// false.
		if boolean(prop(ev.Underlying(), "isComposing")) {
			return
		}
		a.mu.Lock()
		if v, rewrite := a.model.Typed(u.code.Value()); rewrite {
			u.code.SetValue(v)
		}
		a.show()
		a.mu.Unlock()
	})
	u.resend.AddEventListener("click", false, func(ev dom.Event) {
		preventDefault(ev)
		a.act(a.model.Resend)
	})
	u.cancel.AddEventListener("click", false, func(ev dom.Event) {
		preventDefault(ev)
		a.act(a.model.PressCancel)
	})
	u.tzToggle.AddEventListener("click", false, func(ev dom.Event) {
		preventDefault(ev)
		a.mu.Lock()
		a.model.ToggleZone()
		a.show()
		a.mu.Unlock()
	})
	u.retry.AddEventListener("click", false, func(ev dom.Event) {
		preventDefault(ev)
		go a.start()
	})
	return a
}

// start asks the edge for the challenge. It runs in its own goroutine.
// The first time, the page's loader.js has usually asked already (its
// early start, sent while this program downloaded): its answer is taken
// instead of starting again.
func (a *app) start() {
	dev := collectDevice()
	a.mu.Lock()
	req, err := a.model.Start(a.session, dev)
	a.show()
	a.mu.Unlock()
	if err != nil {
		return
	}
	if status, body, ok, err := earlyStart(); ok {
		a.answer(status, body, err)
		return
	}
	a.send(req)
}

// act runs a model action from an event callback. The callback must
// return at once, so the request goes out from a new goroutine;
// otherwise the program dies with "all goroutines are asleep".
func (a *app) act(f func(now time.Time) (view.Request, error)) {
	a.mu.Lock()
	req, err := f(time.Now())
	a.show()
	phase := a.model.Phase()
	a.mu.Unlock()
	if err != nil {
		// A refused code goes back to the field; Cancel pressed once
		// keeps the focus, for the second press.
		if phase == view.Challenge && !errors.Is(err, view.ErrConfirmCancel) {
			a.ui.code.Focus()
		}
		return
	}
	go a.send(req)
}

// send carries req to the edge and applies the answer.
func (a *app) send(req view.Request) {
	status, body, err := post(req.Path, req.Body)
	a.answer(status, body, err)
}

// answer applies the edge's answer to the pending request (or the failure
// to get one, err) and moves the focus and the clock with it.
func (a *app) answer(status int, body []byte, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	before := a.model.Phase()
	action := a.model.Pending()
	if err != nil {
		logWarn("honnin: " + err.Error())
		a.model.NetworkError()
	} else {
		a.model.Apply(status, body)
	}
	after := a.model.Phase()
	a.show()

	switch {
	case after == view.Challenge && before != view.Challenge:
		a.ui.code.Focus()
		if !a.ticking {
			a.ticking = true
			go a.tick()
		}
	case after == view.Challenge && (a.model.CodeRefused() || action == view.Resend && a.model.Problem() == ""):
		// A refused code (wrong, already used, wrong password) or a new
		// code: clear the field for the next one.
		a.ui.code.SetValue("")
		a.ui.code.Focus()
	}
}

// tick re-renders every second for the countdown and the resend wait, and
// ends the flow when the challenge expires, until the flow has ended. It
// wakes just after each second of the clock, when the countdown (to a
// whole-second expiry) changes. time.Sleep, not a Ticker: a Ticker links
// the time package's timer channels and GODEBUG settings (about 8 KiB
// brotli).
func (a *app) tick() {
	for {
		time.Sleep(time.Second - time.Duration(time.Now().UnixNano()%int64(time.Second)))
		a.mu.Lock()
		a.model.Expire(time.Now())
		a.show()
		p := a.model.Phase()
		a.mu.Unlock()
		if p == view.Done || p == view.Failed {
			return
		}
	}
}

// show renders the model as of now and, the first time it finds the flow
// ended, tells the merchant page. Every change to the model goes through
// here, so no way of ending (answer, expiry, refused action) is missed.
// a.mu must be held.
func (a *app) show() {
	a.ui.render(a.model.Screen(time.Now()))
	a.syncOTP()
	r, ended := a.model.Result()
	if !ended || a.posted {
		return
	}
	a.posted = true
	a.ui.status.Focus()
	if a.mode == view.EMVMode {
		if err := submit(view.EMVEnd(a.session, a.sessionData, a.model.Phase(), r)); err != nil {
			logWarn("honnin: the end was not posted to the edge: " + err.Error())
		}
		return
	}
	if err := postResult(a.session, a.model.MerchantOrigin(), r, a.model.Phase() == view.Failed); err != nil {
		logWarn("honnin: result not posted to the merchant page: " + err.Error())
	}
}

// preventDefault stops the browser's default action.
func preventDefault(ev dom.Event) {
	ev.Underlying().Call("preventDefault")
}

func logWarn(msg string) {
	_ = guard(func() { js.Global().Get("console").Call("warn", msg) })
}
