//go:build !linux

package sqlitedb

import "os"

// datasync flushes f (fsync: the portable call).
func datasync(f *os.File) error { return f.Sync() }
