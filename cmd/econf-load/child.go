package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/internal/demo"
	"github.com/econf/econf/internal/loadtest"
)

// With --server-process the embedded server runs in a child process (this
// program again, as "econf-load serve-child"), so that its resident memory
// is measured apart from the load generator's. The parent passes the
// database URLs in the environment (they hold the cluster's password), the
// child answers one JSON line (childHello) on its standard output once it
// serves, and it shuts down when its standard input closes.

const (
	childCommand = "serve-child"
	envDatabase  = "ECONF_LOAD_DATABASE_URL"
	envReplica   = "ECONF_LOAD_REPLICA_URL"
)

// childHello is what the child tells the parent once it serves.
type childHello struct {
	URL      string         `json:"url"`
	Accounts []demo.Account `json:"accounts"`
	PlanYear int            `json:"planYear"`
	PoolMax  int32          `json:"poolMaxConns"`
}

// serverSettings are the embedded server's settings, in either process.
type serverSettings struct {
	poolConns   int
	exportSlots int
	replicaURL  string
	prefill     int
}

// openService starts the service on the database at url, as econf serve
// would with these settings; close ends it and its pools.
func openService(ctx context.Context, url string, s serverSettings, log *slog.Logger) (svc *loadtest.Service, poolMax int32, close func() error, err error) {
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, 0, nil, err
	}
	if s.poolConns > 0 {
		pcfg.MaxConns = int32(s.poolConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, 0, nil, err
	}
	opts := loadtest.ServiceOptions{ExportSlots: s.exportSlots, Prefill: s.prefill}
	var rpool *pgxpool.Pool
	if s.replicaURL != "" {
		// As serve: the replica's pool has pgx's default size.
		if rpool, err = pgxpool.New(ctx, s.replicaURL); err != nil {
			pool.Close()
			return nil, 0, nil, fmt.Errorf("replica: %w", err)
		}
		opts.Replica = rpool
	}
	closePools := func() {
		if rpool != nil {
			rpool.Close()
		}
		pool.Close()
	}
	svc, err = loadtest.StartServiceWith(ctx, pool, log, opts)
	if err != nil {
		closePools()
		return nil, 0, nil, err
	}
	return svc, pcfg.MaxConns, func() error {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		err := svc.Close(sctx)
		closePools()
		return err
	}, nil
}

// runChild is "econf-load serve-child": the server alone.
func runChild(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("econf-load "+childCommand, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var s serverSettings
	fs.IntVar(&s.poolConns, "pool-max-conns", 0, "the connection pool size")
	fs.IntVar(&s.exportSlots, "export-slots", 0, "xlsx exports at once")
	fs.IntVar(&s.prefill, "prefill", 0, "forecasts of another organisation written before the start")
	if err := fs.Parse(args); err != nil {
		return err
	}
	url := os.Getenv(envDatabase)
	if url == "" {
		return errors.New(envDatabase + " is not set: this is the server half of econf-load --server-process")
	}
	s.replicaURL = os.Getenv(envReplica)
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	svc, poolMax, closeSvc, err := openService(ctx, url, s, log)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(stdout).Encode(childHello{URL: svc.URL, Accounts: svc.Accounts, PlanYear: svc.PlanYear, PoolMax: poolMax}); err != nil {
		return errors.Join(err, closeSvc())
	}
	go func() {
		_, _ = io.Copy(io.Discard, stdin) // the parent closes it when the run is over
		cancel()
	}()
	<-ctx.Done()
	return closeSvc()
}

// serverChild is the running child.
type serverChild struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	hello childHello
}

// startChild runs the server in a child process on the database at url.
func startChild(ctx context.Context, url string, s serverSettings, stderr io.Writer) (*serverChild, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, childCommand, "--pool-max-conns", strconv.Itoa(s.poolConns), "--export-slots", strconv.Itoa(s.exportSlots),
		"--prefill", strconv.Itoa(s.prefill))
	cmd.Env = append(os.Environ(), envDatabase+"="+url, envReplica+"="+s.replicaURL)
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the server process: %w", err)
	}
	c := &serverChild{cmd: cmd, stdin: stdin}
	helloErr := make(chan error, 1)
	go func() { helloErr <- json.NewDecoder(out).Decode(&c.hello) }()
	select {
	case err = <-helloErr:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("the server process did not start: %w", err), c.stop())
	}
	return c, nil
}

// pid is the child's process id, as /proc names it.
func (c *serverChild) pid() string { return strconv.Itoa(c.cmd.Process.Pid) }

// stop closes the child's standard input and waits for it to shut down,
// killing it after 20 s.
func (c *serverChild) stop() error {
	c.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("the server process: %w", err)
		}
		return nil
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
		return errors.New("the server process did not shut down in 20 s: killed")
	}
}
