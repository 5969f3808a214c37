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

// starting is validForm moved to a one-day conference on start, committed
// and programmed that day.
func starting(start domain.Date, edit func(*declaration.Form)) declaration.Form {
	f := validForm()
	f.Basic.StartDate, f.Basic.EndDate, f.Basic.CommitmentDate = start, start, start
	f.Agenda[0].Date = start
	if edit != nil {
		edit(&f)
	}
	return f
}

// R-DECL-15: submit checks completeness and reports every error at once,
// with paths into the sections.
func TestSubmitIncomplete(t *testing.T) {
	d := started(t)
	saveAll(t, d, declaration.Form{
		Hosting:  []declaration.Organisation{{Foreign: true}},
		Budget:   []declaration.BudgetLine{{Source: declaration.SelfRaised, Amount: "1"}, {}, {Source: declaration.OtherSource, Amount: "0"}},
		Content:  declaration.Content{Topics: []string{""}, PreviousEditions: []declaration.Edition{{}}},
		People:   declaration.People{Foreign: []declaration.Person{{Name: "Jane Roe"}}},
		Agenda:   []declaration.AgendaItem{{}},
		Contacts: []declaration.Contact{{Kind: declaration.ConferenceContact}},
	})
	got := fieldErrors(t, d.Submit(applicant, false, nil, pol, rules, submitDay))
	want := []string{
		"applicant.name R-DECL-15", "applicant.title R-DECL-15", "applicant.unit R-DECL-15",
		"applicant.department R-DECL-15", "applicant.mobile R-DECL-15", "applicant.email R-DECL-15",
		"basic.nameZh R-FC-03", "basic.nameEn R-FC-03", "basic.startDate R-DECL-04", "basic.endDate R-DECL-04",
		"basic.commitmentDate R-DECL-04", "basic.location R-DECL-07", "basic.province R-DECL-07",
		"basic.address R-DECL-07", "basic.type R-CLS-01", "basic.scale R-CLS-05",
		"attendance.foreign R-DECL-08",
		"hosting[0].role R-DECL-09", "hosting[0].nameZh R-DECL-09", "hosting[0].nameEn R-DECL-09",
		"hosting[0].website R-DECL-20", "hosting[0].background R-DECL-20", "hosting[0].websiteChecked R-DECL-20",
		"hosting R-DECL-09",
		"budget[1].source R-DECL-10", "budget[1].amount R-DECL-10", "budget[2].amount R-DECL-10", "budget[2].explanation R-DECL-10",
		"content.theme R-DECL-12", "content.topics[0] R-DECL-12", "content.previousEditions[0].date R-DECL-12",
		"content.previousEditions[0].place R-DECL-12", "content.previousEditions[0].host R-DECL-12",
		"content.taiwanStatement R-DECL-12", "content.background R-DECL-12",
		"people.foreign[0].nationality R-DECL-13", "people.foreign[0].institution R-DECL-13",
		"people.foreign[0].title R-DECL-13", "people.chairs R-DECL-13",
		"agenda[0].date R-DECL-14", "agenda[0].time R-DECL-14", "agenda[0].participants R-DECL-14", "agenda[0].content R-DECL-14",
		"contacts[0].name R-DECL-14", "contacts[0].phone R-DECL-14", "contacts[0].email R-DECL-14", "contacts R-DECL-14",
		"commitmentAcknowledged R-DECL-02",
	}
	if !sameErrors(got, want) {
		t.Errorf("errors =\n%q\nwant\n%q", got, want)
	}
	if d.Status() != declaration.StatusDraft || len(d.Pending()) != 11 {
		t.Errorf("Status() = %s with %d pending; want draft, nothing recorded by the refusal", d.Status(), len(d.Pending()))
	}
}

