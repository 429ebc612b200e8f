package view

import (
	"strconv"
	"strings"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/summary"
)

// text is every string the screen shows, in one language. Wording follows
// what Japanese issuers' challenge pages say; the English is plain.
type text struct {
	labels                      Labels
	passwordLabel               string // Labels.Code for the password method
	loading, wait               string
	resend                      string
	noMoreCodes                 string // instead of Resend once no resend is left
	showGMT, showJST            string
	dateNote                    string
	sentTo, smsSentTo           func(dest string) string
	appCode, passwordPrompt     string
	tokenCode                   func(serials []string) string
	attemptsLeft                func(n int) string
	complete, failed, cancelled string
	checking                    string // Labels.Send while a code is checked
	cancelConfirm, cancelAgain  string // Labels.Cancel and the Notice after one press of Cancel
	nextCodeIn                  string // Labels.ExpiresIn for app and token
	expiresSoon                 string // the Notice ExpiryWarning before the end
	// newCodeSent is the Notice after a resend, wrongAfterResend the
	// message for a wrong code after one; at is "12:03 JST".
	newCodeSent, wrongAfterResend func(at string) string
	// attemptsSuffix follows a message about a refused code: "4 attempts
	// left." It is "" for n <= 0 (the edge did not say).
	attemptsSuffix func(n int) string
	// help is the one line under the heading: why this screen is here.
	help string
	// startAgain is the next step of a flow that ended without a result
	// the cardholder can use: the merchant page got an error it acts on
	// (Honnin.mount rejects), and the cardholder is on that page.
	startAgain string
	// notConfirmed follows an end that is no payment: what it means.
	notConfirmed string
	// issuer is the issuer's name, or the words for it when none is known.
	issuer func(name string) string
	// locked, denied and tooMany explain a locked card, a denied payment
	// and too many wrong codes with the issuer's contact (contract.Issuer).
	locked, denied, tooMany func(c contract.Issuer) string
	// callBefore and callAfter go around the phone number in the text of
	// its link, portal is the portal link's text, under those ends
	// (Screen.Phone, Screen.Portal).
	callBefore, callAfter, portal string
	// cancelledNext follows "Cancelled".
	cancelledNext string
	// timedOut explains an expired or timed-out challenge.
	timedOut   string
	superseded string
	problems   []message // by problem code (see problemText)
	reasons    []message // by result reason
}

// Problem codes the model uses besides the edge's error codes.
const (
	problemEmptyCode      = "empty_code"
	problemNetwork        = "network"
	problemBadResponse    = "bad_response"
	problemSessionExpired = "session_expired"
	problemDeliveryFailed = "delivery_failed"
	// problemDeliveryLimited: the destination's daily cap is reached, so no
	// code was sent (delivery "limited").
	problemDeliveryLimited = "delivery_limited"
	problemUnknown         = "unknown"
	// problemTooManyDigits: the field holds more digits than a code has
	// (Model.Typed), said at once rather than cut.
	problemTooManyDigits = "too_many_digits"
)

