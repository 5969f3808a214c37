package funding_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/domaintest"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/policy"
)

// The seed's days are Beijing days: each boundary below is taken at the
// instant it turns, one nanosecond before and at it, and written in UTC
// where Beijing's day differs from UTC's, so that a check judged by the
// UTC day, or by a day off by one, fails.

// lastInstant is the last nanosecond of d in Beijing.
func lastInstant(d domain.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, domain.Shanghai).AddDate(0, 0, 1).Add(-time.Nanosecond)
}

// firstInstant is midnight at the start of d in Beijing.
func firstInstant(d domain.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, domain.Shanghai)
}

// TestCallInstantsR_FUND_03: the call takes submissions from its first day's
// first instant to its closing day's last (9月中旬截止申报, 逾期提交视为无效),
// for conferences opening in the call's year (以会议开幕日期为准): 1 January
// and 31 December of it in, the days either side out; each refusal names
// its field, the rule and the day expected, and records nothing.
func TestCallInstantsR_FUND_03(t *testing.T) {
	p := policy.Default()
	call := policy.FundingCall{Bureau: place.Bureau, Year: 2028, Opens: day(2027, time.May, 20), Closes: day(2027, time.September, 15), BudgetFen: 1_000_000_00}
	open := funding.Facts{Call: call, HasCall: true}
	draft := func(t *testing.T, opening domain.Date) *funding.Funding {
		t.Helper()
		app := valid()
		app.Conference.OpeningDate, app.Conference.ClosingDate = opening, opening.AddDays(2)
		f := funding.New(uuid.New())
		if err := f.Draft(admin, place, app, p, firstInstant(day(2027, time.May, 1))); err != nil {
			t.Fatal(err)
		}
		return fold(t, f)
	}
	inYear := day(2028, time.May, 10)
	for _, c := range []struct {
		name    string
		at      time.Time
		opening domain.Date
		want    string // "path rule", "" when accepted
		expect  string // the day or year the refusal names
	}{
		{"the instant before the call opens", lastInstant(day(2027, time.May, 19)), inYear, "submittedOn R-FUND-03", "2027-05-20"},
		{"the instant it opens", firstInstant(day(2027, time.May, 20)), inYear, "", ""},
		{"the instant it opens, in UTC", time.Date(2027, time.May, 19, 16, 0, 0, 0, time.UTC), inYear, "", ""},
		{"the last instant of the closing day", lastInstant(day(2027, time.September, 15)), inYear, "", ""},
		{"the last instant of the closing day, in UTC", time.Date(2027, time.September, 15, 15, 59, 59, 999_999_999, time.UTC), inYear, "", ""},
		{"the first instant after it, in UTC", time.Date(2027, time.September, 15, 16, 0, 0, 0, time.UTC), inYear, "submittedOn R-FUND-03", "2027-09-15"},
		{"opening on 1 January of the call's year", firstInstant(day(2027, time.June, 1)), day(2028, time.January, 1), "", ""},
		{"opening on 31 December of the call's year", firstInstant(day(2027, time.June, 1)), day(2028, time.December, 31), "", ""},
		{"opening on 31 December before it", firstInstant(day(2027, time.June, 1)), day(2027, time.December, 31), "conference.openingDate R-FUND-03", "2028"},
		{"opening on 1 January after it", firstInstant(day(2027, time.June, 1)), day(2029, time.January, 1), "conference.openingDate R-FUND-03", "2028"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := draft(t, c.opening)
			err := f.Submit(admin, open, p, c.at)
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if f.Status() != funding.StatusSubmitted {
					t.Errorf("status %s", f.Status())
				}
				return
			}
			if got := domaintest.FieldErrors(t, err); !slices.Equal(got, []string{c.want}) {
				t.Errorf("refusal %q; want %q", got, c.want)
			}
			if !strings.Contains(err.Error(), c.expect) {
				t.Errorf("the refusal does not say %s: %v", c.expect, err)
			}
			if len(f.Pending()) != 0 || f.Status() != funding.StatusDraft {
				t.Errorf("a refusal recorded %d events (%s)", len(f.Pending()), f.Status())
			}
		})
	}
}

