package portal

// fraudMessages are the texts of the history's "this was not me"
// (history.go).
var fraudMessages = map[string]map[string]string{
	"ja": {
		"history.report":         "報告",
		"history.report_note":    "身に覚えのない本人認証があれば「身に覚えがない」を押してください。このカードの次回以降のご利用ではワンタイムパスワードの入力をお願いし、カード会社にお知らせします。",
		"history.not_me":         "身に覚えがない",
		"history.not_me_label":   "身に覚えがない：%s、%s、%s",
		"history.reported_tag":   "報告済み",
		"history.reported":       "ご報告を受け付けました。しばらくの間、このカードのご利用では、いつもお使いの端末でもワンタイムパスワードの入力をお願いします。カード会社にもお知らせしました。お支払いが済んでいる場合は、カード会社へご連絡ください。",
		"history.report_unknown": "この本人認証はこのカードのご利用履歴にないため、報告できませんでした。何も変更していません。",
		"history.report_again":   "この本人認証はすでに報告済みです。何も変更していません。",
	},
	"en": {
		"history.report":         "Report",
		"history.report_note":    "If you did not make one of these, press “This was not me”: the card will ask for a one-time password on its next purchases, and your card issuer is told.",
		"history.not_me":         "This was not me",
		"history.not_me_label":   "This was not me: %s, %s, %s",
		"history.reported_tag":   "Reported",
		"history.reported":       "Your report was received. For a while, purchases with this card will ask for a one-time password, even on devices you have used before. Your card issuer has been told. If a payment went through, contact your card issuer.",
		"history.report_unknown": "This authentication is not in this card's history, so it was not reported. Nothing was changed.",
		"history.report_again":   "This authentication was reported already. Nothing was changed.",
	},
}
