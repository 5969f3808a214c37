package forecast_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
	"github.com/google/uuid"
)

// R-FC-01: forecasts are accepted from September 1 to 30, Asia/Shanghai,
// for conferences held the next year; late ones are refused.
func TestSubmitWindow(t *testing.T) {
	tests := []struct {
		name string
		now  time.Time
		want string
	}{
		{"R-FC-01 August 31, last second", shanghai(2026, time.August, 31, 23, 59, 59), "state R-FC-01"},
		{"R-FC-01 early in the year", shanghai(2026, time.March, 1, 9, 0, 0), "state R-FC-01"},
		{"R-FC-01 September 1, first second", shanghai(2026, time.September, 1, 0, 0, 0), "ok"},
		{"R-FC-01 UTC instant already September 1 in Shanghai", time.Date(2026, time.August, 31, 16, 0, 0, 0, time.UTC), "ok"},
		{"R-FC-01 UTC instant still August 31 in Shanghai", time.Date(2026, time.August, 31, 15, 59, 59, 0, time.UTC), "state R-FC-01"},
		{"R-FC-01 September 30, last second", shanghai(2026, time.September, 30, 23, 59, 59), "ok"},
		{"R-FC-01 UTC instant already October 1 in Shanghai", time.Date(2026, time.September, 30, 16, 0, 0, 0, time.UTC), "state R-FC-01"},
		{"R-FC-01 October 1", shanghai(2026, time.October, 1, 0, 0, 0), "state R-FC-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := forecast.New(uuid.New())
			err := f.Submit(applicant, validDetails(), policy.Default(), tt.now)
			if got := outcome(err); got != tt.want {
				t.Fatalf("Submit at %v = %s; want %s", tt.now, got, tt.want)
			}
			if err != nil {
				var se *domain.StateError
				errors.As(err, &se)
				for _, s := range []string{se.Message, se.Zh} {
					if !strings.Contains(s, "2026-09-01") || !strings.Contains(s, "2026-09-30") || !strings.Contains(s, "2027") {
						t.Errorf("message %q; want it to name plan year 2027 and its window 2026-09-01 to 2026-09-30", s)
					}
				}
				if len(f.Pending()) != 0 {
					t.Errorf("Pending() = %v after a refusal; want none", f.Pending())
				}
				return
			}
			if f.PlanYear() != 2027 {
				t.Errorf("PlanYear() = %d; want 2027", f.PlanYear())
			}
		})
	}
}

// R-FC-01: a university's override replaces the default window.
func TestSubmitWindowOverride(t *testing.T) {
	p := policy.Default()
	p.WindowOverrides = []policy.WindowOverride{{UniversityID: universityID, PlanYear: 2027,
		Open: date(2026, time.August, 20), Close: date(2026, time.October, 10)}}
	for _, tt := range []struct {
		now  time.Time
		want string
	}{
		{shanghai(2026, time.August, 19, 12, 0, 0), "state R-FC-01"},
		{shanghai(2026, time.August, 20, 0, 0, 0), "ok"},
		{shanghai(2026, time.October, 10, 23, 0, 0), "ok"},
		{shanghai(2026, time.October, 11, 0, 0, 0), "state R-FC-01"},
	} {
		if got := outcome(forecast.New(uuid.New()).Submit(applicant, validDetails(), p, tt.now)); got != tt.want {
			t.Errorf("Submit at %v with override = %s; want %s", tt.now, got, tt.want)
		}
	}
}

// R-FC-02: the plan year is the year after the submission date in
// Asia/Shanghai, and the start date must fall in it.
func TestSubmitPlanYear(t *testing.T) {
	for _, tt := range []struct {
		start domain.Date
		want  string
	}{
		{date(2026, time.December, 31), "validation"},
		{date(2027, time.January, 1), "ok"},
		{date(2027, time.December, 31), "ok"},
		{date(2028, time.January, 1), "validation"},
	} {
		d := validDetails()
		d.StartDate, d.CommitmentDate = tt.start, tt.start
		if got := outcome(forecast.New(uuid.New()).Submit(applicant, d, policy.Default(), inWindow)); got != tt.want {
			t.Errorf("Submit with start %s = %s; want %s", tt.start, got, tt.want)
		}
	}
}

