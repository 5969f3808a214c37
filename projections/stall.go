package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/outage"
)

// A read model stalls at an event it cannot apply (its Apply refuses the
// event, or its tables do), so that one event never stops the other read
// models nor hides why. The stall is a row of projection_stalls that names
// the event and the error; status, /readyz and reads waiting for a position
// past the event report it, and `econf projections retry` asks the running
// handler to try the event again.

// Stall kinds.
const (
	// StallApply: the read model's Apply or its tables refuse the event.
	StallApply = "apply"
)

// Stall is a read model stopped at an event it cannot apply.
type Stall struct {
	ReadModel   string              `json:"readModel"`
	Generation  int                 `json:"generation"`
	Kind        string              `json:"kind"`
	EventID     uuid.UUID           `json:"eventId"`
	EventType   string              `json:"eventType"`
	Stream      string              `json:"stream"`
	EventNumber uint64              `json:"eventNumber"`
	Position    eventstore.Position `json:"-"`
	PositionStr string              `json:"position"`
	Error       string              `json:"error"`
	// Attempts counts the times the event was found failing: once when
	// the read model stalled, once more per retry that failed.
	Attempts         int        `json:"attempts"`
	Since            time.Time  `json:"since"`
	LastAttemptAt    time.Time  `json:"lastAttemptAt"`
	RetryRequestedAt *time.Time `json:"retryRequestedAt,omitempty"`
}

// Event names the stalled event for people: type, stream#number, position.
func (s Stall) Event() string {
	return fmt.Sprintf("%s %s#%d (position %s, id %s)", s.EventType, s.Stream, s.EventNumber, s.PositionStr, s.EventID)
}

// StalledError: a read model cannot reach the position asked for, because
// it is stalled at an event before it.
type StalledError struct {
	Stall Stall
}

func (e *StalledError) Error() string {
	return fmt.Sprintf("read model %s is stalled since %s at event %s: %s", e.Stall.ReadModel, e.Stall.Since.UTC().Format(time.RFC3339),
		e.Stall.Event(), e.Stall.Error)
}

// ErrNotStalled: a retry was asked for a read model that is not stalled.
var ErrNotStalled = errors.New("not stalled")

// ErrUnknownReadModel: no read model of that name is in the database.
var ErrUnknownReadModel = errors.New("no such read model")

// querier is what the stall queries need: a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// stallSelect reads the stalls of active generations: a stall row left by a
// generation a rebuild has since replaced stalls nothing.
const stallSelect = `SELECT s.name, s.generation, s.kind, s.event_id, s.event_type, s.stream_id, s.event_number, s.position_commit, s.position_prepare,
		s.error, s.attempts, s.since, s.last_attempt_at, s.retry_requested_at
	FROM projection_stalls s JOIN projection_state a ON a.name = s.name AND a.generation = s.generation AND a.status = 'active'
	WHERE (a.checkpoint_commit, a.checkpoint_prepare) < (s.position_commit, s.position_prepare)`

func scanStall(row pgx.CollectableRow) (Stall, error) {
	var s Stall
	var number, c, p int64
	err := row.Scan(&s.ReadModel, &s.Generation, &s.Kind, &s.EventID, &s.EventType, &s.Stream, &number, &c, &p,
		&s.Error, &s.Attempts, &s.Since, &s.LastAttemptAt, &s.RetryRequestedAt)
	s.EventNumber = uint64(number)
	s.Position = eventstore.Position{Commit: uint64(c), Prepare: uint64(p)}
	s.PositionStr = s.Position.String()
	return s, err
}

// Stalls lists the stalled read models, by name.
func Stalls(ctx context.Context, q querier) ([]Stall, error) {
	rows, err := q.Query(ctx, stallSelect+` ORDER BY s.name`)
	if err != nil {
		return nil, fmt.Errorf("read stalled read models: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanStall)
	if err != nil {
		return nil, fmt.Errorf("read stalled read models: %w", err)
	}
	return out, nil
}

// stallOf is the stall of one read model, nil if it is not stalled.
func stallOf(ctx context.Context, q querier, name string) (*Stall, error) {
	rows, err := q.Query(ctx, stallSelect+` AND s.name = $1`, name)
	if err != nil {
		return nil, fmt.Errorf("read stall of %s: %w", name, err)
	}
	out, err := pgx.CollectRows(rows, scanStall)
	if err != nil || len(out) == 0 {
		return nil, err
	}
	return &out[0], nil
}

// RequestRetry asks the handler of a stalled read model to apply its event
// again, and returns the stall as it was. The handler deletes the stall
// when the event applies, and otherwise records another attempt with its
// error (see WaitRetry).
func RequestRetry(ctx context.Context, q querier, name string) (Stall, error) {
	s, err := stallOf(ctx, q, name)
	if err != nil {
		return Stall{}, err
	}
	if s == nil {
		rows, err := q.Query(ctx, `SELECT 1 FROM projection_state WHERE name = $1 AND status = 'active'`, name)
		if err != nil {
			return Stall{}, err
		}
		known, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			return Stall{}, err
		}
		if len(known) == 0 {
			return Stall{}, fmt.Errorf("%s: %w", name, ErrUnknownReadModel)
		}
		return Stall{}, fmt.Errorf("%s: %w", name, ErrNotStalled)
	}
	if _, err := q.Exec(ctx, `UPDATE projection_stalls SET retry_requested_at = now() WHERE name = $1 AND event_id = $2`, name, s.EventID); err != nil {
		return Stall{}, fmt.Errorf("request a retry of %s: %w", name, err)
	}
	return *s, nil
}

// WaitRetry waits, until ctx ends, for the outcome of a retry requested
// when the read model was stalled as before: nil when the read model got
// past the event, a *StalledError with the new error when the retry failed.
func WaitRetry(ctx context.Context, q querier, before Stall) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		s, err := stallOf(ctx, q, before.ReadModel)
		switch {
		case err != nil && ctx.Err() == nil:
			return err
		case err != nil:
		case s == nil:
			return nil
		case s.EventID != before.EventID || s.Attempts > before.Attempts:
			return &StalledError{Stall: *s}
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// isOutage tells the failures that come from not reaching the database (or
// the event store) from those of the statements themselves: the runner
// retries an outage for as long as it lasts, and never stalls on one.
func isOutage(err error) bool { return outage.Is(err) }

// ReadModelHealth is how one read model stands, for readiness checks.
type ReadModelHealth struct {
	Name string `json:"name"`
	// Status is "ok", or "stalled" while the read model is stopped at an
	// event it cannot apply.
	Status string `json:"status"`
	Stall  *Stall `json:"stall,omitempty"`
}

// ReadModelHealth lists every read model with an active generation in the
// database, by name, whichever process runs it.
func (q *Queries) ReadModelHealth(ctx context.Context) ([]ReadModelHealth, error) {
	rows, err := q.pool.Query(ctx, `SELECT name FROM projection_state WHERE status = 'active' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	stalls, err := Stalls(ctx, q.pool)
	if err != nil {
		return nil, err
	}
	out := make([]ReadModelHealth, len(names))
	for i, n := range names {
		out[i] = ReadModelHealth{Name: n, Status: "ok"}
		for _, s := range stalls {
			if s.ReadModel == n {
				out[i].Status, out[i].Stall = "stalled", &s
			}
		}
	}
	return out, nil
}
