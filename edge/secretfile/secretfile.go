// Package secretfile reads and creates files that hold secrets: private
// keys, API keys, databases. A file that its group or other users can read
// (or write) is refused, as OpenSSH refuses such a private key: another
// account on the host, a backup agent or a shared container volume could
// read the secret, and starting anyway would hide that until it leaks. The
// error names the file and the fix.
//
// It imports only the standard library, so the issuer and the edge both use
// it without the edge depending on anything of the issuer's.
package secretfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// ModeError is a secret file refused for its mode.
type ModeError struct {
	Path string
	Mode fs.FileMode
}

func (e *ModeError) Error() string {
	return fmt.Sprintf("%s has mode %04o: it holds secrets and must not be open to group or others (run: chmod 600 %s)",
		e.Path, e.Mode.Perm(), e.Path)
}

// Check returns an error unless path is a regular file (after symbolic
// links) closed to its group and others: mode 0600, 0400 or tighter. A
// missing file's error wraps fs.ErrNotExist.
func Check(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return check(path, fi)
}

func check(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return &ModeError{Path: path, Mode: fi.Mode()}
	}
	return nil
}

// Read returns the contents of the secret file path after Check. The mode
// is that of the file it reads (checked on the open file), not of whatever
// was at path a moment before.
func Read(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := check(path, fi); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

// Value returns a one-line secret (an API key) from file, surrounding
// space trimmed, after Check; or, with no file, from the environment
// variable env ("" when unset). A secret goes in a file or the
// environment, never on a command line, which every user sees in ps.
func Value(file, env string) (string, error) {
	if file == "" {
		return os.Getenv(env), nil
	}
	b, err := Read(file)
	if err != nil {
		return "", err
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("%s is empty", file)
	}
	return v, nil
}

// SQLite readies the path of a SQLite database for opening. A missing file
// is created empty with mode 0600 (SQLite takes an empty file for a new
// database); SQLite creates the -wal, -shm and -journal files with the
// mode of the database file, so they are 0600 too, whatever the umask.
// An existing file, and any of those companions left beside it, must pass
// Check: they hold everything the database does.
func SQLite(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		// The umask may have taken bits off 0600; SQLite needs to write.
		err = f.Chmod(0o600)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := Check(p); err != nil && (p == path || !errors.Is(err, fs.ErrNotExist)) {
			return err
		}
	}
	return nil
}