// R-ACT-01: only applicants submit, each forecast once.
func TestSubmitRefusals(t *testing.T) {
	p := policy.Default()
	tests := []struct {
		name  string
		actor domain.Actor
		f     func(*testing.T) *forecast.Forecast
		d     forecast.Details
		want  string
	}{
		{"R-ACT-01 unit admin", unitAdmin, newForecast, validDetails(), "forbidden"},
		{"R-ACT-01 school admin", schoolAdmin, newForecast, validDetails(), "forbidden"},
		{"R-ACT-01 authority reviewer", reviewer, newForecast, validDetails(), "forbidden"},
		{"R-ACT-01 auditor", auditor, newForecast, validDetails(), "forbidden"},
		{"R-ACT-01 platform admin", platformAdmin, newForecast, validDetails(), "forbidden"},
		{"R-ACT-02 applicant outside the tree", domain.Actor{UserID: uuid.New(), Role: domain.RoleApplicant}, newForecast, validDetails(), "forbidden"},
		{"already submitted", applicant, submitted, validDetails(), "conflict"},
		{"R-FC-04 invalid details", applicant, newForecast, forecast.Details{}, "validation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f(t)
			before := len(f.Pending())
			if got := outcome(f.Submit(tt.actor, tt.d, p, inWindow)); got != tt.want {
				t.Errorf("Submit = %s; want %s", got, tt.want)
			}
			if len(f.Pending()) != before {
				t.Errorf("Pending() grew after a refusal")
			}
		})
	}
}

func newForecast(*testing.T) *forecast.Forecast { return forecast.New(uuid.New()) }

// R-FC-04, R-CLS-05: a submission records trimmed details, the computed
// scale, warnings and the scope from the actor.
func TestSubmitRecords(t *testing.T) {
	id := uuid.New()
	f := forecast.New(id)
	d := validDetails()
	d.NameZh = "  计算材料学国际研讨会 "
	d.NameEn = "Computational Materials Summit"
	d.Scale = classify.Major // declared higher than computed: allowed
	if err := f.Submit(applicant, d, policy.Default(), inWindow); err != nil {
		t.Fatal(err)
	}
	events := f.Pending()
	if len(events) != 1 {
		t.Fatalf("Pending() = %d events; want 1", len(events))
	}
	e, ok := events[0].(forecast.Submitted)
	if !ok {
		t.Fatalf("Pending()[0] = %T; want forecast.Submitted", events[0])
	}
	if e.EventType() != "forecast.submitted" || e.ForecastID != id || e.ApplicantID != applicant.UserID ||
		e.UnitID != unitID || e.UniversityID != universityID || e.AuthorityID != authorityID || e.PlanYear != 2027 || !e.At.Equal(inWindow) {
		t.Errorf("Submitted = %+v; want ids from the actor, plan year 2027, at %v", e, inWindow)
	}
	if e.Details.NameZh != "计算材料学国际研讨会" {
		t.Errorf("recorded NameZh = %q; want it trimmed", e.Details.NameZh)
	}
	if e.Computed != classify.General || f.Computed() != classify.General {
		t.Errorf("Computed = %s; want general", e.Computed)
	}
	if len(e.Warnings) != 1 || e.Warnings[0].Path != "nameEn" {
		t.Errorf("Warnings = %+v; want one on nameEn", e.Warnings)
	}
	want := domain.Scope{Owner: applicant.UserID, Unit: unitID, University: universityID, Authority: authorityID}
	if f.Scope() != want || f.Status() != forecast.StatusSubmitted {
		t.Errorf("Scope() = %+v, Status() = %s; want %+v, submitted", f.Scope(), f.Status(), want)
	}
}

