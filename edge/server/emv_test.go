//go:build !js

package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/emv3ds"
	"github.com/honnin/honnin/edge/ledger/sqlite"
	"github.com/honnin/honnin/edge/server"
	"github.com/honnin/honnin/edge/testenv"
	"github.com/honnin/honnin/web"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

// The requestor's notification URL, with a query the edge must keep, and
// its origin.
const (
	notifyURL    = "https://requestor.example:8443/3ds/notify?order=42&mode=iframe"
	notifyOrigin = "https://requestor.example:8443"
	methodNotify = "https://requestor.example:8443/3ds/method-done?t=1"
	code         = "246810"
)

// emvTxn is an EMV transaction the test issuer knows by its acsTransID.
type emvTxn struct {
	auth, sti, version string
	// message, when set, is what the issuer answers a CReq with instead
	// of a session: the challenge cannot go on.
	message string
}

// emvIssuer stands in for the issuer core behind its real internal HTTP
// API: it checks the edge's call tokens and bodies and mints sessions and
// challenges with the real challenge package.
type emvIssuer struct {
	t     *testing.T
	keys  challenge.IssuerKeys
	clock *testenv.Clock
	srv   *httptest.Server
	calls challenge.Verifier

	mu       sync.Mutex
	txns     map[string]emvTxn // by acsTransID
	creqs    []contract.EMVChallengeRequest
	methods  map[string]contract.EMVMethodRequest
	outcomes chan contract.Outcome
	// cookie is the device cookie answered to every start and prepare;
	// starts and prepares are what the edge sent.
	cookie   string
	starts   []contract.StartRequest
	prepares []contract.PrepareRequest
}

func newEMVIssuer(t *testing.T, keys challenge.IssuerKeys, clk *testenv.Clock) *emvIssuer {
	is := &emvIssuer{t: t, keys: keys, clock: clk, txns: map[string]emvTxn{}, methods: map[string]contract.EMVMethodRequest{},
		outcomes: make(chan contract.Outcome, 16),
		calls: challenge.Verifier{Keys: keys.Edge, Issuer: challenge.EdgeName, Audience: challenge.IssuerName,
			MaxLifetime: time.Minute, Now: clk.Now}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+contract.EMVChallengePath, is.challenge)
	mux.HandleFunc("POST "+contract.EMVMethodPath, is.method)
	mux.HandleFunc("POST "+contract.StartPath, is.start)
	mux.HandleFunc("POST "+contract.PreparePath, is.prepare)
	mux.HandleFunc("POST "+contract.ResultsPath, is.result)
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

func (is *emvIssuer) auth(w http.ResponseWriter, r *http.Request, sub string, body any) bool {
	var c challenge.EdgeClaims
	if err := is.calls.Verify(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), challenge.TypEdge, &c); err != nil || c.Subject != sub {
		is.t.Errorf("issuer: %s: call token %v (sub %q, want %q)", r.URL.Path, err, c.Subject, sub)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return false
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(body); err != nil {
		is.t.Errorf("issuer: %s: body: %v", r.URL.Path, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

func (is *emvIssuer) challenge(w http.ResponseWriter, r *http.Request) {
	ati := r.PathValue("acsTransID")
	var req contract.EMVChallengeRequest
	if !is.auth(w, r, ati, &req) {
		return
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	is.creqs = append(is.creqs, req)
	txn, ok := is.txns[ati]
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":"not_found","message":"no such transaction"}`)
		return
	}
	if txn.message != "" {
		json.NewEncoder(w).Encode(contract.EMVChallengeResponse{NotificationURL: notifyURL, Message: txn.message})
		return
	}
	json.NewEncoder(w).Encode(contract.EMVChallengeResponse{SessionToken: is.session(txn, ati, req.ChallengeWindowSize)})
}

// session mints the session token of an EMV transaction's challenge.
func (is *emvIssuer) session(txn emvTxn, ati, ws string) string {
	now := is.clock.Now()
	s, err := challenge.Sign(is.keys.Sign, challenge.TypSession, &challenge.SessionClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: challenge.IssuerName, Audience: jwt.ClaimStrings{challenge.EdgeName}, Subject: txn.auth,
			ID: challenge.NewID(), IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute)),
		},
		MerchantOrigin: notifyOrigin,
		EMV: &challenge.EMVSession{NotificationURL: notifyURL, ThreeDSServerTransID: txn.sti, ACSTransID: ati,
			MessageVersion: txn.version, ChallengeWindowSize: ws},
	})
	if err != nil {
		is.t.Fatal(err)
	}
	return s
}

