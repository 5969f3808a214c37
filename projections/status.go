package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
)

// lagScan is how many unapplied events Status counts before saying "at least".
const lagScan = 10000

// State is how one read model stands.
type State struct {
	Name          string              `json:"name"`
	Generation    int                 `json:"generation"`
	Version       int                 `json:"version"`     // of the code that built the active generation
	CodeVersion   int                 `json:"codeVersion"` // of the code now running
	Checkpoint    eventstore.Position `json:"-"`
	CheckpointStr string              `json:"checkpoint"`
	EventsApplied int64               `json:"eventsApplied"`
	LagEvents     int                 `json:"lagEvents"` // unapplied events (capped at lagScan)
	LagCapped     bool                `json:"lagCapped"`
	LagSeconds    float64             `json:"lagSeconds"` // age of the oldest unapplied event
	LastEventAt   *time.Time          `json:"lastEventAt,omitempty"`
	LastError     string              `json:"lastError,omitempty"`
	LastErrorAt   *time.Time          `json:"lastErrorAt,omitempty"`
	Rebuilding    bool                `json:"rebuilding"` // a rebuild holds the read model's rebuild lock now
	// RebuildError is why the last rebuild failed, while none runs: the
	// active generation then serves but, outdated, is not updated; serve
	// retries the rebuild with a backoff.
	RebuildError   string     `json:"rebuildError,omitempty"`
	RebuildErrorAt *time.Time `json:"rebuildErrorAt,omitempty"`
	// Stalled is set while the read model is stopped at an event it
	// cannot apply (see Stall); `econf projections retry` retries it.
	Stalled *Stall `json:"stalled,omitempty"`
}

// rebuildRunning is true when a rebuild of the read model a.name holds its
// lock (see lockRebuild), in any process.
const rebuildRunning = `EXISTS (SELECT 1 FROM pg_locks l
	WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
	  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
	  AND l.classid = hashtext('econf.rebuild')::oid AND l.objid = hashtext(a.name)::oid)`

// rebuildFailure is the failed build of the read model a.name, if its
// latest rebuild failed and none runs.
const rebuildFailure = `(SELECT b.last_error, b.last_error_at FROM projection_state b
	WHERE b.name = a.name AND b.status = 'building' AND b.last_error IS NOT NULL AND NOT ` + rebuildRunning + `
	ORDER BY b.generation DESC LIMIT 1)`

// RebuildFailure is a read model whose rebuild failed, with none running.
type RebuildFailure struct {
	Name  string    `json:"name"`
	Error string    `json:"error"`
	At    time.Time `json:"at"`
}

// RebuildFailures lists the read models whose last rebuild failed while
// none runs now, by name: for readiness.
func RebuildFailures(ctx context.Context, pool *pgxpool.Pool) ([]RebuildFailure, error) {
	rows, err := pool.Query(ctx, `SELECT a.name, f.last_error, f.last_error_at FROM projection_state a, LATERAL `+rebuildFailure+` f
		WHERE a.status = 'active' ORDER BY a.name`)
	if err != nil {
		return nil, fmt.Errorf("read failed rebuilds: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[RebuildFailure])
	if err != nil {
		return nil, fmt.Errorf("read failed rebuilds: %w", err)
	}
	return out, nil
}

// Status reports each projection's active generation, checkpoint, lag,
// last error and stall.
func Status(ctx context.Context, pool *pgxpool.Pool, store eventstore.Store, now time.Time, ps ...Projection) ([]State, error) {
	stalls, err := Stalls(ctx, pool)
	if err != nil {
		return nil, err
	}
	out := make([]State, 0, len(ps))
	for _, p := range ps {
		s := State{Name: p.Name(), CodeVersion: p.Version()}
		for _, st := range stalls {
			if st.ReadModel == p.Name() {
				s.Stalled = &st
			}
		}
		var c, pr int64
		err := pool.QueryRow(ctx, `SELECT a.generation, a.version, a.checkpoint_commit, a.checkpoint_prepare, a.events_applied, a.last_event_at, COALESCE(a.last_error, ''), a.last_error_at,
				`+rebuildRunning+`, COALESCE(f.last_error, ''), f.last_error_at
			FROM projection_state a LEFT JOIN LATERAL `+rebuildFailure+` f ON true WHERE a.name = $1 AND a.status = 'active'`, p.Name()).
			Scan(&s.Generation, &s.Version, &c, &pr, &s.EventsApplied, &s.LastEventAt, &s.LastError, &s.LastErrorAt, &s.Rebuilding,
				&s.RebuildError, &s.RebuildErrorAt)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("status of %s: %w", p.Name(), err)
		}
		s.Checkpoint = eventstore.Position{Commit: uint64(c), Prepare: uint64(pr)}
		s.CheckpointStr = s.Checkpoint.String()
		behind, err := store.ReadAll(ctx, s.Checkpoint, lagScan)
		if err != nil {
			return nil, fmt.Errorf("lag of %s: %w", p.Name(), err)
		}
		s.LagEvents, s.LagCapped = len(behind), len(behind) == lagScan
		if len(behind) > 0 {
			s.LagSeconds = max(now.Sub(behind[0].Created).Seconds(), 0)
		}
		out = append(out, s)
	}
	return out, nil
}
