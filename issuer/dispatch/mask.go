package dispatch

import (
	"net/mail"
	"strings"
	"unicode"
)

// MaxAddressLen is RFC 5321's limit on a forward path.
const MaxAddressLen = 254

// BareAddress reports whether s is an address the issuer may keep, mail to
// and show (masked): a bare address as net/mail reads it (no display name,
// no comment, no surrounding space), at most MaxAddressLen bytes, whose
// domain masks cleanly, with no control or format character anywhere
// (Go's parser lets C1 controls through in an internationalised address;
// they forge lines in a mail or a log, or make text read otherwise than it
// is). The one rule of the portal's contact change and the operator's
// enrolment.
func BareAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == "" && len(s) <= MaxAddressLen && MaskEmail(s) != "***" &&
		!strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) })
}

// MaskEmail hides the local part of a mail address and keeps the domain:
// "taro.yamada@mail.jp" becomes "***@mail.jp". The challenge screen shows it
// so the cardholder knows which mailbox to check, while a shoulder-surfer or
// the merchant page learns nothing that identifies the person. Anything that
// is not an address yields "***" alone, so no part of malformed input (which
// may be the whole address) leaks.
func MaskEmail(addr string) string {
	const mask = "***"
	addr = strings.TrimSpace(addr)
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address // drops a display name, which identifies the person
	}
	// The last @ separates the domain; a quoted local part may hold more.
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return mask
	}
	domain := strings.ToLower(addr[at+1:])
	if !validDomain(domain) {
		return mask
	}
	return mask + "@" + domain
}

// validDomain accepts dot-separated labels of letters, digits, hyphens and
// non-ASCII letters (internationalised domains), and nothing else: no
// spaces, brackets or bidi controls that could make the masked text
// misleading on screen. It is a display check, not a DNS one.
func validDomain(d string) bool {
	if d == "" || len(d) > 253 || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") || strings.Contains(d, "..") {
		return false
	}
	for _, r := range d {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
		case r > 0x7f && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)):
		default:
			return false
		}
	}
	return true
}

// redactAddr hides addr inside err's text (go-mail names rejected
// recipients in its errors, and send errors end up in logs) while errors.Is
// and errors.As still reach the original error.
func redactAddr(err error, addr string) error {
	if err == nil || addr == "" || !strings.Contains(err.Error(), addr) {
		return err
	}
	return redacted{err: err, addr: addr}
}

type redacted struct {
	err  error
	addr string
}

func (r redacted) Error() string { return strings.ReplaceAll(r.err.Error(), r.addr, MaskEmail(r.addr)) }
func (r redacted) Unwrap() error { return r.err }
