package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/api"
	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/challenge/challengetest"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/issuerclient"
	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/ledger/sqlite"
	"github.com/honnin/honnin/edge/report"
	"github.com/honnin/honnin/edge/testenv"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

// txnDate is t0 as the issuer writes a transaction's date: its clock's
// fraction of a second, its own zone. The screen shows t0.
var txnDate = t0.Add(250 * time.Millisecond).In(time.FixedZone("JST", 9*60*60))

const origin = "http://localhost:8080"

// keys generates one dev key folder (all five files), as `make run` does.
func keys(t testing.TB) (challenge.IssuerKeys, challenge.EdgeKeys) {
	t.Helper()
	_, ik, ek := challengetest.Keys(t, challenge.KEMX25519)
	return ik, ek
}

// minter mints what the issuer mints, with the real challenge package.
type minter struct {
	keys  challenge.IssuerKeys
	clock *testenv.Clock // the one clock of a test: edge, issuer and tokens share it
	// maxAttempts goes into every payload.
	maxAttempts int
	// method is the challenge's method; "" is email.
	method string
	// creds are the TOTP credentials sealed for app and token (their
	// public ids); nil means one, totpCred.
	creds []string
	// epoch is sealed for every credential (0 means 1); card and cardSeq
	// name the card ("" means card-1, seq 1).
	epoch   int64
	card    string
	cardSeq int64
	// noCode mints an email challenge whose code was not delivered: the
	// issuer seals no code.
	noCode bool
}

// codeFor is the code the issuer "sent" for an authentication's gen.
func codeFor(gen int) string { return fmt.Sprintf("%06d", 111111*gen%1000000) }

const wrongCode = "000000"

// The credentials the test issuer seals codes of.
const (
	emailCred    = "CREDEMAIL0000000000000000A"
	totpCred     = "CREDTOTP00000000000000000A"
	passwordCred = "CREDPASS00000000000000000A"
)

// maxResends is the issuer's resends per authentication.
const maxResends = 3

// totpPeriod and totpSkew are the issuer's app/token parameters.
const (
	totpPeriod = 60
	totpSkew   = 1
)

// totpCode is a test credential's code for an RFC 6238 step. The edge only
// compares codes, so any fixed function of (cred, step) does: this one is
// unlike its neighbours and never wrongCode.
func totpCode(cred string, step int64) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", cred, step))
	n := binary.BigEndian.Uint32(sum[:]) % 1000000
	if n == 0 {
		n = 1
	}
	return fmt.Sprintf("%06d", n)
}

// stepAt is the RFC 6238 step of t.
func stepAt(t time.Time) int64 { return t.Unix() / totpPeriod }

// payload is what the issuer seals for a gen's challenge minted at now
// (valid until exp), and the method, dest and resends_left it puts beside
// it.
func (m minter) payload(id string, gen int, now, exp time.Time) (challenge.Payload, string, string, int) {
	p := challenge.Payload{PM: "こんにちは Hanako", AV: "av-" + id, MaxAttempts: m.maxAttempts, Card: m.card, CardSeq: m.cardSeq}
	if p.Card == "" {
		p.Card, p.CardSeq = "card-1", 1
	}
	epoch := max(m.epoch, 1)
	ref := func(creds ...string) {
		for _, c := range creds {
			p.Creds = append(p.Creds, challenge.CredRef{ID: c, Epoch: epoch})
		}
	}
	switch m.method {
	case "", contract.MethodEmail:
		p.Codes = []challenge.Code{{Cred: emailCred, Step: 0, Code: codeFor(gen)}}
		if m.noCode {
			p.Codes = nil
		}
		p.Period = 600
		ref(emailCred)
		return p, contract.MethodEmail, "***@mail.jp", max(maxResends-(gen-1), 0)
	case contract.MethodApp, contract.MethodToken:
		creds := m.creds
		if creds == nil {
			creds = []string{totpCred}
		}
		ref(creds...)
		for _, cred := range creds {
			for s := stepAt(now) - 1; s <= stepAt(exp)+1; s++ {
				p.Codes = append(p.Codes, challenge.Code{Cred: cred, Step: s, Code: totpCode(cred, s)})
			}
		}
		p.Period, p.Skew = totpPeriod, totpSkew
		dest := ""
		if m.method == contract.MethodToken {
			dest = "1234,5678"
		}
		return p, m.method, dest, 0
	case contract.MethodPassword:
		p.Codes = []challenge.Code{}
		ref(passwordCred)
		return p, m.method, "", 0
	}
	panic("minter: unknown method " + m.method)
}

