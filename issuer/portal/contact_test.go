package portal

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/onetime"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/store/pgtest"
)

var smsCode = regexp.MustCompile(`確認コード (\d{6})|code (\d{6})`)

// textCode is the newest confirmation code texted to phone.
func (h *harness) textCode(phone string) string {
	h.t.Helper()
	for _, m := range h.inbox.SMSes(phone) {
		if c := smsCode.FindStringSubmatch(m.Body); c != nil {
			return c[1] + c[2]
		}
	}
	h.t.Fatalf("no confirmation code texted to %s", phone)
	return ""
}

var mailedCode = regexp.MustCompile(`(?:Confirmation code: |確認コード：)(\d{6})`)

// newestCode is the code of the newest mail to addr (the sink lists
// newest first).
func (h *harness) newestCode(addr string) string {
	h.t.Helper()
	msgs := h.inbox.Messages(addr)
	if len(msgs) == 0 {
		h.t.Fatalf("no mail to %s", addr)
	}
	m := mailedCode.FindStringSubmatch(msgs[0].Text)
	if m == nil {
		h.t.Fatalf("no code in the newest mail to %s: %q", addr, msgs[0].Text)
	}
	return m[1]
}

// TestContactChangeEmail: a new address gets a code, a wrong code counts,
// the right one swaps the address (and the email credential), the old
// address is told, and the method page shows the new one.
func TestContactChangeEmail(t *testing.T) { pg.ForEachEngine(t, testContactChangeEmail) }

