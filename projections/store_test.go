package projections_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/pgcluster/pgtest"
	"github.com/econf/econf/projections"
)

// TestCheckpointsMoveWithTheirStore: every stored position of the read
// models (each generation's checkpoint, a stalled event's position) moves
// through the restore's mapping, and the checkpoints are tied to the
// store they were taken in.
func TestCheckpointsMoveWithTheirStore(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewDatabase(t, dbschema.Up)
	if _, err := pool.Exec(ctx, `
INSERT INTO projection_state (name, generation, version, schema_name, status, checkpoint_commit, checkpoint_prepare)
VALUES ('a', 1, 1, 'p_a_1', 'active', 5000, 7), ('a', 2, 1, 'p_a_2', 'building', 5001, 9), ('b', 1, 1, 'p_b_1', 'active', 0, 0);
INSERT INTO projection_stalls (name, generation, kind, event_id, event_type, stream_id, event_number, position_commit, position_prepare, error)
VALUES ('a', 1, 'apply', gen_random_uuid(), 'E', 's', 1, 5001, 8, 'refused')`); err != nil {
		t.Fatal(err)
	}
	store := uuid.New()
	if err := projections.CheckStore(ctx, pool, store); err != nil {
		t.Fatalf("first start: %v", err)
	}
	other := uuid.New()
	if err := projections.CheckStore(ctx, pool, other); !errors.Is(err, projections.ErrForeignCheckpoints) {
		t.Fatalf("checkpoints against another store: %v", err)
	}
	move := func(p eventstore.Position) eventstore.Position {
		if p == eventstore.Start {
			return p
		}
		return eventstore.Position{Commit: 1, Prepare: p.Prepare + 100}
	}
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		n, err := projections.MoveCheckpoints(ctx, tx, move)
		if err == nil && n != 2 {
			t.Errorf("moved %d checkpoints; want 2", n)
		}
		if err == nil {
			err = projections.AdoptStore(ctx, tx, other)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sql  string
		want eventstore.Position
	}{
		{`SELECT checkpoint_commit, checkpoint_prepare FROM projection_state WHERE name = 'a' AND generation = 1`, eventstore.Position{Commit: 1, Prepare: 107}},
		{`SELECT checkpoint_commit, checkpoint_prepare FROM projection_state WHERE name = 'a' AND generation = 2`, eventstore.Position{Commit: 1, Prepare: 109}},
		{`SELECT checkpoint_commit, checkpoint_prepare FROM projection_state WHERE name = 'b'`, eventstore.Start},
		{`SELECT position_commit, position_prepare FROM projection_stalls WHERE name = 'a'`, eventstore.Position{Commit: 1, Prepare: 108}},
	} {
		var got eventstore.Position
		if err := pool.QueryRow(ctx, c.sql).Scan(&got.Commit, &got.Prepare); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s: %s; want %s", c.sql, got, c.want)
		}
	}
	if err := projections.CheckStore(ctx, pool, other); err != nil {
		t.Fatalf("after the move, against the adopted store: %v", err)
	}
}

// TestCheckStoreConcurrentFirstStarts: several processes starting on one
// new database at once all pass the check. The second start's statement
// waits on the first's uncommitted row; with DO NOTHING it then saw no row
// in its snapshot and failed with "no rows in result set" (TestScaleOut
// met it).
func TestCheckStoreConcurrentFirstStarts(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewDatabase(t, dbschema.Up)
	store := uuid.New()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if err := projections.CheckStore(ctx, tx, store); err != nil {
		t.Fatalf("first start: %v", err)
	}
	second := make(chan error, 1)
	go func() { second <- projections.CheckStore(ctx, pool, store) }()
	for waiting := false; !waiting; {
		if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted)`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-second:
			t.Fatalf("the second start did not wait for the first: %v", err)
		default:
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatalf("second start beside the first: %v", err)
	}
	if err := projections.CheckStore(ctx, pool, uuid.New()); err != nil {
		t.Fatalf("no checkpoint moved yet, another store is adopted: %v", err)
	}
}
