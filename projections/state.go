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

// generation is one build of a read model.
type generation struct {
	Name       string
	Generation int
	Version    int
	Schema     string
	Status     string
	Checkpoint eventstore.Position
}

// errNoActive: the read model has no active generation yet.
var errNoActive = errors.New("no active generation")

const stateColumns = `name, generation, version, schema_name, status, checkpoint_commit, checkpoint_prepare`

// scanGeneration scans a row of stateColumns, after the columns before
// it (scanned into before).
func scanGeneration(row pgx.Row, before ...any) (generation, error) {
	var g generation
	var c, p int64
	err := row.Scan(append(before, &g.Name, &g.Generation, &g.Version, &g.Schema, &g.Status, &c, &p)...)
	g.Checkpoint = eventstore.Position{Commit: uint64(c), Prepare: uint64(p)}
	return g, err
}

// activeGeneration reads the active generation; with lock it is locked FOR
// UPDATE so a concurrent switch waits for the caller's transaction (and the
// caller for a switch in progress). A switch that commits while we wait
// retires the row we were waiting for, so the read is retried.
func activeGeneration(ctx context.Context, q pgx.Tx, name string, lock bool) (generation, error) {
	query := `SELECT ` + stateColumns + ` FROM projection_state WHERE name = $1 AND status = 'active'`
	if lock {
		query += ` FOR UPDATE`
	}
	return readActive(ctx, q, name, query)
}

// readActive runs query, which selects the active generation's
// stateColumns after the columns scanned into before, retrying when a
// concurrent switch retired the row (see activeGeneration).
func readActive(ctx context.Context, q pgx.Tx, name, query string, before ...any) (generation, error) {
	for range 3 {
		g, err := scanGeneration(q.QueryRow(ctx, query, name), before...)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return generation{}, fmt.Errorf("read active generation of %s: %w", name, err)
		}
		return g, nil
	}
	return generation{}, fmt.Errorf("%s: %w", name, errNoActive)
}

// createGeneration makes a new generation's schema and tables, in status.
func createGeneration(ctx context.Context, tx pgx.Tx, p Projection, status string) (generation, error) {
	var next int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(max(generation), 0) + 1 FROM projection_state WHERE name = $1`, p.Name()).Scan(&next); err != nil {
		return generation{}, fmt.Errorf("next generation of %s: %w", p.Name(), err)
	}
	g := generation{Name: p.Name(), Generation: next, Version: p.Version(), Schema: schemaName(p.Name(), next), Status: status}
	if _, err := tx.Exec(ctx, `DROP SCHEMA IF EXISTS `+g.Schema+` CASCADE; CREATE SCHEMA `+g.Schema); err != nil {
		return generation{}, fmt.Errorf("create schema %s: %w", g.Schema, err)
	}
	if err := useSchema(ctx, tx, g.Schema); err != nil {
		return generation{}, err
	}
	if err := p.Setup(ctx, tx); err != nil {
		return generation{}, fmt.Errorf("set up %s: %w", g.Schema, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO projection_state (name, generation, version, schema_name, status) VALUES ($1, $2, $3, $4, $5)`,
		g.Name, g.Generation, g.Version, g.Schema, g.Status); err != nil {
		return generation{}, fmt.Errorf("record generation %s: %w", g.Schema, err)
	}
	return g, nil
}

// useSchema points unqualified names at a generation for the rest of tx.
func useSchema(ctx context.Context, tx pgx.Tx, schema string) error {
	if _, err := tx.Exec(ctx, `SELECT set_config('search_path', $1, true)`, schema+", public"); err != nil {
		return fmt.Errorf("use schema %s: %w", schema, err)
	}
	return nil
}

// exposeViews makes rm.<table> read the generation's tables. It first locks
// the existing views, in the order readers take locks (view, then table), so
// a switch waits for running queries instead of deadlocking with them, and
// it replaces each view in place when the columns allow, so queries waiting
// on the lock carry on against the new generation.
func exposeViews(ctx context.Context, tx pgx.Tx, p Projection, schema string) error {
	if err := lockViews(ctx, tx, p); err != nil {
		return err
	}
	for _, t := range p.Tables() {
		replace := fmt.Sprintf(`CREATE OR REPLACE VIEW rm.%[1]s AS SELECT * FROM %[2]s.%[1]s`, t, schema)
		err := pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error { // a savepoint: the columns may have changed
			_, err := sp.Exec(ctx, replace)
			return err
		})
		if err != nil {
			recreate := fmt.Sprintf(`DROP VIEW IF EXISTS rm.%[1]s; CREATE VIEW rm.%[1]s AS SELECT * FROM %[2]s.%[1]s`, t, schema)
			if _, err := tx.Exec(ctx, recreate); err != nil {
				return fmt.Errorf("expose rm.%s from %s: %w", t, schema, err)
			}
		}
		// A view created anew (first generation, changed columns) has no
		// grants: give it the analysts' again.
		if err := grantAnalysts(ctx, tx, t); err != nil {
			return err
		}
	}
	return nil
}

