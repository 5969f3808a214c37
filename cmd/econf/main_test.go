package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// TestMain runs the tests, or, in a process a test started with
// asEconf, the econf command itself: the tests run econf as real
// processes (kill -9, several at once) from this one binary.
func TestMain(m *testing.M) {
	if os.Getenv(asEconfEnv) == "1" {
		main()
		os.Exit(0)
	}
	pgtest.Main(m)
}

// syncBuffer is a buffer two goroutines may use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingAt = regexp.MustCompile(`msg="econf serving" addr=(http://[0-9.:]+)`)

// TestServeEmbedded runs the service as the README's run command does: no
// DATABASE_URL, so an embedded PostgreSQL under the data folder; the demo
// is seeded on first start, its credentials work, and a signal stops it.
func TestServeEmbedded(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	// A mktemp -d folder (0700): as root, the postgres user cannot
	// traverse it, and the cluster is placed where it can live.
	data := privateDataFolder(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, &stdout, &stderr) }()

	var base string
	deadline := time.Now().Add(60 * time.Second)
	for base == "" {
		if m := servingAt.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	res, err := checked(t, base).Get(base + "/readyz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", res, err)
	}
	res.Body.Close()
	// The image's HEALTHCHECK: `econf healthcheck` with serve's ECONF_ADDR,
	// a wildcard address asked on loopback.
	port := base[strings.LastIndex(base, ":")+1:]
	for _, addr := range []string{"127.0.0.1:" + port, "0.0.0.0:" + port} {
		t.Setenv("ECONF_ADDR", addr)
		var out syncBuffer
		if err := run(ctx, []string{"healthcheck"}, &out, &out); err != nil || !strings.Contains(out.String(), `"ok"`) {
			t.Errorf("healthcheck at %s: %v\n%s", addr, err, out.String())
		}
		out = syncBuffer{}
		if err := run(ctx, []string{"healthcheck", "--ready"}, &out, &out); err != nil || !strings.Contains(out.String(), "/readyz") {
			t.Errorf("healthcheck --ready at %s: %v\n%s", addr, err, out.String())
		}
	}
	if !strings.Contains(stdout.String(), "applicant@") {
		t.Errorf("demo credentials not printed:\n%s", stdout.String())
	}
	var accounts []struct{ Role, Email, Password string }
	b, err := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &accounts); err != nil || len(accounts) != 9 {
		t.Fatalf("demo credentials: %v (%d accounts)", err, len(accounts))
	}
	body, _ := json.Marshal(map[string]string{"email": accounts[0].Email, "password": accounts[0].Password})
	res, err = checked(t, base).Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("demo login: %v %v", res, err)
	}
	res.Body.Close()

	// An operator command beside the running server attaches to its cluster.
	var out syncBuffer
	if err := run(context.Background(), []string{"projections", "status", "--data", data}, &out, &out); err != nil {
		t.Fatalf("projections status beside serve: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "forecast_list") {
		t.Errorf("status output:\n%s", out.String())
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
	}
	// Stopped, it is unhealthy.
	var out2 syncBuffer
	if err := run(context.Background(), []string{"healthcheck", "--addr", base[len("http://"):], "--timeout", "2s"}, &out2, &out2); err == nil {
		t.Errorf("healthcheck after shutdown succeeded:\n%s", out2.String())
	}
	if _, err := os.Stat(filepath.Join(data, "pg", "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("embedded PostgreSQL still running after shutdown (postmaster.pid: %v)", err)
	}
	if !regexp.MustCompile(`msg="embedded PostgreSQL" .*log=\S*/econf-log/postgres-`).MatchString(stderr.String()) {
		t.Errorf("serve's log does not name the server's log file:\n%s", stderr.String())
	}
}

// TestOperatorCommands runs migrate, seed-demo and the projection commands
// against a database given by DATABASE_URL.
func TestOperatorCommands(t *testing.T) {
	t.Setenv("DATABASE_URL", pgtest.NewDatabaseURL(t, nil))
	ctx := context.Background()
	data := t.TempDir()
	cmd := func(args ...string) (string, error) {
		var out syncBuffer
		err := run(ctx, append(args, "--data", data), &out, &out)
		return out.String(), err
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"migrate"}, "migrations applied"},
		{[]string{"seed-demo"}, "platform_admin"},
		{[]string{"seed-demo"}, "left as they were"}, // again: finds the tree, keeps the passwords
		{[]string{"projections", "rebuild", "approval_log"}, "rebuilt approval_log"},
		{[]string{"projections", "rebuild", "status_view", "approval_log"}, "rebuilt status_view"}, // one pass for both
		{[]string{"projections", "rebuild", "all"}, "rebuilt delegate_list"},
		{[]string{"projections", "status", "--json"}, `"name": "approval_log"`},
		{[]string{"audit", "verify"}, "events in"},
	} {
		out, err := cmd(c.args...)
		if err != nil || !strings.Contains(out, c.want) {
			t.Errorf("econf %s: %v\n%s", strings.Join(c.args, " "), err, out)
		}
	}
	// An event whose recorded predecessor was rewritten is found by audit verify.
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `UPDATE events SET metadata = jsonb_set(metadata::jsonb, '{prevHash}', '"0000"')::json WHERE position = (SELECT min(position) FROM events)`); err != nil {
		t.Fatal(err)
	}
	if out, err := cmd("audit", "verify"); err == nil || !strings.Contains(out, "BROKEN") {
		t.Errorf("audit verify after a rewrite: %v\n%s", err, out)
	}
	var u usageError
	for _, args := range [][]string{{"frobnicate"}, {"projections", "rebuild", "nope"}, {"projections"}, {"serve", "--log-format", "xml"}} {
		if _, err := cmd(args...); !errors.As(err, &u) {
			t.Errorf("econf %s: got %v; want a usage error", strings.Join(args, " "), err)
		}
	}
	t.Setenv("EVENTSTORE_URL", "esdb://localhost:notaport")
	if _, err := cmd("migrate"); err == nil || !strings.Contains(err.Error(), "EVENTSTORE_URL") {
		t.Errorf("malformed EVENTSTORE_URL: %v", err)
	}
}
