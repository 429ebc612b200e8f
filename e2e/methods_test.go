package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/honnin/honnin/e2e/stack"
	"github.com/honnin/honnin/e2e/testenv"
)

// cardFor is the demo card whose method is method.
func cardFor(t *testing.T, method string) stack.DemoCard {
	t.Helper()
	for _, c := range needStack(t).Cards {
		if c.Method == method && !strings.HasPrefix(c.Note, "deny:") {
			return c
		}
	}
	t.Fatalf("no %s demo card in %+v", method, sys.Cards)
	return stack.DemoCard{}
}

// noteValue is the part of a demo card's note after its kind.
func noteValue(t *testing.T, c stack.DemoCard, kind string) string {
	t.Helper()
	k, v, ok := strings.Cut(c.Note, ":")
	if !ok || k != kind {
		t.Fatalf("card %s has note %q, want %s:...", c.Number, c.Note, kind)
	}
	return v
}

// oathtool computes the TOTP code of a base32 seed at a time with Debian's
// oathtool: codes from outside honnin, so a shared bug in our code cannot
// make both sides agree.
func oathtool(t *testing.T, seed string, at time.Time) string {
	t.Helper()
	if _, err := exec.LookPath("oathtool"); err != nil {
		testenv.Need(t, "oathtool (apt-get install oathtool)", err)
	}
	out, err := exec.Command("oathtool", "--totp=SHA1", "-s", "60", "-d", "6", "-b", "-N", fmt.Sprintf("@%d", at.Unix()), seed).Output()
	if err != nil {
		t.Fatalf("oathtool: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// stepStart waits, if needed, so that at least margin is left in the
// current 60 s step: a code typed at the very end of its step is still
// accepted (±1 step), but the tests reason about which step is current.
func stepStart(margin time.Duration) time.Time {
	now := time.Now()
	left := time.Duration(60-now.Unix()%60) * time.Second
	if left < margin {
		time.Sleep(left + time.Second)
	}
	return time.Now()
}

// usedSteps is the newest TOTP step each seed paid with in this test
// binary: the edge accepts a step of a credential once (RFC 6238 §5.2), so
// two tests paying with one demo token in the same minute would see the
// second one's right code refused as used.
var (
	usedStepsMu sync.Mutex
	usedSteps   = map[string]int64{}
)

// freshStep is stepStart, in a step newer than any seed paid with before
// (waiting for the next one if need be); it records the step as used.
func freshStep(seed string, margin time.Duration) time.Time {
	usedStepsMu.Lock()
	defer usedStepsMu.Unlock()
	now := stepStart(margin)
	if step := now.Unix() / 60; step <= usedSteps[seed] {
		time.Sleep(time.Until(time.Unix((usedSteps[seed]+1)*60, 0)) + time.Second)
		now = stepStart(margin)
	}
	usedSteps[seed] = now.Unix() / 60
	return now
}

type sms struct {
	To   string `json:"to"`
	Body string `json:"body"`
}

// texts reads the dev SMS sink (beside the mails), newest first.
func texts(t *testing.T, to string) []sms {
	t.Helper()
	resp, err := http.Get(sys.InboxURL + "/api/sms?to=" + url.QueryEscape(to))
	if err != nil {
		t.Fatalf("sms inbox: %v", err)
	}
	defer resp.Body.Close()
	var ms []sms
	if err := json.NewDecoder(resp.Body).Decode(&ms); err != nil {
		t.Fatalf("sms inbox: %v", err)
	}
	return ms
}

func TestCheckoutWithSMSCode(t *testing.T) {
	card := cardFor(t, "sms")
	phone := noteValue(t, card, "phone")
	seen := len(texts(t, phone))
	c := startCheckout(t, card)
	if got := c.frameText("#dest"); !strings.Contains(got, "***-****-"+phone[len(phone)-4:]) {
		t.Errorf("destination line %q does not show the masked phone", got)
	}
	var msgs []sms
	waitFor(t, "the code SMS", 15*time.Second, func() bool {
		msgs = texts(t, phone)
		return len(msgs) > seen
	})
	body := msgs[0].Body
	lines := strings.Split(strings.TrimSpace(body), "\n")
	code := codeRE.FindString(body)
	// The WebOTP line binds the code to the shop (top level) and the edge
	// (the iframe), so the browser offers it to the challenge only.
	if want := "@localhost #" + code + " @localhost"; lines[len(lines)-1] != want {
		t.Errorf("last line %q, want the WebOTP line %q", lines[len(lines)-1], want)
	}
	c.enter(code)
	if orderStatus, status, _ := c.outcome(); orderStatus != "paid" || status != "Y" {
		t.Fatalf("order %q status %q, want paid Y", orderStatus, status)
	}
}

// TestAppCodeOnceOnly pays with the app's code, then replays the same code
// in a second purchase: refused (RFC 6238 §5.2), and the next step's code
// passes.
func TestAppCodeOnceOnly(t *testing.T) {
	card := cardFor(t, "app")
	seed := noteValue(t, card, "secret")
	first := startCheckout(t, card)
	if got := first.frameText("#dest"); !strings.Contains(got, "authenticator app") {
		t.Errorf("destination line %q does not point at the app", got)
	}
	now := stepStart(20 * time.Second)
	code := oathtool(t, seed, now)
	first.enter(code)
	if orderStatus, status, _ := first.outcome(); orderStatus != "paid" || status != "Y" {
		t.Fatalf("first purchase: order %q status %q, want paid Y", orderStatus, status)
	}

	second := startCheckout(t, card)
	if hidden, err := chromedp.Run(second.ctx, chromedp.JavascriptAttribute[bool](chromedp.CSS("#resend"), "hidden", second.in)); err != nil || !hidden {
		t.Errorf("Resend is offered for an app code (hidden %t, %v)", hidden, err)
	}
	second.enter(code)
	second.waitFrameText("#error", "already used")
	second.waitFrameText("#attempts", "4")
	second.enter(oathtool(t, seed, now.Add(60*time.Second)))
	if orderStatus, status, _ := second.outcome(); orderStatus != "paid" || status != "Y" {
		t.Fatalf("second purchase with the next code: order %q status %q, want paid Y", orderStatus, status)
	}
}

// tokens are the token card's serials and seeds.
func tokens(t *testing.T, card stack.DemoCard) (serials, seeds []string) {
	t.Helper()
	for _, s := range strings.Split(noteValue(t, card, "token"), ",") {
		serial, seed, _ := strings.Cut(s, ":")
		serials, seeds = append(serials, serial), append(seeds, seed)
	}
	if len(serials) != 2 {
		t.Fatalf("token card has %d tokens, want 2", len(serials))
	}
	return serials, seeds
}

// TestLockedTokenRefused locks one of the card's two tokens: the challenge
// names only the other, refuses the locked one's code, and passes the
// other's.
func TestLockedTokenRefused(t *testing.T) {
	card := cardFor(t, "token")
	serials, seeds := tokens(t, card)
	ctx := context.Background()
	if _, err := sys.Operator(ctx, "token", "lock", "-serial", serials[0]); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := sys.Operator(context.Background(), "token", "unlock", "-serial", serials[0]); err != nil {
			t.Error(err)
		}
	})
	payWithUnlockedToken(t, card, serials, seeds)
}

func last4(s string) string { return s[len(s)-4:] }

// payWithUnlockedToken checks out with card whose first token (serials[0],
// seeds[0]) is locked: the screen names only the second, the locked one's
// code is refused (4 tries left) and the second's pays.
func payWithUnlockedToken(t *testing.T, card stack.DemoCard, serials, seeds []string) {
	t.Helper()
	c := startCheckout(t, card)
	dest := c.frameText("#dest")
	if !strings.Contains(dest, last4(serials[1])) || strings.Contains(dest, last4(serials[0])) {
		t.Errorf("destination line %q, want only the unlocked token %s", dest, serials[1])
	}
	now := freshStep(seeds[1], 20*time.Second)
	locked, open := oathtool(t, seeds[0], now), oathtool(t, seeds[1], now)
	if locked == open {
		t.Skip("the two tokens show the same code this minute (1 in a million)")
	}
	c.enter(locked)
	c.waitFrameText("#attempts", "4")
	c.enter(open)
	if orderStatus, status, _ := c.outcome(); orderStatus != "paid" || status != "Y" {
		t.Fatalf("order %q status %q with the unlocked token, want paid Y", orderStatus, status)
	}
}

// TestTenFailuresLockTheCard: two purchases with 5 wrong passwords each
// lock the card's password (10 in a row across challenges); the cardholder
// is told by mail, the next purchase is denied without a screen, and after
// the operator unlocks it the right password pays.
func TestTenFailuresLockTheCard(t *testing.T) {
	card := cardFor(t, "password")
	password := noteValue(t, card, "password")
	for round := range 2 {
		c := startCheckout(t, card)
		if typ := attr(t, c, "#code", "type"); typ != "password" {
			t.Fatalf("the password challenge's field is type %q", typ)
		}
		for i := range 5 {
			c.enter(fmt.Sprintf("wrong-%d-%d", round, i))
			if i < 4 {
				c.waitFrameText("#attempts", fmt.Sprint(4-i))
			}
		}
		if orderStatus, status, reason := c.outcome(); orderStatus != "not paid" || status != "N" || reason != "max_attempts" {
			t.Fatalf("round %d: order %q status %q reason %q, want not paid N max_attempts", round, orderStatus, status, reason)
		}
	}
	waitFor(t, "the lock notice mail", 30*time.Second, func() bool {
		for _, m := range inbox(t, card.Email) {
			if strings.Contains(m.Subject, "ロック") || strings.Contains(m.Subject, "locked") {
				return true
			}
		}
		return false
	})
	out, err := sys.Operator(context.Background(), "cardholder", "show", "-card", card.Number)
	if err != nil || !strings.Contains(string(out), "locked (failures)") || !strings.Contains(string(out), "otp-locked true") {
		t.Fatalf("cardholder show: %v\n%s", err, out)
	}
	orderStatus, status, _, _ := payWithoutScreen(t, newBrowser(t), card)
	if orderStatus != "not paid" || status != "R" {
		t.Fatalf("locked card: order %q status %q, want not paid R", orderStatus, status)
	}
	if _, err := sys.Operator(context.Background(), "cardholder", "unlock", "-card", card.Number); err != nil {
		t.Fatal(err)
	}
	c := startCheckout(t, card)
	c.enter(password)
	if orderStatus, status, _ := c.outcome(); orderStatus != "paid" || status != "Y" {
		t.Fatalf("after unlock: order %q status %q, want paid Y", orderStatus, status)
	}
}

var secretRE = regexp.MustCompile(`secret=([A-Z2-7]+)`)

// TestAppRegistration registers a new app the way seed 000 describes: the
// operator (the member site, later) issues a registration ID, the password
// arrives by mail, the phone app (bin/authapp) redeems both; its code
// matches oathtool's for the secret it got, and pays. The demo's
// pre-registered app is released by it, so this runs after the other app
// tests.
func TestAppRegistration(t *testing.T) {
	card := cardFor(t, "app")
	seen := len(inbox(t, card.Email))
	out, err := sys.Operator(context.Background(), "app", "issue", "-card", card.Number, "-smtp", sys.SMTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`registration-id (\d+)`).FindStringSubmatch(string(out))
	if id == nil {
		t.Fatalf("no registration id in %q", out)
	}
	var ms []mail
	waitFor(t, "the registration password mail", 15*time.Second, func() bool {
		ms = inbox(t, card.Email)
		return len(ms) > seen
	})
	pw := regexp.MustCompile(`(?:password|パスワード)[:：] ?([2-9A-Z]{10})\s`).FindStringSubmatch(ms[0].Text)
	if pw == nil {
		t.Fatalf("no password in %q", ms[0].Text)
	}
	state := filepath.Join(t.TempDir(), "app.uri")
	stepStart(15 * time.Second)
	got, err := exec.Command(sys.Bin("authapp"), "register", "-issuer", sys.IssuerURL, "-id", id[1], "-password", pw[1],
		"-state", state).CombinedOutput()
	if err != nil {
		t.Fatalf("authapp register: %v: %s", err, got)
	}
	uri, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	secret := secretRE.FindStringSubmatch(string(uri))
	if secret == nil {
		t.Fatalf("state file %q holds no secret", uri)
	}
	code := oathtool(t, secret[1], time.Now())
	if appCode := strings.Fields(string(got))[0]; appCode != code {
		t.Errorf("authapp shows %s, oathtool %s for the same secret", appCode, code)
	}
	// The same registration cannot be used twice.
	if again, err := exec.Command(sys.Bin("authapp"), "register", "-issuer", sys.IssuerURL, "-id", id[1], "-password", pw[1],
		"-state", state+"2").CombinedOutput(); err == nil {
		t.Errorf("a used registration worked again: %s", again)
	}
	c := startCheckout(t, card)
	c.enter(oathtool(t, secret[1], time.Now()))
	if orderStatus, status, _ := c.outcome(); orderStatus != "paid" || status != "Y" {
		t.Fatalf("order %q status %q with the newly registered app, want paid Y", orderStatus, status)
	}
}