func (m minter) session(t testing.TB, id string) string {
	t.Helper()
	now := m.clock.Now()
	s, err := challenge.Sign(m.keys.Sign, challenge.TypSession, &challenge.SessionClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: challenge.IssuerName, Audience: jwt.ClaimStrings{challenge.EdgeName}, Subject: id,
			ID: challenge.NewID(), IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute)),
		},
		MerchantOrigin: origin,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// challengeClaims builds a gen's challenge for id, sealed to the edge.
func (m minter) challengeClaims(t testing.TB, id string, gen int) *challenge.ChallengeClaims {
	t.Helper()
	now := m.clock.Now()
	exp := now.Add(10 * time.Minute)
	jti := challenge.NewID()
	p, method, dest, resends := m.payload(id, gen, now, exp)
	seal, err := m.keys.EdgeSeal.Seal(jti, p)
	if err != nil {
		t.Fatal(err)
	}
	return &challenge.ChallengeClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: challenge.IssuerName, Audience: jwt.ClaimStrings{challenge.EdgeName}, Subject: id, ID: jti,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		},
		Gen:            gen,
		Txn:            challenge.Txn{Merchant: "Demo Shop", Amount: 1250, Currency: "JPY", Date: txnDate, Last4: "1234"},
		Method:         method,
		Dest:           dest,
		ResendsLeft:    resends,
		MerchantOrigin: origin,
		Seal:           seal,
	}
}

