package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer/passhash"
	"github.com/honnin/honnin/issuer/store/pgtest"
)

func TestAddressKey(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"192.0.2.1:443", "192.0.2.1"},
		{"192.0.2.1", "192.0.2.1"},
		{"[::ffff:192.0.2.1]:443", "192.0.2.1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2::1%eth0]:443", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"[::1]:80", "::/64"},
		{"not an address", "not an address"},
	}
	for _, tt := range tests {
		if got := addressKey(tt.addr); got != tt.want {
			t.Errorf("addressKey(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
	// One /64 is one key; its neighbours, and IPv4 neighbours, are not.
	same := [][2]string{
		{"[2001:db8:1:2::1]:1", "[2001:db8:1:2:ffff:ffff:ffff:ffff]:2"},
		{"[2001:db8:1:2::1]:1", "[2001:db8:1:2::2%eth1]:1"},
		{"192.0.2.1:1", "[::ffff:c000:201]:2"},
	}
	for _, p := range same {
		if addressKey(p[0]) != addressKey(p[1]) {
			t.Errorf("%s and %s have different keys", p[0], p[1])
		}
	}
	differ := [][2]string{
		{"[2001:db8:1:2::1]:1", "[2001:db8:1:3::1]:1"},
		{"[2001:db8:1:2::1]:1", "[2001:db8:2:2::1]:1"},
		{"192.0.2.1:1", "192.0.2.2:1"},
	}
	for _, p := range differ {
		if addressKey(p[0]) == addressKey(p[1]) {
			t.Errorf("%s and %s share a key", p[0], p[1])
		}
	}
}

// signinFrom posts a sign-in straight to the portal's handler as if from
// remoteAddr, with ctx, carrying a valid pre-sign-in CSRF cookie and token.
func (h *harness) signinFrom(ctx context.Context, remoteAddr, card, password string) page {
	h.t.Helper()
	b := h.browser()
	b.get("/portal/signin")
	tok := b.csrf()
	form := url.Values{"card": {card}, "password": {password}, "csrf": {tok}}
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/portal/signin", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = remoteAddr
	name, _ := h.portal.preCSRFCookie()
	r.AddCookie(&http.Cookie{Name: name, Value: tok})
	w := httptest.NewRecorder()
	h.portal.ServeHTTP(w, r)
	return page{status: w.Code, location: w.Header().Get("Location"), body: w.Body.String(), header: w.Header()}
}

// TestSignInFloodOneNet: every address of one IPv6 /64 shares the
// per-address limit; the next /64 and another IPv4 address do not.
func TestSignInFloodOneNet(t *testing.T) { pg.ForEachEngine(t, testSignInFloodOneNet) }

func testSignInFloodOneNet(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	// Malformed card numbers count too, and cost no argon2 work here.
	for i := 1; i <= MaxIPAttempts; i++ {
		if p := h.signinFrom(t.Context(), fmt.Sprintf("[2001:db8:1:2::%x]:4000", i), "3540123456789017", "x"); p.status != http.StatusBadRequest {
			t.Fatalf("attempt %d: %d", i, p.status)
		}
	}
	p := h.signinFrom(t.Context(), "[2001:db8:1:2:ffff:ffff:ffff:ffff]:4000", cardB, passB)
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "この接続元からの試行が多すぎます") ||
		p.header.Get("Retry-After") != strconv.Itoa(int(IPWindow/time.Second)) {
		t.Fatalf("attempt %d from the same /64: %d Retry-After %q, want 429 for the window\n%s",
			MaxIPAttempts+1, p.status, p.header.Get("Retry-After"), p.body)
	}
	if p := h.signinFrom(t.Context(), "[2001:db8:1:3::1]:4000", cardB, passB); p.status != http.StatusSeeOther {
		t.Errorf("from the next /64: %d", p.status)
	}
	// IPv4 stays per address.
	for i := 1; i <= MaxIPAttempts; i++ {
		h.signinFrom(t.Context(), "198.51.100.7:5000", "3540123456789017", "x")
	}
	if p := h.signinFrom(t.Context(), "198.51.100.7:5001", cardB, passB); p.status != http.StatusTooManyRequests {
		t.Errorf("IPv4 address over the limit: %d", p.status)
	}
	if p := h.signinFrom(t.Context(), "198.51.100.8:5000", cardB, passB); p.status != http.StatusSeeOther {
		t.Errorf("its IPv4 neighbour: %d", p.status)
	}
}

// fill takes every slot of b and fills lane l's queue with callers that
// wait until the returned function ends them (freeing the slots too).
func fill(t *testing.T, b *passhash.Budget, l passhash.Lane) func() {
	t.Helper()
	var held []*passhash.Slot
	for range b.Stats().Slots {
		s, err := b.Acquire(t.Context(), passhash.Purchase)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, s)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for range b.Stats().Queue[l] {
		wg.Go(func() {
			if s, err := b.Acquire(ctx, l); err == nil {
				s.Release()
			}
		})
	}
	waitQueued(t, b, l, b.Stats().Queue[l])
	return func() {
		cancel()
		wg.Wait()
		for _, s := range held {
			s.Release()
		}
	}
}

// waitQueued waits until n callers wait in lane l.
func waitQueued(t *testing.T, b *passhash.Budget, l passhash.Lane, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for b.Stats().Waiting[l] != n {
		if ctx.Err() != nil {
			t.Fatalf("%d callers never waited in lane %v: %+v", n, l, b.Stats())
		}
		runtime.Gosched()
	}
}

// TestSignInBusy: with the hashing budget full, sign-ins from any address
// are refused at once, 503 with Retry-After and a page that says so, the
// same for an enrolled and an unknown card; a client that hangs up while
// queued leaves the queue. No refused or abandoned check computes a hash
// or counts towards the card's lock, and a request refused while the lane
// is full does not count towards its address's limit either.
func TestSignInBusy(t *testing.T) { pg.ForEachEngine(t, testSignInBusy) }

func testSignInBusy(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	budget := passhash.NewBudget(1)
	h.useBudget(budget)
	release := fill(t, budget, passhash.SignIn)

	var known, unknown page
	for i := range 2 * MaxPasswordFailures {
		for _, card := range []string{cardA, cardUnknown} {
			p := h.signinFrom(t.Context(), fmt.Sprintf("203.0.113.%d:6000", 2*i+len(card)%2), card, "wrong-password")
			if p.status != http.StatusServiceUnavailable || p.header.Get("Retry-After") != "1" ||
				!strings.Contains(p.body, "ただいま混み合っています") || strings.Contains(p.body, "wrong-password") {
				t.Fatalf("sign-in %d with the budget full: %d Retry-After %q\n%s", i, p.status, p.header.Get("Retry-After"), p.body)
			}
			if card == cardA {
				known = p
			} else {
				unknown = p
			}
		}
	}
	// Refused before any work, they are not even attempts of their address.
	for range MaxIPAttempts + 1 {
		if p := h.signinFrom(t.Context(), "203.0.113.250:6000", cardB, "wrong-password"); p.status != http.StatusServiceUnavailable {
			t.Fatalf("sign-in with the budget full: %d", p.status)
		}
	}
	// Only the refilled card number (and each browser's token) differs.
	norm := func(body, card string) string {
		return csrfField.ReplaceAllString(strings.ReplaceAll(body, card, "CARD"), `name="csrf" value="TOKEN"`)
	}
	if kb, ub := norm(known.body, cardA), norm(unknown.body, cardUnknown); kb != ub {
		t.Errorf("refusals differ for an enrolled and an unknown card:\n%s\n---\n%s", known.body, unknown.body)
	}

	// A sign-in whose client hangs up while queued.
	release()
	hold, err := budget.Acquire(t.Context(), passhash.Purchase)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	gone := make(chan page)
	go func() { gone <- h.signinFrom(ctx, "203.0.113.200:6000", cardA, "wrong-password") }()
	waitQueued(t, budget, passhash.SignIn, 1)
	cancel()
	<-gone
	if st := budget.Stats(); st.Waiting[passhash.SignIn] != 0 || st.Hashes != 0 {
		t.Errorf("after the hang-up: %+v", st)
	}
	hold.Release()

	// None of the 2×5 refused wrong passwords nor the abandoned one
	// counted: the right one signs in, where a count would have locked.
	if p := h.signinFrom(t.Context(), "203.0.113.201:6000", cardA, passA); p.status != http.StatusSeeOther {
		t.Errorf("right password after the refusals: %d\n%s", p.status, p.body)
	}
	if p := h.signinFrom(t.Context(), "203.0.113.250:6001", cardB, passB); p.status != http.StatusSeeOther {
		t.Errorf("sign-in from the address refused %d times: %d", MaxIPAttempts+1, p.status)
	}
	if st := budget.Stats(); st.Hashes != 2 {
		t.Errorf("%d hashes, want 2 (the sign-ins served)", st.Hashes)
	}
}

// TestSignInFlood: a burst of sign-ins with valid card numbers from as
// many addresses, over a budget of one slot: each is answered wrong (401,
// checked) or busy (503, not checked), never an error; every answered one
// cost one hash, and the budget ends empty.
func TestSignInFlood(t *testing.T) { pg.ForEachEngine(t, testSignInFlood) }

func testSignInFlood(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	budget := passhash.NewBudget(1)
	h.useBudget(budget)
	const n = 12
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			p := h.signinFrom(t.Context(), fmt.Sprintf("[2001:db8:%x::1]:7000", i), luhnCard(i), "guess")
			statuses[i] = p.status
		})
	}
	wg.Wait()
	wrong := 0
	for i, s := range statuses {
		switch s {
		case http.StatusUnauthorized:
			wrong++
		case http.StatusServiceUnavailable:
		default:
			t.Errorf("sign-in %d: %d", i, s)
		}
	}
	if st := budget.Stats(); st.Hashes != int64(wrong) || st.Running != 0 || st.Waiting != [3]int{} {
		t.Errorf("%d answered wrong; budget after the flood %+v", wrong, st)
	}
}

