package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"testing"
)

// newCard enrols a card of its own for one test, with the operator's
// command (`issuer cardholder add`) against the running stack, so the test
// shares no state with another (the demo cards are shared: a card has one
// open challenge at a time, and counts its wrong codes across them). Its
// number is a random Luhn-valid one under the demo's range, its address
// unique.
func newCard(t *testing.T, method, locale string) (number, email string) {
	t.Helper()
	number = luhnNumber(t, "354012")
	email = "e2e-" + strings.ToLower(number[len(number)-8:]) + "@mail.jp"
	if _, err := sys.Operator(context.Background(), "cardholder", "add", "-card", number, "-email", email,
		"-locale", locale, "-method", method, "-message", "e2e "+number[len(number)-4:]); err != nil {
		t.Fatal(err)
	}
	return number, email
}

// luhnNumber is a random 16-digit card number starting with prefix whose
// check digit is right.
func luhnNumber(t *testing.T, prefix string) string {
	t.Helper()
	digits := []byte(prefix)
	for len(digits) < 15 {
		n, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			t.Fatal(err)
		}
		digits = append(digits, byte('0'+n.Int64()))
	}
	sum := 0
	for i := range 15 {
		d := int(digits[14-i] - '0')
		if i%2 == 0 { // doubled: every second digit from the right, the check digit being the first
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return string(digits) + fmt.Sprint((10-sum%10)%10)
}
