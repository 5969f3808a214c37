package projections

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/benchdata"
	"github.com/econf/econf/internal/migrate"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// Benchmarks of the read models. They run only under -bench, on a durable
// (fsync on) cluster unless ECONF_BENCH_FSYNC=off, on generated data whose
// sizes ECONF_BENCH_SIZES sets; see docs/performance.md.

func migrateBench(ctx context.Context, pool *pgxpool.Pool) error {
	return migrate.Up(ctx, pool, pgstore.Migrations, Migrations)
}

// BenchmarkApply applies events one per transaction, as the live runner
// does, to each read model: 1,000 records (6,000 events) per op.
func BenchmarkApply(b *testing.B) {
	db := benchdata.New(b, migrateBench)
	ctx := context.Background()
	const records = 1000
	if err := benchdata.FillEvents(ctx, pgstore.New(db.Fill), benchdata.NewOrg(), 0, records, 4); err != nil {
		b.Fatal(err)
	}
	events, err := pgstore.New(db.Pool).ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range All() {
		b.Run(p.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				b.StopTimer()
				freshGeneration(b, db.Pool, p)
				b.StartTimer()
				for _, e := range events {
					if _, err := applyEvents(ctx, db.Pool, p, []eventstore.RecordedEvent{e}); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(len(events)*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// freshGeneration replaces p's active generation with an empty one.
func freshGeneration(tb testing.TB, pool *pgxpool.Pool, p Projection) {
	tb.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, t := range p.Tables() {
			if _, err := tx.Exec(ctx, `DROP VIEW IF EXISTS rm.`+t); err != nil {
				return err
			}
		}
		return dropGenerations(ctx, tx, p.Name(), "active")
	})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := ensureActive(ctx, pool, p); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkRebuild rebuilds each read model from $all holding 6 events per
// record; one op is one whole rebuild.
func BenchmarkRebuild(b *testing.B) {
	for _, n := range benchdata.Sizes(b, 10_000) {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			db := benchdata.New(b, migrateBench)
			ctx := context.Background()
			if err := benchdata.FillEvents(ctx, pgstore.New(db.Fill), benchdata.NewOrg(), 0, n, 8); err != nil {
				b.Fatal(err)
			}
			store := pgstore.New(db.Pool)
			for _, p := range All() {
				if _, err := ensureActive(ctx, db.Pool, p); err != nil {
					b.Fatal(err)
				}
			}
			for _, p := range All() {
				b.Run(p.Name(), func(b *testing.B) {
					b.ReportAllocs()
					for range b.N {
						if _, err := Rebuild(ctx, db.Pool, store, p, nil); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(n*benchdata.EventsPerRecord*b.N)/b.Elapsed().Seconds(), "events/s")
				})
			}
			// Several read models in one pass over $all (RebuildMany, as
			// serve and `econf projections rebuild all` do): the read models
			// that write rows for these events, then every read model.
			// events/s is the events of $all over the pass's time.
			for _, set := range []struct {
				name string
				ps   []Projection
			}{{"one-pass-rows", rowWriting()}, {"one-pass-all", All()}} {
				b.Run(set.name, func(b *testing.B) {
					b.ReportAllocs()
					for range b.N {
						RebuildMany(ctx, db.Pool, store, set.ps, nil, func(p Projection, _ eventstore.Position, err error) {
							if err != nil {
								b.Errorf("%s: %v", p.Name(), err)
							}
						})
					}
					b.ReportMetric(float64(n*benchdata.EventsPerRecord*b.N)/b.Elapsed().Seconds(), "events/s")
				})
			}
		})
	}
}

// rowWriting are the read models that write rows for BenchmarkRebuild's
// events (forecasts' lives).
func rowWriting() []Projection {
	var ps []Projection
	for _, p := range All() {
		switch p.Name() {
		case ForecastListName, StatusViewName, ApprovalLogName, NotificationsName, ReviewTimesName:
			ps = append(ps, p)
		}
	}
	return ps
}

// listRows writes n forecasts straight into the active forecast_list
// generation with COPY, in the order they were submitted, as the projection
// would have built them, and then builds the table's indexes, as a
// rebuild does: the rows go into a table without indexes, and each index
// is built once, sorted, after them (copying a million rows into a table
// with 21 indexes took an hour on a loaded machine). With only set, only
// the query indexes it names are built besides the primary key (the
// keyword-only variant at 10M).
func listRows(tb testing.TB, db *benchdata.DB, o benchdata.Org, n int, only ...string) {
	tb.Helper()
	ctx := context.Background()
	g, err := ensureActive(ctx, db.Pool, ForecastList{})
	if err != nil {
		tb.Fatal(err)
	}
	var defs []string
	err = pgx.BeginFunc(ctx, db.Fill, func(tx pgx.Tx) error {
		defs, err = deferQueryIndexes(ctx, tx, ForecastList{}, g.Schema)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	statuses := []forecast.Status{forecast.StatusSubmitted, forecast.StatusUnitApproved, forecast.StatusSchoolApproved,
		forecast.StatusApproved, forecast.StatusRejected, forecast.StatusWithdrawn}
	cols := []string{"id", "version", "applicant_id", "applicant_name", "unit_id", "unit_name", "university_id", "authority_id",
		"at_authority", "plan_year", "name_zh", "name_en", "start_date", "type", "scale", "computed_scale", "chinese_count",
		"foreign_count", "status", "submitted_at", "updated_at", "search", "grams"}
	// The primary key, too, is built after the rows (random UUIDs
	// inserted one by one into a key larger than the buffers), and two
	// connections copy in turns of a chunk.
	if _, err := db.Fill.Exec(ctx, `ALTER TABLE `+g.Schema+`.forecasts DROP CONSTRAINT forecasts_pkey`); err != nil {
		tb.Fatal(err)
	}
	const chunk = 20_000
	start := time.Now()
	chunks := make(chan int)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			for from := range chunks {
				var rows [][]any
				for i := from; i < min(from+chunk, n); i++ {
					d := benchdata.Details(i)
					st := statuses[i%len(statuses)]
					// Submitted one second apart, as FillEvents' records
					// are, and last changed with their last status.
					at := domain.Date{Year: 2026, Month: 9, Day: 1}.Time().Add(time.Duration(i) * time.Second)
					changed := at.Add(time.Duration(1+i%6) * time.Hour)
					search := forecastSearch(d)
					rows = append(rows, []any{benchdata.RecordID(i), int64(1 + i%6), o.Applicants[i%len(o.Applicants)], d.Applicant.Name,
						o.Units[i%len(o.Units)], d.Applicant.Unit, o.University, o.Authority, st == forecast.StatusSchoolApproved || st == forecast.StatusApproved,
						int32(2027), d.NameZh, d.NameEn, d.StartDate.Time(), string(d.Type), string(d.Scale), string(d.Scale), int32(d.ChineseCount),
						int32(d.ForeignCount), string(st), at, changed, search, forecastGrams(search)})
				}
				if _, err := db.Fill.CopyFrom(ctx, pgx.Identifier{g.Schema, "forecasts"}, cols, pgx.CopyFromRows(rows)); err != nil {
					errs <- err
					for range chunks { // let the sender finish
					}
					return
				}
			}
			errs <- nil
		}()
	}
	for from := 0; from < n; from += chunk {
		chunks <- from
	}
	close(chunks)
	for range 2 {
		if err := <-errs; err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := db.Fill.Exec(ctx, `SET maintenance_work_mem = '256MB'; ALTER TABLE `+g.Schema+`.forecasts ADD PRIMARY KEY (id)`); err != nil {
		tb.Fatal(err)
	}
	copied := time.Now()
	built := 0
	for _, def := range defs {
		if len(only) > 0 && !slices.ContainsFunc(only, func(name string) bool { return strings.Contains(def, " INDEX "+name+" ON ") }) {
			continue
		}
		if err := buildBenchIndex(ctx, db.Fill, g.Schema, def); err != nil {
			tb.Fatalf("%s: %v", def, err)
		}
		built++
	}
	if _, err := db.Fill.Exec(ctx, `VACUUM ANALYZE `+g.Schema+`.forecasts`); err != nil {
		tb.Fatal(err)
	}
	if n >= 100_000 {
		tb.Logf("%d rows copied in %s; %d indexes built, vacuumed and analyzed in %s", n, copied.Sub(start).Round(time.Second),
			built, time.Since(copied).Round(time.Second))
	}
}

// buildBenchIndex builds one of the list's deferred indexes plainly (the
// benchmark's database has nobody else to hold back), with memory enough
// to sort a million rows' keys at once.
func buildBenchIndex(ctx context.Context, pool *pgxpool.Pool, schema, def string) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET maintenance_work_mem = '256MB'`); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `SET search_path = `+schema+`, public`); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, def)
	if _, rerr := conn.Exec(ctx, `RESET ALL`); err == nil {
		err = rerr
	}
	return err
}

// keywordIndexes are the indexes keyword queries read (the rest are the
// sort indexes): what ECONF_BENCH_LIST_INDEXES=keyword builds.
var keywordIndexes = []string{"forecasts_search", "forecasts_grams", "forecasts_unit", "forecasts_university",
	"forecasts_authority", "forecasts_all", "forecasts_applicant", "forecasts_status"}

// BenchmarkListForecasts runs the list queries the HTTP API runs, as a
// school admin (the widest scope: every row), as one unit's admin, as the
// authority's reviewer and as an analyst (no scope). Besides the mean it
// reports the 99th percentile of the queries' times (p99-ms).
func BenchmarkListForecasts(b *testing.B) {
	o := benchdata.NewOrg()
	school := domain.Actor{UserID: uuid.New(), Role: domain.RoleSchoolAdmin, OrgID: o.University}
	unit := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: o.Units[3]}
	authority := domain.Actor{UserID: uuid.New(), Role: domain.RoleAuthorityReviewer, OrgID: o.Authority}
	analyst := domain.Actor{UserID: uuid.New(), Role: domain.RoleAnalyst}
	// cursorPage, when set, starts a case's page by cursor after the
	// page before it, as a client walking the list gets there.
	type listCase struct {
		name       string
		actor      domain.Actor
		f          ForecastFilter
		cursorPage int
	}
	cases := []listCase{
		{"school/all", school, ForecastFilter{}, 0},
		{"school/keyword-zh", school, ForecastFilter{Keyword: "人工智能"}, 0},
		{"school/keyword-zh-rare", school, ForecastFilter{Keyword: "研讨会（12345）"}, 0},
		{"school/keyword-2char", school, ForecastFilter{Keyword: "海洋"}, 0},
		{"school/sorted-startDate", school, ForecastFilter{Sort: "startDate"}, 0},
		{"school/status-approved-sorted-name", school, ForecastFilter{Statuses: []string{"approved"}, Sort: "nameZh"}, 0},
		{"school/deep-page-200", school, ForecastFilter{Page: 200}, 0},
		{"unit/keyword-zh", unit, ForecastFilter{Keyword: "人工智能"}, 0},
		{"authority/keyword-zh", authority, ForecastFilter{Keyword: "人工智能"}, 0},
		{"analyst/keyword-zh", analyst, ForecastFilter{Keyword: "人工智能"}, 0},
		// Every documented filter, and every sort in both directions.
		{"school/status-approved", school, ForecastFilter{Statuses: []string{"approved"}}, 0},
		{"school/scale-general", school, ForecastFilter{Scales: []string{"general"}}, 0},
		{"school/planYear", school, ForecastFilter{PlanYear: 2027}, 0},
		{"school/unitId", school, ForecastFilter{UnitID: o.Units[5]}, 0},
		{"school/keyword-zh-sorted-nameZh", school, ForecastFilter{Keyword: "人工智能", Sort: "nameZh"}, 0},
		{"unit/sorted-nameZh", unit, ForecastFilter{Sort: "nameZh"}, 0},
		{"authority/sorted-startDate-desc", authority, ForecastFilter{Sort: "startDate", Desc: true}, 0},
		{"analyst/sorted-foreignCount", analyst, ForecastFilter{Sort: "foreignCount"}, 0},
		{"school/sorted-nameEn-deep-page-200", school, ForecastFilter{Sort: "nameEn", Page: 200}, 0},
		{"unit/sorted-startDate-desc", unit, ForecastFilter{Sort: "startDate", Desc: true}, 0},
		{"authority/sorted-nameZh", authority, ForecastFilter{Sort: "nameZh"}, 0},
		{"school/keyword-2char-sorted-nameZh", school, ForecastFilter{Keyword: "海洋", Sort: "nameZh"}, 0},
		// Deep pages by cursor (the offset pages' twins above).
		{"school/cursor-page-200", school, ForecastFilter{}, 200},
		{"school/sorted-nameEn-cursor-page-200", school, ForecastFilter{Sort: "nameEn"}, 200},
		{"school/keyword-zh-cursor-page-20", school, ForecastFilter{Keyword: "人工智能"}, 20},
	}
	for _, name := range slices.Sorted(maps.Keys(forecastSorts)) {
		for _, desc := range []bool{false, true} {
			dir := "asc"
			if desc {
				dir = "desc"
			}
			cases = append(cases, listCase{"school/sort-" + name + "-" + dir, school, ForecastFilter{Sort: name, Desc: desc}, 0})
		}
	}
	// ECONF_BENCH_LIST_INDEXES=keyword builds the indexes keyword queries
	// read only, and runs the keyword cases only: the 10M variant, whose
	// sort indexes would not fit the disk beside the table.
	var only []string
	switch v := os.Getenv("ECONF_BENCH_LIST_INDEXES"); v {
	case "":
	case "keyword":
		only = keywordIndexes
	default:
		b.Fatalf("ECONF_BENCH_LIST_INDEXES=%q: want keyword or nothing", v)
	}
	for _, n := range benchdata.Sizes(b, 10_000, 100_000) {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			db := benchdata.New(b, migrateBench)
			listRows(b, db, o, n, only...)
			q := NewQueries(db.Pool)
			ctx := context.Background()
			logIndexSizes(b, db.Pool)
			for _, c := range cases {
				f := c.f
				if f.Sort == "" {
					f.Sort = "submittedAt"
					f.Desc = true
				}
				f.Page, f.PageSize = max(f.Page, 1), 20
				b.Run(c.name, func(b *testing.B) {
					if only != nil && c.f.Keyword == "" {
						b.Skip("ECONF_BENCH_LIST_INDEXES=keyword: a case without a keyword")
					}
					if c.cursorPage > 1 {
						before := f
						before.Page = c.cursorPage - 1
						p, err := q.ListForecasts(ctx, c.actor, before)
						if err != nil {
							b.Fatal(err)
						}
						cur, ok := parseForecastCursor(p.NextCursor)
						if !ok {
							b.Fatalf("page %d gave no cursor: %d items of %d", before.Page, len(p.Items), p.Total)
						}
						f.Page, f.Cursor = 1, &cur
					}
					// One untimed run first: p99 is of a query whose
					// pages are in the cache, as a list's are in use.
					if _, err := q.ListForecasts(ctx, c.actor, f); err != nil {
						b.Fatal(err)
					}
					b.ReportAllocs()
					var took []time.Duration
					for b.Loop() {
						start := time.Now()
						if _, err := q.ListForecasts(ctx, c.actor, f); err != nil {
							b.Fatal(err)
						}
						took = append(took, time.Since(start))
					}
					slices.Sort(took)
					b.ReportMetric(float64(took[(len(took)*99+99)/100-1])/float64(time.Millisecond), "p99-ms")
				})
			}
		})
	}
}

// logIndexSizes logs the forecast list's table and index sizes.
func logIndexSizes(b testing.TB, pool *pgxpool.Pool) {
	rows, err := pool.Query(context.Background(), `SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = (SELECT schema_name FROM projection_state WHERE name = $1 AND status = 'active') AND c.relkind IN ('r', 'i') ORDER BY c.relkind DESC, c.relname`, ForecastListName)
	if err != nil {
		b.Fatal(err)
	}
	var total, indexes int64
	for rows.Next() {
		var name string
		var size int64
		if err := rows.Scan(&name, &size); err != nil {
			b.Fatal(err)
		}
		b.Logf("%-32s %8.1f MB", name, float64(size)/(1<<20))
		if name != "forecasts" {
			indexes += size
		}
		total += size
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	b.Logf("indexes %.1f MB, table and indexes %.1f MB", float64(indexes)/(1<<20), float64(total)/(1<<20))
}

// TestListPages checks listPage against plain SQL on more rows than
// TotalCap: the count stops at the cap and says so, every sort in either
// direction pages as ORDER BY … NULLS LAST, id does, and a keyword's
// smaller total is exact.
func TestListPages(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewDatabase(t, migrateBench)
	o := benchdata.NewOrg()
	listRows(t, &benchdata.DB{Pool: pool, Fill: pool}, o, TotalCap+400)
	if _, err := pool.Exec(ctx, `UPDATE rm.forecasts SET start_date = NULL WHERE plan_year = 2027 AND chinese_count IN (101, 120)`); err != nil {
		t.Fatal(err)
	}
	q := NewQueries(pool)
	school := domain.Actor{UserID: uuid.New(), Role: domain.RoleSchoolAdmin, OrgID: o.University}
	ids := func(p ForecastPage) []string {
		var out []string
		for _, r := range p.Items {
			out = append(out, r.ID)
		}
		return out
	}

	p, err := q.ListForecasts(ctx, school, ForecastFilter{Sort: "submittedAt", Desc: true, Page: 1, PageSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != TotalCap || !p.TotalCapped || len(p.Items) != 20 {
		t.Errorf("all: total %d capped %v, %d items; want %d, true, 20", p.Total, p.TotalCapped, len(p.Items), TotalCap)
	}
	var want int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM rm.forecasts WHERE status <> 'withdrawn' AND search LIKE '%人工智能%'`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	p, err = q.ListForecasts(ctx, school, ForecastFilter{Keyword: "人工智能", Sort: "submittedAt", Desc: true, Page: 1, PageSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != want || p.TotalCapped || want == 0 || want >= TotalCap {
		t.Errorf("keyword: total %d capped %v; want %d, false", p.Total, p.TotalCapped, want)
	}
	// Full pages count, the last page and a page past the end tell.
	for _, page := range []int{2, int(want+19) / 20, 100} {
		p, err = q.ListForecasts(ctx, school, ForecastFilter{Keyword: "人工智能", Sort: "submittedAt", Desc: true, Page: page, PageSize: 20})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != want || p.TotalCapped || p.Items == nil {
			t.Errorf("keyword, page %d: total %d capped %v, items %v", page, p.Total, p.TotalCapped, p.Items)
		}
	}
	p, err = q.ListForecasts(ctx, school, ForecastFilter{Keyword: "研讨会（13）", Sort: "submittedAt", Desc: true, Page: 1, PageSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 1 || len(p.Items) != 1 || p.Items[0].ID != benchdata.RecordID(13).String() {
		t.Errorf("one match: total %d, items %v", p.Total, p.Items)
	}

	// A short keyword by LIKE selects what it selects by the grams.
	for _, k := range []string{"海洋", "海", "（1", "no", "O."} {
		w, err := forecastWhere(school, ForecastFilter{Keyword: k})
		if err != nil {
			t.Fatal(err)
		}
		if w.gram == nil || w.gram.pattern == "" {
			t.Fatalf("keyword %q: no gram condition with a LIKE pattern", k)
		}
		var byGrams, byLike int64
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM rm.forecasts WHERE `+w.String(), w.args...).Scan(&byGrams); err != nil {
			t.Fatal(err)
		}
		l := w.likeForGram()
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM rm.forecasts WHERE `+l.String(), l.args...).Scan(&byLike); err != nil {
			t.Fatal(err)
		}
		if byGrams != byLike || byGrams == 0 {
			t.Errorf("keyword %q: %d rows by the grams, %d by LIKE", k, byGrams, byLike)
		}
		// The page's count takes either way to the same total.
		for _, rows := range []float64{likeCountRows, 0} {
			defer func(v float64) { likeCountRows = v }(likeCountRows)
			likeCountRows = rows
			p, err := q.ListForecasts(ctx, school, ForecastFilter{Keyword: k, Sort: "submittedAt", Desc: true, Page: 1, PageSize: 20})
			if err != nil {
				t.Fatal(err)
			}
			if want := min(byGrams, TotalCap); p.Total != want || p.TotalCapped != (byGrams > TotalCap) {
				t.Errorf("keyword %q, LIKE from %.0f expected rows: total %d capped %v, want %d", k, rows, p.Total, p.TotalCapped, want)
			}
		}
	}

	for name, col := range forecastSorts {
		for _, desc := range []bool{false, true} {
			for _, page := range []int{1, 55} {
				dir := "ASC"
				if desc {
					dir = "DESC"
				}
				rows, err := pool.Query(ctx, fmt.Sprintf(`SELECT id::text FROM rm.forecasts WHERE status <> 'withdrawn'
					ORDER BY %s %s NULLS LAST, id %s LIMIT 20 OFFSET $1`, col, dir, dir), (page-1)*20)
				if err != nil {
					t.Fatal(err)
				}
				want, err := pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					t.Fatal(err)
				}
				p, err := q.ListForecasts(ctx, school, ForecastFilter{Sort: name, Desc: desc, Page: page, PageSize: 20})
				if err != nil {
					t.Fatal(err)
				}
				if got := ids(p); !slices.Equal(got, want) {
					t.Errorf("sort %s %s page %d: got %v, want %v", name, dir, page, got, want)
				}
			}
		}
	}
}

// TestListCursor walks the list with the cursor, every sort in either
// direction, nulls among the start dates: the pages give exactly the rows
// of ORDER BY … NULLS LAST, id, each once, and the offset pages carry the
// same cursors. A keyword sorted by name sorts its newest TotalCap matches.
func TestListCursor(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewDatabase(t, migrateBench)
	o := benchdata.NewOrg()
	listRows(t, &benchdata.DB{Pool: pool, Fill: pool}, o, TotalCap+400)
	if _, err := pool.Exec(ctx, `UPDATE rm.forecasts SET start_date = NULL WHERE chinese_count IN (101, 120)`); err != nil {
		t.Fatal(err)
	}
	q := NewQueries(pool)
	school := domain.Actor{UserID: uuid.New(), Role: domain.RoleSchoolAdmin, OrgID: o.University}
	sorted := func(cond, col, dir string, limit int) []string {
		rows, err := pool.Query(ctx, fmt.Sprintf(`SELECT id::text FROM rm.forecasts WHERE status <> 'withdrawn' AND %s
			ORDER BY %s %s NULLS LAST, id %s LIMIT %d`, cond, col, dir, dir, limit))
		if err != nil {
			t.Fatal(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	for name, col := range forecastSorts {
		for _, desc := range []bool{false, true} {
			dir := "ASC"
			if desc {
				dir = "DESC"
			}
			want := sorted("true", col, dir, 1_000_000)
			f := ForecastFilter{Sort: name, Desc: desc, Page: 1, PageSize: 100}
			var got []string
			for range 100 {
				p, err := q.ListForecasts(ctx, school, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range p.Items {
					got = append(got, r.ID)
				}
				if p.NextCursor == "" {
					break
				}
				c, ok := parseForecastCursor(p.NextCursor)
				if !ok {
					t.Fatalf("sort %s %s: cursor %q does not parse", name, dir, p.NextCursor)
				}
				f.Cursor = &c
			}
			if !slices.Equal(got, want) {
				t.Errorf("sort %s %s: the cursor's walk gave %d rows, %d in order; want %d", name, dir, len(got), commonPrefix(got, want), len(want))
			}
			// The offset page's cursor is where the next offset page starts.
			p, err := q.ListForecasts(ctx, school, ForecastFilter{Sort: name, Desc: desc, Page: 3, PageSize: 100})
			if err != nil {
				t.Fatal(err)
			}
			c, _ := parseForecastCursor(p.NextCursor)
			p, err = q.ListForecasts(ctx, school, ForecastFilter{Sort: name, Desc: desc, Page: 1, PageSize: 100, Cursor: &c})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) == 0 || p.Items[0].ID != want[300] || p.Total != TotalCap || !p.TotalCapped {
				t.Errorf("sort %s %s: after page 3's cursor, %d items, total %d", name, dir, len(p.Items), p.Total)
			}
		}
	}

	// Sorted by name, a keyword's matches are its newest TotalCap ones.
	for _, k := range []string{"人工智能", "研讨会"} {
		var matches int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM rm.forecasts WHERE status <> 'withdrawn' AND search LIKE $1`, likePattern(k)).Scan(&matches); err != nil {
			t.Fatal(err)
		}
		want := sorted(fmt.Sprintf(`id IN (SELECT id FROM rm.forecasts WHERE status <> 'withdrawn' AND search LIKE '%s'
			ORDER BY submitted_at DESC, id DESC LIMIT %d)`, likePattern(k), TotalCap), "name_zh", "ASC", 1_000_000)
		var got []string
		f := ForecastFilter{Keyword: k, Sort: "nameZh", Page: 1, PageSize: 100}
		for page := 1; page <= 20; page++ {
			f.Page = page
			p, err := q.ListForecasts(ctx, school, f)
			if err != nil {
				t.Fatal(err)
			}
			if want := min(matches, TotalCap); p.Total != int64(want) || p.TotalCapped != (matches > TotalCap) {
				t.Errorf("keyword %q page %d: total %d capped %v; want %d of %d", k, page, p.Total, p.TotalCapped, want, matches)
			}
			for _, r := range p.Items {
				got = append(got, r.ID)
			}
			if (p.NextCursor != "") != (len(got) < len(want)) {
				t.Errorf("keyword %q page %d: next cursor %q after %d of %d rows", k, page, p.NextCursor, len(got), len(want))
			}
		}
		if !slices.Equal(got, want) || len(want) != min(matches, TotalCap) {
			t.Errorf("keyword %q sorted by name: %d rows, %d in order; want %d", k, len(got), commonPrefix(got, want), len(want))
		}
	}
}

func commonPrefix(a, b []string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func TestBoundedSearch(t *testing.T) {
	long := strings.Repeat("人工智能", 300) // 3,600 bytes
	got := boundedSearch(long)
	if len(got) > maxSearchBytes || !utf8.ValidString(got) || !strings.HasPrefix(long, got) || len(got) < maxSearchBytes-3 {
		t.Errorf("bounded to %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
	if s := "短的 | short"; boundedSearch(s) != s {
		t.Errorf("a short text changed")
	}
}
