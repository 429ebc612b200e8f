package view

import (
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
)

// TestEndStates: every way a challenge ends, in both languages and with
// each amount of issuer contact configured, says what happened, leaves the
// cardholder a next step they can take on the page they are on (never
// "return to the shop" or "close it": they are on the shop's page, in a
// frame they cannot close), names the issuer's phone and portal where a
// call or a sign-in is the way on, and hands the merchant page a result or
// an error code it can act on.
func TestEndStates(t *testing.T) {
	full := &contract.Issuer{Name: "ホンニンカード", Phone: "0120-123-456", Portal: "https://card.example/portal/"}
	contacts := []struct {
		name string
		c    *contract.Issuer
	}{
		{"no contact", nil},
		{"name only", &contract.Issuer{Name: "Honnin Card"}},
		{"phone", &contract.Issuer{Name: "Honnin Card", Phone: "03-1234-5678"}},
		{"portal", &contract.Issuer{Portal: "https://card.example/portal/"}},
		{"full", full},
	}
	result := func(status, reason string) func(*testing.T, *Model) {
		return func(t *testing.T, m *Model) {
			verify(t, m)
			m.Apply(200, body(t, contract.Screen{State: contract.StateResult, Result: contract.Result{ResultToken: "rt", Status: status, Reason: reason}}))
		}
	}
	refused := func(status int, code string) func(*testing.T, *Model) {
		return func(t *testing.T, m *Model) {
			verify(t, m)
			m.Apply(status, errBody(code))
		}
	}
	type words struct{ en, ja string }
	tests := []struct {
		name string
		// deny: the start's answer is the result; else end drives the
		// started challenge to its end.
		deny bool
		end  func(*testing.T, *Model)
		what words // what happened
		next words // the next step
		// phone, portal: the contact's phone, portal is named when
		// configured.
		phone, portal bool
		// code is what the merchant page gets: the result's reason, or the
		// error code Honnin.mount rejects with.
		failed bool
		code   string
	}{
		{name: "locked", end: result("N", contract.ReasonCredentialLocked),
			what:  words{"one-time passwords of this card are locked", "ワンタイムパスワードはロックされています"},
			next:  words{"To unlock them, ", "ロックの解除は、"},
			phone: true, portal: true, code: contract.ReasonCredentialLocked},
		{name: "too many wrong codes", end: result("N", contract.ReasonMaxAttempts),
			what:  words{"Too many incorrect codes were entered", "誤ったワンタイムパスワードの入力が上限に達した"},
			next:  words{"start the payment again on this page", "このページでもう一度お支払い手続きをしてください"},
			phone: true, code: contract.ReasonMaxAttempts},
		{name: "denied at start", deny: true,
			what:  words{"could not confirm this payment. Your card has not been charged by this step.", "はこのお支払いを確認できませんでした。この手続きでカードに請求されることはありません。"},
			next:  words{"pay another way on this page", "このページで別のお支払い方法"},
			phone: true, code: contract.ReasonSuspectedFraud},
		{name: "cancelled", end: func(t *testing.T, m *Model) {
			if _, err := m.Cancel(); err != nil {
				t.Fatal(err)
			}
			m.Apply(200, body(t, contract.Screen{State: contract.StateResult, Result: contract.Result{ResultToken: "rt", Status: "N", Reason: contract.ReasonCancelled}}))
		},
			what: words{"Cancelled\nThis payment was not made.", "キャンセルしました\nお支払いは行われていません。"},
			next: words{"start the payment again on this page", "このページでもう一度お支払い手続きをしてください"},
			code: contract.ReasonCancelled},
		{name: "timed out", end: result("N", contract.ReasonTimedOut),
			what: words{"The time to enter the code ran out", "入力時間が過ぎたため"},
			next: words{"start the payment again on this page", "このページでもう一度お支払い手続きをしてください"},
			code: contract.ReasonTimedOut},
		{name: "superseded by a newer payment", end: result("N", contract.ReasonSuperseded),
			what: words{"A newer payment was started with this card", "このカードで新しいお支払いが始まった"},
			next: words{"Continue with the newer payment.", "新しいお支払いの画面をお使いください。"},
			code: contract.ReasonSuperseded},
		{name: "other refusal", end: result("N", "something_new"),
			what: words{"This payment was not confirmed.", "このお支払いは確認できませんでした。"},
			next: words{"start the payment again on this page", "このページでもう一度お支払い手続きをしてください"},
			code: "something_new"},
		{name: "expired by the clock", end: func(t *testing.T, m *Model) {
			if !m.Expire(t0.Add(10 * time.Minute)) {
				t.Fatal("not expired")
			}
		},
			what:   words{"This authentication has expired", "有効期限が切れたため"},
			next:   words{"start the payment again on this page", "このページでもう一度お支払い手続きをしてください"},
			failed: true, code: "expired"},
		{name: "expired at the edge", end: refused(410, contract.CodeExpired),
			what:   words{"This authentication has expired", "有効期限が切れたため"},
			next:   words{"start the payment again on this page", "このページでもう一度お支払い手続きをしてください"},
			failed: true, code: "expired"},
		{name: "already used", end: refused(409, contract.CodeAlreadyUsed),
			what:   words{"already ended; the shop has its result", "すでに終了しています。結果はショップに届いています"},
			next:   words{"start the payment again on this page", "このページでもう一度お支払い手続きをしてください"},
			failed: true, code: contract.CodeAlreadyUsed},
		{name: "invalid token", end: refused(401, contract.CodeInvalidToken),
			what:   words{"link is not valid", "リンクは無効"},
			next:   words{"start the payment again on this page", "このページでもう一度お支払い手続きをしてください"},
			failed: true, code: contract.CodeInvalidToken},
		{name: "superseded by a resend elsewhere", end: refused(409, contract.CodeSuperseded),
			what:   words{"A newer code was requested in another window", "別の画面で新しいワンタイムパスワードが発行された"},
			next:   words{"start the payment again on this page", "このページでもう一度お支払い手続きをしてください"},
			failed: true, code: contract.CodeSuperseded},
	}
	dead := []string{"Return to the shop", "Close it", "ショップの画面から", "閉じて"}
	for _, tt := range tests {
		for _, ct := range contacts {
			for _, l := range []Locale{English, Japanese} {
				t.Run(tt.name+"/"+ct.name+"/"+string(l), func(t *testing.T) {
					m := New(l)
					if _, err := m.Start("st", contract.DeviceSignals{}); err != nil {
						t.Fatal(err)
					}
					if tt.deny {
						m.Apply(200, body(t, contract.Screen{State: contract.StateResult, Issuer: ct.c,
							Result: contract.Result{ResultToken: "rt", Status: "R", Reason: contract.ReasonSuspectedFraud}}))
					} else {
						s := challengeResp("ct1", nil)
						s.Issuer = ct.c
						m.Apply(200, body(t, s))
						tt.end(t, m)
					}
					s := m.Screen(t0.Add(10 * time.Minute))
					what, next := tt.what.en, tt.next.en
					if l == Japanese {
						what, next = tt.what.ja, tt.next.ja
					}
					if !strings.Contains(s.Status, what) || !strings.Contains(s.Status, next) {
						t.Errorf("status %q\nwant it to say %q and %q", s.Status, what, next)
					}
					for _, d := range dead {
						if strings.Contains(s.Status, d) {
							t.Errorf("status %q: a dead end (%q)", s.Status, d)
						}
					}
					var c contract.Issuer
					if ct.c != nil {
						c = *ct.c
					}
					if s.Brand != c.Name {
						t.Errorf("brand %q, want %q", s.Brand, c.Name)
					}
					if named := tt.phone || tt.portal || tt.deny; named && c.Name != "" && !strings.Contains(s.Status, c.Name) {
						t.Errorf("status %q does not name the issuer %q", s.Status, c.Name)
					}
					if tt.phone && c.Phone != "" && !strings.Contains(s.Status, c.Phone) {
						t.Errorf("status %q does not give the phone %q", s.Status, c.Phone)
					}
					if tt.portal && c.Portal != "" && !strings.Contains(s.Status, c.Portal) {
						t.Errorf("status %q does not give the portal %q", s.Status, c.Portal)
					}
					// The contact's links: under the three ends only the
					// issuer can explain, each where configured.
					links := tt.phone || tt.deny
					wantPhone, wantTel, wantPortal, wantPortalHref := "", "", "", ""
					if links && c.Phone != "" {
						wantPhone, wantTel = textFor(l).callBefore+c.Phone+textFor(l).callAfter, telURL(c.Phone)
					}
					if links && c.Portal != "" {
						wantPortal, wantPortalHref = textFor(l).portal, c.Portal
					}
					if s.Phone != wantPhone || s.PhoneHref != wantTel || s.Portal != wantPortal || s.PortalHref != wantPortalHref {
						t.Errorf("links: phone %q %q, portal %q %q; want %q %q, %q %q",
							s.Phone, s.PhoneHref, s.Portal, s.PortalHref, wantPhone, wantTel, wantPortal, wantPortalHref)
					}
					if (c.Phone == "" && c.Portal == "") && (tt.phone || tt.deny) {
						who := issuerEN(c.Name)
						if l == Japanese {
							who = issuerJA(c.Name)
						}
						if !strings.Contains(s.Status, who) {
							t.Errorf("status %q: no contact configured, want it to send the cardholder to %q", s.Status, who)
						}
					}
					r, ended := m.Result()
					if !ended || r.Reason != tt.code || (m.Phase() == Failed) != tt.failed {
						t.Errorf("merchant page gets %+v (ended %v, failed %v), want reason %q, failed %v", r, ended, m.Phase() == Failed, tt.code, tt.failed)
					}
				})
			}
		}
	}
}

