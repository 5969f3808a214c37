package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/eventstore/storetest"
	"github.com/econf/econf/internal/migrate"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func migrateEvents(ctx context.Context, pool *pgxpool.Pool) error {
	return migrate.Up(ctx, pool, pgstore.Migrations)
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Store {
		return pgstore.New(pgtest.NewDatabase(t, migrateEvents))
	})
}

// insertInTx appends one event to a new stream inside tx, as Append's
// statement would, and returns its position.
func insertInTx(t *testing.T, ctx context.Context, tx pgx.Tx, stream string) int64 {
	t.Helper()
	var pos int64
	err := tx.QueryRow(ctx, `INSERT INTO events (stream_id, number, event_id, type, data, metadata)
		VALUES ($1, 1, $2, 'E', '{}', '{}') RETURNING position`, stream, uuid.New()).Scan(&pos)
	if err != nil {
		t.Fatal(err)
	}
	return pos
}

func readAllStreams(t *testing.T, ctx context.Context, s *pgstore.Store) []string {
	t.Helper()
	events, err := s.ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		out = append(out, e.StreamID)
	}
	return out
}

func appendOne(t *testing.T, ctx context.Context, s *pgstore.Store, stream string) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(ctx, stream, 0, []eventstore.EventData{{ID: uuid.New(), Type: "E", Data: []byte(`{}`)}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestLateCommitIsNotSkipped: an event that takes a lower position but
// commits after a higher one is not handed out late, behind a reader's
// checkpoint.
func TestLateCommitIsNotSkipped(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewDatabase(t, migrateEvents)
	s := pgstore.New(pool)

	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	slowPos := insertInTx(t, ctx, tx, "slow")
	fast := appendOne(t, ctx, s, "fast")
	if int64(fast.Position.Prepare) <= slowPos {
		t.Fatalf("the committed append took position %d, not after the open one's %d", fast.Position.Prepare, slowPos)
	}

	if got := readAllStreams(t, ctx, s); len(got) != 0 {
		t.Fatalf("ReadAll handed out %v while an earlier append was open", got)
	}
	// A subscriber started now waits too, then gets both in order.
	sub := make(chan eventstore.RecordedEvent, 10)
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.SubscribeAll(subCtx, eventstore.Start, func(_ context.Context, e eventstore.RecordedEvent) error {
		sub <- e
		return nil
	})
	select {
	case e := <-sub:
		t.Fatalf("subscriber got %s while an earlier append was open", e.StreamID)
	case <-time.After(300 * time.Millisecond):
	}

	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readAllStreams(t, ctx, s); !slices.Equal(got, []string{"slow", "fast"}) {
		t.Fatalf("after the commit ReadAll returned %v, want [slow fast]", got)
	}
	var got []string
	for range 2 {
		select {
		case e := <-sub:
			got = append(got, e.StreamID)
		case <-time.After(5 * time.Second):
			t.Fatalf("subscriber got only %v", got)
		}
	}
	if !slices.Equal(got, []string{"slow", "fast"}) {
		t.Errorf("subscriber got %v, want [slow fast]", got)
	}
}

// TestEarlyTransactionLatePosition: a transaction whose id was assigned
// before another's can still take a later position. Ordering by position
// would hand out its event after the other's checkpoint-wise... and so
// miss the other's event if that commits last. $all is in transaction
// order instead.
func TestEarlyTransactionLatePosition(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewDatabase(t, migrateEvents)
	s := pgstore.New(pool)

	early, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Rollback(ctx)
	if _, err := early.Exec(ctx, "SELECT pg_current_xact_id()"); err != nil { // takes its id now
		t.Fatal(err)
	}
	late, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer late.Rollback(ctx)
	latePos := insertInTx(t, ctx, late, "late")    // later id, lower position
	earlyPos := insertInTx(t, ctx, early, "early") // earlier id, higher position
	if earlyPos <= latePos {
		t.Fatalf("positions %d, %d", earlyPos, latePos)
	}
	if err := early.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	// "early" is committed and every transaction before it has ended, so
	// it may be handed out; "late" must still come after it.
	first, err := s.ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 1 || first[0].StreamID != "early" {
		t.Fatalf("ReadAll returned %d events, want only early", len(first))
	}
	if err := late.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	rest, err := s.ReadAll(ctx, first[0].Position, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 1 || rest[0].StreamID != "late" {
		t.Fatalf("after early's position ReadAll returned %d events, want late", len(rest))
	}
	if !first[0].Position.Less(rest[0].Position) {
		t.Errorf("late's position %s is not after early's %s", rest[0].Position, first[0].Position)
	}
}

func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(pgtest.NewDatabaseURL(t, migrateEvents))
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := pgstore.New(pool)
	appendOne(t, ctx, s, "s")
	pool.Close()
	if err := s.Ping(ctx); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Errorf("Ping on a closed pool: %v, want ErrUnavailable", err)
	}
	if _, err := s.Append(ctx, "s", 1, []eventstore.EventData{{ID: uuid.New(), Type: "E", Data: []byte(`{}`)}}); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Errorf("Append on a closed pool: %v, want ErrUnavailable", err)
	}
	if _, err := s.ReadAll(ctx, eventstore.Start, 10); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Errorf("ReadAll on a closed pool: %v, want ErrUnavailable", err)
	}
}

