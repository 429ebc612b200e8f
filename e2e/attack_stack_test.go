package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/e2e/stack"
	"github.com/honnin/honnin/issuer/demo"
	"github.com/honnin/honnin/issuer/totp"
)

// The attack tests (issue 12) run against a stack of their own with the
// production defaults: the issuer's default risk configuration (no -risk-
// config), the send cap of 10 codes per address a day, and no header the
// edge believes from loopback. The suite's shared stack keeps its relaxed
// configuration for the other tests. The attack stack starts the first time
// an attack test asks for it, once per test binary, beside the shared one
// and on its ports moved by attackPortOffset.
const (
	attackPortOffset = 200
	// attackSendCap is issuer serve's production default for -send-cap.
	attackSendCap = 10
)

var (
	attackOnce  sync.Once
	attackSys   *stack.Stack
	attackErr   error
	attackLog   *os.File
	attackState string
)

// attackStack returns the running attack stack, starting it on first use;
// it skips (fails under CI) like needStack when the programs are not built.
func attackStack(t *testing.T) *stack.Stack {
	t.Helper()
	needStack(t)
	attackOnce.Do(func() { attackSys, attackErr = startAttackStack() })
	if attackErr != nil {
		t.Fatalf("e2e: start the attack stack: %v", attackErr)
	}
	return attackSys
}

func startAttackStack() (*stack.Stack, error) {
	// Inside the suite's state folder, which TestMain removes.
	attackState = filepath.Join(stateDir, "attack")
	var err error
	attackLog, err = os.Create(filepath.Join(artifacts(), "stack-attack-"+edgeRuntime()+".log"))
	if err != nil {
		return nil, err
	}
	p := testPorts.Shift(attackPortOffset)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return stack.Start(ctx, stack.Config{Bin: os.Getenv("HONNIN_BIN"), Dist: os.Getenv("HONNIN_DIST"),
		State: attackState, Ports: p, Log: attackLog, Edge: edgeRuntime(), EdgeDir: filepath.Join("..", "edge"),
		SendCap: attackSendCap})
}

// stopAttackStack stops the attack stack if a test started it (TestMain).
func stopAttackStack() {
	if attackSys != nil {
		attackSys.Stop()
	}
	if attackLog != nil {
		attackLog.Close()
	}
}

// atk is one attack test's view of the attack stack: what a script uses
// against it (plain HTTP, no browser) and what the operator sees.
type atk struct {
	t *testing.T
	s *stack.Stack
	// apiKey is the test's own merchant's: each attack fails codes by the
	// dozen, and a merchant's failures are a risk fact of their own
	// (velocity_merchant, card testing), so one test's attack must not
	// make the next test's purchases risky.
	apiKey string
}

// shop is x as the demo shop's merchant: for what a test bought on the
// attack stack's shop in a browser.
func (x *atk) shop() *atk { return &atk{t: x.t, s: x.s, apiKey: x.s.APIKey} }

var apiKeyRE = regexp.MustCompile(`(?m)^api-key (\S+)$`)

func newAttack(t *testing.T) *atk {
	t.Helper()
	x := &atk{t: t, s: attackStack(t)}
	out := x.operator(nil, "merchant", "add", "-name", "atk-"+strings.ToLower(rand.Text()[:10]),
		"-display-name", demo.MerchantName, "-origin", x.s.ShopURL)
	m := apiKeyRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("merchant add printed no api-key: %q", out)
	}
	x.apiKey = m[1]
	return x
}

// operator runs `issuer <args>` on the attack stack's database and keys
// with more environment, and fails the test on error.
func (x *atk) operator(env []string, args ...string) string {
	x.t.Helper()
	return operator(x.t, x.s, env, args...)
}

// enrol enrols a fresh card on the attack stack (see enrol).
func (x *atk) enrol(method string, o enrolOpts) ownCard {
	x.t.Helper()
	return enrol(x.t, x.s, method, o)
}

// credential is one row of `issuer cardholder show`: what the operator
// sees of a card's credential.
type credential struct {
	ID, Kind, Serial, State string
	Failures                int
}

// credentials reads a card's credentials as the operator sees them.
func (x *atk) credentials(number string) []credential {
	x.t.Helper()
	out := x.operator(nil, "cardholder", "show", "-card", number)
	var cs []credential
	for _, line := range strings.Split(out, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 6 || f[0] == "CREDENTIAL" {
			continue
		}
		n, err := strconv.Atoi(f[len(f)-2])
		if err != nil {
			x.t.Fatalf("cardholder show: failures %q in %q", f[len(f)-2], line)
		}
		// The state may read "locked (failures)": everything between the
		// serial and the two counts.
		cs = append(cs, credential{ID: f[0], Kind: f[1], Serial: f[2], State: strings.Join(f[3:len(f)-2], " "), Failures: n})
	}
	return cs
}