// TestHelpLine: the "why am I seeing this" line is on every screen, in the
// screen's language.
func TestHelpLine(t *testing.T) {
	for _, l := range []Locale{English, Japanese} {
		m := New(l)
		if h := m.Screen(t0).Help; h == "" || h != textFor(l).help {
			t.Errorf("%s: loading help %q", l, h)
		}
		if h := started(t, l).Screen(t0).Help; h != textFor(l).help {
			t.Errorf("%s: challenge help %q", l, h)
		}
	}
	if textEN.help == textJA.help {
		t.Error("the help line is not translated")
	}
}

// TestIssuerKept: the start's contact stays for the challenge's later
// screens, which do not carry it, and a contact no screen should show is
// not taken.
func TestIssuerKept(t *testing.T) {
	m := New(English)
	if _, err := m.Start("st", contract.DeviceSignals{}); err != nil {
		t.Fatal(err)
	}
	s := challengeResp("ct1", nil)
	s.Issuer = &contract.Issuer{Name: "Honnin Card", Phone: "0120-123-456"}
	m.Apply(200, body(t, s))
	verify(t, m)
	m.Apply(200, body(t, challengeResp("ct1", nil))) // a wrong code: no issuer
	if got := m.Screen(t0).Brand; got != "Honnin Card" {
		t.Errorf("brand after a later answer %q, want the start's", got)
	}

	m = New(English)
	if _, err := m.Start("st", contract.DeviceSignals{}); err != nil {
		t.Fatal(err)
	}
	s.Issuer = &contract.Issuer{Name: "Bank\nCall 0000", Portal: "javascript:x"}
	m.Apply(200, body(t, s))
	if got := m.Screen(t0).Brand; got != "" {
		t.Errorf("brand %q from a contact that is not valid", got)
	}
}

