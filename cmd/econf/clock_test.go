package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// TestClockOnlyOnTrainingInstances: a production instance (no
// ECONF_TRAINING=on) refuses ECONF_CLOCK and `econf clock advance` with a
// usage error before touching the database; a training instance accepts
// an offset, and advancing moves the time every process reads, recorded
// as clock.advanced with its reason as over HTTP; a training instance on
// the real clock refuses to advance it.
func TestClockOnlyOnTrainingInstances(t *testing.T) {
	ctx := context.Background()
	training := pgtest.NewDatabaseURL(t, nil)
	t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none") // never reached by a refusal
	t.Setenv("ECONF_TRAINING", "")
	t.Setenv("ECONF_CLOCK", "+90d")
	for _, args := range [][]string{{"serve", "--addr", "127.0.0.1:0"}, {"migrate"}, {"clock", "advance", "30d"}} {
		var out, errOut strings.Builder
		err := run(ctx, args, &out, &errOut)
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), "ECONF_TRAINING=on") {
			t.Errorf("%v on a production instance: %v; want a usage error naming ECONF_TRAINING=on", args, err)
		}
	}
	t.Setenv("ECONF_TRAINING", "on")
	t.Setenv("ECONF_CLOCK", "next tuesday")
	var u usageError
	if err := run(ctx, []string{"migrate"}, &strings.Builder{}, &strings.Builder{}); !errors.As(err, &u) || !strings.Contains(err.Error(), "ECONF_CLOCK") {
		t.Errorf("a malformed ECONF_CLOCK: %v; want a usage error", err)
	}

	t.Setenv("DATABASE_URL", training)
	t.Setenv("ECONF_CLOCK", "+90d")
	data := t.TempDir()
	if err := run(ctx, []string{"clock", "advance", "0d", "--reason", "培训", "--data", data}, &strings.Builder{}, &strings.Builder{}); !errors.As(err, &u) {
		t.Errorf("advancing by nothing: %v; want a usage error", err)
	}
	if err := run(ctx, []string{"clock", "advance", "30d", "--data", data}, &strings.Builder{}, &strings.Builder{}); !errors.As(err, &u) || !strings.Contains(err.Error(), "--reason") {
		t.Errorf("advancing without a reason: %v; want a usage error naming --reason", err)
	}
	// A training instance on the real clock (no ECONF_CLOCK) has no clock
	// to move: refused as over HTTP, nothing recorded.
	t.Setenv("ECONF_CLOCK", "")
	if err := run(ctx, []string{"clock", "advance", "30d", "--reason", "培训", "--data", data}, &strings.Builder{}, &strings.Builder{}); !errors.As(err, &u) || !strings.Contains(err.Error(), "real clock") {
		t.Errorf("advancing the real clock: %v; want a usage error naming the real clock", err)
	}
	t.Setenv("ECONF_CLOCK", "+90d")
	var out strings.Builder
	if err := run(ctx, []string{"clock", "advance", "30d", "--reason", "培训：总结逾期", "--data", data}, &out, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	// Recorded as POST /api/v1/admin/clock/advance records it: one
	// clock.advanced with amount and reason, by the operator, before the
	// clock moved (the refusals above recorded nothing).
	pool, err := pgxpool.New(ctx, training)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var n int
	var amount, reason, actor string
	if err := pool.QueryRow(ctx, `SELECT count(*) OVER (), data->>'amount', data->>'reason', metadata->>'actorId' FROM events WHERE type = 'clock.advanced'`).Scan(&n, &amount, &reason, &actor); err != nil || n != 1 || amount != "30d" || reason != "培训：总结逾期" || actor != operator.UserID.String() {
		t.Errorf("clock.advanced after the CLI's advance: %d events, amount %q, reason %q, actor %q (%v); want one, 30d, the reason, the operator", n, amount, reason, actor, err)
	}
	i := strings.Index(out.String(), "simulated time now ")
	if i < 0 {
		t.Fatalf("clock advance said: %s", out.String())
	}
	now, err := time.Parse(time.RFC3339, strings.TrimSuffix(strings.Fields(out.String()[i+len("simulated time now "):])[0], ";"))
	if err != nil {
		t.Fatalf("clock advance said: %s (%v)", out.String(), err)
	}
	if ahead := time.Until(now); ahead < 119*24*time.Hour || ahead > 121*24*time.Hour {
		t.Errorf("after +90d and 30d more, the simulated time is %v ahead; want 120 days", ahead)
	}

	// serve on that clock says so in its log and in /healthz, and follows.
	sctx, cancel := context.WithCancel(ctx)
	var sout, serr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(sctx, []string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--demo", "off"}, &sout, &serr)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, serr.String())
		}
	}()
	var base string
	for deadline := time.Now().Add(60 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := servingAt.FindStringSubmatch(serr.String()); m != nil {
			base = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", serr.String())
		}
	}
	if !strings.Contains(serr.String(), "simulated clock") || !strings.Contains(serr.String(), "ECONF_CLOCK=+90d") {
		t.Errorf("serve's log does not say the clock is simulated:\n%s", serr.String())
	}
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var health struct {
		Clock struct {
			Simulated    bool   `json:"simulated"`
			Setting      string `json:"setting"`
			AheadSeconds int64  `json:"aheadSeconds"`
		} `json:"clock"`
	}
	err = json.NewDecoder(res.Body).Decode(&health)
	res.Body.Close()
	if err != nil || !health.Clock.Simulated || health.Clock.Setting != "+90d" || health.Clock.AheadSeconds/86400 != 120 {
		t.Errorf("/healthz: %+v %v; want the simulated clock 120 days ahead", health, err)
	}
}