// R-FC-09: an applicant may hold many forecasts.
func TestApplicantHoldsMany(t *testing.T) {
	for i := range 3 {
		d := validDetails()
		d.NameEn += " " + string(rune('A'+i))
		if err := forecast.New(uuid.New()).Submit(applicant, d, policy.Default(), inWindow); err != nil {
			t.Fatalf("forecast %d: %v", i, err)
		}
	}
	for _, s := range forecast.Statuses {
		if !s.Valid() || s.Zh() == "" {
			t.Errorf("status %s: want valid with a Chinese label", s)
		}
	}
}

// R-FC-05, R-FC-06: every transition from every status, allowed or refused.
func TestTransitions(t *testing.T) {
	type act struct {
		name string
		do   func(f *forecast.Forecast, now time.Time) error
	}
	p := policy.Default()
	revise := func(a domain.Actor) act {
		return act{"revise by " + string(a.Role), func(f *forecast.Forecast, now time.Time) error { return f.Revise(a, validDetails(), p, now) }}
	}
	withdraw := func(a domain.Actor) act {
		return act{"withdraw", func(f *forecast.Forecast, now time.Time) error { return f.Withdraw(a, "不再举办", now) }}
	}
	approveUnit := func(a domain.Actor) act {
		return act{"approve at unit", func(f *forecast.Forecast, now time.Time) error { return f.ApproveAtUnit(a, "同意", now) }}
	}
	approveSchool := func(a domain.Actor) act {
		return act{"approve at school", func(f *forecast.Forecast, now time.Time) error { return f.ApproveAtSchool(a, "", now) }}
	}
	approveAuthority := func(a domain.Actor) act {
		return act{"approve by authority", func(f *forecast.Forecast, now time.Time) error { return f.ApproveByAuthority(a, "", now) }}
	}
	reject := func(a domain.Actor, reason string) act {
		return act{"reject", func(f *forecast.Forecast, now time.Time) error { return f.Reject(a, reason, now) }}
	}
	S := forecast.StatusSubmitted
	U := forecast.StatusUnitApproved
	SA := forecast.StatusSchoolApproved
	A := forecast.StatusApproved
	R := forecast.StatusRejected
	W := forecast.StatusWithdrawn
	tests := []struct {
		rule       string
		from       forecast.Status
		act        act
		as         domain.Actor
		want       string
		wantStatus forecast.Status
	}{
		// Revise: owner only, in submitted or rejected, back to submitted.
		{"R-FC-06", S, revise(applicant), applicant, "ok", S},
		{"R-FC-06", R, revise(applicant), applicant, "ok", S},
		{"R-FC-06", U, revise(applicant), applicant, "state R-FC-06", U},
		{"R-FC-06", SA, revise(applicant), applicant, "state R-FC-06", SA},
		{"R-FC-06", A, revise(applicant), applicant, "state R-FC-06", A},
		{"R-FC-06", W, revise(applicant), applicant, "state R-FC-06", W},
		{"R-ACT-02", S, revise(otherApplicant), otherApplicant, "forbidden", S},
		{"R-ACT-01", S, revise(unitAdmin), unitAdmin, "forbidden", S},
		// Withdraw: owner only, in submitted or rejected.
		{"R-FC-06", S, withdraw(applicant), applicant, "ok", W},
		{"R-FC-06", R, withdraw(applicant), applicant, "ok", W},
		{"R-FC-06", U, withdraw(applicant), applicant, "state R-FC-06", U},
		{"R-FC-06", A, withdraw(applicant), applicant, "state R-FC-06", A},
		{"R-FC-06", W, withdraw(applicant), applicant, "state R-FC-06", W},
		{"R-ACT-02", S, withdraw(otherApplicant), otherApplicant, "forbidden", S},
		{"R-ACT-01", S, withdraw(schoolAdmin), schoolAdmin, "forbidden", S},
		// Unit review.
		{"R-FC-05", S, approveUnit(unitAdmin), unitAdmin, "ok", U},
		{"R-FC-05", U, approveUnit(unitAdmin), unitAdmin, "state R-FC-05", U},
		{"R-FC-05", R, approveUnit(unitAdmin), unitAdmin, "state R-FC-05", R},
		{"R-FC-05", W, approveUnit(unitAdmin), unitAdmin, "state R-FC-05", W},
		{"R-ACT-01", S, approveUnit(schoolAdmin), schoolAdmin, "forbidden", S},
		{"R-ACT-01", S, approveUnit(applicant), applicant, "forbidden", S},
		// School review.
		{"R-FC-05", U, approveSchool(schoolAdmin), schoolAdmin, "ok", SA},
		{"R-FC-05", S, approveSchool(schoolAdmin), schoolAdmin, "state R-FC-05", S},
		{"R-FC-05", SA, approveSchool(schoolAdmin), schoolAdmin, "state R-FC-05", SA},
		{"R-ACT-01", U, approveSchool(unitAdmin), unitAdmin, "forbidden", U},
		{"R-ACT-01", U, approveSchool(reviewer), reviewer, "forbidden", U},
		// Authority review.
		{"R-FC-05", SA, approveAuthority(reviewer), reviewer, "ok", A},
		{"R-FC-05", U, approveAuthority(reviewer), reviewer, "state R-FC-05", U},
		{"R-FC-05", A, approveAuthority(reviewer), reviewer, "state R-FC-05", A},
		{"R-ACT-01", SA, approveAuthority(schoolAdmin), schoolAdmin, "forbidden", SA},
		{"R-ACT-01", SA, approveAuthority(auditor), auditor, "forbidden", SA},
		// Reject: the level holding it, with a reason.
		{"R-FC-05", S, reject(unitAdmin, "材料不全"), unitAdmin, "ok", R},
		{"R-FC-05", U, reject(schoolAdmin, "材料不全"), schoolAdmin, "ok", R},
		{"R-FC-05", SA, reject(reviewer, "材料不全"), reviewer, "ok", R},
		{"R-FC-05", S, reject(schoolAdmin, "材料不全"), schoolAdmin, "state R-FC-05", S},
		{"R-FC-05", U, reject(unitAdmin, "材料不全"), unitAdmin, "state R-FC-05", U},
		{"R-FC-05", SA, reject(schoolAdmin, "材料不全"), schoolAdmin, "state R-FC-05", SA},
		{"R-FC-05", A, reject(reviewer, "材料不全"), reviewer, "state R-FC-05", A},
		{"R-FC-05", R, reject(unitAdmin, "材料不全"), unitAdmin, "state R-FC-05", R},
		{"R-FC-05", W, reject(unitAdmin, "材料不全"), unitAdmin, "state R-FC-05", W},
		{"R-FC-05", S, reject(unitAdmin, "  "), unitAdmin, "validation", S},
		{"R-ACT-01", S, reject(applicant, "材料不全"), applicant, "forbidden", S},
		{"R-ACT-01", SA, reject(auditor, "材料不全"), auditor, "forbidden", SA},
		{"R-ACT-01", SA, reject(platformAdmin, "材料不全"), platformAdmin, "forbidden", SA},
	}
	now := inWindow.Add(72 * time.Hour)
	for _, tt := range tests {
		t.Run(tt.rule+" "+tt.act.name+" as "+string(tt.as.Role)+" from "+string(tt.from), func(t *testing.T) {
			f := in(t, tt.from)
			before := len(f.Pending())
			err := tt.act.do(f, now)
			if got := outcome(err); got != tt.want {
				t.Fatalf("got %s (%v); want %s", got, err, tt.want)
			}
			if f.Status() != tt.wantStatus {
				t.Errorf("Status() = %s; want %s", f.Status(), tt.wantStatus)
			}
			grew := len(f.Pending()) - before
			if tt.want == "ok" && grew != 1 || tt.want != "ok" && grew != 0 {
				t.Errorf("Pending() grew by %d; want %d", grew, map[bool]int{true: 1}[tt.want == "ok"])
			}
		})
	}
}

