package dispatch

// CleanText makes untrusted text (a merchant name) safe to show: control
// and bidi-override characters become spaces, the result is cut to max
// runes with "…". The SMS text uses it for the same reason the mail does: a
// newline in a merchant name must not forge a line of the message.
func CleanText(s string, max int) string { return cleanText(s, max) }
