package view

import "strconv"

// text is every string the screen shows, in one language. Wording follows
// what Japanese issuers' challenge pages say; the English is plain.
type text struct {
	labels                      Labels
	loading, wait               string
	resend                      string
	showGMT, showJST            string
	dateNote                    string
	sentTo                      func(dest string) string
	appCode, tokenCode          string
	attemptsLeft                func(n int) string
	complete, failed, cancelled string
	wrongCode                   func(attemptsLeft int) string
	problems                    map[string]string // by problem code
	reasons                     map[string]string // by result reason
}

// Problem codes the model uses besides the edge's error codes.
const (
	problemEmptyCode      = "empty_code"
	problemNetwork        = "network"
	problemBadResponse    = "bad_response"
	problemSessionExpired = "session_expired"
	problemDeliveryFailed = "delivery_failed"
	problemUnknown        = "unknown"
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
		loading:   "Loading…",
		wait:      "Please wait…",
		resend:    "Resend code",
		showGMT:   "Show in GMT",
		showJST:   "Show in JST",
		dateNote:  "The date shown may differ from the actual date of the transaction (JST/GMT)",
		sentTo:    func(dest string) string { return "Code sent to " + dest },
		appCode:   "Enter the code shown in your authenticator app",
		tokenCode: "Enter the code shown on your hardware token",
		attemptsLeft: func(n int) string {
			if n == 1 {
				return "1 attempt left"
			}
			return strconv.Itoa(n) + " attempts left"
		},
		complete:  "Authentication complete",
		failed:    "Authentication failed",
		cancelled: "Cancelled",
		wrongCode: func(n int) string {
			if n == 1 {
				return "Incorrect code. 1 attempt left."
			}
			return "Incorrect code. " + strconv.Itoa(n) + " attempts left."
		},
		problems: map[string]string{
			problemEmptyCode:      "Enter the code.",
			"invalid_code_format": "Enter the 6-digit code.",
			"expired":             "The code has expired.",
			problemSessionExpired: "This authentication has expired. Return to the shop and try again.",
			problemDeliveryFailed: "The code could not be sent. Request a new code.",
			"resend_cooldown":     "Please wait a moment before requesting a new code.",
			"superseded":          "A newer code was requested, so this screen can no longer be used. Return to the shop and try again.",
			"already_used":        "This authentication has already been completed.",
			"invalid_token":       "This authentication is not valid. Return to the shop and try again.",
			"issuer_unavailable":  "The card issuer cannot be reached. Please try again in a moment.",
			problemNetwork:        "Connection problem. Check your connection and try again.",
			problemUnknown:        "Something went wrong. Please try again.",
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
		loading:  "読み込み中…",
		wait:     "お待ちください…",
		resend:   "再送信",
		showGMT:  "GMTで表示",
		showJST:  "JSTで表示",
		dateNote: "表示される日付は、実際の取引日と異なる場合があります（JST/GMT）",
		sentTo: func(dest string) string {
			return "ワンタイムパスワードを " + dest + " に送信しました"
		},
		appCode:   "認証アプリに表示されたワンタイムパスワードを入力してください",
		tokenCode: "ハードウェアトークンに表示されたワンタイムパスワードを入力してください",
		attemptsLeft: func(n int) string {
			return "残り" + strconv.Itoa(n) + "回"
		},
		complete:  "認証が完了しました",
		failed:    "認証できませんでした",
		cancelled: "キャンセルしました",
		wrongCode: func(n int) string {
			return "ワンタイムパスワードが正しくありません。あと" + strconv.Itoa(n) + "回入力できます。"
		},
		problems: map[string]string{
			problemEmptyCode:      "ワンタイムパスワードを入力してください。",
			"invalid_code_format": "6桁の数字を入力してください。",
			"expired":             "ワンタイムパスワードの有効期限が切れました。",
			problemSessionExpired: "有効期限が切れました。ショップの画面からやり直してください。",
			problemDeliveryFailed: "ワンタイムパスワードを送信できませんでした。再送信してください。",
			"resend_cooldown":     "しばらく待ってから再送信してください。",
			"superseded":          "新しいワンタイムパスワードが発行されたため、この画面は使用できません。ショップの画面からやり直してください。",
			"already_used":        "この認証はすでに完了しています。",
			"invalid_token":       "この認証は無効です。ショップの画面からやり直してください。",
			"issuer_unavailable":  "カード会社に接続できません。しばらくしてからもう一度お試しください。",
			problemNetwork:        "通信エラーが発生しました。接続を確認してもう一度お試しください。",
			problemUnknown:        "エラーが発生しました。もう一度お試しください。",
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

// problemText is the message for a problem code; unknown codes get the
// generic one, so an edge error code this client does not know yet still
// shows something sensible.
func (t *text) problemText(code string, attemptsLeft int) string {
	if code == "wrong_code" {
		return t.wrongCode(attemptsLeft)
	}
	if s, ok := t.problems[code]; ok {
		return s
	}
	return t.problems[problemUnknown]
}
