package passhash

import (
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/testenv"
)

// Hashes made by the reference implementation's CLI (Debian package
// argon2, 0~20171227), e.g.
//
//	echo -n 'correct horse battery staple' | argon2 saltsaltsalt -id -t 3 -m 12 -p 1 -l 32 -e
var vectors = []struct {
	password, encoded string
}{
	{"correct horse battery staple", "$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$XipkDWh6WeBGLZNux5oGt3Wy1614ndjGEi2wltkYlWs"},
	{"correct horse battery staple", "$argon2id$v=19$m=1024,t=1,p=2$c2FsdHNhbHRzYWx0$Tv6zd1HipfOPuiqTR1GDxg"},
	{"パスワード", "$argon2id$v=19$m=4096,t=2,p=4$MDEyMzQ1Njc4OWFiY2RlZg$pZcx7PJMbSH7Fv9SVP02f41McBVpQphV"},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		ok, err := Verify(v.password, v.encoded)
		if err != nil || !ok {
			t.Errorf("Verify(%q, %s) = %v, %v; want true", v.password, v.encoded, ok, err)
		}
		ok, err = Verify(v.password+"x", v.encoded)
		if err != nil || ok {
			t.Errorf("wrong password against %s = %v, %v; want false, nil", v.encoded, ok, err)
		}
		if !NeedsRehash(v.encoded) {
			t.Errorf("NeedsRehash(%s) = false for weaker parameters", v.encoded)
		}
	}
}

// TestAgainstCLI checks a hash of this package with the reference CLI. It
// is skipped when argon2 is not installed, except in CI.
func TestAgainstCLI(t *testing.T) {
	bin := testenv.LookPath(t, "argon2")
	const pw = "s3cret パス"
	// The CLI takes the salt as a string: an ASCII one of Hash's length.
	salt := []byte("0123456789abcdef")
	want := key(pw, salt, passes, memoryKiB, lanes, keyLen)
	cmd := exec.Command(bin, string(salt), "-id", "-t", strconv.Itoa(passes), "-k", strconv.Itoa(memoryKiB),
		"-p", strconv.Itoa(lanes), "-l", strconv.Itoa(keyLen), "-e")
	cmd.Stdin = strings.NewReader(pw)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	cli := strings.TrimSpace(string(out))
	if !strings.HasSuffix(cli, "$"+b64.EncodeToString(want)) {
		t.Errorf("CLI %s, this package's hash %s", cli, b64.EncodeToString(want))
	}
	// The CLI's string, with this package's parameters, verifies here.
	if ok, err := Verify(pw, cli); err != nil || !ok || NeedsRehash(cli) {
		t.Errorf("Verify(CLI string) = %v, %v; NeedsRehash %v", ok, err, NeedsRehash(cli))
	}
}

func TestHash(t *testing.T) {
	enc, err := Hash("hunter2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=65536,t=3,p=1$") || NeedsRehash(enc) {
		t.Errorf("Hash = %s", enc)
	}
	if ok, err := Verify("hunter2", enc); err != nil || !ok {
		t.Errorf("Verify right = %v, %v", ok, err)
	}
	if ok, err := Verify("hunter3", enc); err != nil || ok {
		t.Errorf("Verify wrong = %v, %v", ok, err)
	}
	enc2, _ := Hash("hunter2")
	if enc2 == enc {
		t.Error("two hashes of one password are equal: salt reused")
	}
	if _, err := Hash(""); err == nil {
		t.Error("empty password hashed")
	}
}

func TestMalformed(t *testing.T) {
	const salt, hash = "c2FsdHNhbHRzYWx0", "Tv6zd1HipfOPuiqTR1GDxg"
	tests := []struct{ name, enc string }{
		{"empty", ""},
		{"argon2i", "$argon2i$v=19$m=1024,t=1,p=2$" + salt + "$" + hash},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuuH9FqlEB7hBJKDnOO2jt8oXAbfuFxyW6"},
		{"old version", "$argon2id$v=16$m=1024,t=1,p=2$" + salt + "$" + hash},
		{"no version", "$argon2id$m=1024,t=1,p=2$" + salt + "$" + hash},
		{"parameters reordered", "$argon2id$v=19$t=1,m=1024,p=2$" + salt + "$" + hash},
		{"two parameters", "$argon2id$v=19$m=1024,t=1$" + salt + "$" + hash},
		{"memory too big", "$argon2id$v=19$m=2097152,t=1,p=2$" + salt + "$" + hash},
		{"memory below 8p", "$argon2id$v=19$m=15,t=1,p=2$" + salt + "$" + hash},
		{"zero passes", "$argon2id$v=19$m=1024,t=0,p=2$" + salt + "$" + hash},
		{"too many passes", "$argon2id$v=19$m=1024,t=65,p=2$" + salt + "$" + hash},
		{"zero lanes", "$argon2id$v=19$m=1024,t=1,p=0$" + salt + "$" + hash},
		{"negative", "$argon2id$v=19$m=-1024,t=1,p=2$" + salt + "$" + hash},
		{"leading zero", "$argon2id$v=19$m=01024,t=1,p=2$" + salt + "$" + hash},
		{"padded salt", "$argon2id$v=19$m=1024,t=1,p=2$" + salt + "=$" + hash},
		{"short salt", "$argon2id$v=19$m=1024,t=1,p=2$c2FsdA$" + hash},
		{"bad base64 hash", "$argon2id$v=19$m=1024,t=1,p=2$" + salt + "$!!!!"},
		{"short hash", "$argon2id$v=19$m=1024,t=1,p=2$" + salt + "$c2FsdHNhbHQ"},
		{"missing hash", "$argon2id$v=19$m=1024,t=1,p=2$" + salt},
		{"trailing field", "$argon2id$v=19$m=1024,t=1,p=2$" + salt + "$" + hash + "$"},
	}
	for _, tt := range tests {
		ok, err := Verify("correct horse battery staple", tt.enc)
		if ok || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Verify = %v, %v; want ErrMalformed", tt.name, ok, err)
		}
		if !NeedsRehash(tt.enc) {
			t.Errorf("%s: NeedsRehash false", tt.name)
		}
	}
}

// BenchmarkVerify is the cost of one check with this package's parameters:
// what a slot of a Budget is held for.
func BenchmarkVerify(b *testing.B) {
	enc, err := Hash("hunter2")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := Verify("hunter2", enc); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
