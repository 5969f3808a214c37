package funding

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
)

// The funded conference's obligations (第十三条–第十六条): acknowledging
// the funder (R-FUND-05), progress reports while preparing (R-FUND-09),
// the summary report within the policy's months after it ends
// (R-FUND-06), which the deadline engine follows.

// granted refuses an obligation of an application the bureau did not fund,
// or of an actor who is not its institute's administrator.
func (f *Funding) granted(a domain.Actor, action, rule string) error {
	if !f.Exists() {
		return fmt.Errorf("funding application %s: %w", f.id, domain.ErrNotFound)
	}
	if !f.admin(a) {
		return fmt.Errorf("%s of funding application %s: only its institute's administrator: %w", action, f.id, domain.ErrForbidden)
	}
	if f.status != StatusGranted {
		return &domain.StateError{Rule: rule, Status: string(f.status), Action: action,
			Message: "only a funded conference has this obligation", Zh: "仅获资助的会议须履行此项"}
	}
	return nil
}

// files checks the uploaded files' ids of an obligation.
func files(pr *domain.Problems, path, rule string, ids []uuid.UUID, required bool) {
	if required && len(ids) == 0 {
		pr.Add(path, rule, "upload the evidence and name its file", "请上传证明材料")
	}
	for i, id := range ids {
		if id == uuid.Nil {
			pr.Add(fmt.Sprintf("%s[%d]", path, i), "SCHEMA", "must be an uploaded file's id", "须为已上传文件的编号")
		}
	}
}

// Acknowledge records that the conference's materials acknowledge the
// funder (中国科学院国际合作局资助, R-FUND-05), with at least one uploaded
// file as evidence; note is optional.
func (f *Funding) Acknowledge(a domain.Actor, evidence []uuid.UUID, note string, t policy.TextLimits, now time.Time) error {
	if err := f.granted(a, "acknowledge the funder", "R-FUND-05"); err != nil {
		return err
	}
	var pr domain.Problems
	files(&pr, "evidence", "R-FUND-05", evidence, true)
	note = strings.TrimSpace(note)
	pr.MaxChars("note", "SCHEMA", note, t.Long)
	if err := pr.Err(); err != nil {
		return err
	}
	f.record(Acknowledged{Evidence: slices.Clone(evidence), Note: note, By: a.UserID, At: now})
	return nil
}

// ReportProgress records a progress report (进展情况, R-FUND-09) while the
// conference is prepared: up to its closing day, included.
func (f *Funding) ReportProgress(a domain.Actor, text string, ids []uuid.UUID, t policy.TextLimits, now time.Time) error {
	if err := f.granted(a, "report progress", "R-FUND-09"); err != nil {
		return err
	}
	var pr domain.Problems
	text = strings.TrimSpace(text)
	if pr.Required("text", "R-FUND-09", text) {
		pr.MaxChars("text", "SCHEMA", text, t.Long)
	}
	files(&pr, "files", "R-FUND-09", ids, false)
	if today, end := domain.DateOf(now), f.app.Conference.ClosingDate; today.After(end) {
		pr.Add("text", "R-FUND-09",
			fmt.Sprintf("progress is reported while the conference is prepared; it ended on %s: hand in the summary report", end),
			fmt.Sprintf("会议已于%s结束，请提交会议总结报告", end))
	}
	if err := pr.Err(); err != nil {
		return err
	}
	f.record(ProgressFiled{Text: text, Files: slices.Clone(ids), By: a.UserID, At: now})
	return nil
}

// SummaryDue is the last day of the summary report, ok once granted
// (R-FUND-06).
func (f *Funding) SummaryDue(r policy.FundingRules) (domain.Date, bool) {
	if f.status != StatusGranted {
		return domain.Date{}, false
	}
	return r.SummaryDue(f.app.Conference.ClosingDate), true
}

// FileSummary records the summary report (R-FUND-06, R-FUND-09: its
// results and media): once, from the conference's closing day; after the
// due day it is recorded as late.
func (f *Funding) FileSummary(a domain.Actor, text string, ids []uuid.UUID, p policy.Policy, now time.Time) error {
	if err := f.granted(a, "hand in the summary report", "R-FUND-06"); err != nil {
		return err
	}
	if f.after.summary != nil {
		return &domain.StateError{Rule: "R-FUND-06", Status: string(f.status), Action: "hand in the summary report",
			Message: fmt.Sprintf("the summary report was handed in on %s", domain.DateOf(f.after.summary.At)),
			Zh:      fmt.Sprintf("会议总结报告已于%s提交", domain.DateOf(f.after.summary.At))}
	}
	var pr domain.Problems
	text = strings.TrimSpace(text)
	if pr.Required("text", "R-FUND-06", text) {
		pr.MaxChars("text", "SCHEMA", text, p.Text.Long)
	}
	files(&pr, "files", "R-FUND-09", ids, false)
	today, end := domain.DateOf(now), f.app.Conference.ClosingDate
	if today.Before(end) {
		pr.Add("text", "R-FUND-06", fmt.Sprintf("the summary follows the conference, which ends on %s", end),
			fmt.Sprintf("会议于%s结束，结束后提交总结报告", end))
	}
	if err := pr.Err(); err != nil {
		return err
	}
	due, _ := f.SummaryDue(p.Funding)
	f.record(SummaryFiled{Text: text, Files: slices.Clone(ids), DueDate: due, Late: today.After(due), By: a.UserID, At: now})
	return nil
}

// CheckDeadlines is the deadline engine's decision (R-FUND-06): a funded
// summary not in after its due day is recorded overdue, once per due day;
// before it, the nearest of the policy's reminders not yet sent.
func (f *Funding) CheckDeadlines(p policy.Policy, now time.Time) {
	due, ok := f.SummaryDue(p.Funding)
	if !ok || f.after.summary != nil {
		return
	}
	today := domain.DateOf(now)
	if today.After(due) {
		if !f.after.overdue[due] {
			f.record(SummaryOverdue{Institute: f.place.Institute, DueDate: due, Today: today, At: now})
		}
		return
	}
	if days, ok := p.Deadlines.Reminder(due, today); ok && !slices.Contains(f.after.reminded[due], days) {
		f.record(SummaryReminded{Institute: f.place.Institute, DueDate: due, DaysBefore: days, At: now})
	}
}

// Obligation is where a funded application's summary stands, for the
// institute's eligibility (R-FUND-06).
type Obligation struct {
	FundingID uuid.UUID   `json:"fundingId"`
	NameZh    string      `json:"nameZh"`
	Year      int         `json:"year"` // the conference's year
	DueDate   domain.Date `json:"dueDate"`
	// FiledOn is the day the summary was handed in, zero while it is not.
	FiledOn domain.Date `json:"filedOn,omitzero"`
}

// Obligation answers the summary's standing; ok is false unless granted.
func (f *Funding) Obligation(r policy.FundingRules) (Obligation, bool) {
	due, ok := f.SummaryDue(r)
	if !ok {
		return Obligation{}, false
	}
	o := Obligation{FundingID: f.id, NameZh: f.app.Conference.NameZh, Year: f.app.Conference.OpeningDate.Year, DueDate: due}
	if f.after.summary != nil {
		o.FiledOn = domain.DateOf(f.after.summary.At)
	}
	return o, true
}
