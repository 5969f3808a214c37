package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/httpapi"
)

// idempotencySettings are the Idempotency-Key settings of serve.
type idempotencySettings struct {
	// secret keys the HMAC of requests kept with their key; nil: the one
	// kept in the database.
	secret []byte
	// retention is how long stored answers are kept.
	retention time.Duration
}

// idempotencyFromEnv reads ECONF_IDEMPOTENCY_SECRET and
// ECONF_IDEMPOTENCY_RETENTION.
func idempotencyFromEnv() (idempotencySettings, error) {
	var s idempotencySettings
	if v := os.Getenv("ECONF_IDEMPOTENCY_SECRET"); v != "" {
		if len(v) < httpapi.MinIdempotencySecret {
			return s, usageError(fmt.Sprintf("ECONF_IDEMPOTENCY_SECRET: want at least %d characters (e.g. openssl rand -hex 32), or leave it unset for one kept in the database",
				httpapi.MinIdempotencySecret))
		}
		s.secret = []byte(v)
	}
	r, err := time.ParseDuration(envOr("ECONF_IDEMPOTENCY_RETENTION", httpapi.DefaultIdempotencyRetention.String()))
	if err != nil || r < time.Minute {
		return s, usageError("ECONF_IDEMPOTENCY_RETENTION: want a duration of at least 1m, e.g. 24h")
	}
	s.retention = r
	return s, nil
}

// pruneInterval is how often stored answers are pruned: a 24th of the
// retention, between a minute and an hour.
func (s idempotencySettings) pruneInterval() time.Duration {
	return min(max(s.retention/24, time.Minute), time.Hour)
}

// pruneIdempotency deletes stored answers past the retention now and every
// interval until ctx ends. A failure (the database away) is logged and
// tried again at the next tick.
func pruneIdempotency(ctx context.Context, pool *pgxpool.Pool, retention, interval time.Duration, log *slog.Logger) error {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		n, err := httpapi.PruneIdempotency(ctx, pool, retention)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			log.Warn("prune idempotency answers", "err", err)
		case n > 0:
			log.Info("pruned idempotency answers", "count", n, "older_than", retention)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
