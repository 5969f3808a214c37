package commands_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/benchdata"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/demo"
)

// roundTrips counts what a pool sends the database: each statement, and
// each batch as one.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// BenchmarkForecastCommands is the command path alone (no HTTP, no read
// models): one op is a forecast's four commands as the load's workflow
// sends them (submit, approvals at unit, school and authority), on a
// fresh forecast each time so that every op folds streams of the same
// length. Besides time and allocations it reports the database round
// trips per command (statements and batches sent). It runs only under
// -bench, on a durable cluster unless ECONF_BENCH_FSYNC=off.
func BenchmarkForecastCommands(b *testing.B) {
	ctx := context.Background()
	db := benchdata.New(b, dbschema.Up)
	trips := &roundTrips{}
	cfg := db.Pool.Config().Copy()
	cfg.ConnConfig.Tracer = trips
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	store := pgstore.New(pool)
	clock := policy.NewFixedClock(inWindow)
	as := auth.NewStore(pool, clock.Now)
	app, _ := newApp(b, pool, store, clock, as)
	// As serve and the load tool seed it: a policy published with the
	// demo university's forecast window, so the commands read and decode
	// a publication rather than fall back on the built-in default.
	today := domain.DateOf(inWindow)
	window := &policy.WindowOverride{PlanYear: today.Year + 1, Open: today, Close: domain.Date{Year: today.Year, Month: 12, Day: 31}}
	tree, err := demo.Seed(ctx, app, func(domain.Role) string { return "violet kettle ninety 42" }, window)
	if err != nil {
		b.Fatal(err)
	}
	actor := func(r domain.Role) domain.Actor {
		a, err := app.ResolveActor(ctx, tree.Account(r).UserID)
		if err != nil {
			b.Fatal(err)
		}
		return a
	}
	applicant, unit, school, authority := actor(domain.RoleApplicant), actor(domain.RoleUnitAdmin), actor(domain.RoleSchoolAdmin), actor(domain.RoleAuthorityReviewer)
	must := func(_ commands.Result, err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	trips.n.Store(0)
	ops := 0
	for b.Loop() {
		res, err := app.SubmitForecast(ctx, applicant, commands.Meta{}, commands.SubmitForecast{Details: details()})
		if err != nil {
			b.Fatal(err)
		}
		must(app.ApproveAtUnit(ctx, unit, commands.Meta{}, commands.ApproveAtUnit{ForecastID: res.ID, Comment: "同意推荐"}))
		must(app.ApproveAtSchool(ctx, school, commands.Meta{}, commands.ApproveAtSchool{ForecastID: res.ID, Comment: "同意上报"}))
		must(app.ApproveByAuthority(ctx, authority, commands.Meta{}, commands.ApproveByAuthority{ForecastID: res.ID}))
		ops++
	}
	b.ReportMetric(float64(trips.n.Load())/float64(4*ops), "round-trips/command")
}
