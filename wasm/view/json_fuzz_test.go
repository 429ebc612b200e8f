package view

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/honnin/honnin/edge/contract"
)

// FuzzJSON holds the client's JSON reader to encoding/json on any input,
// and its writer on any device signals.
func FuzzJSON(f *testing.F) {
	f.Add([]byte(`{"state":"challenge","challenge_token":"c","display":{"merchant":"M","amount":1250,"date":"2026-11-22T03:00:00Z","attempts_left":5}}`), "ua", "ja-JP", 1.5, -540)
	f.Add([]byte(`{"error":"expired","message":"m","emv":{},"mo":"https://a.example"}`), "<&>", "\u2028", 2.625, 0)
	f.Add([]byte(`{"display":{"date":"2026-11-22T12:00:00,5+09:00"}}`), "\xff", "", 1e-7, 1)
	f.Add([]byte(`{"state":"\ud800\udc00\udc00"}`), "", "", 0.0, 0)
	f.Fuzz(func(t *testing.T, data []byte, ua, lang string, ratio float64, tz int) {
		compareReads(t, data)
		d := contract.DeviceSignals{UA: ua, Languages: []string{lang, ua}, PixelRatio: ratio, TZOffset: tz, DeviceID: lang}
		r := contract.ClientStartRequest{SessionToken: ua, Device: &d}
		got, err := writeStart(r)
		want, werr := json.Marshal(r)
		if (err == nil) != (werr == nil) || !bytes.Equal(got, want) {
			t.Fatalf("writeStart(%+v) = %s, %v; encoding/json %s, %v", d, got, err, want, werr)
		}
	})
}
