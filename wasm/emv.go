//go:build js && wasm

package main

import (
	"strconv"
	"syscall/js"

	"github.com/honnin/honnin/wasm/view"
)

// methodToken reads the edge's 3DS Method page's token (the data-token of
// #method); "" on any other page.
func methodToken() string {
	var tok string
	_ = guard(func() {
		el := js.Global().Get("document").Call("getElementById", "method")
		if el.Truthy() {
			tok = str(el.Call("getAttribute", "data-token"))
		}
	})
	return tok
}

// queryParam reads name from the page's query string.
func queryParam(name string) string {
	var v string
	_ = guard(func() {
		q := js.Global().Get("URLSearchParams").New(js.Global().Get("location").Get("search"))
		v = str(q.Call("get", name))
	})
	return v
}

// runMethod is the whole of method mode: collect the device signals (the
// challenge's own collectDevice), post them with the page's token, and
// tell the page, whose script then posts the notification to the
// requestor (or has already, at its deadline). It runs in its own
// goroutine: post blocks.
func runMethod(token string) {
	defer methodDone()
	req, err := view.MethodDevice(token, collectDevice())
	if err != nil {
		logWarn("honnin: method: " + err.Error())
		return
	}
	status, _, err := post(req.Path, req.Body)
	switch {
	case err != nil:
		logWarn("honnin: method: " + err.Error())
	case status != 204:
		logWarn("honnin: method: the edge answered " + strconv.Itoa(status))
	}
}

// methodDone dispatches honnin:method-done on the document: the page's
// script submits the notification once, on this or on its timer.
func methodDone() {
	_ = guard(func() {
		doc := js.Global().Get("document")
		doc.Call("dispatchEvent", js.Global().Get("Event").New("honnin:method-done"))
	})
}

// submit builds f as a form of hidden fields and submits it: the frame
// navigates to its answer. The page's CSP (form-action 'self') lets it go
// to the edge alone.
func submit(f view.Form) error {
	return guard(func() {
		doc := js.Global().Get("document")
		form := doc.Call("createElement", "form")
		form.Set("method", "post")
		form.Set("action", f.Action)
		for _, kv := range f.Fields {
			in := doc.Call("createElement", "input")
			in.Set("type", "hidden")
			in.Set("name", kv[0])
			in.Set("value", kv[1])
			form.Call("appendChild", in)
		}
		doc.Get("body").Call("appendChild", form)
		form.Call("submit")
	})
}
