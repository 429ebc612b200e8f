package view

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/origin"
)

// FuzzApply runs a challenge with the edge's answers fuzzed: the answer to
// start, then to what the cardholder does next (verify with what they
// typed, resend, or cancel), each any status and body. Properties: Apply
// never panics and always clears the pending request; the phase only moves
// forward (loading, challenge, then done or failed, which stay); a
// challenge always holds the token to send back; a done flow's result has
// a valid status and a failed one's is U without a token; a verify request
// carries six ASCII digits (or the password as typed); the screen renders
// in every state, in both languages and both zones, at any time.
func FuzzApply(f *testing.F) {
	chal := func(mut func(*contract.Display)) []byte {
		r := challengeResp("ct1", mut)
		b, _ := json.Marshal(r)
		return b
	}
	res := func(status string) []byte {
		b, _ := json.Marshal(resultResp(status, "x"))
		return b
	}
	f.Add(uint16(200), chal(nil), uint8(0), "１２３ ４５６", uint16(200), res("Y"), int64(90))
	f.Add(uint16(200), chal(func(d *contract.Display) { d.Method = "password" }), uint8(0), " pass word ", uint16(200), chal(nil), int64(1))
	f.Add(uint16(200), chal(func(d *contract.Display) { d.Method = "token"; d.Dest = "1234,5678" }), uint8(1), "", uint16(429), errBody("resend_cooldown"), int64(-5))
	f.Add(uint16(200), chal(func(d *contract.Display) { d.Currency = "XXX"; d.Amount = -1 << 63; d.Date = time.Time{} }), uint8(2), "", uint16(200), res("N"), int64(1<<40))
	f.Add(uint16(502), []byte("<html>bad gateway</html>"), uint8(0), "123456", uint16(200), chal(nil), int64(0))
	f.Add(uint16(200), []byte(`{"state":"result","status":"Q"}`), uint8(0), "", uint16(410), errBody("expired"), int64(700))
	f.Add(uint16(401), errBody("invalid_token"), uint8(0), "", uint16(200), res("Y"), int64(0))
	f.Fuzz(func(t *testing.T, st1 uint16, body1 []byte, next uint8, typed string, st2 uint16, body2 []byte, secs int64) {
		now := t0.Add(time.Duration(secs%(1<<33)) * time.Second)
		for _, l := range []Locale{Japanese, English} {
			m := New(l)
			if _, err := m.Start("st", contract.DeviceSignals{}); err != nil {
				t.Fatal(err)
			}
			applyStep(t, m, int(st1), body1, now)
			if m.Phase() != Challenge {
				continue
			}
			// The field's rewrite is the code Send sends, and only ever that.
			if field, rewrite := m.Typed(typed); rewrite {
				if code, err := NormalizeCode(typed); err != nil || code != field || m.display.Method == "password" {
					t.Fatalf("Typed(%q) rewrote the field to %q (normalised %q, %v; method %q)", typed, field, code, err, m.display.Method)
				}
			} else if field != typed {
				t.Fatalf("Typed(%q) = %q without a rewrite", typed, field)
			}
			var req Request
			var err error
			switch next % 3 {
			case 0:
				req, err = m.Verify(typed, now)
				if err == nil {
					var vb contract.VerifyRequest
					if json.Unmarshal(req.Body, &vb) != nil || vb.ChallengeToken == "" {
						t.Fatalf("verify request %s", req.Body)
					}
					if m.display.Method == "password" && vb.Code != typed && utf8.ValidString(typed) ||
						m.display.Method != "password" && (len(vb.Code) != 6 || strings.Trim(vb.Code, "0123456789") != "") {
						t.Fatalf("verify of %q sends %q (method %q)", typed, vb.Code, m.display.Method)
					}
				}
			case 1:
				_, err = m.Resend(now)
			default:
				_, err = m.Cancel()
			}
			screens(t, m, now)
			if err != nil {
				continue
			}
			applyStep(t, m, int(st2), body2, now)
			// A late answer, with nothing pending, changes nothing.
			before := *m
			m.Apply(200, body1)
			if m.phase != before.phase || m.result != before.result {
				t.Fatalf("an answer with nothing pending moved %v to %v", before.phase, m.phase)
			}
		}
	})
}

