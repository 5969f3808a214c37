package pgcluster

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// sysProcAttr runs a child under as (nil: our account). A server child gets
// its own process group, so a terminal's Ctrl-C reaches only us and we shut
// it down in order, and SIGINT (a fast shutdown: sessions are ended, the
// data is left consistent) when the thread that started it exits, so a
// server whose econf was killed does not linger waiting for clients as a
// smart shutdown (SIGTERM) would.
func sysProcAttr(as *runAs, server bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{}
	if as != nil {
		attr.Credential = &syscall.Credential{Uid: as.uid, Gid: as.gid}
	}
	if server {
		attr.Setpgid = true
		attr.Pdeathsig = syscall.SIGINT
	}
	return attr
}

// postmasterState tells what process pid is now: gone, a postgres working
// in dir, or stale (another program, or a postmaster that has exited and
// waits to be reaped, which postgres would still take for a live one).
func postmasterState(pid int, dir string) pmState {
	proc := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(proc + "/stat")
	if err != nil {
		return pmGone
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	if i := bytes.LastIndexByte(stat, ')'); i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' || stat[i+2] == 'X' {
		return pmStale
	}
	comm, err := os.ReadFile(proc + "/comm")
	if err != nil {
		return pmGone
	}
	if string(bytes.TrimSpace(comm)) != "postgres" {
		return pmStale
	}
	cwd, err := os.Readlink(proc + "/cwd")
	if err != nil {
		// Not ours to inspect (another account, without root): a postgres
		// process all the same; let it be.
		return pmLive
	}
	if cwd == dir {
		return pmLive
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil && cwd == real {
		return pmLive
	}
	return pmStale
}