// R-DECL-04, R-DECL-05, R-CLS-00: lead times by tier, both sides of every
// count threshold and of every lead time, computed as the start date minus
// calendar months (R-POL-02).
func TestSubmitLeadTime(t *testing.T) {
	now := shanghai(2026, time.October, 15, 9, 0, 0)
	counts := func(typ classify.Type, foreign, mainland int, sensitive bool) func(*declaration.Form) {
		return func(f *declaration.Form) {
			f.Basic.Type, f.Basic.Scale = typ, classify.Major // declaring higher is allowed
			f.Attendance = declaration.Attendance{Foreign: foreign, Mainland: mainland}
			f.Statements.Flags.Sensitive = sensitive
		}
	}
	social, natural := classify.SocialScience, classify.NaturalScience
	fourMonths, fourLess := date(2027, time.February, 15), date(2027, time.February, 14)
	fiveMonths, fiveLess := date(2027, time.March, 15), date(2027, time.March, 14)
	tests := []struct {
		name  string
		start domain.Date
		edit  func(*declaration.Form)
		want  []string
	}{
		{"R-DECL-04 two months 30 days: under the floor", date(2027, time.January, 14), counts(natural, 40, 100, false), []string{"basic.startDate R-DECL-04"}},
		{"R-DECL-04 exactly 3 months passes the floor, not the 4-month tier", date(2027, time.January, 15), counts(natural, 40, 100, false), []string{"basic.startDate R-DECL-05"}},

		{"R-DECL-05 social 99 foreign, 399 total: 4 months", fourMonths, counts(social, 99, 300, false), nil},
		{"R-DECL-05 social 99 foreign, 399 total: a day short of 4 months", fourLess, counts(social, 99, 300, false), []string{"basic.startDate R-DECL-05"}},
		{"R-DECL-05 social 100 foreign: 4 months is too late", fourMonths, counts(social, 100, 0, false), []string{"basic.startDate R-DECL-05"}},
		{"R-DECL-05 social 100 foreign: 3 months 29 days is too late", date(2027, time.February, 13), counts(social, 100, 0, false), []string{"basic.startDate R-DECL-05"}},
		{"R-DECL-05 social 100 foreign: exactly 5 months", fiveMonths, counts(social, 100, 0, false), nil},
		{"R-DECL-05 social 100 foreign: a day short of 5 months", fiveLess, counts(social, 100, 0, false), []string{"basic.startDate R-DECL-05"}},
		{"R-DECL-05 social 400 total: 5 months", fourMonths, counts(social, 50, 350, false), []string{"basic.startDate R-DECL-05"}},
		{"R-DECL-05 social 400 total: exactly 5 months", fiveMonths, counts(social, 50, 350, false), nil},
		{"R-DECL-05 social sensitive, small: 5 months", fourMonths, counts(social, 5, 20, true), []string{"basic.startDate R-DECL-05"}},
		{"R-DECL-05 social sensitive: exactly 5 months", fiveMonths, counts(social, 5, 20, true), nil},

		{"R-DECL-05 natural 299 foreign, 799 total: 4 months", fourMonths, counts(natural, 299, 500, false), nil},
		{"R-DECL-05 natural 299 foreign, 799 total: a day short", fourLess, counts(natural, 299, 500, false), []string{"basic.startDate R-DECL-05"}},
		{"R-DECL-05 natural 300 foreign: 4 months is too late", fourMonths, counts(natural, 300, 0, false), []string{"basic.startDate R-DECL-05"}},
		{"R-DECL-05 natural 300 foreign: exactly 5 months", fiveMonths, counts(natural, 300, 0, false), nil},
		{"R-DECL-05 natural 800 total: 4 months is too late", fourMonths, counts(natural, 100, 700, false), []string{"basic.startDate R-DECL-05"}},
		{"R-DECL-05 natural 800 total: exactly 5 months", fiveMonths, counts(natural, 100, 700, false), nil},
		{"R-DECL-05 natural sensitive: 4 months is too late", fourMonths, counts(natural, 10, 10, true), []string{"basic.startDate R-DECL-05"}},
		{"R-DECL-05 natural sensitive: 5 months", fiveMonths, counts(natural, 10, 10, true), nil},
		{"R-DECL-05 small natural: 4 months", fourMonths, counts(natural, 30, 10, false), nil},
		{"R-DECL-05 small natural: a day short of 4 months", fourLess, counts(natural, 30, 10, false), []string{"basic.startDate R-DECL-05"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := filled(t, starting(tt.start, tt.edit))
			got := fieldErrors(t, d.Submit(applicant, true, nil, pol, rules, now))
			if !sameErrors(got, tt.want) {
				t.Errorf("Submit on 2026-10-15 for a start on %s: errors %q; want %q", tt.start, got, tt.want)
			}
		})
	}
}

