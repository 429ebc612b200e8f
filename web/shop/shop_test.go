package shop

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
)

func newTestShop(t *testing.T, issuerURL string, mod func(c *Config)) *httptest.Server {
	t.Helper()
	cfg := Config{
		Issuer: issuerURL, APIKey: testAPIKey, Origin: testOrigin, Edge: testEdge,
		DemoCards: []string{cardChallenge, cardNotEnrolled},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

// browser is one shopper: a cookie jar, redirects not followed so the
// tests see them.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: srv.URL, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(body)}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) postForm(path string, form url.Values) response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// postComplete posts a raw body to /complete the way pay.js does.
func (b *browser) postComplete(body, csrf string) response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+"/complete", strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set(csrfHeader, csrf)
	}
	return b.do(req)
}

func (b *browser) complete(order, token, csrf string) response {
	b.t.Helper()
	body, _ := json.Marshal(completeRequest{Order: order, ResultToken: token})
	return b.postComplete(string(body), csrf)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf opens the product page and returns the form's CSRF token.
func (b *browser) csrf() string {
	b.t.Helper()
	r := b.get("/")
	if r.status != http.StatusOK {
		b.t.Fatalf("GET / = %d", r.status)
	}
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		b.t.Fatal("product page has no CSRF field")
	}
	return m[1]
}

// checkout buys the product with card and returns the order id from the
// redirect and where it pointed.
func (b *browser) checkout(card string) (id, location string) {
	b.t.Helper()
	r := b.postForm("/checkout", url.Values{"csrf": {b.csrf()}, "card": {card}})
	if r.status != http.StatusSeeOther {
		b.t.Fatalf("checkout = %d, want 303; body:\n%s", r.status, r.body)
	}
	loc := r.header.Get("Location")
	i := strings.LastIndex(loc, "/")
	return loc[i+1:], loc
}

// text returns the text of the element with the given id.
func text(t *testing.T, html, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no element #%s in:\n%s", id, html)
	}
	return m[1]
}

func decode(t *testing.T, r response) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("response %d is not JSON: %q", r.status, r.body)
	}
	return m
}

func wantJSONError(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if got := decode(t, r)["error"]; got != code {
		t.Fatalf("error = %v, want %q; body %s", got, code, r.body)
	}
}

func TestCheckoutChallenge(t *testing.T) {
	iss := newFakeIssuer(t)
	b := newBrowser(t, newTestShop(t, iss.srv.URL, nil))

	id, loc := b.checkout("4111 1111 1111 1111")
	if loc != "/pay/"+id {
		t.Fatalf("redirect to %q, want /pay/{order}", loc)
	}
	iss.mu.Lock()
	got := iss.created[0]
	iss.mu.Unlock()
	want := createAuthentication{CardNumber: cardChallenge, Amount: 1250, Currency: "JPY", MerchantName: "Demo Shop", MerchantOrigin: testOrigin, OrderRef: id}
	if got != want {
		t.Fatalf("issuer got %+v, want %+v", got, want)
	}

	r := b.get(loc)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s = %d", loc, r.status)
	}
	for _, s := range []string{
		`<script src="` + testEdge + `/honnin.js"></script>`,
		`<script src="/static/pay.js"></script>`,
		`id="honnin"`,
		`data-order="` + id + `"`,
		`data-session-token="ey`,
	} {
		if !strings.Contains(r.body, s) {
			t.Errorf("pay page lacks %s", s)
		}
	}
	if regexp.MustCompile(`<script>|<script [^>]*>[^<]`).MatchString(r.body) {
		t.Error("pay page has an inline script")
	}
	csp := r.header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'self'", "script-src 'self' " + testEdge, "frame-src " + testEdge} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %q", csp, d)
		}
	}

	// The script the page loads is served, as JavaScript.
	js := b.get("/static/pay.js")
	if js.status != http.StatusOK || !strings.Contains(js.header.Get("Content-Type"), "javascript") || !strings.Contains(js.body, "Honnin.mount") {
		t.Fatalf("GET /static/pay.js = %d %s", js.status, js.header.Get("Content-Type"))
	}

	// Before the result the order is not paid, and says it is waiting.
	o := b.get("/orders/" + id)
	if s := text(t, o.body, "order-status"); s != "not paid" {
		t.Fatalf("order-status = %q", s)
	}
	if s := text(t, o.body, "status"); s != "C" {
		t.Fatalf("status = %q", s)
	}
}

