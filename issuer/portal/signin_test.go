package portal

import (
	"strings"
	"testing"
)

func TestSignIn(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	p := b.get("/portal/")
	for _, want := range []string{"カード番号下4桁 9016", "***@mail.jp", `id="nag"`, "***-****-1234"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	mails := h.inbox.Messages(mailA)
	if len(mails) != 1 || !strings.Contains(mails[0].Subject, "会員ポータルの確認コード") {
		t.Errorf("mails to %s: %+v", mailA, mails)
	}
	if strings.Contains(p.body, "3540123456789016") || strings.Contains(p.body, mailA) {
		t.Error("home shows the card number or the address in clear")
	}
}
