package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/econf/econf/internal/pgcluster"
)

// asEconfEnv makes this test binary run as the econf command (TestMain).
const asEconfEnv = "ECONF_TEST_AS_ECONF"

// privateDataFolder is a fresh `mktemp -d` folder (0700), removed after the
// test together with the cluster Place may have put elsewhere for it.
func privateDataFolder(t *testing.T) string {
	t.Helper()
	data, err := os.MkdirTemp("", "econf-data-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if target, err := os.Readlink(filepath.Join(data, "pg")); err == nil && strings.HasPrefix(target, pgcluster.Home+"/") {
			os.RemoveAll(target)
			os.Remove(target + ".owner") // the record Place keeps beside it
		}
		os.RemoveAll(data)
	})
	return data
}

// serveProc is an `econf serve` running as its own process.
type serveProc struct {
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:port
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan struct{}
	err    error // set before done closes
}

// startServe starts `econf serve` with args and env (added to ours) and
// waits until it serves; a serve that ends first fails the test.
func startServe(t *testing.T, env []string, args ...string) *serveProc {
	t.Helper()
	p := launchServe(t, env, args...)
	p.waitServing(t)
	return p
}

// launchServe starts `econf serve` without waiting for it to serve.
func launchServe(t *testing.T, env []string, args ...string) *serveProc {
	t.Helper()
	p := &serveProc{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	p.cmd.Env = append(append(os.Environ(), asEconfEnv+"=1"), env...)
	p.cmd.Stdout = p.stdout
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	return p
}

// waitServing waits until p serves; a serve that ends first fails the test.
func (p *serveProc) waitServing(t *testing.T) {
	t.Helper()
	deadline := time.After(90 * time.Second)
	for p.base == "" {
		if m := servingAt.FindStringSubmatch(p.stderr.String()); m != nil {
			p.base = m[1]
			break
		}
		select {
		case <-p.done:
			t.Fatalf("serve ended before serving (%v):\n%s", p.err, p.stderr.String())
		case <-deadline:
			t.Fatalf("serve did not start:\n%s", p.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// kill ends the process with SIGKILL and waits for it.
func (p *serveProc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop asks the process to shut down (SIGINT) and waits for it.
func (p *serveProc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("serve: %v\n%s", p.err, p.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("serve did not shut down:\n%s", p.stderr.String())
		p.kill()
	}
}

// TestRestartAfterKill9: `econf serve` started again at once after the
// previous one was killed with SIGKILL starts at the first try, round after
// round, although its embedded PostgreSQL is still shutting down; each
// server's log, its last words included, is kept in <data>/pg/econf-log.
func TestRestartAfterKill9(t *testing.T) {
	data := privateDataFolder(t)
	env := []string{"DATABASE_URL=", "EVENTSTORE_URL="}
	const rounds = 5
	for round := 1; round <= rounds; round++ {
		p := startServe(t, env, "--data", data)
		// The first round seeds the demo; every round serves it.
		login(t, p.base, data)
		p.kill()
	}
	p := startServe(t, env, "--data", data)
	login(t, p.base, data)
	p.stop(t)

	logs, _ := filepath.Glob(filepath.Join(data, "pg", pgcluster.LogDir, "postgres-*.log"))
	if len(logs) != rounds+1 {
		t.Fatalf("server logs: %d; want one per start (%d)", len(logs), rounds+1)
	}
	for _, l := range logs {
		b, err := os.ReadFile(l)
		if err != nil || !strings.Contains(string(b), "database system is shut down") {
			t.Errorf("%s does not end with the server's shutdown (%v):\n%s", l, err, b)
		}
	}
}

// login signs in as the first demo account of data's credentials.
func login(t *testing.T, base, data string) string {
	t.Helper()
	var accounts []struct{ Email, Password string }
	b, err := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &accounts); err != nil || len(accounts) == 0 {
		t.Fatalf("demo credentials: %v", err)
	}
	body, _ := json.Marshal(map[string]string{"email": accounts[0].Email, "password": accounts[0].Password})
	res, err := checked(t, base).Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 || out.Token == "" {
		t.Fatalf("login: %d %v", res.StatusCode, err)
	}
	return out.Token
}
