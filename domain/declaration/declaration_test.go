package declaration_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
	"github.com/google/uuid"
)

// R-DECL-01, R-DECL-02, R-FC-07, R-ACT-01: who starts from which forecast.
func TestStartFromForecast(t *testing.T) {
	other := approvedForecast()
	other.ApplicantID = otherApplicant.UserID
	tests := []struct {
		name   string
		actor  domain.Actor
		f      declaration.ForecastSnapshot
		notice bool
		want   string
	}{
		{"R-DECL-01 approved forecast", applicant, approvedForecast(), true, "ok"},
		{"R-DECL-02 notice not acknowledged", applicant, approvedForecast(), false, "validation"},
		{"R-ACT-01 unit admin", unitAdmin, approvedForecast(), true, "forbidden"},
		{"R-ACT-02 applicant outside the tree", domain.Actor{UserID: applicant.UserID, Role: domain.RoleApplicant}, approvedForecast(), true, "forbidden"},
		{"R-ACT-02 someone else's forecast", applicant, other, true, "forbidden"},
	}
	for _, s := range forecast.Statuses {
		if s != forecast.StatusApproved {
			f := approvedForecast()
			f.Status = s
			tests = append(tests, struct {
				name   string
				actor  domain.Actor
				f      declaration.ForecastSnapshot
				notice bool
				want   string
			}{"R-FC-07 forecast " + string(s), applicant, f, true, "state R-FC-07"})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := declaration.New(uuid.New())
			err := d.StartFromForecast(tt.actor, tt.f, tt.notice, submitDay)
			if got := outcome(err); got != tt.want {
				t.Fatalf("StartFromForecast = %s (%v); want %s", got, err, tt.want)
			}
			if tt.want != "ok" && len(d.Pending()) != 0 {
				t.Error("a refusal recorded an event")
			}
			if tt.name == "R-DECL-02 notice not acknowledged" {
				if got := fieldErrors(t, err); !sameErrors(got, []string{"noticeAcknowledged R-DECL-02"}) {
					t.Errorf("errors = %q; want noticeAcknowledged R-DECL-02", got)
				}
			}
		})
	}
}

// R-DECL-01: the forecast's fields are copied into the draft, and the
// declaration belongs to the applicant's unit, university and authority.
func TestStartCopiesForecast(t *testing.T) {
	id := uuid.New()
	d := declaration.New(id)
	snap := approvedForecast()
	snap.Details.NameZh = " 计算材料学国际研讨会 "
	snap.Details.Local = false
	snap.Details.Flags.Sensitive = true
	if err := d.StartFromForecast(applicant, snap, true, submitDay); err != nil {
		t.Fatal(err)
	}
	e, ok := d.Pending()[0].(declaration.Started)
	if !ok || e.EventType() != "declaration.started" || e.DeclarationID != id || e.ForecastID != snap.ID || !e.At.Equal(submitDay) {
		t.Fatalf("Pending()[0] = %+v; want declaration.started for %s from forecast %s", d.Pending()[0], id, snap.ID)
	}
	f := d.Form()
	b := f.Basic
	if b.NameZh != "计算材料学国际研讨会" || b.NameEn != snap.Details.NameEn || b.StartDate != snap.Details.StartDate ||
		b.CommitmentDate != snap.Details.CommitmentDate || b.Location != declaration.OtherCity || b.Province != "湖北省" ||
		b.Type != classify.NaturalScience || b.Scale != classify.General {
		t.Errorf("Basic = %+v; want the forecast's values, trimmed, other city", b)
	}
	if f.Attendance != (declaration.Attendance{Foreign: 40, Mainland: 110}) {
		t.Errorf("Attendance = %+v; want foreign 40, mainland 110", f.Attendance)
	}
	if len(f.Hosting) != 1 || f.Hosting[0].NameEn != "Example University" || f.Hosting[0].Role != forecast.Host {
		t.Errorf("Hosting = %+v; want the forecast's host", f.Hosting)
	}
	if f.Applicant.Email != "zhangsan@example.edu.cn" || !f.Statements.Flags.Sensitive {
		t.Errorf("Applicant = %+v, Statements = %+v; want copied", f.Applicant, f.Statements)
	}
	want := domain.Scope{Owner: applicant.UserID, Unit: unitID, University: universityID, Authority: authorityID}
	if d.Scope() != want || d.Status() != declaration.StatusDraft || d.ForecastID() != snap.ID || d.Direct() {
		t.Errorf("Scope() = %+v, Status() = %s, Direct() = %v; want %+v, draft, not direct", d.Scope(), d.Status(), d.Direct(), want)
	}
	if err := d.StartFromForecast(applicant, snap, true, submitDay); outcome(err) != "conflict" {
		t.Errorf("second start = %v; want conflict", err)
	}
}

