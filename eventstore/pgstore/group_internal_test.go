package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/migrate"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

func newGroupStore(t *testing.T) (*Store, *pgxpool.Pool) {
	pool := pgtest.NewDatabase(t, func(ctx context.Context, pool *pgxpool.Pool) error {
		return migrate.Up(ctx, pool, Migrations)
	})
	return New(pool), pool
}

func oneEvent(id uuid.UUID) []eventstore.EventData {
	return []eventstore.EventData{{ID: id, Type: "E", Data: []byte(`{}`)}}
}

func events(n int) []eventstore.EventData {
	evs := make([]eventstore.EventData, n)
	for i := range evs {
		evs[i] = eventstore.EventData{ID: uuid.New(), Type: "E", Data: []byte(`{"i":1}`)}
	}
	return evs
}

// waitFor polls cond until it holds, or fails the test after 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

type appendCase struct {
	name     string
	stream   string
	expected eventstore.Version
	events   []eventstore.EventData
}

type outcome struct {
	res eventstore.AppendResult
	err error
}

// queuedTogether runs cases while every leader is held up in the database
// behind an open transaction, so that they queue; then it lets the leaders
// go, which writes the whole queue as one group, and returns each case's
// outcome.
func queuedTogether(t *testing.T, s *Store, pool *pgxpool.Pool, cases []appendCase) map[string]outcome {
	t.Helper()
	ctx := context.Background()
	blocker, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback(ctx)
	prefix := uuid.NewString()
	var wg sync.WaitGroup
	for i := range s.committer.leading {
		stream := fmt.Sprintf("%s-block-%d", prefix, i)
		if _, err := blocker.Exec(ctx, `INSERT INTO events (stream_id, number, event_id, type, data, metadata)
			VALUES ($1, 1, $2, 'E', '{}', '{}')`, stream, uuid.New()); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			// Waits for the blocker's row, then writes (it rolls back).
			if _, err := s.Append(ctx, stream, eventstore.NoStream, events(1)); err != nil {
				t.Errorf("leader %d: %v", i, err)
			}
		})
	}
	waitFor(t, "the leaders to wait for the blocker's rows", func() bool {
		var waiting int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE NOT granted`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		return waiting == s.committer.leading
	})

	out := map[string]outcome{}
	var mu sync.Mutex
	for _, c := range cases {
		wg.Go(func() {
			res, err := s.Append(ctx, c.stream, c.expected, c.events)
			mu.Lock()
			out[c.name] = outcome{res, err}
			mu.Unlock()
		})
	}
	waitFor(t, "every case to queue", func() bool {
		s.committer.mu.Lock()
		defer s.committer.mu.Unlock()
		return len(s.committer.queue) == len(cases)
	})
	if err := blocker.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	return out
}

// stored checks that res is where the last of evs is stored in stream.
func checkStored(t *testing.T, s *Store, name, stream string, res eventstore.AppendResult, evs []eventstore.EventData) {
	t.Helper()
	got, err := s.ReadStream(context.Background(), stream, eventstore.Forwards, 1, 0)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	last := got[len(got)-1]
	if last.ID != evs[len(evs)-1].ID || last.Position != res.Position || eventstore.Version(last.Number) != res.Version {
		t.Errorf("%s: append answered version %d at %v; stored %s as number %d at %v", name, res.Version, res.Position, last.ID, last.Number, last.Position)
	}
}

// TestGroupCommit: appends that queue behind running ones commit in one
// transaction, each with its own expected-version check, its own error and
// its own position.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	s, pool := newGroupStore(t)
	first := events(2)
	original, err := s.Append(ctx, "old", eventstore.NoStream, first)
	if err != nil {
		t.Fatal(err)
	}

	cases := []appendCase{
		{"stale", "old", 1, events(1)},                     // old is at 2
		{"retry", "old", 0, first},                         // the same append again
		{"same-a", "same", eventstore.NoStream, events(1)}, // one of these two wins
		{"same-b", "same", eventstore.NoStream, events(3)},
	}
	for i := range 8 {
		cases = append(cases, appendCase{fmt.Sprintf("new-%d", i), fmt.Sprintf("new-%d", i), eventstore.NoStream, events(1 + i%3)})
	}
	out := queuedTogether(t, s, pool, cases)

	if err := out["stale"].err; !errors.Is(err, eventstore.ErrWrongVersion) {
		t.Errorf("stale append: %v, want ErrWrongVersion", err)
	}
	if o := out["retry"]; o.err != nil || o.res != original {
		t.Errorf("retry: %+v, %v; want the original %+v", o.res, o.err, original)
	}
	a, b := out["same-a"], out["same-b"]
	switch {
	case a.err == nil && errors.Is(b.err, eventstore.ErrWrongVersion):
		checkStored(t, s, "same-a", "same", a.res, cases[2].events)
	case b.err == nil && errors.Is(a.err, eventstore.ErrWrongVersion):
		checkStored(t, s, "same-b", "same", b.res, cases[3].events)
	default:
		t.Errorf("two appends to a new stream: %v and %v; want one to win", a.err, b.err)
	}
	txs := map[uint64]bool{}
	for _, c := range cases[4:] {
		o := out[c.name]
		if o.err != nil {
			t.Errorf("%s: %v", c.name, o.err)
			continue
		}
		checkStored(t, s, c.name, c.stream, o.res, c.events)
		txs[o.res.Position.Commit] = true
	}
	if len(txs) != 1 {
		t.Errorf("the queued appends committed in %d transactions, want one group", len(txs))
	}
}

// TestGroupCommitFailureIsOwn: a statement that fails aborts its group's
// transaction, and then every member is written alone: the failure is the
// failing append's only.
func TestGroupCommitFailureIsOwn(t *testing.T) {
	ctx := context.Background()
	s, pool := newGroupStore(t)
	taken := uuid.New()
	if _, err := s.Append(ctx, "other", eventstore.NoStream, oneEvent(taken)); err != nil {
		t.Fatal(err)
	}
	cases := []appendCase{
		{"invalid", "invalid", eventstore.NoStream, []eventstore.EventData{{ID: uuid.New(), Type: "E", Data: []byte(`{not json`)}}},
		{"duplicate", "duplicate", eventstore.NoStream, oneEvent(taken)},
		{"stale", "other", eventstore.NoStream, events(1)},
	}
	for i := range 6 {
		cases = append(cases, appendCase{fmt.Sprintf("new-%d", i), fmt.Sprintf("new-%d", i), eventstore.NoStream, events(1 + i%2)})
	}
	out := queuedTogether(t, s, pool, cases)

	if err := out["invalid"].err; err == nil || errors.Is(err, eventstore.ErrUnavailable) {
		t.Errorf("invalid JSON: %v", err)
	}
	if err := out["duplicate"].err; !errors.Is(err, eventstore.ErrDuplicateEvent) {
		t.Errorf("duplicate id: %v, want ErrDuplicateEvent", err)
	}
	if err := out["stale"].err; !errors.Is(err, eventstore.ErrWrongVersion) {
		t.Errorf("stale append: %v, want ErrWrongVersion", err)
	}
	for _, c := range cases[3:] {
		o := out[c.name]
		if o.err != nil {
			t.Errorf("%s failed with its group: %v", c.name, o.err)
			continue
		}
		checkStored(t, s, c.name, c.stream, o.res, c.events)
	}
	for _, stream := range []string{"invalid", "duplicate"} {
		if _, err := s.ReadStream(ctx, stream, eventstore.Forwards, 1, 0); !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Errorf("stream %s after its failed append: %v", stream, err)
		}
	}
}

// TestGroupCommitManyWriters: many concurrent writers, some of whose
// appends fail their check (stale versions, taken ids), on a store whose
// appends group. Every append gets its own right answer, and the streams
// hold exactly the appends that succeeded, without gaps.
func TestGroupCommitManyWriters(t *testing.T) {
	ctx := context.Background()
	s, _ := newGroupStore(t)
	const writers, appendsEach, shared = 32, 20, 4
	taken := uuid.New()
	if _, err := s.Append(ctx, "taken", eventstore.NoStream, oneEvent(taken)); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	written := map[string][]uuid.UUID{} // by stream, in order of the versions answered
	versions := map[string]map[eventstore.Version][]uuid.UUID{}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(w), 1))
			own := fmt.Sprintf("own-%d", w)
			var ownVersion eventstore.Version
			for i := range appendsEach {
				evs := events(1 + rnd.IntN(3))
				var stream string
				var expected eventstore.Version
				want := error(nil) // nil: may succeed or fail with ErrWrongVersion
				switch k := rnd.IntN(10); {
				case k < 4:
					stream, expected = own, ownVersion
				case k < 8: // a shared stream at whatever version it seems to be
					stream = fmt.Sprintf("shared-%d", rnd.IntN(shared))
					head, err := s.ReadStream(ctx, stream, eventstore.Backwards, 0, 1)
					if err == nil {
						expected = eventstore.Version(head[0].Number)
					}
				case k < 9: // surely stale
					stream, expected, want = "taken", 5, eventstore.ErrWrongVersion
				default: // an id taken by another stream
					stream, want = fmt.Sprintf("dup-%d-%d", w, i), eventstore.ErrDuplicateEvent
					evs[0].ID = taken
				}
				res, err := s.Append(ctx, stream, expected, evs)
				switch {
				case want != nil && !errors.Is(err, want):
					t.Errorf("writer %d append %d to %s at %d: %v, want %v", w, i, stream, expected, err, want)
				case want != nil:
				case stream == own && err != nil:
					t.Errorf("writer %d append %d to its own stream at %d: %v", w, i, expected, err)
				case err != nil && !errors.Is(err, eventstore.ErrWrongVersion):
					t.Errorf("writer %d append %d to %s at %d: %v", w, i, stream, expected, err)
				case err == nil:
					if res.Version != expected+eventstore.Version(len(evs)) {
						t.Errorf("writer %d append %d to %s at %d answered version %d", w, i, stream, expected, res.Version)
					}
					if stream == own {
						ownVersion = res.Version
					}
					mu.Lock()
					if versions[stream] == nil {
						versions[stream] = map[eventstore.Version][]uuid.UUID{}
					}
					if _, twice := versions[stream][expected]; twice {
						t.Errorf("stream %s: two appends succeeded at version %d", stream, expected)
					}
					versions[stream][expected] = dataIDs(evs)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// Put each stream's successful appends in version order.
	for stream, byVersion := range versions {
		for v := eventstore.Version(0); len(byVersion) > 0; {
			ids, ok := byVersion[v]
			if !ok {
				t.Fatalf("stream %s: no successful append at version %d; have %v", stream, v, byVersion)
			}
			delete(byVersion, v)
			written[stream] = append(written[stream], ids...)
			v += eventstore.Version(len(ids))
		}
	}
	all, err := s.ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string][]uuid.UUID{}
	for _, e := range all {
		if e.StreamID == "taken" {
			continue
		}
		if uint64(len(stored[e.StreamID])+1) != e.Number {
			t.Fatalf("stream %s: event number %d after %d events", e.StreamID, e.Number, len(stored[e.StreamID]))
		}
		stored[e.StreamID] = append(stored[e.StreamID], e.ID)
	}
	if len(stored) != len(written) {
		t.Errorf("%d streams stored, %d written", len(stored), len(written))
	}
	for stream, ids := range written {
		if fmt.Sprint(ids) != fmt.Sprint(stored[stream]) {
			t.Errorf("stream %s: wrote %v, stored %v", stream, ids, stored[stream])
		}
	}
}

func dataIDs(evs []eventstore.EventData) []uuid.UUID {
	out := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// TestGroupCommitSubscriberSkipsNothing: a subscription of $all running
// while many writers append in groups (some with stale versions, whose
// failure must not touch their neighbours) receives every committed event
// once, in ascending position order, exactly as $all reads afterwards, and
// the groups did share transactions (events of different streams under one
// commit position).
func TestGroupCommitSubscriberSkipsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, _ := newGroupStore(t)
	var mu sync.Mutex
	var seen []eventstore.RecordedEvent
	subDone := make(chan error, 1)
	go func() {
		subDone <- s.SubscribeAll(ctx, eventstore.Start, func(_ context.Context, e eventstore.RecordedEvent) error {
			mu.Lock()
			seen = append(seen, e)
			mu.Unlock()
			return nil
		})
	}()
	const writers, appendsEach = 16, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			own := fmt.Sprintf("w-%d", w)
			var v eventstore.Version
			for i := range appendsEach {
				if i%5 == 4 { // a stale check among the group: its own error only
					if _, err := s.Append(ctx, own, v+7, events(1)); !errors.Is(err, eventstore.ErrWrongVersion) {
						t.Errorf("writer %d stale append: %v, want ErrWrongVersion", w, err)
					}
					continue
				}
				res, err := s.Append(ctx, own, v, events(1+i%2))
				if err != nil {
					t.Errorf("writer %d append %d: %v", w, i, err)
					return
				}
				v = res.Version
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	all, err := s.ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the subscription to reach the head", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) >= len(all)
	})
	cancel()
	<-subDone
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != len(all) {
		t.Fatalf("subscription received %d events, $all holds %d", len(seen), len(all))
	}
	streamsOf := map[eventstore.Position]map[string]bool{}
	for i, e := range seen {
		if i > 0 && !seen[i-1].Position.Less(e.Position) {
			t.Fatalf("event %d at %v after %v: not ascending", i, e.Position, seen[i-1].Position)
		}
		if e.ID != all[i].ID || e.Position != all[i].Position {
			t.Fatalf("event %d: subscription had %s at %v, $all has %s at %v", i, e.ID, e.Position, all[i].ID, all[i].Position)
		}
		tx := eventstore.Position{Commit: e.Position.Commit}
		if streamsOf[tx] == nil {
			streamsOf[tx] = map[string]bool{}
		}
		streamsOf[tx][e.StreamID] = true
	}
	shared := 0
	for _, streams := range streamsOf {
		if len(streams) > 1 {
			shared++
		}
	}
	if shared == 0 {
		t.Errorf("no transaction wrote more than one stream: the appends were never grouped")
	}
	t.Logf("%d events in %d transactions, %d of them shared by several streams", len(all), len(streamsOf), shared)
}