// ensureActive gives p an active generation, creating the first one empty
// (the runner then fills it from the start of $all).
func ensureActive(ctx context.Context, pool *pgxpool.Pool, p Projection) (generation, error) {
	var g generation
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// Serialise concurrent starters on the projection's name.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('econf.projection.' || $1))`, p.Name()); err != nil {
			return err
		}
		var err error
		g, err = activeGeneration(ctx, tx, p.Name(), false)
		if !errors.Is(err, errNoActive) {
			return err
		}
		if g, err = createGeneration(ctx, tx, p, "active"); err != nil {
			return err
		}
		return exposeViews(ctx, tx, p, g.Schema)
	})
	return g, err
}

// GenerationError: the active generation of a read model was built by
// another version of its code than the one running, so this code must not
// write into it. Code older than the generation (a process of the previous
// release during a rolling deploy, or beside a newer binary's rebuild)
// leaves it to the newer code; newer code rebuilds it.
type GenerationError struct {
	Name       string
	Generation int
	Active     int // version of the code that built the active generation
	Code       int // version of the code running
}

func (e *GenerationError) Error() string {
	if e.Active > e.Code {
		return fmt.Sprintf("%s: the active generation %d was built by version %d of the read model, newer than this code's version %d: newer code applies it",
			e.Name, e.Generation, e.Active, e.Code)
	}
	return fmt.Sprintf("%s: the active generation %d was built by version %d of the read model, not this code's version %d: it needs a rebuild",
		e.Name, e.Generation, e.Active, e.Code)
}

// Newer tells whether the active generation is newer than the code.
func (e *GenerationError) Newer() bool { return e.Active > e.Code }

// checkVersion is a *GenerationError unless g was built by p's version.
func checkVersion(p Projection, g generation) error {
	if g.Version == p.Version() {
		return nil
	}
	return &GenerationError{Name: p.Name(), Generation: g.Generation, Active: g.Version, Code: p.Version()}
}

// applyEvents applies events to the active generation of p and moves its
// checkpoint, in one transaction. Events at or before the checkpoint are
// skipped, which makes redelivery harmless. It returns how many it applied.
// It writes nothing and returns a *GenerationError when the active
// generation was built by another version of p's code.
func applyEvents(ctx context.Context, pool *pgxpool.Pool, p Projection, events []eventstore.RecordedEvent) (int, error) {
	applied := 0
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		g, err := lockForApply(ctx, tx, p.Name())
		if err != nil {
			return err
		}
		if err := checkVersion(p, g); err != nil {
			return err
		}
		n, err := applyConfigured(ctx, tx, p, g, storableBatch(events))
		applied = n
		return err
	})
	return applied, err
}

// lockForApplySQL is activeGeneration's locking read that also makes the
// apply's settings (see applySettingsSQL) from the row, saving a round
// trip on every live batch of every read model. When a concurrent switch
// retires the row, it returns nothing and the read is retried; settings
// made from the retired row are overwritten by the retry's.
const lockForApplySQL = `SELECT set_config('search_path', schema_name || ', public', true), set_config('synchronous_commit', 'off', true), ` +
	stateColumns + ` FROM projection_state WHERE name = $1 AND status = 'active' FOR UPDATE`

// lockForApply is activeGeneration(ctx, tx, name, true) that also sets up
// tx for applyConfigured.
func lockForApply(ctx context.Context, tx pgx.Tx, name string) (generation, error) {
	var path, sync string
	return readActive(ctx, tx, name, lockForApplySQL, &path, &sync)
}

// batchApplier is a read model that applies a whole batch at once, in the
// order given, with the same result as Apply one event at a time but in
// fewer statements.
type batchApplier interface {
	ApplyBatch(ctx context.Context, tx pgx.Tx, events []eventstore.RecordedEvent) error
}