// Nothing happens to a forecast that was never submitted.
func TestActionsOnNewForecast(t *testing.T) {
	now := inWindow
	f := forecast.New(uuid.New())
	for name, err := range map[string]error{
		"revise":      f.Revise(applicant, validDetails(), policy.Default(), now),
		"withdraw":    f.Withdraw(applicant, "", now),
		"approve":     f.ApproveAtUnit(unitAdmin, "", now),
		"reject":      f.Reject(unitAdmin, "理由", now),
		"declaration": f.CanStartDeclaration(),
	} {
		if got := outcome(err); got != "not found" {
			t.Errorf("%s on a new forecast = %s; want not found", name, got)
		}
	}
}

// R-FC-06: a forecast rejected in October is revised after the window
// closed; its plan year stays.
func TestReviseAfterWindow(t *testing.T) {
	f := submitted(t)
	october := shanghai(2026, time.October, 20, 9, 0, 0)
	if err := f.Reject(unitAdmin, "英文名称有误", october); err != nil {
		t.Fatal(err)
	}
	d := validDetails()
	d.NameEn = "International Workshop on Computational Materials Science"
	if err := f.Revise(applicant, d, policy.Default(), october.AddDate(0, 1, 0)); err != nil {
		t.Fatalf("Revise after the window = %v; want nil", err)
	}
	if f.Status() != forecast.StatusSubmitted || f.PlanYear() != 2027 || f.Details().NameEn != d.NameEn {
		t.Errorf("after revise: status %s, plan year %d, nameEn %q; want submitted, 2027, %q", f.Status(), f.PlanYear(), f.Details().NameEn, d.NameEn)
	}
	if f.Rejection().Reason != "英文名称有误" {
		t.Errorf("Rejection() = %+v; want the last rejection kept for the applicant", f.Rejection())
	}
	// Validation still uses the original plan year (R-FC-02).
	d.StartDate = date(2028, time.March, 1)
	if got := fieldErrors(t, f.Revise(applicant, d, policy.Default(), october)); len(got) != 1 || got[0] != "startDate R-FC-02" {
		t.Errorf("Revise with a 2028 start = %q; want startDate R-FC-02", got)
	}
}

