package pgtest

import "syscall"

// sysProcAttr runs a process as cred (nil: as we are). On Linux postgres
// also gets SIGQUIT (immediate shutdown) should the test binary die
// without stopping it, so no server outlives its tests.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
}
