package commands_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/benchdata"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/demo"
)

// BenchmarkForecastHistory replays the history of one forecast of 30
// events (submitted; nine rounds of unit approval, rejection by the school
// and revision; unit and school approval), as GET /history does. It runs
// only under -bench, on a durable cluster unless ECONF_BENCH_FSYNC=off.
func BenchmarkForecastHistory(b *testing.B) {
	ctx := context.Background()
	db := benchdata.New(b, dbschema.Up)
	store := pgstore.New(db.Pool)
	clock := policy.NewFixedClock(inWindow)
	as := auth.NewStore(db.Pool, clock.Now)
	app, _ := newApp(b, db.Pool, store, clock, as)
	tree, err := demo.Seed(ctx, app, func(domain.Role) string { return "violet kettle ninety 42" }, nil)
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
	applicant, unit, school, auditor := actor(domain.RoleApplicant), actor(domain.RoleUnitAdmin), actor(domain.RoleSchoolAdmin), actor(domain.RoleAuditor)
	must := func(_ commands.Result, err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	res, err := app.SubmitForecast(ctx, applicant, commands.Meta{}, commands.SubmitForecast{Details: details()})
	if err != nil {
		b.Fatal(err)
	}
	id := res.ID
	for range 9 {
		must(app.ApproveAtUnit(ctx, unit, commands.Meta{}, commands.ApproveAtUnit{ForecastID: id}))
		must(app.RejectForecast(ctx, school, commands.Meta{}, commands.RejectForecast{ForecastID: id, Reason: "请补充外方合作单位"}))
		must(app.ReviseForecast(ctx, applicant, commands.Meta{}, commands.ReviseForecast{ForecastID: id, Details: details()}))
	}
	must(app.ApproveAtUnit(ctx, unit, commands.Meta{}, commands.ApproveAtUnit{ForecastID: id}))
	must(app.ApproveAtSchool(ctx, school, commands.Meta{}, commands.ApproveAtSchool{ForecastID: id}))
	b.ReportAllocs()
	var took []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		h, err := app.ForecastHistory(ctx, auditor, id, nil)
		took = append(took, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if len(h.Entries) != 30 || !h.ChainIntact {
			b.Fatalf("history has %d entries, chain intact %t; want 30, true", len(h.Entries), h.ChainIntact)
		}
	}
	// The target is a p99, so report it beside the mean.
	slices.Sort(took)
	b.ReportMetric(float64(took[(len(took)*99+99)/100-1])/float64(time.Millisecond), "p99-ms")
}