// R-DECL-01, R-CLS-02, R-DECL-02: without a forecast, only a small
// natural-science conference starts; 30 foreign guests is still small.
func TestStartDirect(t *testing.T) {
	small := func(edit func(*declaration.Form)) declaration.Form {
		f := declaration.Form{
			Basic:      declaration.Basic{NameZh: "表面科学研讨会", Type: classify.NaturalScience},
			Attendance: declaration.Attendance{Foreign: 30, Mainland: 40},
		}
		if edit != nil {
			edit(&f)
		}
		return f
	}
	tests := []struct {
		name   string
		actor  domain.Actor
		f      declaration.Form
		notice bool
		want   []string
		out    string
	}{
		{"R-CLS-02 30 foreign guests", applicant, small(nil), true, nil, "ok"},
		{"R-CLS-02 31 foreign guests", applicant, small(func(f *declaration.Form) { f.Attendance.Foreign = 31 }), true,
			[]string{"attendance.foreign R-DECL-01"}, "validation"},
		{"R-CLS-02 social science", applicant, small(func(f *declaration.Form) { f.Basic.Type = classify.SocialScience }), true,
			[]string{"basic.type R-DECL-01"}, "validation"},
		{"R-CLS-02 type missing", applicant, small(func(f *declaration.Form) { f.Basic.Type = "" }), true,
			[]string{"basic.type R-DECL-01"}, "validation"},
		{"R-CLS-02 sensitive", applicant, small(func(f *declaration.Form) { f.Statements.Flags.Sensitive = true }), true,
			[]string{"statements.flags.sensitive R-DECL-01"}, "validation"},
		{"R-CLS-04 800 in total is major", applicant, small(func(f *declaration.Form) { f.Attendance.Mainland = 770 }), true,
			[]string{"attendance R-DECL-01"}, "validation"},
		{"R-DECL-15 format errors with the refusal", applicant, small(func(f *declaration.Form) {
			f.Attendance.Foreign, f.Basic.NameZh = 31, strings.Repeat("材", 51)
		}), true, []string{"attendance.foreign R-DECL-01", "basic.nameZh R-DECL-03"}, "validation"},
		{"R-DECL-02 notice not acknowledged", applicant, small(nil), false, []string{"noticeAcknowledged R-DECL-02"}, "validation"},
		{"R-ACT-01 school admin", schoolAdmin, small(nil), true, nil, "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := declaration.New(uuid.New())
			err := d.StartDirect(tt.actor, tt.f, tt.notice, pol, rules, submitDay)
			if got := outcome(err); got != tt.out {
				t.Fatalf("StartDirect = %s (%v); want %s", got, err, tt.out)
			}
			if tt.out == "validation" {
				if got := fieldErrors(t, err); !sameErrors(got, tt.want) {
					t.Errorf("errors = %q; want %q", got, tt.want)
				}
			}
			if tt.out == "ok" {
				if !d.Direct() || d.ForecastID() != uuid.Nil || d.Form().Basic.Scale != classify.Small {
					t.Errorf("Direct() = %v, Scale = %s; want direct, small", d.Direct(), d.Form().Basic.Scale)
				}
			}
		})
	}
}

