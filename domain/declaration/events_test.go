package declaration_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
	"github.com/google/uuid"
)

// state is everything a declaration exposes, times in UTC so that values
// that went through JSON compare equal.
type state struct {
	ID          uuid.UUID
	Status      declaration.Status
	ApplicantID uuid.UUID
	ForecastID  uuid.UUID
	Form        declaration.Form
	Warnings    []domain.Warning
	Lead        declaration.Lead
	SubmittedAt time.Time
	Rejection   declaration.Rejected
	Scope       domain.Scope
}

func snapshot(d *declaration.Declaration) state {
	r := d.Rejection()
	r.At = r.At.UTC()
	return state{d.ID(), d.Status(), d.ApplicantID(), d.ForecastID(), d.Form(), d.Warnings(), d.Lead(),
		d.SubmittedAt().UTC(), r, d.Scope()}
}

// R-DECL-15, R-DECL-16: replaying the stored events (through JSON and
// Decode) rebuilds exactly the state the behaviour methods left.
func TestReplay(t *testing.T) {
	id := uuid.New()
	d := declaration.New(id)
	f := validForm()
	f.Basic.NameEn = "Computational Materials Summit"
	f.Basic.Location, f.Basic.LocalApproval = declaration.OtherCity, file("外办批复.pdf")
	f.Statements.OverseasNGO = true
	now := submitDay
	steps := []func() error{
		func() error { return d.StartFromForecast(applicant, approvedForecast(), true, now.Add(-time.Hour)) },
	}
	steps = append(steps, func() error { saveAll(t, d, f); return nil })
	steps = append(steps,
		func() error { return d.Submit(applicant, true, nil, pol, rules, now) },
		func() error { return d.ApproveAtUnit(unitAdmin, "同意", now.Add(time.Hour)) },
		func() error { return d.Reject(schoolAdmin, "日程不全", now.Add(2*time.Hour)) },
		func() error { return d.SaveAgenda(applicant, f.Agenda, pol, now.Add(3*time.Hour)) },
		func() error { return d.Submit(applicant, true, nil, pol, rules, now.Add(4*time.Hour)) },
		func() error { return d.ApproveAtUnit(unitAdmin, "", now.Add(5*time.Hour)) },
		func() error { return d.ApproveAtSchool(schoolAdmin, "", now.Add(6*time.Hour)) },
		func() error { return d.ApproveByAuthority(reviewer, "批准", now.Add(7*time.Hour)) },
	)
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}

	replayed := declaration.New(id)
	seen := map[string]bool{}
	for _, e := range d.Pending() {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		back, err := declaration.Decode(e.EventType(), data)
		if err != nil {
			t.Fatalf("Decode(%s): %v", e.EventType(), err)
		}
		replayed.Apply(back)
		seen[back.EventType()] = true
	}
	for _, name := range declaration.EventTypes() {
		if !seen[name] && name != declaration.EventWithdrawn {
			t.Errorf("event %s not exercised by the replay", name)
		}
	}
	got, want := snapshot(replayed), snapshot(d)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("replayed state =\n%+v\nwant\n%+v", got, want)
	}
	if want.Status != declaration.StatusAuthorityApproved || !want.Scope.AtAuthority || want.Lead.NGOFileBy.IsZero() || len(want.Warnings) != 1 {
		t.Errorf("final state = %+v; want approved, at authority, with an NGO deadline and one warning", want)
	}
	if len(replayed.Pending()) != 0 {
		t.Errorf("Apply recorded pending events: %v", replayed.Pending())
	}
}

func TestDecode(t *testing.T) {
	names := declaration.EventTypes()
	if unique := slices.Compact(slices.Sorted(slices.Values(names))); len(names) != 17 || len(unique) != len(names) {
		t.Fatalf("EventTypes() = %q; want 17 distinct names", names)
	}
	for _, name := range names {
		e, err := declaration.Decode(name, []byte(`{"extra":"ignored"}`))
		if err != nil {
			t.Errorf("Decode(%s, {}) = %v; want nil", name, err)
			continue
		}
		if e.EventType() != name {
			t.Errorf("Decode(%s).EventType() = %s", name, e.EventType())
		}
	}
	if _, err := declaration.Decode("declaration.renamed", []byte(`{}`)); !errors.Is(err, declaration.ErrUnknownEvent) {
		t.Errorf("Decode(unknown) = %v; want ErrUnknownEvent", err)
	}
	if _, err := declaration.Decode(declaration.EventRejected, []byte(`{"reason":`)); err == nil {
		t.Error("Decode(truncated JSON) = nil; want an error")
	}
	if _, err := declaration.Decode(declaration.EventBasicSaved, []byte(`{"basic":{"startDate":"2027-02-30"}}`)); err == nil {
		t.Error("Decode(impossible date) = nil; want an error")
	}
}

// R-POL-01: the defaults are the seed's values and validate; broken rules
// are reported all at once.
func TestRulesValidate(t *testing.T) {
	r := declaration.DefaultRules()
	want := declaration.Rules{MaxDays: 5, MinLeadMonths: 3,
		Major:         declaration.LeadTime{SubmitMonths: 5, FileMonths: 4, Filing: declaration.FilingPaper},
		Regular:       declaration.LeadTime{SubmitMonths: 4, FileMonths: 3, Filing: declaration.FilingOnline},
		NGOFilingDays: 15, Similar: policy.SimilarCheck{WindowDays: 30, Threshold: 0.3}}
	if r != want {
		t.Errorf("DefaultRules() = %+v; want %+v", r, want)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("DefaultRules().Validate() = %v", err)
	}
	bad := declaration.Rules{MaxDays: 0, MinLeadMonths: -1,
		Major:   declaration.LeadTime{SubmitMonths: 3, FileMonths: 4, Filing: "fax"},
		Regular: declaration.LeadTime{SubmitMonths: 4, FileMonths: 0, Filing: declaration.FilingOnline}}
	got := fieldErrors(t, bad.Validate())
	wantErrs := []string{"maxDays R-POL-01", "minLeadMonths R-POL-01", "ngoFilingDays R-POL-01",
		"major.fileMonths R-POL-01", "major.filing R-POL-01", "regular.fileMonths R-POL-01", "major.submitMonths R-POL-01",
		"similar.threshold R-POL-01"}
	if !sameErrors(got, wantErrs) {
		t.Errorf("Validate() = %q; want %q", got, wantErrs)
	}
}

// R-POL-01: the lead times follow the rules, not literals.
func TestLeadFollowsRules(t *testing.T) {
	r := declaration.DefaultRules()
	r.Regular = declaration.LeadTime{SubmitMonths: 6, FileMonths: 5, Filing: declaration.FilingPaper}
	r.Major.SubmitMonths = 6
	l, ok := declaration.LeadFor(pol, r, validForm())
	if !ok || l.SubmitBy != date(2026, time.October, 20) || l.FileBy != date(2026, time.November, 20) || l.Filing != declaration.FilingPaper {
		t.Errorf("LeadFor with a 6-month regular tier = %+v, %v; want submit by 2026-10-20, paper by 2026-11-20", l, ok)
	}
	if _, ok := declaration.LeadFor(pol, r, declaration.Form{}); ok {
		t.Error("LeadFor(empty form) reported ok; want false")
	}
}
