package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/replica"
)

// openReplica connects to the read replica ECONF_REPLICA_URL names (a
// PostgreSQL hot standby of DATABASE_URL's server, see docs/operations.md)
// and routes the application's stream reads through it; nil without one.
// ECONF_REPLICA_MAX_LAG (2s) is how far behind it may be and still serve,
// ECONF_REPLICA_WAIT (1s) how long a read with X-Econf-Min-Position waits
// for it before it reads from the primary.
func (e *env) openReplica(ctx context.Context, url string, log *slog.Logger) error {
	if url == "" {
		return nil
	}
	maxLag, err := time.ParseDuration(envOr("ECONF_REPLICA_MAX_LAG", "2s"))
	if err != nil || maxLag <= 0 {
		return usageError("ECONF_REPLICA_MAX_LAG: want a positive duration, e.g. 2s")
	}
	wait, err := time.ParseDuration(envOr("ECONF_REPLICA_WAIT", "1s"))
	if err != nil || wait <= 0 {
		return usageError("ECONF_REPLICA_WAIT: want a positive duration, e.g. 1s")
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fmt.Errorf("ECONF_REPLICA_URL: %w", err)
	}
	e.closers = append(e.closers, pool.Close)
	e.replica = replica.New(e.pool, pool, replica.Options{MaxLag: maxLag, Wait: wait, Log: log})
	if _, ok := e.raw.(*pgstore.Store); ok {
		e.routed = e.replica.Store(e.raw, pgstore.New(pool))
	}
	if st := e.replica.Check(ctx); !st.Usable {
		log.Warn("read replica: reads go to the primary until it is usable", "reason", st.Reason)
	} else {
		log.Info("read replica: lists, details, histories and exports read from it", "lag_seconds", st.LagSeconds)
	}
	return nil
}

// replicaURL is ECONF_REPLICA_URL, read by serve only.
func replicaURL() string { return os.Getenv("ECONF_REPLICA_URL") }
