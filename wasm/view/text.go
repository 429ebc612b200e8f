package view

import (
	"strconv"
	"strings"
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
	// attemptsSuffix follows a message about a refused code: "4 attempts
	// left." It is "" for n <= 0 (the edge did not say).
	attemptsSuffix func(n int) string
	problems       map[string]string // by problem code (see problemKey)
	reasons        map[string]string // by result reason
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
)

var texts = map[Locale]*text{
	English: {
		labels: Labels{
			Title:     "Confirm your purchase",
			Merchant:  "Merchant",
			Amount:    "Amount",
			Date:      "Date",
			Card:      "Card",
			Message:   "Personal message",
			Code:      "One-time code (6 digits)",
			ExpiresIn: "Expires in",
			Send:      "Send",
			Cancel:    "Cancel",
			Retry:     "Try again",
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
				s += " (serial ending " + joinOr(serials, ", ", " or ") + ")"
			}
			return s
		},
		attemptsLeft: func(n int) string {
			if n == 1 {
				return "1 attempt left"
			}
			return strconv.Itoa(n) + " attempts left"
		},
		complete:  "Authentication complete",
		failed:    "Authentication failed",
		cancelled: "Cancelled",
		attemptsSuffix: func(n int) string {
			switch {
			case n <= 0:
				return ""
			case n == 1:
				return " 1 attempt left."
			}
			return " " + strconv.Itoa(n) + " attempts left."
		},
		problems: map[string]string{
			"wrong_code":            "Incorrect code.",
			"wrong_password":        "Incorrect password.",
			"code_used_app":         "This code was already used. Wait for the next code in your app.",
			"code_used_token":       "This code was already used. Wait for the next code on your token.",
			problemEmptyCode:        "Enter the code.",
			"empty_password":        "Enter your password.",
			"invalid_code_format":   "Enter the 6-digit code.",
			"invalid_password":      "Enter your password (up to 128 characters).",
			"expired":               "The code has expired.",
			problemSessionExpired:   "This authentication has expired. Return to the shop and try again.",
			problemDeliveryFailed:   "The code could not be sent. Request a new code.",
			"delivery_failed_final": "The code could not be sent, and no more codes can be sent for this purchase. Return to the shop and try again.",
			problemDeliveryLimited:  "Too many codes were sent to this address today; no new code was sent.",
			"delivery_limited_sms":  "Too many codes were sent to this phone number today; no new code was sent.",
			"resend_cooldown":       "Please wait a moment before requesting a new code.",
			"resend_limit":          "The most new codes allowed have been sent. Enter the latest code you received.",
			"send_limit":            "Too many codes were sent to this address today; no new code was sent. Enter the code you already received.",
			"send_limit_sms":        "Too many codes were sent to this phone number today; no new code was sent. Enter the code you already received.",
			"not_resendable":        "A new code cannot be sent for this way of authenticating.",
			"superseded":            "A newer code was requested, so this screen can no longer be used. Return to the shop and try again.",
			"already_used":          "This authentication has already been completed.",
			"invalid_token":         "This authentication is not valid. Return to the shop and try again.",
			"issuer_unavailable":    "The card issuer cannot be reached. Please try again in a moment.",
			problemNetwork:          "Connection problem. Check your connection and try again.",
			problemUnknown:          "Something went wrong. Please try again.",
		},
		reasons: map[string]string{
			"max_attempts": "Too many incorrect codes.",
			"auth_failed":  "The code was incorrect.",
			"expired":      "The authentication expired.",
		},
	},
	Japanese: {
		labels: Labels{
			Title:     "本人認証",
			Merchant:  "ご利用店舗",
			Amount:    "ご利用金額",
			Date:      "ご利用日時",
			Card:      "カード番号",
			Message:   "パーソナルメッセージ",
			Code:      "ワンタイムパスワード（6桁）",
			ExpiresIn: "有効期限まで",
			Send:      "送信",
			Cancel:    "キャンセル",
			Retry:     "再試行",
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
				s += "（シリアル番号末尾 " + joinOr(serials, "、", " または ") + "）"
			}
			return s + "に表示されたワンタイムパスワードを入力してください"
		},
		attemptsLeft: func(n int) string {
			return "残り" + strconv.Itoa(n) + "回"
		},
		complete:  "認証が完了しました",
		failed:    "認証できませんでした",
		cancelled: "キャンセルしました",
		attemptsSuffix: func(n int) string {
			if n <= 0 {
				return ""
			}
			return "あと" + strconv.Itoa(n) + "回入力できます。"
		},
		problems: map[string]string{
			"wrong_code":            "ワンタイムパスワードが正しくありません。",
			"wrong_password":        "パスワードが正しくありません。",
			"code_used_app":         "このワンタイムパスワードは使用済みです。認証アプリに次のワンタイムパスワードが表示されるまでお待ちください。",
			"code_used_token":       "このワンタイムパスワードは使用済みです。トークンに次のワンタイムパスワードが表示されるまでお待ちください。",
			problemEmptyCode:        "ワンタイムパスワードを入力してください。",
			"empty_password":        "パスワードを入力してください。",
			"invalid_code_format":   "6桁の数字を入力してください。",
			"invalid_password":      "パスワードは128文字以内で入力してください。",
			"expired":               "ワンタイムパスワードの有効期限が切れました。",
			problemSessionExpired:   "有効期限が切れました。ショップの画面からやり直してください。",
			problemDeliveryFailed:   "ワンタイムパスワードを送信できませんでした。再送信してください。",
			"delivery_failed_final": "ワンタイムパスワードを送信できませんでした。このお取引ではこれ以上送信できないため、ショップの画面からやり直してください。",
			problemDeliveryLimited:  "本日このメールアドレスに送信できる回数の上限に達したため、新しいワンタイムパスワードは送信されませんでした。",
			"delivery_limited_sms":  "本日この電話番号に送信できる回数の上限に達したため、新しいワンタイムパスワードは送信されませんでした。",
			"resend_cooldown":       "しばらく待ってから再送信してください。",
			"resend_limit":          "再送信できる回数の上限に達しました。最後に届いたワンタイムパスワードを入力してください。",
			"send_limit":            "本日このメールアドレスに送信できる回数の上限に達したため、新しいワンタイムパスワードは送信されませんでした。届いているワンタイムパスワードを入力してください。",
			"send_limit_sms":        "本日この電話番号に送信できる回数の上限に達したため、新しいワンタイムパスワードは送信されませんでした。届いているワンタイムパスワードを入力してください。",
			"not_resendable":        "この認証方法では、ワンタイムパスワードを再送信できません。",
			"superseded":            "新しいワンタイムパスワードが発行されたため、この画面は使用できません。ショップの画面からやり直してください。",
			"already_used":          "この認証はすでに完了しています。",
			"invalid_token":         "この認証は無効です。ショップの画面からやり直してください。",
			"issuer_unavailable":    "カード会社に接続できません。しばらくしてからもう一度お試しください。",
			problemNetwork:          "通信エラーが発生しました。接続を確認してもう一度お試しください。",
			problemUnknown:          "エラーが発生しました。もう一度お試しください。",
		},
		reasons: map[string]string{
			"max_attempts": "入力回数の上限に達しました。",
			"auth_failed":  "ワンタイムパスワードが正しくありません。",
			"expired":      "有効期限が切れました。",
		},
	},
}

