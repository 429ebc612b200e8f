package threeds

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/emv3ds"
	"github.com/honnin/honnin/edge/testenv"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/authvalue"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/store/pgtest"
	"github.com/honnin/honnin/issuer/vault"
)

var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	pg.Stop()
	os.Exit(code)
}

const (
	cardEnrolled = "3540123456789016"
	cardUnknown  = "3540999999999992" // in no table: not enrolled
	cardBadLuhn  = "3540123456789017"
	edgeURL      = "https://edge.example"
)

var t0 = time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)

// fixture is an ACS over a real store, with the door in front of it.
type fixture struct {
	t      *testing.T
	store  *store.Store
	acs    *acs.Service
	door   *Door
	clock  *testenv.Clock
	issuer challenge.IssuerKeys
	edge   challenge.EdgeKeys
	hasher *pan.Hasher
	av     *authvalue.Keys
}

func newFixture(t *testing.T, e pgtest.Engine, attempts bool) *fixture {
	t.Helper()
	f := build(t, e, attempts)
	f.t = t
	return f
}

// newBenchFixture is the fixture for a benchmark.
func newBenchFixture(b *testing.B, e pgtest.Engine) *fixture { return build(b, e, false) }

func build(t testing.TB, e pgtest.Engine, attempts bool) *fixture {
	ctx := context.Background()
	keyDir := filepath.Join(t.TempDir(), "keys")
	if err := challenge.GenerateKeys(keyDir, challenge.KEMXWing); err != nil {
		t.Fatal(err)
	}
	ik, err := challenge.LoadIssuerKeys(keyDir)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := challenge.LoadEdgeKeys(keyDir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, pgtest.Migrated(t, e, store.Open))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	hasher, err := pan.NewHasher(bytes.Repeat([]byte{0x42}, pan.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := pan.Parse(cardEnrolled)
	if _, err := st.UpsertCardholder(ctx, issuer.Cardholder{PANHMAC: hasher.Sum(n), Last4: n.Last4(), Email: "demo@mail.jp",
		PersonalMessage: "さくら", Locale: "ja", Status: issuer.CardholderActive, Country: "JP", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(bytes.Repeat([]byte{0x24}, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	// Codes are never mailed here (no challenge is started): an address
	// nothing listens on makes any send fail loudly.
	mailer, err := dispatch.NewMailer(dispatch.MailConfig{Host: "127.0.0.1", Port: 1, From: "acs@localhost", TLS: dispatch.TLSNone, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	clock := testenv.NewClock(t0)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	av, err := acs.AVRing{Store: st, Vault: v}.Load(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	core, err := acs.New(acs.Config{Store: st, Keys: ik, PAN: hasher, Vault: v, Mail: mailer, AV: av, EdgeURL: edgeURL,
		Log: log, Now: clock.Now, Attempts: attempts})
	if err != nil {
		t.Fatal(err)
	}
	door, err := New(Config{ACS: core, EdgeURL: edgeURL, ReferenceNumber: "HONNIN-ACS-TEST", Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{store: st, acs: core, door: door, clock: clock, issuer: ik, edge: ek, hasher: hasher, av: av}
}

// areq is a valid browser AReq of version v for card, as a DS sends it.
func areq(v, channel, card string) map[string]any {
	m := map[string]any{
		"messageType": "AReq", "messageVersion": v, "messageCategory": "01", "deviceChannel": channel,
		"threeDSServerTransID": emv3ds.NewTransID(), "dsTransID": emv3ds.NewTransID(), "dsReferenceNumber": "DS-TEST-1",
		"dsURL": "https://ds.example/areq", "threeDSServerRefNumber": "3DS_LOA_SER_TEST", "threeDSRequestorID": "req-1",
		"threeDSRequestorName": "Sakura Shop", "threeDSRequestorURL": "https://shop.example/checkout",
		"acctNumber": card, "acquirerBIN": "354012", "acquirerMerchantID": "M-1", "mcc": "5411",
		"merchantCountryCode": "392", "merchantName": "Sakura Shop",
		"purchaseAmount": "1250", "purchaseCurrency": "392", "purchaseExponent": "0", "purchaseDate": "20261206120000",
	}
	if channel == emv3ds.ChannelBrowser {
		m["browserAcceptHeader"] = "text/html"
		m["browserUserAgent"] = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"
		m["browserJavaEnabled"] = false
		m["browserJavascriptEnabled"] = true
		m["browserLanguage"] = "ja-JP"
		m["browserColorDepth"] = "24"
		m["browserScreenHeight"] = "800"
		m["browserScreenWidth"] = "1280"
		m["browserTZ"] = "-540"
		m["browserIP"] = "192.0.2.10"
		m["notificationURL"] = "https://shop.example/3ds/notify?order=1"
		m["threeDSCompInd"] = "N"
		m["threeDSRequestorAuthenticationInd"] = "01"
	} else {
		m["threeRIInd"] = "01" // recurring
		m["recurringExpiry"] = "20271231"
		m["recurringFrequency"] = "30"
	}
	if v == emv3ds.V231 {
		m["acquirerCountryCode"] = "392"
		m["acquirerCountryCodeSource"] = "01"
		if channel == emv3ds.ChannelBrowser {
			m["acceptLanguage"] = []string{"ja-JP", "en"}
		}
	}
	return m
}

// npa makes m a non-payment AReq to add the card to a wallet: category
// 02, no purchase fields.
func npa(m map[string]any) map[string]any {
	m["messageCategory"] = "02"
	m["threeDSRequestorAuthenticationInd"] = "04" // add card
	for _, k := range []string{"purchaseAmount", "purchaseCurrency", "purchaseExponent", "purchaseDate"} {
		delete(m, k)
	}
	return m
}

// send posts an AReq to the door and decodes the answer into a map.
func (f *fixture) send(m any) map[string]any {
	f.t.Helper()
	var body []byte
	switch m := m.(type) {
	case string:
		body = []byte(m)
	default:
		body, _ = json.Marshal(m)
	}
	rec := httptest.NewRecorder()
	f.door.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, AReqPath, bytes.NewReader(body)))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		f.t.Fatalf("AReq: HTTP %d %s: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		f.t.Fatalf("answer is not JSON: %s", rec.Body)
	}
	return out
}

func TestAReqOutcomes(t *testing.T) { pg.ForEachEngine(t, testAReqOutcomes) }

func testAReqOutcomes(t *testing.T, e pgtest.Engine) {
	f := newFixture(t, e, false)
	fa := newFixture(t, e, true)
	for _, c := range []struct {
		name   string
		f      *fixture
		msg    map[string]any
		want   map[string]any
		absent []string
	}{
		{"browser challenge 2.2.0", f, areq("2.2.0", "02", cardEnrolled),
			map[string]any{"messageType": "ARes", "messageVersion": "2.2.0", "transStatus": "C", "acsURL": edgeURL + "/3ds/v2/creq",
				"authenticationType": "02", "acsChallengeMandated": "N", "acsReferenceNumber": "HONNIN-ACS-TEST", "dsReferenceNumber": "DS-TEST-1"},
			[]string{"authenticationValue", "transStatusReason", "authenticationMethod"}},
		{"browser challenge 2.3.1 names the method", f, areq("2.3.1", "02", cardEnrolled),
			map[string]any{"transStatus": "C", "messageVersion": "2.3.1"}, []string{"authenticationType"}},
		{"browser challenge 2.1.0", f, areq("2.1.0", "02", cardEnrolled),
			map[string]any{"transStatus": "C", "messageVersion": "2.1.0", "authenticationType": "02"}, nil},
		{"3RI never challenges", f, areq("2.2.0", "03", cardEnrolled),
			map[string]any{"transStatus": "N", "transStatusReason": "01", "eci": "07"}, []string{"acsURL"}},
		{"not enrolled", f, areq("2.2.0", "02", cardUnknown),
			map[string]any{"transStatus": "N", "transStatusReason": "13", "eci": "07",
				"cardholderInfo": "このカードは本人認証サービスに登録されていません。カード会社の会員サイトで登録できます。"}, []string{"authenticationValue"}},
		{"not enrolled, attempts policy", fa, areq("2.2.0", "02", cardUnknown),
			map[string]any{"transStatus": "A", "eci": "06"}, []string{"transStatusReason"}},
		{"non-payment without an amount: a challenge, with nothing to pay", f, npa(areq("2.2.0", "02", cardEnrolled)),
			map[string]any{"transStatus": "C", "authenticationType": "02"}, []string{"transStatusReason"}},
		{"check digit wrong", f, areq("2.2.0", "02", cardBadLuhn),
			map[string]any{"transStatus": "N", "transStatusReason": "06"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := c.f.send(c.msg)
			for k, v := range c.want {
				if out[k] != v {
					t.Errorf("%s = %v, want %v (ARes %v)", k, out[k], v, out)
				}
			}
			for _, k := range c.absent {
				if _, ok := out[k]; ok {
					t.Errorf("%s present: %v", k, out[k])
				}
			}
			if out["threeDSServerTransID"] != c.msg["threeDSServerTransID"] || out["dsTransID"] != c.msg["dsTransID"] {
				t.Errorf("ids not echoed: %v", out)
			}
			if id, _ := out["acsTransID"].(string); len(id) != 36 {
				t.Errorf("acsTransID %q is not a UUID", id)
			}
			if out["transStatus"] == "A" {
				av, _ := out["authenticationValue"].(string)
				n, _ := pan.Parse(c.msg["acctNumber"].(string))
				got, err := c.f.av.Verify(av, authvalue.Purchase{PANHMAC: c.f.hasher.Sum(n), Amount: 1250, Currency: "JPY"}, c.f.clock.Now())
				if err != nil || got.Status != "A" {
					t.Errorf("authenticationValue %q does not verify as A for the card and ¥1,250: %+v, %v", av, got, err)
				}
			}
		})
	}
	// 2.3.1's cardholderInfo is an object.
	m := areq("2.3.1", "02", cardUnknown)
	m["browserLanguage"] = "en-US"
	out := f.send(m)
	if info, _ := out["cardholderInfo"].(map[string]any); info == nil || !strings.HasPrefix(info["text"].(string), "This card is not enrolled") {
		t.Errorf("2.3.1 cardholderInfo = %#v, want an object with the English text", out["cardholderInfo"])
	}
}

func TestAReqRefused(t *testing.T) {
	f := newFixture(t, pg.Engine(t, pgtest.SQLite), false)
	yen := areq("2.2.0", "02", cardEnrolled)
	yen["purchaseCurrency"] = "999"
	frac := areq("2.2.0", "02", cardEnrolled)
	frac["purchaseExponent"] = "2"
	frac["purchaseAmount"] = "125050" // ¥1,250.50: yen has no minor unit
	for _, c := range []struct {
		name string
		msg  any
		code string
	}{
		{"not JSON", "{", emv3ds.ErrInvalidMessage},
		{"version", func() map[string]any { m := areq("2.2.0", "02", cardEnrolled); m["messageVersion"] = "2.0.0"; return m }(), emv3ds.ErrVersion},
		{"unknown currency", yen, emv3ds.ErrISOCode},
		{"amount finer than the currency", frac, emv3ds.ErrTransactionData},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := f.send(c.msg)
			if out["messageType"] != "Erro" || out["errorCode"] != c.code || out["errorComponent"] != "A" || out["errorMessageType"] != "AReq" {
				t.Errorf("answer %v, want Erro %s from component A about the AReq", out, c.code)
			}
		})
	}
	rec := httptest.NewRecorder()
	f.door.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, AReqPath, nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", rec.Code)
	}
}

// ds is a Directory Server's results endpoint over real TLS: it records
// every RReq and answers RRes 01, or HTTP 503 while down.
type ds struct {
	mu    sync.Mutex
	down  bool
	rreqs []emv3ds.RReq
	srv   *httptest.Server
}

func newDS(t *testing.T) *ds {
	d := &ds{}
	d.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var q emv3ds.RReq
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		d.rreqs = append(d.rreqs, q)
		json.NewEncoder(w).Encode(emv3ds.RRes{MessageType: "RRes", MessageVersion: q.MessageVersion,
			ThreeDSServerTransID: q.ThreeDSServerTransID, DSTransID: q.DSTransID, ACSTransID: q.ACSTransID, ResultsStatus: "01"})
	}))
	t.Cleanup(d.srv.Close)
	return d
}

func (d *ds) got() []emv3ds.RReq {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]emv3ds.RReq(nil), d.rreqs...)
}

func TestChallengeTimersAndResults(t *testing.T) { pg.ForEachEngine(t, testChallengeTimersAndResults) }

func testChallengeTimersAndResults(t *testing.T, e pgtest.Engine) {
	ctx := context.Background()
	f := newFixture(t, e, false)
	d := newDS(t)
	results := &Results{ACS: f.acs, URL: d.srv.URL, HTTP: d.srv.Client(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}

	// Three challenges: one never opened, one opened and abandoned, one
	// that ends Y at the edge.
	var ids [3]map[string]any
	var ares [3]map[string]any
	for i := range ids {
		ids[i] = areq("2.2.0", "02", cardEnrolled)
		ares[i] = f.send(ids[i])
		if ares[i]["transStatus"] != "C" {
			t.Fatalf("ARes %d: %v", i, ares[i])
		}
	}
	open := func(i int) acs.Opened {
		t.Helper()
		o, err := f.acs.OpenEMVChallenge(ctx, acs.CReq{ACSTransID: ares[i]["acsTransID"].(string),
			ServerTransID: ids[i]["threeDSServerTransID"].(string), MessageVersion: "2.2.0", WindowSize: "03"})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	// A CReq with another transaction's server id is refused.
	if o, err := f.acs.OpenEMVChallenge(ctx, acs.CReq{ACSTransID: ares[1]["acsTransID"].(string),
		ServerTransID: ids[0]["threeDSServerTransID"].(string), MessageVersion: "2.2.0", WindowSize: "03"}); err != nil || o.Problem != acs.CReqMismatch {
		t.Fatalf("mismatched CReq: %+v, %v", o.Problem, err)
	}
	f.clock.Add(20 * time.Second)
	// Each new start supersedes the card's other open challenge, so open
	// them in the order the test ends them.
	o1 := open(1)
	var claims challenge.SessionClaims
	if _, _, err := jwt.NewParser().ParseUnverified(o1.SessionToken, &claims); err != nil || claims.EMV == nil ||
		claims.EMV.NotificationURL != ids[1]["notificationURL"] || claims.EMV.ChallengeWindowSize != "03" || claims.MerchantOrigin != "https://shop.example" {
		t.Fatalf("session token claims %+v (EMV %+v), %v", claims, claims.EMV, err)
	}
	o2 := open(2)
	// A reload of the frame opens it again (the same transaction).
	if again := open(2); again.SessionToken == "" || again.Txn.CReqAt != o2.Txn.CReqAt {
		t.Fatalf("second CReq: %+v", again)
	}
	// The third ends Y at the edge, after one wrong code.
	av := "AAABBZEEBgAAAAAAAAQGAAAAAAA="
	result, err := challenge.Sign(f.edge.Sign, challenge.TypResult, &challenge.ResultClaims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: challenge.EdgeName, Subject: o2.Authentication.ID, ID: "r-1",
			IssuedAt: jwt.NewNumericDate(f.clock.Now()), ExpiresAt: jwt.NewNumericDate(f.clock.Now().Add(time.Hour))},
		Status: "Y", AV: av, ECI: "05"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.acs.RecordOutcome(ctx, acs.Outcome{JTI: "w-1", Authentication: o2.Authentication.ID, Status: "C", Attempts: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.acs.RecordOutcome(ctx, acs.Outcome{JTI: "r-1", Authentication: o2.Authentication.ID, Status: "Y", Gen: 0,
		Attempts: 1, ResultToken: result}); err != nil {
		t.Fatal(err)
	}
	// A CReq replayed after the outcome opens nothing: the page is told
	// the outcome again.
	if again := open(2); again.Problem != acs.CReqFinal || again.SessionToken != "" {
		t.Errorf("CReq after Y: %q %q, want %q and no session", again.Problem, again.SessionToken, acs.CReqFinal)
	}
	// 31 s after the ARes: the first is past its CReq window.
	f.clock.Add(11 * time.Second)
	if o, err := f.acs.OpenEMVChallenge(ctx, acs.CReq{ACSTransID: ares[0]["acsTransID"].(string),
		ServerTransID: ids[0]["threeDSServerTransID"].(string), MessageVersion: "2.2.0", WindowSize: "01"}); err != nil || o.Problem != acs.CReqTooLate {
		t.Fatalf("late CReq: %q, %v", o.Problem, err)
	}

	// The DS is down: the two outcomes so far wait.
	d.mu.Lock()
	d.down = true
	d.mu.Unlock()
	results.Once(ctx)
	if got := d.got(); len(got) != 0 {
		t.Fatalf("DS down, yet %d RReqs recorded", len(got))
	}
	d.mu.Lock()
	d.down = false
	d.mu.Unlock()
	results.Once(ctx) // not due yet: the backoff holds it
	f.clock.Add(2 * time.Second)
	results.Once(ctx)
	results.Once(ctx)
	got := d.got()
	if len(got) != 2 {
		t.Fatalf("after the DS came back: %d RReqs, want 2 (each once): %+v", len(got), got)
	}
	by := map[string]emv3ds.RReq{}
	for _, q := range got {
		by[q.ACSTransID] = q
	}
	noCReq := by[ares[0]["acsTransID"].(string)]
	if noCReq.TransStatus != "N" || noCReq.TransStatusReason != "14" || noCReq.ChallengeCancel != "05" || noCReq.InteractionCounter != "00" || noCReq.MessageCategory != "01" {
		t.Errorf("no-CReq RReq %+v, want N 14 challengeCancel 05 interactionCounter 00", noCReq)
	}
	y := by[ares[2]["acsTransID"].(string)]
	if y.TransStatus != "Y" || y.AuthenticationValue != av || y.ECI != "05" || y.InteractionCounter != "02" || y.AuthenticationType != "02" || y.TransStatusReason != "" {
		t.Errorf("Y RReq %+v, want Y with the AV, ECI 05, interactionCounter 02, authenticationType 02", y)
	}

	// The abandoned one ends when its timer runs out.
	f.clock.Add(30 * time.Minute)
	results.Once(ctx)
	results.Once(ctx)
	got = d.got()
	if len(got) != 3 {
		t.Fatalf("%d RReqs after the challenge timer, want 3", len(got))
	}
	if q := got[2]; q.ACSTransID != ares[1]["acsTransID"] || q.TransStatus != "N" || q.TransStatusReason != "14" || q.ChallengeCancel != "04" {
		t.Errorf("abandoned challenge's RReq %+v, want N 14 challengeCancel 04", q)
	}
	tx, a, err := f.store.EMVTransactionByID(ctx, ares[1]["acsTransID"].(string))
	if err != nil || tx.ResultsStatus != "01" || tx.RReqSentAt.IsZero() || a.Status != contract.StatusNotAuthenticated {
		t.Errorf("stored: %+v %+v, %v", tx, a.Status, err)
	}
}