// start challenges every authentication with an email code, sealed to the
// edge.
func (is *emvIssuer) start(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req contract.StartRequest
	if !is.auth(w, r, id, &req) {
		return
	}
	now := is.clock.Now()
	jti := challenge.NewID()
	p := challenge.Payload{AV: "av-" + id, MaxAttempts: 5, Card: "card-" + id, CardSeq: 1, Period: 600,
		Codes: []challenge.Code{{Cred: "CREDEMAIL0000000000000000A", Code: code}},
		Creds: []challenge.CredRef{{ID: "CREDEMAIL0000000000000000A", Epoch: 1}}}
	seal, err := is.keys.EdgeSeal.Seal(jti, p)
	if err != nil {
		is.t.Fatal(err)
	}
	tok, err := challenge.Sign(is.keys.Sign, challenge.TypChallenge, &challenge.ChallengeClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: challenge.IssuerName, Audience: jwt.ClaimStrings{challenge.EdgeName}, Subject: id, ID: jti,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute)),
		},
		Gen: 1, Txn: challenge.Txn{Merchant: "Demo Shop", Amount: 1250, Currency: "JPY", Date: now, Last4: "1234"},
		Method: contract.MethodEmail, Dest: "***@mail.jp", MerchantOrigin: notifyOrigin, Seal: seal,
	})
	if err != nil {
		is.t.Fatal(err)
	}
	is.mu.Lock()
	is.starts = append(is.starts, req)
	cookie := is.cookie
	is.mu.Unlock()
	json.NewEncoder(w).Encode(contract.StartResponse{Decision: contract.DecisionChallenge, ChallengeToken: tok, Delivery: contract.DeliverySent,
		DeviceCookie: cookie})
}