// The two languages are separate variables rather than values in a map
// literal: the compiler lays these out as static data, where values inside
// a map literal are built field by field at start-up (several KB of wasm).
var textEN = text{
	labels: Labels{
		// The summary's labels are edge/summary's, which the edge's first
		// paint of the page shows too.
		Title:     summary.LabelsEN.Title,
		Merchant:  summary.LabelsEN.Merchant,
		Amount:    summary.LabelsEN.Amount,
		Date:      summary.LabelsEN.Date,
		Card:      summary.LabelsEN.Card,
		Message:   "Personal message",
		Code:      "One-time code (6 digits)",
		ExpiresIn: "Expires in",
		Send:      "Send",
		Cancel:    "Cancel",
		Retry:     "Try again",

		// Names the Cancel button by its label (TestMessageNote).
		MessageNote: "If this is not the message you registered, do not enter anything: press Cancel.",
	},
	passwordLabel:  "Password",
	loading:        "Loading…",
	wait:           "Please wait…",
	resend:         "Resend code",
	noMoreCodes:    "No more codes can be sent for this purchase.",
	showGMT:        "Show in GMT",
	showJST:        "Show in JST",
	dateNote:       "The date shown may differ from the actual date of the transaction (JST/GMT)",
	sentTo:         func(dest string) string { return "Code sent to " + dest },
	smsSentTo:      func(dest string) string { return "Code sent by SMS to " + dest },
	appCode:        "Enter the 6-digit code shown in your authenticator app",
	passwordPrompt: "Enter your password",
	tokenCode: func(serials []string) string {
		s := "Enter the code shown on your token"
		if len(serials) > 0 {
			s += " (serial ending " + strings.Join(serials, " or ") + ")"
		}
		return s
	},
	attemptsLeft: func(n int) string {
		if n == 1 {
			return "1 attempt left"
		}
		return strconv.Itoa(n) + " attempts left"
	},
	complete:      "Authentication complete",
	failed:        "Authentication failed",
	cancelled:     "Cancelled",
	checking:      "Checking…",
	cancelConfirm: "Cancel the payment?",
	cancelAgain:   "Press again within 5 seconds to cancel the payment.",
	nextCodeIn:    "Code changes in",
	expiresSoon:   "Less than 20 seconds left to enter the code.",
	newCodeSent:   func(at string) string { return "A new code was sent at " + at + "." },
	wrongAfterResend: func(at string) string {
		return "Incorrect code. A new code was sent at " + at + ": use the newest one."
	},
	attemptsSuffix: func(n int) string {
		switch {
		case n <= 0:
			return ""
		case n == 1:
			return " 1 attempt left."
		}
		return " " + strconv.Itoa(n) + " attempts left."
	},
	help:         summary.LabelsEN.Help,
	startAgain:   "To pay, start the payment again on this page.",
	notConfirmed: "This payment was not confirmed.",
	issuer:       issuerEN,
	locked: func(c contract.Issuer) string {
		s := "The one-time passwords of this card are locked (after too many incorrect codes, or by " + issuerEN(c.Name) + "), so this payment was not confirmed. "
		switch {
		case c.Phone != "" && c.Portal != "":
			return s + "To unlock them, call " + issuerEN(c.Name) + " at " + c.Phone + " or sign in to " + c.Portal + "."
		case c.Phone != "":
			return s + "To unlock them, call " + issuerEN(c.Name) + " at " + c.Phone + "."
		case c.Portal != "":
			return s + "To unlock them, sign in to " + c.Portal + " or contact " + issuerEN(c.Name) + "."
		}
		return s + "To unlock them, contact " + issuerEN(c.Name) + " (the number is on the back of your card)."
	},
	denied: func(c contract.Issuer) string {
		s := enCap(issuerEN(c.Name)) + " could not confirm this payment. Your card has not been charged by this step. "
		if c.Phone != "" {
			return s + "For the reason, call " + issuerEN(c.Name) + " at " + c.Phone + ". You can also pay another way on this page."
		}
		return s + "For the reason, contact " + issuerEN(c.Name) + " (the number is on the back of your card). You can also pay another way on this page."
	},
	tooMany: func(c contract.Issuer) string {
		s := "Too many incorrect codes were entered, so this payment was not confirmed. To try again with a new code, start the payment again on this page."
		if c.Phone != "" {
			return s + " If the codes keep failing, call " + issuerEN(c.Name) + " at " + c.Phone + "."
		}
		return s + " If the codes keep failing, contact " + issuerEN(c.Name) + "."
	},
	callBefore:    "Call ",
	portal:        "Open the cardholder portal",
	cancelledNext: "This payment was not made. To pay, start the payment again on this page.",
	timedOut:      "The time to enter the code ran out, so this payment was not confirmed.",
	superseded:    "A newer payment was started with this card, so this one was ended. Continue with the newer payment.",
	problems: []message{
		{contract.ReasonWrongCode, "Incorrect code."},
		{"password:" + contract.ReasonWrongCode, "Incorrect password."},
		{contract.ReasonCodeUsed, "This code was already used. Wait for the next code in your app."},
		{"token:" + contract.ReasonCodeUsed, "This code was already used. Wait for the next code on your token."},
		{problemEmptyCode, "Enter the code."},
		{"password:" + problemEmptyCode, "Enter your password."},
		{contract.CodeInvalidCodeFormat, "Enter the 6-digit code."},
		{problemTooManyDigits, "That is more than 6 digits. Enter the 6-digit code."},
		{"password:" + contract.CodeInvalidCodeFormat, "Enter your password (up to 128 characters)."},
		{contract.CodeExpired, "The code has expired."},
		{problemSessionExpired, "This authentication has expired, so the payment was not confirmed."},
		{problemDeliveryFailed, "The code could not be sent. Request a new code."},
		{"delivery_failed_final", "The code could not be sent, and no more codes can be sent for this purchase. Press Cancel, then start the payment again on this page."},
		{problemDeliveryLimited, "Too many codes were sent to this address today, so no code was sent. Cancel, and pay another way or try again tomorrow."},
		{"sms:" + problemDeliveryLimited, "Too many codes were sent to this phone number today, so no code was sent. Cancel, and pay another way or try again tomorrow."},
		{contract.CodeCodeNotSent, "No code was sent for this purchase, so there is nothing to enter."},
		{contract.CodeStartLimit, "This page was reloaded too often. Wait a minute, then try again."},
		{contract.CodeBusy, "The card issuer is busy. Please try again in a moment; this try was not counted."},
		{contract.CodeResendCooldown, "Please wait a moment before requesting a new code."},
		{contract.CodeResendLimit, "The most new codes allowed have been sent. Enter the latest code you received."},
		{contract.CodeSendLimit, "Too many codes were sent to this address today; no new code was sent. Enter the code you already received."},
		{"sms:" + contract.CodeSendLimit, "Too many codes were sent to this phone number today; no new code was sent. Enter the code you already received."},
		{contract.CodeNotResendable, "A new code cannot be sent for this way of authenticating."},
		{contract.CodeSuperseded, "A newer code was requested in another window, so this screen can no longer be used."},
		{contract.CodeAlreadyUsed, "This authentication has already ended; the shop has its result."},
		{contract.CodeInvalidToken, "This authentication link is not valid, so the payment was not confirmed."},
		{contract.CodeIssuerUnavailable, "The card issuer cannot be reached. Please try again in a moment."},
		{contract.CodeUnavailable, "The service is briefly unavailable. Please try again in a moment."},
		{problemNetwork, "Connection problem. Check your connection and try again."},
		{problemUnknown, "Something went wrong. Please try again."},
	},
	reasons: []message{
		{contract.ReasonMaxAttempts, "Too many incorrect codes."},
		{"auth_failed", "The code was incorrect."},
		{"expired", "The authentication expired."},
		{contract.ReasonCredentialLocked, "This way of authenticating is locked. Contact your card issuer, or unlock it in the cardholder portal."},
		{contract.ReasonSuperseded, "A newer payment was started with this card, so this one was ended."},
	},
}

