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
	// the API (embedded: this process, load generator included).
	ServerPeakRSSMB float64 `json:"serverPeakRssMb,omitempty"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("econf-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	users := fs.Int("users", 8, "virtual users")
	duration := fs.Duration("duration", 20*time.Second, "how long to run (at most 1h)")
	workflows := fs.Int("workflows", 100_000, "at most this many workflows")
	asJSON := fs.Bool("json", false, "print the report as JSON")
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
	}
	if *rate > 0 || steps != nil {
		// --users bounds the workflows in flight; the rate sets the load.
		usersSet := false
		fs.Visit(func(f *flag.Flag) { usersSet = usersSet || f.Name == "users" })
		if !usersSet {
			*users = loadtest.DefaultOpenUsers
		}
	}
	cfg := loadtest.Config{Users: *users, Duration: *duration, Workflows: *workflows, PlanYear: *planYear, Rate: *rate}
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
		rep, err := runLoad(cfg)
		if err != nil {
			return err
		}
		res.Report = rep
		if *pid > 0 {
			res.ServerPeakRSSMB = peakRSSMB(strconv.Itoa(*pid))
		}
		return print(stdout, res, *asJSON)
	}

	res.Mode, res.Durable = "embedded", *durable
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cluster, err := pgcluster.Start(ctx, pgcluster.Options{Durable: *durable, Log: io.Discard})
	if err != nil {
		return fmt.Errorf("start PostgreSQL: %w", err)
	}
	defer cluster.Close()
	if err := cluster.CreateDatabase(ctx, "econf", ""); err != nil {
		return err
	}
	pcfg, err := pgxpool.ParseConfig(cluster.URL("econf"))
	if err != nil {
		return err
	}
	if *poolConns > 0 {
		pcfg.MaxConns = int32(*poolConns)
	}
	res.PoolMaxConns = pcfg.MaxConns
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := dbschema.Up(ctx, pool); err != nil {
		return err
	}
	svc, err := loadtest.StartService(ctx, pool, log)
	if err != nil {
		return err
	}
	cfg.URL, cfg.Accounts = svc.URL, svc.Accounts
	if cfg.PlanYear == 0 {
		cfg.PlanYear = svc.PlanYear
	}
	rep, runErr := runLoad(cfg)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := errors.Join(runErr, svc.Close(sctx)); err != nil {
		return err
	}
	res.Report = rep
	res.ServerPeakRSSMB = peakRSSMB("self")
	return print(stdout, res, *asJSON)
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
	fmt.Fprintf(w, "mode %s", res.Mode)
	if res.Mode == "embedded" {
		fmt.Fprintf(w, " (PostgreSQL durable=%t, pool %d connections; RSS includes the load generator)", res.Durable, res.PoolMaxConns)
	}
	if res.ServerPeakRSSMB > 0 {
		fmt.Fprintf(w, ", server peak RSS %.1f MB", res.ServerPeakRSSMB)
	}
	_, err := fmt.Fprintln(w)
	return err
}

// peakRSSMB reads VmHWM of /proc/<pid>/status; 0 when it cannot.
func peakRSSMB(pid string) float64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
