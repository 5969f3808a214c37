package deadline_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/deadline"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/summary"
)

var (
	confID    = uuid.MustParse("6f1c2a4e-0000-4000-8000-000000000001")
	applicant = domain.Actor{UserID: uuid.MustParse("6f1c2a4e-0000-4000-8000-0000000000aa"), Role: domain.RoleApplicant}
)

func day(y int, m time.Month, d int) domain.Date { return domain.Date{Year: y, Month: m, Day: d} }

func on(d domain.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 23, 59, 0, 0, domain.Shanghai)
}

// approved is a conference from 2027-04-20 to 22, approved by the
// authority, filing due 2027-01-20, NGO filing due 2027-04-05.
func approved() deadline.Conference {
	return deadline.Conference{
		Ref:    deadline.Ref{DeclarationID: confID, NameZh: "测试会议", ApplicantID: applicant.UserID},
		Status: declaration.StatusAuthorityApproved, Submitted: true,
		FileBy: day(2027, 1, 20), NGOFileBy: day(2027, 4, 5),
		OriginalStart: day(2027, 4, 20), End: day(2027, 4, 22),
	}
}

func types(es []deadline.Event) []string {
	var out []string
	for _, e := range es {
		s := e.EventType()
		if r, ok := e.(deadline.Reminded); ok {
			s += "/" + string(r.Kind) + "/" + r.DueDate.String()
		}
		out = append(out, s)
	}
	return out
}

// check runs the engine's decision on today over a tracker with history.
func check(c deadline.Conference, history []deadline.Event, today domain.Date) []string {
	t := deadline.New(confID)
	for _, e := range history {
		t.Apply(e)
	}
	t.Check(c, policy.Default(), on(today))
	return types(t.Pending())
}

func TestSummaryDeadline(t *testing.T) {
	c := approved()
	c.NGOFileBy = domain.Date{}
	t.Run("R-SUM-02 due two calendar months after the end: 2027-06-22 is the last day", func(t *testing.T) {
		if got := check(c, nil, day(2027, 6, 22)); slices.Contains(got, deadline.EventSummaryOverdue) {
			t.Errorf("on the due date: %v", got)
		}
		if got := check(c, nil, day(2027, 6, 23)); !slices.Contains(got, deadline.EventSummaryOverdue) {
			t.Errorf("the day after: %v", got)
		}
	})
	t.Run("R-SUM-02 recorded once per due date", func(t *testing.T) {
		ev := deadline.SummaryOverdue{Passed: deadline.Passed{DueDate: day(2027, 6, 22)}}
		if got := check(c, []deadline.Event{ev}, day(2027, 7, 1)); slices.Contains(got, deadline.EventSummaryOverdue) {
			t.Errorf("again: %v", got)
		}
	})
	t.Run("R-SUM-02 a submitted or accepted summary is not overdue; a returned one is", func(t *testing.T) {
		for s, want := range map[summary.Status]bool{summary.StatusSubmitted: false, summary.StatusAccepted: false,
			summary.StatusReturned: true, summary.StatusDraft: true, "": true} {
			c := c
			c.SummaryStatus = s
			if got := slices.Contains(check(c, nil, day(2027, 7, 1)), deadline.EventSummaryOverdue); got != want {
				t.Errorf("summary %q: overdue recorded %v; want %v", s, got, want)
			}
		}
	})
	t.Run("R-SUM-02 reminders 14 and 3 days before, nearest only, once each", func(t *testing.T) {
		want := deadline.EventReminded + "/summary/2027-06-22"
		// The change window closed long before.
		closed := deadline.ChangeWindowClosed{Passed: deadline.Passed{DueDate: day(2027, 2, 20)}}
		if got := check(c, []deadline.Event{closed}, day(2027, 6, 7)); slices.Contains(got, want) {
			t.Errorf("15 days before: %v", got)
		}
		if got := check(c, []deadline.Event{closed}, day(2027, 6, 8)); !slices.Equal(got, []string{want}) {
			t.Errorf("14 days before: %v", got)
		}
		sent := deadline.Reminded{Kind: deadline.KindSummary, DueDate: day(2027, 6, 22), DaysBefore: 14}
		if got := check(c, []deadline.Event{closed, sent}, day(2027, 6, 10)); len(got) != 0 {
			t.Errorf("12 days before, 14-day reminder sent: %v", got)
		}
		if got := check(c, []deadline.Event{closed, sent}, day(2027, 6, 19)); !slices.Equal(got, []string{want}) {
			t.Errorf("3 days before: %v", got)
		}
		// The engine was down for the 14-day reminder: only the 3-day one.
		tr := deadline.New(confID)
		tr.Apply(closed)
		tr.Check(c, policy.Default(), on(day(2027, 6, 20)))
		if p := tr.Pending(); len(p) != 1 || p[0].(deadline.Reminded).DaysBefore != 3 {
			t.Errorf("late engine: %v", types(p))
		}
	})
}

