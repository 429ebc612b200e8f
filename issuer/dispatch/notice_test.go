package dispatch

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer/devmail"
)

func TestSendNotice(t *testing.T) {
	tests := []struct {
		name        string
		n           Notice
		subject     string
		want, avoid []string
	}{
		{
			name:    "locked token ja",
			n:       Notice{Kind: NoticeLocked, Locale: "ja", Last4: "9016", Method: "token", Serial: "1234", Failures: 10},
			subject: "【本人認証】ハードウェアトークンをロックしました",
			want:    []string{"下4桁 9016", "シリアル番号末尾 1234", "10回続けて", "会員サイトでもご確認"},
			// A token locked for wrong codes is unlocked by the issuer
			// only: the portal does not let the cardholder lift it.
			avoid: []string{"会員サイトでも解除"},
		},
		{
			name:    "locked email en",
			n:       Notice{Kind: NoticeLocked, Locale: "en", Last4: "9024", Method: "email", Failures: 10},
			subject: "Your email one-time password has been locked",
			want:    []string{"card ending 9024", "10 wrong one-time passwords in a row", "contact us at once"},
			avoid:   []string{"serial", "member site"},
		},
		{
			name:    "app password en",
			n:       Notice{Kind: NoticeAppPassword, Locale: "en", Last4: "9040", Password: "K7Q-P2M-X9", Expires: at},
			subject: "Your authenticator app registration password",
			want:    []string{"Registration password: K7Q-P2M-X9", "until 2026-11-22 12:04 (JST)", "card ending 9040"},
		},
		{
			name:    "app password ja",
			n:       Notice{Kind: NoticeAppPassword, Locale: "ja", Last4: "9040", Password: "K7Q-P2M-X9", Expires: at},
			subject: "【本人認証】認証アプリ登録用パスワードのお知らせ",
			want:    []string{"登録用パスワード：K7Q-P2M-X9", "2026年11月22日 12:04（日本時間）まで有効"},
		},
		{
			name:    "contact code en",
			n:       Notice{Kind: NoticeContactCode, Locale: "en", Last4: "9024", Code: "042137", Expires: at},
			subject: "Your confirmation code for a new email address",
			want:    []string{"Confirmation code: 042137", "card ending 9024", "until 2026-11-22 12:04 (JST)", "nothing is changed"},
		},
		{
			name:    "contact code ja",
			n:       Notice{Kind: NoticeContactCode, Locale: "ja", Last4: "9016", Code: "042137", Expires: at},
			subject: "【本人認証】連絡先確認コードのお知らせ",
			want:    []string{"確認コード：042137", "下4桁 9016", "2026年11月22日 12:04（日本時間）まで有効"},
		},
		{
			name:    "email changed en",
			n:       Notice{Kind: NoticeContactChanged, Locale: "en", Last4: "9024", Contact: "email", Dest: "***@new.jp"},
			subject: "Your email address was changed",
			want:    []string{"Now: ***@new.jp", "card ending 9024", "your previous address", "contact us at once"},
			avoid:   []string{"phone"},
		},
		{
			name:    "phone changed ja",
			n:       Notice{Kind: NoticeContactChanged, Locale: "ja", Last4: "9040", Contact: "sms", Dest: "***-****-5678"},
			subject: "【本人認証】携帯電話番号変更のお知らせ",
			want:    []string{"変更後：***-****-5678", "下4桁 9040", "ご登録のメールアドレス"},
			avoid:   []string{"変更前のメールアドレス"},
		},
		{
			name:    "portal code ja",
			n:       Notice{Kind: NoticePortalCode, Locale: "ja", Last4: "9016", Code: "042917", Expires: at},
			subject: "【本人認証】会員ポータルの確認コードのお知らせ",
			want:    []string{"下4桁 9016", "確認コード：042917", "2026年11月22日 12:04（日本時間）まで有効"},
		},
		{
			name:    "portal code en",
			n:       Notice{Kind: NoticePortalCode, Locale: "en", Last4: "9024", Code: "042917", Expires: at},
			subject: "Your member portal confirmation code",
			want:    []string{"card ending 9024", "Confirmation code: 042917", "until 2026-11-22 12:04 (JST)"},
		},
		{
			// To the operator: the purchase, never the card number or a
			// code; the merchant name cleaned of what would break the
			// text.
			name: "fraud report en",
			n: Notice{Kind: NoticeFraudReport, Locale: "en", Last4: "9016", Authentication: "AUTH0000000000000000000001",
				Merchant: "Tea\u202eRoom\nSencha", MerchantID: 3, Amount: 1250, Currency: "JPY", At: at,
				Listed: []string{"device", "address", "merchant"}},
			subject: "Fraud report: card ending 9016, authentication AUTH0000000000000000000001",
			want: []string{"Card:            ending 9016", "Authentication:  AUTH0000000000000000000001",
				"Merchant:        Tea Room Sencha (merchant id 3)", "Amount:          ¥1,250", "Purchase time:   2026-11-22 12:04 (JST)",
				"On the deny list: the device, the network address, the merchant of this authentication",
				"issuer risk denylist remove -kind K -value V", "next purchases"},
			avoid: []string{"3540", "\u202e"},
		},
		{
			name: "fraud report ja, merchant only",
			n: Notice{Kind: NoticeFraudReport, Locale: "ja", Last4: "9016", Authentication: "AUTH0000000000000000000001",
				Merchant: "お茶の店", Amount: 1250, Currency: "JPY", At: at, Listed: []string{"merchant"}},
			subject: "【不正利用の申告】カード番号下4桁 9016・認証ID AUTH0000000000000000000001",
			want: []string{"カード番号：下4桁 9016", "認証ID：AUTH0000000000000000000001", "加盟店：お茶の店", "金額：1,250円",
				"ご利用日時：2026年11月22日 12:04（日本時間）", "この認証の加盟店を拒否リストに登録しました", "コード入力を求めます"},
			avoid: []string{"加盟店ID", "端末"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSink(t, devmail.SMTPConfig{}, nil)
			m := newMailer(t, MailConfig{Host: s.host, Port: s.port})
			tt.n.To, tt.n.IssuerName = "taro@mail.jp", "Demo Card"
			if err := m.SendNotice(context.Background(), tt.n); err != nil {
				t.Fatalf("SendNotice: %v", err)
			}
			got := only(t, s)
			if got.Subject != tt.subject {
				t.Errorf("subject = %q, want %q", got.Subject, tt.subject)
			}
			if got.HTML != "" {
				t.Errorf("notice has an HTML part; notices are plain text")
			}
			for _, w := range append([]string{"Demo Card"}, tt.want...) {
				if !strings.Contains(got.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, got.Text)
				}
			}
			for _, a := range tt.avoid {
				if strings.Contains(got.Text, a) {
					t.Errorf("text has %q:\n%s", a, got.Text)
				}
			}
		})
	}
}