// prepare keeps the prepare and answers the device cookie.
func (is *emvIssuer) prepare(w http.ResponseWriter, r *http.Request) {
	var req contract.PrepareRequest
	if !is.auth(w, r, r.PathValue("id"), &req) {
		return
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	is.prepares = append(is.prepares, req)
	json.NewEncoder(w).Encode(contract.PrepareResponse{DeviceCookie: is.cookie})
}

func (is *emvIssuer) method(w http.ResponseWriter, r *http.Request) {
	sti := r.PathValue("threeDSServerTransID")
	var req contract.EMVMethodRequest
	if !is.auth(w, r, sti, &req) {
		return
	}
	is.mu.Lock()
	is.methods[sti] = req
	is.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (is *emvIssuer) result(w http.ResponseWriter, r *http.Request) {
	var o contract.Outcome
	if !is.auth(w, r, contract.SubjectResults, &o) {
		return
	}
	io.WriteString(w, `{}`)
	is.outcomes <- o
}

// outcome waits for the next outcome the edge reports (it delivers after
// its response, from a goroutine).
func (is *emvIssuer) outcome() contract.Outcome {
	is.t.Helper()
	select {
	case o := <-is.outcomes:
		return o
	case <-time.After(20 * time.Second):
		is.t.Fatal("the issuer got no outcome")
	}
	return contract.Outcome{}
}

// emvEnv is an assembled edge (server.New, as both mains) with its issuer.
type emvEnv struct {
	t      *testing.T
	clock  *testenv.Clock
	issuer *emvIssuer
	ledger *sqlite.Ledger
	edge   *server.Edge
}

func newEMVEnv(t *testing.T) *emvEnv {
	t.Helper()
	dir := t.TempDir()
	if err := challenge.GenerateKeys(filepath.Join(dir, "keys"), challenge.KEMX25519); err != nil {
		t.Fatal(err)
	}
	ik, err := challenge.LoadIssuerKeys(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	ek, err := challenge.LoadEdgeKeys(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := sqlite.Open(context.Background(), filepath.Join(dir, "edge.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	clk := testenv.NewClock(t0)
	is := newEMVIssuer(t, ik, clk)
	e, err := server.New(server.Config{Keys: ek, IssuerURL: is.srv.URL, Ledger: l.SQL, DB: l.DB(), Static: web.Static, Dist: dist(), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	// The edge delivers each outcome after its response, from a goroutine
	// that deletes the row once the issuer took it: let those finish
	// before the ledger closes and its folder is removed (cleanups run
	// last registered first, so this one runs before l.Close).
	t.Cleanup(func() {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if n, err := e.Reports.Pending(context.Background()); err != nil || n == 0 {
				return
			}
		}
	})
	return &emvEnv{t: t, clock: clk, issuer: is, ledger: l, edge: e}
}

// txn registers an EMV transaction (ARes C sent) and returns its
// acsTransID.
func (e *emvEnv) txn(auth string, message string) string {
	ati := tid("ati", auth)
	e.issuer.mu.Lock()
	e.issuer.txns[ati] = emvTxn{auth: auth, sti: tid("sti", auth), version: emv3ds.V220, message: message}
	e.issuer.mu.Unlock()
	return ati
}

func (e *emvEnv) form(path string, v url.Values) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	e.edge.ServeHTTP(w, r)
	return w
}

func (e *emvEnv) json(path string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	b, _ := json.Marshal(body)
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	e.edge.ServeHTTP(w, r)
	return w
}

// tid is the transaction id of kind (ati, sti) for label: a UUID, as
// EMV's ids are, that the tests can name.
func tid(kind, label string) string {
	h := sha256.Sum256([]byte(kind + "/" + label))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-4" + x[13:16] + "-8" + x[17:20] + "-" + x[20:32]
}

// creqField is a CReq of ati as the requestor posts it, padded or not.
func creqField(t *testing.T, ati, sti string, padded bool) string {
	t.Helper()
	s, err := emv3ds.Encode(emv3ds.CReq{MessageType: emv3ds.TypeCReq, MessageVersion: emv3ds.V220,
		ThreeDSServerTransID: sti, ACSTransID: ati, ChallengeWindowSize: "03"})
	if err != nil {
		t.Fatal(err)
	}
	if padded {
		s += strings.Repeat("=", (4-len(s)%4)%4)
	}
	return s
}

// open posts the CReq of ati with session data sd and returns the
// session token of the 303.
func (e *emvEnv) open(ati, sd string) string {
	e.t.Helper()
	e.issuer.mu.Lock()
	sti := e.issuer.txns[ati].sti
	e.issuer.mu.Unlock()
	v := url.Values{"creq": {creqField(e.t, ati, sti, false)}}
	if sd != "" {
		v.Set("threeDSSessionData", sd)
	}
	w := e.form("/3ds/v2/creq", v)
	if w.Code != http.StatusSeeOther {
		e.t.Fatalf("creq: %d %s", w.Code, w.Body)
	}
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil || loc.Path != "/challenge" || loc.Query().Get("sd") != sd {
		e.t.Fatalf("creq: Location %q", w.Header().Get("Location"))
	}
	return loc.Query().Get("st")
}

// posted is what a page's auto-submitted form holds.
type posted struct {
	action string
	fields map[string]string
}

var (
	formRE  = regexp.MustCompile(`<form id="post" method="post" action="([^"]*)">`)
	inputRE = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// postedForm reads the form of an auto-post page and checks the page's
// headers: its CSP allows the form to go only to wantOrigin.
func postedForm(t *testing.T, w *httptest.ResponseRecorder, wantOrigin string) posted {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("auto-post page: %d %s", w.Code, w.Body)
	}
	body := w.Body.String()
	m := formRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form in %s", body)
	}
	p := posted{action: html.UnescapeString(m[1]), fields: map[string]string{}}
	for _, in := range inputRE.FindAllStringSubmatch(body, -1) {
		p.fields[html.UnescapeString(in[1])] = html.UnescapeString(in[2])
	}
	hdr := w.Header()
	for k, v := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
		"Content-Type": "text/html; charset=utf-8", "X-Content-Type-Options": "nosniff"} {
		if hdr.Get(k) != v {
			t.Errorf("%s %q, want %q", k, hdr.Get(k), v)
		}
	}
	csp := hdr.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "form-action " + wantOrigin + ";", "frame-ancestors *", "base-uri 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %q", csp, d)
		}
	}
	if !regexp.MustCompile(`script-src [^;]*'sha256-[A-Za-z0-9+/]+=*'`).MatchString(csp) || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q: the inline script must be allowed by its hash alone", csp)
	}
	if !strings.Contains(body, "<noscript>") || !strings.Contains(body, `<button type="submit">`) {
		t.Error("no <noscript> submit button")
	}
	return p
}