func TestCheckoutWithoutChallenge(t *testing.T) {
	tests := []struct {
		card, status, reason string
	}{
		{cardNotEnrolled, "N", "not_enrolled"},
		{cardUnavailable, "U", "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			iss := newFakeIssuer(t)
			b := newBrowser(t, newTestShop(t, iss.srv.URL, nil))
			id, loc := b.checkout(tt.card)
			if loc != "/orders/"+id {
				t.Fatalf("redirect to %q, want /orders/{order}", loc)
			}
			r := b.get(loc)
			if !strings.Contains(r.body, "Card not enrolled in authentication: proceeding is up to the merchant's policy") {
				t.Errorf("order page lacks the not-enrolled notice:\n%s", r.body)
			}
			if s := text(t, r.body, "order-status"); s != "not paid" {
				t.Errorf("order-status = %q", s)
			}
			if s := text(t, r.body, "status"); s != tt.status {
				t.Errorf("status = %q, want %q", s, tt.status)
			}
			if s := text(t, r.body, "reason"); s != tt.reason {
				t.Errorf("reason = %q, want %q", s, tt.reason)
			}
			// There is no challenge page for it, and no result can pay it.
			if p := b.get("/pay/" + id); p.status != http.StatusSeeOther {
				t.Errorf("GET /pay = %d, want 303 to the order", p.status)
			}
			tok := iss.result(iss.authFor(id), "Y", "")
			wantJSONError(t, b.complete(id, tok, b.csrf()), http.StatusConflict, "not_awaiting")
		})
	}
}

func TestCompletePaid(t *testing.T) {
	iss := newFakeIssuer(t)
	b := newBrowser(t, newTestShop(t, iss.srv.URL, nil))
	id, _ := b.checkout(cardChallenge)
	pay := b.get("/pay/" + id)
	csrf := regexp.MustCompile(`data-csrf="([^"]+)"`).FindStringSubmatch(pay.body)[1]
	auth := iss.authFor(id)
	tok := iss.result(auth, "Y", "")

	r := b.complete(id, tok, csrf)
	if r.status != http.StatusOK {
		t.Fatalf("complete = %d %s", r.status, r.body)
	}
	m := decode(t, r)
	if m["paid"] != true || m["redirect"] != "/orders/"+id {
		t.Fatalf("complete = %s", r.body)
	}

	o := b.get("/orders/" + id)
	for id, want := range map[string]string{"order-status": "paid", "status": "Y", "eci": "05", "authentication-id": auth, "amount": "¥1,250"} {
		if got := text(t, o.body, id); got != want {
			t.Errorf("#%s = %q, want %q", id, got, want)
		}
	}
	if !strings.Contains(o.body, "Paid ✓") {
		t.Error("order page does not say Paid ✓")
	}

	// The same token again, or any other result, cannot complete it twice.
	wantJSONError(t, b.complete(id, tok, csrf), http.StatusConflict, "already_completed")
	wantJSONError(t, b.complete(id, iss.result(auth, "N", "max_attempts"), csrf), http.StatusConflict, "already_completed")
	if got := text(t, b.get("/orders/"+id).body, "order-status"); got != "paid" {
		t.Fatalf("after replays order-status = %q", got)
	}
	// The pay page of a completed order goes to the order.
	if p := b.get("/pay/" + id); p.status != http.StatusSeeOther || p.header.Get("Location") != "/orders/"+id {
		t.Fatalf("GET /pay after completion = %d %s", p.status, p.header.Get("Location"))
	}
}

