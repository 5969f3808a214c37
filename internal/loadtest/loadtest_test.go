package loadtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/loadtest"
	"github.com/econf/econf/internal/openapitest"
	"github.com/econf/econf/internal/pgcluster"
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
	// The histories' figures are quoted on their own too.
	if rep.DeclHistory != got[loadtest.OpDeclHistory].Stats || rep.History != got[loadtest.OpHistory].Stats || rep.DeclHistory.P99 <= 0 {
		t.Errorf("histories: forecast %+v, declaration %+v; operations: %+v, %+v", rep.History, rep.DeclHistory,
			got[loadtest.OpHistory].Stats, got[loadtest.OpDeclHistory].Stats)
	}
	if rep.ReadFrom != nil || rep.Exports != nil {
		t.Errorf("no replica and no exports, but read from %+v, exports %+v", rep.ReadFrom, rep.Exports)
	}
	if rep.Lag.Count == 0 {
		t.Error("no projection lag measured")
	}
	if rep.DeclLag.Count != 4 {
		t.Errorf("declaration projection lag measured %d times; want 4", rep.DeclLag.Count)
	}
	// Inside the server every read model's every event is timed: far more
	// than the client's probes, each between 0 and the run's length.
	if sl := rep.ServerLag; sl.Count < 4*rep.Lag.Count || sl.P50 <= 0 || sl.P99 < sl.P50 || sl.Mean <= 0 || sl.P99 > rep.Seconds*1000 {
		t.Errorf("projection lag inside the server: %+v (client probes: %d)", sl, rep.Lag.Count)
	}
	var js bytes.Buffer
	if err := json.NewEncoder(&js).Encode(rep); err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{loadtest.OpHistory, loadtest.OpDeclHistory, "declarations (start)", "projection lag inside the server"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %s:\n%s", want, text.String())
		}
	}
}

func startService(t *testing.T) *loadtest.Service {
	t.Helper()
	ctx := context.Background()
	svc, err := loadtest.StartService(ctx, pgtest.NewDatabase(t, dbschema.Up), slog.New(slog.NewTextHandler(io.Discard, nil)))
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
	return svc
}

