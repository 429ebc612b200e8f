package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// portalClient is a cardholder's (or an attacker's) browser on the portal
// as plain HTTP: a cookie jar, redirects not followed, and optionally a
// source address of its own on loopback (127.0.0.0/8), so a flood can come
// from many addresses as the did.
type portalClient struct {
	base string // the portal's URL, ending in /portal/
	hc   *http.Client
}

func newPortalClient(base, from string) *portalClient {
	jar, _ := cookiejar.New(nil)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if from != "" {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
		tr.DialContext = d.DialContext
	}
	return &portalClient{base: base, hc: &http.Client{
		Jar: jar, Transport: tr, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf loads a portal page and returns its form's CSRF token.
func (p *portalClient) csrf(t *testing.T, page string) string {
	t.Helper()
	resp, err := p.hc.Get(p.base + page)
	if err != nil {
		t.Fatalf("portal %s: %v", page, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := csrfRE.FindSubmatch(b)
	if m == nil {
		t.Fatalf("portal %s (%s) has no CSRF field", page, resp.Status)
	}
	return string(m[1])
}

// post posts a form and returns the status and where it redirects; it never
// fails the test (flood goroutines call it).
func (p *portalClient) post(ctx context.Context, page string, form url.Values) (status int, location string, err error) {
	req, err := http.NewRequestWithContext(ctx, "POST", p.base+page, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), nil
}

// portalSignIn signs c in to the portal with its portal password and the
// code mailed to it, as the cardholder does, from a loopback address of
// its own: sign-ins from 127.0.0.1 would share that address's attempts
// (20 per 10 minutes) across every test on the attack stack.
func (x *atk) portalSignIn(c ownCard) *portalClient {
	x.t.Helper()
	return x.portalSignInFrom(c, freshPortalAddr())
}

// portalSignInFrom is portalSignIn from the loopback address from ("": the
// default), so that the sign-in counts under an address of its own.
func (x *atk) portalSignInFrom(c ownCard, from string) *portalClient {
	x.t.Helper()
	p := newPortalClient(x.s.PortalURL, from)
	csrf := p.csrf(x.t, "signin")
	seen := len(x.mails(c.Email))
	st, loc, err := p.post(context.Background(), "signin", url.Values{"csrf": {csrf}, "card": {c.Number}, "password": {c.Portal}})
	if err != nil || st != http.StatusSeeOther || !strings.HasSuffix(loc, "/signin/code") {
		x.t.Fatalf("portal sign-in: %d %q %v", st, loc, err)
	}
	code := x.nextCode(c.Email, seen)
	st, loc, err = p.post(context.Background(), "signin/code", url.Values{"csrf": {csrf}, "code": {code}})
	if err != nil || st != http.StatusSeeOther || !strings.HasSuffix(loc, "/portal/") {
		x.t.Fatalf("portal sign-in code: %d %q %v", st, loc, err)
	}
	return p
}

// The portal's sign-in limits as the e2e tests state them, apart from
// issuer/portal's constants on purpose: a test that read MaxIPAttempts
// would follow it when it is loosened (issuer/RULES.md, "The portal's own
// rules").
const (
	// portalPasswordFailures wrong portal passwords in a row lock sign-in
	// for the card number for portalLock.
	portalPasswordFailures = 5
	portalLock             = 15 * time.Minute
	// portalAddressAttempts sign-in attempts (password or code) from one
	// IPv4 address within portalIPWindow; more are refused.
	portalAddressAttempts = 20
	portalIPWindow        = 10 * time.Minute
)

// What the portal says (its default language, Japanese, which a client
// that sends no Accept-Language gets), in the #error paragraph.
const (
	portalWrongText   = "カード番号またはパスワードが正しくありません"
	portalLockedText  = "パスワードを5回続けて間違えたため"
	portalTooManyText = "この接続元からの試行が多すぎます"
)

// portalAddrs numbers the loopback source addresses the portal attack
// tests connect from (127.87.0.0/16): the issuer counts sign-in attempts
// by the connection's peer address (it trusts no forwarding header), so
// each test's bots, and each control, have an address of their own that no
// other test (127.0.0.1, the argon flood's 127.0.0.x, the velocity test's
// 127.86.x.y) shares.
var portalAddrs atomic.Uint32

func freshPortalAddr() string {
	n := portalAddrs.Add(1)
	return fmt.Sprintf("127.87.%d.%d", n/250, n%250+1)
}

// portalBot is a script at the portal's sign-in form: one browser (a
// cookie jar) connecting from one loopback address. It loads the form
// first and sends each post with the CSRF token of the page it last got,
// as a browser resubmitting the page does.
type portalBot struct {
	t    *testing.T
	p    *portalClient
	from string
	csrf string
}

func (x *atk) portalBot() *portalBot {
	x.t.Helper()
	from := freshPortalAddr()
	p := newPortalClient(x.s.PortalURL, from)
	return &portalBot{t: x.t, p: p, from: from, csrf: p.csrf(x.t, "signin")}
}

// portalAnswer is one answer of the portal as a script sees it.
type portalAnswer struct {
	Status     int
	Location   string
	RetryAfter string
	// At is when the answer came: with Retry-After, when the refusal
	// ends (retryEnds).
	At time.Time
	// Error is the #error paragraph's text; Until the lock's end it names
	// ("15:04", JST), if any.
	Error, Until string
	// Page is the body with what differs by request and not by answer
	// replaced: the CSRF token (the browser's), the card number refilled
	// (the one typed), and the lock's end (the minute it was set in).
	Page string
}

func (a portalAnswer) String() string {
	s := fmt.Sprint(a.Status)
	if a.Location != "" {
		s += " to " + a.Location
	}
	if a.RetryAfter != "" {
		s += ", Retry-After " + a.RetryAfter
	}
	if a.Error != "" {
		s += ", " + strings.TrimSpace(a.Error)
	}
	return s
}

var (
	portalErrorRE = regexp.MustCompile(`id="error">([^<]*)<`)
	portalUntilRE = regexp.MustCompile(`\b\d{2}:\d{2}\b`)
)

// post posts form to page with the bot's token and returns the answer; a
// page with a form gives the token for the next post.
func (b *portalBot) post(page, card string, form url.Values) portalAnswer {
	b.t.Helper()
	form.Set("csrf", b.csrf)
	req, err := http.NewRequest("POST", b.p.base+page, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.p.hc.Do(req)
	if err != nil {
		b.t.Fatalf("portal %s from %s: %v", page, b.from, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("portal %s from %s: %v", page, b.from, err)
	}
	a := portalAnswer{Status: resp.StatusCode, Location: resp.Header.Get("Location"), RetryAfter: resp.Header.Get("Retry-After"), At: time.Now()}
	page2 := string(body)
	if m := csrfRE.FindStringSubmatch(page2); m != nil {
		b.csrf = m[1]
		page2 = strings.ReplaceAll(page2, m[1], "CSRF")
	}
	if m := portalErrorRE.FindStringSubmatch(page2); m != nil {
		a.Error = m[1]
		a.Until = portalUntilRE.FindString(m[1])
	}
	if card != "" {
		page2 = strings.ReplaceAll(page2, card, "CARD")
	}
	if a.Until != "" {
		page2 = strings.ReplaceAll(page2, a.Until, "UNTIL")
	}
	a.Page = page2
	return a
}

// signIn is the bot's sign-in form: card number and portal password.
func (b *portalBot) signIn(card, password string) portalAnswer {
	b.t.Helper()
	return b.post("signin", card, url.Values{"card": {card}, "password": {password}})
}

// lockEnds reports whether until ("15:04", JST) is the end of a lock of
// portalLock set between t0 and t1.
func lockEnds(until string, t0, t1 time.Time) bool {
	return until == t0.Add(portalLock).In(jst).Format("15:04") || until == t1.Add(portalLock).In(jst).Format("15:04")
}

// jst is Japan time, in which the portal shows times.
var jst = time.FixedZone("JST", 9*60*60)

// sameAnswer fails the test unless a and b are the same answer: status,
// the end Retry-After names (within 2 s: it counts whole seconds from
// each answer, and two cards' locks began a check apart) and page (apart
// from the token, the card number typed and the lock's end; the callers
// compare the ends themselves).
func sameAnswer(t *testing.T, what string, a, b portalAnswer) {
	t.Helper()
	ea, oka := a.retryEnds()
	eb, okb := b.retryEnds()
	if a.Status != b.Status || oka != okb || ea.Sub(eb).Abs() > 2*time.Second || a.Page != b.Page {
		t.Errorf("%s: the answers differ:\n%v\n%s\n--- and ---\n%v\n%s", what, a, a.Page, b, b.Page)
	}
}

// retryEnds is when the refusal a names ends: its Retry-After in seconds
// from when it came; false without one.
func (a portalAnswer) retryEnds() (time.Time, bool) {
	s, err := strconv.Atoi(a.RetryAfter)
	if err != nil {
		return time.Time{}, false
	}
	return a.At.Add(time.Duration(s) * time.Second), true
}

// TestAttackPortalPasswords: a bot guesses one enrolled card's portal
// password at the sign-in form, over the issuer's real HTTP, and the same
// for a card number never enrolled, step by step side by side:
//
//   - the first 4 wrong passwords answer 401 "card number or password is
//     wrong"; the 5th answers 429 "locked until" the minute 15 minutes on;
//   - from then on the right password is refused with the very answer a
//     wrong one gets (status and page, the lock's end the same minute), and
//     no sign-in code is mailed; from another address (another browser) too:
//     the lock is the card number's;
//   - the unknown card number gets the same answers at every step (the
//     page never tells whether a card is enrolled);
//   - another card signs in normally at the same moment, with its code.
//
// The lock holds 15 minutes and the portal's clock follows no flag (serve
// -clock-offset moves the EMV 3DS timers only), so the test shows the lock
// holding and the end the page names, not the lock lifting.
func TestAttackPortalPasswords(t *testing.T) {
	x := newAttack(t)
	card := x.enrol("email", enrolOpts{Portal: "attack-portal-" + randText(8)})
	other := x.enrol("email", enrolOpts{Portal: "attack-portal-" + randText(8)})
	unknown := freshNumber(t)
	bot := x.portalBot()
	seen := len(x.mails(card.Email))

	var locked, lockedUnknown portalAnswer
	for i := 1; i <= portalPasswordFailures; i++ {
		t0 := time.Now()
		a := bot.signIn(card.Number, fmt.Sprintf("wrong-password-%d", i))
		u := bot.signIn(unknown, fmt.Sprintf("wrong-password-%d", i))
		t1 := time.Now()
		t.Logf("wrong password %d: enrolled card %v; unknown card %v", i, a, u)
		if i < portalPasswordFailures {
			if a.Status != http.StatusUnauthorized || !strings.Contains(a.Error, portalWrongText) {
				t.Fatalf("wrong password %d: %v, want 401 %q", i, a, portalWrongText)
			}
		} else {
			if a.Status != http.StatusTooManyRequests || !strings.Contains(a.Error, portalLockedText) || !lockEnds(a.Until, t0, t1) {
				t.Fatalf("wrong password %d: %v, want 429 %q until %s", i, a, portalLockedText,
					t0.Add(portalLock).In(jst).Format("15:04"))
			}
			if !lockEnds(u.Until, t0, t1) {
				t.Errorf("unknown card, wrong password %d: locked until %q, want %s", i, u.Until, t0.Add(portalLock).In(jst).Format("15:04"))
			}
			// Retry-After says the same to a program, to the second.
			if end, ok := a.retryEnds(); !ok || end.Before(t0.Add(portalLock)) || end.After(t1.Add(portalLock+time.Second)) {
				t.Errorf("wrong password %d: Retry-After %q, want the seconds until the lock ends (%s)", i, a.RetryAfter,
					t0.Add(portalLock).In(jst).Format("15:04:05"))
			}
			locked, lockedUnknown = a, u
		}
		sameAnswer(t, fmt.Sprintf("wrong password %d, enrolled and unknown card", i), a, u)
	}

	// The right password now, and one more wrong one: the answer of the
	// lock, to the minute, for both cards.
	right := bot.signIn(card.Number, card.Portal)
	wrong := bot.signIn(card.Number, "wrong-password-6")
	rightUnknown := bot.signIn(unknown, card.Portal)
	t.Logf("locked: the right password %v; a wrong one %v; the unknown card %v", right, wrong, rightUnknown)
	sameAnswer(t, "locked, the right and a wrong password", right, wrong)
	sameAnswer(t, "locked, the right password and the 5th wrong one", right, locked)
	sameAnswer(t, "locked, the enrolled and the unknown card", right, rightUnknown)
	if right.Status != http.StatusTooManyRequests || right.Until != locked.Until || wrong.Until != locked.Until {
		t.Errorf("locked: the right password %v (until %s), a wrong one until %s; want the lock's 429 until %s",
			right, right.Until, wrong.Until, locked.Until)
	}
	if rightUnknown.Until != lockedUnknown.Until {
		t.Errorf("locked unknown card: until %s, then %s", lockedUnknown.Until, rightUnknown.Until)
	}

	// Another card signs in at the same moment, from an address of its own.
	x.portalSignInFrom(other, freshPortalAddr())
	// From another address and browser the card is still locked.
	elsewhere := x.portalBot().signIn(card.Number, card.Portal)
	t.Logf("the right password from another address: %v", elsewhere)
	if elsewhere.Status != http.StatusTooManyRequests || elsewhere.Until != locked.Until {
		t.Errorf("the right password from another address: %v, want the lock's 429 until %s", elsewhere, locked.Until)
	}
	sameAnswer(t, "locked, from the bot's address and another", right, elsewhere)
	// Each refusal was answered after the issuer's work and a code is mailed
	// before its answer (the other card's came), so any code would be here.
	if n := len(x.mails(card.Email)) - seen; n != 0 {
		t.Errorf("the locked card was mailed %d sign-in codes, want none", n)
	}
}

// TestAttackPortalAddress: a bot at the sign-in form from one address tries
// portal passwords across 5 enrolled cards, 4 wrong ones each (one below
// each card's lock): the first 20 attempts answer 401 "wrong"; past them,
// the address is refused with 429 "too many attempts from your
// connection", for a wrong password, for a card's right password (no code
// is mailed) and at the code step too. At that moment another address signs
// in to two of those cards, one of them the card whose refused attempt
// would have been its 5th wrong password: the refusals came before any
// check, and counted for neither card.
func TestAttackPortalAddress(t *testing.T) {
	x := newAttack(t)
	cards := make([]ownCard, 5)
	for i := range cards {
		cards[i] = x.enrol("email", enrolOpts{Portal: "attack-portal-" + randText(8)})
	}
	bot := x.portalBot()
	for i := range portalAddressAttempts {
		c := cards[i%len(cards)]
		if a := bot.signIn(c.Number, fmt.Sprintf("wrong-password-%d", i)); a.Status != http.StatusUnauthorized ||
			!strings.Contains(a.Error, portalWrongText) {
			t.Fatalf("attempt %d of %d from %s: %v, want 401 %q", i+1, portalAddressAttempts, bot.from, a, portalWrongText)
		}
	}

	seen := len(x.mails(cards[1].Email))
	refused := []struct {
		what string
		a    portalAnswer
	}{
		{"a wrong password (the card's 5th)", bot.signIn(cards[0].Number, "wrong-password-x")},
		{"a card's right password", bot.signIn(cards[1].Number, cards[1].Portal)},
		{"a code", bot.post("signin/code", "", url.Values{"code": {"123456"}})},
	}
	for _, r := range refused {
		t.Logf("past %d attempts, %s: %v", portalAddressAttempts, r.what, r.a)
		// Retry-After: the window, from now at the latest (the count is of
		// its last 10 minutes).
		if r.a.Status != http.StatusTooManyRequests || !strings.Contains(r.a.Error, portalTooManyText) ||
			r.a.RetryAfter != strconv.Itoa(int(portalIPWindow/time.Second)) {
			t.Errorf("past %d attempts from one address, %s: %v, want 429 %q with Retry-After %d",
				portalAddressAttempts, r.what, r.a, portalTooManyText, int(portalIPWindow/time.Second))
		}
	}

	// Another address at the same moment: both cards sign in, with their
	// codes.
	x.portalSignInFrom(cards[0], freshPortalAddr())
	x.portalSignInFrom(cards[1], freshPortalAddr())
	// One code to cards[1], the other address's: none for the refused
	// right password (a code is mailed before the answer).
	if n := len(x.mails(cards[1].Email)) - seen; n != 1 {
		t.Errorf("cards[1] was mailed %d codes, want 1 (the other address's sign-in)", n)
	}
}
