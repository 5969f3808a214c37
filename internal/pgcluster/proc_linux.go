package pgcluster

import "syscall"

// sysProcAttr runs a child under as (nil: our account). A server child gets
// its own process group, so a terminal's Ctrl-C reaches only us and we shut
// it down in order, and SIGTERM when the thread that started it exits.
func sysProcAttr(as *runAs, server bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{}
	if as != nil {
		attr.Credential = &syscall.Credential{Uid: as.uid, Gid: as.gid}
	}
	if server {
		attr.Setpgid = true
		attr.Pdeathsig = syscall.SIGTERM
	}
	return attr
}
