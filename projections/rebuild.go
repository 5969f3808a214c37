package projections

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
)

// rebuildBatch is how many events one rebuild transaction applies.
const rebuildBatch = 2000

// Progress is told how far a rebuild has got.
type Progress func(applied int, at eventstore.Position)

// Rebuild builds p afresh in a new generation from the start of $all while
// the active generation keeps serving, then switches the rm views to it and
// drops the old one. The switch happens with the old generation locked, after
// applying the last events, so no event is lost or applied twice in between.
func Rebuild(ctx context.Context, pool *pgxpool.Pool, store eventstore.Store, p Projection, progress Progress) (eventstore.Position, error) {
	if err := checkProjection(p); err != nil {
		return eventstore.Position{}, err
	}
	var g generation
	var deferred []string
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := dropGenerations(ctx, tx, p.Name(), "building"); err != nil {
			return err
		}
		var err error
		if g, err = createGeneration(ctx, tx, p, "building"); err != nil {
			return err
		}
		deferred, err = deferQueryIndexes(ctx, tx, p, g.Schema)
		return err
	})
	if err != nil {
		return eventstore.Position{}, err
	}
	applied := 0
	fill := func(tx pgx.Tx) (bool, error) {
		events, err := store.ReadAll(ctx, g.Checkpoint, rebuildBatch)
		if err != nil || len(events) == 0 {
			return false, err
		}
		n, err := applyInTx(ctx, tx, p, g, events)
		if err != nil {
			return false, err
		}
		g.Checkpoint = events[len(events)-1].Position
		applied += n
		if progress != nil {
			progress(applied, g.Checkpoint)
		}
		return len(events) == rebuildBatch, nil
	}
	for more := true; more; {
		if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var ferr error
			more, ferr = fill(tx)
			return ferr
		}); err != nil {
			return g.Checkpoint, fmt.Errorf("rebuild %s: %w", p.Name(), err)
		}
	}
	if err := buildQueryIndexes(ctx, pool, p, g.Schema, deferred); err != nil {
		return g.Checkpoint, fmt.Errorf("rebuild %s: %w", p.Name(), err)
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// Holding the active generation stops live applies until we switch.
		if _, err := activeGeneration(ctx, tx, p.Name(), true); err != nil && !errors.Is(err, errNoActive) {
			return err
		}
		for more := true; more; {
			var ferr error
			if more, ferr = fill(tx); ferr != nil {
				return ferr
			}
		}
		if err := exposeViews(ctx, tx, p, g.Schema); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE projection_state SET status = 'retired', updated_at = now() WHERE name = $1 AND status = 'active'`, g.Name); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE projection_state SET status = 'active', updated_at = now() WHERE name = $1 AND generation = $2`, g.Name, g.Generation)
		return err
	})
	if err != nil {
		return g.Checkpoint, fmt.Errorf("switch %s to %s: %w", p.Name(), g.Schema, err)
	}
	// Nothing reads the old generation any more; queries still running on it
	// finish before its tables go.
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return dropGenerations(ctx, tx, p.Name(), "retired") }); err != nil {
		return g.Checkpoint, fmt.Errorf("drop the old generation of %s: %w", p.Name(), err)
	}
	return g.Checkpoint, nil
}

// queryIndexer is a read model some of whose indexes serve its queries
// only, never its Apply (which finds its rows by primary key). A rebuild
// drops them from the new generation before filling it and builds them once
// the bulk of the events is in: one sorted build instead of an entry per
// row written, and for GIN indexes over search text, instead of some 150
// keys re-inserted on every update of a row.
type queryIndexer interface {
	QueryIndexes() []string
}

// deferQueryIndexes drops p's query-only indexes from schema and returns
// the statements that create them again, as Setup made them.
func deferQueryIndexes(ctx context.Context, tx pgx.Tx, p Projection, schema string) ([]string, error) {
	qi, ok := p.(queryIndexer)
	if !ok {
		return nil, nil
	}
	names := qi.QueryIndexes()
	rows, err := tx.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = ANY($2) ORDER BY indexname`, schema, names)
	if err != nil {
		return nil, err
	}
	type index struct{ Name, Def string }
	found, err := pgx.CollectRows(rows, pgx.RowToStructByPos[index])
	if err != nil {
		return nil, err
	}
	if len(found) != len(names) {
		return nil, fmt.Errorf("%s: query indexes %v: Setup made only %d of them", p.Name(), names, len(found))
	}
	defs := make([]string, len(found))
	for i, ix := range found {
		if _, err := tx.Exec(ctx, `DROP INDEX `+schema+`.`+ix.Name); err != nil {
			return nil, err
		}
		defs[i] = ix.Def
	}
	return defs, nil
}

// buildQueryIndexes creates the deferred indexes and then vacuums and
// analyzes the new tables, so that the first queries after the switch have
// statistics and can answer from the covering indexes alone.
func buildQueryIndexes(ctx context.Context, pool *pgxpool.Pool, p Projection, schema string, defs []string) error {
	for _, def := range defs {
		if _, err := pool.Exec(ctx, def); err != nil {
			return fmt.Errorf("%s: %w", def, err)
		}
	}
	for _, t := range p.Tables() {
		if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) `+schema+`.`+t); err != nil {
			return fmt.Errorf("vacuum %s.%s: %w", schema, t, err)
		}
	}
	return nil
}

// dropGenerations removes p's generations in status, schemas and all.
func dropGenerations(ctx context.Context, tx pgx.Tx, name, status string) error {
	rows, err := tx.Query(ctx, `DELETE FROM projection_state WHERE name = $1 AND status = $2 RETURNING schema_name`, name, status)
	if err != nil {
		return err
	}
	schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, s := range schemas {
		if _, err := tx.Exec(ctx, `DROP SCHEMA IF EXISTS `+s+` CASCADE`); err != nil {
			return fmt.Errorf("drop %s: %w", s, err)
		}
	}
	return nil
}