// R-DECL-05, R-POL-02: "N months before" is the start date minus N calendar
// months, clamped at month ends, read on the Asia/Shanghai calendar date.
func TestSubmitMonthEndsAndShanghai(t *testing.T) {
	major := func(f *declaration.Form) {
		f.Basic.Type, f.Basic.Scale = classify.SocialScience, classify.Major
		f.Attendance = declaration.Attendance{Foreign: 100, Mainland: 50}
	}
	tests := []struct {
		name  string
		now   time.Time
		start domain.Date
		edit  func(*declaration.Form)
		want  string
	}{
		{"R-DECL-05 submitted 2026-10-31, start 2027-03-31 is exactly 5 months", submitDay, date(2027, time.March, 31), major, "ok"},
		{"R-DECL-05 submitted 2026-10-31, start 2027-03-30 is not", submitDay, date(2027, time.March, 30), major, "validation"},
		// 2027-02-28 minus 4 months is 2026-10-28: too late on 2026-10-31.
		{"R-POL-02 regular, start 2027-02-28 minus 4 months is 2026-10-28", submitDay, date(2027, time.February, 28), nil, "validation"},
		{"R-POL-02 regular, start 2027-03-01 minus 4 months is 2026-11-01", submitDay, date(2027, time.March, 1), nil, "ok"},
		{"R-POL-02 23:59:59 in Shanghai is still 2026-10-31", time.Date(2026, time.October, 31, 15, 59, 59, 0, time.UTC), date(2027, time.March, 31), major, "ok"},
		{"R-POL-02 16:00 UTC on 2026-10-31 is 2026-11-01 in Shanghai", time.Date(2026, time.October, 31, 16, 0, 0, 0, time.UTC), date(2027, time.March, 31), major, "validation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := filled(t, starting(tt.start, tt.edit))
			err := d.Submit(applicant, true, nil, pol, rules, tt.now)
			if got := outcome(err); got != tt.want {
				t.Fatalf("Submit = %s (%v); want %s", got, err, tt.want)
			}
			if err != nil {
				var ve *domain.ValidationError
				errors.As(err, &ve)
				if f := ve.Fields[0]; f.Path != "basic.startDate" || f.Rule != "R-DECL-05" || !strings.Contains(f.Zh, "最迟应于") {
					t.Errorf("error %+v; want basic.startDate R-DECL-05 naming the last day", f)
				}
			}
		})
	}
}

