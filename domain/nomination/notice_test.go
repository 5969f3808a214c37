package nomination_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/workday"
)

func date(s string) domain.Date {
	dd, err := domain.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return dd
}

// at is nine in the morning of day s in Asia/Shanghai.
func at(s string) time.Time { return date(s).Time().Add(9 * time.Hour) }

// spec2026 is a cycle collecting through the Spring Festival of 2026.
func spec2026() nomination.CycleSpec {
	return nomination.CycleSpec{Year: 2026, Title: "2026年度重要学术会议征集", Deadline: date("2026-04-30"),
		WindowStart: date("2026-01-01"), WindowEnd: date("2027-03-31"), MechanismCutoff: date("2025-12-31"),
		Fields:   nomination.SeedFields,
		Schedule: nomination.Schedule{RecognitionBy: date("2026-05-31"), CatalogueBy: date("2026-06-30"), ListBy: date("2026-06-30")}}
}

// ready is a provincial association's file for spec2026, complete but
// for its public notice.
func ready(t *testing.T) (*nomination.File, *nomination.Cycle, domain.Actor, policy.Policy) {
	t.Helper()
	p := policy.Default()
	start := at("2026-01-20")
	c := nomination.NewCycle(uuid.New())
	if err := c.Open(staff, true, spec2026(), p, start); err != nil {
		t.Fatal(err)
	}
	unit := uuid.New()
	a := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: unit, Authority: assoc}
	f := nomination.NewFile(nomination.FileID(c.ID(), unit))
	if err := f.Start(a, org.ProvincialAssociation, c, start); err != nil {
		t.Fatal(err)
	}
	rec := nomination.Recommendation{Name: "全国示范学术年会", Host: "示范学会", Opening: date("2026-09-01"), Kind: nomination.Mechanism,
		Editions: []nomination.Edition{{Number: 7, Date: date("2024-09-01")}, {Number: 8, Date: date("2025-09-01")}}}
	if _, err := f.AddRecommendation(a, rec, c.Spec(), p, uuid.New(), start); err != nil {
		t.Fatal(err)
	}
	scan := uuid.New()
	for _, err := range []error{
		f.SaveScheme(a, nomination.Scheme{Principles: "公开公正", Standards: "学术水平", Process: "专家提名、评审、公示", Contact: nomination.Contact{Name: "联络员", Mobile: "13800000009"}}, p, start),
		f.SetCommittee(a, committee(5), p, start),
		f.RecordOpinion(a, nomination.Opinion{Result: "同意推荐", Opinion: "会议学术水平高", Scan: scan}, p, start),
		f.SignList(a, scan, start),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return f, c, a, p
}

func publish(t *testing.T, f *nomination.File, a domain.Actor, starts string) {
	t.Helper()
	if err := f.PublishNotice(a, nomination.PublishNotice{Starts: date(starts), Where: "https://society.example/notice"}, workday.Shipped(), at(starts)); err != nil {
		t.Fatal(err)
	}
}

// noticed puts the list of a 2023 file on notice from starts (published
// that day), on p's calendar with 2023 added (weekends only: no holiday
// between 3 January and 4 April 2023), so the seed's cycle can submit.
func noticed(t *testing.T, f *nomination.File, a domain.Actor, p *policy.Policy, starts domain.Date) {
	t.Helper()
	if _, ok := p.WorkCalendar.Year(2023); !ok {
		p.WorkCalendar = p.WorkCalendar.With(workday.Year{Year: 2023, Source: workday.Source{Title: "test: weekends only"}})
	}
	if err := f.PublishNotice(a, nomination.PublishNotice{Starts: starts, Where: "https://society.example/notice"}, p.WorkCalendar, starts.Time()); err != nil {
		t.Fatal(err)
	}
}

// refusedBy reports whether err is a 409 naming rule.
func refusedBy(err error, rule string) bool {
	var se *domain.StateError
	return errors.As(err, &se) && se.Rule == rule
}