func testContactChangeEmail(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	const newAddr = "jiro@new.example"
	oldCred, err := h.store.ContactCredential(context.Background(), h.cards[cardA].ID, issuer.MethodEmail, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.get("/portal/contact/email")
	p := b.post("/portal/contact/email", form("value", newAddr))
	if p.status != http.StatusSeeOther || p.location != "/portal/contact/email/verify" {
		t.Fatalf("begin: %d %q\n%s", p.status, p.location, p.body)
	}
	p = b.get(p.location)
	if !strings.Contains(p.body, "***@new.example") {
		t.Errorf("verify page does not name the new address:\n%s", p.body)
	}
	mails := h.inbox.Messages(newAddr)
	if len(mails) != 1 || !strings.Contains(mails[0].Subject, "連絡先確認コード") {
		t.Fatalf("mails to the new address: %+v", mails)
	}
	code := h.newestCode(newAddr)
	wrong := fmt.Sprintf("%06d", (atoi(code)+1)%1000000)
	p = b.post("/portal/contact/email/verify", form("code", wrong))
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "あと4回") {
		t.Errorf("wrong code: %d\n%s", p.status, p.body)
	}
	if c := h.card(cardA); c.Email != mailA {
		t.Fatalf("a wrong code changed the address to %s", c.Email)
	}
	p = b.post("/portal/contact/email/verify", form("code", toFullWidth(code)))
	if p.status != http.StatusSeeOther || p.location != "/portal/method" {
		t.Fatalf("right code (typed full-width): %d %q\n%s", p.status, p.location, p.body)
	}
	if c := h.card(cardA); c.Email != newAddr {
		t.Errorf("address is %s, want %s", c.Email, newAddr)
	}
	if got, err := h.store.CredentialByPublicID(context.Background(), oldCred.PublicID); err != nil || got.LockReason != issuer.LockReplaced {
		t.Errorf("old email credential %+v, %v; want replaced", got, err)
	}
	notice := h.inbox.Messages(mailA)
	if len(notice) == 0 || !strings.Contains(notice[0].Subject, "メールアドレス変更のお知らせ") ||
		!strings.Contains(notice[0].Text, "***@new.example") || strings.Contains(notice[0].Text, newAddr) {
		t.Errorf("notice to the old address: %+v", notice)
	}
	p = b.get("/portal/method")
	if !strings.Contains(p.body, "***@new.example") || !strings.Contains(p.body, "変更前のアドレスにお知らせメール") {
		t.Errorf("method page after the change:\n%s", p.body)
	}
	// The code is single use.
	b.get("/portal/contact/email/verify")
	if p := b.post("/portal/contact/email/verify", form("code", code)); p.status != http.StatusGone {
		t.Errorf("code used twice: %d", p.status)
	}
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

func toFullWidth(s string) string {
	return strings.Map(func(r rune) rune { return '０' + (r - '0') }, s)
}

// TestContactChangePhone: the code goes by SMS to the new phone, the
// notice by mail to the registered address; SMS codes then use the new
// phone as the card's.
func TestContactChangePhone(t *testing.T) { pg.ForEachEngine(t, testContactChangePhone) }

func testContactChangePhone(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	b.get("/portal/contact/sms")
	p := b.post("/portal/contact/sms", form("value", "080-9876-5432"))
	if p.status != http.StatusSeeOther {
		t.Fatalf("begin: %d\n%s", p.status, p.body)
	}
	b.get(p.location)
	code := h.textCode("+818098765432")
	p = b.post("/portal/contact/sms/verify", form("code", code))
	if p.status != http.StatusSeeOther {
		t.Fatalf("verify: %d\n%s", p.status, p.body)
	}
	if c := h.card(cardA); c.Phone != "+818098765432" || c.Email != mailA {
		t.Errorf("card after: phone %s email %s", c.Phone, c.Email)
	}
	notice := h.inbox.Messages(mailA)
	if len(notice) == 0 || !strings.Contains(notice[0].Subject, "携帯電話番号変更のお知らせ") || !strings.Contains(notice[0].Text, "***-****-5432") {
		t.Errorf("notice: %+v", notice)
	}
	if len(h.inbox.SMSes("+819012341234")) != 0 {
		t.Error("the old phone got a text")
	}
}

// TestContactRefusals: what the new-value form refuses, with the reason,
// sending nothing and starting no change.
func TestContactRefusals(t *testing.T) { pg.ForEachEngine(t, testContactRefusals) }

func testContactRefusals(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	tests := []struct {
		kind, value string
		status      int
		want        string
	}{
		{"email", "", http.StatusBadRequest, "入力してください"},
		{"email", "not an address", http.StatusBadRequest, "メールアドレスを確認"},
		{"email", "Taro <t@mail.jp>", http.StatusBadRequest, "メールアドレスを確認"},
		{"email", "t@[127.0.0.1]", http.StatusBadRequest, "メールアドレスを確認"},
		{"email", strings.Repeat("a", 250) + "@x.jp", http.StatusBadRequest, "メールアドレスを確認"},
		{"email", mailA, http.StatusBadRequest, "現在の登録と同じ"},
		{"email", strings.ToUpper(mailA), http.StatusBadRequest, "現在の登録と同じ"},
		{"sms", "090-1234-abcd", http.StatusBadRequest, "携帯電話番号を確認"},
		{"sms", "+0 90", http.StatusBadRequest, "携帯電話番号を確認"},
		{"sms", "090-1234-1234", http.StatusBadRequest, "現在の登録と同じ"},
	}
	for _, tt := range tests {
		b.get("/portal/contact/" + tt.kind)
		p := b.post("/portal/contact/"+tt.kind, form("value", tt.value))
		if p.status != tt.status || !strings.Contains(p.body, tt.want) {
			t.Errorf("%s %q: %d, want %d with %q", tt.kind, tt.value, p.status, tt.status, tt.want)
		}
		if _, err := h.store.PendingContactChange(context.Background(), h.cards[cardA].ID, issuer.Method(tt.kind), h.clock.Now()); err == nil {
			t.Errorf("%s %q: a change was started", tt.kind, tt.value)
		}
	}
	if n := len(h.inbox.Messages(mailA)); n != 1 { // the sign-in code only
		t.Errorf("%d mails to the card's address, want 1", n)
	}
	for _, path := range []string{"/portal/contact/fax", "/portal/contact/fax/verify"} {
		if p := b.get(path); p.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, p.status)
		}
	}
}

// TestContactNoSMS: an issuer without SMS offers no phone change.
func TestContactNoSMS(t *testing.T) { pg.ForEachEngine(t, testContactNoSMS) }

func testContactNoSMS(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	if p := b.get("/portal/contact/sms"); p.status != http.StatusNotFound {
		t.Errorf("phone change without SMS: %d", p.status)
	}
	if p := b.get("/portal/method"); strings.Contains(p.body, `id="change-phone"`) {
		t.Error("method page links to a phone change without SMS")
	}
}