// credentialOf is the card's one credential of kind (and serial, for a
// token; "" for any).
func (x *atk) credentialOf(number, kind, serial string) credential {
	x.t.Helper()
	for _, c := range x.credentials(number) {
		if c.Kind == kind && (serial == "" || c.Serial == serial) {
			return c
		}
	}
	x.t.Fatalf("card %s has no %s credential %s", number, kind, serial)
	return credential{}
}

// mails reads the attack stack's mail sink, newest first.
func (x *atk) mails(to string) []mail {
	x.t.Helper()
	return mailsOn(x.t, x.s, to)
}

// waitMail waits for a mail to `to` beyond the `seen` there and returns the
// newest.
func (x *atk) waitMail(to string, seen int) mail {
	x.t.Helper()
	return waitMail(x.t, x.s, to, seen)
}

// nextCode is the one-time code in the next mail to `to`.
func (x *atk) nextCode(to string, seen int) string {
	x.t.Helper()
	m := x.waitMail(to, seen)
	c := codeRE.FindStringSubmatch(m.Text)
	if c == nil {
		x.t.Fatalf("no 6-digit code in mail %q: %s", m.Subject, m.Text)
	}
	return c[1]
}

// createAuth is the merchant's POST /v1/authentications for card, with the
// demo merchant's registered name, and returns the id and session token.
func (x *atk) createAuth(card string, amount int64) (id, session string) {
	x.t.Helper()
	id, session, err := x.tryCreateAuth(card, amount)
	if err != nil {
		x.t.Fatal(err)
	}
	return id, session
}