func TestCompleteNotPaid(t *testing.T) {
	for _, reason := range []string{"max_attempts", "cardholder_cancelled", "expired"} {
		t.Run(reason, func(t *testing.T) {
			iss := newFakeIssuer(t)
			b := newBrowser(t, newTestShop(t, iss.srv.URL, nil))
			id, _ := b.checkout(cardChallenge)
			r := b.complete(id, iss.result(iss.authFor(id), "N", reason), b.csrf())
			if r.status != http.StatusOK {
				t.Fatalf("complete = %d %s", r.status, r.body)
			}
			m := decode(t, r)
			if m["paid"] != false || m["status"] != "N" || m["reason"] != reason {
				t.Fatalf("complete = %s", r.body)
			}
			o := b.get("/orders/" + id).body
			for id, want := range map[string]string{"order-status": "not paid", "status": "N", "reason": reason} {
				if got := text(t, o, id); got != want {
					t.Errorf("#%s = %q, want %q", id, got, want)
				}
			}
			if !strings.Contains(o, "authentication failed") {
				t.Error("order page does not say authentication failed")
			}
		})
	}
}

func TestCompleteRefusesTokens(t *testing.T) {
	iss := newFakeIssuer(t)
	b := newBrowser(t, newTestShop(t, iss.srv.URL, nil))
	csrf := b.csrf()
	cheap, _ := b.checkout(cardChallenge)
	dear, _ := b.checkout(cardChallenge)
	stranger, err := challenge.NewSigningKey(challenge.EdgeName)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(k challenge.SigningKey, mod func(c *challenge.ResultClaims)) string {
		now := time.Now()
		c := &challenge.ResultClaims{
			RegisteredClaims: jwt.RegisteredClaims{
				Issuer: challenge.EdgeName, Audience: jwt.ClaimStrings{testOrigin}, Subject: iss.authFor(dear), ID: challenge.NewID(),
				ExpiresAt: jwt.NewNumericDate(now.Add(5 * time.Minute)),
			},
			Status: "Y", AV: "AAAA", ECI: "05",
		}
		mod(c)
		tok, err := challenge.Sign(k, challenge.TypResult, c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	tests := []struct {
		name   string
		token  string
		status int
		code   string
	}{
		{"token for another order", iss.result(iss.authFor(cheap), "Y", ""), http.StatusBadRequest, "wrong_authentication"},
		{"garbage", "not-a-token", http.StatusBadRequest, "invalid_token"},
		{"signed by an unknown key", sign(stranger, func(*challenge.ResultClaims) {}), http.StatusBadRequest, "invalid_token"},
		{"addressed to another shop", sign(iss.edge.Sign, func(c *challenge.ResultClaims) { c.Audience = jwt.ClaimStrings{"http://evil.test"} }), http.StatusBadRequest, "invalid_token"},
		{"expired", sign(iss.edge.Sign, func(c *challenge.ResultClaims) { c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Minute)) }), http.StatusBadRequest, "expired_token"},
		{"status C is no outcome", sign(iss.edge.Sign, func(c *challenge.ResultClaims) { c.Status = "C" }), http.StatusBadRequest, "not_final"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantJSONError(t, b.complete(dear, tt.token, csrf), tt.status, tt.code)
		})
	}
	// None of them closed the order: its own result still pays it.
	r := b.complete(dear, iss.result(iss.authFor(dear), "Y", ""), csrf)
	if r.status != http.StatusOK || decode(t, r)["paid"] != true {
		t.Fatalf("genuine result after refusals = %d %s", r.status, r.body)
	}
}

func TestCompleteOtherSessionsOrder(t *testing.T) {
	iss := newFakeIssuer(t)
	srv := newTestShop(t, iss.srv.URL, nil)
	alice, mallory := newBrowser(t, srv), newBrowser(t, srv)
	id, _ := alice.checkout(cardChallenge)
	tok := iss.result(iss.authFor(id), "Y", "")
	wantJSONError(t, mallory.complete(id, tok, mallory.csrf()), http.StatusNotFound, "unknown_order")
	if r := mallory.get("/orders/" + id); r.status != http.StatusNotFound {
		t.Fatalf("another session's order page = %d, want 404", r.status)
	}
	if r := mallory.get("/pay/" + id); r.status != http.StatusNotFound {
		t.Fatalf("another session's pay page = %d, want 404", r.status)
	}
}

