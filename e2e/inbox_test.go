package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"
)

type mail struct {
	ID      string   `json:"id"`
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	HTML    string   `json:"html"`
}

// inbox reads the dev mail sink's JSON API, newest first.
func inbox(t *testing.T, to string) []mail {
	t.Helper()
	resp, err := http.Get(sys.InboxURL + "/api/messages?to=" + url.QueryEscape(to))
	if err != nil {
		t.Fatalf("inbox: %v", err)
	}
	defer resp.Body.Close()
	var ms []mail
	if err := json.NewDecoder(resp.Body).Decode(&ms); err != nil {
		t.Fatalf("inbox: %v", err)
	}
	return ms
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

// nextCode waits for a mail to `to` beyond the `seen` already there and
// returns the one-time code in it.
func nextCode(t *testing.T, to string, seen int) (string, mail) {
	t.Helper()
	var ms []mail
	waitFor(t, "a code mail to "+to, 15*time.Second, func() bool {
		ms = inbox(t, to)
		return len(ms) > seen
	})
	m := ms[0]
	c := codeRE.FindStringSubmatch(m.Text)
	if c == nil {
		t.Fatalf("no 6-digit code in mail %q: %s", m.Subject, m.Text)
	}
	return c[1], m
}
