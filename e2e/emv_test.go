package e2e

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/honnin/honnin/e2e/dssim"
	"github.com/honnin/honnin/edge/emv3ds"
)

// The EMV 3-D Secure tests: a purchase reaches honnin as a card network
// routes it, through the DS simulator (bin/dssim, the scheme's Directory
// Server over mutual TLS) and its 3DS Requestor page in Chromium, which
// posts the CReq into a challenge iframe and takes the final CRes at its
// notification URL; the simulator takes the issuer's RReq. go test -run
// EMV ./e2e/ runs them alone.

// ds is the simulator as the tests see it, through its JSON API.
func ds(t *testing.T) *dssim.Remote {
	t.Helper()
	return &dssim.Remote{URL: needStack(t).RequestorURL}
}

// dsClient is the DS's AReq sender with the stack's PKI: the test plays
// the DS for the AReqs no browser makes (3RI, faulty ones).
func dsClient(t *testing.T) *dssim.Client {
	t.Helper()
	s := needStack(t)
	p, err := dssim.LoadPKI(s.PKIDir)
	if err != nil {
		t.Fatal(err)
	}
	return dssim.NewClient(p, s.ACSURL, s.DSURL)
}

// emvOpts say how the requestor page runs a purchase.
type emvOpts struct {
	Version    string // default 2.2.0
	WindowSize string // default 03
	Padded     bool   // the creq with its base64 padding
	NoMethod   bool   // skip the 3DS Method (threeDSCompInd U)
	Amount     int    // yen, default 1250
	NonPayment bool   // a non-payment authentication without an amount (the card added to a wallet)
}

// emvCheckout is one purchase through the requestor page, up to the
// challenge screen in its iframe.
type emvCheckout struct {
	t    *testing.T
	ctx  context.Context
	card ownCard
	// sti is the requestor's threeDSServerTransID.
	sti string
	in  chromedp.QueryOption // runs a query inside the challenge iframe
	// frameURL is the challenge page's address in the iframe (with the
	// session token the CReq opened).
	frameURL string
	seen     int // code mails to the card before the purchase
	o        emvOpts
}

// startEMV opens the requestor page in a fresh browser, pays with card and
// waits for the challenge screen in the iframe.
func startEMV(t *testing.T, card ownCard, o emvOpts) *emvCheckout {
	t.Helper()
	c := beginEMV(t, newBrowser(t), card, o)
	c.waitChallenge()
	return c
}

// beginEMV submits the requestor's checkout in ctx and waits until the
// transaction has its id; it does not wait for the challenge.
func beginEMV(t *testing.T, ctx context.Context, card ownCard, o emvOpts) *emvCheckout {
	t.Helper()
	if o.Version == "" {
		o.Version = emv3ds.V220
	}
	if o.WindowSize == "" {
		o.WindowSize = "03"
	}
	if o.Amount == 0 {
		o.Amount = 1250
	}
	c := &emvCheckout{t: t, ctx: ctx, card: card, o: o, seen: len(inbox(t, card.Email))}
	q := url.Values{"card": {card.Number}, "v": {o.Version}, "ws": {o.WindowSize}, "amount": {fmt.Sprint(o.Amount)}}
	if o.Padded {
		q.Set("pad", "1")
	}
	if o.NoMethod {
		q.Set("method", "0")
	}
	if o.NonPayment {
		q.Set("npa", "1")
	}
	do(t, ctx,
		chromedp.Navigate(sys.RequestorURL+"/?"+q.Encode()),
		chromedp.WaitVisible(chromedp.CSS("#pay")),
		chromedp.Click(chromedp.CSS("#pay")),
	)
	waitFor(t, "the requestor's transaction id", 15*time.Second, func() bool {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#sti")))
		c.sti = strings.TrimSpace(s)
		return err == nil && c.sti != ""
	})
	return c
}