func TestCompleteRace(t *testing.T) {
	iss := newFakeIssuer(t)
	b := newBrowser(t, newTestShop(t, iss.srv.URL, nil))
	csrf := b.csrf()
	id, _ := b.checkout(cardChallenge)
	tok := iss.result(iss.authFor(id), "Y", "")
	var wg sync.WaitGroup
	statuses := make(chan int, 16)
	for range 16 {
		wg.Go(func() { statuses <- b.complete(id, tok, csrf).status })
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[http.StatusOK] != 1 || count[http.StatusConflict] != 15 {
		t.Fatalf("statuses = %v, want one 200 and fifteen 409", count)
	}
}

func TestCompleteBadRequests(t *testing.T) {
	iss := newFakeIssuer(t)
	b := newBrowser(t, newTestShop(t, iss.srv.URL, nil))
	csrf := b.csrf()
	id, _ := b.checkout(cardChallenge)
	tests := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"unknown field", `{"order":"` + id + `","result_token":"x","paid":true}`, http.StatusBadRequest, "bad_request"},
		{"missing token", `{"order":"` + id + `"}`, http.StatusBadRequest, "bad_request"},
		{"trailing data", `{"order":"` + id + `","result_token":"x"}{}`, http.StatusBadRequest, "bad_request"},
		{"not JSON", `order=1`, http.StatusBadRequest, "bad_request"},
		{"unknown order", `{"order":"NOPE","result_token":"x"}`, http.StatusNotFound, "unknown_order"},
		{"too large", `{"order":"` + id + `","result_token":"` + strings.Repeat("a", 70<<10) + `"}`, http.StatusRequestEntityTooLarge, "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantJSONError(t, b.postComplete(tt.body, csrf), tt.status, tt.code)
		})
	}
	t.Run("text/plain", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, b.base+"/complete", strings.NewReader(`{"order":"`+id+`","result_token":"x"}`))
		req.Header.Set("Content-Type", "text/plain")
		req.Header.Set(csrfHeader, csrf)
		wantJSONError(t, b.do(req), http.StatusUnsupportedMediaType, "unsupported_media_type")
	})
	t.Run("GET", func(t *testing.T) {
		wantJSONError(t, b.get("/complete"), http.StatusMethodNotAllowed, "method_not_allowed")
	})
}

