// Command econf-load is the load tool: virtual users run the real forecast
// and declaration (申报) workflows through the HTTP API and it reports
// throughput, latency percentiles per operation, errors by kind and the
// projection lag of forecasts and of declarations.
//
//	econf-load [--users 8] [--duration 20s] [--workflows N] [--json]
//	           start its own econf (a durable, fsync-on PostgreSQL cluster and
//	           the uploads in temporary folders, the demo seeded with the
//	           forecast window open) on a loopback port, and load it
//	econf-load --url http://127.0.0.1:8080 --credentials .econf/demo-credentials.json [--pid PID]
//	           load a running "econf serve" as its demo accounts
//	econf-load --rate 300 [--duration 20s]
//	           open loop: 300 requests/s of the workflow mix, whatever the
//	           answers' speed, latencies counted from each request's
//	           intended send time (no coordinated omission)
//	econf-load --rates 50,100,200,300,400,600 [--duration 10s] [--plot curve.png]
//	           open loop at each rate in turn, up to the first that
//	           saturates the server: a latency-versus-rate table, and its
//	           plot as a PNG
//	econf-load --users 64 --exports 10 [--export-slots 1] [--server-process]
//	           ten xlsx exports of the forecast list at once beside the
//	           users: their latencies and 503 exports-busy answers; with
//	           --server-process the embedded server runs in a child
//	           process, so that its peak RSS is the server's alone
//	           (--prefill 10000: ten thousand more forecasts, of another
//	           organisation, in the database before the run: the analyst's
//	           exports hold them)
//	econf-load --replica
//	           embedded: a streaming hot standby of the cluster serves the
//	           GET requests' reads (as econf serve with ECONF_REPLICA_URL):
//	           the share of answers read from it and its replay lag
//
// Only loopback addresses are accepted; every run is bounded by --workflows
// and --duration.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/loadtest"
	"github.com/econf/econf/internal/pgcluster"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "econf-load:", err)
		os.Exit(1)
	}
}

