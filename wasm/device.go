//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/wasm/view"
)

// deviceIDKey is the localStorage key of the device id. Storage in a
// cross-origin iframe is partitioned per top-level site, so the id is per
// device and merchant site, not global.
const deviceIDKey = "honnin.device_id"

// collectDevice reads the signals the issuer's risk rules use. Every read
// is guarded on its own: a missing API (userAgentData outside Chromium) or
// one that throws must cost one signal, not the page.
func collectDevice() contract.DeviceSignals {
	var d contract.DeviceSignals
	g := js.Global()
	nav := prop(g, "navigator")
	_ = guard(func() { d.UA = str(prop(nav, "userAgent")) })
	_ = guard(func() {
		ua := prop(nav, "userAgentData")
		d.Platform = str(prop(ua, "platform"))
		d.Mobile = boolean(prop(ua, "mobile"))
	})
	if d.Platform == "" {
		_ = guard(func() { d.Platform = str(prop(nav, "platform")) })
	}
	_ = guard(func() { d.Languages = languages(nav) })
	_ = guard(func() {
		d.Timezone = str(prop(prop(g, "Intl").Get("DateTimeFormat").Invoke().Call("resolvedOptions"), "timeZone"))
	})
	_ = guard(func() { d.TZOffset = int(num(prop(g, "Date").New().Call("getTimezoneOffset"))) })
	_ = guard(func() {
		scr := prop(g, "screen")
		d.ScreenW = int(num(prop(scr, "width")))
		d.ScreenH = int(num(prop(scr, "height")))
		d.ColorDepth = int(num(prop(scr, "colorDepth")))
	})
	_ = guard(func() { d.PixelRatio = num(prop(g, "devicePixelRatio")) })
	_ = guard(func() { d.HWConcurrency = int(num(prop(nav, "hardwareConcurrency"))) })
	_ = guard(func() { d.TouchPoints = int(num(prop(nav, "maxTouchPoints"))) })
	_ = guard(func() { d.Webdriver = boolean(prop(nav, "webdriver")) })
	d.DeviceID = deviceID()
	return d
}

// languages returns navigator.languages, or navigator.language when the
// list is missing. At most 10 are kept: the list is a signal, not a dump.
func languages(nav js.Value) []string {
	var out []string
	list := prop(nav, "languages")
	if list.Type() == js.TypeObject {
		n := int(num(prop(list, "length")))
		for i := 0; i < n && len(out) < 10; i++ {
			if s := str(list.Index(i)); s != "" {
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		if s := str(prop(nav, "language")); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// deviceID returns the id kept in localStorage, making and storing one if
// there is none. Storage may be missing or throw (blocked third-party
// storage, private modes): then a fresh id is sent and not kept, and if
// even crypto.getRandomValues fails the id is left out. window.localStorage
// itself throws when storage is blocked, so it is read with prop.
func deviceID() string {
	var id string
	storage := prop(js.Global(), "localStorage")
	_ = guard(func() {
		if v := str(storage.Call("getItem", deviceIDKey)); view.ValidDeviceID(v) {
			id = v
		}
	})
	if id != "" {
		return id
	}
	var b [16]byte
	err := guard(func() {
		u8 := js.Global().Get("Uint8Array").New(len(b))
		prop(js.Global(), "crypto").Call("getRandomValues", u8)
		js.CopyBytesToGo(b[:], u8)
	})
	if err != nil {
		return ""
	}
	id = view.NewDeviceID(b)
	_ = guard(func() { storage.Call("setItem", deviceIDKey, id) })
	return id
}
