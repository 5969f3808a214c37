package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// TestForeignPositionsRepositioned: events whose transaction ids lie above
// the cluster's next one (what pg_restore into a younger cluster leaves)
// hide the history from $all and sort every new event before a copied
// checkpoint. CheckPositions names them, as it names a store whose identity
// is another cluster's; Reposition makes every position valid here in the
// same order, and a subscriber at a moved checkpoint gets what follows it
// and then a new event.
func TestForeignPositionsRepositioned(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewDatabase(t, migrateEvents)
	s := pgstore.New(pool)
	if err := pgstore.CheckPositions(ctx, pool); err != nil {
		t.Fatalf("a new store: %v", err)
	}

	// A transaction that takes its id first and inserts last: its event
	// has the higher insertion position but comes first in $all.
	early, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Rollback(ctx)
	if _, err := early.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
		t.Fatal(err)
	}
	for i := range 9 {
		appendOne(t, ctx, s, fmt.Sprintf("s%d-%s", i%3, uuid.NewString()))
	}
	insertInTx(t, ctx, early, "early-"+uuid.NewString())
	if err := early.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	before := readAll(t, ctx, s)
	if len(before) != 10 || !strings.HasPrefix(before[0].StreamID, "early-") {
		t.Fatalf("setup: want the early transaction's event first of 10, got %d events starting with %s", len(before), before[0].StreamID)
	}

	// The copy: every transaction id a million above this cluster's.
	if _, err := pool.Exec(ctx, `UPDATE events SET tx_id = (tx_id::text::bigint + 1000000)::text::xid8`); err != nil {
		t.Fatal(err)
	}
	foreign := readAllPositions(t, ctx, pool)
	if got := readAll(t, ctx, s); len(got) != 0 {
		t.Fatalf("setup: $all shows %d copied events; want them hidden", len(got))
	}
	err = pgstore.CheckPositions(ctx, pool)
	if !errors.Is(err, pgstore.ErrForeignPositions) || !strings.Contains(err.Error(), "10 events") {
		t.Fatalf("CheckPositions on copied positions: %v", err)
	}

	var moves *pgstore.Moves
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		moves, err = pgstore.Reposition(ctx, tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := pgstore.CheckPositions(ctx, pool); err != nil {
		t.Fatalf("after Reposition: %v", err)
	}
	after := readAll(t, ctx, s)
	if len(after) != len(before) || moves.Len() != len(before) {
		t.Fatalf("after Reposition $all has %d events, moves %d; want %d", len(after), moves.Len(), len(before))
	}
	for i := range after {
		if after[i].ID != before[i].ID {
			t.Fatalf("event %d of $all is %s, was %s: the order changed", i, after[i].ID, before[i].ID)
		}
		if got := moves.Move(foreign[i]); got != after[i].Position {
			t.Errorf("Move(%s) = %s; want %s", foreign[i], got, after[i].Position)
		}
	}
	if got := moves.Move(eventstore.Start); got != eventstore.Start {
		t.Errorf("Move(Start) = %s", got)
	}
	// Each event here has a transaction of its own, so this lies between
	// events 4 and 5.
	between := eventstore.Position{Commit: foreign[4].Commit, Prepare: foreign[4].Prepare + 1000}
	if got := moves.Move(between); got != after[4].Position {
		t.Errorf("Move(%s), between events 4 and 5, = %s; want event 4's %s", between, got, after[4].Position)
	}

	// A subscriber from the moved checkpoint of event 6 gets 7..9, then a
	// new event.
	from := moves.Move(foreign[6])
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var got []uuid.UUID
	fresh := make(chan eventstore.AppendResult, 1)
	go func() {
		time.Sleep(50 * time.Millisecond)
		res, err := s.Append(ctx, "new-"+uuid.NewString(), 0, []eventstore.EventData{{ID: uuid.New(), Type: "E", Data: []byte(`{}`)}})
		if err != nil {
			t.Error(err)
		}
		fresh <- res
	}()
	err = s.SubscribeAll(sctx, from, func(_ context.Context, e eventstore.RecordedEvent) error {
		got = append(got, e.ID)
		if len(got) == 4 {
			appended := <-fresh
			if e.Position != appended.Position {
				return fmt.Errorf("fourth event at %s; want the new one at %s", e.Position, appended.Position)
			}
			return errDone
		}
		return nil
	})
	if !errors.Is(err, errDone) {
		t.Fatalf("subscribe after Reposition: %v (got %d events)", err, len(got))
	}
	for i, id := range got[:3] {
		if id != before[7+i].ID {
			t.Errorf("subscriber event %d is %s; want %s", i, id, before[7+i].ID)
		}
	}

	// A store whose identity names another cluster is refused until adopted.
	old, err := pgstore.StoreID(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE store_identity SET system_identifier = '42'`); err != nil {
		t.Fatal(err)
	}
	if err := pgstore.CheckPositions(ctx, pool); !errors.Is(err, pgstore.ErrForeignPositions) || !strings.Contains(err.Error(), "cluster 42") {
		t.Fatalf("CheckPositions with another cluster's identity: %v", err)
	}
	var adopted uuid.UUID
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		adopted, err = pgstore.Adopt(ctx, tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := pgstore.CheckPositions(ctx, pool); err != nil || adopted == old {
		t.Fatalf("after Adopt: %v (identity %s, was %s)", err, adopted, old)
	}
}

var errDone = errors.New("done")

func readAll(t *testing.T, ctx context.Context, s *pgstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	events, err := s.ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// readAllPositions reads every event's position straight from the table,
// in $all order, held back or not.
func readAllPositions(t *testing.T, ctx context.Context, pool interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) []eventstore.Position {
	t.Helper()
	rows, err := pool.Query(ctx, `SELECT tx_id, position FROM events ORDER BY tx_id, position`)
	if err != nil {
		t.Fatal(err)
	}
	var out []eventstore.Position
	var c uint64
	var p int64
	if _, err := pgx.ForEachRow(rows, []any{&c, &p}, func() error {
		out = append(out, eventstore.Position{Commit: c, Prepare: uint64(p)})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
