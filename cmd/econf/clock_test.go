package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// TestClockOnlyOnTrainingInstances: a production instance (no
// ECONF_TRAINING=on) refuses ECONF_CLOCK and `econf clock advance` with a
// usage error before touching the database; a training instance accepts
// an offset, and advancing moves the time every process reads.
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
	if err := run(ctx, []string{"clock", "advance", "0d", "--data", data}, &strings.Builder{}, &strings.Builder{}); !errors.As(err, &u) {
		t.Errorf("advancing by nothing: %v; want a usage error", err)
	}
	var out strings.Builder
	if err := run(ctx, []string{"clock", "advance", "30d", "--data", data}, &out, &strings.Builder{}); err != nil {
		t.Fatal(err)
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
}