// TestContactCodeRules: 5 wrong codes void the change, a code expires
// after 10 minutes, a resend waits 30 s and makes the old code useless,
// and only 3 resends are allowed.
func TestContactCodeRules(t *testing.T) { pg.ForEachEngine(t, testContactCodeRules) }

func testContactCodeRules(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	const addr = "new@mail.example"
	begin := func() string {
		t.Helper()
		b.get("/portal/contact/email")
		if p := b.post("/portal/contact/email", form("value", addr)); p.status != http.StatusSeeOther {
			t.Fatalf("begin: %d\n%s", p.status, p.body)
		}
		b.get("/portal/contact/email/verify")
		return h.newestCode(addr)
	}
	code := begin()
	// The pages state the policy's numbers (onetime.ContactChange).
	for path, wants := range map[string][]string{
		"/portal/contact/email":        {"6桁の確認コード"},
		"/portal/contact/email/verify": {"確認コード（6桁）", "10分間有効", "5回間違えると", "再送は30秒おきに3回まで", `maxlength="12"`},
	} {
		p := b.get(path)
		for _, want := range wants {
			if !strings.Contains(p.body, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
	}
	wrong := fmt.Sprintf("%06d", (atoi(code)+7)%1000000)
	// Not a code: refused, and no try counted.
	for _, typed := range []string{"12345", "1234567", "12345a", "１２３ー４５"} {
		if p := b.post("/portal/contact/email/verify", form("code", typed)); p.status != http.StatusBadRequest ||
			!strings.Contains(p.body, "6桁の数字を入力") {
			t.Errorf("%q: %d\n%s", typed, p.status, p.body)
		}
	}
	tries := onetime.ContactChange.Tries
	for i := 1; i <= tries; i++ {
		p := b.post("/portal/contact/email/verify", form("code", wrong))
		if i < tries && (p.status != http.StatusBadRequest || !strings.Contains(p.body, fmt.Sprintf("あと%d回", tries-i))) {
			t.Errorf("wrong code %d: %d", i, p.status)
		}
		if i == tries && !strings.Contains(p.body, "5回間違えた") {
			t.Errorf("fifth wrong code: %d\n%s", p.status, p.body)
		}
	}
	if p := b.post("/portal/contact/email/verify", form("code", code)); p.status != http.StatusGone {
		t.Errorf("right code after 5 wrong: %d, want 410", p.status)
	}
	if p := b.post("/portal/contact/email/verify", form("code", "12345")); p.status != http.StatusBadRequest {
		t.Errorf("5 digits: %d", p.status)
	}

	code = begin()
	h.clock.Add(onetime.ContactChange.Lifetime)
	if p := b.post("/portal/contact/email/verify", form("code", code)); p.status != http.StatusGone {
		t.Errorf("code after 10 minutes: %d, want 410", p.status)
	}

	first := begin()
	p := b.post("/portal/contact/email/resend", nil)
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "30秒後") || p.header.Get("Retry-After") != "30" {
		t.Errorf("resend at once: %d Retry-After %q, want 429 for the 30 s cooldown\n%s", p.status, p.header.Get("Retry-After"), p.body)
	}
	for i := 1; i <= 3; i++ {
		h.clock.Add(onetime.ContactChange.Cooldown)
		b.get("/portal/contact/email/verify")
		if p := b.post("/portal/contact/email/resend", nil); p.status != http.StatusSeeOther {
			t.Fatalf("resend %d: %d\n%s", i, p.status, p.body)
		}
	}
	h.clock.Add(onetime.ContactChange.Cooldown)
	b.get("/portal/contact/email/verify")
	if p := b.post("/portal/contact/email/resend", nil); p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "3回まで") {
		t.Errorf("fourth resend: %d", p.status)
	}
	last := h.newestCode(addr)
	if first != last {
		if p := b.post("/portal/contact/email/verify", form("code", first)); p.status != http.StatusBadRequest {
			t.Errorf("the first code after a resend: %d, want 400", p.status)
		}
	}
	// Typed as a person copies it: full-width, with a hyphen.
	typed := strings.Map(func(r rune) rune { return r - '0' + '０' }, last[:3]) + "－" + last[3:]
	if p := b.post("/portal/contact/email/verify", form("code", typed)); p.status != http.StatusSeeOther {
		t.Errorf("the newest code as %q: %d", typed, p.status)
	}
	if c := h.card(cardA); c.Email != addr {
		t.Errorf("address %s", c.Email)
	}
}

