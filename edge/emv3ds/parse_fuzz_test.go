package emv3ds

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
)

// erroCodes are the codes the parsers produce.
var erroCodes = []string{"101", "102", "201", "202", "203", "204", "207", "305"}

// marshalPlain encodes v as the DS would send it, without encoding/json's
// HTML escaping (which would lengthen an extension's data).
func marshalPlain(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// FuzzAReq: ParseAReq never panics; a refusal is a complete Erro with one
// of the parser's codes; an AReq it accepts has the fields every AReq of
// its channel and category needs (restated here, not read from the
// table), and re-marshalled it parses again to the same message (a fixed
// point after one round trip: what the ACS stores it can read back).
func FuzzAReq(f *testing.F) {
	for _, b := range testdata(f) {
		f.Add(b)
	}
	f.Add([]byte(base220))
	f.Add([]byte(base3RI))
	f.Add([]byte(`{"messageType":"AReq","messageVersion":"2.3.1","deviceChannel":"01"}`))
	f.Add([]byte(`{"a":{"b":1,"b":2}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, e := ParseAReq(body)
		if e != nil {
			checkErroShape(t, e, "AReq")
			if !slices.Contains(erroCodes, e.ErrorCode) {
				t.Fatalf("unexpected code %s", e.ErrorCode)
			}
			return
		}
		need := []string{a.MessageType, a.MessageVersion, a.MessageCategory, a.DeviceChannel, a.ThreeDSServerTransID,
			a.DSTransID, a.DSReferenceNumber, a.ThreeDSServerRefNumber, a.ThreeDSRequestorID, a.ThreeDSRequestorName,
			a.ThreeDSRequestorURL, a.AcctNumber}
		switch a.DeviceChannel {
		case ChannelBrowser:
			need = append(need, a.ThreeDSRequestorAuthenticationInd, a.BrowserAcceptHeader, a.BrowserUserAgent,
				a.NotificationURL, a.ThreeDSCompInd)
		case Channel3RI:
			need = append(need, a.ThreeRIInd)
		default:
			t.Fatalf("accepted channel %q", a.DeviceChannel)
		}
		if a.Payment() {
			need = append(need, a.AcquirerBIN, a.AcquirerMerchantID, a.MCC, a.MerchantCountryCode, a.MerchantName)
			if a.Browser() || a.MessageVersion != V210 {
				need = append(need, a.PurchaseAmount, a.PurchaseCurrency, a.PurchaseExponent, a.PurchaseDate)
			}
		}
		for _, s := range need {
			if s == "" {
				t.Fatalf("accepted without a required field: %+v", a)
			}
		}
		if !isUUID(a.ThreeDSServerTransID) || !isUUID(a.DSTransID) || !SupportedVersion(a.MessageVersion) || a.MessageType != TypeAReq {
			t.Fatalf("accepted malformed ids or version: %+v", a)
		}
		if !bytes.Equal(a.Raw, body) {
			t.Fatalf("Raw differs from the body")
		}
		once := marshalPlain(t, a)
		b, e := ParseAReq(once)
		if e != nil {
			t.Fatalf("re-marshalled AReq refused: %v\n%s", e, once)
		}
		if twice := marshalPlain(t, b); !bytes.Equal(once, twice) {
			t.Fatalf("round trip changed the AReq:\n%s\n%s", once, twice)
		}
	})
}

// FuzzCReq: ParseCReq never panics; a refusal is a complete Erro; an
// accepted CReq has UUID ids, a supported version and a window of
// WindowSizes, and encodes back to a creq that parses to the same CReq.
func FuzzCReq(f *testing.F) {
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(creqJSON)))
	f.Add(base64.URLEncoding.EncodeToString([]byte(creqJSON)))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"messageType":"CReq","messageVersion":"2.1.0","messageExtension":[{"name":"n","id":"i","criticalityIndicator":true,"data":{}}]}`)))
	f.Add("e30")
	f.Fuzz(func(t *testing.T, field string) {
		c, e := ParseCReq(field)
		if e != nil {
			checkErroShape(t, e, "CReq")
			if !slices.Contains(erroCodes, e.ErrorCode) {
				t.Fatalf("unexpected code %s", e.ErrorCode)
			}
			return
		}
		if _, ok := WindowSizes[c.ChallengeWindowSize]; !ok || !isUUID(c.ACSTransID) || !isUUID(c.ThreeDSServerTransID) ||
			!SupportedVersion(c.MessageVersion) || c.MessageType != TypeCReq {
			t.Fatalf("accepted %+v", c)
		}
		again, e := ParseCReq(base64.RawURLEncoding.EncodeToString(marshalPlain(t, c)))
		if e != nil {
			t.Fatalf("re-encoded CReq refused: %v", e)
		}
		if !reflect.DeepEqual(normalCReq(t, c), normalCReq(t, again)) {
			t.Fatalf("round trip changed the CReq:\n%+v\n%+v", c, again)
		}
	})
}