// TestNoticeR_NOM_04_AcrossSpringFestival: the list's submission waits for
// a notice of five full working days on China's calendar, here across the
// Spring Festival of 2026 with a make-up Saturday on each side (14 and 28
// February). Published on Wednesday 11 February it runs 11, 12, 13,
// Saturday 14 (make-up: counts), then, the holiday (15–23) extending it,
// Tuesday 24: submitted on the 24th it has run four days (refused), on
// the 25th five (passed). A plain Monday-to-Friday count would have let it
// through on the 18th.
func TestNoticeR_NOM_04_AcrossSpringFestival(t *testing.T) {
	f, c, a, p := ready(t)
	if err := f.Submit(a, c, p, at("2026-02-10")); !refusedBy(err, "R-NOM-04") || !strings.Contains(err.Error(), "not been put on public notice") {
		t.Fatalf("submitted without a notice: %v", err)
	}
	publish(t, f, a, "2026-02-11")
	for _, tc := range []struct {
		day string
		ran int
	}{{"2026-02-11", 0}, {"2026-02-18", 4}, {"2026-02-23", 4}, {"2026-02-24", 4}} {
		err := f.Submit(a, c, p, at(tc.day))
		if !refusedBy(err, "R-NOM-04") || !strings.Contains(err.Error(), "from 2026-02-25") {
			t.Errorf("R-NOM-04 submitted on %s: %v; want refused, submittable from 2026-02-25", tc.day, err)
		}
		if s, err := f.NoticeState(p.WorkCalendar, date(tc.day)); err != nil || s.Ran != tc.ran || s.Complete {
			t.Errorf("state on %s: %+v %v; want %d days run", tc.day, s, err, tc.ran)
		}
	}
	s, _ := f.NoticeState(p.WorkCalendar, date("2026-02-24"))
	if s.LastDay != date("2026-02-24") || s.SubmittableFrom != date("2026-02-25") {
		t.Errorf("notice %+v", s)
	}
	var se *domain.StateError
	if err := f.Submit(a, c, p, at("2026-02-24")); !errors.As(err, &se) || !strings.Contains(se.Zh, "已满4个工作日") {
		t.Errorf("the Chinese refusal: %v", err)
	}
	if err := f.Submit(a, c, p, at("2026-02-25")); err != nil || f.Status() != nomination.StatusSubmitted {
		t.Fatalf("R-NOM-04 day 5: %v (%s)", err, f.Status())
	}
}

// TestNoticeR_NOM_04_MakeUpSaturdayCounts: published on Tuesday 24
// February, after the holiday, the notice runs 24–27 and the make-up
// Saturday 28: on Saturday it has run four days (refused), on Sunday 1
// March five (passed), not Tuesday 3 March as without the make-up day.
func TestNoticeR_NOM_04_MakeUpSaturdayCounts(t *testing.T) {
	f, c, a, p := ready(t)
	publish(t, f, a, "2026-02-24")
	if err := f.Submit(a, c, p, at("2026-02-28")); !refusedBy(err, "R-NOM-04") {
		t.Errorf("R-NOM-04 day 4, the make-up Saturday running: %v", err)
	}
	if err := f.Submit(a, c, p, at("2026-03-01")); err != nil {
		t.Errorf("R-NOM-04 day 5, the make-up Saturday run: %v", err)
	}
}

// TestNoticeR_NOM_04_Publication: what a publication needs, and a list
// changed after it is noticed again before it is submitted.
func TestNoticeR_NOM_04_Publication(t *testing.T) {
	f, c, a, p := ready(t)
	cal := workday.Shipped()
	err := f.PublishNotice(a, nomination.PublishNotice{Starts: date("2026-02-10"), WorkingDays: 4}, cal, at("2026-02-11"))
	if got := rulesOf(err); !slices.Equal(got, []string{"starts R-NOM-04", "workingDays R-NOM-04", "where R-NOM-04"}) {
		t.Errorf("a bad publication: %v", got)
	}
	before := len(f.Pending())
	other := a
	other.OrgID = uuid.New()
	if err := f.PublishNotice(other, nomination.PublishNotice{Starts: date("2026-02-11"), Where: "x"}, cal, at("2026-02-11")); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("another unit publishes: %v", err)
	}
	// Into a year the calendar does not hold: its last day would be a guess.
	late := nomination.PublishNotice{Starts: date("2027-12-28"), Where: "x"}
	if err := f.PublishNotice(a, late, cal, at("2027-12-28")); !refusedBy(err, workday.Rule) || !strings.Contains(err.Error(), "2028") {
		t.Errorf("a notice into 2028: %v", err)
	}
	if n := len(f.Pending()); n != before {
		t.Fatalf("refusals recorded %d events", n-before)
	}
	publish(t, f, a, "2026-03-02") // Monday: runs to Friday 6 March
	if err := f.PublishNotice(a, nomination.PublishNotice{Starts: date("2026-03-03"), Where: "x"}, cal, at("2026-03-03")); !refusedBy(err, "R-NOM-04") {
		t.Errorf("published twice, the list unchanged: %v", err)
	}
	rec := nomination.Recommendation{Name: "示范青年学者论坛", Host: "他会", Opening: date("2026-10-10"), Kind: nomination.Single, Reason: "服务重大战略需求"}
	if _, err := f.AddRecommendation(a, rec, c.Spec(), p, uuid.New(), at("2026-03-04")); err != nil {
		t.Fatal(err)
	}
	if err := f.Submit(a, c, p, at("2026-03-09")); !refusedBy(err, "R-NOM-04") || !strings.Contains(err.Error(), "publish it again") {
		t.Errorf("R-NOM-04 the list changed after its notice: %v", err)
	}
	publish(t, f, a, "2026-03-09")
	if err := f.Submit(a, c, p, at("2026-03-13")); !refusedBy(err, "R-NOM-04") {
		t.Errorf("R-NOM-04 the new notice on its fifth day: %v", err)
	}
	if err := f.Submit(a, c, p, at("2026-03-16")); err != nil {
		t.Errorf("R-NOM-04 the new notice run: %v", err)
	}
}