// waitChallenge waits for the edge's challenge screen inside the iframe
// (after the 3DS Method's up to 10 s and the AReq) and its code field.
func (c *emvCheckout) waitChallenge() {
	c.t.Helper()
	var frame *chromedp.Node
	waitFor(c.t, "the challenge page in the requestor's iframe", 40*time.Second, func() bool {
		nodes, err := chromedp.Run(c.ctx, chromedp.Nodes(chromedp.CSS("#challenge")))
		if err != nil || len(nodes) == 0 || nodes[0].ContentDocument == nil ||
			!strings.Contains(nodes[0].ContentDocument.DocumentURL, "/challenge") {
			if tx := c.tx(); tx.AReqErro != nil || tx.AReqFailure != "" || (tx.ARes != nil && tx.ARes.TransStatus != emv3ds.StatusC) {
				c.t.Fatalf("no challenge: ARes %+v, Erro %+v, failure %q", tx.ARes, tx.AReqErro, tx.AReqFailure)
			}
			return false
		}
		frame = nodes[0]
		c.frameURL = frame.ContentDocument.DocumentURL
		return true
	})
	c.in = chromedp.FromNode(frame)
	do(c.t, c.ctx, chromedp.WaitVisible(chromedp.CSS("#form #code"), c.in)) // the client's field, not the page's
}

func (c *emvCheckout) enter(code string) {
	c.t.Helper()
	do(c.t, c.ctx,
		chromedp.Clear(chromedp.CSS("#code"), c.in),
		chromedp.SendKeys(chromedp.CSS("#code"), code, c.in),
		chromedp.Click(chromedp.CSS("#send"), c.in),
	)
}

func (c *emvCheckout) waitFrameText(sel, want string) {
	c.t.Helper()
	waitFor(c.t, fmt.Sprintf("%s to show %q", sel, want), 15*time.Second, func() bool {
		s, err := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS(sel), c.in))
		return err == nil && strings.Contains(s, want)
	})
}

// mailCode is the next code mailed to the card.
func (c *emvCheckout) mailCode() string {
	c.t.Helper()
	code, _ := nextCode(c.t, c.card.Email, c.seen)
	c.seen++
	return code
}

// tx is the requestor's record of the purchase.
func (c *emvCheckout) tx() dssim.Transaction {
	c.t.Helper()
	tx, err := ds(c.t).Transaction(context.Background(), c.sti)
	if err != nil {
		c.t.Fatal(err)
	}
	return tx
}

// result waits for the post to the notification URL and returns the
// transaction with it; a second post fails the test.
func (c *emvCheckout) result() dssim.Transaction {
	c.t.Helper()
	var tx dssim.Transaction
	waitFor(c.t, "the final CRes at the notification URL", 30*time.Second, func() bool {
		tx = c.tx()
		return len(tx.Results) > 0
	})
	if len(tx.Results) != 1 {
		c.t.Fatalf("the notification URL got %d posts, want 1: %+v", len(tx.Results), tx.Results)
	}
	return tx
}

// cres checks the single notification is a CRes for this transaction,
// with threeDSSessionData echoed, and returns it.
func (c *emvCheckout) cres() (dssim.Transaction, emv3ds.CRes) {
	c.t.Helper()
	tx := c.result()
	n := tx.Results[0]
	if n.CRes == nil {
		c.t.Fatalf("the notification URL got %s %q (Erro %+v, %s), want a CRes", n.Field, n.Value, n.Erro, n.DecodeError)
	}
	if n.Padded {
		c.t.Errorf("the CRes came padded (%q): the ACS emits unpadded base64url", n.Value)
	}
	cr := *n.CRes
	if cr.MessageVersion != c.o.Version || cr.ThreeDSServerTransID != c.sti || cr.ACSTransID != tx.ARes.ACSTransID || cr.ChallengeCompletionInd != "Y" {
		c.t.Errorf("CRes %+v does not match the transaction (version %s, sti %s, ARes %s)", cr, c.o.Version, c.sti, tx.ARes.ACSTransID)
	}
	if !n.HasSessionData || n.SessionData != tx.SessionData {
		c.t.Errorf("threeDSSessionData back %q (present %t), want %q as posted", n.SessionData, n.HasSessionData, tx.SessionData)
	}
	if want := "tx=" + c.sti; n.Query != want {
		c.t.Errorf("the CRes reached the notification URL with query %q, want %q (the URL exactly as given)", n.Query, want)
	}
	return tx, cr
}

