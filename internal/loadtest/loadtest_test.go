package loadtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/loadtest"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestSmoke runs the load tool for two seconds against the real service in
// this process and checks that every operation ran without an error.
func TestSmoke(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewDatabase(t, dbschema.Up)
	svc, err := loadtest.StartService(ctx, pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := svc.Close(sctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	rep, err := loadtest.Run(ctx, loadtest.Config{URL: svc.URL, Accounts: svc.Accounts, PlanYear: svc.PlanYear,
		Users: 4, Duration: 2 * time.Second, Workflows: 200})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 0 {
		t.Errorf("errors: %v %v", rep.Errors, rep.ErrorSamples)
	}
	if rep.Workflows == 0 {
		t.Fatal("no workflow completed")
	}
	got := map[string]loadtest.OpStats{}
	for _, o := range rep.Ops {
		got[o.Name] = o
	}
	for _, op := range loadtest.Operations {
		if got[op].Count == 0 {
			t.Errorf("operation %s never ran", op)
		}
	}
	if rep.Lag.Count == 0 {
		t.Error("no projection lag measured")
	}
	var js bytes.Buffer
	if err := json.NewEncoder(&js).Encode(rep); err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), loadtest.OpHistory) {
		t.Errorf("text report lacks %s:\n%s", loadtest.OpHistory, text.String())
	}
}

func TestLoopbackOnly(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:80"} {
		if err := loadtest.CheckLoopback(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://10.0.0.1:8080", "http://example.org", "ftp://127.0.0.1"} {
		if err := loadtest.CheckLoopback(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	if _, err := loadtest.Run(context.Background(), loadtest.Config{URL: "http://192.0.2.1:80"}); err == nil {
		t.Error("Run accepted a non-loopback URL")
	}
}
