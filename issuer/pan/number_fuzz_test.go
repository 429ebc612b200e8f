package pan

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// FuzzParse parses card numbers as merchants send them. Properties: an
// accepted number is the input's digits (spaces and dashes dropped), 13 to
// 19 of them, passing the Luhn check as computed here independently;
// CheckDigit gives back its last digit; String shows only the last four;
// written in groups of four it parses to itself. A refusal is ErrInvalid
// and its message holds no run of five or more digits, so errors never
// carry the number into a log.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"3540 1234 5678 9016", "3540-1234-5678-9024", "4111111111111111", "4111111111111112",
		"354012345678901", "0000000000000", "1234567890123456789", "12345678901234567890", "4111 1111\t1111 1111", "４１１１", ""} {
		f.Add(s)
	}
	digitRun := regexp.MustCompile(`[0-9]{5,}`)
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) || digitRun.MatchString(err.Error()) {
				t.Fatalf("refusal %q", err)
			}
			return
		}
		d := n.Digits()
		if d != strings.NewReplacer(" ", "", "-", "").Replace(s) || len(d) < 13 || len(d) > 19 || strings.Trim(d, "0123456789") != "" {
			t.Fatalf("%q parsed as %q", s, d)
		}
		if !luhn(d) {
			t.Fatalf("%q accepted, Luhn check fails", d)
		}
		if c, err := CheckDigit(d[:len(d)-1]); err != nil || c != d[len(d)-1] {
			t.Fatalf("CheckDigit(%q) = %c, %v; the number ends in %c", d[:len(d)-1], c, err, d[len(d)-1])
		}
		if str := n.String(); str != strings.Repeat("*", len(d)-4)+d[len(d)-4:] || n.Last4() != d[len(d)-4:] {
			t.Fatalf("%q shown as %q", d, str)
		}
		var grouped strings.Builder
		for i := 0; i < len(d); i++ {
			if i > 0 && i%4 == 0 {
				grouped.WriteByte(' ')
			}
			grouped.WriteByte(d[i])
		}
		if again, err := Parse(grouped.String()); err != nil || again != n {
			t.Fatalf("%q written in groups parses as %q, %v", d, again, err)
		}
	})
}

// luhn is the Luhn check written the textbook way: from the right, double
// every second digit, sum the digits of the products.
func luhn(d string) bool {
	sum := 0
	for i := 0; i < len(d); i++ {
		v := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			v *= 2
			v = v/10 + v%10
		}
		sum += v
	}
	return sum%10 == 0
}
