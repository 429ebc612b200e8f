package e2e

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/honnin/honnin/e2e/dssim"
	"github.com/honnin/honnin/edge/emv3ds"
)

// TestEMVRReqWhileDSDown: the DS is down (connection refused) when the
// challenge ends, then answers 500: the cardholder still gets the CRes,
// the issuer keeps trying, and once the DS is back it takes the RReq
// exactly once. "Once" is read after a later transaction's RReq arrived,
// so the issuer's sender has run past the first.
func TestEMVRReqWhileDSDown(t *testing.T) {
	ctx := context.Background()
	rm := ds(t)
	if err := rm.SetMode(ctx, dssim.Down); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rm.SetMode(context.Background(), dssim.Up) })
	c := startEMV(t, newCard(t, "email", enrolOpts{}), emvOpts{})
	c.enter(c.mailCode())
	tx, cr := c.cres()
	if cr.TransStatus != "Y" {
		t.Fatalf("CRes %q with the DS down, want Y", cr.TransStatus)
	}
	ati := tx.ARes.ACSTransID

	// 500 next: every attempt is seen, none taken.
	if err := rm.SetMode(ctx, dssim.Fail); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the issuer to retry the RReq into the 500s", 90*time.Second, func() bool {
		all, err := rm.RReqs(ctx, ati)
		return err == nil && len(all) > 0
	})
	if err := rm.SetMode(ctx, dssim.Up); err != nil {
		t.Fatal(err)
	}
	r := waitRReq(t, ati, 5*time.Minute)
	checkYRReq(t, r, tx, "email", "01")

	// A later transaction's RReq: the sender has run again since.
	later := startEMV(t, newCard(t, "email", enrolOpts{}), emvOpts{})
	later.enter(later.mailCode())
	ltx, _ := later.cres()
	waitRReq(t, ltx.ARes.ACSTransID, 60*time.Second)
	all, err := rm.RReqs(ctx, ati)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(dssim.Taken(all)); n != 1 {
		t.Errorf("the DS took %d RReqs for the transaction, want exactly 1 (%d attempts in all)", n, len(all))
	}
	t.Logf("RReq attempts while the DS answered 500 and after: %d (1 taken)", len(all))
}

