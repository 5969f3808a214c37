package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/eventstore"
)

// A position's commit part is the writing transaction's id, which belongs
// to the cluster that assigned it. A database copied into another cluster
// (pg_dump and pg_restore, the only way to move it between servers or
// major versions) keeps its events' ids while the new cluster counts its
// own from wherever it stands: when that is below the copied ids, $all
// hides the history (it reads only below the oldest running transaction)
// and sorts every new event before it, so subscribers at the copied
// checkpoints never see a new event. CheckPositions finds such a database
// at start; Reposition makes its positions valid in the cluster it is in.

// ErrForeignPositions: the events' positions were written in another
// PostgreSQL cluster than the one the database is in now.
var ErrForeignPositions = errors.New("the events' positions were written in another PostgreSQL cluster")

// restoredCommit is the commit part Reposition gives every event: below
// any transaction id a cluster hands out (the first normal one is 3), so
// the history sorts before every later event and is never held back.
const restoredCommit = 1

// querier runs one statement: a pool, a connection or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// CheckPositions tells whether the events' positions belong to the
// cluster the database is in: no event may have been written by a
// transaction at or above the cluster's next transaction id, and the
// store's identity must name this cluster. The error wraps
// ErrForeignPositions.
func CheckPositions(ctx context.Context, q querier) error {
	var stored *string
	var current string
	var next, maxTx uint64
	var ahead int64
	err := q.QueryRow(ctx, `
SELECT (SELECT system_identifier FROM store_identity),
       (SELECT system_identifier::text FROM pg_control_system()),
       pg_snapshot_xmax(pg_current_snapshot()),
       (SELECT count(*) FROM events WHERE tx_id >= pg_snapshot_xmax(pg_current_snapshot())),
       coalesce((SELECT tx_id FROM events ORDER BY tx_id DESC LIMIT 1), '0'::xid8)`).Scan(&stored, &current, &next, &ahead, &maxTx)
	if err != nil {
		return fmt.Errorf("pgstore: check positions: %w", classify(err))
	}
	var why []string
	switch {
	case stored == nil:
		why = append(why, "the store has no identity (store_identity is empty)")
	case *stored != current:
		why = append(why, fmt.Sprintf("they were written in cluster %s and this is cluster %s", *stored, current))
	}
	if ahead > 0 {
		why = append(why, fmt.Sprintf("%d events carry transaction ids up to %d while this cluster's next one is %d", ahead, maxTx, next))
	}
	if len(why) > 0 {
		return fmt.Errorf("%w: %s", ErrForeignPositions, strings.Join(why, "; "))
	}
	return nil
}

// StoreID is the store's identity: made when the events table is created
// and again by Adopt, so a restored copy is a store of its own.
func StoreID(ctx context.Context, q querier) (uuid.UUID, error) {
	var id [16]byte
	if err := q.QueryRow(ctx, `SELECT store_id FROM store_identity`).Scan(&id); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return uuid.Nil, fmt.Errorf("pgstore: store identity: %w: store_identity is empty", ErrForeignPositions)
		}
		return uuid.Nil, fmt.Errorf("pgstore: store identity: %w", classify(err))
	}
	return id, nil
}

// Adopt gives the store a new identity in the cluster it is in now; call
// it in the transaction of Reposition.
func Adopt(ctx context.Context, tx pgx.Tx) (uuid.UUID, error) {
	var id [16]byte
	err := tx.QueryRow(ctx, `
INSERT INTO store_identity (store_id, system_identifier)
SELECT gen_random_uuid(), system_identifier::text FROM pg_control_system()
ON CONFLICT (singleton) DO UPDATE
SET store_id = excluded.store_id, system_identifier = excluded.system_identifier, adopted_at = now()
RETURNING store_id`).Scan(&id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("pgstore: adopt store: %w", classify(err))
	}
	return id, nil
}

// Moves maps each position a store had before Reposition to the one it has
// after.
type Moves struct {
	from []eventstore.Position // in $all order
	base uint64                // the event at from[i] is now at {restoredCommit, base+i+1}
}

// Len is how many events moved.
func (m *Moves) Len() int { return len(m.from) }

// Move maps a position from before Reposition (a checkpoint, a position
// handed to a client) to the one that names the same place in $all after
// it: an event's new position, or for a place between events the new
// position of the last event before it. Start stays Start.
func (m *Moves) Move(p eventstore.Position) eventstore.Position {
	i := sort.Search(len(m.from), func(i int) bool { return p.Less(m.from[i]) })
	if i == 0 {
		return eventstore.Start
	}
	return eventstore.Position{Commit: restoredCommit, Prepare: m.base + uint64(i)}
}

// Reposition renumbers every event so that its position is valid in the
// cluster the database is in, keeping the $all order: each event's commit
// part becomes restoredCommit and its prepare part its rank in $all, above
// every position used before. It locks the events table for the rest of
// tx; move every position stored elsewhere with the Moves it returns, in
// the same transaction, and Adopt the store.
func Reposition(ctx context.Context, tx pgx.Tx) (*Moves, error) {
	fail := func(err error) (*Moves, error) { return nil, fmt.Errorf("pgstore: reposition: %w", classify(err)) }
	if _, err := tx.Exec(ctx, `LOCK TABLE events IN ACCESS EXCLUSIVE MODE`); err != nil {
		return fail(err)
	}
	m := &Moves{}
	var base int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(position), 0) FROM events`).Scan(&base); err != nil {
		return fail(err)
	}
	m.base = uint64(base)
	rows, err := tx.Query(ctx, `SELECT tx_id, position FROM events ORDER BY tx_id, position`)
	if err != nil {
		return fail(err)
	}
	var txID uint64
	var position int64
	if _, err := pgx.ForEachRow(rows, []any{&txID, &position}, func() error {
		m.from = append(m.from, positionOf(txID, position))
		return nil
	}); err != nil {
		return fail(err)
	}
	if len(m.from) == 0 {
		return m, nil
	}
	// The new numbers are all above the old ones, so no row takes a number
	// another still holds while the statement runs.
	_, err = tx.Exec(ctx, fmt.Sprintf(`
ALTER TABLE events ALTER COLUMN position SET GENERATED BY DEFAULT;
UPDATE events e SET tx_id = '%d'::xid8, position = %d + m.rank
FROM (SELECT position, row_number() OVER (ORDER BY tx_id, position) AS rank FROM events) m
WHERE e.position = m.position;
ALTER TABLE events ALTER COLUMN position SET GENERATED ALWAYS;
SELECT setval(pg_get_serial_sequence('events', 'position'), %d)`, restoredCommit, base, base+int64(len(m.from))))
	if err != nil {
		return fail(err)
	}
	return m, nil
}
