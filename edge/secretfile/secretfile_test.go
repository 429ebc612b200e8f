package secretfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// write makes a file of the given mode; os.WriteFile's mode passes through
// the umask, so it is set again.
func write(t *testing.T, path string, mode fs.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, []byte("secret"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadAndCheck(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "link")
	if err := os.Symlink(write(t, filepath.Join(dir, "target"), 0o644), link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		want string // "" for accepted
	}{
		{"0600", write(t, filepath.Join(dir, "a"), 0o600), ""},
		{"0400", write(t, filepath.Join(dir, "b"), 0o400), ""},
		{"0700", write(t, filepath.Join(dir, "c"), 0o700), ""},
		{"0644", write(t, filepath.Join(dir, "d"), 0o644), "mode 0644"},
		{"group readable", write(t, filepath.Join(dir, "e"), 0o640), "mode 0640"},
		{"group writable", write(t, filepath.Join(dir, "f"), 0o620), "mode 0620"},
		{"world readable only", write(t, filepath.Join(dir, "g"), 0o604), "mode 0604"},
		{"symbolic link to a 0644 file", link, "mode 0644"},
		{"directory", dir, "not a regular file"},
	}
	for _, tt := range tests {
		got, err := Read(tt.path)
		cerr := Check(tt.path)
		if tt.want == "" {
			if err != nil || string(got) != "secret" || cerr != nil {
				t.Errorf("%s: Read = %q, %v; Check = %v; want the contents", tt.name, got, err, cerr)
			}
			continue
		}
		for _, e := range []error{err, cerr} {
			if e == nil || !strings.Contains(e.Error(), tt.want) {
				t.Errorf("%s: %v, want an error saying %q", tt.name, e, tt.want)
			}
		}
		var me *ModeError
		if errors.As(err, &me) && !strings.Contains(err.Error(), "chmod 600 "+tt.path) {
			t.Errorf("%s: %v does not name the fix for the file", tt.name, err)
		}
	}
	if _, err := Read(filepath.Join(dir, "none")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: Read = %v, want fs.ErrNotExist", err)
	}
}

func TestSQLite(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.db")
	if err := SQLite(fresh); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 0 {
		t.Fatalf("created %v, %v; want an empty file of mode 0600", fi, err)
	}
	// Opening it again (every start) passes.
	if err := SQLite(fresh); err != nil {
		t.Errorf("second SQLite on its own file: %v", err)
	}

	open := write(t, filepath.Join(dir, "open.db"), 0o644)
	if err := SQLite(open); err == nil || !strings.Contains(err.Error(), "chmod 600 "+open) {
		t.Errorf("0644 database: %v, want refusal with the chmod hint", err)
	}
	if fi, _ := os.Stat(open); fi.Mode().Perm() != 0o644 {
		t.Errorf("a refused database's mode was changed to %04o", fi.Mode().Perm())
	}

	tight := write(t, filepath.Join(dir, "tight.db"), 0o600)
	write(t, tight+"-wal", 0o600)
	if err := SQLite(tight); err != nil {
		t.Errorf("0600 database and -wal: %v", err)
	}
	write(t, tight+"-shm", 0o644)
	if err := SQLite(tight); err == nil || !strings.Contains(err.Error(), "chmod 600 "+tight+"-shm") {
		t.Errorf("0644 -shm beside a 0600 database: %v, want refusal naming the -shm file", err)
	}
}

// TestValue: a one-line secret from a private file (trimmed), or the
// environment when no file is named; an empty or open file is an error.
func TestValue(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Setenv("HONNIN_TEST_SECRET", "from-env")
	for _, tt := range []struct {
		name, file, want string
		ok               bool
	}{
		{"file", write("k", " key-1\n", 0o600), "key-1", true},
		{"environment", "", "from-env", true},
		{"empty file", write("e", "\n", 0o600), "", false},
		{"open file", write("o", "key-2\n", 0o644), "", false},
	} {
		got, err := Value(tt.file, "HONNIN_TEST_SECRET")
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("%s: Value = %q, %v; want %q, ok %v", tt.name, got, err, tt.want, tt.ok)
		}
	}
}
