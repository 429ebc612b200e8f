package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCardholderAdd(t *testing.T) {
	s := prepare(t)
	tests := []struct {
		name string
		args []string
		env  string // HONNIN_CARD_PASSWORD
		code int
		out  string // in stdout on success, stderr otherwise
	}{
		{"email", []string{"-card", "3540 1299 9999 9996", "-email", "taro@mail.jp", "-message", "やあ"}, "", exitOK,
			"enrolled card ending 9996: method email, email ***@mail.jp, phone -, locale ja, personal message provisional"},
		{"duplicate", []string{"-card", "3540129999999996", "-email", "other@mail.jp"}, "", exitFail, "enrolled already"},
		{"demo card is a duplicate", []string{"-card", "3540123456789016", "-email", "x@mail.jp"}, "", exitFail, "card ending 9016 is enrolled already"},
		{"sms", []string{"-card", "3540129999999988", "-email", "hana@mail.jp", "-phone", "090-1111-2222", "-method", "sms",
			"-locale", "en", "-message", "Hi", "-message-final"}, "", exitOK, "method sms, email ***@mail.jp, phone ***-****-2222, locale en, personal message final"},
		{"password", []string{"-card", "3540129999999970", "-email", "pw@mail.jp", "-method", "password"}, "s3cret-pw", exitOK, "method password"},
		{"password without one", []string{"-card", "3540129999999962", "-email", "pw@mail.jp", "-method", "password"}, "", exitUsage, "HONNIN_CARD_PASSWORD"},
		{"app says what next", []string{"-card", "3540129999999954", "-email", "app@mail.jp", "-method", "app"}, "", exitOK, "next: issuer app issue"},
		{"bad luhn", []string{"-card", "3540129999999997", "-email", "a@mail.jp"}, "", exitUsage, "-card"},
		{"no card", []string{"-email", "a@mail.jp"}, "", exitUsage, "-card is required"},
		{"no email", []string{"-card", "3540129999999947"}, "", exitUsage, "-email is required"},
		{"bad email", []string{"-card", "3540129999999947", "-email", "Taro <taro@mail.jp>"}, "", exitUsage, "-email"},
		{"sms without phone", []string{"-card", "3540129999999947", "-email", "a@mail.jp", "-method", "sms"}, "", exitUsage, "needs -phone"},
		{"bad phone", []string{"-card", "3540129999999947", "-email", "a@mail.jp", "-phone", "12"}, "", exitUsage, "-phone"},
		{"bad method", []string{"-card", "3540129999999947", "-email", "a@mail.jp", "-method", "fax"}, "", exitUsage, "-method"},
		{"bad locale", []string{"-card", "3540129999999947", "-email", "a@mail.jp", "-locale", "fr"}, "", exitUsage, "-locale"},
		{"bad country", []string{"-card", "3540129999999947", "-email", "a@mail.jp", "-country", "jpn"}, "", exitUsage, "-country"},
		{"long message", []string{"-card", "3540129999999947", "-email", "a@mail.jp", "-message", strings.Repeat("あ", 61)}, "", exitUsage, "longer than 60 characters"},
		{"control in message", []string{"-card", "3540129999999947", "-email", "a@mail.jp", "-message", "a\x1bb"}, "", exitUsage, "control or format character"},
		{"unknown flag", []string{"-card", "3540129999999947", "-nope"}, "", exitUsage, "-nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HONNIN_CARD_PASSWORD", tt.env)
			code, out, errOut := s.operatorCLI(t, append([]string{"cardholder", "add"}, tt.args...)...)
			wantRun(t, code, out, errOut, tt.code, tt.out)
		})
	}
	// What add made is what show sees: the contact credentials exist.
	_, out, _ := s.operatorCLI(t, "cardholder", "show", "-card", "3540129999999988")
	if !strings.Contains(out, "method sms") || !strings.Contains(out, " email ") || !strings.Contains(out, " sms ") {
		t.Errorf("show of the sms card: %q", out)
	}
	_, out, _ = s.operatorCLI(t, "cardholder", "show", "-card", "3540129999999970")
	if !strings.Contains(out, " password ") {
		t.Errorf("show of the password card: %q", out)
	}
	// The refused duplicate did not change the card it collided with.
	_, out, _ = s.operatorCLI(t, "cardholder", "list", "-json")
	var rows []cardholderRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("list -json: %v: %q", err, out)
	}
	for _, r := range rows {
		if r.Last4 == "9996" && (r.Email != "***@mail.jp" || r.Method != "email") {
			t.Errorf("duplicate changed the card: %+v", r)
		}
	}
}

func TestCardholderList(t *testing.T) {
	s := prepare(t)
	token := cardOf(t, "token")
	if code, _, errOut := s.operatorCLI(t, "token", "lock", "-serial", token.Tokens[0].Serial); code != exitOK {
		t.Fatal(errOut)
	}
	code, out, errOut := s.operatorCLI(t, "cardholder", "list")
	if code != exitOK || !strings.HasPrefix(out, "CARD") {
		t.Fatalf("list: %d %q %q", code, out, errOut)
	}
	for _, want := range []string{"*9016", "***@mail.jp", "***-****-5678", "token:operator"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q: %q", want, out)
		}
	}
	if strings.Contains(out, "demo@mail.jp") || strings.Contains(out, "9012345678") {
		t.Errorf("list shows an address or number in clear: %q", out)
	}

	tests := []struct {
		name string
		args []string
		code int
		rows int // -1: do not count
	}{
		{"all", []string{"-json"}, exitOK, 7},
		{"limit", []string{"-json", "-limit", "2"}, exitOK, 2},
		{"active", []string{"-json", "-status", "active"}, exitOK, 7},
		{"closed", []string{"-json", "-status", "closed"}, exitOK, 0},
		{"bad status", []string{"-status", "gone"}, exitUsage, -1},
		{"negative limit", []string{"-limit", "-1"}, exitUsage, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := s.operatorCLI(t, append([]string{"cardholder", "list"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, err %q; want %d", code, errOut, tt.code)
			}
			if tt.rows < 0 {
				return
			}
			var rows []cardholderRow
			if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != tt.rows {
				t.Errorf("%d rows (%v), want %d: %q", len(rows), err, tt.rows, out)
			}
		})
	}
	// Newest first: the most recently seeded demo card leads.
	_, out, _ = s.operatorCLI(t, "cardholder", "list", "-json", "-limit", "1")
	var rows []cardholderRow
	json.Unmarshal([]byte(out), &rows)
	if len(rows) != 1 || rows[0].Last4 != "9073" {
		t.Errorf("newest: %+v", rows)
	}
}
