//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/wasm/view"
)

// postResult tells the merchant page how the challenge ended, with
// window.parent.postMessage to the merchant origin only (see
// view.TargetOrigin): a result ({type: "honnin:result", result_token,
// status, reason}: Honnin.mount resolves with it), or, when the flow ended
// without one (failed: an invalid or expired session, a superseded
// challenge, ...), an error ({type: "honnin:error", code}: Honnin.mount
// rejects).
func postResult(sessionToken, merchantOrigin string, r contract.Result, failed bool) error {
	target, err := view.TargetOrigin(sessionToken, merchantOrigin)
	if err != nil {
		return err
	}
	return guard(func() {
		parent := js.Global().Get("parent")
		if parent.Equal(js.Global()) {
			panic(errors.New("not in a frame"))
		}
		msg := js.Global().Get("Object").New()
		if failed {
			msg.Set("type", "honnin:error")
			msg.Set("code", r.Reason)
		} else {
			msg.Set("type", "honnin:result")
			msg.Set("result_token", r.ResultToken)
			msg.Set("status", r.Status)
			msg.Set("reason", r.Reason)
		}
		parent.Call("postMessage", msg, target)
	})
}