func verify(t *testing.T, m *Model) {
	t.Helper()
	if _, err := m.Verify("123456", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
}

// TestBrandShown: the start's brand — the card's range's, over the
// issuer's default, as the issuer resolved it — heads every later screen:
// name, logo and colours; a brand the screen could not show safely (a
// colour that is not #rrggbb, a logo from elsewhere) is not taken at all.
func TestBrandShown(t *testing.T) {
	gold := &contract.Issuer{Name: "Gold Card", Phone: "0120-111-111", Portal: "https://gold.example/",
		Logo: "data:image/png;base64,iVBORw0KGgo=", Color: "#7a5c00", Accent: "#1a1a1a"}
	for _, tt := range []struct {
		name   string
		issuer *contract.Issuer
		want   contract.Issuer
	}{
		{"range brand", gold, *gold},
		{"none", nil, contract.Issuer{}},
		// The contrast is the issuer's check and the edge's
		// (contract.Issuer.Valid); the client checks the form.
		{"colour with CSS after it", &contract.Issuer{Name: "Odd", Color: "#000000;background:url(x)"}, contract.Issuer{}},
		{"accent by name", &contract.Issuer{Name: "Odd", Accent: "red"}, contract.Issuer{}},
		{"logo by URL", &contract.Issuer{Name: "Far", Logo: "https://far.example/logo.png"}, contract.Issuer{}},
		{"portal elsewhere over http", &contract.Issuer{Name: "Far", Portal: "http://far.example/"}, contract.Issuer{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := New(English)
			if _, err := m.Start("st", contract.DeviceSignals{}); err != nil {
				t.Fatal(err)
			}
			s := challengeResp("ct1", nil)
			s.Issuer = tt.issuer
			m.Apply(200, body(t, s))
			verify(t, m)
			m.Apply(200, body(t, contract.Screen{State: contract.StateResult,
				Result: contract.Result{ResultToken: "rt", Status: "N", Reason: contract.ReasonCredentialLocked}}))
			got := m.Screen(t0.Add(time.Minute))
			if got.Brand != tt.want.Name || got.Logo != tt.want.Logo || got.Color != tt.want.Color || got.Accent != tt.want.Accent {
				t.Errorf("brand %q, logo %q, colours %q %q; want %+v", got.Brand, got.Logo, got.Color, got.Accent, tt.want)
			}
			if tt.want.Phone != "" && (got.PhoneHref != "tel:0120111111" || got.PortalHref != tt.want.Portal) {
				t.Errorf("locked: links %q %q, want the range's phone and portal", got.PhoneHref, got.PortalHref)
			}
		})
	}
}

func TestTelURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"0120-123-456", "tel:0120123456"},
		{"+81 3-1234-5678", "tel:+81312345678"},
		{"(03) 1234 5678", "tel:0312345678"},
		{"03+1234", "tel:031234"},
		{"+", ""},
		{"call us", ""},
		{"", ""},
	} {
		if got := telURL(tt.in); got != tt.want {
			t.Errorf("telURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