// tryCreateAuth is createAuth for goroutines: it returns what went wrong.
func (x *atk) tryCreateAuth(card string, amount int64) (id, session string, err error) {
	b, _ := json.Marshal(map[string]any{
		"card_number": card, "amount": amount, "currency": "JPY", "merchant_name": demo.MerchantName,
		"merchant_origin": x.s.ShopURL, "order_ref": "ATK-" + rand.Text()[:12],
	})
	req, _ := http.NewRequest("POST", x.s.IssuerURL+"/v1/authentications", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+x.apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("create authentication for %s: %w", card, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return "", "", fmt.Errorf("create authentication for %s: %s %s", card, resp.Status, body)
	}
	var out struct {
		ID           string `json:"id"`
		SessionToken string `json:"session_token"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return "", "", fmt.Errorf("create authentication for %s: %w", card, err)
	}
	return out.ID, out.SessionToken, nil
}

// merchantPost posts a create-authentication body with the merchant's key
// and returns the status and body as they are.
func (x *atk) merchantPost(in any) (int, []byte) {
	x.t.Helper()
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest("POST", x.s.IssuerURL+"/v1/authentications", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+x.apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// merchantAuth is the merchant's GET /v1/authentications/{id}.
type merchantAuth struct {
	Status      string   `json:"status"`
	Reason      string   `json:"reason"`
	Decision    string   `json:"decision"`
	RiskReasons []string `json:"risk_reasons"`
	ResultToken string   `json:"result_token"`
}

func (x *atk) merchantGet(id string) merchantAuth {
	x.t.Helper()
	req, _ := http.NewRequest("GET", x.s.IssuerURL+"/v1/authentications/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+x.apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		x.t.Fatalf("GET authentication %s: %s", id, resp.Status)
	}
	var v merchantAuth
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		x.t.Fatal(err)
	}
	return v
}

// screen is the edge's answer body: a challenge or result screen on 200,
// {"error", "message"} otherwise (both put a code in "error").
type screen struct {
	State          string `json:"state"`
	ChallengeToken string `json:"challenge_token"`
	Display        *struct {
		Merchant     string `json:"merchant"`
		Method       string `json:"method"`
		AttemptsLeft int    `json:"attempts_left"`
		Delivery     string `json:"delivery"`
	} `json:"display"`
	Error       string `json:"error"`
	ResultToken string `json:"result_token"`
	Status      string `json:"status"`
	Reason      string `json:"reason"`
}

// answer is one edge answer as a script sees it.
type answer struct {
	HTTP       int // 0: no answer (Err says why)
	RetryAfter string
	screen
	Raw  string
	Took time.Duration
}

// String is the answer in short: tokens are left out.
func (a answer) String() string {
	switch {
	case a.HTTP == 0:
		return "no answer: " + a.Error
	case a.result():
		return fmt.Sprintf("200 result %s %s", a.Status, a.Reason)
	case a.challenge():
		s := fmt.Sprintf("200 challenge, %d tries left", a.Display.AttemptsLeft)
		if a.Display.Delivery != "" {
			s += ", delivery " + a.Display.Delivery
		}
		if a.Error != "" {
			s += ", error " + a.Error
		}
		return s
	}
	return fmt.Sprintf("%d %s", a.HTTP, strings.TrimSpace(a.Raw))
}

// challenge reports a 200 challenge screen.
func (a answer) challenge() bool { return a.HTTP == http.StatusOK && a.State == "challenge" }

// result reports a 200 result screen.
func (a answer) result() bool { return a.HTTP == http.StatusOK && a.State == "result" }

// compared reports whether the edge compared the code and found it wrong:
// the contract's count of "compared guesses" is the answers with error
// wrong_code or code_used, and the results N max_attempts (the 5th).
func (a answer) compared() bool {
	return a.HTTP == http.StatusOK && (a.Error == "wrong_code" || a.Error == "code_used" ||
		a.State == "result" && a.Reason == "max_attempts")
}

var edgeClient = &http.Client{Timeout: 60 * time.Second}

// edge posts body to the edge's path, as the challenge client would, and
// never fails the test itself: goroutines call it.
func (x *atk) edge(path string, body any) answer {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", x.s.EdgeURL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	t0 := time.Now()
	resp, err := edgeClient.Do(req)
	if err != nil {
		return answer{screen: screen{Error: err.Error()}, Took: time.Since(t0)}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{HTTP: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After"), Raw: string(raw), Took: time.Since(t0)}
	if err := json.Unmarshal(raw, &a.screen); err != nil {
		a.Error = "unreadable answer: " + string(raw)
	}
	return a
}

func (x *atk) start(session string) answer {
	return x.edge("/v1/start", map[string]any{"session_token": session, "device": attackerDevice()})
}

func (x *atk) verify(challenge, code string) answer {
	return x.edge("/v1/verify", map[string]any{"challenge_token": challenge, "code": code})
}

// open creates an authentication for card and starts it; the start must
// answer the challenge screen.
func (x *atk) open(card string, amount int64) (id string, a answer) {
	x.t.Helper()
	id, session := x.createAuth(card, amount)
	a = x.start(session)
	if !a.challenge() {
		x.t.Fatalf("start of %s: %v, want the challenge screen; the issuer decided %v", id, a, decisionOn(x.t, attackState, id))
	}
	return id, a
}

// attackerDevice is the device signals a scripted attacker sends. With the
// default risk configuration a script's true signals are denied at once
// (webdriver +40 and a HeadlessChrome user agent +25, over the deny line
// of 80 with new_device's 15), so it sends what an ordinary desktop Chrome
// in Japan would: no webdriver, a plain user agent, Asia/Tokyo (in workerd
// request.cf says JP, and another zone adds 15), and a fresh device id on
// every start (one id reused would add velocity_device's 30 after 5). The
// score is then new_device 15, plus velocity_ip 25 (every test comes from
// 127.0.0.1) and velocity_card 30 (a card with 5 authentications in 10
// minutes): at most 70, a challenge, never frictionless (that needs -20).
// Only recent_failures (30, after the card's second N or R in 24 h) on top
// of the velocities reaches 80; the tests open their challenges before that.
func attackerDevice() map[string]any {
	return map[string]any{
		"ua":        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		"platform":  "Windows",
		"languages": []string{"ja-JP", "ja", "en-US"},
		"timezone":  "Asia/Tokyo", "tz_offset": -540,
		"screen_w": 1920, "screen_h": 1080, "color_depth": 24, "pixel_ratio": 1, "hw_concurrency": 8,
		"device_id": strings.ToLower(rand.Text()),
	}
}

// tokenClaims reads a token's claims without checking it, as an attacker
// (or a page) can: the edge's answers are what the test judges. It returns
// nil for something that is not a JWT.
func tokenClaims(token string) map[string]any {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil
	}
	var c map[string]any
	if json.Unmarshal(b, &c) != nil {
		return nil
	}
	return c
}

// wrongCode is a 6-digit code that is none of right.
func wrongCode(right ...string) string {
	for {
		n, _ := rand.Int(rand.Reader, big.NewInt(1e6))
		c := fmt.Sprintf("%06d", n)
		if !slices.Contains(right, c) {
			return c
		}
	}
}

// totpCodes is every code of the base32 seeds from 5 steps before at to 5
// after: what a guess must avoid to be surely wrong.
func totpCodes(t *testing.T, seeds []string, at time.Time) []string {
	t.Helper()
	var codes []string
	for _, s := range seeds {
		secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(strings.ToUpper(s), "="))
		if err != nil {
			t.Fatalf("seed %q: %v", s, err)
		}
		w, err := totp.Window(totp.Params{Secret: secret}, at, at, 5)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range w {
			codes = append(codes, c.Code)
		}
	}
	return codes
}

// parallel runs fn(i) for i in [0, n) on `workers` goroutines.
func parallel(n, workers int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
