package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/esdbstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/pgcluster"
)

// env is everything a command needs, opened from the configuration.
type env struct {
	cfg     *config
	log     *slog.Logger
	cluster *pgcluster.Cluster // nil with DATABASE_URL
	pool    *pgxpool.Pool
	store   eventstore.Store
	auth    *auth.Store
	app     *commands.App
	clock   policy.Clock
	closers []func() // run by close, before the database goes
}

// open connects to the database (starting or attaching to the embedded
// cluster when DATABASE_URL is unset), applies migrations and wires the app.
func open(ctx context.Context, cfg *config, log *slog.Logger) (*env, error) {
	e := &env{cfg: cfg, log: log, clock: policy.SystemClock{}}
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
	if err := dbschema.Up(ctx, pool); err != nil {
		e.close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	e.store = pgstore.New(pool)
	if esdbStore != nil {
		e.store = esdbStore
	}
	e.auth = auth.NewStore(pool, e.clock.Now)
	e.app = commands.New(e.store, e.clock, e.auth, e.auth)
	return e, nil
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