// cres decodes the final CRes a page posts.
func cres(t *testing.T, p posted) emv3ds.CRes {
	t.Helper()
	b, err := emv3ds.DecodeBase64URL(p.fields["cres"])
	if err != nil {
		t.Fatalf("cres %q: %v", p.fields["cres"], err)
	}
	var c emv3ds.CRes
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("cres %s: %v", b, err)
	}
	return c
}

// TestEMVCReq: a CReq, its base64url padded or not, opens the issuer's
// session (the issuer got the CReq's ids, version and window) and sends
// the frame to the challenge page, with the session data; the page of an
// EMV session may be framed by any page and submits its end to the edge.
func TestEMVCReq(t *testing.T) {
	e := newEMVEnv(t)
	for _, padded := range []bool{false, true} {
		ati := e.txn("A1", "")
		creq := creqField(t, ati, tid("sti", "A1"), padded)
		if padded != strings.HasSuffix(creq, "=") {
			t.Fatalf("padded %v: creq %q", padded, creq)
		}
		w := e.form("/3ds/v2/creq", url.Values{"creq": {creq}, "threeDSSessionData": {"c2Vzc2lvbi1kYXRh"}})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("padded %v: %d %s", padded, w.Code, w.Body)
		}
		loc, _ := url.Parse(w.Header().Get("Location"))
		if loc.Path != "/challenge" || loc.Query().Get("sd") != "c2Vzc2lvbi1kYXRh" || loc.Query().Get("st") == "" {
			t.Fatalf("Location %q", w.Header().Get("Location"))
		}
		if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("303 headers %v", w.Header())
		}
		e.issuer.mu.Lock()
		got := e.issuer.creqs[len(e.issuer.creqs)-1]
		e.issuer.mu.Unlock()
		if got != (contract.EMVChallengeRequest{ThreeDSServerTransID: tid("sti", "A1"), MessageVersion: "2.2.0", ChallengeWindowSize: "03"}) {
			t.Errorf("issuer got %+v", got)
		}

		status, _, hdr := get(t, e.edge, "GET", loc.String())
		csp := hdr.Get("Content-Security-Policy")
		if status != 200 || !strings.Contains(csp, "frame-ancestors *;") || !strings.Contains(csp, "form-action 'self'") {
			t.Errorf("challenge page of an EMV session: %d, CSP %q", status, csp)
		}
	}
}