// TestOpenLoopSmoke runs the open loop briefly at a tiny rate, then steps
// two rates into a curve, its table and its PNG plot.
func TestOpenLoopSmoke(t *testing.T) {
	ctx := context.Background()
	svc := startService(t)
	client, err := openapitest.Client(t, svc.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadtest.Config{URL: svc.URL, Accounts: svc.Accounts, PlanYear: svc.PlanYear, Duration: 1500 * time.Millisecond, Client: client}
	reps, err := loadtest.RunCurve(ctx, cfg, []float64{10, 20}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 {
		t.Fatalf("%d steps, want 2", len(reps))
	}
	for i, rep := range reps {
		o := rep.Open
		if rep.Loop != "open" || o == nil {
			t.Fatalf("step %d: loop %q", i, rep.Loop)
		}
		t.Logf("%.0f/s offered: %d due, %d sent, %d requests, command p99 %.1f ms, query p99 %.1f ms, saturated %t %s",
			o.OfferedRate, o.Scheduled, o.Sent, rep.Requests, rep.CommandLatency.P99, rep.QueryLatency.P99, o.Saturated, o.SaturatedBy)
		if want := int64(15 * (i + 1)); o.Scheduled != want || o.Sent != want {
			t.Errorf("step %d: %d requests due and %d sent; want %d of each", i, o.Scheduled, o.Sent, want)
		}
		if len(rep.Errors) != 0 {
			t.Errorf("step %d errors: %v %v", i, rep.Errors, rep.ErrorSamples)
		}
		if rep.ServerLag.Count == 0 {
			t.Errorf("step %d: no projection lag measured inside the server", i)
		}
		if rep.Requests != o.Sent || rep.CommandLatency.Count == 0 || rep.QueryLatency.Count == 0 && i == 1 {
			t.Errorf("step %d: %d requests answered (%d commands, %d queries) of %d sent", i, rep.Requests,
				rep.CommandLatency.Count, rep.QueryLatency.Count, o.Sent)
		}
	}
	var text strings.Builder
	if err := loadtest.WriteCurveText(&text, reps); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "offered/s") || strings.Count(text.String(), "\n") != 4 {
		t.Errorf("curve table:\n%s", text.String())
	}
	var img bytes.Buffer
	if err := loadtest.WriteCurvePNG(&img, reps); err != nil {
		t.Fatal(err)
	}
	cfgImg, err := png.DecodeConfig(&img)
	if err != nil || cfgImg.Width < 400 || cfgImg.Height < 200 {
		t.Errorf("plot: %+v, %v", cfgImg, err)
	}
}

// TestOpenLoopCountsFromTheSchedule: with one workflow allowed in flight
// the schedule falls behind, and each request's latency counts from when
// it was due, so the wait shows in the latencies instead of being left
// out (coordinated omission).
func TestOpenLoopCountsFromTheSchedule(t *testing.T) {
	svc := startService(t)
	rep, err := loadtest.Run(context.Background(), loadtest.Config{URL: svc.URL, Accounts: svc.Accounts, PlanYear: svc.PlanYear,
		Users: 1, Rate: 400, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	o := rep.Open
	var slowest float64
	for _, op := range rep.Ops {
		slowest = max(slowest, op.Max)
	}
	t.Logf("%d due, %d sent, at most %.1f ms behind; slowest request %.1f ms; saturated %t %s", o.Scheduled, o.Sent, o.MaxBehindMS, slowest, o.Saturated, o.SaturatedBy)
	if o.MaxInFlight != 1 || o.Sent >= o.Scheduled || o.MaxBehindMS < 50 || !o.Saturated {
		t.Errorf("one workflow at 400 requests/s: %+v; want it behind the schedule and saturated", *o)
	}
	if slowest < o.MaxBehindMS {
		t.Errorf("slowest request %.1f ms, but a request was due %.1f ms before it was sent", slowest, o.MaxBehindMS)
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

// TestExportsSmoke runs three xlsx exporters (the school admin and the
// analyst) beside two users on a server with one export slot and 300
// forecasts of another organisation written before it started: the
// exports complete (or find the slot busy), the workflows run without an
// error, and the analyst's workbooks hold the prefilled forecasts.
func TestExportsSmoke(t *testing.T) {
	ctx := context.Background()
	svc, err := loadtest.StartServiceWith(ctx, pgtest.NewDatabase(t, dbschema.Up), slog.New(slog.NewTextHandler(io.Discard, nil)),
		loadtest.ServiceOptions{ExportSlots: 1, Prefill: 300})
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
		Users: 2, Duration: 10 * time.Second, Workflows: 2, Exports: 3})
	if err != nil {
		t.Fatal(err)
	}
	x := rep.Exports
	if x == nil {
		t.Fatal("no exports reported")
	}
	t.Logf("%d workflows; exports: %+v", rep.Workflows, *x)
	if len(rep.Errors) != 0 || rep.Workflows != 2 {
		t.Errorf("%d of 2 workflows, errors: %v %v", rep.Workflows, rep.Errors, rep.ErrorSamples)
	}
	// 300 rows of a workbook take well over 10 kB zipped; the school's
	// own few forecasts a few kB.
	if x.Exporters != 3 || x.Completed < 3 || len(x.Errors) != 0 || x.MaxBytes < 10_000 || x.Latency.Count != x.Completed {
		t.Errorf("exports: %+v", *x)
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "xlsx exports, 3 at once") {
		t.Errorf("text report lacks the exports:\n%s", text.String())
	}
	if _, err := loadtest.Run(ctx, loadtest.Config{URL: svc.URL, Accounts: svc.Accounts, Rate: 10, Exports: 1}); err == nil {
		t.Error("exports beside an open loop accepted")
	}
}

// TestReplicaSmoke starts a primary and its streaming hot standby
// (pg_basebackup -R), serves with reads from the standby, runs two
// workflows and checks that GETs were answered from it, without an error
// (the reads before a revision wait for the rejection's position), and
// that its replay lag was sampled.
func TestReplicaSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two PostgreSQL clusters")
	}
	ctx := context.Background()
	primary, err := pgcluster.Start(ctx, pgcluster.Options{Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = primary.Close() })
	if err := primary.CreateDatabase(ctx, "econf", ""); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, primary.URL("econf"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := dbschema.Up(ctx, pool); err != nil {
		t.Fatal(err)
	}
	standby, err := loadtest.StartStandby(ctx, primary, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = standby.Close() })
	rpool, err := pgxpool.New(ctx, standby.URL("econf"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rpool.Close)
	svc, err := loadtest.StartServiceWith(ctx, pool, slog.New(slog.NewTextHandler(io.Discard, nil)), loadtest.ServiceOptions{Replica: rpool})
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
	sampler := loadtest.SampleReplication(ctx, pool, 20*time.Millisecond)
	rep, err := loadtest.Run(ctx, loadtest.Config{URL: svc.URL, Accounts: svc.Accounts, PlanYear: svc.PlanYear,
		Users: 2, Duration: 15 * time.Second, Workflows: 2})
	lag := sampler.Stop()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("read from %+v; replication %+v", rep.ReadFrom, lag)
	if len(rep.Errors) != 0 || rep.Workflows != 2 {
		t.Errorf("%d of 2 workflows, errors: %v %v", rep.Workflows, rep.Errors, rep.ErrorSamples)
	}
	if f := rep.ReadFrom; f == nil || f.Replica == 0 || f.ReplicaShare <= 0 || f.ReplicaShare > 1 {
		t.Errorf("GETs read from %+v; want some from the replica", f)
	}
	if lag.Samples == 0 || lag.Missing != 0 || lag.Replay.Count != lag.Samples {
		t.Errorf("replication lag: %+v", lag)
	}
}