func (m minter) sign(t testing.TB, typ string, c jwt.Claims) string {
	t.Helper()
	s, err := challenge.Sign(m.keys.Sign, typ, c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (m minter) challenge(t testing.TB, id string, gen int) string {
	return m.sign(t, challenge.TypChallenge, m.challengeClaims(t, id, gen))
}

// issuer is a stand-in for the issuer core that speaks its real internal
// HTTP API: it checks the edge's call tokens and request bodies and answers
// with tokens minted by the real challenge package.
type issuer struct {
	t      testing.TB
	m      *minter // the env's: what a test sets there, the issuer mints
	srv    *httptest.Server
	calls  challenge.Verifier
	mu     sync.Mutex
	gens   map[string]int // authentication -> newest gen
	sent   map[string]time.Time
	final  map[string]bool
	starts []contract.StartRequest
	// decision, when set, is answered to start instead of a challenge.
	decision *contract.StartResponse
	// contact is answered with every challenge start, as the issuer's
	// configured contact.
	contact  *contract.Issuer
	delivery string
	results  []contract.Outcome
	// password is the cardholder's static password; passwords are those
	// the edge relayed.
	password  string
	passwords []string
	// refuseResend, when set, is the issuer's refusal of every resend.
	refuseResend *refusal
	// passwordAnswer, when set, is answered to a password check instead;
	// refusePassword and refuseStart, when set, refuse every one.
	passwordAnswer string
	refusePassword *refusal
	refuseStart    *refusal
	// cookie is the device cookie answered to every start and prepare;
	// prepares are the prepares the edge made.
	cookie   string
	prepares []contract.PrepareRequest
}

// refusal is an issuer error answer.
type refusal struct {
	status int
	code   string
}

func newIssuer(t testing.TB, m *minter) *issuer {
	is := &issuer{
		t:        t,
		m:        m,
		calls:    challenge.Verifier{Keys: m.keys.Edge, Issuer: challenge.EdgeName, Audience: challenge.IssuerName, MaxLifetime: time.Minute, Now: m.clock.Now},
		gens:     map[string]int{},
		sent:     map[string]time.Time{},
		final:    map[string]bool{},
		delivery: "sent",
		password: "correct horse 馬 battery",
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+contract.StartPath, is.start)
	mux.HandleFunc("POST "+contract.ResendPath, is.resend)
	mux.HandleFunc("POST "+contract.PasswordPath, is.checkPassword)
	mux.HandleFunc("POST "+contract.ResultsPath, is.result)
	mux.HandleFunc("POST "+contract.PreparePath, is.prepare)
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) auth(w http.ResponseWriter, r *http.Request, sub string) bool {
	var c challenge.EdgeClaims
	err := is.calls.Verify(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), challenge.TypEdge, &c)
	if err != nil || c.Subject != sub {
		is.t.Errorf("issuer: call token for %s: %v (sub %q)", sub, err, c.Subject)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return false
	}
	return true
}

func strict(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

func (is *issuer) start(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !is.auth(w, r, id) {
		return
	}
	var req contract.StartRequest
	if !strict(w, r, &req) {
		is.t.Errorf("issuer: start body refused")
		return
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	is.starts = append(is.starts, req)
	if is.final[id] {
		issuerError(w, http.StatusConflict, contract.CodeAlreadyFinal)
		return
	}
	if is.refuseStart != nil {
		w.Header().Set("Retry-After", "42")
		issuerError(w, is.refuseStart.status, is.refuseStart.code)
		return
	}
	if is.decision != nil {
		json.NewEncoder(w).Encode(is.decision)
		return
	}
	is.gens[id]++ // like the issuer: every start sends a new code
	is.sent[id] = is.m.clock.Now()
	json.NewEncoder(w).Encode(contract.StartResponse{
		Decision: "challenge", ChallengeToken: is.m.challenge(is.t, id, is.gens[id]), Delivery: is.delivery,
		DeviceCookie: is.cookie, Issuer: is.contact,
	})
}

// prepare is the issuer's prepare: it keeps the body and answers the
// device cookie.
func (is *issuer) prepare(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !is.auth(w, r, id) {
		return
	}
	var req contract.PrepareRequest
	if !strict(w, r, &req) {
		is.t.Errorf("issuer: prepare body refused")
		return
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	is.prepares = append(is.prepares, req)
	json.NewEncoder(w).Encode(contract.PrepareResponse{DeviceCookie: is.cookie})
}

func (is *issuer) resend(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !is.auth(w, r, id) {
		return
	}
	var req contract.ResendRequest
	if !strict(w, r, &req) || req.Gen == nil {
		is.t.Errorf("issuer: resend body refused")
		return
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	switch now := is.m.clock.Now(); {
	case is.final[id]:
		issuerError(w, http.StatusConflict, contract.CodeAlreadyFinal)
		return
	case *req.Gen != is.gens[id]:
		issuerError(w, http.StatusConflict, contract.CodeSuperseded)
		return
	case is.refuseResend != nil:
		issuerError(w, is.refuseResend.status, is.refuseResend.code)
		return
	case now.Before(is.sent[id].Add(30 * time.Second)):
		w.Header().Set("Retry-After", fmt.Sprint(int(is.sent[id].Add(30*time.Second).Sub(now).Seconds())))
		issuerError(w, http.StatusTooManyRequests, contract.CodeResendCooldown)
		return
	}
	is.gens[id]++
	is.sent[id] = is.m.clock.Now()
	json.NewEncoder(w).Encode(contract.ResendResponse{ChallengeToken: is.m.challenge(is.t, id, is.gens[id]), Delivery: is.delivery})
}

// checkPassword is the issuer's password check: {"gen","password"} in,
// {"ok"} out.
func (is *issuer) checkPassword(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !is.auth(w, r, id) {
		return
	}
	var req contract.PasswordRequest
	if !strict(w, r, &req) || req.Gen == nil {
		is.t.Errorf("issuer: password body refused")
		return
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	is.passwords = append(is.passwords, req.Password)
	switch {
	case is.final[id]:
		issuerError(w, http.StatusConflict, contract.CodeAlreadyFinal)
		return
	case *req.Gen != is.gens[id]:
		issuerError(w, http.StatusConflict, contract.CodeSuperseded)
		return
	}
	if is.refusePassword != nil {
		w.Header().Set("Retry-After", "3")
		issuerError(w, is.refusePassword.status, is.refusePassword.code)
		return
	}
	if is.passwordAnswer != "" {
		io.WriteString(w, is.passwordAnswer)
		return
	}
	json.NewEncoder(w).Encode(map[string]bool{"ok": req.Password == is.password})
}

func issuerError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "message": "refused by the test issuer"})
}

func (is *issuer) result(w http.ResponseWriter, r *http.Request) {
	if !is.auth(w, r, contract.SubjectResults) {
		return
	}
	var o contract.Outcome
	if !strict(w, r, &o) {
		is.t.Errorf("issuer: result body refused")
		return
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	is.results = append(is.results, o)
	if o.Status != contract.StatusChallenge { // C is progress, never final
		is.final[o.Sub] = true
	}
	w.Write([]byte(`{}`))
}

// env is one edge under test with its issuer.
type env struct {
	t       testing.TB
	clock   *testenv.Clock
	m       minter
	edge    challenge.EdgeKeys
	issuer  *issuer
	ledger  *sqlite.Ledger
	reports *report.Reporter
	after   *later
	h       http.Handler
	logs    *bytes.Buffer
}

// later is the edge's real reporter with its deliveries after the response
// held until the test asks (flush), so that what the issuer got is known
// exactly when a test looks.
type later struct {
	*report.Reporter
	mu     sync.Mutex
	leased []ledger.Leased
}

func (l *later) After(_ context.Context, r ledger.Leased) {
	l.mu.Lock()
	l.leased = append(l.leased, r)
	l.mu.Unlock()
}

// flush delivers what the requests so far left for after their response.
func (l *later) flush(ctx context.Context) {
	l.mu.Lock()
	todo := l.leased
	l.leased = nil
	l.mu.Unlock()
	for _, r := range todo {
		l.DeliverLeased(ctx, r)
	}
}

// issuerClient is the edge's real client of the issuer at url.
func issuerClient(t testing.TB, url string, key challenge.SigningKey, now func() time.Time) *issuerclient.Client {
	t.Helper()
	c, err := issuerclient.New(issuerclient.Config{URL: url, Key: key, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// gen is a generation as the contract's bodies carry it.
func gen(n int) *int { return &n }

type option func(*api.Config)

func newEnv(t testing.TB, opts ...option) *env {
	t.Helper()
	ik, ek := keys(t)
	clk := testenv.NewClock(t0)
	e := &env{t: t, clock: clk, edge: ek, m: minter{keys: ik, clock: clk, maxAttempts: 5}, logs: &bytes.Buffer{}}
	e.issuer = newIssuer(t, &e.m)
	ctx := context.Background()
	l, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "edge.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	e.ledger = l
	log := slog.New(slog.NewTextHandler(e.logs, nil))
	client := issuerClient(t, e.issuer.srv.URL, ek.Sign, clk.Now)
	e.reports, err = report.New(report.Config{DB: l.DB(), Issuer: client, Now: clk.Now, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	e.after = &later{Reporter: e.reports}
	cfg := api.Config{
		Keys:    ek,
		Ledger:  l,
		Issuer:  client,
		Reports: e.after,
		Now:     clk.Now,
		Log:     log,
	}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := api.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	return e
}

// reply is any response of the API, decoded strictly: a field the handler
// adds or renames shows up as a test failure.
type reply struct {
	status int
	header http.Header
	raw    []byte // the body as sent

	contract.Screen
	// Message is an error body's; its code is the Screen's Error, which
	// has the same name.
	Message string `json:"message"`
	// Applied is the answer to the issuer's credentials push.
	Applied *int `json:"applied"`
}

// do sends a raw request to the edge and decodes the answer.
func (e *env) do(req *http.Request) reply {
	e.t.Helper()
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	res := w.Result()
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		e.t.Errorf("%s %s: Content-Type %q", req.Method, req.URL.Path, ct)
	}
	var rep reply
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	rep.raw = raw
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		e.t.Fatalf("%s %s: %d, body not a known JSON shape: %v", req.Method, req.URL.Path, res.StatusCode, err)
	}
	rep.status = res.StatusCode
	rep.header = res.Header
	if rep.status != http.StatusOK && (rep.Error == "" || rep.Message == "") {
		e.t.Errorf("%s %s: %d without error and message: %+v", req.Method, req.URL.Path, rep.status, rep)
	}
	return rep
}

func jsonRequest(path string, body any) *http.Request {
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	default:
		b, _ = json.Marshal(v)
	}
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func (e *env) post(path string, body any) reply {
	e.t.Helper()
	return e.do(jsonRequest(path, body))
}

// start opens authentication id and expects its challenge screen.
func (e *env) start(id string) reply {
	e.t.Helper()
	rep := e.post("/v1/start", map[string]any{"session_token": e.m.session(e.t, id), "device": map[string]any{"ua": "test"}})
	if rep.status != http.StatusOK || rep.State != "challenge" {
		e.t.Fatalf("start %s: %d %+v", id, rep.status, rep)
	}
	return rep
}

func (e *env) verify(token, code string) reply {
	e.t.Helper()
	return e.post("/v1/verify", map[string]string{"challenge_token": token, "code": code})
}

// want checks status and error code of a reply.
func want(t testing.TB, what string, rep reply, status int, code string) {
	t.Helper()
	if rep.status != status || rep.Error != code {
		t.Fatalf("%s: got %d %q (%s), want %d %q", what, rep.status, rep.Error, rep.Message, status, code)
	}
}

// result verifies a result token as a merchant would.
func (e *env) result(token string) *challenge.ResultClaims {
	e.t.Helper()
	var c challenge.ResultClaims
	v := challenge.Verifier{Keys: e.m.keys.Edge, Issuer: challenge.EdgeName, Audience: origin, Now: e.clock.Now}
	if err := v.Verify(token, challenge.TypResult, &c); err != nil {
		e.t.Fatalf("result token does not verify: %v", err)
	}
	return &c
}

func (e *env) pending() int {
	e.t.Helper()
	n, err := e.reports.Pending(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// reported delivers the queued reports (the requests' own deliveries
// first) and returns every one the issuer has got, in order.
func (e *env) reported() []contract.Outcome {
	e.t.Helper()
	e.after.flush(context.Background())
	if _, err := e.reports.Deliver(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.issuer.mu.Lock()
	defer e.issuer.mu.Unlock()
	return slices.Clone(e.issuer.results)
}

// final is the one result report (status other than C) of authID.
func (e *env) final(authID string) contract.Outcome {
	e.t.Helper()
	var got []contract.Outcome
	for _, o := range e.reported() {
		if o.Sub == authID && o.Status != contract.StatusChallenge {
			got = append(got, o)
		}
	}
	if len(got) != 1 {
		e.t.Fatalf("%s: %d result reports, want 1: %+v", authID, len(got), got)
	}
	return got[0]
}

// progress is the progress reports (status C) of authID.
func (e *env) progress(authID string) []contract.Outcome {
	e.t.Helper()
	var got []contract.Outcome
	for _, o := range e.reported() {
		if o.Sub == authID && o.Status == contract.StatusChallenge {
			got = append(got, o)
		}
	}
	return got
}
