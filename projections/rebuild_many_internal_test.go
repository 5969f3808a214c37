package projections

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/econf/econf/eventstore"
)

// countingStore counts the reads of $all.
type countingStore struct {
	eventstore.Store
	mu    sync.Mutex
	reads int
}

func (s *countingStore) ReadAll(ctx context.Context, from eventstore.Position, max int) ([]eventstore.RecordedEvent, error) {
	s.mu.Lock()
	s.reads++
	s.mu.Unlock()
	return s.Store.ReadAll(ctx, from, max)
}

// TestRebuildManyEqualsEachAlone: RebuildMany rebuilds several read models
// in one pass over $all, read once in batches, and leaves each exactly as
// its own Rebuild does, each switched to a new generation up to the head;
// one that fails is told so, its old generation kept, while the others go
// on and switch.
func TestRebuildManyEqualsEachAlone(t *testing.T) {
	pool, store := newBatchDB(t)
	ctx := context.Background()
	all := statusTestEvents(t, store)
	defer func(n int) { rebuildBatch = n }(rebuildBatch)
	rebuildBatch = 7 // many batches, records' events across them
	head := all[len(all)-1].Position

	// The directory has no rows here: a read model applying one event at a
	// time beside those applying batches.
	ps := []Projection{ForecastList{}, StatusView{}, ApprovalLog{}, Directory{}}
	for _, p := range ps {
		if _, err := Rebuild(ctx, pool, store, p, nil); err != nil {
			t.Fatal(err)
		}
		for _, table := range p.Tables() {
			if _, err := pool.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS alone; CREATE TABLE alone.`+table+` AS SELECT * FROM rm.`+table); err != nil {
				t.Fatal(err)
			}
		}
	}
	failing := &probe{failAt: all[len(all)/2].Position, failures: 1000}
	if _, err := ensureActive(ctx, pool, failing); err != nil {
		t.Fatal(err)
	}
	counted := &countingStore{Store: store}
	got := map[string]error{}
	at := map[string]eventstore.Position{}
	RebuildMany(ctx, pool, counted, append(ps, failing), nil, func(p Projection, pos eventstore.Position, err error) {
		got[p.Name()], at[p.Name()] = err, pos
	})
	if err := got[failing.Name()]; err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Errorf("the failing read model: %v; want its injected failure", err)
	}
	for _, p := range ps {
		if err, ok := got[p.Name()]; !ok || err != nil || at[p.Name()] != head {
			t.Errorf("%s: told %v (%v) at %s; want rebuilt at %s", p.Name(), err, ok, at[p.Name()], head)
		}
		for _, table := range p.Tables() {
			if n := sameRows(t, pool, table, "rm", "alone"); n != 0 {
				t.Errorf("%s: %d rows differ from its rebuild alone", table, n)
			}
			if n := scalar(t, pool, `SELECT count(*) FROM rm.`+table); n == 0 && p.Name() != DirectoryName {
				t.Errorf("%s: empty", table)
			}
		}
		if n := scalar(t, pool, `SELECT count(*) FROM projection_state WHERE name = $1`, p.Name()); n != 1 {
			t.Errorf("%s: %d generations; want the new active one", p.Name(), n)
		}
	}
	if n := scalar(t, pool, `SELECT count(*) FROM projection_state WHERE name = $1 AND status = 'building' AND last_error LIKE '%injected failure%'`, failing.Name()); n != 1 {
		t.Errorf("the failed generation: %d with the error; want 1", n)
	}
	// $all read once: a read per batch, the short last one included, and
	// one more per read model switched (after its locks).
	if want := len(all)/rebuildBatch + 1 + len(ps); counted.reads > want {
		t.Errorf("%d reads of $all; want at most %d (one pass)", counted.reads, want)
	}
}