func TestCSRF(t *testing.T) {
	iss := newFakeIssuer(t)
	srv := newTestShop(t, iss.srv.URL, nil)
	b := newBrowser(t, srv)
	csrf := b.csrf()
	other := newBrowser(t, srv).csrf() // a valid token of another session

	tampered := csrf[:len(csrf)-2] + "AA"
	if tampered == csrf {
		tampered = csrf[:len(csrf)-2] + "BB"
	}
	for _, tt := range []struct {
		name string
		form url.Values
	}{
		{"missing", url.Values{"card": {cardChallenge}}},
		{"empty", url.Values{"csrf": {""}, "card": {cardChallenge}}},
		{"another session's", url.Values{"csrf": {other}, "card": {cardChallenge}}},
		{"tampered", url.Values{"csrf": {tampered}, "card": {cardChallenge}}},
	} {
		t.Run("checkout "+tt.name, func(t *testing.T) {
			r := b.postForm("/checkout", tt.form)
			if tt.name == "missing" {
				// A form without the field is malformed before it is forged.
				if r.status != http.StatusBadRequest {
					t.Fatalf("status = %d, want 400", r.status)
				}
				return
			}
			if r.status != http.StatusForbidden {
				t.Fatalf("status = %d, want 403", r.status)
			}
		})
	}
	t.Run("checkout without a session cookie", func(t *testing.T) {
		fresh := newBrowser(t, srv)
		if r := fresh.postForm("/checkout", url.Values{"csrf": {csrf}, "card": {cardChallenge}}); r.status != http.StatusForbidden {
			t.Fatalf("status = %d, want 403", r.status)
		}
	})
	t.Run("checkout from another site", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, b.base+"/checkout", strings.NewReader(url.Values{"csrf": {csrf}, "card": {cardChallenge}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r := b.do(req); r.status != http.StatusForbidden {
			t.Fatalf("status = %d, want 403", r.status)
		}
	})
	id, _ := b.checkout(cardChallenge)
	tok := iss.result(iss.authFor(id), "Y", "")
	t.Run("complete without the header", func(t *testing.T) {
		wantJSONError(t, b.complete(id, tok, ""), http.StatusForbidden, "csrf")
	})
	t.Run("complete with another session's token", func(t *testing.T) {
		wantJSONError(t, b.complete(id, tok, other), http.StatusForbidden, "csrf")
	})
	iss.mu.Lock()
	n := len(iss.created)
	iss.mu.Unlock()
	if n != 1 {
		t.Fatalf("the issuer saw %d authentications, want only the legitimate one", n)
	}
}

func TestCheckoutIssuerFailures(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	t.Cleanup(broken.Close)
	iss := newFakeIssuer(t)

	tests := []struct {
		name    string
		issuer  string
		apiKey  string
		card    string
		status  int
		message string
	}{
		{"issuer down", downURL, testAPIKey, cardChallenge, http.StatusBadGateway, "could not be reached"},
		{"issuer 500", broken.URL, testAPIKey, cardChallenge, http.StatusBadGateway, "could not be reached"},
		{"wrong API key", iss.srv.URL, "wrong", cardChallenge, http.StatusBadGateway, "cannot reach its card issuer"},
		{"card refused", iss.srv.URL, testAPIKey, cardInvalid, http.StatusBadRequest, "card number fails the Luhn check"},
		{"card malformed", iss.srv.URL, testAPIKey, "4111-abcd", http.StatusBadRequest, "12 to 19 digits"},
		{"card too short", iss.srv.URL, testAPIKey, "4111", http.StatusBadRequest, "12 to 19 digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, newTestShop(t, tt.issuer, func(c *Config) { c.APIKey = tt.apiKey }))
			r := b.postForm("/checkout", url.Values{"csrf": {b.csrf()}, "card": {tt.card}})
			if r.status != tt.status {
				t.Fatalf("status = %d, want %d:\n%s", r.status, tt.status, r.body)
			}
			if !strings.Contains(r.header.Get("Content-Type"), "text/html") || !strings.Contains(r.body, tt.message) {
				t.Fatalf("page lacks %q:\n%s", tt.message, r.body)
			}
		})
	}
}

func TestCheckoutFormFields(t *testing.T) {
	iss := newFakeIssuer(t)
	b := newBrowser(t, newTestShop(t, iss.srv.URL, nil))
	csrf := b.csrf()
	for name, form := range map[string]url.Values{
		"unknown field":  {"csrf": {csrf}, "card": {cardChallenge}, "amount": {"1"}},
		"repeated field": {"csrf": {csrf}, "card": {cardChallenge, cardNotEnrolled}},
		"no card":        {"csrf": {csrf}},
	} {
		if r := b.postForm("/checkout", form); r.status != http.StatusBadRequest {
			t.Errorf("%s: status = %d, want 400", name, r.status)
		}
	}
}

