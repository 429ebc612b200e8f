package dssim

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/emv3ds"
)

// TestEncodeCReq: unpadded never ends in '=', padded always does, and both
// decode (padded or not) to the same CReq.
func TestEncodeCReq(t *testing.T) {
	for _, ws := range []string{"01", "02", "03", "04", "05"} {
		// Transaction ids of different lengths move the JSON's length
		// through every remainder mod 3.
		for _, ati := range []string{"a", "ab", "abc"} {
			c := emv3ds.CReq{MessageType: "CReq", MessageVersion: "2.2.0", ThreeDSServerTransID: NewUUID(), ACSTransID: ati, ChallengeWindowSize: ws}
			for _, padded := range []bool{false, true} {
				s, err := encodeCReq(c, padded)
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasSuffix(s, "=") != padded {
					t.Errorf("padded %t: %q", padded, s)
				}
				b, err := emv3ds.DecodeBase64URL(s)
				if err != nil {
					t.Fatal(err)
				}
				var back emv3ds.CReq
				if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, c) {
					t.Errorf("padded %t: %s decodes to %+v, %v", padded, b, back, err)
				}
			}
		}
	}
}

func TestAcceptLanguage(t *testing.T) {
	for h, want := range map[string][]string{
		"ja-JP,ja;q=0.9,en-US;q=0.8": {"ja-JP", "ja", "en-US"},
		"en-US":                      {"en-US"},
		"*":                          nil,
		"":                           nil,
	} {
		if got := acceptLanguage(h); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %q, want %q", h, got, want)
		}
	}
}

// TestBrowserAReqPerVersion: each version gets its own form of the
// fields that differ (note §3).
func TestBrowserAReqPerVersion(t *testing.T) {
	for _, tc := range []struct {
		v              string
		jsEnabled      bool
		challengeArray bool
		acceptLang     bool
	}{
		{"2.1.0", false, false, false},
		{"2.2.0", true, false, false},
		{"2.3.1", true, true, true},
	} {
		m := BrowserAReq(Purchase{Version: tc.v, Card: "3541000000000000", Amount: "1250", NotificationURL: "http://x/n", CompInd: "Y",
			Browser: Browser{Language: "ja-JP", ColorDepth: "24", ScreenHeight: "900", ScreenWidth: "1024", TZ: "-540", UserAgent: "UA", AcceptHeader: "text/html"}})
		if _, ok := m["browserJavascriptEnabled"]; ok != tc.jsEnabled {
			t.Errorf("%s: browserJavascriptEnabled present %t", tc.v, ok)
		}
		if _, ok := m["threeDSRequestorChallengeInd"].([]string); ok != tc.challengeArray {
			t.Errorf("%s: threeDSRequestorChallengeInd %#v", tc.v, m["threeDSRequestorChallengeInd"])
		}
		if _, ok := m["acceptLanguage"]; ok != tc.acceptLang {
			t.Errorf("%s: acceptLanguage present %t", tc.v, ok)
		}
		for _, k := range []string{"messageType", "messageVersion", "deviceChannel", "threeDSServerTransID", "acctNumber", "purchaseAmount",
			"purchaseDate", "notificationURL", "threeDSCompInd", "browserTZ", "browserUserAgent", "browserAcceptHeader"} {
			if m[k] == nil || m[k] == "" {
				t.Errorf("%s: %s missing", tc.v, k)
			}
		}
		if d := m["purchaseDate"].(string); len(d) != 14 {
			t.Errorf("%s: purchaseDate %q", tc.v, d)
		}
		ri := ThreeRIAReq(Purchase{Version: tc.v, Card: "3541000000000000", Amount: "1250"})
		if ri["deviceChannel"] != "03" || ri["notificationURL"] != nil || ri["browserUserAgent"] != nil {
			t.Errorf("%s: 3RI AReq %v", tc.v, ri)
		}
		if _, hasAmount := ri["purchaseAmount"]; hasAmount == (tc.v == "2.1.0") {
			t.Errorf("%s: 3RI purchaseAmount present %t", tc.v, hasAmount)
		}
	}
}

