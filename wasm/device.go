//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/honnin/honnin/edge/contract"
)

// collectDevice returns the signals the page's loader.js collected
// (honninBoot.device(), web/loader.js), as contract.DeviceSignals. The
// loader is the one collector: it sends the same signals in its early
// start, before this program has downloaded, and the device id it keeps
// in localStorage is the one every start, prepare and 3DS Method sends.
// Every field is read on its own: a missing or mistyped one is "not
// available", and a page without the loader gives no signals, never an
// error. The values are brought within the edge's limits where they are
// sent (view.Model.Start, view.Prepare, view.MethodDevice).
func collectDevice() contract.DeviceSignals {
	var d contract.DeviceSignals
	var o js.Value
	if guard(func() { o = prop(js.Global(), "honninBoot").Call("device") }) != nil {
		return d
	}
	d.UA = str(prop(o, "ua"))
	d.Platform = str(prop(o, "platform"))
	d.Mobile = boolean(prop(o, "mobile"))
	d.Languages = stringList(prop(o, "languages"), 10)
	d.Timezone = str(prop(o, "timezone"))
	d.TZOffset = int(num(prop(o, "tz_offset")))
	d.ScreenW = int(num(prop(o, "screen_w")))
	d.ScreenH = int(num(prop(o, "screen_h")))
	d.ColorDepth = int(num(prop(o, "color_depth")))
	d.PixelRatio = num(prop(o, "pixel_ratio"))
	d.HWConcurrency = int(num(prop(o, "hw_concurrency")))
	d.TouchPoints = int(num(prop(o, "touch_points")))
	d.Webdriver = boolean(prop(o, "webdriver"))
	d.DeviceID = str(prop(o, "device_id"))
	return d
}

// languages returns navigator.languages, or navigator.language when the
// list is missing: the client's language (view.LocaleFor).
func languages(nav js.Value) []string {
	out := stringList(prop(nav, "languages"), 10)
	if len(out) == 0 {
		if s := str(prop(nav, "language")); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// stringList returns the non-empty strings of the JS array list, at most
// limit of them: a list is a signal, not a dump.
func stringList(list js.Value, limit int) []string {
	var out []string
	if list.Type() != js.TypeObject {
		return out
	}
	n := int(num(prop(list, "length")))
	for i := 0; i < n && len(out) < limit; i++ {
		var s string
		_ = guard(func() { s = str(list.Index(i)) })
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