// luhnCard is the i-th valid, unenrolled card number of a test range.
func luhnCard(i int) string {
	body := fmt.Sprintf("411111%09d", i)
	sum := 0
	for j := len(body) - 1; j >= 0; j-- {
		d := int(body[j] - '0')
		if (len(body)-j)%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return body + fmt.Sprint((10-sum%10)%10)
}

// TestPasswordChangeBusy: a password change refused by the budget is 503
// with Retry-After, changes nothing and does not count its wrong current
// password.
func TestPasswordChangeBusy(t *testing.T) { pg.ForEachEngine(t, testPasswordChangeBusy) }

func testPasswordChangeBusy(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	budget := passhash.NewBudget(1)
	h.useBudget(budget)
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	b.get("/portal/password")
	release := fill(t, budget, passhash.Account)
	for i := range MaxPasswordFailures {
		p := b.post("/portal/password", url.Values{"current": {"wrong-current"}, "new": {"a-new-password"}, "again": {"a-new-password"}})
		if p.status != http.StatusServiceUnavailable || p.header.Get("Retry-After") != "1" || !strings.Contains(p.body, "ただいま混み合っています") {
			t.Fatalf("change %d with the budget full: %d\n%s", i, p.status, p.body)
		}
	}
	release()
	// Counted, the five would have locked the card: the next wrong one
	// would be 429.
	p := b.post("/portal/password", url.Values{"current": {"wrong-current"}, "new": {"a-new-password"}, "again": {"a-new-password"}})
	if p.status != http.StatusUnauthorized {
		t.Fatalf("wrong current password after the refusals: %d\n%s", p.status, p.body)
	}
	hash, err := h.store.PortalPasswordHash(t.Context(), h.cards[cardA].ID)
	if err != nil || hash != testHashes()[passA] {
		t.Errorf("portal password changed: %v", err)
	}
}

// TestLinkCardBusy: linking another card checks its portal password like
// a sign-in, in the sign-in lane: refused, it is 503 with Retry-After on
// the cards page, and the other card's count is untouched.
func TestLinkCardBusy(t *testing.T) { pg.ForEachEngine(t, testLinkCardBusy) }

func testLinkCardBusy(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	b.get("/portal/cards")
	// The budget is new after the sign-in: one that timed the sign-in's
	// hash would refuse fill's callers too, on a machine (or under -race)
	// where a hash takes over half the sign-in lane's admitted wait.
	budget := passhash.NewBudget(1)
	h.useBudget(budget)
	release := fill(t, budget, passhash.SignIn)
	for i := range MaxPasswordFailures {
		p := b.post("/portal/cards/link", url.Values{"card": {cardB}, "password": {"wrong-password"}})
		if p.status != http.StatusServiceUnavailable || p.header.Get("Retry-After") != "1" || !strings.Contains(p.body, "ただいま混み合っています") {
			t.Fatalf("link %d with the budget full: %d\n%s", i, p.status, p.body)
		}
	}
	release()
	if p := b.post("/portal/cards/link", url.Values{"card": {cardB}, "password": {passB}}); p.status != http.StatusSeeOther {
		t.Errorf("link with the right password after the refusals: %d\n%s", p.status, p.body)
	}
}
