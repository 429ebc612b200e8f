package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
)

// TestDeviceCookie: the issuer has the edge set a signed device cookie on a
// browser's first start, and only on its first: a cookie it signed is
// presented back and kept; a made-up one is replaced.
func TestDeviceCookie(t *testing.T) {
	h := newHarness(t)
	first := h.startWith(h.createChallenge(cardJA), tokyo, contract.EdgeSignals{IP: "203.0.113.7"})
	if !strings.HasPrefix(first.DeviceCookie, "d1.") {
		t.Fatalf("first start: cookie %q, want one minted", first.DeviceCookie)
	}
	again := h.startWith(h.createChallenge(cardJA), tokyo, contract.EdgeSignals{IP: "203.0.113.7"})
	if again.DeviceCookie != "" {
		t.Errorf("a browser with a signed cookie was given another: %q", again.DeviceCookie)
	}
	forged := first.DeviceCookie[:len(first.DeviceCookie)-2] + "AA"
	res := h.startWith(h.createChallenge(cardJA), tokyo, contract.EdgeSignals{IP: "203.0.113.7", DeviceCookie: forged})
	if res.DeviceCookie == "" || res.DeviceCookie == first.DeviceCookie {
		t.Errorf("a forged cookie was kept: answer %q", res.DeviceCookie)
	}
}