var textJA = text{
	labels: Labels{
		Title:     summary.LabelsJA.Title,
		Merchant:  summary.LabelsJA.Merchant,
		Amount:    summary.LabelsJA.Amount,
		Date:      summary.LabelsJA.Date,
		Card:      summary.LabelsJA.Card,
		Message:   "パーソナルメッセージ",
		Code:      "ワンタイムパスワード（6桁）",
		ExpiresIn: "有効期限まで",
		Send:      "送信",
		Cancel:    "キャンセル",
		Retry:     "再試行",

		// Names the Cancel button by its label (TestMessageNote).
		MessageNote: "ご登録のメッセージと異なる場合は、何も入力せずに「キャンセル」を押してください。",
	},
	passwordLabel: "パスワード",
	loading:       "読み込み中…",
	wait:          "お待ちください…",
	resend:        "再送信",
	noMoreCodes:   "このお取引では、これ以上ワンタイムパスワードを送信できません。",
	showGMT:       "GMTで表示",
	showJST:       "JSTで表示",
	dateNote:      "表示される日付は、実際の取引日と異なる場合があります（JST/GMT）",
	sentTo: func(dest string) string {
		return "ワンタイムパスワードを " + dest + " に送信しました"
	},
	smsSentTo: func(dest string) string {
		return "SMSでワンタイムパスワードを " + dest + " に送信しました"
	},
	appCode:        "認証アプリに表示された6桁のワンタイムパスワードを入力してください",
	passwordPrompt: "パスワードを入力してください",
	tokenCode: func(serials []string) string {
		s := "トークン"
		if len(serials) > 0 {
			s += "（シリアル番号末尾 " + strings.Join(serials, " または ") + "）"
		}
		return s + "に表示されたワンタイムパスワードを入力してください"
	},
	attemptsLeft: func(n int) string {
		return "残り" + strconv.Itoa(n) + "回"
	},
	complete:      "認証が完了しました",
	failed:        "認証できませんでした",
	cancelled:     "キャンセルしました",
	checking:      "確認中…",
	cancelConfirm: "お支払いをキャンセルしますか？",
	cancelAgain:   "5秒以内にもう一度押すと、お支払いをキャンセルします。",
	nextCodeIn:    "次のコードまで",
	expiresSoon:   "入力の有効期限まで残り20秒を切りました。",
	newCodeSent: func(at string) string {
		return at + "に新しいワンタイムパスワードを送信しました。"
	},
	wrongAfterResend: func(at string) string {
		return "ワンタイムパスワードが正しくありません。" + at + "に新しいワンタイムパスワードを送信しました。最新のものを入力してください。"
	},
	attemptsSuffix: func(n int) string {
		if n <= 0 {
			return ""
		}
		return "あと" + strconv.Itoa(n) + "回入力できます。"
	},
	help:         summary.LabelsJA.Help,
	startAgain:   "お支払いになる場合は、このページでもう一度お支払い手続きをしてください。",
	notConfirmed: "このお支払いは確認できませんでした。",
	issuer:       issuerJA,
	locked: func(c contract.Issuer) string {
		s := "このカードのワンタイムパスワードはロックされています（誤った入力が続いたため、または" + issuerJA(c.Name) + "による停止）。このお支払いは確認できませんでした。"
		switch {
		case c.Phone != "" && c.Portal != "":
			return s + "ロックの解除は、" + issuerJA(c.Name) + "（" + c.Phone + "）へお電話いただくか、" + c.Portal + " にログインしてください。"
		case c.Phone != "":
			return s + "ロックの解除は、" + issuerJA(c.Name) + "（" + c.Phone + "）へお電話ください。"
		case c.Portal != "":
			return s + "ロックの解除は、" + c.Portal + " にログインするか、" + issuerJA(c.Name) + "にお問い合わせください。"
		}
		return s + "ロックの解除は、" + issuerJA(c.Name) + "にお問い合わせください（電話番号はカードの裏面にあります）。"
	},
	denied: func(c contract.Issuer) string {
		s := issuerJA(c.Name) + "はこのお支払いを確認できませんでした。この手続きでカードに請求されることはありません。"
		if c.Phone != "" {
			return s + "理由は" + issuerJA(c.Name) + "（" + c.Phone + "）にお問い合わせください。このページで別のお支払い方法もお選びいただけます。"
		}
		return s + "理由は" + issuerJA(c.Name) + "にお問い合わせください（電話番号はカードの裏面にあります）。このページで別のお支払い方法もお選びいただけます。"
	},
	tooMany: func(c contract.Issuer) string {
		s := "誤ったワンタイムパスワードの入力が上限に達したため、このお支払いは確認できませんでした。新しいワンタイムパスワードでやり直す場合は、このページでもう一度お支払い手続きをしてください。"
		if c.Phone != "" {
			return s + "うまくいかない場合は、" + issuerJA(c.Name) + "（" + c.Phone + "）にお問い合わせください。"
		}
		return s + "うまくいかない場合は、" + issuerJA(c.Name) + "にお問い合わせください。"
	},
	callAfter:     "に電話する",
	portal:        "会員ページを開く",
	cancelledNext: "お支払いは行われていません。お支払いになる場合は、このページでもう一度お支払い手続きをしてください。",
	timedOut:      "入力時間が過ぎたため、このお支払いは確認できませんでした。",
	superseded:    "このカードで新しいお支払いが始まったため、このお取引は終了しました。新しいお支払いの画面をお使いください。",
	problems: []message{
		{contract.ReasonWrongCode, "ワンタイムパスワードが正しくありません。"},
		{"password:" + contract.ReasonWrongCode, "パスワードが正しくありません。"},
		{contract.ReasonCodeUsed, "このワンタイムパスワードは使用済みです。認証アプリに次のワンタイムパスワードが表示されるまでお待ちください。"},
		{"token:" + contract.ReasonCodeUsed, "このワンタイムパスワードは使用済みです。トークンに次のワンタイムパスワードが表示されるまでお待ちください。"},
		{problemEmptyCode, "ワンタイムパスワードを入力してください。"},
		{"password:" + problemEmptyCode, "パスワードを入力してください。"},
		{contract.CodeInvalidCodeFormat, "6桁の数字を入力してください。"},
		{problemTooManyDigits, "6桁より多く入力されています。6桁のワンタイムパスワードを入力してください。"},
		{"password:" + contract.CodeInvalidCodeFormat, "パスワードは128文字以内で入力してください。"},
		{contract.CodeExpired, "ワンタイムパスワードの有効期限が切れました。"},
		{problemSessionExpired, "有効期限が切れたため、このお支払いは確認できませんでした。"},
		{problemDeliveryFailed, "ワンタイムパスワードを送信できませんでした。再送信してください。"},
		{"delivery_failed_final", "ワンタイムパスワードを送信できませんでした。このお取引ではこれ以上送信できないため、「キャンセル」を押してから、このページでもう一度お支払い手続きをしてください。"},
		{problemDeliveryLimited, "本日このメールアドレスに送信できる回数の上限に達したため、ワンタイムパスワードは送信されませんでした。キャンセルして、別の方法でお支払いいただくか、明日もう一度お試しください。"},
		{"sms:" + problemDeliveryLimited, "本日この電話番号に送信できる回数の上限に達したため、ワンタイムパスワードは送信されませんでした。キャンセルして、別の方法でお支払いいただくか、明日もう一度お試しください。"},
		{contract.CodeCodeNotSent, "このお取引ではワンタイムパスワードが送信されていないため、入力できません。"},
		{contract.CodeStartLimit, "画面の再読み込みが多すぎます。1分ほど待ってからもう一度お試しください。"},
		{contract.CodeBusy, "カード会社が混み合っています。しばらくしてからもう一度お試しください（今回の入力は回数に数えられていません）。"},
		{contract.CodeResendCooldown, "しばらく待ってから再送信してください。"},
		{contract.CodeResendLimit, "再送信できる回数の上限に達しました。最後に届いたワンタイムパスワードを入力してください。"},
		{contract.CodeSendLimit, "本日このメールアドレスに送信できる回数の上限に達したため、新しいワンタイムパスワードは送信されませんでした。届いているワンタイムパスワードを入力してください。"},
		{"sms:" + contract.CodeSendLimit, "本日この電話番号に送信できる回数の上限に達したため、新しいワンタイムパスワードは送信されませんでした。届いているワンタイムパスワードを入力してください。"},
		{contract.CodeNotResendable, "この認証方法では、ワンタイムパスワードを再送信できません。"},
		{contract.CodeSuperseded, "別の画面で新しいワンタイムパスワードが発行されたため、この画面は使用できません。"},
		{contract.CodeAlreadyUsed, "この認証はすでに終了しています。結果はショップに届いています。"},
		{contract.CodeInvalidToken, "この認証のリンクは無効なため、このお支払いは確認できませんでした。"},
		{contract.CodeIssuerUnavailable, "カード会社に接続できません。しばらくしてからもう一度お試しください。"},
		{contract.CodeUnavailable, "サービスが一時的に利用できません。しばらくしてからもう一度お試しください。"},
		{problemNetwork, "通信エラーが発生しました。接続を確認してもう一度お試しください。"},
		{problemUnknown, "エラーが発生しました。もう一度お試しください。"},
	},
	reasons: []message{
		{contract.ReasonMaxAttempts, "入力回数の上限に達しました。"},
		{"auth_failed", "ワンタイムパスワードが正しくありません。"},
		{"expired", "有効期限が切れました。"},
		{contract.ReasonCredentialLocked, "この認証方法はロックされています。カード会社にお問い合わせいただくか、会員サイトでロックを解除してください。"},
		{contract.ReasonSuperseded, "このカードで新しいお支払いが始まったため、このお取引は終了しました。"},
	},
}