// waitRReq waits for the RReq the DS took for acsTransID and returns it;
// the DS taking two fails the test.
func waitRReq(t *testing.T, acsTransID string, d time.Duration) emv3ds.RReq {
	t.Helper()
	var taken []dssim.Received
	waitFor(t, "the RReq at the DS for "+acsTransID, d, func() bool {
		all, err := ds(t).RReqs(context.Background(), acsTransID)
		if err != nil {
			t.Fatal(err)
		}
		taken = dssim.Taken(all)
		return len(taken) > 0
	})
	if len(taken) != 1 {
		t.Fatalf("the DS took %d RReqs for %s, want 1: %+v", len(taken), acsTransID, taken)
	}
	if taken[0].Peer != "honnin ACS (dev)" {
		t.Errorf("the RReq came with client certificate %q, want the ACS's", taken[0].Peer)
	}
	return taken[0].RReq
}

// authMethods is 2.3.1's authenticationMethod per honnin method (design:
// password 01, sms 02, token 03, app 04, email 05); authTypes 2.1.0 and
// 2.2.0's authenticationType (password 01, the others 02).
var (
	authMethods = map[string]string{"password": "01", "sms": "02", "token": "03", "app": "04", "email": "05"}
	authTypes   = map[string]string{"password": "01", "sms": "02", "token": "02", "app": "02", "email": "02"}
)

// checkYRReq checks an RReq of an authenticated challenge: Y, ECI 05, a
// 28-character authentication value, the interaction count, the method.
func checkYRReq(t *testing.T, r emv3ds.RReq, tx dssim.Transaction, method, counter string) {
	t.Helper()
	if r.MessageType != "RReq" || r.MessageVersion != tx.Version || r.ThreeDSServerTransID != tx.ThreeDSServerTransID ||
		r.DSTransID != tx.ARes.DSTransID || r.MessageCategory != emv3ds.CategoryPayment {
		t.Errorf("RReq ids %+v do not match the transaction (version %s, sti %s, dsTransID %s)", r, tx.Version, tx.ThreeDSServerTransID, tx.ARes.DSTransID)
	}
	if r.TransStatus != "Y" || r.ECI != "05" || len(r.AuthenticationValue) != 28 || r.InteractionCounter != counter {
		t.Errorf("RReq %+v, want Y, ECI 05, a 28-character AV, interactionCounter %s", r, counter)
	}
	if r.TransStatusReason != "" || r.ChallengeCancel != "" {
		t.Errorf("RReq of a Y has reason %q, challengeCancel %q", r.TransStatusReason, r.ChallengeCancel)
	}
	checkAuthMethod(t, "RReq", tx.Version, method, r.AuthenticationType, r.AuthenticationMethod)
}

func checkAuthMethod(t *testing.T, what, version, method, typ string, methods []string) {
	t.Helper()
	if version == emv3ds.V231 {
		if want := authMethods[method]; !slices.Equal(methods, []string{want}) || typ != "" {
			t.Errorf("%s authenticationMethod %q type %q for %s, want [%s] and no type", what, methods, typ, method, want)
		}
		return
	}
	if want := authTypes[method]; typ != want || len(methods) != 0 {
		t.Errorf("%s authenticationType %q methods %q for %s, want %s", what, typ, methods, method, want)
	}
}

