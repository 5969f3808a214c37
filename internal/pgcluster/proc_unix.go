//go:build unix && !linux

package pgcluster

import (
	"errors"
	"syscall"
)

// sysProcAttr runs a child under as (nil: our account). A server child gets
// its own process group, so a terminal's Ctrl-C reaches only us and we shut
// it down in order. Without Linux's parent-death signal, a server outlives
// a process that dies without calling Stop.
func sysProcAttr(as *runAs, server bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{}
	if as != nil {
		attr.Credential = &syscall.Credential{Uid: as.uid, Gid: as.gid}
	}
	attr.Setpgid = server
	return attr
}

// postmasterState tells whether process pid still exists; without /proc
// a live process is taken for the server (postgres decides).
func postmasterState(pid int, _ string) pmState {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return pmGone
	}
	return pmLive
}
