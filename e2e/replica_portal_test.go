package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/e2e/stack"
	"github.com/honnin/honnin/edge/onetime"
)

// replicaPortalProxyShift is where, above the replica stack's issuer port,
// the portal test's own round-robin proxy listens (the replicas are at
// +10 and +20).
const replicaPortalProxyShift = 30

// replicaPortal is TestReplicas' portal part: a cardholder's browser (a
// cookie jar) signs in, reads and changes a setting and signs out through a
// round-robin proxy in front of the two issuers, so that every request
// lands on the other issuer than the one before; then each issuer is asked
// directly whether the session lives, and, after the sign-out, whether the
// old cookie is refused; and wrong sign-in codes alternated between the
// issuers stop at the one limit. The portal keeps its sessions, its
// pending codes and their tries in the database, and signs its
// pre-sign-in CSRF cookie with a key derived from the shared PAN key, so
// none of it may depend on which issuer answers.
//
// The proxy is the stack's round-robin (stack.RoundRobin) but an instance
// of the test's own: the stack's proxy also carries the edges' key
// fetches and reports, which would make the order the cardholder's
// requests land in a matter of timing. Each answer names the issuer that
// gave it (stack.ReplicaHeader), and the test checks the alternation
// rather than assuming it.
func replicaPortal(t *testing.T, x *atk, r *stack.Replicas) {
	if len(r.IssuerURLs) != 2 {
		t.Fatalf("replica stack has issuers %v, want 2", r.IssuerURLs)
	}
	var backends []string
	for _, u := range r.IssuerURLs {
		backends = append(backends, strings.TrimPrefix(u, "http://"))
	}
	proxyAddr := fmt.Sprintf("127.0.0.1:%d", testPorts.Shift(replicaPortOffset).Issuer+replicaPortalProxyShift)
	ln, err := net.Listen("tcp", proxyAddr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: stack.RoundRobin(backends), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	card := x.enrol("email", enrolOpts{Portal: "portal-" + randText(12)})

	t.Run("signed in across the issuers", func(t *testing.T) {
		x := x.in(t)
		seen, codes := len(x.mails(card.Email)), portalCodeMails(x, card.Email)
		b := &replicaBrowser{t: t, p: newPortalClient("http://"+proxyAddr+"/portal/", "")}
		signin := b.get("signin", http.StatusOK)
		csrf := formCSRF(t, signin)
		b.post("signin", url.Values{"csrf": {csrf}, "card": {card.Number}, "password": {card.Portal}},
			http.StatusSeeOther, "/portal/signin/code")
		code := x.nextCode(card.Email, seen)
		b.post("signin/code", url.Values{"csrf": {csrf}, "code": {code}}, http.StatusSeeOther, "/portal/")
		home := b.get("", http.StatusOK)
		if !strings.Contains(home.body, `id="managed-card"`) || !strings.Contains(home.body, last4(card.Number)) {
			t.Fatalf("home page after sign-in does not show the card ...%s", last4(card.Number))
		}
		msgPage := b.get("message", http.StatusOK)
		sessCSRF := formCSRF(t, msgPage)
		msg := "Replica check " + randText(8)
		b.post("message", url.Values{"csrf": {sessCSRF}, "message": {msg}}, http.StatusSeeOther, "/portal/message")
		saved := b.get("message", http.StatusOK)
		if !strings.Contains(saved.body, `id="flash"`) {
			t.Error("the page after saving the message, on the other issuer, shows no saved notice (the flash is the session's)")
		}
		if !strings.Contains(saved.body, `<p class="message">`+msg+`</p>`) {
			t.Errorf("the message page on the other issuer does not show the message saved on the first (%q)", msg)
		}

		// The session, used directly on each issuer.
		old := b.cookie(t, "honnin_portal")
		for _, u := range r.IssuerURLs {
			if st, loc, body := rawGet(t, u+"/portal/", old); st != http.StatusOK || !strings.Contains(body, last4(card.Number)) {
				t.Errorf("%s/portal/ with the session: %d %q, want 200 with the card", u, st, loc)
			}
		}

		// Sign out through the proxy; then the old cookie is refused by
		// each issuer, for a page and for a change.
		b.post("signout", url.Values{"csrf": {sessCSRF}}, http.StatusSeeOther, "/portal/signin?bye=1")
		if c := b.cookieOrEmpty("honnin_portal"); c != "" {
			t.Error("the browser still holds the session cookie after signing out")
		}
		// Every request went to the other issuer than the one before, so
		// the code was taken by the issuer that did not send it, the
		// change made on one read back on the other, and the sign-out
		// made on the other issuer than the page it came from.
		t.Logf("the cardholder's %d requests were served by %v", len(b.served), b.served)
		for i := 1; i < len(b.served); i++ {
			if b.served[i] == b.served[i-1] {
				t.Errorf("requests %d and %d both served by %s (%v): the proxy did not alternate", i, i+1, b.served[i], b.served)
			}
		}
		for _, u := range r.IssuerURLs {
			if st, loc, _ := rawGet(t, u+"/portal/", old); st != http.StatusSeeOther || !strings.Contains(loc, "/portal/signin") {
				t.Errorf("%s/portal/ with the signed-out session: %d %q, want 303 to sign-in", u, st, loc)
			}
			st, loc := rawPost(t, u+"/portal/message", old, url.Values{"csrf": {sessCSRF}, "message": {"after sign-out " + randText(6)}})
			if st != http.StatusSeeOther || !strings.Contains(loc, "/portal/signin") {
				t.Errorf("%s POST /portal/message with the signed-out session: %d %q, want 303 to sign-in", u, st, loc)
			}
		}

		// One code, one mail: the sign-in sent exactly one.
		if n := portalCodeMails(x, card.Email) - codes; n != 1 {
			t.Errorf("%s got %d sign-in code mails for one sign-in, want 1", card.Email, n)
		}
	})

	t.Run("code tries across the issuers", func(t *testing.T) {
		x := x.in(t)
		seen, codes := len(x.mails(card.Email)), portalCodeMails(x, card.Email)
		// The cardholder's browser, talking to each issuer directly in
		// turn, so the alternation does not rest on the proxy.
		p := newPortalClient(r.IssuerURLs[0]+"/portal/", "")
		csrf := formCSRF(t, portalGet(t, p, p.base+"signin"))
		st, loc, err := p.post(context.Background(), "signin", url.Values{"csrf": {csrf}, "card": {card.Number}, "password": {card.Portal}})
		if err != nil || st != http.StatusSeeOther || !strings.HasSuffix(loc, "/portal/signin/code") {
			t.Fatalf("sign-in password on %s: %d %q %v", r.IssuerURLs[0], st, loc, err)
		}
		code := x.nextCode(card.Email, seen)
		pending := (&replicaBrowser{t: t, p: p}).cookie(t, "honnin_portal_signin")
		tries := onetime.PortalSignIn.Tries
		var got []int
		for i := range tries {
			to := r.IssuerURLs[(i+1)%2] + "/portal/signin/code"
			st, _ := rawPost(t, to, "", url.Values{"csrf": {csrf}, "code": {wrongCode(code)}},
				&http.Cookie{Name: "honnin_portal_signin", Value: pending}, csrfCookie(t, p))
			got = append(got, st)
		}
		want := make([]int, tries)
		for i := range want {
			want[i] = http.StatusUnauthorized
		}
		want[tries-1] = http.StatusGone
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%d wrong codes alternated between the issuers answered %v, want %v (the %dth spends the code)", tries, got, want, tries)
		}
		// The right code, now, on either issuer: spent, no session.
		for _, u := range r.IssuerURLs {
			st, loc := rawPost(t, u+"/portal/signin/code", "", url.Values{"csrf": {csrf}, "code": {code}},
				&http.Cookie{Name: "honnin_portal_signin", Value: pending}, csrfCookie(t, p))
			if st != http.StatusGone {
				t.Errorf("the right code on %s after %d wrong ones: %d %q, want 410", u, tries, st, loc)
			}
		}
		if n := portalCodeMails(x, card.Email) - codes; n != 1 {
			t.Errorf("%s got %d sign-in code mails for one sign-in, want 1", card.Email, n)
		}
	})
}

