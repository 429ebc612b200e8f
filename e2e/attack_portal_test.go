package e2e

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
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

// signIn signs c in to the portal with its portal password and the code
// mailed to it, as the cardholder does.
func (x *atk) portalSignIn(c ownCard) *portalClient {
	x.t.Helper()
	p := newPortalClient(x.s.PortalURL, "")
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
