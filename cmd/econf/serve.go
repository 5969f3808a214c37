package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/anchor"
	"github.com/econf/econf/internal/deadlines"
	"github.com/econf/econf/internal/metrics"
	"github.com/econf/econf/internal/pending"
	"github.com/econf/econf/internal/sms"
	"github.com/econf/econf/projections"
	"github.com/econf/econf/web"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := parseFlags("serve", args, stderr, true)
	if err != nil {
		return err
	}
	log := cfg.logger(stderr)
	e, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer e.close()
	if e.cluster != nil && os.Geteuid() == 0 {
		// Only root's embedded clusters are placed in pgcluster.Home.
		pruneEmbeddedClusters(log)
	}

	if cfg.Demo == "off" {
		log.Info("demo seeding is off (ECONF_DEMO=off); create the first administrator with: econf admin create")
	} else if err := seedIfEmpty(ctx, e, stdout); err != nil {
		return err
	}
	runner, err := projections.NewRunner(e.pool, e.store, log, projections.All()...)
	if err != nil {
		return err
	}
	if err := runner.Prepare(ctx); err != nil {
		return err
	}
	ms, err := mailFromEnv()
	if err != nil {
		return err
	}
	mailer, err := ms.drainer(e.pool, log)
	if err != nil {
		return err
	}
	sender, err := smsSender(e.pool, log)
	if err != nil {
		return err
	}
	reads := projections.NewQueries(e.pool)
	interval, err := time.ParseDuration(envOr("ECONF_DEADLINE_INTERVAL", "1m"))
	if err != nil || interval < time.Second {
		return usageError("ECONF_DEADLINE_INTERVAL: want a duration of at least 1s, e.g. 1m")
	}
	idem, err := idempotencyFromEnv()
	if err != nil {
		return err
	}
	cp, err := checkpointingFromEnv(cfg.Data)
	if err != nil {
		return err
	}
	var checkpointer *anchor.Checkpointer
	var prover httpapi.Prover
	if cp.signer != nil {
		checkpointer = cp.checkpointer(e)
		prover = &anchor.Prover{Store: e.store, Tree: checkpointer.Tree, Dir: cp.dirs[0], Verifier: cp.verifier}
		log.Info("audit checkpoints", "dirs", strings.Join(cp.dirs, string(os.PathListSeparator)), "interval", cp.interval, "key", cp.signer.Name())
	} else {
		log.Warn("audit checkpoints are off: no signing key (ECONF_CHECKPOINT_KEY_FILE; make one with econf audit keygen)")
	}
	m, err := serveMetrics(e)
	if err != nil {
		return err
	}
	erased := e.refreshAfterErasure(ctx, log)
	runner.ObserveLag(m.ProjectionLag)
	engine := &deadlines.Engine{Candidates: reads, App: e.app, Policies: e.app.Policies(), Clock: e.clock, Log: log, Interval: interval,
		Observe: func(st deadlines.Stats, err error) { m.DeadlineRun(st.Checked, st.Recorded, st.Failed, err) }, Erased: erased}
	signOn, err := ssoFromEnv(e.pool, e.clock.Now, log)
	if err != nil {
		return err
	}
	httpReads := reads
	var readReplica httpapi.ReadReplica
	if e.replica != nil {
		httpReads, readReplica = projections.NewQueries(e.replica.DB()), e.replica
	}
	srv := httpapi.New(httpapi.Config{App: e.app, Auth: e.auth, Reads: httpReads, Replica: readReplica, Waiter: runner, Pool: e.pool, Log: log, TokenTTL: cfg.TokenTTL,
		Signup: e.app.Signup(pending.NewStore(e.pool), ms.codeTTL), Files: e.files, IdempotencySecret: idem.secret,
		ClientAddressHeader: cfg.ClientAddressHeader, Metrics: m, Proofs: prover,
		SMSLogin: e.app.SMSLogin(sms.NewCodes(e.pool, e.clock.Now), sender), Erased: erased, SSO: signOn})
	if e.sim != nil {
		srv.SimulatedClock = e.sim
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	// The pages (package web) own their paths and hand the rest to the API.
	site := web.New(web.Config{API: srv, Log: log, Now: e.clock.Now, ClientAddressHeader: cfg.ClientAddressHeader, SimulatedClock: e.sim != nil})
	hs := &http.Server{Handler: site, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Info("econf serving", "addr", "http://"+ln.Addr().String(), "openapi", "http://"+ln.Addr().String()+"/openapi.json")

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return runner.Run(gctx) })
	g.Go(func() error { return engine.Run(gctx) })
	if e.replica != nil {
		g.Go(func() error { return e.replica.Run(gctx) })
	}
	if e.sim != nil {
		// Follow `econf clock advance` run elsewhere.
		g.Go(func() error { return e.sim.Run(gctx, e.pool, clockRefresh, log) })
	}
	if checkpointer != nil {
		g.Go(func() error { return checkpointer.Run(gctx, cp.interval) })
	}
	g.Go(func() error { return pruneIdempotency(gctx, e.pool, idem.retention, idem.pruneInterval(), log) })
	if mailer != nil {
		g.Go(func() error { return mailer.Run(gctx) })
	}
	g.Go(func() error {
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), 15*time.Second)
		defer cancel()
		return hs.Shutdown(sctx)
	})
	return g.Wait()
}

// clockRefresh is how soon a serve process follows `econf clock advance`.
const clockRefresh = 2 * time.Second

// serveMetrics makes the registry GET /metrics serves: commands as they
// end, and the read models' lag and the mail outbox read at each scrape.
func serveMetrics(e *env) (*metrics.Metrics, error) {
	m := metrics.New()
	e.app.Observe(func(command string, res commands.Result, took time.Duration, err error) {
		m.Command(command, res.Appended, res.Replayed, took, err)
	})
	all := projections.All()
	err := m.WatchDatabase(e.pool, func(ctx context.Context) ([]projections.State, error) {
		return projections.Status(ctx, e.pool, e.store, e.clock.Now(), all...)
	})
	return m, err
}
