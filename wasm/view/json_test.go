package view

// The client's hand-written JSON (json.go) against encoding/json, which
// the edge reads and writes with: every field of every body, with the
// contract's own types and tags, so that a field renamed or added in
// edge/contract fails here until json.go follows.

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/honnin/honnin/edge/contract"
)

// fill sets every field of the struct v points to, recursively, to a
// value that is not zero and differs from field to field, with strings
// that need escaping.
func fill(t *testing.T, v reflect.Value, n *int) {
	t.Helper()
	*n++
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), n)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 11, 22, 3, *n%60, 7, *n*1000, time.UTC)))
			return
		}
		for i := range v.NumField() {
			fill(t, v.Field(i), n)
		}
	case reflect.String:
		v.SetString(strings.Repeat("x", *n) + " <a&b> \"q\" \\ \n\t\x01 é \u2028 \xff 🙂")
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n) * 1001)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Float64:
		v.SetFloat(float64(*n) + 0.375)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(t, s.Index(i), n)
		}
		v.Set(s)
	default:
		t.Fatalf("fill: no rule for %v", v.Type())
	}
}

func filled[T any](t *testing.T) T {
	var v T
	n := 0
	fill(t, reflect.ValueOf(&v).Elem(), &n)
	return v
}

func TestWriteMatchesEncodingJSON(t *testing.T) {
	check := func(name string, got []byte, err error, v any) {
		t.Helper()
		want, werr := json.Marshal(v)
		if err != nil || werr != nil || !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s (%v)\nwant %s (%v)", name, got, err, want, werr)
		}
	}
	start := filled[contract.ClientStartRequest](t)
	b, err := writeStart(start)
	check("start", b, err, start)
	b, err = writeStart(contract.ClientStartRequest{Device: &contract.DeviceSignals{}})
	check("start, empty", b, err, contract.ClientStartRequest{Device: &contract.DeviceSignals{}})
	b, err = writeStart(contract.ClientStartRequest{})
	check("start, no device", b, err, contract.ClientStartRequest{})
	prep := filled[contract.ClientPrepareRequest](t)
	b, err = writePrepare(prep)
	check("prepare", b, err, prep)
	method := filled[contract.EMVMethodDeviceRequest](t)
	b, err = writeMethodDevice(method)
	check("method device", b, err, method)
	verify := filled[contract.VerifyRequest](t)
	b, err = writeVerify(verify)
	check("verify", b, err, verify)
	b, err = writeVerify(contract.VerifyRequest{})
	check("verify, empty", b, err, contract.VerifyRequest{})
	token := filled[contract.TokenRequest](t)
	b, err = writeToken(token)
	check("token", b, err, token)

	// Numbers as encoding/json writes them (pixel_ratio, negatives).
	for _, f := range []float64{1, 1.5, 2.625, 0.1, 1e-6, 9.99e-7, 1e-7, 5e-324, 1e20, 1e21, 123456789.125, -3.5, math.MaxFloat64, 1.0 / 3} {
		d := contract.DeviceSignals{PixelRatio: f, TZOffset: -540, ScreenW: 1 << 40}
		b, err := writeStart(contract.ClientStartRequest{SessionToken: "s", Device: &d})
		check("float", b, err, contract.ClientStartRequest{SessionToken: "s", Device: &d})
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if b, err := writeStart(contract.ClientStartRequest{Device: &contract.DeviceSignals{PixelRatio: f}}); err == nil {
			t.Errorf("pixel ratio %v written: %s", f, b)
		}
	}
}

// utcTimes puts the times of s in UTC: encoding/json keeps an offset's
// zone, the client reads the instant.
func utcTimes(s *contract.Screen) {
	if d := s.Display; d != nil {
		d.Date, d.ExpiresAt, d.ResendAfter = d.Date.UTC(), d.ExpiresAt.UTC(), d.ResendAfter.UTC()
	}
}

