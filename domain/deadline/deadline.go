// Package deadline owns the dates a conference must meet after it is
// declared, and the facts recorded when they pass (the deadline engine's
// decisions): the day the university files with the authority (R-DECL-05),
// the overseas NGO's filing day (R-DECL-11), the last day to request a
// change (R-CHG-02) and the summary's due date (R-SUM-02).
//
// Every due date is derived from the conference's events (its declaration,
// its change request, its summary) and the policy in force; nothing here
// stores a schedule. The engine calls Tracker.Check with "today" from the
// policy clock; the facts it records (…Overdue, reminders) are events, each
// recorded once per due date, so running the engine again, or twice at
// once, adds nothing (the store's expected version settles races).
package deadline

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/summary"
	"github.com/google/uuid"
)

// Kind names a deadline.
type Kind string

const (
	KindFiling       Kind = "filing"        // R-DECL-05: the university files by
	KindNGOFiling    Kind = "ngo_filing"    // R-DECL-11: 15 days before the start
	KindChangeWindow Kind = "change_window" // R-CHG-02: 2 months before the start
	KindSummary      Kind = "summary"       // R-SUM-02: 2 months after the end
)

// Kinds lists every kind in a stable order.
var Kinds = []Kind{KindFiling, KindNGOFiling, KindChangeWindow, KindSummary}

// Rule is the rule id the kind comes from.
func (k Kind) Rule() string {
	switch k {
	case KindFiling:
		return "R-DECL-05"
	case KindNGOFiling:
		return "R-DECL-11"
	case KindChangeWindow:
		return "R-CHG-02"
	case KindSummary:
		return "R-SUM-02"
	}
	return ""
}

// Zh is the Chinese label.
func (k Kind) Zh() string {
	switch k {
	case KindFiling:
		return "学校报批截止日"
	case KindNGOFiling:
		return "境外非政府组织临时活动备案截止日"
	case KindChangeWindow:
		return "变更申请截止日"
	case KindSummary:
		return "会议总结提交截止日"
	}
	return string(k)
}

// Remindee says who a kind's reminders are for: the applicant, or the
// university's international office (the filing is theirs).
func (k Kind) Remindee() domain.Role {
	if k == KindFiling {
		return domain.RoleSchoolAdmin
	}
	return domain.RoleApplicant
}

// Engine is the actor the deadline engine records its facts as.
var Engine = domain.Actor{UserID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("econf:deadline-engine")),
	Name: "deadline engine", Role: domain.RoleSystem}

// Conference is what the deadlines of one conference follow from, read
// from its declaration, change and summary streams by the command layer.
type Conference struct {
	Ref
	Status declaration.Status
	// Submitted is whether it was ever submitted (the lead dates exist).
	Submitted bool
	// FileBy and NGOFileBy come from the last submission (R-DECL-05,
	// R-DECL-11); NGOFileBy is zero when there is no NGO activity.
	FileBy, NGOFileBy domain.Date
	// OriginalStart is the start date before any approved change (R-CHG-02
	// counts from it); End is the effective end date after one (R-SUM-02).
	OriginalStart, End domain.Date
	// SummaryStatus is where its summary stands ("" when not opened).
	SummaryStatus summary.Status
}

// Due is one deadline of a conference as it stands.
type Due struct {
	Kind Kind        `json:"kind"`
	Date domain.Date `json:"date"`
	// Open is true while something is still to be done by Date (the filing
	// not passed, the NGO filing not confirmed, the summary not handed in,
	// the change window for an approved conference).
	Open bool `json:"open"`
}

// Dues derives a conference's deadlines with the policy in force; ngoFiled
// says the NGO filing was confirmed.
func Dues(c Conference, ngoFiled bool, p policy.Policy) []Due {
	var out []Due
	if !c.Submitted {
		return nil
	}
	var live bool // on its way or approved
	switch c.Status {
	case declaration.StatusSubmitted, declaration.StatusUnitApproved, declaration.StatusSchoolApproved,
		declaration.StatusAuthorityApproved:
		live = true
	}
	if !c.FileBy.IsZero() {
		waiting := c.Status == declaration.StatusSubmitted || c.Status == declaration.StatusUnitApproved
		out = append(out, Due{Kind: KindFiling, Date: c.FileBy, Open: waiting})
	}
	if !c.NGOFileBy.IsZero() {
		out = append(out, Due{Kind: KindNGOFiling, Date: c.NGOFileBy, Open: live && !ngoFiled})
	}
	if c.Status == declaration.StatusAuthorityApproved && !c.OriginalStart.IsZero() {
		out = append(out, Due{Kind: KindChangeWindow, Date: c.OriginalStart.AddMonths(-p.Change.LeadMonths), Open: true})
	}
	if c.Status == declaration.StatusAuthorityApproved && !c.End.IsZero() {
		in := c.SummaryStatus == summary.StatusSubmitted || c.SummaryStatus == summary.StatusAccepted
		out = append(out, Due{Kind: KindSummary, Date: p.Summary.DueDate(c.End), Open: !in})
	}
	return out
}

type key struct {
	kind Kind
	date domain.Date
}

// Tracker is the aggregate: the facts recorded for one conference. Build it
// with New, replay with Apply, call Check or ConfirmNGOFiling, store
// Pending.
type Tracker struct {
	id       uuid.UUID
	passed   map[key]bool
	reminded map[key][]int
	ngoFiled *NGOFiled
	pending  []Event
}

