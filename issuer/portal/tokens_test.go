package portal

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/store/pgtest"
)

// importTestTokens imports tokens with the given serials and assigns them
// to card.
func importTestTokens(t testing.TB, h *harness, card string, serials ...string) {
	t.Helper()
	ctx := context.Background()
	for _, s := range serials {
		if _, err := h.store.ImportTokens(ctx, []store.Token{{Serial: s, Seed: h.vault.Seal([]byte("seed-"+s), []byte("token:"+s))}}, h.clock.Now()); err != nil {
			t.Fatal(err)
		}
		n, _ := pan.Parse(card)
		c, err := h.store.CardholderByPAN(ctx, h.pan.Sum(n))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.store.AssignToken(ctx, s, c.ID, h.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
}

func (h *harness) token(card, serial string) issuer.Credential {
	h.t.Helper()
	for _, c := range h.creds(card, issuer.MethodToken) {
		if c.Serial == serial {
			return c
		}
	}
	cs, _ := h.store.CardTokens(context.Background(), h.cards[card].ID)
	for _, c := range cs {
		if c.Serial == serial {
			return c
		}
	}
	h.t.Fatalf("card %s has no token %s", card, serial)
	return issuer.Credential{}
}

func credForm(c issuer.Credential) string { return strconv.FormatInt(c.ID, 10) }

// TestTokens walks two tokens of card A through what the page allows; each
// step posts one change and says the answer and the tokens' states after.
func TestTokens(t *testing.T) { pg.ForEachEngine(t, testTokens) }

func testTokens(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	importTestTokens(t, h, cardA, "HNT9000000001", "HNT9000000002")
	importTestTokens(t, h, cardB, "HNT9000000003")
	one, two := h.token(cardA, "HNT9000000001"), h.token(cardA, "HNT9000000002")
	foreign := h.token(cardB, "HNT9000000003")
	p := b.get("/portal/tokens")
	for _, want := range []string{"…0001", "…0002", "利用中"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("tokens page lacks %q", want)
		}
	}
	if strings.Contains(p.body, "HNT9000000001") || strings.Contains(p.body, "0003") {
		t.Error("tokens page shows a whole serial or another card's token")
	}
	staffLock := func() {
		if err := h.store.LockCredential(context.Background(), two.ID, issuer.LockOperator, "operator", h.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name       string
		before     func()
		path       string
		cred       string
		status     int
		one, two   string // state/reason after
		wantInBody string
	}{
		{"lock one", nil, "/portal/tokens/lock", credForm(one), http.StatusSeeOther, "locked/cardholder", "active/", ""},
		{"lock it again", nil, "/portal/tokens/lock", credForm(one), http.StatusConflict, "locked/cardholder", "active/", "ロックできません"},
		{"unlock one", nil, "/portal/tokens/unlock", credForm(one), http.StatusSeeOther, "active/", "active/", ""},
		{"unlock the staff's lock", staffLock, "/portal/tokens/unlock", credForm(two), http.StatusConflict, "active/", "locked/operator", "ご自身がロックしたトークンだけ"},
		{"another card's token", nil, "/portal/tokens/lock", credForm(foreign), http.StatusNotFound, "active/", "locked/operator", ""},
		{"no token", nil, "/portal/tokens/lock", "", http.StatusBadRequest, "active/", "locked/operator", "トークンを選んでください"},
		{"garbage", nil, "/portal/tokens/unlock", "1 OR 1=1", http.StatusBadRequest, "active/", "locked/operator", ""},
		{"report two lost while locked", nil, "/portal/tokens/lost", credForm(two), http.StatusSeeOther, "active/", "revoked/lost", ""},
		{"report it again", nil, "/portal/tokens/lost", credForm(two), http.StatusConflict, "active/", "revoked/lost", "紛失届出済み"},
		{"unlock a lost token", nil, "/portal/tokens/unlock", credForm(two), http.StatusConflict, "active/", "revoked/lost", ""},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		b.get("/portal/tokens")
		p := b.post(st.path, form("cred", st.cred))
		if p.status != st.status || !strings.Contains(p.body, st.wantInBody) {
			t.Errorf("%s: %d, want %d with %q\n%s", st.name, p.status, st.status, st.wantInBody, p.body)
		}
		for _, c := range []struct {
			serial, want string
		}{{"HNT9000000001", st.one}, {"HNT9000000002", st.two}} {
			got := h.token(cardA, c.serial)
			if s := got.State + "/" + got.LockReason; s != c.want {
				t.Errorf("%s: %s is %s, want %s", st.name, c.serial, s, c.want)
			}
		}
	}
	if got := h.token(cardB, "HNT9000000003"); got.State != issuer.CredActive {
		t.Errorf("card B's token is %s", got.State)
	}
	p = b.get("/portal/tokens")
	if !strings.Contains(p.body, "紛失届出済み") {
		t.Errorf("the lost token is not listed as lost:\n%s", p.body)
	}
}

// TestTokensPageSaysWhy: a token locked for wrong codes shows why and no
// unlock button; one the cardholder locked shows the button.
func TestTokensPageSaysWhy(t *testing.T) { pg.ForEachEngine(t, testTokensPageSaysWhy) }

func testTokensPageSaysWhy(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	importTestTokens(t, h, cardA, "HNT9000000001")
	tok := h.token(cardA, "HNT9000000001")
	if err := h.store.LockCredential(context.Background(), tok.ID, issuer.LockFailures, "issuer", h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	p := b.get("/portal/tokens")
	if !strings.Contains(p.body, "続けて間違えたためロック") || strings.Contains(p.body, `class="unlock"`) {
		t.Errorf("failure lock: reason missing or unlock offered:\n%s", p.body)
	}
	if p := b.get("/portal/tokens/lost?cred=" + credForm(tok)); p.status != http.StatusOK || !strings.Contains(p.body, `id="confirm-lost-button"`) {
		t.Errorf("lost confirmation: %d", p.status)
	}
	if p := b.get("/portal/tokens/lost?cred=999"); p.status != http.StatusNotFound {
		t.Errorf("lost confirmation of no token: %d", p.status)
	}
}