// TestEMVCReqTooLate: the first CReq must reach the ACS within 30 s of the
// ARes. The issuer has no test clock, so this test waits for real: the
// issuer's sweep ends the transaction (RReq N, reason 14, challengeCancel
// 05, about 30 s after the ARes), and a CReq posted after that gets no
// challenge: the notification URL receives the refusal instead.
func TestEMVCReqTooLate(t *testing.T) {
	card := newCard(t, "email", enrolOpts{})
	ctx := newBrowser(t)
	rm := ds(t)
	// The requestor's API as its page calls it, without posting the CReq.
	var start struct {
		ThreeDSServerTransID string `json:"threeDSServerTransID"`
	}
	requestorPost(t, "/api/start", map[string]any{"card": card.Number, "amount": "1250", "currency": "392", "merchant": "Demo Shop",
		"version": emv3ds.V220, "windowSize": "03", "noMethod": true}, &start)
	var a struct {
		TransStatus, ACSURL, CReq, SessionData string
	}
	requestorPost(t, "/api/areq", map[string]any{"threeDSServerTransID": start.ThreeDSServerTransID,
		"browser": dssim.Browser{AcceptHeader: "text/html", UserAgent: "Mozilla/5.0", Language: "en-US", ColorDepth: "24",
			ScreenHeight: "900", ScreenWidth: "1024", TZ: "-540"}}, &a)
	if a.TransStatus != "C" {
		t.Fatalf("ARes %q, want C", a.TransStatus)
	}
	tx, err := rm.Transaction(context.Background(), start.ThreeDSServerTransID)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing ends it within its 30 s; past them, the issuer does.
	if all, err := rm.RReqs(context.Background(), tx.ARes.ACSTransID); err != nil || len(dssim.Taken(all)) != 0 {
		t.Fatalf("an RReq within the CReq's 30 s: %+v, %v", all, err)
	}
	moveIssuerClock(t, 31*time.Second)
	r := waitRReq(t, tx.ARes.ACSTransID, time.Minute)
	if r.TransStatus != "N" || r.TransStatusReason != "14" || r.ChallengeCancel != "05" {
		t.Errorf("RReq %+v, want N, reason 14, challengeCancel 05", r)
	}

	// The CReq now, from the requestor's page, top level.
	do(t, ctx, chromedp.Navigate(sys.RequestorURL+"/"), chromedp.WaitVisible(chromedp.CSS("#pay")))
	post, _ := json.Marshal(map[string]string{"creq": a.CReq, "threeDSSessionData": a.SessionData})
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const f = document.createElement("form"); f.method = "POST"; f.action = `+jsString(a.ACSURL)+`;
		for (const [k, v] of Object.entries(`+string(post)+`)) { const i = document.createElement("input"); i.type = "hidden"; i.name = k; i.value = v; f.appendChild(i); }
		document.body.appendChild(f); f.submit(); })()`))
	waitFor(t, "the refusal at the notification URL", 30*time.Second, func() bool {
		tx, err = rm.Transaction(context.Background(), start.ThreeDSServerTransID)
		return err == nil && len(tx.Results) > 0
	})
	n := tx.Results[0]
	if n.Erro == nil || n.Erro.ErrorCode != emv3ds.ErrTimedOut || n.Erro.ErrorComponent != "A" || n.Erro.ACSTransID != tx.ARes.ACSTransID {
		t.Errorf("late CReq: the notification URL got %+v (Erro %+v), want Erro 402 from the ACS", n, n.Erro)
	}
	if n.SessionData != a.SessionData {
		t.Errorf("threeDSSessionData back %q, want %q", n.SessionData, a.SessionData)
	}
	if all, _ := rm.RReqs(context.Background(), tx.ARes.ACSTransID); len(dssim.Taken(all)) != 1 {
		t.Errorf("RReqs after the late CReq: %+v, want the one", all)
	}
}

// TestEMVAbandoned: the cardholder closes the browser mid-challenge; the
// issuer's sweep ends the transaction (N, challengeCancel 04) once the
// session and code lifetimes and a minute are over, and sends the RReq.
// The issuer is restarted with its clock that far ahead, so the test does
// not wait 21 minutes; and until then, nothing has ended it.
func TestEMVAbandoned(t *testing.T) {
	c := startEMV(t, newCard(t, "email", enrolOpts{}), emvOpts{})
	ati := c.tx().ARes.ACSTransID
	if err := chromedp.Cancel(c.ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := ds(t).RReqs(context.Background(), ati); err != nil || len(dssim.Taken(got)) != 0 {
		t.Fatalf("an RReq before the challenge's time was over: %+v, %v", got, err)
	}
	moveIssuerClock(t, 22*time.Minute) // past limits.SessionLifetime + the code's 10 min + 1 min
	r := waitRReq(t, ati, time.Minute)
	if r.TransStatus != "N" || r.ChallengeCancel != "04" || r.TransStatusReason != "14" {
		t.Errorf("RReq after an abandoned challenge %+v, want N, reason 14, challengeCancel 04", r)
	}
}

// moveIssuerClock restarts the issuer with its clock d ahead, and again
// with the true time when t ends: the EMV timers run out at once.
func moveIssuerClock(t *testing.T, d time.Duration) {
	t.Helper()
	restart := func(d time.Duration) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := sys.RestartIssuer(ctx, d); err != nil {
			t.Fatalf("restart the issuer with its clock %s ahead: %v", d, err)
		}
	}
	restart(d)
	t.Cleanup(func() { restart(0) })
}

// TestEMVForgedEnd: a script holding the challenge's session token posts
// the page's end ("done") without a code. The edge reads the outcome from
// its ledger, so the final CRes says N, the DS is told N, and the right
// code typed afterwards gives no Y.
func TestEMVForgedEnd(t *testing.T) {
	c := startEMV(t, newCard(t, "email", enrolOpts{}), emvOpts{})
	u, err := url.Parse(c.frameURL)
	if err != nil || u.Query().Get("st") == "" {
		t.Fatalf("challenge frame at %q: no session token", c.frameURL)
	}
	resp, err := http.PostForm(sys.EdgeURL+"/3ds/v2/cres", url.Values{"st": {u.Query().Get("st")}, "end": {"done"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="cres" value="([A-Za-z0-9_-]+)"`).FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("forged end: %d %s", resp.StatusCode, page)
	}
	raw, err := emv3ds.DecodeBase64URL(string(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	var cr emv3ds.CRes
	if err := json.Unmarshal(raw, &cr); err != nil || cr.TransStatus != "N" {
		t.Fatalf("forged end's CRes %s, want transStatus N", raw)
	}
	ati := c.tx().ARes.ACSTransID
	if r := waitRReq(t, ati, 30*time.Second); r.TransStatus != "N" || r.AuthenticationValue != "" {
		t.Errorf("RReq after a forged end %+v, want N without an authentication value", r)
	}
	// The cardholder's page types the right code now: no second outcome.
	c.enter(c.mailCode())
	tx := c.result()
	if n := tx.Results[0]; n.CRes == nil || n.CRes.TransStatus != "N" {
		t.Errorf("the requestor's page got %+v, want the CRes N", n)
	}
	if all, _ := ds(t).RReqs(context.Background(), ati); len(dssim.Taken(all)) != 1 {
		t.Errorf("RReqs: %+v, want exactly the one N", all)
	}
}

// TestEMVAReqErro: the DS forwards a faulty AReq; the ACS answers an Erro
// with errorComponent A: 204 for a duplicate key, 201 for a missing
// required field, in each version.
func TestEMVAReqErro(t *testing.T) {
	c := dsClient(t)
	for _, v := range emv3ds.Versions {
		card := freshNumber(t)
		good := dssim.BrowserAReq(dssim.Purchase{Version: v, Card: card, Amount: "1250", NotificationURL: sys.RequestorURL + dssim.NotificationPath,
			CompInd: "U", Browser: dssim.Browser{AcceptHeader: "text/html", UserAgent: "Mozilla/5.0", IP: "127.0.0.1", Language: "en-US",
				ColorDepth: "24", ScreenHeight: "900", ScreenWidth: "1024", TZ: "-540"}})
		good["dsTransID"], good["dsReferenceNumber"], good["dsURL"] = dssim.NewUUID(), dssim.DSReferenceNumber, sys.DSURL
		body, err := json.Marshal(good)
		if err != nil {
			t.Fatal(err)
		}
		// The control: as the requestor builds it, the AReq is answered.
		if r, err := c.SendRaw(context.Background(), body); err != nil || r.ARes == nil {
			t.Fatalf("%s: the well-formed AReq got %v %s, want an ARes", v, err, r.Raw)
		}
		// The same key twice, the second value different (Go's
		// encoding/json would take the last silently).
		dup := append([]byte(`{"acctNumber":"4111111111111111",`), body[1:]...)
		missing := map[string]any{}
		for k, val := range good {
			if k != "acctNumber" {
				missing[k] = val
			}
		}
		missingBody, _ := json.Marshal(missing)
		for _, tc := range []struct {
			name, code string
			body       []byte
		}{{"duplicate key", emv3ds.ErrDuplicate, dup}, {"acctNumber missing", emv3ds.ErrRequiredMissing, missingBody}} {
			r, err := c.SendRaw(context.Background(), tc.body)
			if err != nil {
				t.Fatalf("%s %s: %v", v, tc.name, err)
			}
			if r.Erro == nil || r.Erro.ErrorCode != tc.code || r.Erro.ErrorComponent != "A" || r.Erro.MessageType != "Erro" {
				t.Errorf("%s %s: %d %s, want Erro %s component A", v, tc.name, r.Status, r.Raw, tc.code)
				continue
			}
			if r.Status != http.StatusOK || !strings.HasPrefix(r.ContentType, "application/json") {
				t.Errorf("%s %s: Erro as %d %q, want 200 application/json", v, tc.name, r.Status, r.ContentType)
			}
			if r.Erro.ThreeDSServerTransID != good["threeDSServerTransID"] || r.Erro.ErrorMessageType != "AReq" {
				t.Errorf("%s %s: Erro %+v names neither the transaction nor the AReq", v, tc.name, r.Erro)
			}
		}
	}
}

// TestEMVMutualTLS: the ACS's DS door refuses, in the TLS handshake, a
// client with no certificate and one whose certificate another CA signed;
// the DS's own passes.
func TestEMVMutualTLS(t *testing.T) {
	s := needStack(t)
	p, err := dssim.LoadPKI(s.PKIDir)
	if err != nil {
		t.Fatal(err)
	}
	other, err := dssim.MakePKI(filepath.Join(t.TempDir(), "other"))
	if err != nil {
		t.Fatal(err)
	}
	for name, certs := range map[string][]tls.Certificate{"no certificate": nil, "another CA's certificate": {other.DS}} {
		c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: p.CA, Certificates: certs}}}
		resp, err := c.Post(s.ACSURL, "application/json", strings.NewReader(`{"messageType":"AReq"}`))
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s: the ACS answered %s, want a refusal in the handshake", name, resp.Status)
			continue
		}
		if !strings.Contains(err.Error(), "tls:") {
			t.Errorf("%s: %v, want a TLS alert", name, err)
		}
	}
	r, err := dsClient(t).SendRaw(context.Background(), []byte(`{}`))
	if err != nil || (r.Erro == nil && r.ARes == nil) {
		t.Errorf("the DS's own certificate: %v, %d %s; want an answer", err, r.Status, r.Raw)
	}
}

// requestorPost posts JSON to the requestor's API.
func requestorPost(t *testing.T, path string, in, out any) {
	t.Helper()
	b, _ := json.Marshal(in)
	resp, err := http.Post(sys.RequestorURL+path, "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("requestor %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("requestor %s: %v", path, err)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