// TestContactDailyLimit: 10 codes a day per card, whatever the addresses.
func TestContactDailyLimit(t *testing.T) { pg.ForEachEngine(t, testContactDailyLimit) }

func testContactDailyLimit(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	for i := range onetime.ContactChange.DailyCap {
		b.get("/portal/contact/email")
		if p := b.post("/portal/contact/email", form("value", fmt.Sprintf("n%d@mail.example", i))); p.status != http.StatusSeeOther {
			t.Fatalf("change %d: %d", i, p.status)
		}
		h.clock.Add(time.Minute)
	}
	b.get("/portal/contact/email")
	if p := b.post("/portal/contact/email", form("value", "over@mail.example")); p.status != http.StatusTooManyRequests {
		t.Errorf("change %d: %d, want 429", onetime.ContactChange.DailyCap+1, p.status)
	}
	if len(h.inbox.Messages("over@mail.example")) != 0 {
		t.Error("a code was sent over the limit")
	}
}

// TestContactSendFails: when the code cannot be sent the change is void,
// the page says so, and the cardholder can try again at once.
func TestContactSendFails(t *testing.T) { pg.ForEachEngine(t, testContactSendFails) }

func testContactSendFails(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	good := h.cfg.Mail
	dead, err := dispatch.NewMailer(dispatch.MailConfig{Host: "127.0.0.1", Port: 1, TLS: dispatch.TLSNone,
		From: "x <x@issuer.example>", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h.cfg.Mail = dead
	h.reload(t)
	b.get("/portal/contact/email")
	if p := b.post("/portal/contact/email", form("value", "new@mail.example")); p.status != http.StatusBadGateway ||
		!strings.Contains(p.body, "送信できませんでした") || !strings.Contains(p.body, "new@mail.example") {
		t.Errorf("send failure: %d\n%s", p.status, p.body)
	}
	if _, err := h.store.PendingContactChange(context.Background(), h.cards[cardA].ID, issuer.MethodEmail, h.clock.Now()); err == nil {
		t.Error("an unsent change is pending")
	}
	h.cfg.Mail = good
	h.reload(t)
	b.get("/portal/contact/email")
	if p := b.post("/portal/contact/email", form("value", "new@mail.example")); p.status != http.StatusSeeOther {
		t.Errorf("retry at once: %d", p.status)
	}
}

// TestContactForMethod: picking SMS on a card without a phone leads
// through the phone change and back to that pick's confirmation, one
// click from done.
func TestContactForMethod(t *testing.T) { pg.ForEachEngine(t, testContactForMethod) }

func testContactForMethod(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	h.setContact(cardA, mailA, "")
	p := b.get("/portal/method/confirm?method=sms")
	if p.location != "/portal/contact/sms?for=method" {
		t.Fatalf("pick SMS without a phone: %d %q", p.status, p.location)
	}
	p = b.get(p.location)
	if !strings.Contains(p.body, `id="for-method"`) || !strings.Contains(p.body, `name="for" value="method"`) {
		t.Errorf("phone page does not carry the pick:\n%s", p.body)
	}
	p = b.post("/portal/contact/sms", form("value", "09011112222", "for", "method"))
	if p.location != "/portal/contact/sms/verify?for=method" {
		t.Fatalf("begin: %d %q", p.status, p.location)
	}
	b.get(p.location)
	p = b.post("/portal/contact/sms/verify", form("code", h.textCode("+819011112222"), "for", "method"))
	if p.status != http.StatusSeeOther || p.location != "/portal/method/confirm?method=sms" {
		t.Fatalf("verify: %d %q\n%s", p.status, p.location, p.body)
	}
	p = b.get(p.location)
	if !strings.Contains(p.body, `id="confirm"`) || !strings.Contains(p.body, "***-****-2222") || !strings.Contains(p.body, `id="flash"`) {
		t.Errorf("confirmation after the phone change:\n%s", p.body)
	}
	if p := b.post("/portal/method", form("method", "sms")); p.status != http.StatusSeeOther {
		t.Errorf("change: %d", p.status)
	}
	if m := h.method(cardA); m != issuer.MethodSMS {
		t.Errorf("method %s, want sms", m)
	}
}