// TestNoticeR_NOM_04_Objections: objections raised during the notice are
// recorded and handled before the list is submitted.
func TestNoticeR_NOM_04_Objections(t *testing.T) {
	f, c, a, p := ready(t)
	cal := workday.Shipped()
	if err := f.RecordObjection(a, uuid.New(), date("2026-02-11"), "某专家", "异议", cal, at("2026-02-11")); !refusedBy(err, "R-NOM-04") {
		t.Errorf("an objection before any notice: %v", err)
	}
	publish(t, f, a, "2026-02-11")
	id := uuid.New()
	for _, tc := range []struct{ raised, today string }{
		{"2026-02-10", "2026-02-12"}, // before the notice
		{"2026-02-25", "2026-02-26"}, // after its last day, 24 February
		{"2026-02-13", "2026-02-12"}, // not raised yet
	} {
		if got := rulesOf(f.RecordObjection(a, id, date(tc.raised), "某专家", "该会议届次不连续", cal, at(tc.today))); !slices.Equal(got, []string{"raisedOn R-NOM-04"}) {
			t.Errorf("an objection raised %s recorded on %s: %v", tc.raised, tc.today, got)
		}
	}
	if err := f.RecordObjection(a, id, date("2026-02-24"), "某专家", "该会议届次不连续", cal, at("2026-02-26")); err != nil {
		t.Fatalf("an objection raised on the last day: %v", err)
	}
	if err := f.Submit(a, c, p, at("2026-02-26")); !refusedBy(err, "R-NOM-04") || !strings.Contains(err.Error(), "not handled") {
		t.Errorf("R-NOM-04 submitted with an objection unhandled: %v", err)
	}
	if got := rulesOf(f.HandleObjection(a, id, "ignored", " ", at("2026-02-26"))); !slices.Equal(got, []string{"outcome R-NOM-04", "handling R-NOM-04"}) {
		t.Errorf("a handling without outcome and text: %v", got)
	}
	if err := f.HandleObjection(a, uuid.New(), nomination.ObjectionDismissed, "经核实", at("2026-02-26")); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("an unknown objection: %v", err)
	}
	if err := f.HandleObjection(a, id, nomination.ObjectionDismissed, "经核实，第7、8届连续举办", at("2026-02-26")); err != nil {
		t.Fatal(err)
	}
	if err := f.HandleObjection(a, id, nomination.ObjectionUpheld, "再次", at("2026-02-26")); !refusedBy(err, "R-NOM-04") {
		t.Errorf("handled twice: %v", err)
	}
	s, _ := f.NoticeState(cal, date("2026-02-26"))
	if len(s.Objections) != 1 || s.Objections[0].Outcome != nomination.ObjectionDismissed || s.Unhandled != 0 {
		t.Errorf("objections %+v", s.Objections)
	}
	// The stored events fold back into the same notice.
	again := nomination.NewFile(f.ID())
	for _, e := range f.History() {
		again.Apply(e)
	}
	if s2, _ := again.NoticeState(cal, date("2026-02-26")); !s2.Complete || s2.Objections[0].Handling != "经核实，第7、8届连续举办" {
		t.Errorf("replayed %+v", s2)
	}
	if err := f.Submit(a, c, p, at("2026-02-26")); err != nil {
		t.Errorf("R-NOM-04 submitted with the objection handled: %v", err)
	}
}

// A notice into 2027 says which provisional years it counted on.
func TestNoticeStateNamesProvisionalYears(t *testing.T) {
	f, _, a, _ := ready(t)
	cal := workday.Shipped()
	if err := f.PublishNotice(a, nomination.PublishNotice{Starts: date("2026-12-28"), Where: "公告栏"}, cal, at("2026-12-28")); err != nil {
		t.Fatal(err)
	}
	s, err := f.NoticeState(cal, date("2026-12-29"))
	if err != nil || s.LastDay != date("2027-01-04") || !slices.Equal(s.ProvisionalYears, []int{2027}) {
		t.Errorf("a notice into 2027: %+v %v", s, err)
	}
}

func TestNoticeEventsDecodeByName(t *testing.T) {
	for _, name := range nomination.NoticeEventTypes() {
		e, err := nomination.Decode(name, []byte(`{}`))
		if err != nil || e.EventType() != name {
			t.Errorf("%s: %v %v", name, e, err)
		}
	}
}