func TestOtherDeadlines(t *testing.T) {
	t.Run("R-CHG-02 the change window closes 2 months before the original start, recorded once", func(t *testing.T) {
		c := approved()
		if got := check(c, nil, day(2027, 2, 20)); slices.Contains(got, deadline.EventChangeWindowClosed) {
			t.Errorf("on the last day: %v", got)
		}
		if got := check(c, nil, day(2027, 2, 21)); !slices.Contains(got, deadline.EventChangeWindowClosed) {
			t.Errorf("the day after: %v", got)
		}
	})
	t.Run("R-DECL-05 filing overdue while the university has not passed it", func(t *testing.T) {
		c := approved()
		for s, want := range map[declaration.Status]bool{declaration.StatusSubmitted: true, declaration.StatusUnitApproved: true,
			declaration.StatusSchoolApproved: false, declaration.StatusWithdrawn: false, declaration.StatusDraft: false} {
			c.Status = s
			if got := slices.Contains(check(c, nil, day(2027, 1, 21)), deadline.EventFilingOverdue); got != want {
				t.Errorf("%s on the day after FileBy: %v; want %v", s, got, want)
			}
			if slices.Contains(check(c, nil, day(2027, 1, 20)), deadline.EventFilingOverdue) {
				t.Errorf("%s on FileBy itself", s)
			}
		}
	})
	t.Run("R-DECL-11 NGO filing overdue unless confirmed", func(t *testing.T) {
		c := approved()
		if got := check(c, nil, day(2027, 4, 6)); !slices.Contains(got, deadline.EventNGOFilingOverdue) {
			t.Errorf("unconfirmed: %v", got)
		}
		if got := check(c, []deadline.Event{deadline.NGOFiled{FiledOn: day(2027, 3, 1)}}, day(2027, 4, 6)); slices.Contains(got, deadline.EventNGOFilingOverdue) {
			t.Errorf("confirmed: %v", got)
		}
	})
	t.Run("nothing before submission", func(t *testing.T) {
		c := approved()
		c.Submitted, c.Status = false, declaration.StatusDraft
		if got := check(c, nil, day(2028, 1, 1)); len(got) != 0 {
			t.Errorf("%v", got)
		}
	})
}

func TestConfirmNGOFiling(t *testing.T) {
	c := approved()
	now := on(day(2027, 3, 1))
	tr := deadline.New(confID)
	var ve *domain.ValidationError
	if err := tr.ConfirmNGOFiling(applicant, c, day(2027, 3, 2), declaration.Attachment{}, now); !errors.As(err, &ve) || ve.Fields[0].Rule != "R-DECL-11" {
		t.Errorf("R-DECL-11 a filing day in the future: %v", err)
	}
	other := domain.Actor{UserID: uuid.New(), Role: domain.RoleApplicant}
	if err := tr.ConfirmNGOFiling(other, c, day(2027, 3, 1), declaration.Attachment{}, now); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("someone else: %v", err)
	}
	noNGO := c
	noNGO.NGOFileBy = domain.Date{}
	var se *domain.StateError
	if err := tr.ConfirmNGOFiling(applicant, noNGO, day(2027, 3, 1), declaration.Attachment{}, now); !errors.As(err, &se) || se.Rule != "R-DECL-11" {
		t.Errorf("R-DECL-11 nothing to file: %v", err)
	}
	if err := tr.ConfirmNGOFiling(applicant, c, day(2027, 3, 1), declaration.Attachment{}, now); err != nil {
		t.Fatal(err)
	}
	if err := tr.ConfirmNGOFiling(applicant, c, day(2027, 3, 1), declaration.Attachment{}, now); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("twice: %v", err)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	for _, typ := range deadline.EventTypes() {
		if _, err := deadline.Decode(typ, []byte(`{}`)); err != nil {
			t.Errorf("%s: %v", typ, err)
		}
	}
	if _, err := deadline.Decode("deadline.nope", nil); !errors.Is(err, deadline.ErrUnknownEvent) {
		t.Errorf("unknown: %v", err)
	}
}