// R-DECL-16, R-ACT-01, R-ACT-02: every transition from every status,
// allowed or refused.
func TestTransitions(t *testing.T) {
	type act struct {
		name string
		do   func(d *declaration.Declaration, now time.Time) error
	}
	save := func(a domain.Actor) act {
		return act{"save", func(d *declaration.Declaration, now time.Time) error {
			return d.SaveContacts(a, validForm().Contacts, pol, now)
		}}
	}
	submit := func(a domain.Actor) act {
		return act{"submit", func(d *declaration.Declaration, now time.Time) error {
			return d.Submit(a, true, nil, pol, rules, now)
		}}
	}
	withdraw := func(a domain.Actor) act {
		return act{"withdraw", func(d *declaration.Declaration, now time.Time) error { return d.Withdraw(a, "不再举办", now) }}
	}
	approveUnit := func(a domain.Actor) act {
		return act{"approve at unit", func(d *declaration.Declaration, now time.Time) error { return d.ApproveAtUnit(a, "同意", now) }}
	}
	approveSchool := func(a domain.Actor) act {
		return act{"approve at school", func(d *declaration.Declaration, now time.Time) error { return d.ApproveAtSchool(a, "", now) }}
	}
	approveAuthority := func(a domain.Actor) act {
		return act{"approve by authority", func(d *declaration.Declaration, now time.Time) error { return d.ApproveByAuthority(a, "", now) }}
	}
	reject := func(a domain.Actor, reason string) act {
		return act{"reject", func(d *declaration.Declaration, now time.Time) error { return d.Reject(a, reason, now) }}
	}
	D, S := declaration.StatusDraft, declaration.StatusSubmitted
	U, UR := declaration.StatusUnitApproved, declaration.StatusUnitRejected
	SA, SR := declaration.StatusSchoolApproved, declaration.StatusSchoolRejected
	A, AR := declaration.StatusAuthorityApproved, declaration.StatusAuthorityRejected
	W := declaration.StatusWithdrawn
	tests := []struct {
		rule       string
		from       declaration.Status
		act        act
		as         domain.Actor
		want       string
		wantStatus declaration.Status
	}{
		// Edit: the owner, in draft, submitted, unit_rejected, school_rejected; back to draft.
		{"R-DECL-16", D, save(applicant), applicant, "ok", D},
		{"R-DECL-16", S, save(applicant), applicant, "ok", D},
		{"R-DECL-16", UR, save(applicant), applicant, "ok", D},
		{"R-DECL-16", SR, save(applicant), applicant, "ok", D},
		{"R-DECL-16", U, save(applicant), applicant, "state R-DECL-16", U},
		{"R-DECL-16", SA, save(applicant), applicant, "state R-DECL-16", SA},
		{"R-DECL-16", A, save(applicant), applicant, "state R-DECL-16", A},
		{"R-DECL-16", AR, save(applicant), applicant, "state R-DECL-16", AR},
		{"R-DECL-16", W, save(applicant), applicant, "state R-DECL-16", W},
		{"R-ACT-02", D, save(otherApplicant), otherApplicant, "forbidden", D},
		{"R-ACT-01", S, save(unitAdmin), unitAdmin, "forbidden", S},
		// Submit and resubmit after a rejection.
		{"R-DECL-16", D, submit(applicant), applicant, "ok", S},
		{"R-DECL-16", UR, submit(applicant), applicant, "ok", S},
		{"R-DECL-16", SR, submit(applicant), applicant, "ok", S},
		{"R-DECL-16", S, submit(applicant), applicant, "state R-DECL-16", S},
		{"R-DECL-16", U, submit(applicant), applicant, "state R-DECL-16", U},
		{"R-DECL-16", AR, submit(applicant), applicant, "state R-DECL-16", AR},
		{"R-DECL-16", W, submit(applicant), applicant, "state R-DECL-16", W},
		{"R-ACT-02", D, submit(otherApplicant), otherApplicant, "forbidden", D},
		// Withdraw: the owner, before the authority decides.
		{"R-DECL-16", D, withdraw(applicant), applicant, "ok", W},
		{"R-DECL-16", S, withdraw(applicant), applicant, "ok", W},
		{"R-DECL-16", U, withdraw(applicant), applicant, "ok", W},
		{"R-DECL-16", UR, withdraw(applicant), applicant, "ok", W},
		{"R-DECL-16", SA, withdraw(applicant), applicant, "ok", W},
		{"R-DECL-16", SR, withdraw(applicant), applicant, "ok", W},
		{"R-DECL-16", A, withdraw(applicant), applicant, "state R-DECL-16", A},
		{"R-DECL-16", AR, withdraw(applicant), applicant, "state R-DECL-16", AR},
		{"R-DECL-16", W, withdraw(applicant), applicant, "state R-DECL-16", W},
		{"R-ACT-01", S, withdraw(schoolAdmin), schoolAdmin, "forbidden", S},
		// Unit review.
		{"R-DECL-16", S, approveUnit(unitAdmin), unitAdmin, "ok", U},
		{"R-DECL-16", D, approveUnit(unitAdmin), unitAdmin, "state R-DECL-16", D},
		{"R-DECL-16", U, approveUnit(unitAdmin), unitAdmin, "state R-DECL-16", U},
		{"R-DECL-16", UR, approveUnit(unitAdmin), unitAdmin, "state R-DECL-16", UR},
		{"R-ACT-01", S, approveUnit(schoolAdmin), schoolAdmin, "forbidden", S},
		{"R-ACT-01", S, approveUnit(applicant), applicant, "forbidden", S},
		// School review.
		{"R-DECL-16", U, approveSchool(schoolAdmin), schoolAdmin, "ok", SA},
		{"R-DECL-16", S, approveSchool(schoolAdmin), schoolAdmin, "state R-DECL-16", S},
		{"R-DECL-16", SR, approveSchool(schoolAdmin), schoolAdmin, "state R-DECL-16", SR},
		{"R-ACT-01", U, approveSchool(unitAdmin), unitAdmin, "forbidden", U},
		{"R-ACT-01", U, approveSchool(reviewer), reviewer, "forbidden", U},
		// Authority review.
		{"R-DECL-16", SA, approveAuthority(reviewer), reviewer, "ok", A},
		{"R-DECL-16", U, approveAuthority(reviewer), reviewer, "state R-DECL-16", U},
		{"R-DECL-16", A, approveAuthority(reviewer), reviewer, "state R-DECL-16", A},
		{"R-ACT-01", SA, approveAuthority(schoolAdmin), schoolAdmin, "forbidden", SA},
		{"R-ACT-01", SA, approveAuthority(auditor), auditor, "forbidden", SA},
		// Reject: the level holding it, with a reason.
		{"R-DECL-16", S, reject(unitAdmin, "材料不全"), unitAdmin, "ok", UR},
		{"R-DECL-16", U, reject(schoolAdmin, "材料不全"), schoolAdmin, "ok", SR},
		{"R-DECL-16", SA, reject(reviewer, "材料不全"), reviewer, "ok", AR},
		{"R-DECL-16", D, reject(unitAdmin, "材料不全"), unitAdmin, "state R-DECL-16", D},
		{"R-DECL-16", S, reject(schoolAdmin, "材料不全"), schoolAdmin, "state R-DECL-16", S},
		{"R-DECL-16", UR, reject(unitAdmin, "材料不全"), unitAdmin, "state R-DECL-16", UR},
		{"R-DECL-16", A, reject(reviewer, "材料不全"), reviewer, "state R-DECL-16", A},
		{"R-DECL-16", S, reject(unitAdmin, "  "), unitAdmin, "validation", S},
		{"R-ACT-01", S, reject(applicant, "材料不全"), applicant, "forbidden", S},
		{"R-ACT-01", SA, reject(auditor, "材料不全"), auditor, "forbidden", SA},
	}
	now := submitDay.Add(72 * time.Hour)
	for _, tt := range tests {
		t.Run(tt.rule+" "+tt.act.name+" as "+string(tt.as.Role)+" from "+string(tt.from), func(t *testing.T) {
			d := in(t, tt.from)
			before := len(d.Pending())
			err := tt.act.do(d, now)
			if got := outcome(err); got != tt.want {
				t.Fatalf("got %s (%v); want %s", got, err, tt.want)
			}
			if d.Status() != tt.wantStatus {
				t.Errorf("Status() = %s; want %s", d.Status(), tt.wantStatus)
			}
			grew := len(d.Pending()) - before
			if tt.want == "ok" && grew != 1 || tt.want != "ok" && grew != 0 {
				t.Errorf("Pending() grew by %d", grew)
			}
		})
	}
}

