package loadtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/benchdata"
	"github.com/econf/econf/internal/demo"
	"github.com/econf/econf/internal/filestore"
	"github.com/econf/econf/internal/metrics"
	"github.com/econf/econf/internal/replica"
	"github.com/econf/econf/projections"
)

// Service is the real econf service (event store, commands, projections on
// Watermill, HTTP API) on a migrated database, serving on a loopback port,
// assembled from the same packages as "econf serve".
type Service struct {
	// URL is the server's base URL.
	URL string
	// Accounts are the demo logins seeded into the database.
	Accounts []demo.Account
	// PlanYear is the year whose forecast window the seed opened.
	PlanYear int

	srv    *http.Server
	cancel context.CancelFunc
	done   chan error
	tasks  int    // the goroutines that send to done
	files  string // the uploads' temporary folder
}

// ServiceOptions are the settings of "econf serve" a load run varies.
type ServiceOptions struct {
	// ExportSlots is how many xlsx exports run at once (httpapi's
	// ExportSlots); 0: the server's default.
	ExportSlots int
	// Replica, when not nil, is a pool on a streaming hot standby of the
	// primary: as "econf serve" with ECONF_REPLICA_URL (its default lag
	// limit and wait), GET requests read lists, details, histories and
	// exports from it while it keeps up.
	Replica *pgxpool.Pool
	// Prefill, before the demo is seeded, writes this many forecasts of
	// another organisation into the event store (internal/benchdata's
	// records, each submitted and decided through its six events), and the
	// service starts once every read model has applied them: lists and
	// exports then hold that many more rows. The school's accounts do not
	// see them; the analyst (no scope) does.
	Prefill int
}

// prefillWait bounds the wait for the read models to apply Prefill.
const prefillWait = 15 * time.Minute

// StartService seeds the demo organisation (with the forecast window for
// next year's plan open from today to 31 December, as "econf serve" does on
// first start, on the real clock), starts the projections and serves the
// API on 127.0.0.1 at a free port. As in "econf serve", uploads are kept
// (here in a temporary folder that Close removes) and overdue summaries
// are looked up on every declaration submit (R-SUM-02).
func StartService(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (*Service, error) {
	return StartServiceWith(ctx, pool, log, ServiceOptions{})
}

// StartServiceWith is StartService with opts.
func StartServiceWith(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, opts ServiceOptions) (*Service, error) {
	clock := policy.SystemClock{}
	raw := pgstore.New(pool)
	var store eventstore.Store = raw
	var router *replica.Router
	if opts.Replica != nil {
		// As serve's openReplica: the application's stream reads under a
		// GET go to the standby; appends, $all and the projections stay on
		// the primary.
		router = replica.New(pool, opts.Replica, replica.Options{Log: log})
		store = router.Store(raw, pgstore.New(opts.Replica))
	}
	as := auth.NewStore(pool, clock.Now)
	dir, err := os.MkdirTemp("", "econf-load-files-")
	if err != nil {
		return nil, err
	}
	files, err := filestore.NewLocal(dir, clock.Now)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	reads := projections.NewQueries(pool)
	httpReads := reads
	var readReplica httpapi.ReadReplica
	if router != nil {
		router.Check(ctx)
		httpReads, readReplica = projections.NewQueries(router.DB()), router
	}
	app, err := commands.New(commands.Deps{Store: store, Clock: clock, Credentials: as, Sessions: as, Files: files, Overdue: reads})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if opts.Prefill > 0 {
		if err := benchdata.FillEvents(ctx, raw, benchdata.NewOrg(), 0, opts.Prefill, 4); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("prefill %d forecasts: %w", opts.Prefill, err)
		}
	}
	today := domain.DateOf(clock.Now())
	window := &policy.WindowOverride{PlanYear: today.Year + 1, Open: today, Close: domain.Date{Year: today.Year, Month: 12, Day: 31}}
	tree, err := demo.Seed(ctx, app, nil, window)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("seed the demo: %w", err)
	}
	// The projections read $all and subscribe on the primary: raw.
	runner, err := projections.NewRunner(pool, raw, log, projections.All()...)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// The projection lag inside the server, served at /metrics as by serve.
	m := metrics.New()
	runner.ObserveLag(m.ProjectionLag)
	if err := runner.Prepare(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Service{
		URL:      "http://" + ln.Addr().String(),
		Accounts: append(append([]demo.Account{}, tree.Accounts...), tree.OtherUnitAd, tree.OtherApp),
		PlanYear: window.PlanYear,
		srv: &http.Server{
			Handler: httpapi.New(httpapi.Config{App: app, Auth: as, Reads: httpReads, Replica: readReplica, Waiter: runner, Pool: pool,
				Log: log, Files: files, Metrics: m, ExportSlots: opts.ExportSlots}),
			ReadHeaderTimeout: 10 * time.Second,
		},
		cancel: cancel,
		done:   make(chan error, 3),
		tasks:  2,
		files:  dir,
	}
	go func() { s.done <- runner.Run(runCtx) }()
	if router != nil {
		s.tasks++
		go func() { s.done <- router.Run(runCtx) }()
	}
	if opts.Prefill > 0 {
		// Start once the read models hold what was written: a run then
		// measures the load, not the catch-up.
		head, err := raw.Head(ctx)
		if err == nil {
			wctx, cancel := context.WithTimeout(ctx, prefillWait)
			err = runner.WaitFor(wctx, head)
			cancel()
		}
		if err != nil {
			return nil, errors.Join(fmt.Errorf("prefill: the read models did not catch up: %w", err), s.Close(context.WithoutCancel(ctx)))
		}
	}
	go func() {
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.done <- err
			return
		}
		s.done <- nil
	}()
	return s, nil
}

// Close stops serving (finishing requests in flight) and the projections,
// and removes the uploads.
func (s *Service) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	s.cancel()
	for range s.tasks {
		err = errors.Join(err, <-s.done)
	}
	return errors.Join(err, os.RemoveAll(s.files))
}