// TestDeviceRecognition: what makes a device known, recognised, or not.
func TestDeviceRecognition(t *testing.T) {
	jp := contract.EdgeSignals{IP: "203.0.113.7", Country: "JP", ASN: 2516}
	for _, tt := range []struct {
		name string
		// second purchase, after a success from tokyo with jp
		dev      contract.DeviceSignals
		edge     contract.EdgeSignals
		cookie   bool // present the first browser's cookie
		decision string
		reason   string
	}{
		{"same browser, same cookie", laptop, jp, true, "frictionless", "known_device"},
		{"same device, new profile (no cookie): fingerprint", withID(laptop, "fresh-profile"), jp, false, "frictionless", "device_recognised"},
		{"cookie replayed by another browser family", withUA(laptop, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0"),
			jp, true, "challenge", "device_mismatch"},
		{"cookie replayed from another network", laptop, contract.EdgeSignals{IP: "198.51.100.9", Country: "JP", ASN: 64500}, true, "challenge", "device_mismatch"},
		{"cookie replayed from another country", laptop, contract.EdgeSignals{IP: "198.51.100.9", Country: "US", ASN: 2516}, true, "challenge", "device_mismatch"},
		{"same fingerprint from another network: not recognised", withID(laptop, "fresh-profile"),
			contract.EdgeSignals{IP: "198.51.100.9", Country: "JP", ASN: 64500}, false, "challenge", "new_device"},
		{"another device, no cookie", withID(withUA(laptop, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1"), "iphone"),
			jp, false, "challenge", "new_device"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.succeedOnceFrom(cardJA, laptop, jp)
			h.clock.Add(3 * time.Hour) // past impossible_travel's window
			edge := tt.edge
			if tt.cookie {
				edge.DeviceCookie = h.jars[laptop.DeviceID]
			}
			id := h.createChallenge(cardJA)
			res := h.startWith(id, tt.dev, edge)
			if r := storedReasons(t, h, id); res.Decision != tt.decision || !slices.Contains(r, tt.reason) {
				t.Errorf("%+v reasons %v, want %s with %s", res.Decision, r, tt.decision, tt.reason)
			}
		})
	}
}

// TestAutomationIsChallengedNotDenied: a new headless, automated browser
// reaches the deny line on signals alone and is challenged; with evidence
// (a locked credential) it is still denied.
func TestAutomationIsChallengedNotDenied(t *testing.T) {
	h := newHarness(t)
	bot := contract.DeviceSignals{DeviceID: "bot", Webdriver: true,
		UA: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/142.0.0.0 Safari/537.36"}
	id := h.createChallenge(cardJA)
	res := h.startWith(id, bot, contract.EdgeSignals{IP: "203.0.113.7"})
	if r := storedReasons(t, h, id); res.Decision != "challenge" || !slices.Contains(r, "deny_needs_evidence") {
		t.Errorf("automated browser: %s %v, want a challenge noting deny_needs_evidence", res.Decision, r)
	}
}

// TestAddressVelocityByNetwork: IPv6 clients are counted by their /64.
func TestAddressVelocityByNetwork(t *testing.T) {
	h := newHarness(t)
	var id string
	for i := range 11 {
		dev := withID(tokyo, fmt.Sprintf("rotating-%d", i))
		id = h.createChallenge(cardJA)
		h.startWith(id, dev, contract.EdgeSignals{IP: fmt.Sprintf("2001:db8:1:2::%x", i+1)})
		h.clock.Add(10 * time.Second)
	}
	if r := storedReasons(t, h, id); !slices.Contains(r, "velocity_ip") {
		t.Errorf("11 starts from one /64 on rotating addresses: reasons %v, want velocity_ip", r)
	}
}

// laptop is a browser with every signal a fingerprint reads.
var laptop = contract.DeviceSignals{DeviceID: "laptop", Timezone: "Asia/Tokyo", Languages: []string{"ja-JP", "en-US"},
	UA:       "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
	Platform: "macOS", ScreenW: 1512, ScreenH: 982, ColorDepth: 30, PixelRatio: 2, HWConcurrency: 10}

func withID(d contract.DeviceSignals, id string) contract.DeviceSignals { d.DeviceID = id; return d }
func withUA(d contract.DeviceSignals, ua string) contract.DeviceSignals { d.UA = ua; return d }

// succeedOnceFrom runs a challenge for card from device dev at edge and
// reports Y.
func (h *harness) succeedOnceFrom(card string, dev contract.DeviceSignals, edge contract.EdgeSignals) {
	h.t.Helper()
	id := h.createChallenge(card)
	if res := h.startWith(id, dev, edge); res.Decision != "challenge" {
		h.t.Fatalf("first purchase: %+v, want a challenge", res)
	}
	h.reportOutcome(id, "Y", "", 1)
}

// TestPreparedSignalsDecide: the device signals Honnin.prepare sent stand
// in for a start that brings none, and prepare has the device cookie set.
func TestPreparedSignalsDecide(t *testing.T) {
	h := newHarness(t)
	jp := contract.EdgeSignals{IP: "203.0.113.7", Country: "JP", ASN: 2516}
	h.succeedOnceFrom(cardJA, laptop, jp)
	h.clock.Add(3 * time.Hour)

	id := h.createChallenge(cardJA)
	rec := h.do("POST", "/internal/v1/authentications/"+id+"/prepare", h.edgeToken(id),
		map[string]any{"device": withID(laptop, "other-site"), "edge": jp})
	if rec.Code != http.StatusOK {
		t.Fatalf("prepare: %d %s", rec.Code, rec.Body.String())
	}
	if p := decodeBody[contract.PrepareResponse](t, rec); !strings.HasPrefix(p.DeviceCookie, "d1.") {
		t.Errorf("prepare from a browser without a cookie: %+v, want one to set", p)
	}
	rec = h.do("POST", "/internal/v1/authentications/"+id+"/start", h.edgeToken(id), map[string]any{"edge": jp})
	if rec.Code != http.StatusOK {
		t.Fatalf("start: %d %s", rec.Code, rec.Body.String())
	}
	res := decodeBody[contract.StartResponse](t, rec)
	if r := storedReasons(t, h, id); res.Decision != "frictionless" || !slices.Contains(r, "device_recognised") {
		t.Errorf("start without signals after a prepare: %s %v, want frictionless, recognised from the prepared fingerprint", res.Decision, r)
	}
}
