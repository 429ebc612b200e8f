package portal

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/devmail"
	"github.com/honnin/honnin/issuer/sms"
	"github.com/honnin/honnin/issuer/store/pgtest"
)

// smsSecret signs the test SMS webhook.
var smsSecret = []byte("portal-test-sms-secret")

// withMethods gives the harness's portal what the method pages need
// beyond sign-in: a real SMS path (sms.Webhook into the dev sink's
// webhook, whose texts land in h.inbox) and the app registrar.
func withMethods(t testing.TB, h *harness) *harness {
	t.Helper()
	sink := httptest.NewServer(devmail.NewInbox(h.inbox, slog.New(slog.NewTextHandler(io.Discard, nil)),
		devmail.SMSConfig{WebhookSecret: smsSecret}))
	t.Cleanup(sink.Close)
	h.cfg.SMS = &sms.Webhook{URL: sink.URL + "/sms/webhook", Secret: smsSecret}
	h.cfg.Apps = &acs.Apps{Store: h.store, Vault: h.vault, Mail: h.cfg.Mail, IssuerName: h.cfg.IssuerName,
		Now: h.clock.Now}
	h.reload(t)
	return h
}

// reload rebuilds the portal from h.cfg behind the same test server.
func (h *harness) reload(t testing.TB) {
	t.Helper()
	p, err := New(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.portal = p
	h.srv.Config.Handler = p
}

// signedIn is a browser signed in with test card A (ja, email taro@mail.jp,
// phone +819012341234).
func signedInA(t testing.TB, e pgtest.Engine) (*harness, *browser) {
	t.Helper()
	h := withMethods(t, newHarness(t, e))
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	return h, b
}

// form is url.Values from pairs.
func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// setContact sets card's email and phone directly in the store.
func (h *harness) setContact(number, email, phone string) {
	h.t.Helper()
	c := h.card(number)
	c.Email, c.Phone = email, phone
	if _, err := h.store.UpsertCardholder(context.Background(), c); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) method(number string) issuer.Method {
	h.t.Helper()
	return h.card(number).PreferredMethod
}

func (h *harness) creds(number string, kind issuer.Method) []issuer.Credential {
	h.t.Helper()
	cs, err := h.store.CredentialsOf(context.Background(), h.cards[number].ID)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []issuer.Credential
	for _, c := range cs {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}