// checkChallengeARes checks the ARes of a challenge (note §4).
func checkChallengeARes(t *testing.T, tx dssim.Transaction, method string) {
	t.Helper()
	a := tx.ARes
	if a.MessageVersion != tx.Version || a.ThreeDSServerTransID != tx.ThreeDSServerTransID || a.DSTransID != tx.AReq["dsTransID"] ||
		a.DSReferenceNumber != dssim.DSReferenceNumber || a.ACSTransID == "" || a.ACSReferenceNumber == "" {
		t.Errorf("ARes ids %+v do not match the AReq", a)
	}
	if a.TransStatus != "C" || a.ACSChallengeMandated == "" || !strings.HasSuffix(a.ACSURL, "/3ds/v2/creq") ||
		a.AuthenticationValue != "" || a.ECI != "" {
		t.Errorf("ARes %+v, want C with acsChallengeMandated, an acsURL at the edge, no AV or ECI", a)
	}
	checkAuthMethod(t, "ARes", tx.Version, method, a.AuthenticationType, a.AuthenticationMethod)
}

// TestEMVEachVersion: for each protocol version, a browser purchase through
// the requestor page is challenged, the code from the mail passes, the
// final CRes Y reaches the notification URL with threeDSSessionData
// echoed, and the DS gets the RReq (Y, ECI 05, AV, one interaction); 2.1.0
// posts its creq padded. A 3RI AReq of the same version is never a
// challenge.
func TestEMVEachVersion(t *testing.T) {
	for _, v := range emv3ds.Versions {
		t.Run(v, func(t *testing.T) {
			card := newCard(t, "email", enrolOpts{})
			c := startEMV(t, card, emvOpts{Version: v, WindowSize: "02", Padded: v == emv3ds.V210})
			if tx := c.tx(); tx.Padded != (v == emv3ds.V210) || strings.HasSuffix(tx.CReq, "=") != tx.Padded {
				t.Errorf("creq %q posted padded %t", tx.CReq, tx.Padded)
			}
			c.enter(c.mailCode())
			tx, cr := c.cres()
			if cr.TransStatus != "Y" {
				t.Fatalf("CRes transStatus %q, want Y", cr.TransStatus)
			}
			checkChallengeARes(t, tx, "email")
			checkYRReq(t, waitRReq(t, tx.ARes.ACSTransID, 30*time.Second), tx, "email", "01")

			// 3RI: the merchant alone, no cardholder, so no challenge.
			ri := newCard(t, "email", enrolOpts{})
			sent, reply, err := dsClient(t).SendAReq(context.Background(), dssim.ThreeRIAReq(dssim.Purchase{Version: v, Card: ri.Number, Amount: "1250"}))
			if err != nil {
				t.Fatal(err)
			}
			a := reply.ARes
			if a == nil {
				t.Fatalf("3RI %s: %d %s, want an ARes", v, reply.Status, reply.Raw)
			}
			if a.TransStatus == "C" || a.TransStatus == "" || a.ACSURL != "" {
				t.Errorf("3RI %s: ARes %s, want a final status and no acsURL", v, reply.Raw)
			}
			if a.MessageVersion != v || a.ThreeDSServerTransID != sent["threeDSServerTransID"] || a.DSTransID != sent["dsTransID"] {
				t.Errorf("3RI %s: ARes ids %+v do not match the AReq", v, a)
			}
		})
	}
}

// emvCode is how a test gets the right code for a card of each method.
func emvCode(t *testing.T, c *emvCheckout, method string, seenTexts int) string {
	t.Helper()
	switch method {
	case "email":
		return c.mailCode()
	case "sms":
		var msgs []sms
		waitFor(t, "the code SMS", 15*time.Second, func() bool {
			msgs = texts(t, c.card.Phone)
			return len(msgs) > seenTexts
		})
		return codeRE.FindString(msgs[0].Body)
	case "app", "token":
		return oathtool(t, c.card.Seeds[0], stepStart(20*time.Second))
	case "password":
		return c.card.Password
	}
	t.Fatalf("no code for method %s", method)
	return ""
}