func applyInTx(ctx context.Context, tx pgx.Tx, p Projection, g generation, events []eventstore.RecordedEvent) (int, error) {
	return applySharedInTx(ctx, tx, p, g, storableBatch(events))
}

// applySharedInTx is applyInTx of a shared batch, whose events are
// storable already (storableBatch).
func applySharedInTx(ctx context.Context, tx pgx.Tx, p Projection, g generation, b *sharedBatch) (int, error) {
	if _, err := tx.Exec(ctx, applySettingsSQL, g.Schema+", public"); err != nil {
		return 0, fmt.Errorf("use schema %s: %w", g.Schema, err)
	}
	return applyConfigured(ctx, tx, p, g, b)
}

// applySettingsSQL sets up a transaction that applies events to a
// generation. A read model is derived data whose rows commit with their
// checkpoint: a commit lost in a crash is applied again from the event
// store. So the apply does not wait for its commit to reach disk, which
// would otherwise put one fsync per event and read model on the path to
// visibility. The search path is set before anything is queued: a pipeline
// prepares its statements before it runs the first.
const applySettingsSQL = `SELECT set_config('search_path', $1, true), set_config('synchronous_commit', 'off', true)`

// applyConfigured is applySharedInTx in a transaction set up already
// (applySettingsSQL or lockForApply).
func applyConfigured(ctx context.Context, tx pgx.Tx, p Projection, g generation, b *sharedBatch) (int, error) {
	events := b.events
	pt := newPipeTx(tx, func(i int) string {
		if i < 0 {
			return fmt.Sprintf("%s: apply a batch of %d events up to %s#%d", p.Name(), len(events), events[len(events)-1].StreamID, events[len(events)-1].Number)
		}
		if i >= len(events) {
			return "move checkpoint of " + g.Schema
		}
		e := events[i]
		return fmt.Sprintf("%s: apply %s %s#%d", p.Name(), e.Type, e.StreamID, e.Number)
	})
	// The events after the checkpoint, each after the one before.
	last := g.Checkpoint
	var fresh []int
	for i, e := range events {
		if last.Less(e.Position) {
			fresh = append(fresh, i)
			last = e.Position
		}
	}
	applied := len(fresh)
	var lastCreated time.Time
	if applied > 0 {
		lastCreated = events[fresh[applied-1]].Created
	}
	var todo *sharedBatch
	switch {
	case applied == 0:
	case fresh[0]+applied == len(events): // a tail of the batch, as always but after a redelivery
		todo = b.from(fresh[0])
	default:
		picked := make([]eventstore.RecordedEvent, applied)
		for j, i := range fresh {
			picked[j] = events[i]
		}
		todo = newSharedBatch(picked)
	}
	if todo != nil {
		var err error
		switch m := p.(type) {
		case sharedApplier:
			pt.about(-1)
			err = m.applyShared(ctx, pt, todo)
		case batchApplier:
			pt.about(-1)
			err = m.ApplyBatch(ctx, pt, todo.events)
		default:
			for _, i := range fresh {
				e := events[i]
				pt.about(i)
				if err := p.Apply(ctx, pt, e); err != nil {
					return 0, fmt.Errorf("%s: apply %s %s#%d: %w", p.Name(), e.Type, e.StreamID, e.Number, err)
				}
			}
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w", p.Name(), err)
		}
	}
	if applied == 0 {
		return 0, pt.flush(ctx)
	}
	pt.about(len(events))
	_, err := pt.Exec(ctx, `UPDATE projection_state
		SET checkpoint_commit = $3, checkpoint_prepare = $4, events_applied = events_applied + $5,
		    last_event_at = $6, last_error = NULL, last_error_at = NULL, updated_at = now()
		WHERE name = $1 AND generation = $2`,
		g.Name, g.Generation, int64(last.Commit), int64(last.Prepare), applied, lastCreated)
	if err == nil {
		err = pt.flush(ctx)
	}
	if err != nil {
		return 0, err
	}
	return applied, nil
}

// recordError notes the last failure of the active generation for status.
func recordError(ctx context.Context, pool *pgxpool.Pool, name string, cause error) {
	_, _ = pool.Exec(ctx, `UPDATE projection_state SET last_error = $2, last_error_at = now()
		WHERE name = $1 AND status = 'active'`, name, cause.Error())
}