// normalCReq compares extensions' data by its compact form.
func normalCReq(t *testing.T, c CReq) CReq {
	for i, x := range c.MessageExtension {
		var b bytes.Buffer
		if err := json.Compact(&b, x.Data); err != nil {
			t.Fatal(err)
		}
		c.MessageExtension[i].Data = b.Bytes()
	}
	return c
}

// FuzzMethodData: ParseMethodData never panics; what it accepts has a
// UUID and an http(s) URL of at most 256 characters, and the notification
// the ACS posts back (the id alone) encodes and decodes cleanly.
func FuzzMethodData(f *testing.F) {
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"threeDSServerTransID":"0f1e2d3c-4b5a-4697-8877-66554433aa10","threeDSMethodNotificationURL":"https://shop.example/n?mode=redirect"}`)))
	f.Add(base64.URLEncoding.EncodeToString([]byte(`{"threeDSServerTransID":"0f1e2d3c-4b5a-4697-8877-66554433aa10","threeDSMethodNotificationURL":"http://127.0.0.1:8080/n"}`)))
	f.Add("e30=")
	f.Fuzz(func(t *testing.T, field string) {
		m, err := ParseMethodData(field)
		if err != nil {
			return
		}
		if !isUUID(m.ThreeDSServerTransID) || !webURL(256, "")(m.ThreeDSMethodNotificationURL, "") {
			t.Fatalf("accepted %+v", m)
		}
		again, err := ParseMethodData(base64.RawURLEncoding.EncodeToString(marshalPlain(t, m)))
		if err != nil || again != m {
			t.Fatalf("round trip: %+v %v", again, err)
		}
		s, err := Encode(MethodData{ThreeDSServerTransID: m.ThreeDSServerTransID})
		if err != nil {
			t.Fatal(err)
		}
		b, err := DecodeBase64URL(s)
		var back MethodData
		if err != nil || json.Unmarshal(b, &back) != nil || back.ThreeDSServerTransID != m.ThreeDSServerTransID || back.ThreeDSMethodNotificationURL != "" {
			t.Fatalf("notification %s: %+v %v", b, back, err)
		}
	})
}

// FuzzRRes: ParseRRes (the DS's answer to an RReq) never panics; an
// answer it accepts is an RRes with its three transaction ids and a
// resultsStatus of the list; a DS's Erro comes back as *ErroReply, any
// other refusal as a complete Erro of the parser's codes.
func FuzzRRes(f *testing.F) {
	const ati, sti, dsti = "8a880dc0-d2d2-4067-bcb1-b08d1690b26e", "1b7d5d0e-3a5e-4c8e-9d5c-2f3b9a7e6c11", "0e5b2c4d-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
	f.Add([]byte(`{"messageType":"RRes","messageVersion":"2.2.0","threeDSServerTransID":"` + sti + `","dsTransID":"` + dsti +
		`","acsTransID":"` + ati + `","resultsStatus":"01"}`))
	f.Add([]byte(`{"messageType":"Erro","messageVersion":"2.2.0","errorCode":"203","errorComponent":"D","errorDescription":"x","errorDetail":"y"}`))
	f.Add([]byte(`{"messageType":"RRes","messageType":"RRes"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseRRes(body)
		if err == nil {
			if r.MessageType != TypeRRes || !isUUID(r.ThreeDSServerTransID) || !isUUID(r.DSTransID) || !isUUID(r.ACSTransID) || r.ResultsStatus == "" {
				t.Fatalf("accepted %q as %+v", body, r)
			}
			return
		}
		var reply *ErroReply
		if errors.As(err, &reply) {
			return
		}
		var e *Erro
		if !errors.As(err, &e) {
			t.Fatalf("refusal %v is neither an Erro nor the DS's", err)
		}
		checkErroShape(t, e, "RRes")
		if !slices.Contains(erroCodes, e.ErrorCode) {
			t.Fatalf("unexpected code %s", e.ErrorCode)
		}
	})
}
