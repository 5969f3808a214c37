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
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/demo"
	"github.com/econf/econf/internal/filestore"
	"github.com/econf/econf/internal/metrics"
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
	files  string // the uploads' temporary folder
}

// StartService seeds the demo organisation (with the forecast window for
// next year's plan open from today to 31 December, as "econf serve" does on
// first start, on the real clock), starts the projections and serves the
// API on 127.0.0.1 at a free port. As in "econf serve", uploads are kept
// (here in a temporary folder that Close removes) and overdue summaries
// are looked up on every declaration submit (R-SUM-02).
func StartService(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (*Service, error) {
	clock := policy.SystemClock{}
	store := pgstore.New(pool)
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
	app, err := commands.New(commands.Deps{Store: store, Clock: clock, Credentials: as, Sessions: as, Files: files, Overdue: reads})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	today := domain.DateOf(clock.Now())
	window := &policy.WindowOverride{PlanYear: today.Year + 1, Open: today, Close: domain.Date{Year: today.Year, Month: 12, Day: 31}}
	tree, err := demo.Seed(ctx, app, nil, window)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("seed the demo: %w", err)
	}
	runner, err := projections.NewRunner(pool, store, log, projections.All()...)
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
			Handler:           httpapi.New(httpapi.Config{App: app, Auth: as, Reads: reads, Waiter: runner, Pool: pool, Log: log, Files: files, Metrics: m}),
			ReadHeaderTimeout: 10 * time.Second,
		},
		cancel: cancel,
		done:   make(chan error, 2),
		files:  dir,
	}
	go func() { s.done <- runner.Run(runCtx) }()
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
	for range 2 {
		err = errors.Join(err, <-s.done)
	}
	return errors.Join(err, os.RemoveAll(s.files))
}
