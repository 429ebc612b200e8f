package api

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store"
)

func TestCreateEnrolled(t *testing.T) {
	h := newHarness(t)
	rec := h.do("POST", "/v1/authentications", testAPIKey, validCreate())
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	got := decodeBody[createResponse](t, rec)
	if got.Status != "C" || got.ID == "" || got.SessionToken == "" || got.Reason != "" {
		t.Fatalf("response %+v", got)
	}
	if loc := rec.Header().Get("Location"); loc != "/v1/authentications/"+got.ID {
		t.Errorf("Location %q", loc)
	}
	if want := testEdgeURL + "/challenge?st=" + url.QueryEscape(got.SessionToken); got.ChallengeURL != want {
		t.Errorf("challenge_url %q, want %q", got.ChallengeURL, want)
	}

	// The session token is what the edge will verify.
	v := challenge.Verifier{Keys: challenge.NewKeySet(h.issuer.Sign.Public()), Issuer: challenge.IssuerName,
		Audience: challenge.EdgeName, Now: h.clock.Now}
	var sc challenge.SessionClaims
	if err := v.Verify(got.SessionToken, challenge.TypSession, &sc); err != nil {
		t.Fatal(err)
	}
	if sc.Subject != got.ID || sc.MerchantOrigin != testOrigin || sc.ID == "" ||
		!sc.ExpiresAt.Time.Equal(t0.Add(10*time.Minute)) {
		t.Errorf("session claims %+v", sc)
	}
	if err := v.Verify(got.SessionToken, challenge.TypChallenge, &challenge.ChallengeClaims{}); err == nil {
		t.Error("session token accepted as a challenge token")
	}
	// It carries what the edge's page paints before the client loads
	// (issue 16): what the merchant has, in the challenge token's words,
	// and the card's language; nothing of the cardholder's own.
	wantTxn := challenge.Txn{Merchant: "Demo Shop", Amount: 1250, Currency: "JPY", Date: t0, Last4: "9016"}
	if sc.Txn == nil || sc.Txn.Merchant != wantTxn.Merchant || sc.Txn.Amount != wantTxn.Amount ||
		sc.Txn.Currency != wantTxn.Currency || !sc.Txn.Date.Equal(wantTxn.Date) || sc.Txn.Last4 != wantTxn.Last4 || sc.Locale != "ja" {
		t.Errorf("session token's display: %+v, locale %q; want %+v, ja", sc.Txn, sc.Locale, wantTxn)
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(got.SessionToken, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{personalMsg, emailJA, "3540123456789016"} {
		if strings.Contains(string(payload), secret) {
			t.Errorf("session token holds %q: %s", secret, payload)
		}
	}

	a, err := h.store.Authentication(t.Context(), got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != "C" || a.Amount != 1250 || a.Currency != "JPY" || a.OrderRef != "order-1" ||
		a.MerchantID != h.merchant.ID || a.CardholderID == 0 || !a.CreatedAt.Equal(t0) {
		t.Errorf("stored %+v", a)
	}
}

func TestCreateNotEnrolled(t *testing.T) {
	for _, card := range []string{cardUnknown, cardLocked} {
		t.Run(card, func(t *testing.T) {
			h := newHarness(t)
			body := validCreate()
			body["card_number"] = card
			rec := h.do("POST", "/v1/authentications", testAPIKey, body)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
			got := decodeBody[createResponse](t, rec)
			if got.Status != "N" || got.Reason != "not_enrolled" || got.SessionToken != "" || got.ChallengeURL != "" {
				t.Fatalf("response %+v", got)
			}
			if strings.Contains(rec.Body.String(), "session_token") {
				t.Error("N response carries a session_token field")
			}
			// Stored too, and readable by the merchant.
			rec = h.do("GET", "/v1/authentications/"+got.ID, testAPIKey, nil)
			a := decodeBody[authenticationResponse](t, rec)
			if rec.Code != http.StatusOK || a.Status != "N" || a.Reason != "not_enrolled" {
				t.Errorf("GET: %d %+v", rec.Code, a)
			}
		})
	}
}

// TestCreateServiceStopped: a card whose holder stopped the service in the
// portal is answered exactly as a card never enrolled, and challenged
// again once restarted.
func TestCreateServiceStopped(t *testing.T) {
	h := newHarness(t)
	n, err := pan.Parse(cardJA)
	if err != nil {
		t.Fatal(err)
	}
	c, err := h.store.CardholderByPAN(t.Context(), h.cfg.PAN.Sum(n))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.StopService(t.Context(), c.ID, "cardholder", t0); err != nil {
		t.Fatal(err)
	}
	unknown := validCreate()
	unknown["card_number"] = cardUnknown
	want := h.do("POST", "/v1/authentications", testAPIKey, unknown)
	rec := h.do("POST", "/v1/authentications", testAPIKey, validCreate())
	got, wantBody := decodeBody[map[string]any](t, rec), decodeBody[map[string]any](t, want)
	if rec.Code != want.Code || got["status"] != "N" || got["reason"] != "not_enrolled" || len(got) != len(wantBody) {
		t.Fatalf("stopped card: %d %v; unknown card: %d %v", rec.Code, got, want.Code, wantBody)
	}

	if err := h.store.RestartService(t.Context(), c.ID, "cardholder", t0); err != nil {
		t.Fatal(err)
	}
	if rec := h.do("POST", "/v1/authentications", testAPIKey, validCreate()); rec.Code != http.StatusCreated {
		t.Fatalf("restarted card: %d %s", rec.Code, rec.Body.String())
	}
}

func TestCreateRefused(t *testing.T) {
	h := newHarness(t)
	with := func(k string, v any) map[string]any {
		b := validCreate()
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	tests := []struct {
		name   string
		key    string
		ctype  string
		body   any
		status int
		code   string
	}{
		{"bad API key", "hk_wrong", "", validCreate(), 401, "invalid_api_key"},
		{"no API key", "", "", validCreate(), 401, "invalid_api_key"},
		{"disallowed origin", testAPIKey, "", with("merchant_origin", "https://evil.example"), 403, "origin_not_allowed"},
		{"other merchant's origin", testAPIKey, "", with("merchant_origin", "https://other.example"), 403, "origin_not_allowed"},
		{"origin with path", testAPIKey, "", with("merchant_origin", testOrigin+"/checkout"), 400, "bad_request"},
		{"origin with trailing slash", testAPIKey, "", with("merchant_origin", testOrigin+"/"), 400, "bad_request"},
		{"origin not http", testAPIKey, "", with("merchant_origin", "ftp://localhost:8080"), 400, "bad_request"},
		{"origin upper case", testAPIKey, "", with("merchant_origin", "http://LOCALHOST:8080"), 400, "bad_request"},
		{"Luhn", testAPIKey, "", with("card_number", "3540 1234 5678 9017"), 400, "bad_request"},
		{"card too short", testAPIKey, "", with("card_number", "354012345678"), 400, "bad_request"},
		{"card letters", testAPIKey, "", with("card_number", "3540abcd56789016"), 400, "bad_request"},
		{"amount zero", testAPIKey, "", with("amount", 0), 400, "bad_request"},
		{"amount negative", testAPIKey, "", with("amount", -5), 400, "bad_request"},
		{"amount too large", testAPIKey, "", with("amount", int64(1_000_000_000_000)), 400, "bad_request"},
		{"amount fraction", testAPIKey, "", with("amount", 12.5), 400, "bad_request"},
		{"amount string", testAPIKey, "", with("amount", "1250"), 400, "bad_request"},
		{"currency lower", testAPIKey, "", with("currency", "jpy"), 400, "bad_request"},
		{"currency unknown", testAPIKey, "", with("currency", "XXX"), 400, "bad_request"},
		{"currency short", testAPIKey, "", with("currency", "JP"), 400, "bad_request"},
		{"merchant_name too long", testAPIKey, "", with("merchant_name", strings.Repeat("店", 65)), 400, "bad_request"},
		{"merchant_name control", testAPIKey, "", with("merchant_name", "Shop\nOne-time password: 000000"), 400, "bad_request"},
		{"merchant_name bidi", testAPIKey, "", with("merchant_name", "Shop\u202Epohs"), 400, "bad_request"},
		{"merchant_name spaces", testAPIKey, "", with("merchant_name", " Shop"), 400, "bad_request"},
		{"order_ref too long", testAPIKey, "", with("order_ref", strings.Repeat("x", 65)), 400, "bad_request"},
		{"missing card_number", testAPIKey, "", with("card_number", nil), 400, "bad_request"},
		{"missing amount", testAPIKey, "", with("amount", nil), 400, "bad_request"},
		{"missing currency", testAPIKey, "", with("currency", nil), 400, "bad_request"},
		{"missing merchant_origin", testAPIKey, "", with("merchant_origin", nil), 400, "bad_request"},
		{"unknown field", testAPIKey, "", with("cvv", "123"), 400, "bad_request"},
		{"trailing data", testAPIKey, "", `{"card_number":"4111111111111111","amount":1,"currency":"JPY","merchant_name":"a","merchant_origin":"http://localhost:8080"} {}`, 400, "bad_request"},
		{"trailing garbage", testAPIKey, "", `{"card_number":"4111111111111111","amount":1,"currency":"JPY","merchant_name":"a","merchant_origin":"http://localhost:8080"}x`, 400, "bad_request"},
		{"not JSON", testAPIKey, "", `card_number=4111111111111111`, 400, "bad_request"},
		{"truncated JSON", testAPIKey, "", `{"card_number":"41111`, 400, "bad_request"},
		{"array", testAPIKey, "", `[1,2]`, 400, "bad_request"},
		{"null", testAPIKey, "", `null`, 400, "bad_request"},
		{"empty body", testAPIKey, "", ``, 400, "bad_request"},
		{"too large", testAPIKey, "", `{"order_ref":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "too_large"},
		{"form content type", testAPIKey, "application/x-www-form-urlencoded", validCreate(), 415, "unsupported_media_type"},
		{"no content type", testAPIKey, "-", validCreate(), 415, "unsupported_media_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := h.doWithType("POST", "/v1/authentications", tt.key, tt.ctype, tt.body)
			expectError(t, rec, tt.status, tt.code)
		})
	}
}

// TestCreateMerchantName: the name the cardholder is shown (challenge
// screen, code mail and SMS, portal history) is one the operator
// registered, never the request's own text (issue 12, scenario 7). A
// request may leave merchant_name out (the registered name for its origin
// is shown) or send one of the names registered for it, exactly.
func TestCreateMerchantName(t *testing.T) {
	h := newHarness(t)
	const loopback = "http://127.0.0.1:8080"
	if _, err := h.store.ChangeNames(t.Context(), h.merchant.ID, store.NameChange{
		OriginNames: map[string]string{loopback: "Demo Shop Loopback"}, Allow: []string{"Demo Shop * Sale"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		origin string
		send   any    // nil: no merchant_name field
		want   string // "": refused
	}{
		{"omitted", testOrigin, nil, "Demo Shop"},
		{"empty", testOrigin, "", "Demo Shop"},
		{"registered", testOrigin, "Demo Shop", "Demo Shop"},
		{"omitted, origin with its own name", loopback, nil, "Demo Shop Loopback"},
		{"the origin's own name", loopback, "Demo Shop Loopback", "Demo Shop Loopback"},
		{"the merchant's name from an origin with its own", loopback, "Demo Shop", "Demo Shop"},
		{"allowed descriptor", testOrigin, "Demo Shop * Sale", "Demo Shop * Sale"},
		{"allowed descriptor, other origin", loopback, "Demo Shop * Sale", "Demo Shop * Sale"},
		{"free text", testOrigin, "JCB Security: do NOT share; call 0120-000-000", ""},
		{"another brand", testOrigin, "Amazon.co.jp", ""},
		{"case differs", testOrigin, "demo shop", ""},
		{"descriptor with a suffix", testOrigin, "Demo Shop * Sale!", ""},
		{"another origin's name", testOrigin, "Demo Shop Loopback", ""},
		{"another merchant's name", testOrigin, "Other Shop", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.clock.Add(time.Hour) // each its own velocity window
			body := validCreate()
			body["merchant_origin"] = tt.origin
			delete(body, "merchant_name")
			if tt.send != nil {
				body["merchant_name"] = tt.send
			}
			rec := h.do("POST", "/v1/authentications", testAPIKey, body)
			if tt.want == "" {
				expectError(t, rec, http.StatusBadRequest, "bad_request")
				if e := decodeBody[jsonapi.ErrorBody](t, rec); !strings.Contains(e.Message, "merchant_name") {
					t.Errorf("message %q does not name merchant_name", e.Message)
				}
				return
			}
			if rec.Code != http.StatusCreated {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
			id := decodeBody[createResponse](t, rec).ID
			if a, err := h.store.Authentication(t.Context(), id); err != nil || a.MerchantName != tt.want {
				t.Fatalf("stored merchant name %q (%v), want %q", a.MerchantName, err, tt.want)
			}
			// What the stored name is for: the challenge and the mail.
			res := h.start(id)
			if res.Decision != "challenge" {
				t.Fatalf("start %+v", res)
			}
			if got := h.openChallenge(res.ChallengeToken).claims.Txn.Merchant; got != tt.want {
				t.Errorf("challenge shows %q, want %q", got, tt.want)
			}
			if m := h.mails(emailJA); len(m) == 0 || !strings.Contains(m[0].Text, tt.want) {
				t.Errorf("code mail lacks %q", tt.want)
			}
		})
	}

	// The operator renames the merchant: the old name is refused from then
	// on (unless allowed as a descriptor), what was shown before stays.
	before, err := h.store.Authentication(t.Context(), h.createChallenge(cardJA))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.ChangeNames(t.Context(), h.merchant.ID, store.NameChange{DisplayName: "Demo Shop Tokyo"}); err != nil {
		t.Fatal(err)
	}
	expectError(t, h.do("POST", "/v1/authentications", testAPIKey, validCreate()), http.StatusBadRequest, "bad_request")
	body := validCreate()
	delete(body, "merchant_name")
	rec := h.do("POST", "/v1/authentications", testAPIKey, body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	if a, err := h.store.Authentication(t.Context(), decodeBody[createResponse](t, rec).ID); err != nil || a.MerchantName != "Demo Shop Tokyo" {
		t.Errorf("after the rename, stored %q (%v)", a.MerchantName, err)
	}
	if a, err := h.store.Authentication(t.Context(), before.ID); err != nil || a.MerchantName != "Demo Shop" {
		t.Errorf("the earlier authentication now shows %q (%v)", a.MerchantName, err)
	}
}

func TestCreateAcceptsJSONWithCharset(t *testing.T) {
	h := newHarness(t)
	rec := h.doWithType("POST", "/v1/authentications", testAPIKey, "application/json; charset=utf-8", validCreate())
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
}

func TestGetAuthentication(t *testing.T) {
	h := newHarness(t)
	id := h.createChallenge(cardJA)
	rec := h.do("GET", "/v1/authentications/"+id, testAPIKey, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	got := decodeBody[authenticationResponse](t, rec)
	if got.ID != id || got.Status != "C" || got.OrderRef != "order-1" || got.Amount != 1250 ||
		got.Currency != "JPY" || !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t0) {
		t.Errorf("GET = %+v", got)
	}
	for _, field := range []string{`"reason":`, `"method":`, `"created_at":"2026-11-22T03:00:00Z"`} {
		if !strings.Contains(rec.Body.String(), field) {
			t.Errorf("body %s lacks %s", rec.Body.String(), field)
		}
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}

	expectError(t, h.do("GET", "/v1/authentications/"+id, otherAPIKey, nil), 404, "not_found")
	expectError(t, h.do("GET", "/v1/authentications/nope", testAPIKey, nil), 404, "not_found")
	expectError(t, h.do("GET", "/v1/authentications/"+id, "", nil), 401, "invalid_api_key")
	expectError(t, h.do("GET", "/v1/authentications/"+id, "hk_wrong", nil), 401, "invalid_api_key")
}

func TestJWKS(t *testing.T) {
	h := newHarness(t)
	rec := h.do("GET", "/.well-known/jwks.json", "", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=300" {
		t.Errorf("Cache-Control %q", cc)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	ks, err := challenge.ParseJWKS(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, kid := range []string{h.issuer.Sign.KID, h.edge.Sign.KID} {
		if _, ok := ks.Get(kid); !ok {
			t.Errorf("JWKS lacks key %s", kid)
		}
	}
	if !strings.Contains(rec.Body.String(), h.edge.Seal.KID) {
		t.Error("JWKS lacks the edge seal key")
	}
	if strings.Contains(rec.Body.String(), `"d"`) || strings.Contains(rec.Body.String(), `"priv"`) {
		t.Error("JWKS publishes private key material")
	}
}