// Nothing happens to a declaration that was never started.
func TestActionsOnNewDeclaration(t *testing.T) {
	d := declaration.New(uuid.New())
	for name, err := range map[string]error{
		"save":     d.SaveAttendance(applicant, declaration.Attendance{}, submitDay),
		"submit":   d.Submit(applicant, true, nil, pol, rules, submitDay),
		"withdraw": d.Withdraw(applicant, "", submitDay),
		"approve":  d.ApproveAtUnit(unitAdmin, "", submitDay),
		"reject":   d.Reject(unitAdmin, "理由", submitDay),
	} {
		if got := outcome(err); got != "not found" {
			t.Errorf("%s on a new declaration = %s; want not found", name, got)
		}
	}
}

// R-DECL-05: the school's approval records how and by when it files with
// the authority, and whether that date has passed.
func TestApproveAtSchoolRecordsFiling(t *testing.T) {
	for _, tt := range []struct {
		now  time.Time
		late bool
	}{
		{shanghai(2027, time.January, 20, 23, 0, 0), false},
		{shanghai(2027, time.January, 21, 8, 0, 0), true},
	} {
		d := in(t, declaration.StatusUnitApproved)
		if err := d.ApproveAtSchool(schoolAdmin, " 同意报送 ", tt.now); err != nil {
			t.Fatal(err)
		}
		events := d.Pending()
		e := events[len(events)-1].(declaration.ApprovedAtSchool)
		want := declaration.ApprovedAtSchool{Comment: "同意报送", Filing: declaration.FilingOnline, FileBy: date(2027, time.January, 20), Late: tt.late, At: tt.now}
		if e != want {
			t.Errorf("ApprovedAtSchool = %+v; want %+v", e, want)
		}
		if !d.Scope().AtAuthority {
			t.Error("Scope().AtAuthority = false after school approval; want true")
		}
	}
}

