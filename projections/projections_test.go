package projections_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/demo"
	"github.com/econf/econf/internal/filestore"
	"github.com/econf/econf/internal/pgcluster/pgtest"
	"github.com/econf/econf/projections"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type fixture struct {
	pool  *pgxpool.Pool
	store *pgstore.Store
	app   *commands.App
	tree  demo.Tree
	log   *slog.Logger
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := pgtest.NewDatabase(t, dbschema.Up)
	store := pgstore.New(pool)
	clock := policy.NewFixedClock(time.Date(2026, 9, 10, 10, 0, 0, 0, domain.Shanghai))
	as := auth.NewStore(pool, clock.Now)
	files, err := filestore.NewLocal(t.TempDir(), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	app, err := commands.New(commands.Deps{Store: store, Clock: clock, Credentials: as, Sessions: as, Files: files, Overdue: projections.NewQueries(pool)})
	if err != nil {
		t.Fatal(err)
	}
	tree, err := demo.Seed(context.Background(), app, func(domain.Role) string { return "violet kettle ninety 42" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{pool: pool, store: store, app: app, tree: tree, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func details(nameZh, nameEn, applicant string) forecast.Details {
	return forecast.Details{
		Applicant: forecast.Applicant{Name: applicant, Title: "教授", Unit: "计算机学院", Department: "软件工程系", Mobile: "13800000001", Email: "a@demo-univ.edu.cn"},
		NameZh:    nameZh, NameEn: nameEn,
		StartDate: domain.Date{Year: 2027, Month: 5, Day: 10}, CommitmentDate: domain.Date{Year: 2027, Month: 1, Day: 15},
		Local: true, Province: "湖北省", Address: "武汉市示范路1号",
		Type: classify.NaturalScience, Scale: classify.General, ChineseCount: 100, ForeignCount: 40,
		Organisations: []forecast.Organisation{{Role: forecast.Host, NameZh: "示范大学", NameEn: "Demo University"}},
		FundingSource: "自筹",
	}
}

func (f *fixture) actor(t *testing.T, r domain.Role) domain.Actor {
	t.Helper()
	a, err := f.app.ResolveActor(context.Background(), f.tree.Account(r).UserID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// submitMany files n forecasts, each approved at the unit: 2n events.
func (f *fixture) submitMany(t *testing.T, n int) {
	t.Helper()
	ctx := context.Background()
	app, unit := f.actor(t, domain.RoleApplicant), f.actor(t, domain.RoleUnitAdmin)
	for i := range n {
		res, err := f.app.SubmitForecast(ctx, app, commands.Meta{}, commands.SubmitForecast{Details: details(
			"第"+string(rune('甲'+i%10))+"分布式系统国际研讨会", "Workshop on Distributed Systems", "张明远")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.ApproveAtUnit(ctx, unit, commands.Meta{}, commands.ApproveAtUnit{ForecastID: res.ID}); err != nil {
			t.Fatal(err)
		}
	}
}

// head is the newest event's position and the number of events.
func (f *fixture) head(t *testing.T) (eventstore.Position, int) {
	t.Helper()
	pos, err := f.store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return pos, count(t, f.pool, `SELECT count(*) FROM events`)
}

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRunnerRestartAppliesNothingTwice kills the runner while it is part
// way through the stream, restarts it, and checks every event was applied
// exactly once: rows and checkpoint commit together.
func TestRunnerRestartAppliesNothingTwice(t *testing.T) {
	f := newFixture(t)
	f.submitMany(t, 60)
	head, total := f.head(t)

	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithCancel(context.Background())
		r, err := projections.NewRunner(f.pool, f.store, f.log, projections.All()...)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Prepare(ctx); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		// Let it get some way, then pull the plug mid-stream.
		deadline := time.Now().Add(10 * time.Second)
		for count(t, f.pool, `SELECT count(*) FROM rm.approval_log`) < 10*(attempt+1) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if applied := count(t, f.pool, `SELECT count(*) FROM rm.approval_log`); applied == 120 || attempt == 3 {
			break
		}
	}
	if got := count(t, f.pool, `SELECT count(*) FROM rm.approval_log`); got >= 120 {
		t.Logf("the runner finished before it was stopped (%d rows); the restart below still must add nothing", got)
	}
	// Restart and let it finish.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := projections.NewRunner(f.pool, f.store, f.log, projections.All()...)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := r.WaitFor(wctx, head); err != nil {
		t.Fatal(err)
	}
	if got := count(t, f.pool, `SELECT count(*) FROM rm.approval_log WHERE record_kind = 'forecast'`); got != 120 {
		t.Errorf("approval log rows: got %d; want 120", got)
	}
	if got := count(t, f.pool, `SELECT count(*) FROM rm.forecasts WHERE status = 'unit_approved' AND version = 2`); got != 60 {
		t.Errorf("forecasts at unit_approved v2: got %d; want 60", got)
	}
	states, err := projections.Status(ctx, f.pool, f.store, time.Now(), projections.All()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if s.EventsApplied != int64(total) || s.LagEvents != 0 || s.Checkpoint != head {
			t.Errorf("%s: applied %d of %d, lag %d, checkpoint %s (head %s)", s.Name, s.EventsApplied, total, s.LagEvents, s.Checkpoint, head)
		}
	}
}

// TestRebuildWhileServing rebuilds the forecast list in a new generation
// while queries keep reading the old one, then switches.
func TestRebuildWhileServing(t *testing.T) {
	f := newFixture(t)
	f.submitMany(t, 30)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := projections.NewRunner(f.pool, f.store, f.log, projections.All()...)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.Run(ctx) }()
	head, _ := f.head(t)
	if err := r.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	q := projections.NewQueries(f.pool)
	school := f.actor(t, domain.RoleSchoolAdmin)
	list := func() int64 {
		p, err := q.ListForecasts(ctx, school, projections.ForecastFilter{Page: 1, PageSize: 5})
		if err != nil {
			t.Fatalf("list during rebuild: %v", err)
		}
		return p.Total
	}
	// Queries keep answering during the rebuild.
	stop := make(chan struct{})
	errs := make(chan int64, 1)
	go func() {
		for {
			select {
			case <-stop:
				close(errs)
				return
			default:
				p, err := q.ListForecasts(ctx, school, projections.ForecastFilter{Page: 1, PageSize: 5})
				if err != nil {
					p.Total = -1
				}
				if p.Total != 30 {
					select {
					case errs <- p.Total:
					default:
					}
				}
			}
		}
	}()
	var progressCalls int
	at, err := projections.Rebuild(ctx, f.pool, f.store, projections.ForecastList{}, func(int, eventstore.Position) { progressCalls++ })
	close(stop)
	for n := range errs {
		t.Errorf("a query during the rebuild saw %d forecasts (-1: failed); want 30", n)
	}
	if err != nil {
		t.Fatal(err)
	}
	if at != head || progressCalls == 0 {
		t.Errorf("rebuild reached %s with %d progress calls; want %s", at, progressCalls, head)
	}
	states, err := projections.Status(ctx, f.pool, f.store, time.Now(), projections.ForecastList{})
	if err != nil {
		t.Fatal(err)
	}
	if states[0].Generation != 2 {
		t.Errorf("generation after rebuild: %d; want 2", states[0].Generation)
	}
	// The live runner carries on into the new generation.
	f.submitMany(t, 1)
	head, _ = f.head(t)
	if err := r.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	if n := list(); n != 31 {
		t.Errorf("after rebuild and one more forecast: %d; want 31", n)
	}
	if n := count(t, f.pool, `SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'p_forecast_list_%'`); n != 1 {
		t.Errorf("forecast list schemas left: %d; want 1", n)
	}
}

// TestKeywordSearch: keywords match Chinese substrings of one, two and more
// characters, English case-insensitively, applicant and unit names (R-FC-09),
// through an index.
func TestKeywordSearch(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	app := f.actor(t, domain.RoleApplicant)
	for _, d := range []forecast.Details{
		details("2027年量子计算国际研讨会", "2027 International Workshop on Quantum Computing", "张明远"),
		details("2027年数字经济国际学术会议", "2027 International Conference on Digital Economy", "李华"),
		details("2027年计算语言学国际会议", "2027 Conference on Computational Linguistics 100%", "王芳"),
	} {
		if _, err := f.app.SubmitForecast(ctx, app, commands.Meta{}, commands.SubmitForecast{Details: d}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := projections.NewRunner(f.pool, f.store, f.log, projections.All()...)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.Run(ctx) }()
	head, _ := f.head(t)
	if err := r.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	q := projections.NewQueries(f.pool)
	unit := f.actor(t, domain.RoleUnitAdmin)
	for kw, want := range map[string]int{
		"计算": 3, "语言": 1, "量": 1, "量子计算": 1, "数字经济国际": 1, "QUANTUM": 1, "computing": 1, "李华": 1, "张": 1,
		"计算机学院": 3, "经济学院": 0, "100%": 1, "10_": 0, "国际": 3, "不存在的词": 0,
	} {
		p, err := q.ListForecasts(ctx, unit, projections.ForecastFilter{Keyword: kw, Page: 1, PageSize: 10, Sort: "nameZh"})
		if err != nil {
			t.Fatal(err)
		}
		if int(p.Total) != want || len(p.Items) != want {
			t.Errorf("keyword %q: got %d (%d items); want %d", kw, p.Total, len(p.Items), want)
		}
	}
	// Both keyword paths can use an index (sequential scans off, as on a
	// large table the planner would choose).
	for kw, index := range map[string]string{"计算": "forecasts_grams", "量子计算": "forecasts_search"} {
		conn, err := f.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var plan strings.Builder
		_, _ = conn.Exec(ctx, `SET enable_seqscan = off`)
		cond, arg := `grams @> ARRAY[$1]::text[]`, kw
		if index == "forecasts_search" {
			cond, arg = `search LIKE $1`, "%"+kw+"%"
		}
		rows, err := conn.Query(ctx, `EXPLAIN SELECT id FROM rm.forecasts WHERE `+cond, arg)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			_ = rows.Scan(&line)
			plan.WriteString(line + "\n")
		}
		rows.Close()
		_, _ = conn.Exec(ctx, `RESET enable_seqscan`)
		conn.Release()
		if !strings.Contains(plan.String(), index) {
			t.Errorf("keyword %q does not use %s:\n%s", kw, index, plan.String())
		}
	}
}