// R-DECL-02, R-DECL-06, R-DECL-07, R-DECL-10..14, R-DECL-20, R-CLS-05: the
// rules submit adds to the draft checks.
func TestSubmitRules(t *testing.T) {
	tests := []struct {
		name string
		edit func(*declaration.Form)
		want []string
	}{
		{"complete declaration", func(*declaration.Form) {}, nil},
		{"R-DECL-06 national leaders invited", func(f *declaration.Form) { f.Statements.Flags.NationalLeaders = true },
			[]string{"statements.flags.nationalLeaders R-DECL-06", "basic.scale R-CLS-05"}},
		{"R-DECL-06 foreign dignitaries invited", func(f *declaration.Form) {
			f.Statements.Flags.ForeignMinisters, f.Basic.Scale = true, classify.Major
		}, []string{"statements.flags.foreignMinisters R-DECL-06"}},
		{"R-DECL-11 default statements pass", func(f *declaration.Form) { f.Statements = declaration.Statements{} }, nil},
		{"R-CLS-05 declared general, 300 foreign natural is major", func(f *declaration.Form) {
			f.Attendance.Foreign = 300
			f.Basic.StartDate, f.Basic.EndDate = date(2027, time.April, 20), date(2027, time.April, 22)
		}, []string{"basic.scale R-CLS-05"}},
		{"R-CLS-05 declared major, computed general", func(f *declaration.Form) { f.Basic.Scale = classify.Major }, nil},
		{"R-DECL-07 other city without the local approval", func(f *declaration.Form) { f.Basic.Location = declaration.OtherCity },
			[]string{"basic.localApproval R-DECL-07"}},
		{"R-DECL-07 other city with the local approval", func(f *declaration.Form) {
			f.Basic.Location, f.Basic.LocalApproval = declaration.OtherCity, file("外办批复.pdf")
		}, nil},
		{"R-DECL-09 no host", func(f *declaration.Form) { f.Hosting = f.Hosting[1:] }, []string{"hosting R-DECL-09"}},
		{"R-DECL-20 foreign co-host without background or website check", func(f *declaration.Form) {
			f.Hosting = append(f.Hosting, declaration.Organisation{Role: forecast.Joint, NameZh: "示例学会", NameEn: "Example Society", Foreign: true, Website: "https://society.example.org"})
		}, []string{"hosting[2].background R-DECL-20", "hosting[2].websiteChecked R-DECL-20"}},
		{"R-DECL-20 foreign co-host complete", func(f *declaration.Form) {
			f.Hosting = append(f.Hosting, declaration.Organisation{Role: forecast.Joint, NameZh: "示例学会", NameEn: "Example Society",
				Foreign: true, Website: "https://society.example.org", WebsiteChecked: true, Background: file("背景资料.pdf")})
		}, nil},
		{"R-DECL-10 no budget", func(f *declaration.Form) { f.Budget = nil }, []string{"budget R-DECL-10"}},
		{"R-DECL-10 other with explanation", func(f *declaration.Form) {
			f.Budget = append(f.Budget, declaration.BudgetLine{Source: declaration.OtherSource, Amount: "100", Explanation: "校友捐赠"})
		}, nil},
		{"R-DECL-12 no topics", func(f *declaration.Form) { f.Content.Topics = nil }, []string{"content.topics R-DECL-12"}},
		{"R-DECL-12 previous edition after this one", func(f *declaration.Form) { f.Content.PreviousEditions[0].Date = f.Basic.StartDate },
			[]string{"content.previousEditions[0].date R-DECL-12"}},
		{"R-DECL-13 no chair", func(f *declaration.Form) { f.People.Chairs = nil }, []string{"people.chairs R-DECL-13"}},
		{"R-DECL-13 foreign representative without nationality", func(f *declaration.Form) { f.People.Foreign[0].Nationality = "" },
			[]string{"people.foreign[0].nationality R-DECL-13"}},
		{"R-DECL-14 no international-office contact", func(f *declaration.Form) { f.Contacts = f.Contacts[:1] }, []string{"contacts R-DECL-14"}},
		{"R-DECL-14 no contact at all", func(f *declaration.Form) { f.Contacts = nil }, []string{"contacts R-DECL-14", "contacts R-DECL-14"}},
		{"R-DECL-14 no agenda", func(f *declaration.Form) { f.Agenda = nil }, []string{"agenda R-DECL-14"}},
		{"R-DECL-14 agenda outside the conference", func(f *declaration.Form) { f.Agenda[0].Date = date(2027, time.April, 23) },
			[]string{"agenda[0].date R-DECL-14"}},
		{"R-DECL-04 commitment date already past", func(f *declaration.Form) { f.Basic.CommitmentDate = date(2026, time.October, 30) },
			[]string{"basic.commitmentDate R-DECL-04"}},
		{"R-DECL-04 commitment on the submission day", func(f *declaration.Form) { f.Basic.CommitmentDate = date(2026, time.October, 31) }, nil},
		{"R-DECL-08 no foreign guests", func(f *declaration.Form) { f.Attendance.Foreign = 0 }, []string{"attendance.foreign R-DECL-08"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := validForm()
			tt.edit(&f)
			d := filled(t, f)
			got := fieldErrors(t, d.Submit(applicant, true, nil, pol, rules, submitDay))
			if !sameErrors(got, tt.want) {
				t.Errorf("errors = %q; want %q", got, tt.want)
			}
		})
	}
}

// R-DECL-06: the refusal says a separate paper request is required.
func TestSubmitNationalLeadersMessage(t *testing.T) {
	f := validForm()
	f.Statements.Flags.NationalLeaders, f.Basic.Scale = true, classify.Major
	err := filled(t, f).Submit(applicant, true, nil, pol, rules, submitDay)
	var ve *domain.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 1 {
		t.Fatalf("Submit = %v; want one field error", err)
	}
	if e := ve.Fields[0]; !strings.Contains(e.Message, "separate paper request") || !strings.Contains(e.Zh, "另文报批") {
		t.Errorf("error %+v; want it to say a separate paper request (另文报批) is required", e)
	}
}

// R-DECL-02: the commitment letter is acknowledged on submit.
func TestSubmitCommitmentLetter(t *testing.T) {
	d := filled(t, validForm())
	if got := fieldErrors(t, d.Submit(applicant, false, nil, pol, rules, submitDay)); !sameErrors(got, []string{"commitmentAcknowledged R-DECL-02"}) {
		t.Errorf("Submit without the commitment letter = %q; want commitmentAcknowledged R-DECL-02", got)
	}
	if err := d.Submit(applicant, true, nil, pol, rules, submitDay); err != nil {
		t.Errorf("Submit with it = %v; want nil", err)
	}
}

// R-SUM-02: an overdue summary blocks submission; nil does not.
func TestSubmitBlockedByOverdueSummary(t *testing.T) {
	d := filled(t, validForm())
	overdue := &declaration.OverdueRef{DeclarationID: uuid.New(), NameZh: "表面科学国际研讨会", DueDate: date(2026, time.September, 30)}
	err := d.Submit(applicant, true, overdue, pol, rules, submitDay)
	if got := outcome(err); got != "state R-SUM-02" {
		t.Fatalf("Submit with an overdue summary = %s; want state R-SUM-02", got)
	}
	var se *domain.StateError
	errors.As(err, &se)
	if !strings.Contains(se.Zh, "表面科学国际研讨会") || !strings.Contains(se.Message, "2026-09-30") {
		t.Errorf("state error %+v; want it to name the conference and the due date", se)
	}
	if len(d.Pending()) != 11 {
		t.Error("a refused submit recorded an event")
	}
}