// R-DECL-16: editing a rejected declaration returns it to draft and keeps
// the rejection readable; resubmission goes back to the unit.
func TestEditAfterRejection(t *testing.T) {
	d := in(t, declaration.StatusSchoolRejected)
	if err := d.SaveAgenda(applicant, validForm().Agenda, pol, submitDay); err != nil {
		t.Fatal(err)
	}
	if d.Status() != declaration.StatusDraft || d.Rejection().Reason != "规模有误" || d.Rejection().Stage != declaration.StatusUnitApproved {
		t.Errorf("Status() = %s, Rejection() = %+v; want draft with the school's rejection kept", d.Status(), d.Rejection())
	}
	if err := d.Submit(applicant, true, nil, pol, rules, submitDay); err != nil {
		t.Fatal(err)
	}
	if err := d.ApproveAtUnit(unitAdmin, "", submitDay); err != nil {
		t.Errorf("unit review after resubmission = %v; want nil", err)
	}
}

// R-DECL-16: a state error carries the rule and both languages.
func TestStateErrorMessages(t *testing.T) {
	err := in(t, declaration.StatusAuthorityApproved).SaveAttendance(applicant, declaration.Attendance{}, submitDay)
	var se *domain.StateError
	if !errors.As(err, &se) {
		t.Fatalf("save when approved = %v; want a *domain.StateError", err)
	}
	if se.Rule != "R-DECL-16" || se.Status != "authority_approved" || !strings.Contains(se.Zh, "获批") || !strings.Contains(se.Zh, "单位初审驳回") {
		t.Errorf("state error = %+v; want R-DECL-16 naming 获批 and the editable statuses", se)
	}
	for _, s := range declaration.Statuses {
		if !s.Valid() || s.Zh() == "" || s.Zh() == string(s) {
			t.Errorf("status %s: want valid with a Chinese label", s)
		}
	}
}