// portalCodeMails is how many portal sign-in code mails to has had.
func portalCodeMails(x *atk, to string) int {
	x.t.Helper()
	n := 0
	for _, m := range x.mails(to) {
		if strings.Contains(m.Subject, "member portal") || strings.Contains(m.Subject, "会員ポータル") {
			n++
		}
	}
	return n
}

// replicaBrowser is a portal client that remembers which issuer served
// each request (stack.ReplicaHeader) and fails the test on an answer it
// did not expect.
type replicaBrowser struct {
	t      *testing.T
	p      *portalClient
	served []string
}

type portalPage struct {
	status int
	body   string
}

func (b *replicaBrowser) note(resp *http.Response) {
	by := resp.Header.Get(stack.ReplicaHeader)
	if by == "" {
		b.t.Fatalf("%s %s: the proxy named no replica", resp.Request.Method, resp.Request.URL.Path)
	}
	b.served = append(b.served, by)
}

func (b *replicaBrowser) get(path string, want int) portalPage {
	b.t.Helper()
	resp, err := b.p.hc.Get(b.p.base + path)
	if err != nil {
		b.t.Fatalf("GET /portal/%s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.note(resp)
	if resp.StatusCode != want {
		b.t.Fatalf("GET /portal/%s on %s: %s (Location %q), want %d", path, b.served[len(b.served)-1], resp.Status, resp.Header.Get("Location"), want)
	}
	return portalPage{resp.StatusCode, string(body)}
}

func (b *replicaBrowser) post(path string, form url.Values, want int, wantLoc string) {
	b.t.Helper()
	resp, err := b.p.hc.PostForm(b.p.base+path, form)
	if err != nil {
		b.t.Fatalf("POST /portal/%s: %v", path, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	b.note(resp)
	if loc := resp.Header.Get("Location"); resp.StatusCode != want || !strings.HasSuffix(loc, wantLoc) {
		b.t.Fatalf("POST /portal/%s on %s: %s (Location %q), want %d to %s", path, b.served[len(b.served)-1], resp.Status, loc, want, wantLoc)
	}
}

// cookie is the value of the browser's cookie name for the portal.
func (b *replicaBrowser) cookie(t *testing.T, name string) string {
	t.Helper()
	v := b.cookieOrEmpty(name)
	if v == "" {
		t.Fatalf("the browser holds no %s cookie", name)
	}
	return v
}

func (b *replicaBrowser) cookieOrEmpty(name string) string {
	u, _ := url.Parse(b.p.base)
	for _, c := range b.p.hc.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// csrfCookie is p's pre-sign-in CSRF cookie, to send by hand.
func csrfCookie(t *testing.T, p *portalClient) *http.Cookie {
	t.Helper()
	return &http.Cookie{Name: "honnin_portal_csrf", Value: (&replicaBrowser{t: t, p: p}).cookie(t, "honnin_portal_csrf")}
}

// formCSRF is the CSRF field of a portal page's first form.
func formCSRF(t *testing.T, p portalPage) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("page (%d) has no CSRF field", p.status)
	}
	return m[1]
}

// portalGet loads a page with p's cookies.
func portalGet(t *testing.T, p *portalClient, u string) portalPage {
	t.Helper()
	resp, err := p.hc.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return portalPage{resp.StatusCode, string(body)}
}

// noRedirect is a client without a jar that does not follow redirects:
// each request carries exactly the cookies given.
var noRedirect = &http.Client{Timeout: 30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// rawGet loads u with only the session cookie session ("" for none).
func rawGet(t *testing.T, u, session string) (status int, location, body string) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: "honnin_portal", Value: session})
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// rawPost posts form to u with only the session cookie session ("" for
// none) and the cookies given.
func rawPost(t *testing.T, u, session string, form url.Values, cookies ...*http.Cookie) (status int, location string) {
	t.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if session != "" {
		req.AddCookie(&http.Cookie{Name: "honnin_portal", Value: session})
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Location")
}
