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
	"github.com/econf/econf/internal/openapitest"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestSmoke runs the load tool for four workflows at once (four users, one
// round each: every combination of a rejected forecast or a rejected
// declaration with a conference here or in another city) against the real
// service in this process, bounded by ten seconds, and checks that every
// operation, the declaration's included, ran without an error.
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
	// Every exchange of the load is checked against the served document.
	client, err := openapitest.Client(t, svc.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := loadtest.Run(ctx, loadtest.Config{URL: svc.URL, Accounts: svc.Accounts, PlanYear: svc.PlanYear,
		Users: 4, Duration: 10 * time.Second, Workflows: 4, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d workflows, %d requests in %.1f s", rep.Workflows, rep.Requests, rep.Seconds)
	if len(rep.Errors) != 0 {
		t.Errorf("errors: %v %v", rep.Errors, rep.ErrorSamples)
	}
	if rep.Workflows != 4 {
		t.Fatalf("%d of 4 workflows completed", rep.Workflows)
	}
	got := map[string]loadtest.OpStats{}
	for _, o := range rep.Ops {
		got[o.Name] = o
	}
	for _, op := range loadtest.Operations {
		if got[op].Count == 0 {
			t.Errorf("operation %s never ran", op)
		}
		if strings.HasPrefix(op, "decl-") && got[op].Errors != 0 {
			t.Errorf("declaration operation %s: %d errors", op, got[op].Errors)
		}
	}
	// Each workflow declares its conference: every declaration reached the
	// authority's approval, half of them after a rejection, and half of
	// them uploaded the local approval of a conference in another city.
	for op, want := range map[string]int64{loadtest.OpDeclStart: 4, loadtest.OpDeclApproveAuthority: 4, loadtest.OpDeclReject: 2,
		loadtest.OpDeclSubmit: 6, loadtest.OpDeclUpload: 2, loadtest.OpDeclSave: 7*4 + 2, loadtest.OpDeclHistory: 4} {
		if got[op].Count != want {
			t.Errorf("%s ran %d times; want %d", op, got[op].Count, want)
		}
	}
	if rep.Lag.Count == 0 {
		t.Error("no projection lag measured")
	}
	if rep.DeclLag.Count != 4 {
		t.Errorf("declaration projection lag measured %d times; want 4", rep.DeclLag.Count)
	}
	var js bytes.Buffer
	if err := json.NewEncoder(&js).Encode(rep); err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{loadtest.OpHistory, loadtest.OpDeclHistory, "declarations (start)"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %s:\n%s", want, text.String())
		}
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