// TestPlanInstantsR_FUND_05: a plan decided at the last instant of
// 31 December before the call's year is on time, at the first instant of
// 1 January (16:00 UTC on 31 December) late; the deadline engine records
// the undecided plan overdue at that instant, not the one before.
func TestPlanInstantsR_FUND_05(t *testing.T) {
	p := policy.Default()
	call := policy.FundingCall{Bureau: place.Bureau, Year: 2028, BudgetFen: 300_000_00}
	apps := []funding.PlanApplication{{ID: uuid.New(), Institute: place.Institute, NameZh: "甲会", Category: 1, Status: funding.StatusGranted, RequestedFen: 100_000_00, GrantedFen: 100_000_00}}
	for _, c := range []struct {
		name string
		at   time.Time
		late bool
	}{
		{"the last instant of 31 December", lastInstant(day(2027, time.December, 31)), false},
		{"the last instant of 31 December, in UTC", time.Date(2027, time.December, 31, 15, 59, 59, 999_999_999, time.UTC), false},
		{"the first instant of 1 January, in UTC", time.Date(2027, time.December, 31, 16, 0, 0, 0, time.UTC), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			pl := funding.NewPlan(funding.PlanID(place.Bureau, 2028))
			if err := pl.Decide(reviewer, call, apps, "", p.Text, c.at); err != nil {
				t.Fatal(err)
			}
			if pl.Decided().Late != c.late {
				t.Errorf("late %v; want %v", pl.Decided().Late, c.late)
			}
			undecided := funding.NewPlan(funding.PlanID(place.Bureau, 2028))
			undecided.CheckDeadline(call, c.at)
			if n := len(undecided.Pending()); n != map[bool]int{false: 0, true: 1}[c.late] {
				t.Errorf("the engine recorded %d overdue facts", n)
			}
		})
	}
}

// TestSummaryInstantsR_FUND_06: the summary is due one month after the
// conference ends (会议结束后1个月内), that day included: handed in at its
// last instant it is on time, at the next instant (16:00 UTC) late; the
// engine records it overdue at that instant and not before; a conference
// ending on 31 January is due on the last day of February (29 in a leap
// year, 28 otherwise).
func TestSummaryInstantsR_FUND_06(t *testing.T) {
	p := policy.Default()
	call := policy.FundingCall{Bureau: place.Bureau, Year: 2028, Opens: day(2027, time.May, 1), Closes: day(2027, time.September, 15), BudgetFen: 1_000_000_00}
	granted := func(t *testing.T, closing domain.Date) *funding.Funding {
		t.Helper()
		app := valid()
		app.Conference.OpeningDate, app.Conference.ClosingDate = closing.AddDays(-2), closing
		if closing.Year != 2028 {
			app.Conference.OpeningDate = day(2028, time.December, 30)
		}
		f := funding.New(uuid.New())
		if err := f.Draft(admin, place, app, p, now); err != nil {
			t.Fatal(err)
		}
		if err := f.Submit(admin, funding.Facts{Call: call, HasCall: true}, p, now); err != nil {
			t.Fatal(err)
		}
		if err := f.Grant(reviewer, 100_000_00, "", p, now); err != nil {
			t.Fatal(err)
		}
		return fold(t, f)
	}
	for _, c := range []struct {
		name         string
		closing, due domain.Date
	}{
		{"a month after 12 May", day(2028, time.May, 12), day(2028, time.June, 12)},
		{"a month after 31 January 2028 (leap year)", day(2028, time.January, 31), day(2028, time.February, 29)},
		{"a month after 31 January 2029", day(2029, time.January, 31), day(2029, time.February, 28)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if due, _ := granted(t, c.closing).SummaryDue(p.Funding); due != c.due {
				t.Fatalf("due %s; want %s", due, c.due)
			}
			utcTurn := firstInstant(c.due.AddDays(1)).UTC() // 16:00 UTC on the due day
			for _, x := range []struct {
				at   time.Time
				late bool
			}{{lastInstant(c.due), false}, {utcTurn.Add(-time.Nanosecond), false}, {utcTurn, true}} {
				f := granted(t, c.closing)
				if err := f.FileSummary(admin, "会议总结", nil, p, x.at); err != nil {
					t.Fatalf("summary at %s: %v", x.at, err)
				}
				if s := f.Pending()[len(f.Pending())-1].(funding.SummaryFiled); s.Late != x.late || s.DueDate != c.due {
					t.Errorf("summary at %s: late %v due %s; want late %v", x.at, s.Late, s.DueDate, x.late)
				}
				o := granted(t, c.closing)
				o.CheckDeadlines(p, x.at)
				overdue := slices.ContainsFunc(o.Pending(), func(e funding.Event) bool { return e.EventType() == funding.EventSummaryOverdue })
				if overdue != x.late {
					t.Errorf("the engine at %s recorded overdue %v; want %v", x.at, overdue, x.late)
				}
			}
		})
	}
}