func textFor(l Locale) *text {
	if l == Japanese {
		return &textJA
	}
	return &textEN
}

// problemText is the message for a problem code shown with the given
// method. The edge's codes are the same for every method, the words are
// not: "<method>:<code>" picks a method's own wording when there is one.
// Unknown codes get the generic message, so an edge error code this client
// does not know yet still shows something sensible. A refused code (wrong
// or already used) says how many attempts are left.
func (t *text) problemText(code, method string, canResend bool, attemptsLeft int) string {
	key := code
	if code == problemDeliveryFailed && !canResend {
		key = "delivery_failed_final"
	}
	s, ok := lookup(t.problems, method+":"+key)
	if !ok {
		s, ok = lookup(t.problems, key)
	}
	if !ok {
		s, _ = lookup(t.problems, problemUnknown)
		return s
	}
	if code == "wrong_code" || code == "code_used" {
		s += t.attemptsSuffix(attemptsLeft)
	}
	return s
}

// message is one entry of a table of messages: a code and its text.
// Tables are slices, not maps: a map literal is built by code at start-up
// (several KB of wasm), a slice of string pairs is static data, and a
// linear search through thirty entries is nothing next to a render.
type message struct{ code, text string }

func lookup(table []message, code string) (string, bool) {
	for _, m := range table {
		if m.code == code {
			return m.text, true
		}
	}
	return "", false
}

// serials splits the token method's dest ("1234" or "1234,5678") into
// serial endings.
func serials(dest string) []string {
	var out []string
	for _, s := range strings.Split(dest, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// issuerEN and issuerJA name the issuer: its own name, or the words for
// it when the edge sent none.
func issuerEN(name string) string {
	if name == "" {
		return "your card issuer"
	}
	return name
}

func issuerJA(name string) string {
	if name == "" {
		return "カード会社"
	}
	return name
}

// enCap capitalizes the first letter of an English phrase that begins a
// sentence ("your card issuer" -> "Your card issuer"); an issuer's own
// name is left as it is written.
func enCap(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
