package projections

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/eventstore"
)

// ErrForeignCheckpoints: the read models' checkpoints were taken in
// another event store than the one they are read against now.
var ErrForeignCheckpoints = errors.New("the read models' checkpoints were taken in another event store")

// rowQuerier runs a statement returning one row: a pool or a transaction.
type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// CheckStore ties the checkpoints to the event store storeID: the first
// start records it, and a later start against another store is refused
// (ErrForeignCheckpoints) while any checkpoint is past the start, since a
// checkpoint is a position in the store it was taken in only.
//
// The conflict arm updates the row to itself rather than doing nothing, so
// that the statement returns the stored row even when another process
// inserted it after this statement's snapshot was taken (several serve
// processes starting on one new database at once: DO NOTHING returned no
// row there).
func CheckStore(ctx context.Context, q rowQuerier, storeID uuid.UUID) error {
	var stored [16]byte
	var moved bool
	err := q.QueryRow(ctx, `
WITH ins AS (
	INSERT INTO projection_store (store_id) VALUES ($1)
	ON CONFLICT (singleton) DO UPDATE SET store_id = projection_store.store_id
	RETURNING store_id
)
SELECT ins.store_id,
       EXISTS (SELECT 1 FROM projection_state WHERE checkpoint_commit <> 0 OR checkpoint_prepare <> 0)
FROM ins`, storeID).Scan(&stored, &moved)
	if err != nil {
		return fmt.Errorf("projections: check store: %w", err)
	}
	if uuid.UUID(stored) == storeID {
		return nil
	}
	if moved {
		return fmt.Errorf("%w: they belong to store %s, the events are in store %s", ErrForeignCheckpoints, uuid.UUID(stored), storeID)
	}
	return AdoptStore(ctx, q, storeID)
}

// AdoptStore records storeID as the store the checkpoints are taken in;
// call it where the checkpoints were moved into that store
// (MoveCheckpoints).
func AdoptStore(ctx context.Context, q rowQuerier, storeID uuid.UUID) error {
	var id [16]byte
	err := q.QueryRow(ctx, `
INSERT INTO projection_store (store_id) VALUES ($1)
ON CONFLICT (singleton) DO UPDATE SET store_id = excluded.store_id, updated_at = now()
RETURNING store_id`, storeID).Scan(&id)
	if err != nil {
		return fmt.Errorf("projections: adopt store: %w", err)
	}
	return nil
}

// MoveCheckpoints maps every generation's checkpoint (active, building or
// retired), and the position of every stalled event, through move, in tx: after the event store renumbered its
// positions, each read model resumes after the same event as before. It
// returns how many checkpoints changed.
func MoveCheckpoints(ctx context.Context, tx pgx.Tx, move func(eventstore.Position) eventstore.Position) (int, error) {
	type row struct {
		name       string
		generation int
		at         eventstore.Position
	}
	rows, err := tx.Query(ctx, `SELECT name, generation, checkpoint_commit, checkpoint_prepare FROM projection_state FOR UPDATE`)
	if err != nil {
		return 0, fmt.Errorf("projections: move checkpoints: %w", err)
	}
	var all []row
	var r row
	var c, p int64
	if _, err := pgx.ForEachRow(rows, []any{&r.name, &r.generation, &c, &p}, func() error {
		r.at = eventstore.Position{Commit: uint64(c), Prepare: uint64(p)}
		all = append(all, r)
		return nil
	}); err != nil {
		return 0, fmt.Errorf("projections: move checkpoints: %w", err)
	}
	moved := 0
	for _, r := range all {
		to := move(r.at)
		if to == r.at {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE projection_state SET checkpoint_commit = $3, checkpoint_prepare = $4, updated_at = now()
			WHERE name = $1 AND generation = $2`, r.name, r.generation, int64(to.Commit), int64(to.Prepare)); err != nil {
			return moved, fmt.Errorf("projections: move checkpoint of %s generation %d: %w", r.name, r.generation, err)
		}
		moved++
	}
	// A stalled read model names its event by position, compared with
	// the checkpoint: it moves the same way.
	rows, err = tx.Query(ctx, `SELECT name, position_commit, position_prepare FROM projection_stalls FOR UPDATE`)
	if err != nil {
		return moved, fmt.Errorf("projections: move stalls: %w", err)
	}
	all = all[:0]
	if _, err := pgx.ForEachRow(rows, []any{&r.name, &c, &p}, func() error {
		r.at = eventstore.Position{Commit: uint64(c), Prepare: uint64(p)}
		all = append(all, r)
		return nil
	}); err != nil {
		return moved, fmt.Errorf("projections: move stalls: %w", err)
	}
	for _, r := range all {
		to := move(r.at)
		if to == r.at {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE projection_stalls SET position_commit = $2, position_prepare = $3 WHERE name = $1`,
			r.name, int64(to.Commit), int64(to.Prepare)); err != nil {
			return moved, fmt.Errorf("projections: move the stall of %s: %w", r.name, err)
		}
	}
	return moved, nil
}
