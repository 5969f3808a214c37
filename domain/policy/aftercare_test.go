package policy

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/econf/econf/domain"
)

func TestAftercareRulesInPolicy(t *testing.T) {
	t.Run("R-POL-01 change, summary and deadline rules are validated with the policy", func(t *testing.T) {
		p := Default()
		p.Change.MaxRequests = 0
		p.Summary.BlockScope = "faculty"
		p.Deadlines.ReminderDays = []int{14, 0, 14}
		var ve *domain.ValidationError
		if err := p.Validate(); !errors.As(err, &ve) {
			t.Fatalf("Validate: %v", err)
		}
		var paths []string
		for _, f := range ve.Fields {
			paths = append(paths, f.Path)
		}
		for _, want := range []string{"change.maxRequests", "summary.blockScope", "deadlines.reminderDays[1]", "deadlines.reminderDays[2]"} {
			if !slices.Contains(paths, want) {
				t.Errorf("paths %v lack %s", paths, want)
			}
		}
	})
	t.Run("R-POL-01 policies published before these rules read with the seed's defaults", func(t *testing.T) {
		var old Policy
		old = old.Upcast()
		if old.Change != DefaultChangeRules() || old.Summary != DefaultSummaryRules() || !slices.Equal(old.Deadlines.ReminderDays, []int{14, 3}) {
			t.Errorf("upcast: %+v %+v %+v", old.Change, old.Summary, old.Deadlines)
		}
		if old.Summary.BlockScope != BlockApplicant {
			t.Errorf("R-SUM-02 default blocking scope: %s", old.Summary.BlockScope)
		}
	})
}

func TestLatestOverdueEnd(t *testing.T) {
	r := DefaultSummaryRules()
	d := func(y, m, day int) domain.Date { return domain.Date{Year: y, Month: time.Month(m), Day: day} }
	// R-SUM-02, R-POL-02: calendar months, clamped at month ends.
	for _, today := range []domain.Date{d(2027, 6, 24), d(2027, 3, 1), d(2027, 4, 30), d(2027, 5, 1), d(2028, 2, 29)} {
		last := r.LatestOverdueEnd(today)
		if !r.Overdue(last, today) || r.Overdue(last.AddDays(1), today) {
			t.Errorf("today %s: latest overdue end %s: overdue %v, next day overdue %v", today, last,
				r.Overdue(last, today), r.Overdue(last.AddDays(1), today))
		}
	}
	if got := r.LatestOverdueEnd(d(2027, 6, 24)); got != d(2027, 4, 23) {
		t.Errorf("2027-06-24: %s; want 2027-04-23 (due 2027-06-23)", got)
	}
}

func TestReminder(t *testing.T) {
	r := DefaultDeadlineRules()
	due := domain.Date{Year: 2027, Month: 6, Day: 22}
	for _, c := range []struct {
		before int
		days   int
		ok     bool
	}{{15, 0, false}, {14, 14, true}, {4, 14, true}, {3, 3, true}, {0, 3, true}, {-1, 0, false}} {
		days, ok := r.Reminder(due, due.AddDays(-c.before))
		if days != c.days || ok != c.ok {
			t.Errorf("%d days before: %d %v; want %d %v", c.before, days, ok, c.days, c.ok)
		}
	}
}
