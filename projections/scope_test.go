package projections_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/projections"
)

// TestScopeSQLAgreesWithAllows generates an organisation tree (authorities,
// their schools, the schools' units, each unit's applicants) and forecasts
// filed by random applicants and taken to random stages (submitted,
// approved at the unit, at the school: submitted to the authority, and
// rejected there after that), through the real commands and projections.
// Then, for every actor the tree has (each applicant, unit admin, school
// admin and authority reviewer, an auditor, an analyst, a platform admin,
// an admin of an organisation outside the tree), it compares record by
// record the read models' SQL filter, through the list, the status view
// and the approval log, with the in-memory check domain.Allows
// (R-ACT-02): both are derived from the one scope model.
func TestScopeSQLAgreesWithAllows(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))

	type unit struct {
		id, school, authority uuid.UUID
		applicants            []domain.Actor
	}
	var units []unit
	var actors []domain.Actor
	admin := func(r domain.Role, org, school, authority uuid.UUID) domain.Actor {
		a := domain.Actor{UserID: uuid.New(), Name: "管理员", Role: r, OrgID: org, University: school, Authority: authority}
		actors = append(actors, a)
		return a
	}
	reviewers := map[uuid.UUID]domain.Actor{} // by organisation
	for range 2 {
		authority := uuid.New()
		reviewers[authority] = admin(domain.RoleAuthorityReviewer, authority, uuid.Nil, authority)
		for range 2 {
			school := uuid.New()
			reviewers[school] = admin(domain.RoleSchoolAdmin, school, school, authority)
			for range 2 {
				u := unit{id: uuid.New(), school: school, authority: authority}
				reviewers[u.id] = admin(domain.RoleUnitAdmin, u.id, school, authority)
				for range 2 {
					a := domain.Actor{UserID: uuid.New(), Name: "申请人", Role: domain.RoleApplicant, OrgID: u.id, University: school, Authority: authority}
					u.applicants = append(u.applicants, a)
					actors = append(actors, a)
				}
				units = append(units, u)
			}
		}
	}
	elsewhere := uuid.New()
	for _, r := range []domain.Role{domain.RoleAuditor, domain.RoleAnalyst, domain.RolePlatformAdmin, domain.RoleUnitAdmin, domain.RoleSchoolAdmin, domain.RoleAuthorityReviewer} {
		admin(r, elsewhere, elsewhere, elsewhere)
	}

	// Forecasts at random stages; scopes as the domain sees them.
	scopes := map[uuid.UUID]domain.Scope{}
	for i := range 24 {
		u := units[rng.IntN(len(units))]
		applicant := u.applicants[rng.IntN(len(u.applicants))]
		res, err := f.app.SubmitForecast(ctx, applicant, commands.Meta{}, commands.SubmitForecast{Details: details(
			"分布式系统国际研讨会"+string(rune('甲'+i)), "Workshop on Distributed Systems", applicant.Name)})
		if err != nil {
			t.Fatal(err)
		}
		id := res.ID
		sc := domain.Scope{Owner: applicant.UserID, Unit: u.id, University: u.school, Authority: u.authority}
		stage := rng.IntN(4)
		if stage >= 1 {
			_, err = f.app.ApproveAtUnit(ctx, reviewers[u.id], commands.Meta{}, commands.ApproveAtUnit{ForecastID: id})
		}
		if err == nil && stage >= 2 {
			_, err = f.app.ApproveAtSchool(ctx, reviewers[u.school], commands.Meta{}, commands.ApproveAtSchool{ForecastID: id})
			sc.AtAuthority = true
		}
		if err == nil && stage >= 3 { // rejected by the authority: it stays submitted to it
			_, err = f.app.RejectForecast(ctx, reviewers[u.authority], commands.Meta{}, commands.RejectForecast{ForecastID: id, Reason: "会议规模与经费来源不相称"})
		}
		if err != nil {
			t.Fatalf("forecast %d at stage %d: %v", i, stage, err)
		}
		scopes[id] = sc
	}

	r, err := projections.NewRunner(f.pool, f.store, f.log, projections.All()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done })
	head, _ := f.head(t)
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := r.WaitFor(wctx, head); err != nil {
		t.Fatal(err)
	}

	q := projections.NewQueries(f.pool)
	filter, bad := projections.ParseForecastFilter(url.Values{"pageSize": {"100"}})
	if len(bad) > 0 {
		t.Fatal(bad)
	}
	for _, a := range actors {
		page, err := q.ListForecasts(ctx, a, filter)
		if err != nil {
			t.Fatal(err)
		}
		listed := map[uuid.UUID]bool{}
		for _, row := range page.Items {
			listed[uuid.MustParse(row.ID)] = true // the demo's own forecasts are not among scopes
		}
		for id, sc := range scopes {
			want := domain.Allows(a, domain.KindForecast, domain.Read, sc)
			if listed[id] != want {
				t.Errorf("%s of %s, forecast %s in %+v: listed %v, Allows %v", a.Role, a.OrgID, id, sc, listed[id], want)
			}
			_, err := q.ForecastStatus(ctx, a, id)
			if got := err == nil; got != want || (err != nil && !errors.Is(err, domain.ErrNotFound)) {
				t.Errorf("%s of %s, forecast %s in %+v: status view %v, Allows %v", a.Role, a.OrgID, id, sc, err, want)
			}
			_, err = q.ApprovalLog(ctx, a, string(domain.KindForecast), id)
			if got := err == nil; got != domain.Allows(a, domain.KindHistory, domain.Read, sc) || (err != nil && !errors.Is(err, domain.ErrNotFound)) {
				t.Errorf("%s of %s, forecast %s in %+v: approval log %v, Allows %v", a.Role, a.OrgID, id, sc, err, want)
			}
		}
	}

	// Notifications: the decisions told their applicants; each inbox holds
	// exactly the notices the model lets its actor read (their own).
	rows, err := f.pool.Query(ctx, `SELECT id, user_id FROM rm.notifications`)
	if err != nil {
		t.Fatal(err)
	}
	recipients := map[uuid.UUID]domain.Scope{}
	for rows.Next() {
		var id uuid.UUID
		var sc domain.Scope
		if err := rows.Scan(&id, &sc.Owner); err != nil {
			t.Fatal(err)
		}
		recipients[id] = sc
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	told := 0
	for _, a := range actors {
		in, err := q.Inbox(ctx, a, false, 500)
		if err != nil {
			t.Fatal(err)
		}
		listed := map[uuid.UUID]bool{}
		for _, n := range in.Items {
			listed[n.ID] = true
		}
		for id, sc := range recipients {
			want := domain.Allows(a, domain.KindNotification, domain.Read, sc)
			if listed[id] != want {
				t.Errorf("%s %s, notification %s to %s: listed %v, Allows %v", a.Role, a.UserID, id, sc.Owner, listed[id], want)
			}
		}
		told += len(in.Items)
	}
	if told == 0 {
		t.Error("no generated actor was notified of anything: the inbox comparison compared nothing")
	}
}