func TestInvalidData(t *testing.T) {
	ctx := context.Background()
	s := pgstore.New(pgtest.NewDatabase(t, migrateEvents))
	_, err := s.Append(ctx, "s", 0, []eventstore.EventData{{ID: uuid.New(), Type: "E", Data: []byte(`{not json`)}})
	if err == nil || errors.Is(err, eventstore.ErrUnavailable) {
		t.Errorf("append of invalid JSON: %v", err)
	}
}

// TestLiveWakeupAcrossStores: a subscriber of another store (another
// process, as far as the stores know) hears of a commit through the
// NOTIFY at once, not at its idle re-read, also when appends follow each
// other closely (the notifications are coalesced, none dropped at the end
// of a stream of appends); a store skips its own notifications, and its
// own subscribers still hear of its appends.
func TestLiveWakeupAcrossStores(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pool := pgtest.NewDatabase(t, migrateEvents)
	writer, other := pgstore.New(pool), pgstore.New(pool)
	type seen struct {
		stream string
		at     time.Time
	}
	heard := func(s *pgstore.Store) chan seen {
		got := make(chan seen, 100)
		go s.SubscribeAll(ctx, eventstore.Start, func(_ context.Context, e eventstore.RecordedEvent) error {
			got <- seen{e.StreamID, time.Now()}
			return nil
		})
		return got
	}
	own, across := heard(writer), heard(other)
	for round := range 3 {
		time.Sleep(300 * time.Millisecond) // let both go idle
		start := time.Now()
		var last string
		for i := range 1 + 4*round { // a lone append, then bursts
			last = fmt.Sprintf("wake-%d-%d", round, i)
			appendOne(t, ctx, writer, last)
		}
		for name, got := range map[string]chan seen{"own": own, "other store": across} {
			for {
				select {
				case e := <-got:
					if e.stream != last {
						continue
					}
					if d := e.at.Sub(start); d > 500*time.Millisecond {
						t.Errorf("round %d: %s subscriber heard the last append after %s", round, name, d)
					}
				case <-time.After(2 * time.Second): // the idle re-read is 3 s
					t.Fatalf("round %d: %s subscriber did not hear of %s before its idle re-read", round, name, last)
				}
				break
			}
		}
	}
}

// TestLiveWakeup: a live subscriber hears of a commit at once, not at its
// idle re-read.
func TestLiveWakeup(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := pgstore.New(pgtest.NewDatabase(t, migrateEvents))
	got := make(chan time.Time, 10)
	go s.SubscribeAll(ctx, eventstore.Start, func(context.Context, eventstore.RecordedEvent) error {
		got <- time.Now()
		return nil
	})
	for i := range 3 {
		time.Sleep(300 * time.Millisecond) // let it go idle
		start := time.Now()
		appendOne(t, ctx, s, uuid.NewString())
		select {
		case at := <-got:
			if d := at.Sub(start); d > 500*time.Millisecond {
				t.Errorf("append %d delivered after %s", i, d)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("append %d not delivered", i)
		}
	}
}
