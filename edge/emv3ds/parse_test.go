package emv3ds

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const creqJSON = `{"messageType":"CReq","messageVersion":"2.2.0","threeDSServerTransID":"0f1e2d3c-4b5a-4697-8877-66554433aa10",` +
	`"acsTransID":"7b3e1f0a-9c2d-4e8b-a6f5-0d1c2b3a4e5f","challengeWindowSize":"03"}`

func TestParseCReqPadding(t *testing.T) {
	// 176 bytes of JSON: 176 % 3 = 2, so the padded form ends in one '='.
	if len(creqJSON)%3 == 0 {
		t.Fatalf("the sample needs padding to test it (%d bytes)", len(creqJSON))
	}
	padded := base64.URLEncoding.EncodeToString([]byte(creqJSON))
	unpadded := base64.RawURLEncoding.EncodeToString([]byte(creqJSON))
	if !strings.HasSuffix(padded, "=") || strings.HasSuffix(unpadded, "=") {
		t.Fatalf("encodings: %s / %s", padded, unpadded)
	}
	for _, field := range []string{padded, unpadded} {
		c, e := ParseCReq(field)
		if e != nil {
			t.Fatalf("%s: %v", field, e)
		}
		if c.MessageVersion != "2.2.0" || c.ACSTransID != "7b3e1f0a-9c2d-4e8b-a6f5-0d1c2b3a4e5f" || c.ChallengeWindowSize != "03" {
			t.Fatalf("read %+v", c)
		}
	}
	// Standard base64's alphabet is not base64url: '+' and '/' are refused.
	std := base64.StdEncoding.EncodeToString([]byte(creqJSON + "\xfb\xff"))
	if !strings.ContainsAny(std, "+/") {
		t.Fatalf("sample %s has no '+' or '/'", std)
	}
	_, e := ParseCReq(std)
	checkErro(t, e, "CReq", "101", "")
}

func TestParseCReq(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edits  []string
		code   string
		detail string
	}{
		{name: "valid"},
		{name: "window 05", edits: []string{`"03"`, `"05"`}},
		{name: "extra dsTransID as agnosco sends", edits: []string{`"challengeWindowSize"`, `"dsTransID":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d","challengeWindowSize"`}},
		{name: "window 06", edits: []string{`"03"`, `"06"`}, code: "203", detail: "challengeWindowSize"},
		{name: "window a number", edits: []string{`"03"`, `3`}, code: "203", detail: "challengeWindowSize"},
		{name: "acsTransID not a UUID", edits: []string{`"7b3e1f0a-9c2d-4e8b-a6f5-0d1c2b3a4e5f"`, `"7b3e1f0a"`}, code: "203", detail: "acsTransID"},
		{name: "two missing", edits: []string{`,"acsTransID":"7b3e1f0a-9c2d-4e8b-a6f5-0d1c2b3a4e5f"`, ``, `,"challengeWindowSize":"03"`, ``},
			code: "201", detail: "acsTransID, challengeWindowSize"},
		{name: "messageType CRes", edits: []string{`"CReq"`, `"CRes"`}, code: "101", detail: "messageType"},
		{name: "version 2.0.0", edits: []string{`"2.2.0"`, `"2.0.0"`}, code: "102", detail: "messageVersion"},
		{name: "duplicate", edits: []string{`"challengeWindowSize":"03"`, `"challengeWindowSize":"03","challengeWindowSize":"05"`}, code: "204", detail: "challengeWindowSize"},
		{name: "case variant", edits: []string{`"acsTransID"`, `"acsTransId"`}, code: "203", detail: "acsTransId"},
		{name: "non-critical extension", edits: []string{`"challengeWindowSize"`, `"messageExtension":[{"name":"n","id":"i","criticalityIndicator":false,"data":{}}],"challengeWindowSize"`}},
		{name: "critical extension", edits: []string{`"challengeWindowSize"`, `"messageExtension":[{"name":"n","id":"crit-1","criticalityIndicator":true,"data":{}}],"challengeWindowSize"`},
			code: "202", detail: "crit-1"},
		{name: "trailing data", edits: []string{`"03"}`, `"03"}{}`}, code: "101"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			field := base64.RawURLEncoding.EncodeToString([]byte(edit(t, creqJSON, tc.edits...)))
			_, e := ParseCReq(field)
			if tc.code == "" {
				if e != nil {
					t.Fatalf("refused: %v", e)
				}
				return
			}
			checkErro(t, e, "CReq", tc.code, tc.detail)
		})
	}
	for _, field := range []string{"", "!!!", strings.Repeat("A", maxBase64Field+1), base64.RawURLEncoding.EncodeToString([]byte(`[1]`))} {
		_, e := ParseCReq(field)
		checkErro(t, e, "CReq", "101", "")
	}
	// The Erro carries the ids it could read, for the DS and the requestor.
	_, e := ParseCReq(base64.RawURLEncoding.EncodeToString([]byte(edit(t, creqJSON, `"03"`, `"09"`))))
	if e.ThreeDSServerTransID != "0f1e2d3c-4b5a-4697-8877-66554433aa10" || e.ACSTransID != "7b3e1f0a-9c2d-4e8b-a6f5-0d1c2b3a4e5f" || e.MessageVersion != "2.2.0" {
		t.Fatalf("Erro %+v", e)
	}
}

