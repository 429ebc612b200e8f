package onetime

import (
	"errors"
	"strings"
	"testing"
)

// FuzzNormalize checks the one rule for a typed code, for lengths 1 to 12.
// Properties: a refusal is exactly one of ErrEmpty, ErrNotDigit, ErrLength
// with an empty result, and the right one for the input; a code is only
// ASCII digits, exactly digits of them, the digits typed in their order
// (full-width ones folded), and normalises to itself; a code typed as
// full-width digits, or with spaces, ideographic spaces, tabs or hyphens
// between its digits, gives the same code; and separators put between any
// characters of any input change neither the code nor the refusal.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"123456", "１２３　４５６", " 12-34-56 ", "１２３ー４５６", "", "---", "12345", "1234567",
		"12345a", "١٢٣٤٥٦", "123456\u200b", "12345\xff", "\u3000\t\n"} {
		f.Add(s, uint8(6))
	}
	f.Add("1234 5678", uint8(8))
	f.Add("0", uint8(1))
	f.Fuzz(func(t *testing.T, typed string, n uint8) {
		digits := 1 + int(n)%12
		code, err := Normalize(typed, digits)

		// What the rule should say, from the input alone.
		var want strings.Builder
		bad := false
		for _, r := range typed {
			switch {
			case '0' <= r && r <= '9':
				want.WriteRune(r)
			case '０' <= r && r <= '９':
				want.WriteRune(r - '０' + '0')
			case !separator(r):
				bad = true
			}
		}
		var wantErr error
		switch {
		case bad:
			wantErr = ErrNotDigit
		case want.Len() == 0:
			wantErr = ErrEmpty
		case want.Len() != digits:
			wantErr = ErrLength
		}
		if err != wantErr {
			t.Fatalf("Normalize(%q, %d) = %q, %v; want error %v", typed, digits, code, err, wantErr)
		}
		if err != nil {
			if code != "" || !(errors.Is(err, ErrEmpty) || errors.Is(err, ErrNotDigit) || errors.Is(err, ErrLength)) {
				t.Fatalf("Normalize(%q, %d) = %q, %v", typed, digits, code, err)
			}
		} else {
			if code != want.String() || len(code) != digits || strings.Trim(code, "0123456789") != "" {
				t.Fatalf("Normalize(%q, %d) = %q, want %q", typed, digits, code, want.String())
			}
			if again, err := Normalize(code, digits); again != code || err != nil {
				t.Fatalf("Normalize(%q) = %q, normalised again %q, %v", typed, code, again, err)
			}
			for _, v := range variants(code) {
				if got, err := Normalize(v, digits); got != code || err != nil {
					t.Fatalf("variant %q of %q = %q, %v", v, code, got, err)
				}
			}
		}

		// Separators between every character of the input, whatever it
		// is, change nothing. (Ranging over invalid UTF-8 yields U+FFFD,
		// which is not a digit either way.)
		for _, sep := range []string{" ", "\u3000", "-", "ー", "\t"} {
			var spread strings.Builder
			for _, r := range typed {
				spread.WriteString(sep)
				spread.WriteRune(r)
			}
			if got, err := Normalize(spread.String(), digits); got != code || err != wantErr {
				t.Fatalf("Normalize(%q) = %q, %v, but with %q between its characters %q, %v", typed, code, wantErr, sep, got, err)
			}
		}
	})
}

// variants returns code typed as people type it: full-width, spaced,
// hyphenated, with an IME's spaces and prolonged sound marks, pasted with
// a line break.
func variants(code string) []string {
	full := strings.Map(func(r rune) rune { return r - '0' + '０' }, code)
	half := len(code) / 2
	return []string{
		full,
		code[:half] + " " + code[half:],
		code[:half] + "-" + code[half:],
		code[:half] + "\u2212" + code[half:],
		full[:3*half] + "\u3000" + full[3*half:], // full-width digits are 3 bytes each
		full[:3*half] + "ー" + full[3*half:],
		full[:3*half] + "－" + full[3*half:],
		" " + code + "\r\n",
		"\t" + strings.Join(strings.Split(code, ""), " ") + "\t",
		code[:half] + full[3*half:],
	}
}
