package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// TestProjectionsRetryCommand: a serve whose directory read model cannot
// apply an event (its users table refuses the auditor's account) goes on
// serving; `projections status` names the stalled read model, the event and
// the error; `projections retry` while the cause is still there reports the
// failed attempt; once the cause is gone it applies the event and the read
// model goes on (issue 12 part 1c).
func TestProjectionsRetryCommand(t *testing.T) {
	t.Setenv("DATABASE_URL", pgtest.NewDatabaseURL(t, nil))
	ctx := context.Background()
	data := t.TempDir()
	cmd := func(args ...string) (string, error) {
		var out syncBuffer
		err := run(ctx, append(args, "--data", data), &out, &out)
		return out.String(), err
	}
	for _, args := range [][]string{{"migrate"}, {"seed-demo"}, {"projections", "rebuild", "directory"}} {
		if out, err := cmd(args...); err != nil {
			t.Fatalf("econf %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var schema string
	if err := pool.QueryRow(ctx, `SELECT schema_name FROM projection_state WHERE name = 'directory' AND status = 'active'`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	// The directory starts again from the first event, with a users table
	// that refuses the auditor's account.
	if _, err := pool.Exec(ctx, `TRUNCATE `+schema+`.users, `+schema+`.organisations;
		ALTER TABLE `+schema+`.users ADD CONSTRAINT no_auditor CHECK (role <> 'auditor');
		UPDATE projection_state SET checkpoint_commit = 0, checkpoint_prepare = 0, events_applied = 0 WHERE name = 'directory' AND status = 'active'`); err != nil {
		t.Fatal(err)
	}

	sctx, stop := context.WithCancel(ctx)
	var serveOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(sctx, []string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, &serveOut, &serveOut)
	}()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, serveOut.String())
		}
	}()

	var status string
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(status, "directory is stalled") {
		if time.Now().After(deadline) {
			t.Fatalf("status never showed the directory stalled:\n%s\nserve:\n%s", status, serveOut.String())
		}
		time.Sleep(200 * time.Millisecond)
		if status, err = cmd("projections", "status"); err != nil {
			t.Fatalf("projections status: %v\n%s", err, status)
		}
	}
	var line string
	for _, l := range strings.Split(status, "\n") {
		if strings.HasPrefix(l, "directory ") && line == "" {
			line = l
		}
	}
	if !strings.Contains(status, "STALLED") || !strings.Contains(line, "user.created") || !strings.Contains(line, "no_auditor") ||
		!strings.Contains(line, "1 attempt") || !strings.Contains(status, "econf projections retry directory") {
		t.Errorf("status with the directory stalled:\n%s", status)
	}
	// The other read models went on: the approval log holds every
	// forecast event (none in the demo), the status view is not stalled.
	for _, l := range strings.Split(status, "\n") {
		if f := strings.Fields(l); len(f) > 7 && f[0] != "NAME" && f[0] != "directory" && f[7] != "-" {
			t.Errorf("another read model is stalled: %s", l)
		}
	}

	// The cause is still there: the retry fails and says so.
	out, err := cmd("projections", "retry", "directory", "--wait", "20s")
	if err == nil || !strings.Contains(err.Error(), "still stalled (attempt 2)") || !strings.Contains(err.Error(), "no_auditor") {
		t.Errorf("retry with the cause still there: %v\n%s", err, out)
	}

	if _, err := pool.Exec(ctx, `ALTER TABLE `+schema+`.users DROP CONSTRAINT no_auditor`); err != nil {
		t.Fatal(err)
	}
	if out, err := cmd("projections", "retry", "directory"); err != nil || !strings.Contains(out, "applied the event and goes on") {
		t.Errorf("retry once the cause is gone: %v\n%s", err, out)
	}
	if status, err = cmd("projections", "status", "--json"); err != nil || strings.Contains(status, `"stalled"`) {
		t.Errorf("status after the retry: %v\n%s", err, status)
	}
	var users int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM rm.users WHERE role = 'auditor'`).Scan(&users); err != nil || users == 0 {
		t.Errorf("the auditor's account in the directory after the retry: %d %v", users, err)
	}

	if out, err := cmd("projections", "retry", "approval_log"); err != nil || !strings.Contains(out, "not stalled") {
		t.Errorf("retry of a read model that is not stalled: %v\n%s", err, out)
	}
	var u usageError
	if _, err := cmd("projections", "retry", "nope"); !errors.As(err, &u) {
		t.Errorf("retry of an unknown read model: %v; want a usage error", err)
	}
}