// TestEMVCReqRefused: a CReq the edge cannot read, or of a transaction
// the issuer does not know, gets a 400 page naming the Erro, and nothing
// is posted anywhere (there is no notificationURL to trust).
func TestEMVCReqRefused(t *testing.T) {
	e := newEMVEnv(t)
	ati := e.txn("B1", "")
	good := creqField(t, ati, tid("sti", "B1"), false)
	enc := func(s string) string { return strings.TrimRight(b64(s), "=") }
	for _, tt := range []struct {
		name string
		form url.Values
		code string
	}{
		{"no creq", url.Values{}, "101"},
		{"not base64url", url.Values{"creq": {"eyJ!!"}}, "101"},
		{"not JSON", url.Values{"creq": {enc("creq")}}, "101"},
		{"not a CReq", url.Values{"creq": {enc(`{"messageType":"AReq","messageVersion":"2.2.0"}`)}}, "101"},
		{"version", url.Values{"creq": {enc(`{"messageType":"CReq","messageVersion":"1.0.2","threeDSServerTransID":"s","acsTransID":"a","challengeWindowSize":"01"}`)}}, "102"},
		{"ids missing", url.Values{"creq": {enc(`{"messageType":"CReq","messageVersion":"2.2.0","challengeWindowSize":"01"}`)}}, "201"},
		{"two creq", url.Values{"creq": {good, good}}, "204"},
		{"session data too long", url.Values{"creq": {good}, "threeDSSessionData": {strings.Repeat("a", 1025)}}, "203"},
		{"session data not base64url", url.Values{"creq": {good}, "threeDSSessionData": {"a+b/c"}}, "203"},
		{"session data with markup", url.Values{"creq": {good}, "threeDSSessionData": {`"><script>`}}, "203"},
		{"unknown transaction", url.Values{"creq": {creqField(t, tid("ati", "nobody"), tid("sti", "x"), false)}}, "301"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := e.form("/3ds/v2/creq", tt.form)
			body := w.Body.String()
			if w.Code != http.StatusBadRequest || !strings.Contains(body, `data-error-code="`+tt.code+`"`) ||
				!strings.Contains(body, "Erro "+tt.code+" (A): ") {
				t.Fatalf("%d %s, want 400 naming Erro %s", w.Code, body, tt.code)
			}
			if strings.Contains(body, "<form") || strings.Contains(body, "<script") {
				t.Errorf("an Erro page posts or runs something: %s", body)
			}
			if csp := w.Header().Get("Content-Security-Policy"); csp != "default-src 'none'; form-action 'none'; frame-ancestors *; base-uri 'none'" {
				t.Errorf("CSP %q", csp)
			}
		})
	}
	w := httptest.NewRecorder()
	e.edge.ServeHTTP(w, httptest.NewRequest("GET", "/3ds/v2/creq", nil))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "POST" {
		t.Errorf("GET creq: %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
}

func b64(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b) // a []byte marshals to standard base64
	enc.Encode([]byte(s))
	r := strings.NewReplacer("+", "-", "/", "_", `"`, "", "\n", "")
	return r.Replace(b.String())
}

// TestEMVIssuerMessage: when the issuer says the challenge cannot go on,
// the page posts its message as cres, with the session data, to the
// notificationURL exactly as the issuer gave it.
func TestEMVIssuerMessage(t *testing.T) {
	e := newEMVEnv(t)
	const msg = "eyJtZXNzYWdlVHlwZSI6IkVycm8ifQ"
	ati := e.txn("C1", msg)
	w := e.form("/3ds/v2/creq", url.Values{"creq": {creqField(t, ati, tid("sti", "C1"), false)}, "threeDSSessionData": {"c2Q_-x"}})
	p := postedForm(t, w, notifyOrigin)
	if p.action != notifyURL || len(p.fields) != 2 || p.fields["cres"] != msg || p.fields["threeDSSessionData"] != "c2Q_-x" {
		t.Errorf("posted %+v", p)
	}
	if !strings.Contains(w.Body.String(), `action="`+html.EscapeString(notifyURL)+`"`) {
		t.Error("the action is not the notificationURL as given")
	}
	// Without session data, no such field.
	w = e.form("/3ds/v2/creq", url.Values{"creq": {creqField(t, ati, tid("sti", "C1"), true)}})
	if p := postedForm(t, w, notifyOrigin); len(p.fields) != 1 || p.fields["cres"] != msg {
		t.Errorf("posted %+v", p)
	}
}

