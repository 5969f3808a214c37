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
	Rebuilding    bool                `json:"rebuilding"`
	// Stalled is set while the read model is stopped at an event it
	// cannot apply (see Stall); `econf projections retry` retries it.
	Stalled *Stall `json:"stalled,omitempty"`
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
		err := pool.QueryRow(ctx, `SELECT generation, version, checkpoint_commit, checkpoint_prepare, events_applied, last_event_at, COALESCE(last_error, ''), last_error_at,
				EXISTS (SELECT 1 FROM projection_state b WHERE b.name = a.name AND b.status = 'building')
			FROM projection_state a WHERE name = $1 AND status = 'active'`, p.Name()).
			Scan(&s.Generation, &s.Version, &c, &pr, &s.EventsApplied, &s.LastEventAt, &s.LastError, &s.LastErrorAt, &s.Rebuilding)
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
