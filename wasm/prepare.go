//go:build js && wasm

package main

import (
	"strconv"
	"syscall/js"

	"github.com/honnin/honnin/wasm/view"
)

// runPrepare is the whole of prepare mode, the hidden frame of
// Honnin.prepare: collect the device signals (the challenge's own
// collectDevice), post them with the session token (the edge answers 204
// and sets the device cookie in this site's partition), and tell the
// merchant page whether it went through. Loading the page also put the
// client in the browser's cache for the challenge frame. It runs in its
// own goroutine: post blocks.
func runPrepare(session string) {
	ok := false
	defer func() { prepareDone(session, ok) }()
	req, err := view.Prepare(session, collectDevice())
	if err != nil {
		logWarn("honnin: prepare: " + err.Error())
		return
	}
	status, _, err := post(req.Path, req.Body)
	switch {
	case err != nil:
		logWarn("honnin: prepare: " + err.Error())
	case status != 204:
		logWarn("honnin: prepare: the edge answered " + strconv.Itoa(status))
	default:
		ok = true
	}
}

// prepareDone posts {type: "honnin:prepared", prepared} to the merchant
// page, at the session's merchant origin only (view.PrepareTarget);
// Honnin.prepare resolves with it. Without a valid origin nothing is
// posted, and prepare resolves at its timeout.
func prepareDone(session string, ok bool) {
	target, err := view.PrepareTarget(session)
	if err != nil {
		logWarn("honnin: prepare: " + err.Error())
		return
	}
	_ = guard(func() {
		parent := js.Global().Get("parent")
		if parent.Equal(js.Global()) {
			return
		}
		msg := js.Global().Get("Object").New()
		msg.Set("type", "honnin:prepared")
		msg.Set("prepared", ok)
		parent.Call("postMessage", msg, target)
	})
}
