package stack

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestParseCards reads what `issuer demo seed` prints (its own test
// checks the issuer's side of the format).
func TestParseCards(t *testing.T) {
	out := `merchant "Demo Shop" id 1 origins http://localhost:8080
card 3540123456789016 email demo@mail.jp ja
card 3540123456789040 sms demo-sms@mail.jp ja phone:+819012345678
card 3540123456789099 email nobody@mail.jp en
portal 3540123456789016 honnin-portal-9016
portal 3540123456789040 honnin-portal-9040
linked 3540123456789016 3540123456789040
`
	cards, linked := parseCards(out)
	want := []DemoCard{
		{Number: "3540123456789016", Method: "email", Email: "demo@mail.jp", Locale: "ja", PortalPassword: "honnin-portal-9016"},
		{Number: "3540123456789040", Method: "sms", Email: "demo-sms@mail.jp", Locale: "ja", Note: "phone:+819012345678", PortalPassword: "honnin-portal-9040"},
		{Number: "3540123456789099", Method: "email", Email: "nobody@mail.jp", Locale: "en"},
	}
	if !reflect.DeepEqual(cards, want) {
		t.Errorf("cards\n got %+v\nwant %+v", cards, want)
	}
	if !reflect.DeepEqual(linked, []string{"3540123456789016", "3540123456789040"}) {
		t.Errorf("linked %v", linked)
	}
}

// TestCommandLinesCarryNoSecret: no process the stack starts has a secret
// in its arguments, which every user of the machine can read (ps,
// /proc/PID/cmdline); the shop and the demo seed name the key's file.
func TestCommandLinesCarryNoSecret(t *testing.T) {
	s := newStack(Config{Bin: "/b", Dist: "/d", State: "/st", Ports: DefaultPorts, CountryHeader: "X-Country", RiskConfig: "/r.json"})
	s.APIKey = "c0ffee0123456789abcdef"
	s.Cards = []DemoCard{{Number: "3540123456789016"}}
	secrets := []string{s.APIKey, devTwilioToken}

	lines := map[string][]string{"demo seed": s.seedArgs()}
	for _, st := range s.steps(s.nativeEdgeArgs()) {
		lines[st.name] = st.args
	}
	if len(lines) != 6 {
		t.Fatalf("command lines %v, want the seed and five processes", lines)
	}
	for name, args := range lines {
		for _, a := range args {
			for _, secret := range secrets {
				if strings.Contains(a, secret) {
					t.Errorf("%s: argument %q carries a secret", name, a)
				}
			}
		}
	}
	for _, name := range []string{"shop", "demo seed"} {
		if !strings.Contains(strings.Join(lines[name], " "), " -api-key-file /st/shop-api-key ") {
			t.Errorf("%s: %q does not name the key file", name, lines[name])
		}
	}
}

// TestTightenDatabases: the stack closes its own old databases to others,
// and leaves everything else in the folder as it is.
func TestTightenDatabases(t *testing.T) {
	dir := t.TempDir()
	for name, mode := range map[string]os.FileMode{"issuer.db": 0o644, "issuer.db-wal": 0o640, "edge.db": 0o600, "shop-api-key": 0o644} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, name), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := tightenDatabases(dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"issuer.db": 0o600, "issuer.db-wal": 0o600, "edge.db": 0o600, "shop-api-key": 0o644} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: %04o, want %04o", name, fi.Mode().Perm(), want)
		}
	}
}