func TestReadMatchesEncodingJSON(t *testing.T) {
	// Every field set, as the edge writes it; read as the edge would read
	// it back (invalid UTF-8 became U+FFFD on the way).
	b, err := json.Marshal(filled[contract.Screen](t))
	if err != nil {
		t.Fatal(err)
	}
	var want contract.Screen
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	got, err := readScreen(b)
	if err != nil || !reflect.DeepEqual(got.Display, want.Display) || !reflect.DeepEqual(got, want) {
		t.Errorf("readScreen(%s) =\n%+v %+v, %v\nwant %+v %+v", b, got, got.Display, err, want, want.Display)
	}
	b, _ = json.Marshal(filled[contract.ErrorBody](t))
	var wantE contract.ErrorBody
	if err := json.Unmarshal(b, &wantE); err != nil {
		t.Fatal(err)
	}
	if got, err := readErrorBody(b); err != nil || got != wantE {
		t.Errorf("readErrorBody(%s) = %+v, %v", b, got, err)
	}
}

func TestParseJSONDepth(t *testing.T) {
	for _, n := range []int{maxJSONDepth - 1, maxJSONDepth, maxJSONDepth + 1} {
		for _, open := range []string{"[", `{"a":`} {
			closer := "]"
			if open != "[" {
				closer = "}"
			}
			in := []byte(strings.Repeat(open, n) + "1" + strings.Repeat(closer, n))
			if _, err := parseJSON(in); (err == nil) != json.Valid(in) {
				t.Errorf("depth %d of %q: parseJSON %v, json.Valid %v", n, open, err, json.Valid(in))
			}
		}
	}
}

func TestReadJSON(t *testing.T) {
	tests := []string{
		`{"state":"challenge","challenge_token":"c","display":{"merchant":"M","amount":1250,"currency":"JPY","date":"2026-11-22T03:00:00Z"},"merchant_origin":"https://shop.example"}`,
		`{"state":"result","status":"Y","reason":"","result_token":"r","unknown":[1,{"a":[]}],"merchant_origin":null}`,
		`{"display":{"merchant":"a"},"display":{"amount":5}}`, // merged, as encoding/json does
		`{"display":{"merchant":"a"},"display":null}`,
		`{"display":null,"display":{"amount":5}}`,
		`{"state":"a","state":"b"}`,
		`{"state":"\u00e9\ud83d\ude42\ud800\udc00x\ud800\u0041\udc00\"\\\/\b\f\n\r\t"}`,
		"{\"state\":\"\xff\xc3(\xed\xa0\x80 ok\"}",
		`{"display":{"amount":-0,"attempts_left":9223372036854775807}}`,
		`{"display":{"amount":9223372036854775808}}`,
		`{"display":{"amount":1.0}}`,
		`{"display":{"amount":1e2}}`,
		`{"display":{"amount":"1"}}`,
		`{"display":{"date":"2026-11-22T12:00:00+09:00"}}`,
		`{"display":{"date":"2026-11-22T03:00:00.123456789123Z"}}`,
		`{"display":{"date":null,"expires_at":"2026-11-22T03:10:00Z"}}`,
		`{"display":{"date":5}}`,
		`{"display":{"date":"2026\u002d11-22T03:00:00Z"}}`, // encoding/json's time does not undo escapes
		`{"display":[]}`,
		`{"state":true}`,
		`{"state":{}}`,
		`null`, `[]`, `"x"`, `1`, ``, ` `, `{`, `{"state":"a",}`, `{"state":"a"} x`, `{'state':1}`,
		`{"a":01}`, `{"a":-}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":-0.0e+5}`, `{"a":tru}`, `{"a":nul}`,
		"{\"a\":\"\x1f\"}", `{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"\u12G4"}`, " \t\r\n{ } \n",
	}
	for _, in := range tests {
		compareReads(t, []byte(in))
	}
	for _, in := range []string{`{"state":"a"}`, `{"error":"expired","message":"m"}`} {
		if _, err := readScreen([]byte(in)); err != nil {
			t.Errorf("readScreen(%s): %v", in, err)
		}
	}
	// The exact names only: encoding/json would also take these.
	for _, in := range []string{`{"State":"challenge"}`, `{"ERROR":"expired"}`} {
		s, _ := readScreen([]byte(in))
		e, _ := readErrorBody([]byte(in))
		if s.State != "" || e.Error != "" {
			t.Errorf("%s read as %+v, %+v", in, s, e)
		}
	}
}