// applyStep applies one answer and checks the model after it.
func applyStep(t *testing.T, m *Model, status int, body []byte, now time.Time) {
	t.Helper()
	before := m.Phase()
	m.Apply(status%600, body)
	after := m.Phase()
	if m.Pending() != None {
		t.Fatal("still pending after Apply")
	}
	if before == Done || before == Failed {
		if after != before {
			t.Fatalf("phase %v moved to %v", before, after)
		}
	} else if after < before {
		t.Fatalf("phase went back from %v to %v", before, after)
	}
	if after == Challenge && m.challengeToken == "" {
		t.Fatal("challenge without a token")
	}
	r, ended := m.Result()
	if ended != (after == Done || after == Failed) {
		t.Fatalf("Result ended=%v in phase %v", ended, after)
	}
	if after == Done && !contract.ValidStatus(r.Status) || after == Failed && (r.Status != "U" || r.ResultToken != "") {
		t.Fatalf("result %+v in phase %v", r, after)
	}
	screens(t, m, now)
}

// screens renders the model in both zones.
func screens(t *testing.T, m *Model, now time.Time) {
	t.Helper()
	for range 2 {
		if s := m.Screen(now); s.Phase != m.Phase() {
			t.Fatalf("screen of phase %v for phase %v", s.Phase, m.Phase())
		}
		m.ToggleZone()
	}
}

// FuzzInput checks what the client checks before anything leaves the
// browser: a typed code, a password, the device signals, the target
// origin of the result. Properties: NormalizeCode gives six ASCII digits,
// exactly the digits typed (full-width folded, white space and hyphens
// dropped), and is idempotent (edge/onetime's FuzzNormalize checks the
// rule itself); six ASCII digits pass unchanged; CheckPassword takes 1 to
// 128 characters of UTF-8 (what the DOM gives); whatever device signals
// the browser gives, the start request carries signals the edge reads and
// accepts (a browser's odd value never costs the cardholder the
// challenge; edge/contract's FuzzSignals checks WithinLimits itself);
// TargetOrigin returns only the response's
// origin, and only a valid one, matching the token's mo claim.
func FuzzInput(f *testing.F) {
	f.Add("123456", []byte(`{"ua":"Mozilla/5.0","languages":["ja-JP","en"],"pixel_ratio":2.5,"tz_offset":-540}`), "e30.eyJtbyI6Imh0dHA6Ly9sb2NhbGhvc3Q6ODA4MCJ9.sig", "http://localhost:8080")
	f.Add("１２３　４５６", []byte(`{"screen_w":99999999,"pixel_ratio":1e400,"languages":["`+strings.Repeat("x", 36)+`"]}`), "a.e30.c", "")
	f.Add(" 12 34 56 ", []byte(`{"ua":"`+strings.Repeat("é", 300)+`"}`), "..", "null")
	f.Add("١٢٣٤٥٦", []byte(`{"tz_offset":-1441,"hw_concurrency":-1,"touch_points":1025}`), "e30.eyJtbyI6bnVsbH0.x", "http://localhost:8080")
	f.Add("1234567", []byte(`null`), "e30.eyJtbyI6Imh0dHA6Ly9bOjBdIn0.x", "http://[:0]")
	f.Fuzz(func(t *testing.T, typed string, device []byte, token, respOrigin string) {
		code, err := NormalizeCode(typed)
		if err == nil {
			var want strings.Builder
			for _, r := range typed {
				switch {
				case '0' <= r && r <= '9':
					want.WriteRune(r)
				case '０' <= r && r <= '９':
					want.WriteRune(r - '０' + '0')
				}
			}
			if code != want.String() || len(code) != 6 || strings.Trim(code, "0123456789") != "" {
				t.Fatalf("%q normalised to %q", typed, code)
			}
			if again, err := NormalizeCode(code); err != nil || again != code {
				t.Fatalf("%q normalised again to %q, %v", code, again, err)
			}
		}
		if len(typed) == 6 && strings.Trim(typed, "0123456789") == "" && code != typed {
			t.Fatalf("six ASCII digits %q normalised to %q, %v", typed, code, err)
		}
		if n := utf8.RuneCountInString(typed); utf8.ValidString(typed) && (CheckPassword(typed) == nil) != (n >= 1 && n <= MaxPassword) {
			t.Fatalf("CheckPassword(%q) = %v", typed, CheckPassword(typed))
		}

		var d contract.DeviceSignals
		if json.Unmarshal(device, &d) == nil {
			req, err := New(Japanese).Start("st", d)
			if err != nil {
				t.Fatal(err)
			}
			if sent := startSent(t, req); sent.Device == nil || sent.Device.Validate() != nil {
				t.Fatalf("the edge refuses the device signals of %s", req.Body)
			}
		}

		if o, err := TargetOrigin(token, respOrigin); err == nil && (o != respOrigin || !origin.Valid(o)) {
			t.Fatalf("target origin %q for response origin %q", o, respOrigin)
		}
	})
}
