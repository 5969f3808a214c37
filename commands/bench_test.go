package commands_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

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

// BenchmarkDeclarationHistory reads a declaration's history (its own
// stream, then the change, summary and deadline streams) as GET
// /declarations/{id}/history does, by 1 and by 64 callers at once on a
// pool of 4 connections (serve's default), and reports the p99. It runs
// only under -bench, on a durable cluster unless ECONF_BENCH_FSYNC=off.
func BenchmarkDeclarationHistory(b *testing.B) {
	ctx := context.Background()
	db := benchdata.New(b, dbschema.Up)
	pool := db.Pool
	if pool.Config().MaxConns != 4 {
		cfg := pool.Config().Copy()
		cfg.MaxConns = 4
		p, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		defer p.Close()
		pool = p
	}
	store := pgstore.New(pool)
	clock := policy.NewFixedClock(inWindow)
	as := auth.NewStore(pool, clock.Now)
	app, _ := newApp(b, pool, store, clock, as)
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
	applicant, auditor := actor(domain.RoleApplicant), actor(domain.RoleAuditor)
	must := func(_ commands.Result, err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	res, err := app.SubmitForecast(ctx, applicant, commands.Meta{}, commands.SubmitForecast{Details: details()})
	if err != nil {
		b.Fatal(err)
	}
	must(app.ApproveAtUnit(ctx, actor(domain.RoleUnitAdmin), commands.Meta{}, commands.ApproveAtUnit{ForecastID: res.ID}))
	must(app.ApproveAtSchool(ctx, actor(domain.RoleSchoolAdmin), commands.Meta{}, commands.ApproveAtSchool{ForecastID: res.ID}))
	must(app.ApproveByAuthority(ctx, actor(domain.RoleAuthorityReviewer), commands.Meta{}, commands.ApproveByAuthority{ForecastID: res.ID}))
	started, err := app.StartDeclaration(ctx, applicant, commands.Meta{}, commands.StartDeclaration{ForecastID: res.ID, NoticeAcknowledged: true})
	if err != nil {
		b.Fatal(err)
	}
	id := started.ID
	for _, callers := range []int{1, 64} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			b.ReportAllocs()
			var mu sync.Mutex
			var took []time.Duration
			b.SetParallelism((callers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			if callers == 1 {
				b.SetParallelism(1)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					start := time.Now()
					h, err := app.DeclarationHistory(ctx, auditor, id, nil)
					mine = append(mine, time.Since(start))
					if err != nil {
						b.Error(err)
						return
					}
					if len(h.Entries) == 0 || !h.ChainIntact {
						b.Errorf("history has %d entries, chain intact %t", len(h.Entries), h.ChainIntact)
						return
					}
				}
				mu.Lock()
				took = append(took, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			slices.Sort(took)
			if len(took) > 0 {
				b.ReportMetric(float64(took[(len(took)*99+99)/100-1])/float64(time.Millisecond), "p99-ms")
			}
		})
	}
}