// TestEMVCRes: the final CRes says what the ledger holds — Y only after a
// right code, N after a cancel; an authentication still without a result
// is ended N (cancelled for end=cancel, timed out otherwise: a forged
// end=done never makes a Y), its outcome reported to the issuer; the same
// st again gives the same CRes.
func TestEMVCRes(t *testing.T) {
	for _, tt := range []struct {
		name string
		// act is what the cardholder did before the end ("verify",
		// "cancel", "" for nothing).
		act, end   string
		wantStatus string
		wantReason string // of the reported outcome
	}{
		{"after Y", "verify", "done", "Y", ""},
		{"after N cancel", "cancel", "done", "N", contract.ReasonCancelled},
		{"no outcome, end=cancel", "", "cancel", "N", contract.ReasonCancelled},
		{"no outcome, end=timeout", "", "timeout", "N", contract.ReasonTimedOut},
		{"no outcome, forged end=done", "", "done", "N", contract.ReasonTimedOut},
		{"started, forged end=done", "start", "done", "N", contract.ReasonTimedOut},
		{"no outcome, no end", "", "", "N", contract.ReasonTimedOut},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEMVEnv(t)
			ati := e.txn("D1", "")
			st := e.open(ati, "c2Vzc2lvbg")
			switch tt.act {
			case "verify", "cancel", "start":
				w := e.json("/v1/start", contract.ClientStartRequest{SessionToken: st})
				var s contract.Screen
				if err := json.Unmarshal(w.Body.Bytes(), &s); w.Code != 200 || err != nil || s.State != contract.StateChallenge {
					t.Fatalf("start: %d %s", w.Code, w.Body)
				}
				switch tt.act {
				case "verify":
					w = e.json("/v1/verify", contract.VerifyRequest{ChallengeToken: s.ChallengeToken, Code: code})
				case "cancel":
					w = e.json("/v1/cancel", contract.TokenRequest{ChallengeToken: s.ChallengeToken})
				}
				if tt.act != "start" {
					if w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"`+tt.wantStatus+`"`) {
						t.Fatalf("%s: %d %s", tt.act, w.Code, w.Body)
					}
					if o := e.issuer.outcome(); o.Status != tt.wantStatus || o.Reason != tt.wantReason {
						t.Fatalf("%s reported %+v", tt.act, o)
					}
				}
			}
			form := url.Values{"st": {st}, "sd": {"c2Vzc2lvbg"}}
			if tt.end != "" {
				form.Set("end", tt.end)
			}
			w := e.form("/3ds/v2/cres", form)
			p := postedForm(t, w, notifyOrigin)
			if p.action != notifyURL || len(p.fields) != 2 || p.fields["threeDSSessionData"] != "c2Vzc2lvbg" {
				t.Errorf("posted %+v", p)
			}
			want := emv3ds.CRes{MessageType: "CRes", MessageVersion: "2.2.0", ThreeDSServerTransID: tid("sti", "D1"), ACSTransID: ati,
				ChallengeCompletionInd: "Y", TransStatus: tt.wantStatus}
			if got := cres(t, p); got != want {
				t.Errorf("CRes %+v, want %+v", got, want)
			}
			if tt.act == "" || tt.act == "start" {
				// The edge ended it: its ledger, and the issuer, know.
				if o := e.issuer.outcome(); o.Sub != "D1" || o.Status != "N" || o.Reason != tt.wantReason {
					t.Errorf("reported %+v", o)
				}
			}
			entry, err := e.ledger.Lookup(context.Background(), "D1")
			if err != nil || !entry.Finished {
				t.Fatalf("ledger: %+v, %v", entry, err)
			}
			var rc challenge.ResultClaims
			if err := challenge.ReadClaims(entry.ResultToken, &rc); err != nil || rc.Status != tt.wantStatus || rc.Reason != tt.wantReason {
				t.Errorf("ledger's result %+v, %v", rc, err)
			}

			// Again, even with another end: the same CRes.
			form.Set("end", "done")
			if again := postedForm(t, e.form("/3ds/v2/cres", form), notifyOrigin); again.fields["cres"] != p.fields["cres"] {
				t.Errorf("second CRes %q, first %q", again.fields["cres"], p.fields["cres"])
			}
		})
	}
}

// TestEMVCResExpiry: the session token ends its challenge up to 2 minutes
// past its expiry (the client's timeout comes after it), not later; a
// forged or non-EMV token never.
func TestEMVCResExpiry(t *testing.T) {
	e := newEMVEnv(t)
	st := e.open(e.txn("E1", ""), "")
	e.clock.Add(10*time.Minute + 2*time.Minute + time.Minute + time.Second) // past exp, the 2 min and the clock leeway
	w := e.form("/3ds/v2/cres", url.Values{"st": {st}, "end": {"timeout"}})
	if w.Code != http.StatusGone || strings.Contains(w.Body.String(), "<form") {
		t.Fatalf("cres beyond the grace: %d %s", w.Code, w.Body)
	}
	if entry, err := e.ledger.Lookup(context.Background(), "E1"); err != nil || entry.Finished {
		t.Errorf("refused cres changed the ledger: %+v, %v", entry, err)
	}

	st = e.open(e.txn("E2", ""), "")
	e.clock.Add(10*time.Minute + 2*time.Minute) // past exp and its leeway, within the 2 min
	p := postedForm(t, e.form("/3ds/v2/cres", url.Values{"st": {st}, "end": {"timeout"}}), notifyOrigin)
	if c := cres(t, p); c.TransStatus != "N" || c.ACSTransID != tid("ati", "E2") {
		t.Errorf("CRes within the grace %+v", c)
	}
	if o := e.issuer.outcome(); o.Sub != "E2" || o.Reason != contract.ReasonTimedOut {
		t.Errorf("reported %+v", o)
	}

	for name, form := range map[string]url.Values{
		"forged":    {"st": {st[:len(st)-4] + "AAAA"}},
		"no st":     {"sd": {"abc"}},
		"two st":    {"st": {st, st}},
		"bad sd":    {"st": {st}, "sd": {"<x>"}},
		"sd in URL": {}, // a query string is not the form
	} {
		w := e.form("/3ds/v2/cres?st="+url.QueryEscape(st), form)
		if w.Code == http.StatusOK || strings.Contains(w.Body.String(), "<form") {
			t.Errorf("%s: %d %s", name, w.Code, w.Body)
		}
	}
}

// TestEMVMethod: the 3DS Method page runs the challenge client with a
// method token and posts threeDSMethodData {threeDSServerTransID} to the
// notification URL as given; the token takes the client's device data to
// the issuer with the edge's signals, for that transaction only.
func TestEMVMethod(t *testing.T) {
	e := newEMVEnv(t)
	data, err := emv3ds.Encode(emv3ds.MethodData{ThreeDSServerTransID: tid("sti", "M1"), ThreeDSMethodNotificationURL: methodNotify})
	if err != nil {
		t.Fatal(err)
	}
	w := e.form("/3ds/v2/method", url.Values{"threeDSMethodData": {data + "=="[:(4-len(data)%4)%4]}})
	p := postedForm(t, w, notifyOrigin)
	wantData, _ := emv3ds.Encode(emv3ds.MethodData{ThreeDSServerTransID: tid("sti", "M1")})
	if p.action != methodNotify || len(p.fields) != 1 || p.fields["threeDSMethodData"] != wantData {
		t.Errorf("posted %+v", p)
	}
	body := w.Body.String()
	csp := w.Header().Get("Content-Security-Policy")
	for _, s := range []string{"script-src 'self' 'wasm-unsafe-eval' 'sha256-", "connect-src 'self'"} {
		if !strings.Contains(csp, s) {
			t.Errorf("method page CSP %q lacks %q", csp, s)
		}
	}
	for _, s := range []string{`data-wasm="/assets/` + wasmName + `"`, `<script src="/assets/` + execName + `" defer>`, "setTimeout(go,8000)", `"honnin:method-done"`} {
		if !strings.Contains(body, s) {
			t.Errorf("method page lacks %s", s)
		}
	}
	m := regexp.MustCompile(`<div id="method" data-token="([^"]+)" hidden>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no method token in %s", body)
	}
	token := m[1]

	dev := contract.DeviceSignals{UA: "Mozilla/5.0 test", Languages: []string{"ja-JP"}, ScreenW: 1280}
	if w := e.json("/3ds/v2/method/device", contract.EMVMethodDeviceRequest{MethodToken: token, Device: &dev}); w.Code != http.StatusNoContent {
		t.Fatalf("device: %d %s", w.Code, w.Body)
	}
	e.issuer.mu.Lock()
	got, ok := e.issuer.methods[tid("sti", "M1")]
	e.issuer.mu.Unlock()
	if !ok || got.Device == nil || got.Device.UA != dev.UA || got.Edge == nil || got.Edge.IP == "" {
		t.Errorf("issuer got %+v (ok %v)", got, ok)
	}

	// Refused: another kind of token, a forged one, an expired one, a
	// form instead of JSON.
	session := e.open(e.txn("M2", ""), "")
	for name, tok := range map[string]string{"session token": session, "forged": token[:len(token)-4] + "AAAA", "empty": ""} {
		if w := e.json("/3ds/v2/method/device", contract.EMVMethodDeviceRequest{MethodToken: tok, Device: &dev}); w.Code/100 != 4 {
			t.Errorf("%s: %d %s", name, w.Code, w.Body)
		}
	}
	if w := e.form("/3ds/v2/method/device", url.Values{"method_token": {token}}); w.Code != http.StatusUnsupportedMediaType {
		t.Errorf("form to device: %d", w.Code)
	}
	e.clock.Add(10*time.Minute + 2*time.Minute)
	if w := e.json("/3ds/v2/method/device", contract.EMVMethodDeviceRequest{MethodToken: token, Device: &dev}); w.Code != http.StatusGone {
		t.Errorf("expired method token: %d %s", w.Code, w.Body)
	}

	for name, v := range map[string]string{
		"not base64url":   "!!",
		"no notification": mustEncode(t, emv3ds.MethodData{ThreeDSServerTransID: tid("sti", "x")}),
		"javascript URL":  mustEncode(t, emv3ds.MethodData{ThreeDSServerTransID: tid("sti", "x"), ThreeDSMethodNotificationURL: "javascript:alert(1)"}),
		"user info":       mustEncode(t, emv3ds.MethodData{ThreeDSServerTransID: tid("sti", "x"), ThreeDSMethodNotificationURL: "https://a@b.example/"}),
		"CSP injection":   mustEncode(t, emv3ds.MethodData{ThreeDSServerTransID: tid("sti", "x"), ThreeDSMethodNotificationURL: "https://b.example;script-src/"}),
	} {
		if w := e.form("/3ds/v2/method", url.Values{"threeDSMethodData": {v}}); w.Code != http.StatusBadRequest || strings.Contains(w.Body.String(), "<form") {
			t.Errorf("%s: %d %s", name, w.Code, w.Body)
		}
	}
}

func mustEncode(t *testing.T, v any) string {
	t.Helper()
	s, err := emv3ds.Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
