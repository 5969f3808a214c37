package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/esdbstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/filestore"
	"github.com/econf/econf/internal/personal"
	"github.com/econf/econf/internal/pgcluster"
	"github.com/econf/econf/internal/replica"
	"github.com/econf/econf/internal/simclock"
	"github.com/econf/econf/projections"
)

// env is everything a command needs, opened from the configuration.
type env struct {
	cfg     *config
	log     *slog.Logger
	cluster *pgcluster.Cluster // nil with DATABASE_URL
	pool    *pgxpool.Pool
	store   eventstore.Store // what the application reads and writes: personal fields encrypted (internal/personal)
	raw     eventstore.Store // the store underneath: the bytes as stored
	routed  eventstore.Store // raw, with the stream reads of GET requests sent to the read replica (serve with ECONF_REPLICA_URL)
	replica *replica.Router  // nil without a read replica
	keys    *personal.Keys
	auth    *auth.Store
	app     *commands.App
	files   *filestore.Local
	clock   policy.Clock
	sim     *simclock.Clock // the simulated clock of a training instance; nil: the machine's
	closers []func()        // run by close, before the database goes
}

// open connects to the database (starting or attaching to the embedded
// cluster when DATABASE_URL is unset), applies migrations, checks that the
// stored positions belong to this database's cluster and wires the app.
func open(ctx context.Context, cfg *config, log *slog.Logger) (*env, error) {
	setting, err := clockFromEnv()
	if err != nil {
		return nil, err
	}
	e, err := connect(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if err := dbschema.Up(ctx, e.pool); err != nil {
		e.close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if err := e.checkStore(ctx); err != nil {
		e.close()
		return nil, err
	}
	ring, err := masterKeys(cfg, log)
	if err != nil {
		e.close()
		return nil, err
	}
	e.keys = personal.NewKeys(e.pool, ring)
	e.routed = e.raw
	if err := e.openReplica(ctx, cfg.ReplicaURL, log); err != nil {
		e.close()
		return nil, err
	}
	e.store = personal.Wrap(e.routed, e.keys)
	if setting != nil {
		if e.sim, err = simclock.Open(ctx, e.pool, *setting, e.clock.Now); err != nil {
			e.close()
			return nil, err
		}
		e.clock = e.sim
		log.Warn("simulated clock: this is a training instance, its time is not the machine's", "ECONF_CLOCK", setting.Raw,
			"now", e.sim.Now().Format(time.RFC3339), "ahead", e.sim.Offset().Round(time.Second).String())
	}
	e.auth = auth.NewStore(e.pool, e.clock.Now)
	if e.files, err = filestore.NewLocal(filepath.Join(cfg.Data, fileStoreDir), e.clock.Now); err != nil {
		e.close()
		return nil, err
	}
	e.app, err = commands.New(commands.Deps{Store: e.store, Clock: e.clock, Credentials: e.auth, Sessions: e.auth,
		Files: e.files, Overdue: projections.NewQueries(e.pool)})
	if err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

// clockFromEnv reads ECONF_CLOCK, the simulated clock of a demo or
// training instance. Only an instance that says it is not production
// (ECONF_TRAINING=on) accepts one: a production instance refuses to start
// rather than record decisions at a time that is not the real one.
func clockFromEnv() (*simclock.Setting, error) {
	v := os.Getenv("ECONF_CLOCK")
	training := os.Getenv("ECONF_TRAINING")
	switch training {
	case "", "on", "off":
	default:
		return nil, usageError("ECONF_TRAINING: want on or off")
	}
	if v == "" {
		return nil, nil
	}
	if training != "on" {
		return nil, usageError("ECONF_CLOCK is only accepted on a training or demo instance: set ECONF_TRAINING=on " +
			"(never on production, whose events must carry the real time), or unset ECONF_CLOCK")
	}
	s, err := simclock.Parse(v)
	if err != nil {
		return nil, usageError(err.Error())
	}
	return &s, nil
}

// processClock is where every command's "now" comes from: the machine's
// clock (a training instance's simulated clock runs on it).
var processClock policy.Clock = policy.SystemClock{}

// connect opens the event store and the database, starting or attaching to
// the embedded cluster when DATABASE_URL is unset, and changes nothing.
func connect(ctx context.Context, cfg *config, log *slog.Logger) (*env, error) {
	e := &env{cfg: cfg, log: log, clock: processClock}
	slog.SetDefault(log)
	var esdbStore *esdbstore.Store
	if cfg.EventStoreURL != "" && !strings.HasPrefix(cfg.EventStoreURL, "postgres") {
		s, err := esdbstore.Open(cfg.EventStoreURL, esdbstore.Options{Log: log})
		if err != nil {
			return nil, fmt.Errorf("EVENTSTORE_URL: %w (or leave it unset to keep events in PostgreSQL)", err)
		}
		esdbStore = s
		e.closers = append(e.closers, func() { s.Close() })
	}
	url := cfg.DatabaseURL
	if url == "" {
		dir, err := pgcluster.Place(cfg.Data)
		if err != nil {
			return nil, fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		log.Info("starting embedded PostgreSQL", "dir", dir)
		c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Durable: true})
		if err != nil {
			return nil, fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		e.cluster = c
		log.Info("embedded PostgreSQL", "dir", dir, "port", c.Port(), "attached", c.Attached(), "log", c.LogPath())
		var pgErr *pgconn.PgError
		if err := c.CreateDatabase(ctx, "econf", ""); err != nil && !(errors.As(err, &pgErr) && pgErr.Code == "42P04") {
			e.close()
			return nil, err
		}
		url = c.URL("econf")
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		e.close()
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	e.pool = pool
	if err := pool.Ping(ctx); err != nil {
		e.close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	e.store = pgstore.New(pool)
	if esdbStore != nil {
		e.store = esdbStore
	}
	e.raw = e.store
	return e, nil
}

// restoreHint names the supported way out of a database whose
// positions belong elsewhere.
const restoreHint = "restore a backup made by `econf backup` with `econf restore FILE`, " +
	"or renumber this database where it is with `econf restore --in-place` " +
	"(docs/operations.md, \"Backup and restore\")"

// checkStore refuses a database copied from another PostgreSQL cluster by
// other means than econf restore (pg_dump and pg_restore, a database
// template of another server): its positions are the other cluster's
// transaction ids, and serving it would hide its history and never deliver
// a new event to the read models. It also ties the read models'
// checkpoints to the event store they were taken in.
func (e *env) checkStore(ctx context.Context) error {
	if _, ok := e.store.(*pgstore.Store); !ok {
		return nil // EventStoreDB positions are its own log's, kept by its own backups
	}
	if err := pgstore.CheckPositions(ctx, e.pool); err != nil {
		if errors.Is(err, pgstore.ErrForeignPositions) {
			return fmt.Errorf("%w.\nThis database was copied from another PostgreSQL cluster without econf restore; "+
				"serving it would hide its history and never deliver a new event. To use it, %s", err, restoreHint)
		}
		return err
	}
	id, err := pgstore.StoreID(ctx, e.pool)
	if err != nil {
		return err
	}
	if err := projections.CheckStore(ctx, e.pool, id); err != nil {
		if errors.Is(err, projections.ErrForeignCheckpoints) {
			return fmt.Errorf("%w.\nTo use this database, %s", err, restoreHint)
		}
		return err
	}
	return nil
}

func (e *env) close() {
	for _, c := range e.closers {
		c()
	}
	if e.pool != nil {
		e.pool.Close()
	}
	if e.cluster != nil {
		if err := e.cluster.Stop(context.Background()); err != nil {
			e.log.Warn("stop embedded PostgreSQL", "err", err)
		}
	}
}
