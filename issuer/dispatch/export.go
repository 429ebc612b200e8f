package dispatch

// Money formats an amount in minor units of currency for a cardholder in
// locale ("ja" or "en"), exactly as the code mail shows it: "1,500円" in
// Japanese, "¥1,500" in English. The SMS text (issuer/sms) uses it so a
// cardholder who gets both sees the same figure written the same way.
func Money(minor int64, currency, locale string) string { return money(minor, currency, locale) }

// CleanText makes untrusted text (a merchant name) safe to show: control
// and bidi-override characters become spaces, the result is cut to max
// runes with "…". The SMS text uses it for the same reason the mail does: a
// newline in a merchant name must not forge a line of the message.
func CleanText(s string, max int) string { return cleanText(s, max) }
