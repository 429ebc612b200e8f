package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// The contract's "within a few seconds" for a purchase's password check
// under a sign-in flood: generous, so only starvation fails it.
const passwordCheckBound = 10 * time.Second

// floodWorkers is how many sign-ins the flood keeps in flight.
const floodWorkers = 12

// flood is portal sign-ins with wrong passwords from many loopback
// addresses, rotating through valid enrolled card numbers: each number
// gets 4 tries (the portal locks a card after 5, and then answers without
// hashing) and each address 19 (its limit is 20), so every try costs the
// issuer an argon2id hash unless the issuer refuses it for its budget.
// Each worker sends at most 4 a second, so that refusals the issuer
// answers at once do not turn the flood into a flood of something else.
type flood struct {
	// started counts the sign-ins sent, answered or not.
	started atomic.Int64
	mu      sync.Mutex
	status  map[string]int
	took    []time.Duration
	// fastNo counts the sign-ins refused (429, 503) within a second.
	fastNo int
}

func (x *atk) flood(ctx context.Context, cards []ownCard, workers int) (*flood, func()) {
	f := &flood{status: map[string]int{}}
	first := newPortalClient(x.s.PortalURL, "")
	csrf := first.csrf(x.t, "signin")
	u, _ := url.Parse(x.s.PortalURL)
	cookies := first.hc.Jar.Cookies(u)
	var (
		mu      sync.Mutex
		clients = map[string]*portalClient{}
		next    atomic.Int64
		wg      sync.WaitGroup
	)
	client := func(addr string) *portalClient {
		mu.Lock()
		defer mu.Unlock()
		p := clients[addr]
		if p == nil {
			p = newPortalClient(x.s.PortalURL, addr)
			p.hc.Jar.SetCookies(u, cookies)
			clients[addr] = p
		}
		return p
	}
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				k := next.Add(1) - 1
				card := cards[int(k/4)%len(cards)]
				addr := fmt.Sprintf("127.0.0.%d", 10+int(k/19)%240)
				t0 := time.Now()
				f.started.Add(1)
				st, _, err := client(addr).post(ctx, "signin", url.Values{"csrf": {csrf}, "card": {card.Number},
					"password": {fmt.Sprintf("wrong-password-%d", k)}})
				took := time.Since(t0)
				if ctx.Err() != nil {
					return
				}
				key := fmt.Sprint(st)
				if err != nil {
					key = "error"
				}
				f.mu.Lock()
				f.status[key]++
				f.took = append(f.took, took)
				if (st == http.StatusTooManyRequests || st == http.StatusServiceUnavailable) && took < time.Second {
					f.fastNo++
				}
				f.mu.Unlock()
				if took < 250*time.Millisecond {
					select {
					case <-ctx.Done():
					case <-time.After(250*time.Millisecond - took):
					}
				}
			}
		})
	}
	return f, wg.Wait
}

func (f *flood) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	took := slices.Sorted(slices.Values(f.took))
	if len(took) == 0 {
		return "no sign-ins answered"
	}
	return fmt.Sprintf("%d sign-ins answered (%v), %d refused within a second; latency median %s, max %s", len(took), f.status,
		f.fastNo, took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond))
}

// memberSignIn readies a cardholder's sign-in from 127.0.0.1 (the form and
// its CSRF cookie) and returns a func that times its first step with the
// right portal password, the argon2id check; it may run on any goroutine.
func (x *atk) memberSignIn(c ownCard) func() (status int, took time.Duration) {
	p := newPortalClient(x.s.PortalURL, "")
	csrf := p.csrf(x.t, "signin")
	return func() (int, time.Duration) {
		t0 := time.Now()
		st, _, err := p.post(context.Background(), "signin", url.Values{"csrf": {csrf}, "card": {c.Number}, "password": {c.Portal}})
		if err != nil {
			x.t.Errorf("member sign-in: %v", err)
		}
		return st, time.Since(t0)
	}
}