func TestSendNoticeInvalid(t *testing.T) {
	ok := Notice{Kind: NoticeLocked, To: "taro@mail.jp", Locale: "en", IssuerName: "Demo Card", Last4: "9016", Method: "sms", Failures: 10}
	tests := []struct {
		name string
		edit func(*Notice)
	}{
		{"unknown kind", func(n *Notice) { n.Kind = "welcome" }},
		{"bad recipient", func(n *Notice) { n.To = "not an address" }},
		{"bad locale", func(n *Notice) { n.Locale = "fr" }},
		{"no issuer", func(n *Notice) { n.IssuerName = " " }},
		{"locked without method", func(n *Notice) { n.Method = "" }},
		{"locked without count", func(n *Notice) { n.Failures = 0 }},
		{"app password without password", func(n *Notice) { n.Kind = NoticeAppPassword; n.Expires = at }},
		{"app password without expiry", func(n *Notice) { n.Kind = NoticeAppPassword; n.Password = "x" }},
		{"contact code not 6 digits", func(n *Notice) { n.Kind = NoticeContactCode; n.Code = "12345"; n.Expires = at }},
		{"contact code without expiry", func(n *Notice) { n.Kind = NoticeContactCode; n.Code = "123456" }},
		{"contact changed of a token", func(n *Notice) { n.Kind = NoticeContactChanged; n.Contact = "token"; n.Dest = "***" }},
		{"contact changed without dest", func(n *Notice) { n.Kind = NoticeContactChanged; n.Contact = "email" }},
		{"portal code without code", func(n *Notice) { n.Kind = NoticePortalCode; n.Expires = at }},
		{"portal code not digits", func(n *Notice) { n.Kind = NoticePortalCode; n.Code = "12a456"; n.Expires = at }},
		{"portal code without expiry", func(n *Notice) { n.Kind = NoticePortalCode; n.Code = "123456" }},
		{"fraud report without authentication", func(n *Notice) { *n = fraudNotice(); n.Authentication = "" }},
		{"fraud report without merchant", func(n *Notice) { *n = fraudNotice(); n.Merchant = "\n\t " }},
		{"fraud report without time", func(n *Notice) { *n = fraudNotice(); n.At = time.Time{} }},
		{"fraud report with a card number", func(n *Notice) { *n = fraudNotice(); n.Last4 = "3540123456789016" }},
		{"fraud report, bad currency", func(n *Notice) { *n = fraudNotice(); n.Currency = "yen" }},
		{"fraud report, negative amount", func(n *Notice) { *n = fraudNotice(); n.Amount = -1 }},
		{"fraud report, unknown kind listed", func(n *Notice) { *n = fraudNotice(); n.Listed = []string{"card"} }},
	}
	s := startSink(t, devmail.SMTPConfig{}, nil)
	m := newMailer(t, MailConfig{Host: s.host, Port: s.port})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := ok
			tt.edit(&n)
			err := m.SendNotice(context.Background(), n)
			if !errors.Is(err, ErrInvalidCodeMail) {
				t.Fatalf("SendNotice = %v, want ErrInvalidCodeMail", err)
			}
		})
	}
	if n := len(s.store.Messages("")); n != 0 {
		t.Errorf("%d invalid notices reached the server", n)
	}
}

// fraudNotice is a valid operator notice of a fraud report.
func fraudNotice() Notice {
	return Notice{Kind: NoticeFraudReport, To: "ops@issuer.example", Locale: "en", IssuerName: "Demo Card", Last4: "9016",
		Authentication: "AUTH0000000000000000000001", Merchant: "Tea Room", Amount: 1250, Currency: "JPY", At: at,
		Listed: []string{"merchant"}}
}
