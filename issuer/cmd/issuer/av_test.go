package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/authvalue"
	"github.com/honnin/honnin/issuer/pan"
)

const avCard = "3540123456789057"

// mintAV mints a value for avCard's purchase of amount JPY with the keys
// in s's database, as serve does.
func mintAV(t *testing.T, s testStack, amount int64) string {
	t.Helper()
	o, err := openOperator(t.Context(), s.db, s.panKey, os.Getenv("HONNIN_VAULT_KEY_FILE"))
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	keys, err := acs.AVRing{Store: o.st, Vault: o.vault}.Load(t.Context(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	n, _ := pan.Parse(avCard)
	av, err := keys.Mint(authvalue.Facts{Purchase: authvalue.Purchase{PANHMAC: o.hasher.Sum(n), Amount: amount, Currency: "JPY"},
		Status: "Y", Method: "04", At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return av
}

func TestAVCommands(t *testing.T) {
	s := prepare(t)
	first := mintAV(t, s, 1250)
	verify := func(amount, av string) []string {
		return []string{"av", "verify", "-db", s.db, "-pan-key-file", s.panKey, "-pan", avCard, "-amount", amount, "-currency", "JPY", "-av", av}
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"valid", verify("1250", first), exitOK, "valid true\nstatus Y\nmethod 04\nat "},
		{"another amount", verify("1251", first), exitFail, "not valid: authvalue: mismatch"},
		{"garbage", verify("1250", "xyz"), exitFail, "malformed"},
		{"no amount", append(verify("", first)[:8], "-currency", "JPY", "-av", first), exitUsage, "-amount is required"},
		{"negative amount", verify("-5", first), exitUsage, "-amount is required"},
		{"not a card number", append(verify("1250", first), "-pan", "1234"), exitUsage, "pan is not a card number"},
		{"lower-case currency", append(verify("1250", first), "-currency", "jpy"), exitUsage, "currency must be"},
		{"no currency for an amount", append(verify("1250", first), "-currency", ""), exitUsage, "currency must be"},
		{"no av", verify("1250", "")[:12], exitUsage, "-av is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, tt.args...)
			wantRun(t, code, out, errOut, tt.code, tt.want)
		})
	}
	if _, out, _ := cli(t, verify("1251", first)...); out != "valid false\nreason mismatch\n" {
		t.Errorf("an invalid value prints %q", out)
	}

	// A rotation: key 2 mints, key 1's value still verifies.
	code, out, errOut := cli(t, "av", "rotate", "-db", s.db)
	if !wantRun(t, code, out, errOut, exitOK, "key 2 mints from now on") || !strings.Contains(out, "key   1") || !strings.Contains(out, "still verifies") {
		t.Errorf("rotate printed %q", out)
	}
	second := mintAV(t, s, 1250)
	for av, key := range map[string]string{first: "key_id 1", second: "key_id 2"} {
		code, out, errOut := cli(t, verify("1250", av)...)
		wantRun(t, code, out, errOut, exitOK, key)
	}

	// With another vault the keys do not open: nothing is added.
	t.Setenv("HONNIN_VAULT_KEY_FILE", filepath.Join(t.TempDir(), "other.key"))
	if code, _, _ := cli(t, "keys", "vault", "-out", os.Getenv("HONNIN_VAULT_KEY_FILE")); code != exitOK {
		t.Fatal("keys vault")
	}
	code, out, errOut = cli(t, "av", "rotate", "-db", s.db)
	wantRun(t, code, out, errOut, exitFail, "does not open with the vault keys")
	st, _, err := openStore(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if keys, err := st.AVKeys(t.Context()); err != nil || len(keys) != 2 {
		t.Errorf("after a refused rotation: %d keys, %v", len(keys), err)
	}
}

// TestReadBearerFile: serve takes the authorisation host's and the
// operators' tokens only from a private file holding one long line, and
// an error names the flag.
func TestReadBearerFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := strings.Repeat("ab", 32)
	for flag, read := range map[string]func(string) (string, error){
		"-av-verify-token-file": readAVVerifyToken,
		"-operator-token-file":  readOperatorToken,
	} {
		if tok, err := read(write("good", good+"\n", 0o600)); err != nil || tok != good {
			t.Errorf("%s good file: %q, %v", flag, tok, err)
		}
		if tok, err := read(""); err != nil || tok != "" {
			t.Errorf("%s no file: %q, %v; want off", flag, tok, err)
		}
		for _, tt := range []struct{ name, path, want string }{
			{"missing", filepath.Join(dir, "nope"), "openssl rand -hex 32"},
			{"open", write("open", good, 0o644), "chmod 600"},
			{"short", write("short", "abc", 0o600), "at least 32"},
			{"two tokens", write("two", good+" "+good, 0o600), "without spaces"},
			{"empty", write("empty", "\n", 0o600), "is empty"},
		} {
			if _, err := read(tt.path); err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), flag) {
				t.Errorf("%s %s: %v; want %q", flag, tt.name, err, tt.want)
			}
		}
	}
}

// TestServeAVVerify: serve with -av-verify-token-file answers the
// authorisation host's check with the keys in the database.
func TestServeAVVerify(t *testing.T) {
	s := prepare(t)
	av := mintAV(t, s, 1250)
	tokFile := filepath.Join(s.dir, "av-token")
	tok := strings.Repeat("c3", 20)
	if err := os.WriteFile(tokFile, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-db", s.db, "-keys", s.keys, "-pan-key-file", s.panKey,
			"-smtp", "127.0.0.1:1", "-av-verify-token-file", tokFile}, &out, &errb)
	}()
	base := waitListening(t, &out, &errb, done)
	var got map[string]any
	body := `{"pan":"` + avCard + `","amount":1250,"currency":"JPY","av":"` + av + `"}`
	if code := postJSON(t, base+"/internal/v1/av/verify", tok, body, &got); code != 200 || got["valid"] != true || got["method"] != "04" || got["key_id"] != 1.0 {
		t.Errorf("verify: %d %v", code, got)
	}
	got = nil
	if code := postJSON(t, base+"/internal/v1/av/verify", tok+"x", body, &got); code != 401 {
		t.Errorf("verify with another token: %d %v", code, got)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("serve exited %d: %s", code, errb.String())
	}
}
