package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// HeldHorizon is the oldest open transaction of the cluster that holds a
// transaction id. On PostgreSQL $all hands out no event committed after
// that transaction began until it ends (see pgstore): while it stays open,
// every read model waits, whatever it is doing.
type HeldHorizon struct {
	PID         int       `json:"pid"`
	Application string    `json:"application"`
	Database    string    `json:"database"`
	User        string    `json:"user"`
	State       string    `json:"state"` // active, idle in transaction, ...
	Since       time.Time `json:"since"` // the transaction's start
	Seconds     float64   `json:"seconds"`
	Query       string    `json:"query"` // its current or last statement, shortened
}

// OldestTransaction is the held horizon: the open transaction with the
// oldest transaction id in the cluster (any database), other than the
// caller's; nil when there is none.
func OldestTransaction(ctx context.Context, pool *pgxpool.Pool) (*HeldHorizon, error) {
	var h HeldHorizon
	err := pool.QueryRow(ctx, `SELECT pid, coalesce(application_name, ''), coalesce(datname, ''), coalesce(usename, ''), coalesce(state, ''),
			coalesce(xact_start, now()), extract(epoch FROM clock_timestamp() - coalesce(xact_start, now()))::float8, left(coalesce(query, ''), 200)
		FROM pg_stat_activity
		WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
		ORDER BY age(backend_xid) DESC LIMIT 1`).
		Scan(&h.PID, &h.Application, &h.Database, &h.User, &h.State, &h.Since, &h.Seconds, &h.Query)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the oldest transaction: %w", err)
	}
	return &h, nil
}

// String says what holds the horizon, for people.
func (h HeldHorizon) String() string {
	return fmt.Sprintf("backend pid %d (application %q, database %q, user %q, %s) has held a transaction id for %.1fs, since %s; events committed since wait until it ends; its statement: %s",
		h.PID, h.Application, h.Database, h.User, h.State, h.Seconds, h.Since.UTC().Format(time.RFC3339), h.Query)
}