// R-FC-05: a rejection records the stage and trimmed reason; a forecast
// stays visible to the authority once it reached it (R-ACT-02).
func TestRejectionAndScope(t *testing.T) {
	f := in(t, forecast.StatusSchoolApproved)
	if !f.Scope().AtAuthority {
		t.Fatal("Scope().AtAuthority = false after school approval; want true")
	}
	if err := f.Reject(reviewer, "  与同期会议主题重复 ", inWindow); err != nil {
		t.Fatal(err)
	}
	r := f.Rejection()
	if r.Stage != forecast.StatusSchoolApproved || r.Reason != "与同期会议主题重复" {
		t.Errorf("Rejection() = %+v; want stage school_approved, trimmed reason", r)
	}
	if err := f.Revise(applicant, validDetails(), policy.Default(), inWindow); err != nil {
		t.Fatal(err)
	}
	if !f.Scope().AtAuthority {
		t.Error("Scope().AtAuthority = false after revision; want it to stay true")
	}
}

// R-FC-07: a declaration starts only from an approved forecast.
func TestCanStartDeclaration(t *testing.T) {
	for _, s := range forecast.Statuses {
		want := "state R-FC-07"
		if s == forecast.StatusApproved {
			want = "ok"
		}
		if got := outcome(in(t, s).CanStartDeclaration()); got != want {
			t.Errorf("CanStartDeclaration in %s = %s; want %s", s, got, want)
		}
	}
}

// R-FC-05: a state error carries the rule and both languages.
func TestStateErrorMessages(t *testing.T) {
	err := in(t, forecast.StatusApproved).Revise(applicant, validDetails(), policy.Default(), inWindow)
	var se *domain.StateError
	if !errors.As(err, &se) {
		t.Fatalf("Revise in approved = %v; want a *domain.StateError", err)
	}
	if se.Rule != "R-FC-06" || se.Status != "approved" || !strings.Contains(se.Zh, "预报审核通过") {
		t.Errorf("state error = %+v; want R-FC-06, status approved, Chinese naming 预报审核通过", se)
	}
}