// TestEMVEachMethod: every method passes an EMV challenge (2.3.1, whose
// authenticationMethod names the method) with the same screen and codes
// as the merchant API's.
func TestEMVEachMethod(t *testing.T) {
	for _, method := range []string{"email", "sms", "app", "token", "password"} {
		t.Run(method, func(t *testing.T) {
			card := newCard(t, method, enrolOpts{})
			seenTexts := 0
			if method == "sms" {
				seenTexts = len(texts(t, card.Phone))
			}
			c := startEMV(t, card, emvOpts{Version: emv3ds.V231})
			c.enter(emvCode(t, c, method, seenTexts))
			tx, cr := c.cres()
			if cr.TransStatus != "Y" {
				t.Fatalf("CRes transStatus %q, want Y", cr.TransStatus)
			}
			checkChallengeARes(t, tx, method)
			checkYRReq(t, waitRReq(t, tx.ARes.ACSTransID, 30*time.Second), tx, method, "01")
		})
	}
}

// TestEMVWrongThenRightCode: one wrong code, then the right one: Y, and
// the RReq counts two interactions.
func TestEMVWrongThenRightCode(t *testing.T) {
	c := startEMV(t, newCard(t, "email", enrolOpts{}), emvOpts{})
	code := c.mailCode()
	c.enter(fmt.Sprintf("%06d", (atoi(code)+1)%1000000))
	c.waitFrameText("#attempts", "4")
	c.enter(code)
	tx, cr := c.cres()
	if cr.TransStatus != "Y" {
		t.Fatalf("CRes transStatus %q, want Y", cr.TransStatus)
	}
	checkYRReq(t, waitRReq(t, tx.ARes.ACSTransID, 30*time.Second), tx, "email", "02")
}

// TestEMVNonPayment: a non-payment authentication (messageCategory 02, the
// card added to a wallet, no amount) is challenged like a purchase with
// nothing to pay: the screen says so, the code passes, and the DS gets a
// Y whose authentication value the issuer's check accepts for the card
// with no amount.
func TestEMVNonPayment(t *testing.T) {
	card := newCard(t, "email", enrolOpts{})
	c := startEMV(t, card, emvOpts{NonPayment: true})
	c.waitFrameText("#amount", "No payment (card check)")
	c.enter(c.mailCode())
	tx, cr := c.cres()
	if cr.TransStatus != "Y" {
		t.Fatalf("CRes %+v, want Y", cr)
	}
	r := waitRReq(t, tx.ARes.ACSTransID, 30*time.Second)
	if r.TransStatus != "Y" || r.MessageCategory != emv3ds.CategoryNonPayment || len(r.AuthenticationValue) != 28 {
		t.Fatalf("RReq %+v, want Y of category 02 with an authentication value", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, q := range []struct {
		amount, currency string
		valid            bool
	}{
		{"0", "", true},
		{"1250", "JPY", false},
	} {
		out, err := sys.Operator(ctx, "av", "verify", "-pan", card.Number, "-amount", q.amount, "-currency", q.currency, "-av", r.AuthenticationValue)
		if got := err == nil && strings.Contains(string(out), "valid true"); got != q.valid {
			t.Errorf("av verify for %s %q: %s (%v), want valid %v", q.amount, q.currency, out, err, q.valid)
		}
	}
}

// TestEMVCancel: the cardholder cancels: CRes N at the notification URL,
// RReq N with challengeCancel 01.
func TestEMVCancel(t *testing.T) {
	c := startEMV(t, newCard(t, "email", enrolOpts{}), emvOpts{Version: emv3ds.V231})
	cancelTwice(t, c.ctx, c.in)
	tx, cr := c.cres()
	if cr.TransStatus != "N" {
		t.Fatalf("CRes transStatus %q after cancel, want N", cr.TransStatus)
	}
	r := waitRReq(t, tx.ARes.ACSTransID, 30*time.Second)
	if r.TransStatus != "N" || r.ChallengeCancel != "01" || r.TransStatusReason == "" || r.AuthenticationValue != "" {
		t.Errorf("RReq after cancel %+v, want N, challengeCancel 01, a reason, no AV", r)
	}
	if r.InteractionCounter != "00" {
		t.Errorf("RReq interactionCounter %q after a cancel with no code typed, want 00", r.InteractionCounter)
	}
}