func TestParseMethodData(t *testing.T) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	ok := `{"threeDSServerTransID":"0f1e2d3c-4b5a-4697-8877-66554433aa10","threeDSMethodNotificationURL":"https://shop.example/3ds/method?mode=redirect"}`
	m, err := ParseMethodData(enc(ok))
	if err != nil || m.ThreeDSServerTransID != "0f1e2d3c-4b5a-4697-8877-66554433aa10" || m.ThreeDSMethodNotificationURL != "https://shop.example/3ds/method?mode=redirect" {
		t.Fatalf("%+v %v", m, err)
	}
	if _, err := ParseMethodData(base64.URLEncoding.EncodeToString([]byte(ok + " "))); err != nil {
		t.Fatalf("padded: %v", err)
	}
	for _, bad := range []string{
		`{"threeDSServerTransID":"0f1e2d3c","threeDSMethodNotificationURL":"https://shop.example/n"}`,
		`{"threeDSServerTransID":"0f1e2d3c-4b5a-4697-8877-66554433aa10"}`,
		`{"threeDSServerTransID":"0f1e2d3c-4b5a-4697-8877-66554433aa10","threeDSMethodNotificationURL":"javascript:alert(1)"}`,
		`{"threeDSServerTransID":"0f1e2d3c-4b5a-4697-8877-66554433aa10","threeDSMethodNotificationURL":"https://shop.example/` + strings.Repeat("n", 240) + `"}`,
		`{"threeDSServerTransID":"0f1e2d3c-4b5a-4697-8877-66554433aa10","threeDSServerTransID":"0f1e2d3c-4b5a-4697-8877-66554433aa10","threeDSMethodNotificationURL":"https://shop.example/n"}`,
		`{"threeDSServerTransId":"0f1e2d3c-4b5a-4697-8877-66554433aa10","threeDSMethodNotificationURL":"https://shop.example/n"}`,
		`[]`,
	} {
		if _, err := ParseMethodData(enc(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

const rresJSON = `{"messageType":"RRes","messageVersion":"2.2.0","threeDSServerTransID":"0f1e2d3c-4b5a-4697-8877-66554433aa10",` +
	`"dsTransID":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d","acsTransID":"7b3e1f0a-9c2d-4e8b-a6f5-0d1c2b3a4e5f","resultsStatus":"01"}`

func TestParseRRes(t *testing.T) {
	r, err := ParseRRes([]byte(rresJSON))
	if err != nil || r.ResultsStatus != "01" || r.ACSTransID != "7b3e1f0a-9c2d-4e8b-a6f5-0d1c2b3a4e5f" || r.DSTransID == "" {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := ParseRRes([]byte(edit(t, rresJSON, `"01"`, `"85"`))); err != nil {
		t.Fatalf("DS-reserved resultsStatus: %v", err)
	}
	for _, tc := range []struct {
		edits        []string
		code, detail string
	}{
		{[]string{`"01"`, `"04"`}, "203", "resultsStatus"},
		{[]string{`,"resultsStatus":"01"`, ``}, "201", "resultsStatus"},
		{[]string{`"RRes"`, `"RReq"`}, "101", "messageType"},
		{[]string{`"2.2.0"`, `"9.9.9"`}, "102", "messageVersion"},
		{[]string{`"resultsStatus":"01"`, `"resultsStatus":"01","resultsStatus":"01"`}, "204", "resultsStatus"},
		{[]string{`"dsTransID"`, `"DSTransID"`}, "203", "DSTransID"},
	} {
		_, err := ParseRRes([]byte(edit(t, rresJSON, tc.edits...)))
		var e *Erro
		if !errors.As(err, &e) {
			t.Fatalf("%v: error %v is no *Erro", tc.edits, err)
		}
		checkErro(t, e, "RRes", tc.code, tc.detail)
	}
	erroBody := `{"messageType":"Erro","messageVersion":"2.2.0","threeDSServerTransID":"0f1e2d3c-4b5a-4697-8877-66554433aa10",` +
		`"acsTransID":"7b3e1f0a-9c2d-4e8b-a6f5-0d1c2b3a4e5f","errorCode":"301","errorComponent":"D",` +
		`"errorDescription":"Transaction ID Not Recognised","errorDetail":"acsTransID","errorMessageType":"RReq"}`
	_, err = ParseRRes([]byte(erroBody))
	var reply *ErroReply
	if !errors.As(err, &reply) || reply.Erro.ErrorCode != "301" || reply.Erro.ErrorComponent != "D" || reply.Erro.ErrorDetail != "acsTransID" {
		t.Fatalf("DS Erro: %v", err)
	}
	var own *Erro
	if errors.As(err, &own) {
		t.Fatalf("the DS's Erro reads as the ACS's own refusal")
	}
	if !strings.Contains(err.Error(), "301") {
		t.Fatalf("error text %q", err)
	}
}

// TestMarshalNames pins the JSON names of what the ACS writes to the
// literal names of the note (§4, §5, §6): a Go field renamed must not
// rename a field on the wire.
func TestMarshalNames(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{ARes{MessageType: "ARes", MessageVersion: "2.2.0", ThreeDSServerTransID: "s", DSTransID: "d", ACSTransID: "a",
			ACSReferenceNumber: "r", ACSOperatorID: "o", DSReferenceNumber: "dr", TransStatus: "C", TransStatusReason: "01",
			ACSChallengeMandated: "N", AuthenticationType: "02", AuthenticationMethod: []string{"02"}, ACSURL: "https://acs/3ds/v2/creq",
			AuthenticationValue: "av", ECI: "05", CardholderInfo: "text", TransStatusReasonInfo: "i"},
			`{"messageType":"ARes","messageVersion":"2.2.0","threeDSServerTransID":"s","dsTransID":"d","acsTransID":"a",` +
				`"acsReferenceNumber":"r","acsOperatorID":"o","dsReferenceNumber":"dr","transStatus":"C","transStatusReason":"01",` +
				`"acsChallengeMandated":"N","authenticationType":"02","authenticationMethod":["02"],"acsURL":"https://acs/3ds/v2/creq",` +
				`"authenticationValue":"av","eci":"05","cardholderInfo":"text","transStatusReasonInfo":"i"}`},
		{ARes{MessageType: "ARes", MessageVersion: "2.3.1", ThreeDSServerTransID: "s", ACSTransID: "a", ACSReferenceNumber: "r",
			TransStatus: "Y", CardholderInfo: CardholderInfoObject{Text: "t"}},
			`{"messageType":"ARes","messageVersion":"2.3.1","threeDSServerTransID":"s","acsTransID":"a","acsReferenceNumber":"r",` +
				`"transStatus":"Y","cardholderInfo":{"text":"t"}}`},
		{CRes{MessageType: "CRes", MessageVersion: "2.2.0", ThreeDSServerTransID: "s", ACSTransID: "a", ChallengeCompletionInd: "Y", TransStatus: "N"},
			`{"messageType":"CRes","messageVersion":"2.2.0","threeDSServerTransID":"s","acsTransID":"a","challengeCompletionInd":"Y","transStatus":"N"}`},
		{RReq{MessageType: "RReq", MessageVersion: "2.2.0", ThreeDSServerTransID: "s", DSTransID: "d", ACSTransID: "a",
			MessageCategory: "01", TransStatus: "N", TransStatusReason: "14", AuthenticationType: "02", AuthenticationMethod: []string{"05"},
			AuthenticationValue: "av", ECI: "07", InteractionCounter: "01", ChallengeCancel: "04"},
			`{"messageType":"RReq","messageVersion":"2.2.0","threeDSServerTransID":"s","dsTransID":"d","acsTransID":"a",` +
				`"messageCategory":"01","transStatus":"N","transStatusReason":"14","authenticationType":"02","authenticationMethod":["05"],` +
				`"authenticationValue":"av","eci":"07","interactionCounter":"01","challengeCancel":"04"}`},
		{Erro{MessageType: "Erro", MessageVersion: "2.2.0", ThreeDSServerTransID: "s", ACSTransID: "a", DSTransID: "d",
			ErrorCode: "203", ErrorComponent: "A", ErrorDescription: "x", ErrorDetail: "y", ErrorMessageType: "AReq"},
			`{"messageType":"Erro","messageVersion":"2.2.0","threeDSServerTransID":"s","acsTransID":"a","dsTransID":"d",` +
				`"errorCode":"203","errorComponent":"A","errorDescription":"x","errorDetail":"y","errorMessageType":"AReq"}`},
		{MethodData{ThreeDSServerTransID: "s"}, `{"threeDSServerTransID":"s"}`},
	} {
		got, err := json.Marshal(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("%T:\n got %s\nwant %s", tc.v, got, tc.want)
		}
	}
	// The final CRes as it is posted: unpadded base64url of that JSON.
	s, err := Encode(CRes{MessageType: "CRes", MessageVersion: "2.1.0", ThreeDSServerTransID: "s", ACSTransID: "a", ChallengeCompletionInd: "Y", TransStatus: "Y"})
	if err != nil || strings.ContainsAny(s, "=+/") {
		t.Fatalf("Encode: %q %v", s, err)
	}
	b, err := DecodeBase64URL(s)
	if err != nil || !strings.Contains(string(b), `"transStatus":"Y"`) {
		t.Fatalf("round trip: %s %v", b, err)
	}
}

func TestStampVersion(t *testing.T) {
	for got, want := range map[string]string{
		"2.1.0": "2.1.0", "2.2.0": "2.2.0", "2.3.1": "2.3.1",
		"2.3.0": "2.2.0", "2.4.0": "2.3.1", "3.0.0": "2.3.1", "2.0.1": "2.1.0", "2.1.5": "2.1.0",
		"": "2.2.0", "2.2": "2.2.0", "x.y.z": "2.2.0", "2.2.-1": "2.2.0", "2.2.+1": "2.2.0",
	} {
		if s := stampVersion(got); s != want {
			t.Errorf("stampVersion(%q) = %s, want %s", got, s, want)
		}
	}
}