func TestCheckoutQuantity(t *testing.T) {
	iss := newFakeIssuer(t)
	b := newBrowser(t, newTestShop(t, iss.srv.URL, nil))
	csrf := b.csrf()
	r := b.postForm("/checkout", url.Values{"csrf": {csrf}, "card": {cardChallenge}, "qty": {"40"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("qty 40: status %d, want 303; body %s", r.status, r.body)
	}
	iss.mu.Lock()
	got := iss.created[len(iss.created)-1]
	iss.mu.Unlock()
	if got.Amount != 50000 {
		t.Errorf("40 sets: issuer asked for %d, want 50000", got.Amount)
	}
	for _, bad := range []string{"0", "41", "-1", "2.5", "many", ""} {
		if r := b.postForm("/checkout", url.Values{"csrf": {csrf}, "card": {cardChallenge}, "qty": {bad}}); r.status != http.StatusBadRequest {
			t.Errorf("qty %q: status %d, want 400", bad, r.status)
		}
	}
	if page := b.get("/").body; !strings.Contains(page, `<option value="40">40 (¥50,000)</option>`) {
		t.Errorf("product page lacks the 40-set choice:\n%s", page)
	}
}

func TestCompleteKeysUnavailable(t *testing.T) {
	iss := newFakeIssuer(t)
	b := newBrowser(t, newTestShop(t, iss.srv.URL, nil))
	csrf := b.csrf()
	id, _ := b.checkout(cardChallenge)
	tok := iss.result(iss.authFor(id), "Y", "")
	iss.srv.Close()
	wantJSONError(t, b.complete(id, tok, csrf), http.StatusBadGateway, "issuer_unavailable")
}

func TestProductPage(t *testing.T) {
	iss := newFakeIssuer(t)
	b := newBrowser(t, newTestShop(t, iss.srv.URL, nil))
	r := b.get("/")
	for _, s := range []string{`id="card"`, `id="pay"`, "Matcha set", "¥1,250", `<option value="` + cardNotEnrolled + `">`} {
		if !strings.Contains(r.body, s) {
			t.Errorf("product page lacks %s", s)
		}
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	var session *http.Cookie
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie = %+v, want HttpOnly SameSite=Lax", session)
	}
	if nf := b.get("/nope"); nf.status != http.StatusNotFound {
		t.Errorf("GET /nope = %d", nf.status)
	}
}

// TestPayThroughEMV: with the DS simulator's requestor configured, the
// product page offers to pay through 3-D Secure there, for each cart
// amount, and the CSP lets that form go there; without it, neither.
func TestPayThroughEMV(t *testing.T) {
	iss := newFakeIssuer(t)
	const requestor = "http://localhost:8088"
	r := newBrowser(t, newTestShop(t, iss.srv.URL, func(c *Config) { c.EMVRequestor = requestor + "/" })).get("/")
	for _, s := range []string{`action="` + requestor + `/"`, `id="pay-3ds"`, `name="amount"`, `<option value="1250">`, `<option value="2500">`} {
		if !strings.Contains(r.body, s) {
			t.Errorf("product page lacks %s", s)
		}
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+requestor+";") {
		t.Errorf("CSP %q does not let the form go to the requestor", csp)
	}
	plain := newBrowser(t, newTestShop(t, iss.srv.URL, nil)).get("/")
	if strings.Contains(plain.body, "pay-3ds") || !strings.Contains(plain.header.Get("Content-Security-Policy"), "form-action 'self';") {
		t.Errorf("without a requestor the page offers 3-D Secure or widens form-action")
	}
	if _, err := New(Config{Issuer: "http://127.0.0.1:8081", APIKey: "k", Origin: testOrigin, Edge: testEdge, EMVRequestor: "http://localhost:8088/pay"}); err == nil {
		t.Error("New accepted a requestor with a path")
	}
}

func TestNewRejectsConfig(t *testing.T) {
	good := Config{Issuer: "http://127.0.0.1:8081", APIKey: "k", Origin: testOrigin, Edge: testEdge}
	if _, err := New(good); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for name, mod := range map[string]func(c *Config){
		"no API key":            func(c *Config) { c.APIKey = "" },
		"origin with a path":    func(c *Config) { c.Origin = "http://localhost:8080/shop" },
		"edge with a path":      func(c *Config) { c.Edge = "http://localhost:8787/assets" },
		"issuer not a URL":      func(c *Config) { c.Issuer = "127.0.0.1:8081" },
		"plain http off-host":   func(c *Config) { c.Issuer = "http://issuer.example" },
		"edge without a scheme": func(c *Config) { c.Edge = "localhost:8787" },
	} {
		c := good
		mod(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}

func TestCardNumber(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"4111111111111111", "4111111111111111", true},
		{"4111 1111 1111 1111", "4111111111111111", true},
		{"4111-1111-1111-1111", "4111111111111111", true},
		{"411111111111", "411111111111", true},
		{"41111111111", "", false},
		{"41111111111111111111", "", false},
		{"4111 1111 1111 111x", "", false},
		{"４１１１１１１１１１１１１１１１", "", false}, // full-width digits are not ASCII digits
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := cardNumber(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("cardNumber(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestYen(t *testing.T) {
	for in, want := range map[int64]string{0: "¥0", 999: "¥999", 1250: "¥1,250", 1000000: "¥1,000,000", -1250: "-¥1,250"} {
		if got := yen(in); got != want {
			t.Errorf("yen(%d) = %q, want %q", in, got, want)
		}
	}
}
