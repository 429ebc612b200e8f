package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// What the fault tests (e2e fault_test.go) do to a running stack besides
// Pause, Resume and the restarts: signal a process and wait for it to end
// on its own, and run the issuer with more flags.

// Signal sends sig to the named process and its children, and returns
// without waiting: the caller watches what the process does with it.
func (s *Stack) Signal(name string, sig syscall.Signal) error {
	p, err := s.proc(name)
	if err != nil {
		return err
	}
	if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil {
		return fmt.Errorf("stack: signal %s: %w", name, err)
	}
	return nil
}

// Wait waits until the named process has ended and returns how: nil for
// exit status 0.
func (s *Stack) Wait(ctx context.Context, name string) error {
	p, err := s.proc(name)
	if err != nil {
		return err
	}
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return fmt.Errorf("stack: %s still running: %w", name, ctx.Err())
	}
}

// RestartIssuerWith stops the issuer (if it runs) and starts it again with
// its usual command line followed by extra flags, which win over the usual
// ones of the same name, and waits until it answers. RestartIssuer goes
// back to the usual command line.
func (s *Stack) RestartIssuerWith(ctx context.Context, extra ...string) error {
	for _, st := range s.steps(nil) {
		if st.name == "issuer" {
			return s.restart(ctx, "issuer", fixed(append(st.args, extra...)))
		}
	}
	return fmt.Errorf("stack: no issuer step")
}

// IssuerDBFile is the issuer's SQLite file ("" when it runs on
// PostgreSQL).
func (s *Stack) IssuerDBFile() string {
	if isPostgres(s.cfg.IssuerDB) {
		return ""
	}
	return s.issuerDB()
}

// MoveIssuerDB stops the issuer, copies its SQLite database (with its
// -wal and -shm, when there) to the file to, and starts it there with its
// usual command line followed by extra; the operator commands (Operator)
// use the new file too. The fault tests move it onto a small mount of
// their own to fill it or turn it read-only, and move it back after.
func (s *Stack) MoveIssuerDB(ctx context.Context, to string, extra ...string) error {
	from := s.IssuerDBFile()
	if from == "" {
		return errors.New("stack: the issuer runs on PostgreSQL")
	}
	if err := s.Pause("issuer"); err != nil {
		return err
	}
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		// A stale -wal beside the copy would be replayed into it.
		if err := os.Remove(to + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("stack: move the issuer database: %w", err)
		}
		if err := copyFile(from+suffix, to+suffix); err != nil {
			if errors.Is(err, os.ErrNotExist) && suffix != "" {
				continue
			}
			return fmt.Errorf("stack: move the issuer database: %w", err)
		}
	}
	s.cfg.IssuerDB = to
	return s.RestartIssuerWith(ctx, extra...)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func (s *Stack) proc(name string) (*proc, error) {
	for _, p := range s.procs {
		if p.name == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("stack: no process %q", name)
}
