//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// openPTY opens a pseudo-terminal: the master to type on, the slave to be
// the command's standard input.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// TestAdminCreatePrompt: without --password-file, `econf admin create` on
// a terminal asks for the password twice; two different answers create
// nothing, the same one twice creates the administrator.
func TestAdminCreatePrompt(t *testing.T) {
	dbURL := pgtest.NewDatabaseURL(t, nil)
	data := t.TempDir()
	adminCreate := func(answers ...string) (string, error) {
		master, slave := openPTY(t)
		var stdout, stderr syncBuffer
		cmd := exec.Command(os.Args[0], "admin", "create", "--email", "registrar@example.edu.cn", "--name", "Qian Lan",
			"--org-name", "示例主管部门", "--data", data)
		cmd.Env = append(os.Environ(), asEconfEnv+"=1", "DATABASE_URL="+dbURL, "EVENTSTORE_URL=")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { // the echo, if any, must not fill the terminal's buffer
			b := make([]byte, 1024)
			for {
				if _, err := master.Read(b); err != nil {
					return
				}
			}
		}()
		for i, a := range answers {
			for deadline := time.Now().Add(30 * time.Second); strings.Count(stderr.String(), "assword") <= i; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatalf("no prompt %d:\n%s", i+1, stderr.String())
				}
			}
			if _, err := master.Write([]byte(a + "\n")); err != nil {
				t.Fatal(err)
			}
		}
		err := cmd.Wait()
		return stdout.String() + stderr.String(), err
	}
	out, err := adminCreate("violet kettle ninety 42", "violet kettle ninety 43")
	if err == nil || !strings.Contains(out, "the two passwords differ") || strings.Contains(out, "platform administrator") {
		t.Fatalf("different answers: %v\n%s", err, out)
	}
	out, err = adminCreate("violet kettle ninety 42", "violet kettle ninety 42")
	if err != nil || !strings.Contains(out, "platform administrator registrar@example.edu.cn created") {
		t.Fatalf("the same answer twice: %v\n%s", err, out)
	}
	if strings.Contains(out, "violet kettle") {
		t.Errorf("the password shows in the output:\n%s", out)
	}
}
