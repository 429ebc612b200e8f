package e2e

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/honnin/honnin/e2e/stack"
	"github.com/honnin/honnin/issuer/pan"
)

// ownCard is a card a test enrolled for itself. Tests do not share cards: a
// card has one open challenge at a time, counts its wrong codes across
// challenges (10 in a row lock it), has one phone, app and set of tokens
// an operator or the portal may change, and its history weighs in the
// risk decision. A test on a card of its own depends on no other test, nor
// on the order they run in. (The demo cards are read only, for what the
// README promises of them.)
type ownCard struct {
	Number, Email string
	// Locale is the language of its mails and texts, ja or en.
	Locale string
	// Phone is the mobile number, E.164 (method sms).
	Phone string
	// Password is the static password (method password).
	Password string
	// Portal is the portal password, when one was set.
	Portal string
	// Serials and Seeds are the tokens' serials and base32 seeds (method
	// token); for method app, Seeds[0] is the registered app's.
	Serials, Seeds []string
}

// enrolOpts says how to enrol a card; zero values take the defaults.
type enrolOpts struct {
	Email    string // default: a fresh address
	Locale   string // default: en
	Message  string // the personal message, provisional; default "Test card …" and the last 4 digits
	Password string // the static password (method password); default: a fresh one
	Portal   string // a portal password to set; "": none
	Tokens   int    // method token: how many tokens (default 1, at most 2)
}

// newCard enrols a fresh card on the suite's stack (see enrol).
func newCard(t *testing.T, method string, o enrolOpts) ownCard {
	t.Helper()
	return enrol(t, needStack(t), method, o)
}

// enrol enrols a fresh card on s with the operator's commands, as an
// issuer enrols its cardholders: cardholder add (with a fresh phone for
// method sms); for a token card token import (a CSV in a temporary folder)
// and token assign; for an app card app issue and the registration with
// bin/authapp, as the member site and the phone do; cardholder
// portal-password when o.Portal is set.
func enrol(t *testing.T, s *stack.Stack, method string, o enrolOpts) ownCard {
	t.Helper()
	c := ownCard{Number: freshNumber(t), Email: o.Email, Locale: o.Locale, Password: o.Password, Portal: o.Portal}
	if c.Email == "" {
		c.Email = freshEmail(method)
	}
	if c.Locale == "" {
		c.Locale = "en"
	}
	msg := o.Message
	if msg == "" {
		msg = "Test card " + last4(c.Number)
	}
	args := []string{"cardholder", "add", "-card", c.Number, "-email", c.Email, "-method", method,
		"-locale", c.Locale, "-message", msg}
	var env []string
	switch method {
	case "sms":
		c.Phone = freshPhone(t)
		args = append(args, "-phone", c.Phone)
	case "password":
		if c.Password == "" {
			c.Password = "test-password-" + randText(10)
		}
		env = append(env, "HONNIN_CARD_PASSWORD="+c.Password)
	}
	operator(t, s, env, args...)
	switch method {
	case "token":
		csv := "serial,seed,digits,period\n"
		for range max(o.Tokens, 1) {
			seed := make([]byte, 20)
			rand.Read(seed)
			b32 := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(seed)
			serial := "TST" + strings.ToUpper(rand.Text()[:9])
			c.Serials, c.Seeds = append(c.Serials, serial), append(c.Seeds, b32)
			csv += fmt.Sprintf("%s,base32:%s,6,60\n", serial, b32)
		}
		file := filepath.Join(t.TempDir(), "tokens.csv")
		if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
		operator(t, s, nil, "token", "import", "-file", file)
		for _, serial := range c.Serials {
			operator(t, s, nil, "token", "assign", "-serial", serial, "-card", c.Number)
		}
	case "app":
		c.Seeds = []string{registerApp(t, s, c)}
	}
	if o.Portal != "" {
		operator(t, s, []string{"HONNIN_PORTAL_PASSWORD=" + o.Portal}, "cardholder", "portal-password", "-card", c.Number)
	}
	return c
}

// operator runs `issuer <args>` on s's database and keys with more
// environment (HONNIN_CARD_PASSWORD, ...), and fails the test on error.
func operator(t testing.TB, s *stack.Stack, env []string, args ...string) string {
	t.Helper()
	out, err := s.OperatorEnv(context.Background(), env, args...)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

var (
	registrationIDRE = regexp.MustCompile(`registration-id (\d+)`)
	registrationPWRE = regexp.MustCompile(`(?:password|パスワード)[:：] ?([2-9A-Z]{10})\s`)
	secretRE         = regexp.MustCompile(`secret=([A-Z2-7]+)`)
)

// registerApp registers an authenticator app for c on s the real way (app
// issue mails the password; bin/authapp redeems it) and returns its seed.
func registerApp(t *testing.T, s *stack.Stack, c ownCard) string {
	t.Helper()
	id, pw := issueApp(t, s, c)
	seed, _ := redeemApp(t, s, id, pw)
	return seed
}

// issueApp is the member site's part of an app registration: `issuer app
// issue` for c, and the password from the mail it sends. It returns the
// registration id and password.
func issueApp(t *testing.T, s *stack.Stack, c ownCard) (id, password string) {
	t.Helper()
	seen := len(mailsOn(t, s, c.Email))
	out := operator(t, s, nil, "app", "issue", "-card", c.Number, "-smtp", s.SMTPAddr)
	m := registrationIDRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no registration id in %q", out)
	}
	mail := waitMail(t, s, c.Email, seen)
	pw := registrationPWRE.FindStringSubmatch(mail.Text)
	if pw == nil {
		t.Fatalf("no registration password in %q", mail.Text)
	}
	return m[1], pw[1]
}

// redeemApp is the phone's part: bin/authapp redeems the registration id
// and password. It returns the seed the app got and what authapp printed
// (the current code first).
func redeemApp(t *testing.T, s *stack.Stack, id, password string) (seed, printed string) {
	t.Helper()
	state := filepath.Join(t.TempDir(), "app.uri")
	out, err := exec.Command(s.Bin("authapp"), "register", "-issuer", s.IssuerURL, "-id", id, "-password", password,
		"-state", state).CombinedOutput()
	if err != nil {
		t.Fatalf("authapp register: %v: %s", err, out)
	}
	uri, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	secret := secretRE.FindStringSubmatch(string(uri))
	if secret == nil {
		t.Fatalf("state file %q holds no secret", uri)
	}
	return secret[1], string(out)
}

// freshNumber is a Luhn-valid card number in the demo issuer's JCB span
// (3541…), random enough never to meet a demo card (3540…) or another
// test's.
func freshNumber(t testing.TB) string {
	t.Helper()
	n, err := rand.Int(rand.Reader, big.NewInt(1e11))
	if err != nil {
		t.Fatal(err)
	}
	partial := fmt.Sprintf("3541%011d", n)
	d, err := pan.CheckDigit(partial)
	if err != nil {
		t.Fatal(err)
	}
	return partial + string(d)
}

// freshEmail is an address no other card or test uses, so the send cap
// and the inbox are the card's alone.
func freshEmail(label string) string {
	return fmt.Sprintf("%s-%s@mail.jp", label, randText(10))
}

// freshPhone is a Japanese mobile number (E.164) no other card uses, so
// the texts to it are the card's alone.
func freshPhone(t *testing.T) string {
	t.Helper()
	n, err := rand.Int(rand.Reader, big.NewInt(1e8))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("+8190%08d", n)
}

// randText is n random lower-case letters and digits.
func randText(n int) string { return strings.ToLower(rand.Text()[:n]) }

func last4(s string) string { return s[len(s)-4:] }