// R-DECL-05, R-DECL-11, R-CLS-05: the submission records the computed
// category, the filing mode, the file-by date and the NGO deadline.
func TestSubmitRecordsLead(t *testing.T) {
	tests := []struct {
		name string
		f    declaration.Form
		want declaration.Lead
	}{
		{"R-DECL-05 regular: online, 3 months before", validForm(), declaration.Lead{
			Category: classify.General, SubmitBy: date(2026, time.December, 20), Filing: declaration.FilingOnline, FileBy: date(2027, time.January, 20)}},
		{"R-DECL-05 major: paper, 4 months before, clamped to 2026-11-30", starting(date(2027, time.March, 31), func(f *declaration.Form) {
			f.Basic.Type, f.Basic.Scale = classify.SocialScience, classify.Major
			f.Attendance.Foreign = 100
		}), declaration.Lead{Category: classify.Major, SubmitBy: date(2026, time.October, 31), Filing: declaration.FilingPaper, FileBy: date(2026, time.November, 30)}},
		{"R-DECL-11 overseas NGO: filed 15 days before", starting(date(2027, time.April, 10), func(f *declaration.Form) { f.Statements.OverseasNGO = true }),
			declaration.Lead{Category: classify.General, SubmitBy: date(2026, time.December, 10), Filing: declaration.FilingOnline,
				FileBy: date(2027, time.January, 10), NGOFileBy: date(2027, time.March, 26)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := filled(t, tt.f)
			if err := d.Submit(applicant, true, nil, pol, rules, submitDay); err != nil {
				t.Fatal(err)
			}
			events := d.Pending()
			e, ok := events[len(events)-1].(declaration.Submitted)
			if !ok || e.EventType() != "declaration.submitted" || !e.At.Equal(submitDay) {
				t.Fatalf("last event = %+v; want declaration.submitted at %v", events[len(events)-1], submitDay)
			}
			if e.Lead != tt.want || d.Lead() != tt.want {
				t.Errorf("Lead = %+v; want %+v", e.Lead, tt.want)
			}
			// R-DECL-19, R-POL-01: the similar-conference check in force
			// travels with the submission.
			if e.Similar != rules.Similar {
				t.Errorf("Similar = %+v; want the policy's %+v", e.Similar, rules.Similar)
			}
			fileBy, filing := d.FilingDeadline()
			ngo, hasNGO := d.NGOFilingDeadline()
			if d.Category() != tt.want.Category || fileBy != tt.want.FileBy || filing != tt.want.Filing ||
				ngo != tt.want.NGOFileBy || hasNGO != !tt.want.NGOFileBy.IsZero() {
				t.Errorf("accessors: %s, %s %s, %s %v; want them to match %+v", d.Category(), fileBy, filing, ngo, hasNGO, tt.want)
			}
			if d.Status() != declaration.StatusSubmitted || !d.SubmittedAt().Equal(submitDay) {
				t.Errorf("Status() = %s, SubmittedAt() = %v; want submitted at %v", d.Status(), d.SubmittedAt(), submitDay)
			}
		})
	}
}

// R-DECL-01, R-CLS-02: a declaration started without a forecast must still
// be a small natural-science conference when submitted.
func TestSubmitDirectStaysSmall(t *testing.T) {
	for _, tt := range []struct {
		foreign int
		want    []string
	}{
		{30, nil},
		{31, []string{"attendance.foreign R-DECL-01", "basic.scale R-CLS-05"}},
	} {
		d := declaration.New(uuid.New())
		f := validForm()
		f.Attendance.Foreign = 10
		if err := d.StartDirect(applicant, f, true, pol, rules, submitDay); err != nil {
			t.Fatal(err)
		}
		f.Basic.Scale = classify.Small
		f.Attendance.Foreign = tt.foreign
		saveAll(t, d, f)
		got := fieldErrors(t, d.Submit(applicant, true, nil, pol, rules, submitDay))
		if !sameErrors(got, tt.want) {
			t.Errorf("direct declaration with %d foreign guests: errors %q; want %q", tt.foreign, got, tt.want)
		}
	}
}
