package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/testenv"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/devmail"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/vault"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

const (
	testAPIKey   = "hk_test_key_for_demo_shop_0123456789"
	otherAPIKey  = "hk_test_key_for_other_shop_987654321"
	testOrigin   = "http://localhost:8080"
	cardJA       = "3540 1234 5678 9016"
	cardEN       = "3540-1234-5678-9024"
	cardLocked   = "3540123456789032"
	cardUnknown  = "4111111111111111"
	emailJA      = "demo@mail.jp"
	emailEN      = "demo-en@mail.example"
	personalMsg  = "こんにちは、本人さん / Hello from your card issuer"
	testEdgeURL  = "http://127.0.0.1:8787"
	testMailFrom = "Honnin Card <no-reply@issuer.example>"
)

// harness is the issuer API over a real database (a SQLite file, or
// PostgreSQL: see testDB), real keys and a real SMTP sink, with the edge's keys at hand to sign calls and open seals.
type harness struct {
	t        testing.TB
	api      *Server
	store    *store.Store
	issuer   challenge.IssuerKeys
	edge     challenge.EdgeKeys
	clock    *testenv.Clock
	inbox    *devmail.Store
	smtpAddr string
	smtp     *devmail.SMTPServer
	merchant issuer.Merchant
	cfg      acs.Config
	dbPath   string
	vault    *vault.Vault
	// jars are the browsers' device cookies, one browser per device_id
	// (its local storage): startWith sends and keeps them as a browser
	// would.
	jars map[string]string
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	keyDir := filepath.Join(dir, "keys")
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
	dbPath := testDB(t)
	st, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	hasher, err := pan.NewHasher(bytes.Repeat([]byte{0x42}, pan.KeySize))
	if err != nil {
		t.Fatal(err)
	}

	h := &harness{t: t, store: st, dbPath: dbPath, issuer: ik, edge: ek, clock: testenv.NewClock(t0), inbox: devmail.NewStore(0)}
	h.smtpUp()
	t.Cleanup(func() { h.smtpDown() })
	host, port, _ := net.SplitHostPort(h.smtpAddr)
	portN, _ := strconv.Atoi(port)
	mailer, err := dispatch.NewMailer(dispatch.MailConfig{Host: host, Port: portN, From: testMailFrom,
		TLS: dispatch.TLSNone, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}

	h.merchant, err = st.CreateMerchant(ctx, issuer.Merchant{Name: "Demo Shop", APIKeyHash: issuer.HashAPIKey(testAPIKey),
		Origins: []string{testOrigin, "http://127.0.0.1:8080"}, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateMerchant(ctx, issuer.Merchant{Name: "Other Shop", APIKeyHash: issuer.HashAPIKey(otherAPIKey),
		Origins: []string{"https://other.example"}, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		card, email, locale, status string
	}{
		{cardJA, emailJA, "ja", issuer.CardholderActive},
		{cardEN, emailEN, "en", issuer.CardholderActive},
		{cardLocked, "locked@mail.jp", "ja", issuer.CardholderLocked},
	} {
		n, err := pan.Parse(c.card)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpsertCardholder(ctx, issuer.Cardholder{PANHMAC: hasher.Sum(n), Last4: n.Last4(),
			Email: c.email, PersonalMessage: personalMsg, Locale: c.locale, Status: c.status, Country: "JP", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}

	v, err := vault.New(bytes.Repeat([]byte{0x24}, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	h.vault = v
	av, err := acs.AVRing{Store: st, Vault: v}.Load(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	h.cfg = acs.Config{Store: st, Keys: ik, PAN: hasher, Vault: v, Mail: mailer, AV: av, EdgeURL: testEdgeURL,
		IssuerName: "Honnin Card", Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: h.clock.Now}
	h.reconfigure(func(*acs.Config) {})
	return h
}

// reconfigure rebuilds the API over the same store, keys and mail with a
// changed configuration.
func (h *harness) reconfigure(edit func(*acs.Config)) {
	h.t.Helper()
	cfg := h.cfg
	edit(&cfg)
	core, err := acs.New(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	api, err := New(Config{ACS: core, Log: cfg.Log})
	if err != nil {
		h.t.Fatal(err)
	}
	h.api = api
}

// smtpUp starts the sink, on the same address as before if it ran already.
func (h *harness) smtpUp() {
	h.t.Helper()
	addr := h.smtpAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		h.t.Fatal(err)
	}
	h.smtpAddr = ln.Addr().String()
	h.smtp = devmail.NewSMTPServer(h.inbox, devmail.SMTPConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	go h.smtp.Serve(ln)
}

func (h *harness) smtpDown() {
	if h.smtp != nil {
		h.smtp.Close()
		h.smtp = nil
	}
}

// do sends one request to the API. body is JSON-encoded unless it is a
// string, which is sent as is.
func (h *harness) do(method, path, auth string, body any) *httptest.ResponseRecorder {
	h.t.Helper()
	return h.doWithType(method, path, auth, "", body)
}

// doWithType is do with a Content-Type: "" means application/json when
// there is a body, "-" means none.
func (h *harness) doWithType(method, path, auth, ctype string, body any) *httptest.ResponseRecorder {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	switch {
	case ctype == "" && rd != nil:
		req.Header.Set("Content-Type", "application/json")
	case ctype != "" && ctype != "-":
		req.Header.Set("Content-Type", ctype)
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	rec := httptest.NewRecorder()
	h.api.ServeHTTP(rec, req)
	return rec
}

func decodeBody[T any](t testing.TB, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("response %d %q: %v", rec.Code, rec.Body.String(), err)
	}
	return v
}

// expectError checks an error response's status and code.
func expectError(t testing.TB, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %s", rec.Code, status, rec.Body.String())
	}
	e := decodeBody[jsonapi.ErrorBody](t, rec)
	if e.Error != code || e.Message == "" {
		t.Fatalf("error %+v, want code %q and a message", e, code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type %q", ct)
	}
}

func validCreate() map[string]any {
	return map[string]any{
		"card_number": cardJA, "amount": 1250, "currency": "JPY",
		"merchant_name": "Demo Shop", "merchant_origin": testOrigin, "order_ref": "order-1",
	}
}

// createChallenge creates an authentication for card and returns its id.
func (h *harness) createChallenge(card string) string {
	h.t.Helper()
	body := validCreate()
	body["card_number"] = card
	rec := h.do("POST", "/v1/authentications", testAPIKey, body)
	if rec.Code != http.StatusCreated {
		h.t.Fatalf("create: %d %s", rec.Code, rec.Body.String())
	}
	return decodeBody[createResponse](h.t, rec).ID
}

// edgeToken is the edge's call token for sub, issued now and valid 60 s.
func (h *harness) edgeToken(sub string) string {
	return h.signEdge(h.edge.Sign, challenge.TypEdge, sub, h.clock.Now(), 60*time.Second)
}

func (h *harness) signEdge(k challenge.SigningKey, typ, sub string, iat time.Time, life time.Duration) string {
	h.t.Helper()
	tok, err := challenge.Sign(k, typ, &challenge.EdgeClaims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    challenge.EdgeName,
		Audience:  jwt.ClaimStrings{challenge.IssuerName},
		Subject:   sub,
		ID:        challenge.NewID(),
		IssuedAt:  jwt.NewNumericDate(iat),
		ExpiresAt: jwt.NewNumericDate(iat.Add(life)),
	}})
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

// opened is a challenge token as the edge sees it after verifying and
// opening the seal.
type opened struct {
	claims  challenge.ChallengeClaims
	payload challenge.Payload
}

func (h *harness) openChallenge(token string) opened {
	h.t.Helper()
	v := challenge.Verifier{Keys: challenge.NewKeySet(h.issuer.Sign.Public()), Issuer: challenge.IssuerName,
		Audience: challenge.EdgeName, Now: h.clock.Now}
	var o opened
	if err := v.Verify(token, challenge.TypChallenge, &o.claims); err != nil {
		h.t.Fatalf("challenge token: %v", err)
	}
	p, err := h.edge.Seal.Open(o.claims.Seal, o.claims.ID)
	if err != nil {
		h.t.Fatalf("seal: %v", err)
	}
	o.payload = p
	return o
}

// start starts the challenge of id and returns the response.
func (h *harness) start(id string) contract.StartResponse {
	h.t.Helper()
	rec := h.do("POST", "/internal/v1/authentications/"+id+"/start", h.edgeToken(id), map[string]any{})
	if rec.Code != http.StatusOK {
		h.t.Fatalf("start: %d %s", rec.Code, rec.Body.String())
	}
	return decodeBody[contract.StartResponse](h.t, rec)
}

// mails returns the messages the sink holds for addr, newest first.
func (h *harness) mails(addr string) []devmail.Message { return h.inbox.Messages(addr) }

type httptestResponse = httptest.ResponseRecorder

// jwtPayload returns the decoded claims part of a JWT: what anyone holding
// the token can read.
func jwtPayload(t testing.TB, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// hashOf is how the issuer stores an authentication value.
func hashOf(av string) []byte {
	h := sha256.Sum256([]byte(av))
	return h[:]
}

// okOf is a password answer's verdict; an answer without one is neither
// yes nor no, and fails the test.
func okOf(t testing.TB, p contract.PasswordResponse) bool {
	t.Helper()
	if p.OK == nil {
		t.Fatal("a password answer without ok")
	}
	return *p.OK
}
