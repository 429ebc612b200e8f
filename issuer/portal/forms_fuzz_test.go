package portal

import (
	"bytes"
	"net/mail"
	"strings"
	"testing"
	"unicode"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/sms"
)

// FuzzForms feeds the portal's standalone parsers of what a browser sends:
// a new address or phone number (normalizeContact) and the pre-sign-in
// CSRF cookie (validPreCSRF). (A typed code is edge/onetime's Normalize,
// fuzzed there.)
// Properties: a refusal is a catalogue key with a text in both languages;
// an accepted phone is E.164 and normalises to itself; an accepted address
// is a bare address of at most 254 bytes with no control or space
// character outside quotes, normalises to itself and survives being
// written into a mail header and read back; a CSRF token passes only
// as value "." its own signature.
func FuzzForms(f *testing.F) {
	for _, s := range []string{"taro@mail.jp", " taro@mail.jp ", "Taro <taro@mail.jp>", "\"a b\"@mail.jp", "a@b", "a@[127.0.0.1]",
		"090-1234-5678", "+81 90 1234 5678", "０９０１２３４５６７８", "taro@mail.jp\r\nBcc: x@y", "", "@", "a@-b.jp"} {
		f.Add(s, "abc."+"sig")
	}
	s := &Server{csrfKey: bytes.Repeat([]byte{7}, 32)}
	good := "v." + s.signCSRF("v")
	f.Add("１２３ ４５６", good)
	f.Add("12-34-56", good+"x")
	f.Fuzz(func(t *testing.T, typed, tok string) {
		for _, kind := range []issuer.Method{issuer.MethodEmail, issuer.MethodSMS} {
			v, errKey := normalizeContact(kind, typed)
			if errKey != "" {
				if v != "" || !strings.HasPrefix(errKey, "contact.error.") ||
					translate("ja", errKey) == errKey || translate("en", errKey) == errKey {
					t.Fatalf("%s %q: %q, %q", kind, typed, v, errKey)
				}
				continue
			}
			if again, e := normalizeContact(kind, v); again != v || e != "" {
				t.Fatalf("%s %q normalised to %q, which normalises to %q %q", kind, typed, v, again, e)
			}
			if kind == issuer.MethodSMS {
				if p, err := sms.ParsePhone(v); err != nil || p != v || !strings.HasPrefix(v, "+") {
					t.Fatalf("phone %q stored as %q", typed, v)
				}
				continue
			}
			if len(v) > dispatch.MaxAddressLen || strings.ContainsFunc(v, unicode.IsControl) {
				t.Fatalf("address %q stored as %q", typed, v)
			}
			if !strings.HasPrefix(v, "\"") && strings.ContainsFunc(v, unicode.IsSpace) {
				t.Fatalf("address %q stored with a space: %q", typed, v)
			}
			hdr := (&mail.Address{Name: "Taro", Address: v}).String()
			if a, err := mail.ParseAddress(hdr); err != nil || a.Address != v {
				t.Fatalf("address %q written as %q reads back as %v, %v", v, hdr, a, err)
			}
		}

		if s.validPreCSRF(tok) {
			v, sig, _ := strings.Cut(tok, ".")
			if v == "" || sig != s.signCSRF(v) {
				t.Fatalf("CSRF token %q accepted", tok)
			}
		}
	})
}