func textFor(l Locale) *text {
	if t, ok := texts[l]; ok {
		return t
	}
	return texts[English]
}

// problemText is the message for a problem code shown with the given
// method. Unknown codes get the generic message, so an edge error code this
// client does not know yet still shows something sensible. A refused code
// (wrong or already used) says how many attempts are left.
func (t *text) problemText(code, method string, canResend bool, attemptsLeft int) string {
	key := problemKey(code, method, canResend)
	s, ok := t.problems[key]
	if !ok {
		return t.problems[problemUnknown]
	}
	if code == "wrong_code" || code == "code_used" {
		s += t.attemptsSuffix(attemptsLeft)
	}
	return s
}

// problemKey picks the wording of a problem for the method: the edge's
// codes are the same for every method, the words are not.
func problemKey(code, method string, canResend bool) string {
	switch {
	case method == "password" && code == "wrong_code":
		return "wrong_password"
	case method == "password" && code == problemEmptyCode:
		return "empty_password"
	case method == "password" && code == "invalid_code_format":
		return "invalid_password"
	case code == "code_used" && method == "token":
		return "code_used_token"
	case code == "code_used":
		return "code_used_app"
	case code == problemDeliveryFailed && !canResend:
		return "delivery_failed_final"
	case method == "sms" && (code == problemDeliveryLimited || code == "send_limit"):
		return code + "_sms"
	}
	return code
}

// serials splits the token method's dest ("1234" or "1234,5678") into
// serial endings.
func serials(dest string) []string {
	var out []string
	for s := range strings.SplitSeq(dest, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// joinOr joins a list as prose: "a", "a or b", "a, b or c".
func joinOr(items []string, comma, or string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], comma) + or + items[len(items)-1]
}
