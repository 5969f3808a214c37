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

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/summary"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/pgstore"
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

// batchTestEvents appends twelve forecasts' lives interleaved, event k of
// every forecast and then event k+1: each batch below holds several
// forecasts' decisions, and some hold a forecast's rejection, revision and
// next approval together. Some stop early (rejected, or revised and
// waiting); some revise without a start date; the others end with the
// authority's approval and then a signed form (an event that sets no
// status). It returns $all.
func batchTestEvents(t *testing.T, store *pgstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	ctx := context.Background()
	o := benchdata.NewOrg()
	evs := make([][]eventstore.EventData, batchTestRecords)
	for i := range batchTestRecords {
		evs[i] = benchdata.ForecastEvents(o, i)
		if i%4 == 1 { // a revision without a start date: a null in the row
			var rev forecast.Revised
			if err := json.Unmarshal(evs[i][3].Data, &rev); err != nil {
				t.Fatal(err)
			}
			rev.Details.StartDate = domain.Date{}
			evs[i][3].Data, _ = json.Marshal(rev)
		}
		at := evs[i][5].Metadata.RecordedAt
		for k, e := range []forecast.Event{forecast.ApprovedByAuthority{At: at.Add(time.Hour)},
			forecast.SignedFormAttached{File: forecast.SignedForm{Name: "signed.pdf"}, At: at.Add(2 * time.Hour)}} {
			data, _ := json.Marshal(e)
			evs[i] = append(evs[i], eventstore.EventData{ID: eventstore.EventID(benchdata.RecordID(i), 6+k), Type: e.EventType(),
				Data: data, Metadata: benchdata.Metadata(at.Add(time.Duration(1+k) * time.Hour))})
		}
	}
	for k := range evs[0] {
		for i := range batchTestRecords {
			if i%3 == 0 && k > 3 {
				continue
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
	return all
}

const batchTestRecords = 12

// buildInBatches applies all to a new generation of p in transactions of
// size events and returns its schema.
func buildInBatches(t *testing.T, pool *pgxpool.Pool, p Projection, all []eventstore.RecordedEvent, size int) string {
	t.Helper()
	ctx := context.Background()
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

// sameRows counts the rows of table that differ between two schemas.
func sameRows(t *testing.T, pool *pgxpool.Pool, table, got, want string) int {
	return scalar(t, pool, `SELECT count(*) FROM ((SELECT * FROM `+got+`.`+table+` EXCEPT SELECT * FROM `+want+`.`+table+`)
		UNION ALL (SELECT * FROM `+want+`.`+table+` EXCEPT SELECT * FROM `+got+`.`+table+`)) d`)
}

// TestForecastListBatchEqualsOneByOne: the forecast list's batch apply
// (decisions gathered per forecast, written in one statement) leaves
// exactly the rows Apply leaves one event at a time, whatever the batch
// boundaries, with forecasts' events interleaved and a revision between
// decisions of the same forecast in one batch, and forecasts submitted in a
// batch built in memory and copied in (copyMin or more of them) or inserted.
func TestForecastListBatchEqualsOneByOne(t *testing.T) {
	pool, store := newBatchDB(t)
	all := batchTestEvents(t, store)
	const records = batchTestRecords
	want := buildInBatches(t, pool, oneByOne{}, all, 1)
	if n := scalar(t, pool, `SELECT count(*) FROM `+want+`.forecasts WHERE start_date IS NULL`); n == 0 {
		t.Errorf("no forecast without a start date")
	}
	for _, size := range []int{1, 5, 13, len(all)} {
		got := buildInBatches(t, pool, ForecastList{}, all, size)
		diff := sameRows(t, pool, "forecasts", got, want)
		if n := scalar(t, pool, `SELECT count(*) FROM `+got+`.forecasts`); diff != 0 || n != records {
			t.Errorf("batches of %d: %d rows differ from one event at a time (%d rows, want %d)", size, diff, n, records)
		}
		if n := scalar(t, pool, `SELECT count(*) FROM `+got+`.forecasts WHERE at_authority`); n != records-records/3 {
			t.Errorf("batches of %d: %d forecasts at the authority, want %d", size, n, records-records/3)
		}
	}
}

// singleLog is the approval log without ApplyBatch: Apply per event.
type singleLog struct{ l ApprovalLog }

func (singleLog) Name() string                                 { return "approval_log_single" }
func (singleLog) Version() int                                 { return 1 }
func (o singleLog) Tables() []string                           { return o.l.Tables() }
func (o singleLog) Setup(ctx context.Context, tx pgx.Tx) error { return o.l.Setup(ctx, tx) }
func (o singleLog) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	return o.l.Apply(ctx, tx, e)
}

// TestApprovalLogBatchEqualsOneByOne: the approval log's batch apply (one
// statement per batch, or a COPY from batches of copyMin entries on, as
// 13 and all are here; each entry's status before known from the entry
// before it in the batch or read from the table) leaves exactly the
// entries Apply leaves one event at a time, whatever the batch boundaries,
// an event that sets no status among them.
func TestApprovalLogBatchEqualsOneByOne(t *testing.T) {
	pool, store := newBatchDB(t)
	all := batchTestEvents(t, store)
	want := buildInBatches(t, pool, singleLog{}, all, 1)
	if n := scalar(t, pool, `SELECT count(*) FROM `+want+`.approval_log WHERE status_before = status_after AND status_after <> ''`); n == 0 {
		t.Errorf("no entry keeps its record's status")
	}
	for _, size := range []int{1, 5, 13, len(all)} {
		got := buildInBatches(t, pool, ApprovalLog{}, all, size)
		diff := sameRows(t, pool, "approval_log", got, want)
		if n := scalar(t, pool, `SELECT count(*) FROM `+got+`.approval_log`); diff != 0 || n != len(all) {
			t.Errorf("batches of %d: %d entries differ from one event at a time (%d entries, want %d)", size, diff, n, len(all))
		}
	}
}

// singleStatus is the status view without ApplyBatch: Apply per event.
type singleStatus struct{ v StatusView }

func (singleStatus) Name() string                                 { return "status_view_single" }
func (singleStatus) Version() int                                 { return 1 }
func (o singleStatus) Tables() []string                           { return o.v.Tables() }
func (o singleStatus) Setup(ctx context.Context, tx pgx.Tx) error { return o.v.Setup(ctx, tx) }
func (o singleStatus) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	return o.v.Apply(ctx, tx, e)
}

// statusTestEvents is batchTestEvents' forecasts with, interleaved after
// them, three summaries (saves that keep the status and its "since",
// a return and a second submission) and three change requests (the
// second request creates the record again, which keeps it). It returns
// $all.
func statusTestEvents(t *testing.T, store *pgstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	ctx := context.Background()
	batchTestEvents(t, store)
	o := benchdata.NewOrg()
	at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	const records = 3
	type stream struct {
		name string
		evs  []any
	}
	var streams []stream
	for i := range records {
		decl := uuid.New()
		sc := func(k int) uuid.UUID { return o.Applicants[(i+k)%len(o.Applicants)] }
		sum := []any{
			summary.Opened{DeclarationID: decl, ApplicantID: sc(0), UnitID: o.Units[i], UniversityID: o.University, AuthorityID: o.Authority},
			summary.Saved{}, summary.Saved{}, summary.Submitted{}, summary.Returned{Reason: "more"}, summary.Saved{}, summary.Saved{},
			summary.Submitted{Late: true}, summary.Accepted{Comment: "fine"},
		}
		// The first stays a draft saved twice, the second a returned one
		// saved twice: their "since" is the first save's.
		sum = sum[:[]int{3, 7, len(sum)}[i]]
		streams = append(streams, stream{"summary-" + decl.String(), sum})
		requested := func(seq int) change.Requested {
			return change.Requested{RequestID: uuid.New(), DeclarationID: decl, ApplicantID: sc(1), UnitID: o.Units[i+1],
				UniversityID: o.University, AuthorityID: o.Authority, Seq: seq, Description: "later"}
		}
		first, second := requested(1), requested(2)
		chg := []any{first, change.Rejected{RequestID: first.RequestID, Reason: "no"}, second, change.Approved{RequestID: second.RequestID}}
		streams = append(streams, stream{"change-" + decl.String(), chg[:[]int{4, 4, 3}[i]]})
	}
	for k := range 9 {
		for _, s := range streams {
			if k >= len(s.evs) {
				continue
			}
			ev := s.evs[k].(interface{ EventType() string })
			data, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			at = at.Add(time.Minute)
			e := eventstore.EventData{ID: uuid.New(), Type: ev.EventType(), Data: data, Metadata: benchdata.Metadata(at)}
			if _, err := store.Append(ctx, s.name, eventstore.Version(k), []eventstore.EventData{e}); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, err := store.ReadAll(ctx, eventstore.Position{}, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// TestStatusViewBatchEqualsOneByOne: the status view's batch apply (each
// record's events folded into its row in memory, the rows written once:
// stored ones updated, new ones copied in or inserted) leaves exactly the
// rows Apply leaves one event at a time, whatever the batch boundaries:
// records created in an earlier batch, a record created again, saves that
// keep "since", and forecasts reaching the authority.
func TestStatusViewBatchEqualsOneByOne(t *testing.T) {
	pool, store := newBatchDB(t)
	all := statusTestEvents(t, store)
	want := buildInBatches(t, pool, singleStatus{}, all, 1)
	const rows = batchTestRecords + 6
	if n := scalar(t, pool, `SELECT count(*) FROM `+want+`.record_status`); n != rows {
		t.Fatalf("one event at a time: %d rows, want %d", n, rows)
	}
	if n := scalar(t, pool, `SELECT count(*) FROM `+want+`.record_status WHERE holder_user IS NOT NULL`); n == 0 {
		t.Errorf("no record held by its applicant")
	}
	if n := scalar(t, pool, `SELECT count(*) FROM `+want+`.record_status s WHERE record_kind = 'summary' AND since < (
			SELECT max(e.recorded_at) FROM (SELECT (metadata->>'recordedAt')::timestamptz AS recorded_at FROM events
				WHERE stream_id = 'summary-' || s.record_id) e)`); n != 2 {
		t.Errorf("%d summaries kept the first save's since, want 2", n)
	}
	for _, size := range []int{1, 2, 5, 13, len(all)} {
		got := buildInBatches(t, pool, StatusView{}, all, size)
		diff := sameRows(t, pool, "record_status", got, want)
		if n := scalar(t, pool, `SELECT count(*) FROM `+got+`.record_status`); diff != 0 || n != rows {
			t.Errorf("batches of %d: %d rows differ from one event at a time (%d rows, want %d)", size, diff, n, rows)
		}
	}
}

// TestLockForApplySetsUp: the live apply's one locking read also points
// the transaction at the active generation and makes its commit
// asynchronous, as applySharedInTx's separate statement does; a read model
// without an active generation is named.
func TestLockForApplySetsUp(t *testing.T) {
	pool, _ := newBatchDB(t)
	ctx := context.Background()
	m := &pipeModel{}
	if _, err := lockForApply(ctx, mustTx(t, pool), m.Name()); !errors.Is(err, errNoActive) {
		t.Fatalf("no generation yet: want errNoActive, got %v", err)
	}
	want, err := ensureActive(ctx, pool, m)
	if err != nil {
		t.Fatal(err)
	}
	tx := mustTx(t, pool)
	g, err := lockForApply(ctx, tx, m.Name())
	if err != nil {
		t.Fatal(err)
	}
	if g != want {
		t.Fatalf("generation %+v, want %+v", g, want)
	}
	var path, sync string
	if err := tx.QueryRow(ctx, `SELECT current_setting('search_path'), current_setting('synchronous_commit')`).Scan(&path, &sync); err != nil {
		t.Fatal(err)
	}
	if path != g.Schema+", public" || sync != "off" {
		t.Fatalf("search_path %q, synchronous_commit %q; want %q, off", path, sync, g.Schema+", public")
	}
}

// TestPipeTxSendsIDsAsTheyWere: ids that pipeTx hands to pgx as pgUUIDs
// (fastUUIDs) reach the server as uuid.UUID's did: as uuids, as the same
// text where a statement wants text, nil pointers and slices as NULL, in
// statements queued, queries and COPY alike.
func TestPipeTxSendsIDsAsTheyWere(t *testing.T) {
	pool, _ := newBatchDB(t)
	ctx := context.Background()
	id, other := uuid.New(), uuid.New()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		pt := newPipeTx(tx, func(int) string { return "ids" })
		if _, err := pt.Exec(ctx, `CREATE TEMP TABLE ids (n int, id uuid, s text, ids uuid[], maybe uuid[])`); err != nil {
			return err
		}
		if _, err := pt.Exec(ctx, `INSERT INTO ids VALUES (1, $1, $2, $3, $4)`, id, id, []uuid.UUID{id, other}, []*uuid.UUID{&other, nil}); err != nil {
			return err
		}
		if _, err := pt.Exec(ctx, `INSERT INTO ids VALUES (2, $1, $2, $3, $4)`, (*uuid.UUID)(nil), &other, []uuid.UUID(nil), []*uuid.UUID(nil)); err != nil {
			return err
		}
		if _, err := pt.CopyFrom(ctx, pgx.Identifier{"ids"}, []string{"n", "id", "s", "ids", "maybe"},
			pgx.CopyFromRows([][]any{{3, other, other.String(), []uuid.UUID{other}, []*uuid.UUID{nil, &id}}, {4, (*uuid.UUID)(nil), nil, []uuid.UUID(nil), nil}})); err != nil {
			return err
		}
		rows, err := pt.Query(ctx, `SELECT n, id::text, s, ids::text, maybe::text, id = $1 FROM ids ORDER BY n`, id)
		if err != nil {
			return err
		}
		type row struct {
			N                 int
			ID, S, IDs, Maybe *string
			Matches           *bool
		}
		got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
		if err != nil {
			return err
		}
		str := func(s string) *string { return &s }
		yes, no := true, false
		want := []row{
			{1, str(id.String()), str(id.String()), str("{" + id.String() + "," + other.String() + "}"), str("{" + other.String() + ",NULL}"), &yes},
			{2, nil, str(other.String()), nil, nil, nil},
			{3, str(other.String()), str(other.String()), str("{" + other.String() + "}"), str("{NULL," + id.String() + "}"), &no},
			{4, nil, nil, nil, nil, nil},
		}
		if len(got) != len(want) {
			t.Fatalf("%d rows; want %d", len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			same := func(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
			if g.N != w.N || !same(g.ID, w.ID) || !same(g.S, w.S) || !same(g.IDs, w.IDs) || !same(g.Maybe, w.Maybe) ||
				(g.Matches == nil) != (w.Matches == nil) || (g.Matches != nil && *g.Matches != *w.Matches) {
				t.Errorf("row %d: %s; want %s", w.N, describeIDRow(g.ID, g.S, g.IDs, g.Maybe), describeIDRow(w.ID, w.S, w.IDs, w.Maybe))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func describeIDRow(vs ...*string) string {
	var out []string
	for _, v := range vs {
		if v == nil {
			out = append(out, "NULL")
		} else {
			out = append(out, *v)
		}
	}
	return strings.Join(out, " | ")
}
