package projections

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/benchdata"
)

// pipeModel writes one row per event through Exec (queued by pipeTx) and,
// on every third event, reads the count back, which must see every write
// queued before it. An event whose type is "dup" writes an id already there.
type pipeModel struct{ seen []int }

func (*pipeModel) Name() string     { return "pipe_probe" }
func (*pipeModel) Version() int     { return 1 }
func (*pipeModel) Tables() []string { return []string{"pipe_rows"} }
func (*pipeModel) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `CREATE TABLE pipe_rows (id bigint PRIMARY KEY)`)
	return err
}

func (m *pipeModel) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	id := int64(e.Number)
	if e.Type == "dup" {
		id = 1
	}
	if _, err := tx.Exec(ctx, `INSERT INTO pipe_rows (id) VALUES ($1)`, id); err != nil {
		return err
	}
	if e.Number%3 == 0 {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM pipe_rows`).Scan(&n); err != nil {
			return err
		}
		m.seen = append(m.seen, n)
	}
	return nil
}

func pipeEvents(from, to uint64, dupAt uint64) []eventstore.RecordedEvent {
	var out []eventstore.RecordedEvent
	for n := from; n <= to; n++ {
		e := fakeEvent(n)
		e.StreamID, e.Number, e.Type = "pipe-1", n, "row"
		if n == dupAt {
			e.Type = "dup"
		}
		out = append(out, e)
	}
	return out
}

// TestPipelinedApply: a read model's writes are queued and sent together,
// its reads see them in order, the checkpoint moves with them, and a write
// that fails aborts the whole batch and names its event.
func TestPipelinedApply(t *testing.T) {
	pool, _ := newBatchDB(t)
	ctx := context.Background()
	m := &pipeModel{}
	if _, err := ensureActive(ctx, pool, m); err != nil {
		t.Fatal(err)
	}

	// More statements than one pipeline holds, so it is sent on its way too.
	n, err := applyEvents(ctx, pool, m, pipeEvents(1, maxPipelined+10, 0))
	if err != nil || n != maxPipelined+10 {
		t.Fatalf("apply: %d, %v", n, err)
	}
	for i, got := range m.seen {
		if want := 3 * (i + 1); got != want {
			t.Fatalf("read %d saw %d rows, want %d (the writes queued before it)", i, got, want)
		}
	}
	if got := scalar(t, pool, `SELECT count(*) FROM rm.pipe_rows`); got != maxPipelined+10 {
		t.Fatalf("rows %d, want %d", got, maxPipelined+10)
	}
	if got := scalar(t, pool, `SELECT checkpoint_commit FROM projection_state WHERE name = 'pipe_probe' AND status = 'active'`); got != maxPipelined+10 {
		t.Fatalf("checkpoint %d, want %d", got, maxPipelined+10)
	}

	// Event 1040 writes a duplicate key; 1041 and 1042 come after it in the
	// same pipeline, and none of the batch may stay.
	from := uint64(maxPipelined + 11)
	_, err = applyEvents(ctx, pool, m, pipeEvents(from, from+20, from+5))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Fatalf("want a unique violation, got %v", err)
	}
	if want := "apply dup pipe-1#" + strconv.FormatUint(from+5, 10); !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not name the failing event (%s)", err, want)
	}
	if got := scalar(t, pool, `SELECT count(*) FROM rm.pipe_rows`); got != maxPipelined+10 {
		t.Fatalf("rows %d after the failed batch, want %d", got, maxPipelined+10)
	}
	if got := scalar(t, pool, `SELECT checkpoint_commit FROM projection_state WHERE name = 'pipe_probe' AND status = 'active'`); got != maxPipelined+10 {
		t.Fatalf("checkpoint moved to %d by a failed batch", got)
	}
}

// TestRebuildDefersQueryIndexes: a rebuild builds the query-only indexes
// after the fill, and the new generation ends with exactly the indexes
// Setup makes; a name Setup did not make is refused before any work.
func TestRebuildDefersQueryIndexes(t *testing.T) {
	pool, store := newBatchDB(t)
	ctx := context.Background()
	indexes := func(p Projection) []string {
		g, err := activeGeneration(ctx, mustTx(t, pool), p.Name(), false)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := pool.Query(ctx, `SELECT replace(indexdef, $1, 'g') FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname`, g.Schema)
		if err != nil {
			t.Fatal(err)
		}
		defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return defs
	}
	for _, p := range []Projection{ForecastList{}, DeclarationList{}} {
		if _, err := ensureActive(ctx, pool, p); err != nil {
			t.Fatal(err)
		}
		before := indexes(p)
		if len(before) < len(p.(queryIndexer).QueryIndexes())+1 {
			t.Fatalf("%s: only %d indexes: %v", p.Name(), len(before), before)
		}
		if _, err := Rebuild(ctx, pool, store, p, nil); err != nil {
			t.Fatal(err)
		}
		if after := indexes(p); !slices.Equal(after, before) {
			t.Fatalf("%s: indexes after the rebuild\n%v\nwant\n%v", p.Name(), after, before)
		}
	}
	_, err := Rebuild(ctx, pool, store, misnamedIndexes{ForecastList{}}, nil)
	if err == nil || !strings.Contains(err.Error(), "forecasts_nosuch") {
		t.Fatalf("a query index Setup does not make: %v", err)
	}
}

type misnamedIndexes struct{ ForecastList }

func (misnamedIndexes) QueryIndexes() []string {
	return []string{"forecasts_search", "forecasts_nosuch"}
}

// mustTx is a transaction for reads, rolled back at the test's end.
func mustTx(t *testing.T, pool *pgxpool.Pool) pgx.Tx {
	t.Helper()
	tx, err := pool.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	return tx
}

// oneByOne is the forecast list without ApplyBatch: Apply per event.
type oneByOne struct{ l ForecastList }

func (oneByOne) Name() string                                 { return "forecast_list_single" }
func (oneByOne) Version() int                                 { return 1 }
func (o oneByOne) Tables() []string                           { return o.l.Tables() }
func (o oneByOne) Setup(ctx context.Context, tx pgx.Tx) error { return o.l.Setup(ctx, tx) }
func (o oneByOne) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	return o.l.Apply(ctx, tx, e)
}

// TestForecastListBatchEqualsOneByOne: the forecast list's batch apply
// (decisions gathered per forecast, written in one statement) leaves
// exactly the rows Apply leaves one event at a time, whatever the batch
// boundaries, with forecasts' events interleaved and a revision between
// decisions of the same forecast in one batch, and forecasts submitted in a
// batch built in memory and copied in (copyMin or more of them) or inserted.
func TestForecastListBatchEqualsOneByOne(t *testing.T) {
	pool, store := newBatchDB(t)
	ctx := context.Background()
	o := benchdata.NewOrg()
	const records = 12
	evs := make([][]eventstore.EventData, records)
	for i := range records {
		evs[i] = benchdata.ForecastEvents(o, i)
		if i%4 == 1 { // a revision without a start date: a null in the row
			var rev forecast.Revised
			if err := json.Unmarshal(evs[i][3].Data, &rev); err != nil {
				t.Fatal(err)
			}
			rev.Details.StartDate = domain.Date{}
			evs[i][3].Data, _ = json.Marshal(rev)
		}
		// Then the authority's approval, after the school's: the row stays
		// at the authority.
		approved, _ := json.Marshal(forecast.ApprovedByAuthority{At: evs[i][5].Metadata.RecordedAt.Add(time.Hour)})
		evs[i] = append(evs[i], eventstore.EventData{ID: eventstore.EventID(benchdata.RecordID(i), 6), Type: forecast.ApprovedByAuthority{}.EventType(),
			Data: approved, Metadata: benchdata.Metadata(evs[i][5].Metadata.RecordedAt.Add(time.Hour))})
	}
	// Event k of every forecast, then event k+1 of every forecast: each
	// batch below holds several forecasts' decisions, and some hold a
	// forecast's rejection, revision and next approval together.
	for k := range evs[0] {
		for i := range records {
			if i%3 == 0 && k > 3 {
				continue // some stop early: rejected, or revised and waiting
			}
			if _, err := store.Append(ctx, benchdata.Stream(i), eventstore.Version(k), evs[i][k:k+1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, err := store.ReadAll(ctx, eventstore.Position{}, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	build := func(p Projection, size int) string {
		var g generation
		if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var err error
			g, err = createGeneration(ctx, tx, p, "building")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for from := 0; from < len(all); from += size {
			chunk := all[from:min(from+size, len(all))]
			if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				_, err := applyInTx(ctx, tx, p, g, chunk)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			g.Checkpoint = chunk[len(chunk)-1].Position
		}
		return g.Schema
	}
	want := build(oneByOne{}, 1)
	if n := scalar(t, pool, `SELECT count(*) FROM `+want+`.forecasts WHERE start_date IS NULL`); n == 0 {
		t.Errorf("no forecast without a start date")
	}
	for _, size := range []int{1, 5, 13, len(all)} {
		got := build(ForecastList{}, size)
		diff := scalar(t, pool, `SELECT count(*) FROM ((SELECT * FROM `+got+`.forecasts EXCEPT SELECT * FROM `+want+`.forecasts)
			UNION ALL (SELECT * FROM `+want+`.forecasts EXCEPT SELECT * FROM `+got+`.forecasts)) d`)
		if n := scalar(t, pool, `SELECT count(*) FROM `+got+`.forecasts`); diff != 0 || n != records {
			t.Errorf("batches of %d: %d rows differ from one event at a time (%d rows, want %d)", size, diff, n, records)
		}
		if n := scalar(t, pool, `SELECT count(*) FROM `+got+`.forecasts WHERE at_authority`); n != records-records/3 {
			t.Errorf("batches of %d: %d forecasts at the authority, want %d", size, n, records-records/3)
		}
	}
}