// result is the report with what the tool knows about the process it loaded.
type result struct {
	loadtest.Report
	// Steps are the open-loop runs of --rates, in order.
	Steps []loadtest.Report `json:"steps,omitempty"`
	// Mode is "embedded" (the tool started econf in its own process) or "url".
	Mode string `json:"mode"`
	// Durable tells whether the embedded cluster runs with fsync on.
	Durable bool `json:"durable,omitempty"`
	// PoolMaxConns is the embedded server's connection pool size.
	PoolMaxConns int32 `json:"poolMaxConns,omitempty"`
	// ServerPeakRSSMB is the peak resident memory of the process serving
	// the API (embedded: this process, load generator included, unless
	// ServerProcess is "child"), from the run's start when RSSFromRun,
	// else from the process's; ServerRSSSampledMB the largest of its
	// samples every 100 ms during the run.
	ServerPeakRSSMB    float64 `json:"serverPeakRssMb,omitempty"`
	ServerRSSSampledMB float64 `json:"serverRssSampledMaxMb,omitempty"`
	RSSFromRun         bool    `json:"rssPeakFromRunStart,omitempty"`
	// ServerProcess says whose memory that is: "self" (the load tool's own
	// process, the server embedded in it), "child" (the server alone, in a
	// child process) or "pid" (--pid).
	ServerProcess string `json:"serverProcess,omitempty"`
	// ExportSlots is the embedded server's ExportSlots (0: its default).
	ExportSlots int `json:"exportSlots,omitempty"`
	// Prefill is how many forecasts of another organisation the embedded
	// server's database held before the run.
	Prefill int `json:"prefill,omitempty"`
	// Replica tells whether the embedded server read from a standby, and
	// Replication is that standby's replay lag over the run.
	Replica     bool                     `json:"replica,omitempty"`
	Replication *loadtest.ReplicationLag `json:"replication,omitempty"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == childCommand {
		return runChild(ctx, args[1:], os.Stdin, stdout, stderr)
	}
	fs := flag.NewFlagSet("econf-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	users := fs.Int("users", 8, "virtual users")
	duration := fs.Duration("duration", 20*time.Second, "how long to run (at most 1h)")
	workflows := fs.Int("workflows", 100_000, "at most this many workflows")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	jsonOut := fs.String("json-out", "", "also write the report as JSON to this file (the text goes to the standard output)")
	target := fs.String("url", "", "base URL of a running econf (loopback only); empty starts one in this process")
	creds := fs.String("credentials", ".econf/demo-credentials.json", "with --url: the demo logins econf serve wrote")
	planYear := fs.Int("plan-year", 0, "with --url: the plan year whose forecast window is open (default next year)")
	pid := fs.Int("pid", 0, "with --url: the server's process id, to report its peak RSS")
	durable := fs.Bool("durable", true, "embedded: run PostgreSQL with fsync on (off only for quick trials)")
	poolConns := fs.Int("pool-max-conns", 0, "embedded: the server's connection pool size (0: pgx's default, as econf serve)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process to this file for the run (embedded: server and load generator together)")
	rate := fs.Float64("rate", 0, "open loop: send this many requests per second of the workflow mix, latencies from each request's intended send time")
	rates := fs.String("rates", "", "open loop at each of these comma-separated rates in turn (each for --duration), up to the first that saturates the server")
	plotFile := fs.String("plot", "", "with --rates: write the latency-versus-rate plot to this PNG file")
	exports := fs.Int("exports", 0, "closed loop: run this many xlsx exports of the forecast list at once beside the users (school admin and analyst in turn)")
	exportSlots := fs.Int("export-slots", 0, "embedded: the server's xlsx exports at once (httpapi ExportSlots; 0: its default, 2)")
	prefill := fs.Int("prefill", 0, "embedded: before the run, write this many forecasts of another organisation into the event store (benchdata's; the analyst's exports and lists hold them) and wait for the read models")
	serverProcess := fs.Bool("server-process", false, "embedded: run the server in a child process, so that the peak RSS reported is the server's alone")
	withReplica := fs.Bool("replica", false, "embedded: start a streaming hot standby of the cluster (pg_basebackup -R) and read from it as econf serve with ECONF_REPLICA_URL does; report the share of GETs it answered and its replay lag")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	steps, err := parseRates(*rates)
	if err != nil {
		return err
	}
	switch {
	case *rate < 0:
		return fmt.Errorf("--rate %v: want requests per second above 0", *rate)
	case *rate > 0 && steps != nil:
		return errors.New("--rate and --rates: give one")
	case *plotFile != "" && steps == nil:
		return errors.New("--plot needs --rates")
	case *exports < 0:
		return fmt.Errorf("--exports %d: want 0 or more", *exports)
	case *exports > 0 && (*rate > 0 || steps != nil):
		return errors.New("--exports runs beside the closed loop: not with --rate or --rates")
	case *target != "" && (*withReplica || *serverProcess || *exportSlots != 0):
		return errors.New("--replica, --server-process and --export-slots set up the embedded server: not with --url")
	case *prefill < 0 || *prefill > loadtest.MaxWorkflows:
		return fmt.Errorf("--prefill %d: want 0 to %d", *prefill, loadtest.MaxWorkflows)
	case *target != "" && *prefill > 0:
		return errors.New("--prefill fills the embedded server's database: not with --url")
	case *exportSlots < 0:
		return fmt.Errorf("--export-slots %d: want 0 or more", *exportSlots)
	}
	if *rate > 0 || steps != nil {
		// --users bounds the workflows in flight; the rate sets the load.
		usersSet := false
		fs.Visit(func(f *flag.Flag) { usersSet = usersSet || f.Name == "users" })
		if !usersSet {
			*users = loadtest.DefaultOpenUsers
		}
	}
	cfg := loadtest.Config{Users: *users, Duration: *duration, Workflows: *workflows, PlanYear: *planYear, Rate: *rate, Exports: *exports}
	res := result{Mode: "url"}
	runLoad := func(cfg loadtest.Config) (loadtest.Report, error) {
		return profiled(*cpuProfile, func() (loadtest.Report, error) {
			if steps == nil {
				return loadtest.Run(ctx, cfg)
			}
			reps, err := loadtest.RunCurve(ctx, cfg, steps, func(r loadtest.Report) {
				fmt.Fprintf(stderr, "econf-load: %.0f requests/s offered, %.1f done; command p99 %.1f ms, query p99 %.1f ms; saturated %t %s\n",
					r.Open.OfferedRate, r.Throughput, r.CommandLatency.P99, r.QueryLatency.P99, r.Open.Saturated, r.Open.SaturatedBy)
			})
			if err != nil {
				return loadtest.Report{}, err
			}
			res.Steps = reps
			if *plotFile != "" {
				if err := writePlot(*plotFile, reps); err != nil {
					return loadtest.Report{}, err
				}
			}
			return reps[len(reps)-1], nil
		})
	}
	if *target != "" {
		if err := loadtest.CheckLoopback(*target); err != nil {
			return err
		}
		b, err := os.ReadFile(*creds)
		if err != nil {
			return fmt.Errorf("demo credentials: %w", err)
		}
		if err := json.Unmarshal(b, &cfg.Accounts); err != nil {
			return fmt.Errorf("demo credentials %s: %w", *creds, err)
		}
		cfg.URL = *target
		var rss *rssWatch
		if *pid > 0 {
			rss, res.ServerProcess = watchRSS(strconv.Itoa(*pid)), "pid"
		}
		rep, err := runLoad(cfg)
		if rss != nil {
			res.ServerPeakRSSMB, res.ServerRSSSampledMB, res.RSSFromRun = rss.stop()
		}
		if err != nil {
			return err
		}
		res.Report = rep
		return report(stdout, res, *asJSON, *jsonOut)
	}

	res.Mode, res.Durable, res.ExportSlots, res.Replica, res.Prefill = "embedded", *durable, *exportSlots, *withReplica, *prefill
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cluster, err := pgcluster.Start(ctx, pgcluster.Options{Durable: *durable, Log: io.Discard})
	if err != nil {
		return fmt.Errorf("start PostgreSQL: %w", err)
	}
	defer cluster.Close()
	if err := cluster.CreateDatabase(ctx, "econf", ""); err != nil {
		return err
	}
	// This pool migrates, and watches the standby's replication; the
	// server has its own.
	pool, err := pgxpool.New(ctx, cluster.URL("econf"))
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := dbschema.Up(ctx, pool); err != nil {
		return err
	}
	settings := serverSettings{poolConns: *poolConns, exportSlots: *exportSlots, prefill: *prefill}
	if *withReplica {
		standby, err := loadtest.StartStandby(ctx, cluster, *durable)
		if err != nil {
			return fmt.Errorf("start the standby: %w", err)
		}
		defer standby.Close()
		settings.replicaURL = standby.URL("econf")
	}
	var stopServer func() error
	servedBy := "self"
	res.ServerProcess = "self"
	if *serverProcess {
		child, err := startChild(ctx, cluster.URL("econf"), settings, stderr)
		if err != nil {
			return err
		}
		stopServer, servedBy, res.ServerProcess = child.stop, child.pid(), "child"
		cfg.URL, cfg.Accounts, res.PoolMaxConns = child.hello.URL, child.hello.Accounts, child.hello.PoolMax
		if cfg.PlanYear == 0 {
			cfg.PlanYear = child.hello.PlanYear
		}
	} else {
		svc, poolMax, closeSvc, err := openService(ctx, cluster.URL("econf"), settings, log)
		if err != nil {
			return err
		}
		stopServer, res.PoolMaxConns = closeSvc, poolMax
		cfg.URL, cfg.Accounts = svc.URL, svc.Accounts
		if cfg.PlanYear == 0 {
			cfg.PlanYear = svc.PlanYear
		}
	}
	var sampler *loadtest.ReplicationSampler
	if *withReplica {
		sampler = loadtest.SampleReplication(ctx, pool, 50*time.Millisecond)
	}
	rss := watchRSS(servedBy)
	rep, runErr := runLoad(cfg)
	res.ServerPeakRSSMB, res.ServerRSSSampledMB, res.RSSFromRun = rss.stop()
	if sampler != nil {
		lag := sampler.Stop()
		res.Replication = &lag
	}
	if err := errors.Join(runErr, stopServer()); err != nil {
		return err
	}
	res.Report = rep
	return report(stdout, res, *asJSON, *jsonOut)
}

// profiled runs the load, with a CPU profile of this process written to
// path if it is not empty: the run only, not the set-up (argon2 hashing of
// the demo accounts would otherwise dominate it).
func profiled(path string, run func() (loadtest.Report, error)) (loadtest.Report, error) {
	if path == "" {
		return run()
	}
	f, err := os.Create(path)
	if err != nil {
		return loadtest.Report{}, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return loadtest.Report{}, fmt.Errorf("cpu profile: %w", err)
	}
	rep, err := run()
	pprof.StopCPUProfile()
	return rep, errors.Join(err, f.Close())
}

// parseRates reads --rates: nil when empty.
func parseRates(s string) ([]float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []float64
	for _, f := range strings.Split(s, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || r <= 0 || math.IsInf(r, 0) {
			return nil, fmt.Errorf("--rates %q: %q is not a rate above 0", s, f)
		}
		out = append(out, r)
	}
	return out, nil
}

func writePlot(path string, reps []loadtest.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if err := loadtest.WriteCurvePNG(f, reps); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// report prints res, and writes it as JSON to jsonOut when that is not
// empty.
func report(w io.Writer, res result, asJSON bool, jsonOut string) error {
	if jsonOut != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return print(w, res, asJSON)
}

func print(w io.Writer, res result, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	if res.Steps != nil {
		if err := loadtest.WriteCurveText(w, res.Steps); err != nil {
			return err
		}
		fmt.Fprintf(w, "\nthe last step in detail:\n")
	}
	if err := res.WriteText(w); err != nil {
		return err
	}
	if l := res.Replication; l != nil {
		fmt.Fprintf(w, "replica replay lag (pg_stat_replication every %.0f ms, %d samples): p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms; WAL not replayed p50 %.0f B, p99 %.0f B, max %.0f B; samples without a streaming standby %d\n",
			l.SampleMS, l.Samples, l.Replay.P50, l.Replay.P95, l.Replay.P99, l.Replay.Max, l.BytesP50, l.BytesP99, l.BytesMax, l.Missing)
	}
	fmt.Fprintf(w, "mode %s", res.Mode)
	if res.Mode == "embedded" {
		slots := "the server's default"
		if res.ExportSlots > 0 {
			slots = strconv.Itoa(res.ExportSlots)
		}
		fmt.Fprintf(w, " (PostgreSQL durable=%t, pool %d connections, export slots %s, read replica %t, prefilled forecasts %d)", res.Durable, res.PoolMaxConns, slots, res.Replica, res.Prefill)
	}
	if res.ServerPeakRSSMB > 0 {
		whose := map[string]string{"self": "this process, load generator included", "child": "the server's child process alone", "pid": "the process --pid names"}[res.ServerProcess]
		since := "its start"
		if res.RSSFromRun {
			since = "the run's start"
		}
		fmt.Fprintf(w, ", server peak RSS %.1f MB since %s (%s; largest sample %.1f MB)", res.ServerPeakRSSMB, since, whose, res.ServerRSSSampledMB)
	}
	_, err := fmt.Fprintln(w)
	return err
}