// compareReads holds readScreen, readErrorBody and readSessionClaims to
// encoding/json on data, and reports whether they read it.
func compareReads(t *testing.T, data []byte) {
	t.Helper()
	tree, perr := parseJSON(data)
	if (perr == nil) != json.Valid(data) {
		t.Fatalf("parseJSON(%q): %v, json.Valid %v", data, perr, json.Valid(data))
	}
	if perr == nil && hasFoldedKey(tree) {
		return // encoding/json would take a key in another case
	}

	got, err := readScreen(data)
	var want contract.Screen
	werr := json.Unmarshal(data, &want)
	switch {
	case err == nil && werr != nil:
		t.Fatalf("readScreen(%q) = %+v, encoding/json refuses it: %v", data, got, werr)
	case err != nil && werr == nil && !lenientTime(tree):
		t.Fatalf("readScreen(%q): %v, encoding/json reads %+v", data, err, want)
	case err == nil:
		utcTimes(&want)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("readScreen(%q) =\n%+v %+v\nencoding/json\n%+v %+v", data, got, got.Display, want, want.Display)
		}
	}

	gotE, err := readErrorBody(data)
	var wantE contract.ErrorBody
	werr = json.Unmarshal(data, &wantE)
	if (err == nil) != (werr == nil) || err == nil && gotE != wantE {
		t.Fatalf("readErrorBody(%q) = %+v, %v; encoding/json %+v, %v", data, gotE, err, wantE, werr)
	}

	gotC, err := readSessionClaims(data)
	var wantC struct {
		EMV json.RawMessage `json:"emv"`
		MO  *string         `json:"mo"`
	}
	werr = json.Unmarshal(data, &wantC)
	wantEMV := strings.HasPrefix(strings.TrimSpace(string(wantC.EMV)), "{")
	if (err == nil) != (werr == nil) || err == nil && (gotC.emv != wantEMV || (gotC.mo == nil) != (wantC.MO == nil) || gotC.mo != nil && *gotC.mo != *wantC.MO) {
		t.Fatalf("readSessionClaims(%q) = %+v, %v; encoding/json %s %v, %v", data, gotC, err, wantC.EMV, wantC.MO, werr)
	}
}

// hasFoldedKey reports whether a key anywhere in v is not ASCII, or
// matches a field name of the client's in another case: encoding/json
// matches names case-insensitively (and with Unicode folding), the
// client exactly.
func hasFoldedKey(v jsonValue) bool {
	for _, m := range v.members {
		for i := 0; i < len(m.key); i++ {
			if m.key[i] >= utf8.RuneSelf {
				return true
			}
		}
		if m.key != strings.ToLower(m.key) || hasFoldedKey(m.val) {
			return true
		}
	}
	return false
}

// lenientTime reports whether a display's time in v is a string the time
// package reads and parseTime does not (time.Parse's lenient fallback).
func lenientTime(v jsonValue) bool {
	for _, m := range v.members {
		if m.key != "display" {
			continue
		}
		for _, f := range m.val.members {
			if f.key != "date" && f.key != "expires_at" && f.key != "resend_after" || f.val.kind != '"' {
				continue
			}
			if _, ok := parseTime(f.val.raw); !ok {
				var tm time.Time
				if tm.UnmarshalJSON([]byte(`"`+f.val.raw+`"`)) == nil {
					return true
				}
			}
		}
	}
	return false
}
