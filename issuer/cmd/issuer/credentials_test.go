package main

import (
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/demo"
	"github.com/honnin/honnin/issuer/devmail"
)

// operatorCLI runs an operator command against s's database and keys.
func (s testStack) operatorCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return cli(t, append(args, "-db", s.db, "-pan-key-file", s.panKey)...)
}

func cardOf(t *testing.T, method issuer.Method) demo.Card {
	t.Helper()
	for _, c := range demo.Cards {
		if c.Method == method && !c.OTPLocked {
			return c
		}
	}
	t.Fatalf("no %s demo card", method)
	return demo.Card{}
}

func TestTokenCommands(t *testing.T) {
	s := prepare(t)
	csv := filepath.Join(s.dir, "tokens.csv")
	os.WriteFile(csv, []byte("serial,seed,digits,period\nOP-0001,hex:3132333435363738393031323334353637383930,6,60\n"), 0o600)
	hotp := filepath.Join(s.dir, "thirty.csv")
	os.WriteFile(hotp, []byte("serial,seed,digits,period\nOP-0030,hex:3132333435363738393031323334353637383930,6,30\n"), 0o600)
	email, token := cardOf(t, "email"), cardOf(t, "token")

	tests := []struct {
		name string
		args []string
		code int
		out  string // in stdout on success, stderr otherwise
	}{
		{"import csv", []string{"token", "import", "-file", csv}, exitOK, "imported 1 tokens"},
		{"import again", []string{"token", "import", "-file", csv}, exitFail, "OP-0001"},
		{"import 30 s token", []string{"token", "import", "-file", hotp}, exitFail, "60-second TOTP tokens only (nothing imported)"},
		{"import pskc needs its password", []string{"token", "import", "-file", "../../../../shared/testdata/pskc/rfc6030/figure7.pskcxml"}, exitFail, "figure7.pskcxml"},
		{"import without file", []string{"token", "import"}, exitUsage, "-file is required"},
		{"import bad psk", []string{"token", "import", "-file", csv, "-format", "pskc", "-psk", "zz"}, exitUsage, "not hex"},
		{"assign", []string{"token", "assign", "-serial", "OP-0001", "-card", email.Number}, exitOK, "assigned to card ending 9016"},
		{"assign twice", []string{"token", "assign", "-serial", "OP-0001", "-card", token.Number}, exitFail, "assigned to a card already"},
		{"unknown serial", []string{"token", "assign", "-serial", "NOPE", "-card", email.Number}, exitFail, "import it first"},
		{"not a card", []string{"token", "assign", "-serial", "OP-0001", "-card", "1234"}, exitUsage, "-card"},
		{"lock", []string{"token", "lock", "-serial", "OP-0001"}, exitOK, "token lock: OP-0001"},
		{"show locked", []string{"cardholder", "show", "-card", email.Number}, exitOK, "locked (operator)"},
		{"list", []string{"token", "list"}, exitOK, "OP-0001"},
		{"unlock", []string{"token", "unlock", "-serial", "OP-0001"}, exitOK, "token unlock: OP-0001"},
		{"lock unassigned", []string{"token", "lock", "-serial", "NOPE"}, exitFail, "no token with serial NOPE"},
		{"lock without serial", []string{"token", "lock"}, exitUsage, "-serial is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := s.operatorCLI(t, tt.args...)
			wantRun(t, code, out, errOut, tt.code, tt.out)
		})
	}
	// The demo token card has its two tokens: a third is refused by the limit.
	os.WriteFile(csv, []byte("serial,seed,digits,period\nOP-0002,base32:GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,6,60\n"), 0o600)
	if code, _, errOut := s.operatorCLI(t, "token", "import", "-file", csv); code != exitOK {
		t.Fatalf("import: %s", errOut)
	}
	if code, _, errOut := s.operatorCLI(t, "token", "assign", "-serial", "OP-0002", "-card", token.Number); code != exitFail ||
		!strings.Contains(errOut, "has 2 tokens already") {
		t.Errorf("third token: %d %q", code, errOut)
	}
	if _, out, _ := s.operatorCLI(t, "cardholder", "show", "-card", email.Number); !strings.Contains(out, "active") ||
		strings.Contains(out, "locked (operator)") {
		t.Errorf("after unlock: %q", out)
	}

	// A seed file others can read is imported, with a warning to close it.
	loose := filepath.Join(s.dir, "loose.csv")
	if err := os.WriteFile(loose, []byte("serial,seed,digits,period\nOP-0003,hex:3132333435363738393031323334353637383930,6,60\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(loose, 0o644) // WriteFile's mode passes through the umask
	code, out, errOut := s.operatorCLI(t, "token", "import", "-file", loose)
	if wantRun(t, code, out, errOut, exitOK, "imported 1 tokens") && !strings.Contains(errOut, "warning: "+loose+" (mode 0644)") {
		t.Errorf("0644 seed file imported without a warning: %q", errOut)
	}
	if _, _, errOut := s.operatorCLI(t, "token", "import", "-file", csv); strings.Contains(errOut, "warning") {
		t.Errorf("0600 seed file warned about: %q", errOut)
	}
}

func TestCardholderUnlock(t *testing.T) {
	s := prepare(t)
	token := cardOf(t, "token")
	for _, serial := range []string{token.Tokens[0].Serial, token.Tokens[1].Serial} {
		if code, _, errOut := s.operatorCLI(t, "token", "lock", "-serial", serial); code != exitOK {
			t.Fatalf("lock %s: %s", serial, errOut)
		}
	}
	// Both tokens locked: the card's one-time-code use is locked with them.
	if _, out, _ := s.operatorCLI(t, "cardholder", "show", "-card", token.Number); !strings.Contains(out, "otp-locked true") {
		t.Errorf("both tokens locked: %q", out)
	}
	if code, out, _ := s.operatorCLI(t, "cardholder", "unlock", "-card", token.Number, "-kind", "email"); code != exitOK ||
		!strings.Contains(out, "unlocked 0 credentials") {
		t.Errorf("unlock of another kind: %d %q", code, out)
	}
	if code, out, _ := s.operatorCLI(t, "cardholder", "unlock", "-card", token.Number); code != exitOK ||
		!strings.Contains(out, "unlocked 2 credentials") {
		t.Errorf("unlock: %d %q", code, out)
	}
	if _, out, _ := s.operatorCLI(t, "cardholder", "show", "-card", token.Number); !strings.Contains(out, "otp-locked false") {
		t.Errorf("after unlock: %q", out)
	}
	if code, _, errOut := s.operatorCLI(t, "cardholder", "show", "-card", "4111111111111111"); code != exitFail ||
		!strings.Contains(errOut, "not enrolled") {
		t.Errorf("unknown card: %d %q", code, errOut)
	}
}

func TestAppIssue(t *testing.T) {
	s := prepare(t)
	inbox := devmail.NewStore(0)
	sink := devmail.NewSMTPServer(inbox, devmail.SMTPConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go sink.Serve(ln)
	defer sink.Close()
	app := cardOf(t, "app")
	code, out, errOut := s.operatorCLI(t, "app", "issue", "-card", app.Number, "-smtp", ln.Addr().String())
	if code != exitOK || !regexp.MustCompile(`(?m)^registration-id \d{10}$`).MatchString(out) {
		t.Fatalf("app issue: %d %q %q", code, out, errOut)
	}
	mails := inbox.Messages(app.Email)
	if len(mails) != 1 || !regexp.MustCompile(`Registration password: [2-9A-Z]{10}\s`).MatchString(mails[0].Text) {
		t.Errorf("password mail: %+v", mails)
	}
	if code, _, errOut := s.operatorCLI(t, "app", "issue", "-card", app.Number, "-smtp", "127.0.0.1:1"); code != exitFail ||
		!strings.Contains(errOut, "dispatch") {
		t.Errorf("mail server down: %d %q", code, errOut)
	}
}

func TestKeysVault(t *testing.T) {
	out := filepath.Join(t.TempDir(), "v.key")
	if code, _, errOut := cli(t, "keys", "vault", "-out", out); code != exitOK {
		t.Fatalf("keys vault: %s", errOut)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 32 {
		t.Errorf("key file %v %v", fi, err)
	}
	if code, _, _ := cli(t, "keys", "vault", "-out", out); code != exitFail {
		t.Errorf("keys vault overwrote a key")
	}
}
