//go:build unix && !linux

package pgcluster

import "syscall"

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
