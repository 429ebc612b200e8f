package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/honnin/honnin/e2e/stack"
)

type mail struct {
	ID      string   `json:"id"`
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	HTML    string   `json:"html"`
}

// inbox reads the suite's mail sink, newest first.
func inbox(t *testing.T, to string) []mail {
	t.Helper()
	return mailsOn(t, sys, to)
}

// mailsOn reads s's dev mail sink through its JSON API, newest first.
func mailsOn(t *testing.T, s *stack.Stack, to string) []mail {
	t.Helper()
	resp, err := http.Get(s.InboxURL + "/api/messages?to=" + url.QueryEscape(to))
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

// waitMail waits for a mail to `to` on s beyond the `seen` there and
// returns the newest.
func waitMail(t *testing.T, s *stack.Stack, to string, seen int) mail {
	t.Helper()
	var ms []mail
	waitFor(t, "a mail to "+to, 15*time.Second, func() bool {
		ms = mailsOn(t, s, to)
		return len(ms) > seen
	})
	return ms[0]
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

// nextCode waits for a mail to `to` beyond the `seen` already there and
// returns the one-time code in it.
func nextCode(t *testing.T, to string, seen int) (string, mail) {
	t.Helper()
	m := waitMail(t, sys, to, seen)
	c := codeRE.FindStringSubmatch(m.Text)
	if c == nil {
		t.Fatalf("no 6-digit code in mail %q: %s", m.Subject, m.Text)
	}
	return c[1], m
}
