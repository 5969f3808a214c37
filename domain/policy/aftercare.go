package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/econf/econf/domain"
)

// ChangeRules are the change request's parameters (R-CHG-02..04, R-POL-01).
type ChangeRules struct {
	// LeadMonths: a change is requested on or before the original start
	// date minus this many calendar months (R-CHG-02).
	LeadMonths int `json:"leadMonths"`
	// MaxRequests is how many change requests a conference may make in
	// all, rejected ones included (R-CHG-03).
	MaxRequests int `json:"maxRequests"`
	// DescriptionMax bounds the description (变更说明), in characters
	// (R-CHG-04).
	DescriptionMax int `json:"descriptionMax"`
}

// DefaultChangeRules are the seed's values (000 §四): 2 months, once per
// conference.
func DefaultChangeRules() ChangeRules {
	return ChangeRules{LeadMonths: 2, MaxRequests: 1, DescriptionMax: 2000}
}

// Validate checks that the rules can be applied; every problem at once.
func (r ChangeRules) Validate() error {
	var pr domain.Problems
	positive(&pr, "leadMonths", r.LeadMonths, 0)
	positive(&pr, "maxRequests", r.MaxRequests, 1)
	positive(&pr, "descriptionMax", r.DescriptionMax, 1)
	return pr.Err()
}

// BlockScope is who an overdue summary blocks from submitting new
// declarations (R-SUM-02).
type BlockScope string

const (
	BlockApplicant  BlockScope = "applicant"  // the conference's applicant (default)
	BlockUnit       BlockScope = "unit"       // everyone in the applicant's unit
	BlockUniversity BlockScope = "university" // everyone in the university (the seed's words)
)

// Valid reports whether s is a known scope.
func (s BlockScope) Valid() bool {
	return s == BlockApplicant || s == BlockUnit || s == BlockUniversity
}

// SummaryRules are the summary's parameters (R-SUM-02, R-SUM-03, R-POL-01).
type SummaryRules struct {
	DueMonths        int        `json:"dueMonths"`        // R-SUM-02: 2
	BlockScope       BlockScope `json:"blockScope"`       // R-SUM-02: applicant
	MinAcademicChars int        `json:"minAcademicChars"` // R-SUM-03: 3000 (至少3000字)
	MaxAcademicChars int        `json:"maxAcademicChars"` // shape limit
	MinPhotos        int        `json:"minPhotos"`        // R-SUM-03: 3
	MaxPhotos        int        `json:"maxPhotos"`        // R-SUM-03: 5
	PhotoContentType string     `json:"photoContentType"` // R-SUM-03: JPG
}

// DefaultSummaryRules are the seed's values (000 §五, 001).
func DefaultSummaryRules() SummaryRules {
	return SummaryRules{DueMonths: 2, BlockScope: BlockApplicant, MinAcademicChars: 3000, MaxAcademicChars: 100_000,
		MinPhotos: 3, MaxPhotos: 5, PhotoContentType: "image/jpeg"}
}

// Validate checks that the rules can be applied; every problem at once.
func (r SummaryRules) Validate() error {
	var pr domain.Problems
	positive(&pr, "dueMonths", r.DueMonths, 1)
	if !r.BlockScope.Valid() {
		pr.Add("blockScope", "R-POL-01", `must be "applicant", "unit" or "university"`,
			"须为applicant、unit或university之一")
	}
	positive(&pr, "minAcademicChars", r.MinAcademicChars, 0)
	positive(&pr, "maxAcademicChars", r.MaxAcademicChars, max(r.MinAcademicChars, 1))
	positive(&pr, "minPhotos", r.MinPhotos, 0)
	positive(&pr, "maxPhotos", r.MaxPhotos, max(r.MinPhotos, 1))
	if strings.TrimSpace(r.PhotoContentType) == "" {
		pr.Add("photoContentType", "R-POL-01", "required", "必填")
	}
	return pr.Err()
}

// DueDate is the last day to submit the summary of a conference ending on
// end: end plus DueMonths calendar months (R-SUM-02, R-POL-02).
func (r SummaryRules) DueDate(end domain.Date) domain.Date { return end.AddMonths(r.DueMonths) }

// Overdue reports whether the summary of a conference that ended on end,
// not handed in, is overdue on today (R-SUM-02).
func (r SummaryRules) Overdue(end, today domain.Date) bool { return today.After(r.DueDate(end)) }

// LatestOverdueEnd is the latest end date whose summary, not handed in, is
// overdue on today: every conference that ended on or before it is overdue,
// every later one is not (DueDate never decreases as end grows). Queries
// use it to select overdue rows by end date.
func (r SummaryRules) LatestOverdueEnd(today domain.Date) domain.Date {
	d := today.AddMonths(-r.DueMonths).AddDays(3)
	for !r.Overdue(d, today) {
		d = d.AddDays(-1)
	}
	return d
}

// DeadlineRules drive the deadline engine's reminders (R-SUM-02,
// R-DECL-05, R-DECL-11).
type DeadlineRules struct {
	// ReminderDays are how many days before a due date a reminder goes
	// out, e.g. 14 and 3; a day missed (the engine was down) is not made
	// up for, the next nearer one is sent.
	ReminderDays []int `json:"reminderDays"`
}

// DefaultDeadlineRules remind two weeks and three days before.
func DefaultDeadlineRules() DeadlineRules { return DeadlineRules{ReminderDays: []int{14, 3}} }

// Validate checks that the rules can be applied; every problem at once.
func (r DeadlineRules) Validate() error {
	var pr domain.Problems
	seen := map[int]bool{}
	for i, d := range r.ReminderDays {
		path := fmt.Sprintf("reminderDays[%d]", i)
		switch {
		case d < 1 || d > 366:
			pr.Add(path, "R-POL-01", "must be between 1 and 366 days", "须在1至366天之间")
		case seen[d]:
			pr.Add(path, "R-POL-01", "duplicate", "重复")
		}
		seen[d] = true
	}
	return pr.Err()
}

// Reminder is the reminder due on today for a date due, as days before
// it: the smallest configured number of days d with due-d <= today <=
// due; ok is false when none applies.
func (r DeadlineRules) Reminder(due, today domain.Date) (days int, ok bool) {
	ds := slices.Clone(r.ReminderDays)
	slices.Sort(ds)
	for _, d := range ds {
		if !today.Before(due.AddDays(-d)) && !today.After(due) {
			return d, true
		}
	}
	return 0, false
}