// New is the empty deadline history of a conference (declaration id).
func New(declarationID uuid.UUID) *Tracker {
	return &Tracker{id: declarationID, passed: map[key]bool{}, reminded: map[key][]int{}}
}

func (t *Tracker) ID() uuid.UUID { return t.id }

// NGOFiled is the confirmation of the NGO filing, nil when none.
func (t *Tracker) NGOFiled() *NGOFiled { return t.ngoFiled }

// Passed reports whether the deadline of kind on date was recorded as
// passed.
func (t *Tracker) Passed(k Kind, date domain.Date) bool { return t.passed[key{k, date}] }

// Pending are the events recorded since New, in order.
func (t *Tracker) Pending() []Event { return slices.Clone(t.pending) }

// Apply folds one stored event into the state; it never fails.
func (t *Tracker) Apply(e Event) {
	switch e := e.(type) {
	case Reminded:
		k := key{e.Kind, e.DueDate}
		t.reminded[k] = append(t.reminded[k], e.DaysBefore)
	case SummaryOverdue:
		t.passed[key{KindSummary, e.DueDate}] = true
	case FilingOverdue:
		t.passed[key{KindFiling, e.DueDate}] = true
	case NGOFilingOverdue:
		t.passed[key{KindNGOFiling, e.DueDate}] = true
	case ChangeWindowClosed:
		t.passed[key{KindChangeWindow, e.DueDate}] = true
	case NGOFiled:
		f := e
		t.ngoFiled = &f
	}
}

func (t *Tracker) record(e Event) {
	t.Apply(e)
	t.pending = append(t.pending, e)
}

// Check records, for today (Asia/Shanghai), every fact due and not yet
// recorded: a deadline whose date is before today and still open is
// recorded as passed (once per kind and date); an open deadline whose date
// is within one of the policy's reminder distances gets the nearest
// reminder (once per kind, date and distance; reminders missed while the
// engine was down are not made up for). The change window is recorded as
// closed once passed, whether or not a change was used.
func (t *Tracker) Check(c Conference, p policy.Policy, now time.Time) {
	today := domain.DateOf(now)
	ref := c.Ref
	ref.DeclarationID = t.id
	for _, d := range Dues(c, t.ngoFiled != nil, p) {
		if !d.Open {
			continue
		}
		k := key{d.Kind, d.Date}
		if today.After(d.Date) {
			if t.passed[k] {
				continue
			}
			ps := Passed{Ref: ref, DueDate: d.Date, Today: today, At: now}
			switch d.Kind {
			case KindFiling:
				t.record(FilingOverdue{ps})
			case KindNGOFiling:
				t.record(NGOFilingOverdue{ps})
			case KindChangeWindow:
				t.record(ChangeWindowClosed{ps})
			case KindSummary:
				t.record(SummaryOverdue{ps})
			}
			continue
		}
		if d.Kind == KindChangeWindow {
			continue // a change is optional: no reminders
		}
		if days, ok := p.Deadlines.Reminder(d.Date, today); ok && !slices.Contains(t.reminded[k], days) {
			t.record(Reminded{Ref: ref, Kind: d.Kind, DueDate: d.Date, DaysBefore: days, At: now})
		}
	}
}

// ConfirmNGOFiling records that the applicant filed the overseas NGO's
// temporary activity with the public security bureau on filedOn
// (R-DECL-11), with an optional receipt; once only, not in the future.
func (t *Tracker) ConfirmNGOFiling(a domain.Actor, c Conference, filedOn domain.Date, receipt declaration.Attachment, now time.Time) error {
	if a.Role != domain.RoleApplicant || a.UserID != c.ApplicantID {
		return fmt.Errorf("confirm NGO filing of %s: only its applicant may: %w", t.id, domain.ErrForbidden)
	}
	if c.NGOFileBy.IsZero() {
		return &domain.StateError{Rule: "R-DECL-11", Status: string(c.Status), Action: "confirm NGO filing",
			Message: "the declaration has no overseas NGO activity to file",
			Zh:      "该会议未申报境外非政府组织临时活动，无需备案"}
	}
	if t.ngoFiled != nil {
		return fmt.Errorf("confirm NGO filing of %s: confirmed on %s: %w", t.id, t.ngoFiled.FiledOn, domain.ErrConflict)
	}
	var pr domain.Problems
	switch today := domain.DateOf(now); {
	case filedOn.IsZero():
		pr.Add("filedOn", "R-DECL-11", "required: the day it was filed", "必填：备案日期")
	case filedOn.After(today):
		pr.Add("filedOn", "R-DECL-11", fmt.Sprintf("must not be after today (%s)", today),
			fmt.Sprintf("不得晚于今天（%s）", today))
	}
	if !receipt.IsZero() && !strings.HasPrefix(receipt.ContentType, "application/pdf") &&
		!strings.HasPrefix(receipt.ContentType, "image/") {
		pr.Add("receipt", "R-DECL-11", "must be a PDF or an image", "须为PDF或图片")
	}
	if err := pr.Err(); err != nil {
		return err
	}
	ref := c.Ref
	ref.DeclarationID = t.id
	t.record(NGOFiled{Ref: ref, FiledOn: filedOn, Attachment: receipt, At: now})
	return nil
}