// TestRequestorFlow drives the requestor's API as its page does, against
// an ACS over mutual TLS that challenges: start, AReq (compInd N without a
// method notification, the browser's IP from the connection), then the
// final CRes and an Erro at the notification URL, padded and not, with
// threeDSSessionData echoed.
func TestRequestorFlow(t *testing.T) {
	p := testPKI(t)
	ati := NewUUID()
	acsURL, got := acsServer(t, p, func(b []byte) any {
		var a map[string]any
		json.Unmarshal(b, &a)
		return emv3ds.ARes{MessageType: "ARes", MessageVersion: a["messageVersion"].(string), ThreeDSServerTransID: a["threeDSServerTransID"].(string),
			DSTransID: a["dsTransID"].(string), ACSTransID: ati, TransStatus: "C", ACSURL: "http://edge.test/3ds/v2/creq"}
	})
	q := &Requestor{Origin: "http://req.test", MethodURL: "http://edge.test/3ds/v2/method", DS: NewClient(p, acsURL, "https://ds.test/rreq"), RReqs: receiver(t, p)}
	srv := httptest.NewServer(q.Handler())
	defer srv.Close()

	var start startAnswer
	postJSON(t, srv.URL+"/api/start", startRequest{Card: "3541 0000 0000 0000", Amount: "2500", Currency: "392", Merchant: "Demo Shop",
		Version: "2.3.1", WindowSize: "01", Padded: true}, &start)
	md, err := emv3ds.ParseMethodData(start.MethodData)
	if err != nil || md.ThreeDSServerTransID != start.ThreeDSServerTransID || md.ThreeDSMethodNotificationURL != "http://req.test"+MethodNotificationPath {
		t.Fatalf("method data %+v, %v", md, err)
	}
	var a areqAnswer
	postJSON(t, srv.URL+"/api/areq", areqRequest{ThreeDSServerTransID: start.ThreeDSServerTransID, Browser: Browser{Language: "ja-JP", TZ: "-540"}}, &a)
	if a.TransStatus != "C" || a.ACSURL != "http://edge.test/3ds/v2/creq" || a.Width != "250px" || a.Height != "400px" || !strings.HasSuffix(a.CReq, "=") {
		t.Fatalf("AReq answer %+v", a)
	}
	var sent map[string]any
	json.Unmarshal(got()[0], &sent)
	if sent["threeDSCompInd"] != "N" || sent["browserIP"] != "127.0.0.1" || sent["acctNumber"] != "3541000000000000" ||
		sent["notificationURL"] != "http://req.test/3ds/notification?tx="+start.ThreeDSServerTransID {
		t.Errorf("the ACS got %v", sent)
	}
	creq, perr := emv3ds.ParseCReq(a.CReq)
	if perr != nil || creq.ACSTransID != ati || creq.ChallengeWindowSize != "01" || creq.MessageVersion != "2.3.1" {
		t.Fatalf("CReq %+v, %v", creq, perr)
	}

	cres := emv3ds.CRes{MessageType: "CRes", MessageVersion: "2.3.1", ThreeDSServerTransID: start.ThreeDSServerTransID,
		ACSTransID: ati, ChallengeCompletionInd: "Y", TransStatus: "Y"}
	b, _ := json.Marshal(cres)
	erro, _ := json.Marshal(emv3ds.Erro{MessageType: "Erro", MessageVersion: "2.3.1", ErrorCode: "402", ErrorComponent: "A"})
	notify := srv.URL + NotificationPath + "?tx=" + start.ThreeDSServerTransID
	for _, form := range []url.Values{
		{"cres": {base64.RawURLEncoding.EncodeToString(b)}, "threeDSSessionData": {a.SessionData}},
		{"cres": {base64.URLEncoding.EncodeToString(append(b, ' '))}},
		{"cres": {base64.RawURLEncoding.EncodeToString(erro)}, "threeDSSessionData": {a.SessionData}},
		{"cres": {"not base64!"}},
	} {
		resp, err := http.PostForm(notify, form)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("notification: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	tx, ok := q.Transaction(start.ThreeDSServerTransID)
	if !ok || len(tx.Results) != 4 {
		t.Fatalf("transaction %+v", tx)
	}
	r := tx.Results
	if r[0].CRes == nil || *r[0].CRes != cres || r[0].Padded || r[0].SessionData != a.SessionData || !r[0].HasSessionData {
		t.Errorf("unpadded CRes: %+v", r[0])
	}
	if r[1].CRes == nil || r[1].CRes.TransStatus != "Y" || !r[1].Padded || r[1].HasSessionData {
		t.Errorf("padded CRes without session data: %+v", r[1])
	}
	if r[2].Erro == nil || r[2].Erro.ErrorCode != "402" || r[2].CRes != nil {
		t.Errorf("Erro: %+v", r[2])
	}
	if r[3].DecodeError == "" || r[3].CRes != nil {
		t.Errorf("garbage: %+v", r[3])
	}
	if r[0].Query != "tx="+start.ThreeDSServerTransID {
		t.Errorf("query %q", r[0].Query)
	}

	// The 3DS Method's notification, padded, is recorded once.
	mdata := base64.URLEncoding.EncodeToString([]byte(`{"threeDSServerTransID":"` + start.ThreeDSServerTransID + `"}`))
	resp, err := http.PostForm(srv.URL+MethodNotificationPath, url.Values{"threeDSMethodData": {mdata}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	rm := &Remote{URL: srv.URL}
	rtx, err := rm.Transaction(context.Background(), start.ThreeDSServerTransID)
	if err != nil || rtx.Method == nil || rtx.Method.MethodData == nil || rtx.Method.MethodData.ThreeDSServerTransID != start.ThreeDSServerTransID {
		t.Fatalf("remote transaction: %+v, %v", rtx.Method, err)
	}
	if rtx.CompInd != "N" || rtx.ARes == nil || rtx.ARes.ACSTransID != ati {
		t.Errorf("remote transaction: compInd %q ARes %+v", rtx.CompInd, rtx.ARes)
	}
}

// TestRemoteModeAndRReqs: the JSON API switches the DS's RReq door and
// lists what it received.
func TestRemoteModeAndRReqs(t *testing.T) {
	p := testPKI(t)
	rr := receiver(t, p)
	q := &Requestor{Origin: "http://req.test", RReqs: rr}
	srv := httptest.NewServer(q.Handler())
	defer srv.Close()
	rm := &Remote{URL: srv.URL}
	ctx := context.Background()
	if err := rm.SetMode(ctx, Fail); err != nil {
		t.Fatal(err)
	}
	if rr.Mode() != Fail {
		t.Fatalf("mode %v after SetMode(500)", rr.Mode())
	}
	c := acsClient(p, p.ACS)
	postRReq(c, rr.URL(), anRReq)
	rm.SetMode(ctx, Up)
	postRReq(c, rr.URL(), anRReq)
	got, err := rm.RReqs(ctx, "a-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Status != 500 || got[1].RRes == nil || len(Taken(got)) != 1 {
		t.Fatalf("RReqs %+v", got)
	}
	if none, err := rm.RReqs(ctx, "other"); err != nil || len(none) != 0 {
		t.Errorf("another transaction's RReqs: %+v, %v", none, err)
	}
	if err := rm.SetMode(ctx, Mode(9)); err == nil {
		t.Error("an unknown mode was taken")
	}
}

func postJSON(t *testing.T, url string, in, out any) {
	t.Helper()
	b, _ := json.Marshal(in)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", url, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("%s: %s: %v", url, body, err)
	}
}