// Scenario 6: CPU exhaustion through argon2. Under a flood of portal
// sign-ins, a purchase's static password check is answered (Y) within a
// few seconds; had the issuer not finished it, it would not be counted
// (attempts_left unchanged, no failure at the issuer). The member's own
// sign-in latency is logged with and without the flood.
func TestAttackArgonFlood(t *testing.T) {
	x := newAttack(t)
	const password = "attack-static-password"
	buyer := x.enrol("password", enrolOpts{Password: password})
	member := x.enrol("email", enrolOpts{Portal: "attack-portal-" + strings.ToLower(randText(8))})
	cards := make([]ownCard, 40)
	for i := range cards {
		cards[i] = x.enrol("email", enrolOpts{})
	}
	_, c := x.open(buyer.Number, 1250)

	st, quiet := x.memberSignIn(member)()
	t.Logf("member sign-in without the flood: %d in %s", st, quiet.Round(time.Millisecond))

	signIn := x.memberSignIn(member) // readied before the flood
	ctx, stop := context.WithTimeout(context.Background(), 2*time.Minute)
	defer stop()
	f, wait := x.flood(ctx, cards, floodWorkers)
	// Every worker's first sign-in is out: the issuer is hashing them.
	waitFor(t, "the flood to be under way", 30*time.Second, func() bool { return f.started.Load() >= floodWorkers })

	var (
		purchase answer
		loudSt   int
		loud     time.Duration
		wg       sync.WaitGroup
	)
	wg.Go(func() { purchase = x.verify(c.ChallengeToken, password) })
	wg.Go(func() { loudSt, loud = signIn() })
	wg.Wait()
	stop()
	wait()
	t.Logf("flood: %s", f)
	t.Logf("member sign-in under the flood: %d in %s (without: %s)", loudSt, loud.Round(time.Millisecond), quiet.Round(time.Millisecond))
	t.Logf("purchase with the right static password under the flood: %v in %s", purchase, purchase.Took.Round(time.Millisecond))

	// Past its budget the portal refuses at once rather than queueing
	// hashes: with floodWorkers sign-ins in flight, some must be refused.
	f.mu.Lock()
	answered, fastNo := len(f.took), f.fastNo
	f.mu.Unlock()
	if fastNo*4 < answered {
		t.Errorf("the portal refused %d of %d flood sign-ins within a second, want at least a quarter (a budget for unauthenticated hashing)", fastNo, answered)
	}
	if purchase.result() && purchase.Status == "Y" {
		if purchase.Took > passwordCheckBound {
			t.Errorf("the right password took %s under the flood, want an answer within %s", purchase.Took.Round(time.Millisecond), passwordCheckBound)
		}
		return
	}
	t.Errorf("the right static password under the flood: %v, want Y within %s", purchase, passwordCheckBound)
	if !purchase.challenge() && !purchase.result() {
		x.uncounted(buyer, c.ChallengeToken)
	}
}

// uncounted checks that the password check just refused (the issuer did not
// finish it) was not counted: one wrong password now leaves 4 tries, and
// the issuer charges the credential that one failure only; then the right
// password gives Y.
func (x *atk) uncounted(card ownCard, challenge string) {
	t := x.t
	a := x.verify(challenge, "attack-wrong-password")
	t.Logf("a wrong password after the unfinished check: %v", a)
	if !a.challenge() || a.Display.AttemptsLeft != perAuthGuesses-1 {
		t.Errorf("a wrong password after the unfinished check: %v, want the challenge with %d tries left", a, perAuthGuesses-1)
	}
	var cred credential
	waitFor(t, "the wrong password to reach the issuer", 30*time.Second, func() bool {
		cred = x.credentialOf(card.Number, "password", "")
		return cred.Failures > 0
	})
	if cred.Failures != 1 {
		t.Errorf("issuer: the password credential has %d failures after one wrong password, want 1 (the unfinished check was counted)", cred.Failures)
	}
	if a := x.verify(challenge, card.Password); !a.result() || a.Status != "Y" {
		t.Errorf("the right password after: %v, want Y", a)
	}
}

// A password check the issuer never finished is never counted, shown
// without a flood's timing: the issuer is stopped while the cardholder
// types the right password (502), and started again.
func TestAttackPasswordIssuerDown(t *testing.T) {
	x := newAttack(t)
	card := x.enrol("password", enrolOpts{Password: "attack-static-password"})
	_, c := x.open(card.Number, 1250)
	resume := pauseIssuer(t, x.s)
	a := x.verify(c.ChallengeToken, card.Password)
	t.Logf("the right password with the issuer stopped: %v", a)
	if a.HTTP != http.StatusBadGateway && a.HTTP != http.StatusServiceUnavailable {
		t.Errorf("the right password with the issuer stopped: %v, want 502 or 503", a)
	}
	resume()
	x.uncounted(card, c.ChallengeToken)
}

// Scenario 9: rules written twice drift. A static password of 50 kanji (150
// bytes; at most 128 characters is the rule) is one a cardholder may have,
// and gives Y.
func TestAttackPasswordLength(t *testing.T) {
	x := newAttack(t)
	password := strings.Repeat("本人確認用合言葉漢字", 5)
	if n := utf8.RuneCountInString(password); n != 50 {
		t.Fatalf("the password has %d characters, want 50", n)
	}
	card := x.enrol("password", enrolOpts{Password: password})
	id, c := x.open(card.Number, 1250)
	a := x.verify(c.ChallengeToken, password)
	t.Logf("a 50-kanji static password (%d bytes): %v", len(password), a)
	if !a.result() || a.Status != "Y" {
		t.Fatalf("a 50-kanji static password: %v, want Y", a)
	}
	if v := x.finalStatus(id); v.Status != "Y" {
		t.Errorf("the issuer recorded %s, want Y", v.Status)
	}
}
