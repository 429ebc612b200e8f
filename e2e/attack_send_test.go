package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
)

// Starts per authentication: a burst of this many, then one more a minute
// (edge/limits once the fix lands).
const startBurst = 5

// sealedCodes opens a challenge token's sealed payload with the attack
// stack's edge key and returns the codes in it. No attacker has that key:
// the test uses it to show whether the issuer committed a usable code to a
// challenge whose code it never sent.
func sealedCodes(t *testing.T, token string) []string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c challenge.ChallengeClaims
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	keys, err := challenge.LoadEdgeKeys(filepath.Join(attackState, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := keys.Seal.Open(c.Seal, c.ID)
	if err != nil {
		t.Fatalf("open the seal: %v", err)
	}
	var codes []string
	for _, c := range p.Codes {
		codes = append(codes, c.Code)
	}
	return codes
}

// Scenario 4: a code never sent is live. Ten cards of one household share
// an address, so their ten codes reach the send cap (10 per address a day)
// without one card's velocity or failures weighing in the risk decision;
// the eleventh card's challenge is then shown with delivery "limited".
// No code may verify on it: 409 code_not_sent for any code, and neither
// the codes mailed earlier nor the code the issuer would have sent give Y.
func TestAttackUnsentCode(t *testing.T) {
	x := newAttack(t)
	email := freshEmail("household")
	cards := make([]ownCard, attackSendCap+1)
	for i := range cards {
		cards[i] = x.enrol("email", enrolOpts{Email: email})
	}
	for i, c := range cards[:attackSendCap] {
		if _, a := x.open(c.Number, int64(1000+i)); a.Display.Delivery != "sent" {
			t.Fatalf("start %d of %d: delivery %q, want sent", i+1, attackSendCap, a.Display.Delivery)
		}
	}
	var mailed []string
	waitFor(t, "the ten code mails", 30*time.Second, func() bool { return len(x.mails(email)) >= attackSendCap })
	for _, m := range x.mails(email) {
		mailed = append(mailed, codeRE.FindString(m.Text))
	}

	id, a := x.open(cards[attackSendCap].Number, 2000)
	t.Logf("start over the send cap: delivery %q", a.Display.Delivery)
	if a.Display.Delivery != "limited" {
		t.Errorf("start over the send cap: delivery %q, want limited", a.Display.Delivery)
	}
	if n := len(x.mails(email)); n != attackSendCap {
		t.Errorf("%d code mails to the address, want the cap %d", n, attackSendCap)
	}
	v := x.verify(a.ChallengeToken, mailed[0])
	t.Logf("verify a mailed code on the unsent challenge: %v", v)
	if v.HTTP != http.StatusConflict || v.Error != "code_not_sent" {
		t.Errorf("verify on a challenge whose code was not sent: %v, want 409 code_not_sent", v)
	}
	unsent := sealedCodes(t, a.ChallengeToken)
	t.Logf("codes sealed into the unsent challenge: %d", len(unsent))
	for _, code := range unsent {
		noY(t, "the code the issuer did not send", x.verify(a.ChallengeToken, code))
	}
	for _, code := range mailed[1:] {
		if v := x.verify(a.ChallengeToken, code); v.result() && v.Status == "Y" {
			t.Errorf("an earlier mail's code gave Y on the unsent challenge: %v", v)
		}
	}
	if s := x.merchantGet(id).Status; s == "Y" {
		t.Errorf("the issuer has Y for the unsent challenge")
	}
}

// Scenario 5: unlimited restarts. One session token of an app card started
// 300 times at once: at most a burst of 5 starts answer, the rest are 429
// start_limit with Retry-After, and every answered start shows the same
// generation (a reload issues nothing new).
func TestAttackRestarts(t *testing.T) {
	x := newAttack(t)
	card := x.enrol("app", enrolOpts{})
	id, session := x.createAuth(card.Number, 1250)
	const n = 300
	var (
		answers tally
		mu      sync.Mutex
		gens    = map[float64]int{}
		ok      int
		bad     []string
	)
	t0 := time.Now()
	parallel(n, 16, func(int) {
		a := x.start(session)
		answers.add(a)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case a.challenge():
			ok++
			gen, _ := tokenClaims(a.ChallengeToken)["gen"].(float64)
			gens[gen]++
		case a.HTTP == http.StatusTooManyRequests && a.Error == "start_limit" && a.RetryAfter != "":
		default:
			bad = append(bad, a.String())
		}
	})
	t.Logf("%d starts of one session token in %s: %d answered with a challenge in %d generations; %s",
		n, time.Since(t0).Round(time.Millisecond), ok, len(gens), &answers)
	if ok > startBurst {
		t.Errorf("%d starts answered, want at most %d", ok, startBurst)
	}
	if len(gens) > 1 {
		t.Errorf("the starts issued %d generations, want 1 (a reload issues nothing new)", len(gens))
	}
	if len(bad) > 0 {
		t.Errorf("%d starts neither answered nor 429 start_limit with Retry-After, e.g. %s", len(bad), bad[0])
	}
	if s := x.merchantGet(id).Status; s != "C" {
		t.Errorf("the authentication is %s after the restarts, want still C", s)
	}
}
